"""Classic API objects of the sandbox: policies, macOS configuration profiles and computer groups.

JSON convention of the Classic API: the object inside its root element ({"policy": ...}); a container of repeated
elements is a JSON list (Jamf's `size` elements dropped); ids are integers, flags booleans, empty elements "".
Shapes follow the example responses of Jamf's Postman collection (policies/id, osxconfigurationprofiles/id,
computergroups/id). Everything refers to objects of the store that exist (groups, scripts, packages, categories,
sites, buildings, departments) by id AND name.
"""

from __future__ import annotations

import plistlib
import time
from typing import TYPE_CHECKING

from . import catalog
from .fleet import DAY, REFERENCE_EPOCH, derived_uuid
from .sections import _mac_address

if TYPE_CHECKING:
    from .store import Store

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # Jamf's "no password" hash
NO_SITE = {"id": -1, "name": "None"}
SCRIPT_PRIORITY = {"BEFORE": "Before", "AFTER": "After", "AT_REBOOT": "At Reboot"}


def _site(site_id: int) -> dict:
    return {"id": site_id, "name": dict(catalog.SITES)[site_id]} if site_id > 0 else dict(NO_SITE)


def _date(epoch: int) -> tuple[str, int, str]:
    """(activation_date, *_epoch in ms, *_utc) as Classic spells them."""
    return (time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch)), epoch * 1000,
            time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(epoch)))


class PolicySpec:
    """What distinguishes one policy; `ClassicData._policy` turns it into the full Classic object."""

    def __init__(self, name, category, *, trigger="EVENT", checkin=False, enrollment=False, login=False,
                 startup=False, other="", frequency="Once per computer", enabled=True, groups=(), all_computers=False,
                 exclude=(), buildings=(), departments=(), site=-1, self_service=False, description="", packages=(),
                 package_action="Install", scripts=(), script_parameters=None, recon=False, reboot=False,
                 firmware_password=False, run_command="", message_finish=""):
        self.__dict__.update({k: v for k, v in locals().items() if k != "self"})


