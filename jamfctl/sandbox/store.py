"""The sandbox's object store: every object the read-side nouns serve, seeded and related to one fleet.

Plain dicts in the JSON shapes Jamf returns. Everything is derived from (fleet, fleet.seed), so a seed always yields
the same store. Reference nouns (buildings, scripts, groups, ...) are small and built on first use; per-device
records (mobile inventory) are built on demand from compact cores, as computers' are (see fleet.py, mobile.py).

Relations that hold: users are the fleet's computer usernames (user N owns computer N and the mobile devices with
that username); smart groups' criteria are really evaluated over the fleet (Criteria below); static groups hold
explicit members; scripts and packages sit in categories that exist; policies and profiles (classic_data.py) are
scoped to groups that exist (by id and name) and use scripts and packages that exist.
"""

from __future__ import annotations

import random
from hashlib import blake2b
from itertools import compress
from operator import attrgetter
from typing import Callable, NamedTuple, Sequence

from . import catalog
from .fleet import DAY, REFERENCE_EPOCH, Computer, Fleet


class Collection(NamedTuple):
    rows: list[dict]  # what the LIST endpoint returns per result, in id order
    items: dict[str, dict]  # str(id) -> what the ITEM endpoint /{id} returns


def _hex(seed: int, tag: str, size: int) -> str:
    return blake2b(f"{seed}:{tag}".encode(), digest_size=size).hexdigest()


def _rng(seed: int, tag: str) -> random.Random:
    return random.Random(f"{seed}:{tag}")  # str seeds hash with sha512: stable across processes


# --- smart group criteria ------------------------------------------------------------------------------------

def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def value_test(search_type: str, wanted: str, kind: str = "string") -> Callable[[str], bool]:
    """A predicate over one criterion's (string) value, as Jamf's operators define it (case-insensitive)."""
    want = wanted.casefold()
    if search_type == "is":
        return lambda v: v.casefold() == want
    if search_type == "is not":
        return lambda v: v.casefold() != want
    if search_type == "like":
        return lambda v: want in v.casefold()
    if search_type == "not like":
        return lambda v: want not in v.casefold()
    order = {"less than": lambda a, b: a < b, "greater than": lambda a, b: a > b,
             "less than or equal": lambda a, b: a <= b, "greater than or equal": lambda a, b: a >= b}
    if search_type in order:
        compare = order[search_type]
        if kind == "version":
            target = _version(wanted)
            return lambda v: compare(_version(v), target)
        number = float(wanted)
        return lambda v: compare(float(v), number)
    raise ValueError(f"unsupported search type {search_type!r}")


class Field(NamedTuple):
    """How one criterion name reads a device: `column` names a per-device column of the Criteria table.

    kind "domain": the column holds small ints (bytes) and `values[k]` is the criterion value of key k;
    kind "date": the column holds epoch seconds; kind "string": the column holds the strings themselves."""
    kind: str
    column: str
    values: tuple[str, ...] = ()
    compare: str = "string"  # "version" for ordered version comparisons


