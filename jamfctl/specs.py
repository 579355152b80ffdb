"""What jamfctl knows about each Jamf resource, declared once as plain data.

A read-only noun is a `ResourceSpec`: the generic `list`/`show` commands (jamfctl.cli.resource), the
reads (jamfctl.resources.collection), `--fields`, CSV columns, privileges in 403 messages, help and
completion are all built from it and from its generated field catalogue
(jamfctl/resources/catalogue/<name>.json, made by scripts/generate_catalogues.py from Jamf's schema).

Pure stdlib and cheap: `--help` and shell completion import this module, nothing heavier.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    header: str
    path: str
    no_wrap: bool = False  # identifiers (serials, ids) stay whole, so a copied value is the real one
    timestamp: bool = False  # an ISO 8601 UTC time, shown to people as "2026-11-29 22:38" (tables only)


@dataclass(frozen=True)
class Lookup:
    """The positional key of `show` (SERIAL, USERNAME): an RSQL field the list endpoint filters on."""

    metavar: str
    filter_field: str
    record_path: str  # where the record holds it (the table title shows it)
    validator: str  # a jamfctl.validate function name: "serial", "name"
    what: str  # "serial number", in messages
    example: str


@dataclass(frozen=True)
class ResourceSpec:
    name: str  # the catalogue's name, unique: "mobile", "computer-group"
    noun: str  # the CLI noun: `jamfctl mobile`
    singular: str  # "mobile device", in messages
    plural: str
    summary: str  # one line for `jamfctl --help`
    list_path: str  # under the server URL, e.g. "/api/v1/scripts"
    item_path: str | None  # "/api/v1/scripts/{id}"; None: the list is the only read (show picks from it)
    columns: tuple[Column, ...]  # the default list table
    examples: tuple[str, ...] = ()
    api: str = "modern"  # or "classic" (/JSSResource, JSON)
    paged: bool = True  # page/page-size/totalCount; False: one unpaged array
    id_field: str = "id"  # Jamf's id field; printed records always also carry `id`
    name_field: str = "name"  # the record path that holds the name
    name_filter: str | None = "name"  # the RSQL field `--name` filters on; None: matched here, client-side
    lookup: Lookup | None = None
    list_sections: tuple[str, ...] = ()  # inventory sections fetched by default (nouns with sections only)
    show_sections: tuple[str, ...] = ()
    extra_params: tuple[tuple[str, str], ...] = ()  # sent with every list request
    stable_sort: str = "id:asc"  # pages are fetched concurrently: the order must be total
    max_page_size: int = 2000
    classic_keys: tuple[str, str] = ("", "")  # Classic JSON wrappers: (list key, item key)
    classic_privileges: tuple[str, ...] = ()  # the Classic API names none; Jamf's privilege names
    variant: str = ""  # a noun with two kinds (group): "" for the default kind, else its switch
    detail_paths: tuple[str, ...] = ()  # item reads beyond the list row (a smart group's criteria), by kind
    members_path: str = ""  # a paged membership list (mobile groups), "{id}" filled in
    body_field: str = ""  # a long text (a script) shown below the table by `show`, left out of list tables
    hooks: str = ""  # a module with the noun's own extras (record checks, detail, members), imported when it runs
    verbs: tuple[str, ...] = ("list", "show")  # beyond these, a verb is a function of the same name in `hooks`
    cli: tuple[str, ...] = ()  # jamfctl.cli modules adding the noun's other verbs: each has register(app, specs)
    unwrapped: frozenset[str] = field(default=frozenset({"id"}))

    @property
    def command(self) -> str:
        return f"{self.noun} --{self.variant}" if self.variant else self.noun


@dataclass(frozen=True)
class Write:
    """A command that changes something on the server, declared once: the read-only refusal, the
    confirmation, --dry-run and `jamfctl commands` all read this (see jamfctl.cli.writes)."""

    command: str  # "computer restart"
    endpoints: tuple[str, ...]  # "POST /api/v2/mdm/commands"
    privileges: tuple[str, ...]
    destructive: bool = False  # erases or unmanages: its confirmation says so


def _spec(**kwargs) -> ResourceSpec:
    return ResourceSpec(**kwargs)


SERIAL = Lookup("SERIAL", "hardware.serialNumber", "hardware.serialNumber", "serial", "serial number", "C02XK1JMJG5H")

RESOURCES: tuple[ResourceSpec, ...] = (
    _spec(
        name="computer", noun="computer", singular="computer", plural="computers",
        summary="Computers in Jamf Pro inventory.",
        list_path="/api/v4/computers-inventory", item_path="/api/v4/computers-inventory/{id}",
        name_field="general.name", name_filter="general.name", lookup=SERIAL,
        list_sections=("GENERAL", "HARDWARE", "OPERATING_SYSTEM", "USER_AND_LOCATION"),
        show_sections=("GENERAL", "HARDWARE", "OPERATING_SYSTEM", "USER_AND_LOCATION", "SECURITY", "DISK_ENCRYPTION"),
        columns=(Column("Name", "general.name"), Column("Serial", "hardware.serialNumber", no_wrap=True),
                 Column("Model", "hardware.model"), Column("OS", "operatingSystem.version"),
                 Column("Checked in (UTC)", "general.lastContact", timestamp=True),
                 Column("Managed", "general.remoteManagement.managed"), Column("User", "userAndLocation.username")),
        examples=("jamfctl computer show C02XK1JMJG5H", "jamfctl computer list --name 'ENG-*' -o json",
                  "jamfctl computer list --filter 'operatingSystem.version=lt=14' --all -o json | jq length"),
        hooks="jamfctl.resources.computers", unwrapped=frozenset({"id", "udid", "hardware.serialNumber"}),
        cli=("jamfctl.cli.secrets", "jamfctl.cli.actions", "jamfctl.cli.health"),
    ),
    _spec(
        name="mobile", noun="mobile", singular="mobile device", plural="mobile devices",
        summary="Mobile devices (iPhone, iPad, Apple TV, Vision Pro) in Jamf Pro inventory. (Jamf's API has no "
                "endpoint that returns a mobile device's passcode or lock PIN, so jamfctl has no command for one.)",
        list_path="/api/v2/mobile-devices/detail", item_path=None, id_field="mobileDeviceId",
        name_field="general.displayName", name_filter="displayName",
        lookup=Lookup("SERIAL", "serialNumber", "hardware.serialNumber", "serial", "serial number", "DMQX7Y2KJF8L"),
        list_sections=("GENERAL", "HARDWARE", "USER_AND_LOCATION"),
        show_sections=("GENERAL", "HARDWARE", "USER_AND_LOCATION", "SECURITY", "NETWORK"),
        # LENIENT: one broken device record must not turn a whole page of 2000 into a 500 (STRICT's default);
        # Jamf then sends that device's broken sections as null, which jamfctl shows as empty.
        extra_params=(("exception-handling", "LENIENT"),), stable_sort="mobileDeviceId:asc",
        columns=(Column("Name", "general.displayName"), Column("Serial", "hardware.serialNumber", no_wrap=True),
                 Column("Model", "hardware.model"), Column("Type", "deviceType"), Column("OS", "general.osVersion"),
                 Column("User", "userAndLocation.username"),
                 Column("Inventory (UTC)", "general.lastInventoryUpdateDate", timestamp=True),
                 Column("Managed", "general.managed"), Column("Supervised", "general.supervised")),
        examples=("jamfctl mobile list --filter 'osVersion=lt=18' -o json", "jamfctl mobile show DMQX7Y2KJF8L"),
        unwrapped=frozenset({"id", "hardware.serialNumber", "mobileDeviceId"}),
        cli=("jamfctl.cli.actions",),
    ),
    _spec(
        name="computer-group", noun="group", singular="computer group", plural="computer groups",
        summary="Computer and mobile device groups, smart and static, and their members.",
        list_path="/api/v1/computer-groups", item_path=None, paged=False, name_filter=None,
        detail_paths=("/api/v3/computer-groups/smart-groups/{id}", "/api/v3/computer-groups/static-groups/{id}"),
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name"), Column("Smart", "smartGroup"),
                 Column("Description", "description")),
        examples=("jamfctl group list", "jamfctl group members --name 'All Managed Clients'",
                  "jamfctl group show --mobile --id 2 -o json"),
        hooks="jamfctl.resources.groups", verbs=("list", "show", "members"),
    ),
    _spec(
        name="mobile-group", noun="group", singular="mobile device group", plural="mobile device groups",
        summary="", variant="mobile",
        list_path="/api/v2/mobile-device-groups", item_path=None, paged=False, name_filter=None,
        detail_paths=("/api/v2/mobile-device-groups/smart-groups/{id}", "/api/v2/mobile-device-groups/static-groups/{id}"),
        members_path="/api/v2/mobile-device-groups/{kind}-group-membership/{id}",
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name"), Column("Smart", "isSmartGroup"),
                 Column("Description", "description")),
        hooks="jamfctl.resources.groups", verbs=("list", "show", "members"),
    ),
    _spec(
        name="user", noun="user", singular="user", plural="users", summary="Users (the people devices belong to).",
        list_path="/api/v1/users", item_path="/api/v1/users/{id}", name_field="username", name_filter="username",
        lookup=Lookup("USERNAME", "username", "username", "name", "username", "jsmith"), max_page_size=1000,
        columns=(Column("Id", "id", no_wrap=True), Column("Username", "username"), Column("Name", "realname"),
                 Column("Email", "email"), Column("Position", "position"), Column("Managed Apple ID", "managedAppleId")),
        examples=("jamfctl user show jsmith", "jamfctl user list --filter 'email==\"*@example.com\"' --all -o csv"),
    ),
    _spec(
        name="policy", noun="policy", singular="policy", plural="policies", summary="Policies (Classic API).",
        api="classic", list_path="/JSSResource/policies", item_path="/JSSResource/policies/id/{id}", paged=False,
        name_field="general.name", name_filter=None, classic_keys=("policies", "policy"),
        classic_privileges=("Read Policies",),
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name")),
        examples=("jamfctl policy list -o json | jq -r '.[].name'", "jamfctl policy show --name 'Install Firefox'"),
        cli=("jamfctl.cli.files",),
    ),
    _spec(
        name="config-profile", noun="config-profile", singular="configuration profile",
        plural="configuration profiles", summary="macOS configuration profiles (Classic API).",
        api="classic", list_path="/JSSResource/osxconfigurationprofiles",
        item_path="/JSSResource/osxconfigurationprofiles/id/{id}", paged=False, name_field="general.name",
        name_filter=None, classic_keys=("os_x_configuration_profiles", "os_x_configuration_profile"),
        classic_privileges=("Read macOS Configuration Profiles",),
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name")),
        examples=("jamfctl config-profile list", "jamfctl config-profile show --id 1 -o json | jq .general.payloads"),
        hooks="jamfctl.resources.profiles", cli=("jamfctl.cli.files",),
    ),
    _spec(
        name="script", noun="script", singular="script", plural="scripts", summary="Scripts.",
        list_path="/api/v1/scripts", item_path="/api/v1/scripts/{id}", body_field="scriptContents",
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name"), Column("Category", "categoryName"),
                 Column("Priority", "priority"), Column("OS", "osRequirements"), Column("Info", "info")),
        examples=("jamfctl script show --name 'Install Rosetta'",
                  "jamfctl script list --filter 'scriptContents==\"*curl*\"' -o json | jq -r '.[].name'"),
        cli=("jamfctl.cli.files",),
    ),
    _spec(
        name="package", noun="package", singular="package", plural="packages", summary="Packages.",
        list_path="/api/v1/packages", item_path="/api/v1/packages/{id}", name_field="packageName",
        name_filter="packageName",
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "packageName"), Column("File", "fileName"),
                 Column("Category", "categoryId"), Column("Priority", "priority"), Column("Size", "size"),
                 Column("Reboot", "rebootRequired")),
        examples=("jamfctl package list --name 'Firefox*'", "jamfctl package show --id 3 -o json | jq .sha256"),
    ),
    _spec(
        name="category", noun="category", singular="category", plural="categories", summary="Categories.",
        list_path="/api/v1/categories", item_path="/api/v1/categories/{id}",
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name"), Column("Priority", "priority")),
        examples=("jamfctl category list", "jamfctl category show --name 'Security' -o json"),
    ),
    _spec(
        name="building", noun="building", singular="building", plural="buildings", summary="Buildings.",
        list_path="/api/v1/buildings", item_path="/api/v1/buildings/{id}",
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name"), Column("City", "city"),
                 Column("State", "stateProvince"), Column("Country", "country")),
        examples=("jamfctl building list --filter 'city==\"Lon*\"'", "jamfctl building show --id 1 -o yaml"),
    ),
    _spec(
        name="department", noun="department", singular="department", plural="departments", summary="Departments.",
        list_path="/api/v1/departments", item_path="/api/v1/departments/{id}",
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name")),
        examples=("jamfctl department list -o csv", "jamfctl department show --name Engineering"),
    ),
    _spec(
        name="site", noun="site", singular="site", plural="sites", summary="Sites.",
        list_path="/api/v1/sites", item_path=None, paged=False, name_filter=None,
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name")),
        examples=("jamfctl site list", "jamfctl site show --name 'Europe' -o json"),
    ),
    _spec(
        name="distribution-point", noun="distribution-point", singular="distribution point",
        plural="distribution points", summary="File share distribution points (where Macs download packages).",
        list_path="/api/v1/distribution-points", item_path="/api/v1/distribution-points/{id}",
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name"), Column("Server", "serverName"),
                 Column("Principal", "principal"), Column("Share", "fileSharingConnectionType"),
                 Column("HTTPS", "httpsEnabled")),
        examples=("jamfctl distribution-point list", "jamfctl distribution-point list --filter 'principal==true'"),
    ),
    _spec(
        name="ext-attr", noun="ext-attr", singular="computer extension attribute",
        plural="computer extension attributes", summary="Computer extension attributes.",
        list_path="/api/v1/computer-extension-attributes", item_path="/api/v1/computer-extension-attributes/{id}",
        columns=(Column("Id", "id", no_wrap=True), Column("Name", "name"), Column("Type", "dataType"),
                 Column("Input", "inputType"), Column("Enabled", "enabled"),
                 Column("Shown in", "inventoryDisplayType"), Column("Description", "description")),
        examples=("jamfctl ext-attr list", "jamfctl ext-attr show --name 'Battery Cycle Count' -o json"),
        body_field="scriptContents",
    ),
)

BY_NAME: dict[str, ResourceSpec] = {spec.name: spec for spec in RESOURCES}


def nouns() -> dict[str, tuple[ResourceSpec, ...]]:
    """CLI noun -> its specs (the default kind first), in declaration order."""
    out: dict[str, list[ResourceSpec]] = {}
    for spec in RESOURCES:
        out.setdefault(spec.noun, []).append(spec)
    return {noun: tuple(sorted(specs, key=lambda s: bool(s.variant))) for noun, specs in out.items()}


# Every command that writes, by its command line: `jamfctl commands`, the read-only refusal, the confirmation
# and --dry-run read this (jamfctl.cli.writes). A writing command that is not here fails tests/test_writes.py.
WRITES: tuple[Write, ...] = (
    # MDM actions (jamfctl/cli/actions.py): add entries here
    Write("computer lock", ("POST /api/v2/mdm/commands",),
          ("Read Computers", "View MDM command information in Jamf Pro API", "Send Computer Remote Lock Command")),
    Write("computer erase", ("POST /api/v4/computers-inventory/{id}/erase",),
          ("Read Computers", "Send Computer Remote Wipe Command"), destructive=True),
    Write("computer restart", ("POST /api/v2/mdm/commands",),
          ("Read Computers", "View MDM command information in Jamf Pro API")),
    Write("computer shutdown", ("POST /api/v2/mdm/commands",),
          ("Read Computers", "View MDM command information in Jamf Pro API")),
    Write("computer blank-push", ("POST /api/v2/mdm/blank-push",),
          ("Read Computers", "View MDM command information in Jamf Pro API")),
    Write("computer renew-mdm", ("POST /api/v1/mdm/renew-profile",),
          ("Read Computers", "Send Command to Renew MDM Profile")),
    Write("computer remove-mdm", ("POST /api/v4/computers-inventory/{id}/remove-mdm-profile",),
          ("Read Computers", "Send Computer Unmanage Command"), destructive=True),
    Write("mobile lock", ("POST /api/v2/mdm/commands",),
          ("Read Mobile Devices", "View MDM command information in Jamf Pro API", "Send Mobile Device Remote Lock Command")),
    Write("mobile erase", ("POST /api/v2/mobile-devices/{id}/erase",),
          ("Read Mobile Devices", "Send Mobile Device Remote Wipe Command"), destructive=True),
    Write("mobile restart", ("POST /api/v2/mdm/commands",),
          ("Read Mobile Devices", "View MDM command information in Jamf Pro API", "Send Mobile Device Restart Device Command")),
    Write("mobile shutdown", ("POST /api/v2/mdm/commands",),
          ("Read Mobile Devices", "View MDM command information in Jamf Pro API", "Send Mobile Device Shut Down Command")),
    Write("mobile clear-passcode", ("POST /api/v2/mdm/commands",),
          ("Read Mobile Devices", "View MDM command information in Jamf Pro API", "Send Mobile Device Remove Passcode Command"), destructive=True),
    Write("mobile lost-mode", ("POST /api/v2/mdm/commands",),
          ("Read Mobile Devices", "View MDM command information in Jamf Pro API", "Send Mobile Device Lost Mode Command")),
    Write("mobile update-inventory", ("POST /JSSResource/mobiledevicecommands/command/UpdateInventory/id/{id_list}",),
          ("Read Mobile Devices", "Send Inventory Requests to Mobile Devices")),
    Write("mobile remove-mdm", ("POST /api/v2/mobile-devices/{id}/unmanage",),
          ("Read Mobile Devices", "Unmanage Mobile Devices"), destructive=True),
    Write(command="api", endpoints=("POST|PUT|PATCH|DELETE any path in the schema",),
          privileges=("as the schema names for the endpoint",), destructive=True),
    # script push, policy enable/disable (config as files): add entries here
    Write(command="script push", endpoints=("POST /api/v1/scripts", "PUT /api/v1/scripts/{id}"),
          privileges=("Create Scripts", "Update Scripts")),
    Write(command="policy enable", endpoints=("PUT /JSSResource/policies/id/{id}",), privileges=("Update Policies",)),
    Write(command="policy disable", endpoints=("PUT /JSSResource/policies/id/{id}",), privileges=("Update Policies",)),
    Write(command="multi", endpoints=("those of COMMAND, on each instance (needs --yes N, N instances)",),
          privileges=("those of COMMAND",)),
    # setup (jamfctl/cli/setup.py): the admin's privileges (a user token), never the API client's own
    Write(command="setup", endpoints=("POST /api/v1/auth/token", "GET /api/v1/api-role-privileges",
                                      "POST /api/v1/api-roles", "PUT /api/v1/api-roles/{id}",
                                      "POST /api/v1/api-integrations", "PUT /api/v1/api-integrations/{id}",
                                      "POST /api/v1/api-integrations/{id}/client-credentials",
                                      "POST /api/v1/auth/invalidate-token"),
          privileges=("Read API Roles", "Create API Roles", "Update API Roles", "Read API Integrations",
                      "Create API Integrations", "Update API Integrations")),
)


def write_for(command: str) -> Write | None:
    return next((w for w in WRITES if w.command == command), None)