class ClassicData:
    def __init__(self, store: "Store"):
        self.store = store
        self.seed = store.seed
        self._groups = {g.name: g for g in store.computer_groups}
        self._categories = {name: i for i, (name, _) in enumerate(catalog.CATEGORIES, 1)}
        self._scripts = {row["name"]: row for row in store.collection("scripts").rows}
        packages = store.collection("packages").rows
        self._packages = {}
        for row in packages:  # the newest version of each title (the first row of its history)
            self._packages.setdefault(row["packageName"].rsplit(" ", 1)[0], row)
        self.policies = [self._policy(i, spec) for i, spec in enumerate(self._policy_specs(), 1)]
        self.os_x_configuration_profiles = [self._profile(i, display, ident)
                                            for i, (display, ident) in enumerate(catalog.CONFIG_PROFILES, 1)]

    # --- policies ---
    def _policy_specs(self) -> list[PolicySpec]:
        specs = [
            PolicySpec("Update Inventory", "Inventory", checkin=True, frequency="Once every day",
                       groups=("All Managed Clients",), recon=True),
            PolicySpec("Enrollment - Rename Computer", "Configuration", enrollment=True, groups=("All Managed Clients",),
                       scripts=("Rename Computer to Asset Tag",), script_parameters={"Rename Computer to Asset Tag": ["MAC"]}),
            PolicySpec("Enrollment - Install Rosetta 2", "Utilities", enrollment=True, all_computers=True,
                       exclude=("Intel Macs",), scripts=("Install Rosetta 2",)),
            PolicySpec("Enrollment - Welcome", "Onboarding", enrollment=True, groups=("All Managed Clients",),
                       packages=("swiftDialog",), scripts=("Onboarding - Welcome",),
                       script_parameters={"Onboarding - Welcome": ["Welcome to Example", "https://help.example.com"]}),
            PolicySpec("Dock - Set Default Items", "Configuration", login=True, frequency="Once per user per computer",
                       groups=("All Managed Clients",), packages=("dockutil",), scripts=("Dock - Set Default Items",)),
            PolicySpec("Security - Remove Admin Rights", "Security", checkin=True, frequency="Ongoing",
                       groups=("Compliance - Needs Attention",), exclude=("Executive Devices",),
                       scripts=("Remove Admin Rights",)),
            PolicySpec("Security - Enable Firewall", "Security", checkin=True, groups=("All Managed Clients",),
                       scripts=("Enable Firewall Stealth Mode",)),
            PolicySpec("FileVault - Report Status", "Security", checkin=True, frequency="Once every week",
                       groups=("FileVault Not Enabled",), scripts=("FileVault - Check Status",), recon=True),
            PolicySpec("Jamf Protect - Install", "Security", checkin=True, groups=("All Managed Clients",),
                       packages=("Jamf Protect",)),
            PolicySpec("Jamf Protect - Health Check", "Security", checkin=True, frequency="Once every day",
                       groups=("All Managed Clients",), scripts=("Jamf Protect - Health Check",)),
            PolicySpec("Printers - London Office", "Printers", checkin=True, groups=("London Office Macs",), site=2,
                       buildings=("London Office",), packages=("Printer Drivers - HP",),
                       scripts=("Map Printers by Building",),
                       script_parameters={"Map Printers by Building": ["LON", "print.example.com"]}),
            PolicySpec("Printers - Tokyo Office", "Printers", checkin=True, groups=("Tokyo Office Macs",), site=3,
                       buildings=("Tokyo Office",), packages=("Printer Drivers - HP",),
                       scripts=("Map Printers by Building",),
                       script_parameters={"Map Printers by Building": ["TYO", "print.example.com"]}),
            PolicySpec("macOS Tahoe Upgrade", "Software Updates", trigger="USER_INITIATED", frequency="Ongoing",
                       groups=("macOS Older Than 15",), exclude=("Pilot - Early Updates",), self_service=True,
                       description="Upgrade to macOS Tahoe. Your Mac restarts when the installation is done.",
                       packages=("macOS Tahoe Installer",), reboot=True),
            PolicySpec("Software Update - Pilot", "Software Updates", checkin=True, groups=("Pilot - Early Updates",),
                       scripts=("Software Update - Defer Notice",)),
            PolicySpec("Firmware Password - Intel Macs", "Security", checkin=True, groups=("Intel Macs",),
                       firmware_password=True, reboot=True),
            PolicySpec("Self Service - Collect Diagnostics", "Maintenance", trigger="USER_INITIATED", frequency="Ongoing",
                       all_computers=True, self_service=True, description="Send your logs to the helpdesk.",
                       scripts=("Collect Diagnostics",), script_parameters={"Collect Diagnostics": ["https://upload.example.com/diag"]}),
            PolicySpec("Self Service - Clear Browser Caches", "Browsers", trigger="USER_INITIATED", frequency="Ongoing",
                       all_computers=True, self_service=True, scripts=("Clear Browser Caches",)),
            PolicySpec("Self Service - Reset Printing", "Printers", trigger="USER_INITIATED", frequency="Ongoing",
                       all_computers=True, self_service=True, scripts=("Reset Printing System",)),
            PolicySpec("Maintenance - Flush Policy History", "Maintenance", other="flushhistory", frequency="Ongoing",
                       enabled=False, groups=("Loaner Pool",), scripts=("Flush Policy History",)),
            PolicySpec("Maintenance - Time Zone", "Configuration", startup=True, departments=("Engineering", "IT"),
                       groups=("Department - Engineering",), scripts=("Set Time Zone and NTP",)),
            PolicySpec("Stale Inventory - Recon", "Inventory", checkin=True, frequency="Once every day",
                       groups=("Stale Inventory - 14 Days", "Check-in Older Than 30 Days"), recon=True),
            PolicySpec("Sales - Install Zoom", "Productivity", checkin=True, groups=("Sales and Marketing",), site=1,
                       packages=("zoom.us",)),
            PolicySpec("Berlin Lab - Developer Tools", "Developer Tools", checkin=True, groups=("Berlin Lab",), site=2,
                       packages=("Docker", "Visual Studio Code")),
        ]
        # one Self Service install policy per software title
        for title, *_ in self.store.package_titles():
            if title in ("macOS Tahoe Installer", "Printer Drivers - HP", "Safari", "Self Service"):
                continue
            package = self._packages[title]
            category = next(name for name, i in self._categories.items() if str(i) == package["categoryId"])
            specs.append(PolicySpec(f"Install {title}", category, trigger="USER_INITIATED", frequency="Ongoing",
                                    groups=("All Managed Clients",), self_service=True,
                                    description=f"Install or update {title}.", packages=(title,)))
        for group in self.store.computer_groups:  # big fleets: a software policy per project group
            if group.name.startswith("Project "):
                specs.append(PolicySpec(f"{group.name} - Software", "Applications", checkin=True, groups=(group.name,),
                                        packages=("Slack", "Figma"), package_action="Cache"))
        return specs

    def _group_ref(self, name: str) -> dict:
        group = self._groups[name]
        return {"id": group.id, "name": group.name}

    def _scope(self, spec: PolicySpec) -> dict:
        buildings = dict((name, i) for i, name in catalog.BUILDINGS)
        departments = {d.name: d.id for d in catalog.DEPARTMENTS}
        return {
            "all_computers": spec.all_computers, "computers": [],
            "computer_groups": [self._group_ref(name) for name in spec.groups],
            "buildings": [{"id": buildings[name], "name": name} for name in spec.buildings],
            "departments": [{"id": departments[name], "name": name} for name in spec.departments],
            "limit_to_users": {"user_groups": []},
            "limitations": {"users": [], "user_groups": [], "network_segments": [], "ibeacons": []},
            "exclusions": {"computers": [], "computer_groups": [self._group_ref(name) for name in spec.exclude],
                           "buildings": [], "departments": [], "users": [], "user_groups": [], "network_segments": [],
                           "ibeacons": []},
        }

    def _category(self, name: str) -> dict:
        return {"id": self._categories[name], "name": name}

    def _policy(self, policy_id: int, spec: PolicySpec) -> dict:
        activation = _date(REFERENCE_EPOCH - (400 - policy_id * 7) * DAY)
        scripts = []
        for name in spec.scripts:
            script = self._scripts[name]
            values = (spec.script_parameters or {}).get(name, [])
            entry = {"id": int(script["id"]), "name": script["name"], "priority": SCRIPT_PRIORITY[script["priority"]]}
            for n in range(4, 12):
                entry[f"parameter{n}"] = values[n - 4] if n - 4 < len(values) else ""
            scripts.append(entry)
        packages = [{"id": int(self._packages[title]["id"]), "name": self._packages[title]["packageName"],
                     "action": spec.package_action, "fut": False, "feu": False, "update_autorun": False}
                    for title in spec.packages]
        self_service_name = spec.name.removeprefix("Self Service - ")
        return {
            "general": {
                "id": policy_id, "name": spec.name, "enabled": spec.enabled, "trigger": spec.trigger,
                "trigger_checkin": spec.checkin, "trigger_enrollment_complete": spec.enrollment,
                "trigger_login": spec.login, "trigger_logout": False, "trigger_network_state_changed": False,
                "trigger_startup": spec.startup, "trigger_other": spec.other, "frequency": spec.frequency,
                "location_user_only": False, "target_drive": "/", "offline": False,
                "category": self._category(spec.category),
                "date_time_limitations": {
                    "activation_date": activation[0], "activation_date_epoch": activation[1],
                    "activation_date_utc": activation[2], "expiration_date": "", "expiration_date_epoch": 0,
                    "expiration_date_utc": "", "no_execute_on": [], "no_execute_start": "", "no_execute_end": ""},
                "network_limitations": {"minimum_network_connection": "No Minimum", "any_ip_address": True,
                                        "network_segments": []},
                "override_default_settings": {"target_drive": "default", "distribution_point": "", "force_afp_smb": False,
                                              "sus": "default", "netboot_server": "current"},
                "network_requirements": "Any",
                "site": _site(spec.site),
            },
            "scope": self._scope(spec),
            "self_service": {
                "use_for_self_service": spec.self_service,
                "self_service_display_name": self_service_name if spec.self_service else "",
                "install_button_text": "Install", "reinstall_button_text": "Reinstall",
                "self_service_description": spec.description, "force_users_to_view_description": False,
                "self_service_icon": "", "feature_on_main_page": False,
                "self_service_categories": ([{**self._category(spec.category), "display_in": True, "feature_in": False}]
                                            if spec.self_service else []),
                "notification": False, "notification_subject": self_service_name if spec.self_service else "",
                "notification_message": "",
            },
            "package_configuration": {"packages": packages},
            "scripts": scripts,
            "printers": [],
            "dock_items": [],
            "account_maintenance": {
                "accounts": [], "directory_bindings": [], "management_account": {"action": "doNotChange"},
                "open_firmware_efi_password": (
                    {"of_mode": "command", "of_password_sha256": "sandbox-fake-firmware-password-sha256-"
                     + derived_uuid(self.seed, policy_id, "efi").replace("-", "")}
                    if spec.firmware_password else {"of_mode": "none", "of_password_sha256": EMPTY_SHA256}),
            },
            "reboot": {
                "message": "This computer will restart in 5 minutes. Please save anything you are working on and log "
                           "out by choosing Log Out from the bottom of the Apple menu.",
                "startup_disk": "Current Startup Disk", "specify_startup": "",
                "no_user_logged_in": "Restart immediately" if spec.reboot else "Do not restart",
                "user_logged_in": "Restart" if spec.reboot else "Do not restart",
                "minutes_until_reboot": 5, "start_reboot_timer_immediately": False, "file_vault_2_reboot": False,
            },
            "maintenance": {"recon": spec.recon, "reset_name": False, "install_all_cached_packages": False, "heal": False,
                            "prebindings": False, "permissions": False, "byhost": False, "system_cache": False,
                            "user_cache": False, "verify": False},
            "files_processes": {"search_by_path": "", "delete_file": False, "locate_file": "",
                                "update_locate_database": False, "spotlight_search": "", "search_for_process": "",
                                "kill_process": False, "run_command": spec.run_command},
            "user_interaction": {"message_start": "", "allow_users_to_defer": False, "allow_deferral_until_utc": "",
                                 "message_finish": spec.message_finish},
            "disk_encryption": {"action": "none"},
        }

    # --- macOS configuration profiles (ids and uuids = inventory's configurationProfiles) ---
    def _payload_content(self, display: str, ident: str) -> list[dict]:
        def payload(kind: str, name: str, **settings) -> dict:
            uuid = derived_uuid(0, len(name), f"{ident}:{kind}").upper()
            return {"PayloadUUID": uuid, "PayloadType": kind, "PayloadOrganization": "Example Inc.",
                    "PayloadIdentifier": uuid, "PayloadDisplayName": name, "PayloadDescription": "",
                    "PayloadVersion": 1, "PayloadEnabled": True, **settings}

        if ident.endswith("wifi.corp"):
            return [payload("com.apple.wifi.managed", "Wi-Fi", SSID_STR="Example-Corp", HIDDEN_NETWORK=False,
                            AutoJoin=True, EncryptionType="WPA2", Password="sandbox-fake-wifi-password",
                            ProxyType="None", IsHotspot=False)]
        if ident.endswith("filevault"):
            return [payload("com.apple.MCX.FileVault2", "FileVault 2", Enable="On", Defer=True, DeferForceAtUserLoginMaxBypassAttempts=1,
                            ShowRecoveryKey=False, UseRecoveryKey=True),
                    payload("com.apple.security.FDERecoveryKeyEscrow", "FileVault Recovery Key Escrow",
                            Location="Example Inc. IT")]
        if ident.endswith("pppc.jamf"):
            return [payload("com.apple.TCC.configuration-profile-policy", "Privacy Preferences Policy Control",
                            Services={"SystemPolicyAllFiles": [{"Identifier": "com.jamf.protect.daemon",
                                                                "IdentifierType": "bundleID", "Allowed": True,
                                                                "CodeRequirement": 'identifier "com.jamf.protect.daemon" and anchor apple generic'}]})]
        if ident.endswith("swupdate"):
            return [payload("com.apple.SoftwareUpdate", "Software Update", AutomaticCheckEnabled=True,
                            AutomaticDownload=True, AutomaticallyInstallMacOSUpdates=False, CriticalUpdateInstall=True)]
        if ident.endswith("firewall"):
            return [payload("com.apple.security.firewall", "Firewall", EnableFirewall=True, EnableStealthMode=True,
                            BlockAllIncoming=False)]
        return [payload("com.apple.loginwindow", "Login Window", SHOWFULLNAME=True, DisableConsoleAccess=True,
                        LoginwindowText="Property of Example Inc. If found, call +1 612-555-0100.")]

    def _profile(self, profile_id: int, display: str, ident: str) -> dict:
        uuid = derived_uuid(0, profile_id - 1, ident).upper()  # = sections.configuration_profiles' uuid
        plist = {"PayloadUUID": uuid, "PayloadType": "Configuration", "PayloadOrganization": "Example Inc.",
                 "PayloadIdentifier": uuid, "PayloadDisplayName": display, "PayloadDescription": "",
                 "PayloadVersion": 1, "PayloadEnabled": True, "PayloadRemovalDisallowed": True, "PayloadScope": "System",
                 "PayloadContent": self._payload_content(display, ident)}
        category = {"Wi-Fi - Corp": "Configuration", "FileVault Enforcement": "Security",
                    "Privacy Preferences - Jamf": "Security", "Software Update Policy": "Software Updates",
                    "Firewall": "Security"}.get(display, "Configuration")
        site = 1 if display == "Login Window" else -1
        return {
            "general": {
                "id": profile_id, "name": display, "description": f"{display} for every managed Mac",
                "site": _site(site), "category": self._category(category),
                "distribution_method": "Install Automatically", "user_removable": False, "level": "computer",
                "uuid": uuid, "redeploy_on_update": "Newly Assigned",
                "payloads": plistlib.dumps(plist, sort_keys=False).decode(),
            },
            "scope": {  # every managed Mac has every profile (inventory's CONFIGURATION_PROFILES)
                "all_computers": False, "all_jss_users": False, "computers": [], "buildings": [], "departments": [],
                "computer_groups": [self._group_ref("All Managed Clients")], "jss_users": [], "jss_user_groups": [],
                "limitations": {"users": [], "user_groups": [], "network_segments": [], "ibeacons": []},
                "exclusions": {"computers": [], "buildings": [], "departments": [], "computer_groups": [], "users": [],
                               "user_groups": [], "network_segments": [], "ibeacons": [], "jss_users": [],
                               "jss_user_groups": []},
            },
            "self_service": {
                "self_service_display_name": display, "install_button_text": "Install", "self_service_description": "",
                "force_users_to_view_description": False, "security": {"removal_disallowed": "Never"},
                "self_service_icon": "", "feature_on_main_page": False, "self_service_categories": [],
                "notification": False, "notification_subject": "", "notification_message": "",
            },
        }

    # --- computer groups ---
    def computer_group(self, group_id) -> dict | None:
        store = self.store
        group = store.computer_group(group_id)
        if group is None:
            return None
        computers = []
        for c in store.computer_group_members(group.id):
            laptop = c.model_info.laptop
            computers.append({"id": c.id, "name": c.name, "mac_address": _mac_address(c, 1),
                              "alt_mac_address": "" if laptop else _mac_address(c, 2), "serial_number": c.serial})
        return {
            "id": group.id, "name": group.name, "is_smart": group.smart, "site": _site(group.site_id),
            "criteria": [{"name": cr["name"], "priority": cr["priority"], "and_or": cr["andOr"],
                          "search_type": cr["searchType"], "value": cr["value"], "opening_paren": cr["openingParen"],
                          "closing_paren": cr["closingParen"]} for cr in group.criteria],
            "computers": computers,
        }