class Criteria:
    """Evaluates Jamf smart-group criteria over a list of device cores, a column at a time (bytes masks).

    A mask is a Python int with one byte per device (0 or 1), so AND/OR are single big-int operations and a
    100k-device fleet evaluates a group in a few milliseconds."""

    def __init__(self, devices: Sequence, fields: dict[str, Field], byte_columns: frozenset[str] = frozenset()):
        self.devices = devices
        self.fields = fields
        # a column is the device attribute of that name; domain columns (and byte_columns) are stored as bytes
        self.byte_columns = byte_columns | {f.column for f in fields.values() if f.kind == "domain"}
        self._columns: dict[str, object] = {}
        self.ones = int.from_bytes(b"\x01" * len(devices), "little")

    def column(self, name: str):
        col = self._columns.get(name)
        if col is None:
            values = list(map(attrgetter(name), self.devices))
            col = bytes(values) if name in self.byte_columns else values
            self._columns[name] = col
        return col

    def where(self, name: str, keep: Callable[[int], bool]) -> list[int]:
        """Indices of the devices whose byte column `name` holds a key that `keep` accepts."""
        table = bytes(1 if keep(k) else 0 for k in range(256))
        return list(compress(range(len(self.devices)), self.column(name).translate(table)))

    def criterion_mask(self, name: str, search_type: str, value: str) -> int:
        f = self.fields[name]
        col = self.column(f.column)
        if f.kind == "domain":
            test = value_test(search_type, value, f.compare)
            table = bytearray(256)
            for key, v in enumerate(f.values):
                table[key] = 1 if test(v) else 0
            return int.from_bytes(col.translate(bytes(table)), "little")
        if f.kind == "date":
            days = float(value)
            cutoff = REFERENCE_EPOCH - days * DAY
            if search_type == "more than x days ago":
                flags = [t < cutoff for t in col]
            elif search_type == "less than x days ago":
                flags = [t > cutoff for t in col]
            else:
                raise ValueError(f"unsupported search type {search_type!r} for {name}")
            return int.from_bytes(bytes(flags), "little")
        test = value_test(search_type, value, f.compare)
        return int.from_bytes(bytes([test(v) for v in col]), "little")

    def mask(self, criteria: Sequence[dict]) -> int:
        """AND binds tighter than OR (criteria join as SQL does); parens as the criteria's flags say."""
        tokens: list = []
        for i, crit in enumerate(criteria):
            if i:
                tokens.append(crit["andOr"])
            if crit.get("openingParen"):
                tokens.append("(")
            tokens.append(crit)
            if crit.get("closingParen"):
                tokens.append(")")
        if not tokens:
            return 0
        pos = 0

        def expression() -> int:
            nonlocal pos
            result = term()
            while pos < len(tokens) and tokens[pos] == "or":
                pos += 1
                result |= term()
            return result

        def term() -> int:
            nonlocal pos
            result = factor()
            while pos < len(tokens) and tokens[pos] == "and":
                pos += 1
                result &= factor()
            return result

        def factor() -> int:
            nonlocal pos
            token = tokens[pos]
            pos += 1
            if token == "(":
                result = expression()
                if pos < len(tokens) and tokens[pos] == ")":
                    pos += 1
                return result
            return self.criterion_mask(token["name"], token["searchType"], token["value"])

        result = expression()
        return result & self.ones

    def select(self, mask: int) -> list:
        return list(compress(self.devices, mask.to_bytes(len(self.devices), "little")))


COMPUTER_FIELDS: dict[str, Field] = {
    "Managed": Field("domain", "managed", ("Unmanaged", "Managed")),
    "FileVault 2 Status": Field("domain", "filevault", ("Not Encrypted", "All Partitions Encrypted")),
    "Operating System Version": Field("domain", "os", tuple(r.version for r in catalog.OS_RELEASES), "version"),
    "Department": Field("domain", "dept", tuple(d.name for d in catalog.DEPARTMENTS)),
    "Building": Field("domain", "building", tuple(name for _, name in catalog.BUILDINGS)),
    "Model": Field("domain", "model", tuple(m.name for m in catalog.MODELS)),
    "Architecture Type": Field("domain", "model", tuple("arm64" if m.apple_silicon else "x86_64" for m in catalog.MODELS)),
    "Last Check-in": Field("date", "contact"),  # Classic's last_contact_time, v4 general.lastContact
    "Last Inventory Update": Field("date", "report"),
    "Computer Name": Field("string", "name"),
    "Serial Number": Field("string", "serial"),
    "Username": Field("string", "username"),
}
class Group(NamedTuple):
    id: int
    name: str
    description: str
    site_id: int  # -1 = none
    criteria: tuple[dict, ...]  # ComputerSmartGroupCriteriaV2 dicts; empty for static groups
    smart: bool
    static_rule: Callable[[], list[int]] | None  # explicit member indices (into the device list), static only


def criteria_dicts(spec) -> tuple[dict, ...]:
    return tuple({"name": name, "priority": i, "andOr": and_or, "searchType": search, "value": value,
                  "openingParen": opening, "closingParen": closing}
                 for i, (name, search, value, and_or, opening, closing) in enumerate(spec))


def site_ref(site_id: int) -> tuple[str, str]:
    """(id, name) of a site as strings; -1 is Jamf's "None"."""
    return (str(site_id), dict(catalog.SITES).get(site_id, "None"))


class Store:
    def __init__(self, fleet: Fleet):
        self.fleet = fleet
        self.seed = fleet.seed
        self._collections: dict[str, Collection] = {}
        self.computer_criteria = Criteria(fleet.computers, COMPUTER_FIELDS)
        self.computer_groups = self._computer_groups()
        self._computer_group_by_id = {g.id: g for g in self.computer_groups}
        self._computer_masks: dict[int, bytes] = {}
        self._mobile = None
        self._classic = None
        self._usernames: dict[str, int] | None = None

    # --- collections ---
    def collection(self, name: str) -> Collection:
        found = self._collections.get(name)
        if found is None:
            builder = getattr(self, "_build_" + name.replace("-", "_"), None)
            if builder is None or name not in COLLECTION_NAMES:
                raise KeyError(name)
            found = self._collections[name] = builder()
        return found

    @staticmethod
    def _by_id(rows: list[dict], items: list[dict] | None = None, key: str = "id") -> Collection:
        items = rows if items is None else items
        return Collection(rows, {str(row[key]): item for row, item in zip(rows, items)})

    def _build_buildings(self) -> Collection:
        rows = []
        for building_id, name in catalog.BUILDINGS:
            street1, street2, city, state, zip_code, country = catalog.BUILDING_ADDRESSES[building_id]
            rows.append({"id": str(building_id), "name": name, "streetAddress1": street1, "streetAddress2": street2,
                         "city": city, "stateProvince": state, "zipPostalCode": zip_code, "country": country})
        return self._by_id(rows)

    def _build_departments(self) -> Collection:
        return self._by_id([{"id": str(d.id), "name": d.name} for d in catalog.DEPARTMENTS])

    def _build_categories(self) -> Collection:
        return self._by_id([{"id": str(i), "name": name, "priority": priority}
                            for i, (name, priority) in enumerate(catalog.CATEGORIES, 1)])

    def _build_distribution_points(self) -> Collection:
        """One file share per office building; passwords are writeOnly, so Jamf never sends them back."""
        return self._by_id([{"id": str(i), "name": f"{name} DP", "serverName": f"dp{i}.example.com", "principal": i == 1,
                             "backupDistributionPointId": "-1", "fileSharingConnectionType": "SMB", "shareName": "CasperShare",
                             "workgroup": "EXAMPLE", "port": 445, "readOnlyUsername": "casperinstall",
                             "readWriteUsername": "casperadmin", "httpsEnabled": True, "httpsPort": 443,
                             "httpsContext": "/CasperShare", "httpsSecurityType": "NONE", "enableLoadBalancing": False}
                            for i, (_, name) in enumerate(catalog.BUILDINGS[:4], 1)])

    def _build_sites(self) -> Collection:
        return Collection([{"id": str(i), "divisionId": None, "name": name} for i, name in catalog.SITES], {})

    def category_id(self, name: str) -> int:
        return next(i for i, (n, _) in enumerate(catalog.CATEGORIES, 1) if n == name)

    def _build_scripts(self) -> Collection:
        rows = []
        for i, (name, category, priority, info, notes, labels, os_req, body) in enumerate(catalog.SCRIPTS, 1):
            row = {"id": str(i), "name": name, "info": info, "notes": notes, "priority": priority,
                   "categoryId": str(self.category_id(category)), "categoryName": category}
            for n in range(4, 12):
                row[f"parameter{n}"] = labels[n - 4] if n - 4 < len(labels) else ""
            row["osRequirements"] = os_req
            row["scriptContents"] = body
            rows.append(row)
        return self._by_id(rows)

    def package_titles(self) -> list[tuple[str, str, str, int, str, bool]]:
        """(display name, file stem, current version, size MB, category, reboot) per software title."""
        titles = []
        for app, bundle, version, size, _mas in catalog.APPLICATIONS:
            display = app.removesuffix(".app")
            category = next((c for prefix, c in sorted(catalog.APP_CATEGORIES.items(), key=lambda kv: -len(kv[0]))
                             if bundle.startswith(prefix)), "Applications")
            titles.append((display, display.replace(" ", "").replace(".", ""), version, size, category, False))
        titles.extend(catalog.EXTRA_PACKAGES)
        return titles

    def _build_packages(self) -> Collection:
        versions = 1 + min(4, self.fleet.count // 10000)  # bigger fleets keep more history
        rows = []
        for display, stem, version, size, category, reboot in self.package_titles():
            head, _, last = version.rpartition(".")
            for age in range(versions):
                if age and (not last.isdigit() or int(last) - age < 0):
                    break
                ver = version if not age else f"{head}.{int(last) - age}" if head else str(int(last) - age)
                pid = len(rows) + 1
                file_name = f"{stem}-{ver}.pkg"
                sha256 = _hex(self.seed, f"pkg:{file_name}", 32)
                rows.append({
                    "id": str(pid), "packageName": f"{display} {ver}", "fileName": file_name,
                    "categoryId": str(self.category_id(category)), "info": f"{display} {ver}", "notes": "",
                    "priority": 10, "osRequirements": "", "fillUserTemplate": False, "indexed": False,
                    "fillExistingUsers": False, "swu": False, "rebootRequired": reboot, "selfHealNotify": False,
                    "selfHealingAction": "nothing", "osInstall": stem.startswith("InstallmacOS"), "serialNumber": "",
                    "parentPackageId": "-1", "basePath": "", "suppressUpdates": False,
                    "cloudTransferStatus": "READY", "ignoreConflicts": False, "suppressFromDock": False,
                    "suppressEula": False, "suppressRegistration": False, "installLanguage": "en_US",
                    "md5": None, "sha256": sha256, "sha3512": None, "hashType": "SHA_512",
                    "hashValue": _hex(self.seed, f"pkg512:{file_name}", 64),
                    "size": f"{size + (pid * 7919 + self.seed) % 9} MB", "osInstallerVersion": ver if stem.startswith("InstallmacOS") else "",
                    "manifest": None, "manifestFileName": None, "format": None,
                })
        return self._by_id(rows)

    def _build_users(self) -> Collection:
        """One user per computer username (usernames are unique per computer): user N owns computer N."""
        realnames = [[f"{first} {last}" for last in catalog.LAST_NAMES] for first in catalog.FIRST_NAMES]
        phones = [f"+1 612-555-{i:04d}" for i in range(10000)]  # as inventory's userAndLocation.phone
        positions = [(d.positions, len(d.positions)) for d in catalog.DEPARTMENTS]
        mail, apple = "@" + catalog.EMAIL_DOMAIN, "@appleid." + catalog.EMAIL_DOMAIN
        rows: list[dict] = []
        append = rows.append
        uid = 0
        for c in self.fleet.computers:
            uid += 1
            username, bits = c.username, c.bits
            titles, n_titles = positions[c.dept]
            append({"id": str(uid), "username": username, "realname": realnames[c.first][c.last],
                    "email": username + mail, "phone": phones[(bits >> 22) % 10000],
                    "position": titles[(bits >> 18) % n_titles], "enableCustomPhotoUrl": False,
                    "customPhotoUrl": "", "managedAppleId": username + apple})
        return self._by_id(rows)

    def user_by_username(self, username: str) -> dict | None:
        index = self._username_index().get(username)
        return None if index is None else self.collection("users").rows[index]

    def _username_index(self) -> dict[str, int]:
        if self._usernames is None:
            self._usernames = {c.username: i for i, c in enumerate(self.fleet.computers)}
        return self._usernames

    def user_computers(self, username: str) -> list[Computer]:
        index = self._username_index().get(username)
        return [] if index is None else [self.fleet.computers[index]]

    def user_mobile_devices(self, username: str) -> list:
        return self.mobile.by_username(username)

    def _build_computer_extension_attributes(self) -> Collection:
        rows = []
        for i, (name, description, data_type, input_type, display, script, choices) in enumerate(
                catalog.COMPUTER_EXTENSION_ATTRIBUTES, 1):
            rows.append({"id": str(i), "name": name, "description": description, "dataType": data_type,
                         "enabled": True, "inventoryDisplayType": display, "inputType": input_type,
                         "scriptContents": script, "popupMenuChoices": list(choices),
                         "ldapAttributeMapping": "manager" if input_type == "DIRECTORY_SERVICE_ATTRIBUTE_MAPPING" else "",
                         "ldapExtensionAttributeAllowed": input_type == "DIRECTORY_SERVICE_ATTRIBUTE_MAPPING"})
        return self._by_id(rows)

    # --- computer groups ---
    def _computer_groups(self) -> list[Group]:
        computers = self.fleet.computers
        n = len(computers)
        seed = self.seed

        def sample(tag: str, k: int, pool: Callable[[], list[int]] | None = None) -> Callable[[], list[int]]:
            def rule() -> list[int]:
                candidates = pool() if pool else range(n)
                size = min(len(candidates), k)
                return sorted(_rng(seed, tag).sample(candidates, size))
            return rule

        groups: list[Group] = []
        where = self.computer_criteria.where
        static_rules = {  # as inventory's GROUP_MEMBERSHIPS section says (sections.group_memberships)
            5: lambda: where("dept", lambda k: k == 0),
            6: lambda: [i for i, c in enumerate(computers) if c.id % 17 == 0],
        }
        for gid, name, smart in catalog.SMART_GROUPS:
            spec = catalog.COMPUTER_GROUP_CRITERIA.get(gid, ())
            groups.append(Group(gid, name, "", -1, criteria_dicts(spec), smart, None if smart else static_rules[gid]))
        berlin = next(i for i, (_, name) in enumerate(catalog.BUILDINGS) if name == "Berlin Office")
        static_sizes = {"Executive Devices": (max(1, n // 400), None, 40), "Loaner Pool": (max(1, n // 200), None, 200),
                        "Berlin Lab": (max(1, n // 100), lambda: where("building", lambda k: k == berlin), 50)}
        for name, description, site, spec in catalog.MORE_COMPUTER_GROUPS:
            gid = len(groups) + 1
            if spec:
                groups.append(Group(gid, name, description, site, criteria_dicts(spec), True, None))
            else:
                k, pool, cap = static_sizes[name]
                groups.append(Group(gid, name, description, site, (), False, sample(f"cg:{name}", min(k, cap), pool)))
        for project in catalog.PROJECT_NAMES[:min(len(catalog.PROJECT_NAMES), n // 5000)]:
            gid = len(groups) + 1
            name = f"Project {project}"
            groups.append(Group(gid, name, f"Macs enrolled in project {project}", -1, (), False,
                                sample(f"cg:{name}", max(1, n // 100))))
        return groups

    def computer_group(self, group_id: int) -> Group | None:
        try:
            return self._computer_group_by_id.get(int(group_id))
        except (TypeError, ValueError):
            return None

    def _computer_mask(self, group: Group) -> bytes:
        """One byte per computer (fleet order): 1 = member."""
        mask = self._computer_masks.get(group.id)
        if mask is None:
            n = len(self.fleet.computers)
            if group.smart:
                mask = self.computer_criteria.mask(group.criteria).to_bytes(n, "little")
            else:
                flags = bytearray(n)
                for i in group.static_rule():
                    flags[i] = 1
                mask = bytes(flags)
            self._computer_masks[group.id] = mask
        return mask

    def computer_group_members(self, group_id: int) -> list[Computer] | None:
        group = self.computer_group(group_id)
        if group is None:
            return None
        return list(compress(self.fleet.computers, self._computer_mask(group)))

    def computer_group_count(self, group_id: int) -> int:
        group = self.computer_group(group_id)
        return 0 if group is None else self._computer_mask(group).count(1)

    def computer_group_memberships(self, computer: Computer) -> list[dict]:
        """The computer's groups as inventory's GROUP_MEMBERSHIPS section lists them (every group, not only 1–6)."""
        index = self.fleet._index_by_id[computer.id]
        return [{"groupId": str(g.id), "groupName": g.name, "groupDescription": g.description, "smartGroup": g.smart}
                for g in self.computer_groups if self._computer_mask(g)[index]]

    def _build_computer_groups(self) -> Collection:
        rows = [{"id": str(g.id), "name": g.name, "description": g.description, "smartGroup": g.smart}
                for g in self.computer_groups]
        return self._by_id(rows)

    def _build_smart_computer_groups(self) -> Collection:
        rows, items = [], []
        for g in self.computer_groups:
            if g.smart:
                rows.append({"id": str(g.id), "siteId": str(g.site_id), "name": g.name, "description": g.description,
                             "membershipCount": self.computer_group_count(g.id)})
                items.append({"name": g.name, "description": g.description, "criteria": [dict(c) for c in g.criteria],
                              "siteId": str(g.site_id)})
        return self._by_id(rows, items)

    def _build_static_computer_groups(self) -> Collection:
        rows, items = [], []
        for g in self.computer_groups:
            if not g.smart:
                item = {"id": str(g.id), "name": g.name, "description": g.description, "siteId": str(g.site_id)}
                items.append(item)
                rows.append({**item, "count": self.computer_group_count(g.id)})
        return self._by_id(rows, items)

    # --- mobile devices (mobile.py holds the cores and record builders; generated on first use) ---
    @property
    def mobile(self):
        if self._mobile is None:
            from .mobile import MobileFleet

            self._mobile = MobileFleet(self)
        return self._mobile

    @property
    def mobile_devices(self) -> list:
        return self.mobile.devices

    def mobile_get(self, device_id: int):
        return self.mobile.get(device_id)

    def mobile_record(self, device, sections: list[str]) -> dict:
        return self.mobile.record(device, sections)

    def mobile_light(self, device) -> dict:
        return self.mobile.light(device)

    def mobile_detail(self, device) -> dict:
        return self.mobile.detail(device)

    def mobile_row(self, device) -> dict:
        return self.mobile.row(device)

    def mobile_filter_value(self, device, field: str):
        return self.mobile.filter_value(device, field)

    def mobile_group_members(self, group_id: int) -> list | None:
        return self.mobile.group_members(group_id)

    def _build_mobile_device_groups(self) -> Collection:
        rows = [{"id": g.id, "name": g.name, "description": g.description, "isSmartGroup": g.smart}
                for g in self.mobile.groups]
        return self._by_id(rows)

    def _mobile_group_rows(self, smart: bool) -> Collection:
        rows, items = [], []
        for g in self.mobile.groups:
            if g.smart == smart:
                row = {"groupId": str(g.id), "groupName": g.name, "groupDescription": g.description,
                       "siteId": str(g.site_id), "count": self.mobile.group_count(g.id)}
                rows.append(row)
                items.append({**row, "criteria": [dict(c) for c in g.criteria]} if smart else row)
        return self._by_id(rows, items, key="groupId")

    def _build_smart_mobile_device_groups(self) -> Collection:
        return self._mobile_group_rows(True)

    def _build_static_mobile_device_groups(self) -> Collection:
        return self._mobile_group_rows(False)

    # --- Classic objects (classic_data.py) ---
    @property
    def classic(self):
        if self._classic is None:
            from .classic_data import ClassicData

            self._classic = ClassicData(self)
        return self._classic

    @property
    def policies(self) -> list[dict]:
        return self.classic.policies

    @property
    def os_x_configuration_profiles(self) -> list[dict]:
        return self.classic.os_x_configuration_profiles

    def classic_computer_group(self, group_id: int) -> dict | None:
        return self.classic.computer_group(group_id)


COLLECTION_NAMES = (
    "buildings", "departments", "categories", "sites", "distribution-points", "scripts", "packages", "users",
    "computer-extension-attributes", "computer-groups", "smart-computer-groups", "static-computer-groups",
    "mobile-device-groups", "smart-mobile-device-groups", "static-mobile-device-groups",
)
