"""Mobile devices of the sandbox: compact per-device cores (as fleet.py's computers) and the records built from them.

About 0.6 devices per computer (at least 5): iPhones, iPads and Watches mostly owned by the fleet's users (the
device's username is its owner's computer username), shared iPads, Apple TVs in meeting rooms, a few Vision Pros.
Every record (/v2/mobile-devices/detail sections, MobileDeviceV2, MobileDeviceDetailsGetV2, the flat group
membership row) is built on demand from the core.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate, compress
from typing import TYPE_CHECKING

from . import catalog
from .fleet import DAY, REFERENCE_EPOCH, SERIAL_ALPHABET, derived_uuid, iso

if TYPE_CHECKING:
    from .store import Store

DEVICE_TYPES = {"ios": "iOS", "tvos": "tvOS", "watchos": "watchOS", "visionos": "visionOS"}  # core -> deviceType
# MobileDeviceSection -> record key
SECTION_KEYS: dict[str, str] = {
    "GENERAL": "general", "HARDWARE": "hardware", "USER_AND_LOCATION": "userAndLocation", "PURCHASING": "purchasing",
    "SECURITY": "security", "APPLICATIONS": "applications", "EBOOKS": "ebooks", "NETWORK": "network",
    "SERVICE_SUBSCRIPTIONS": "serviceSubscriptions", "CERTIFICATES": "certificates", "PROFILES": "profiles",
    "USER_PROFILES": "userProfiles", "PROVISIONING_PROFILES": "provisioningProfiles", "SHARED_USERS": "sharedUsers",
    "GROUPS": "groups", "EXTENSION_ATTRIBUTES": "extensionAttributes",
}
ALL_SECTIONS: tuple[str, ...] = tuple(SECTION_KEYS)
_COMMON_KEYS = ("hardware", "userAndLocation", "applications", "certificates", "profiles", "groups", "extensionAttributes")
# the record keys each deviceType's inventory schema has (MobileDevice{Ios,TvOs,WatchOs,VisionOs}Inventory)
RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "ios": _COMMON_KEYS + ("general", "security", "ebooks", "network", "serviceSubscriptions", "provisioningProfiles",
                           "sharedUsers", "purchasing", "userProfiles"),
    "tvos": _COMMON_KEYS + ("general", "purchasing", "userProfiles"),
    "watchos": _COMMON_KEYS + ("general", "security", "provisioningProfiles"),
    "visionos": _COMMON_KEYS + ("general", "security", "network", "provisioningProfiles", "purchasing"),
}
# flattened OS releases: (device type, version, build, major, weight)
MOBILE_OS = tuple((t, *r) for t, releases in catalog.MOBILE_OS_RELEASES.items() for r in releases)
SHARED_DEPT = next(i for i, d in enumerate(catalog.DEPARTMENTS) if d.name == "Operations")
_SERIAL_BASE = len(SERIAL_ALPHABET)


class MobileDevice:
    """The compact core of one mobile device; everything else derives from it (and `bits`)."""

    __slots__ = ("id", "serial", "name", "username", "device_type", "model", "os", "owner", "building", "dept",
                 "contact", "report", "enrolled", "bits")

    def __init__(self, id, serial, name, username, device_type, model, os, owner, building, dept, contact, report,
                 enrolled, bits):
        self.id = id
        self.serial = serial
        self.name = name
        self.username = username  # "" for shared devices
        self.device_type = device_type  # ios | tvos | watchos | visionos
        self.model = model  # index into catalog.MOBILE_MODELS
        self.os = os  # index into MOBILE_OS
        self.owner = owner  # index into fleet.computers, -1 = shared device
        self.building = building  # index into catalog.BUILDINGS
        self.dept = dept  # index into catalog.DEPARTMENTS
        self.contact = contact
        self.report = report
        self.enrolled = enrolled
        self.bits = bits

    def _slice(self, n: int) -> int:
        return (self.bits >> (8 * n)) & 0xFF

    @property
    def managed(self) -> bool:
        return self._slice(0) < 240

    @property
    def supervised(self) -> bool:
        return self.device_type == "tvos" or self._slice(1) < 200

    @property
    def lost_mode(self) -> bool:
        return self.managed and self.device_type == "ios" and self._slice(2) < 3

    @property
    def passcode_present(self) -> bool:
        return self.device_type != "tvos" and self._slice(3) < 245

    @property
    def passcode_compliant(self) -> bool:
        return self.passcode_present and self._slice(3) < 235

    @property
    def activation_lock(self) -> bool:
        return self.device_type != "tvos" and self._slice(4) < 40

    @property
    def jailbroken(self) -> bool:
        return self.device_type == "ios" and self._slice(5) == 0

    @property
    def model_info(self) -> catalog.MobileModel:
        return catalog.MOBILE_MODELS[self.model]

    @property
    def os_version(self) -> str:
        return MOBILE_OS[self.os][1]

    @property
    def os_build(self) -> str:
        return MOBILE_OS[self.os][2]


def _mac(bits: int, salt: int) -> str:
    raw = (bits >> salt) ^ (bits * 0x9E3779B1 >> 7)
    octets = [0x3C, 0x22, 0xFB] + [(raw >> s) & 0xFF for s in (0, 8, 16)]
    return ":".join(f"{o:02X}" for o in octets)


def _epoch_date(epoch: int) -> str:
    return iso(epoch - epoch % DAY)


class MobileFleet:
    def __init__(self, store: "Store"):
        from .store import Criteria, Field, Group, criteria_dicts

        self.store = store
        self.fleet = store.fleet
        self.seed = store.fleet.seed
        self.count = max(5, round(self.fleet.count * 0.6))
        self.devices: list[MobileDevice] = []
        self._index_by_id: dict[int, int] = {}
        self._by_username: dict[str, list[MobileDevice]] | None = None
        self._build()
        fields = {
            "Managed": Field("domain", "managed", ("Unmanaged", "Managed")),
            "Supervised": Field("domain", "supervised", ("No", "Yes")),
            "Model": Field("domain", "model", tuple(m.name for m in catalog.MOBILE_MODELS)),
            "Device Type": Field("domain", "model", tuple(DEVICE_TYPES[m.device_type] for m in catalog.MOBILE_MODELS)),
            "OS Version": Field("domain", "os", tuple(r[1] for r in MOBILE_OS), "version"),
            "Building": Field("domain", "building", tuple(name for _, name in catalog.BUILDINGS)),
            "Department": Field("domain", "dept", tuple(d.name for d in catalog.DEPARTMENTS)),
            "Last Inventory Update": Field("date", "report"),
            "Display Name": Field("string", "name"),
            "Serial Number": Field("string", "serial"),
            "Username": Field("string", "username"),
        }
        self.criteria = Criteria(self.devices, fields, frozenset({"lost_mode"}))
        devices, seed, n = self.devices, self.seed, self.count

        def sample(tag, k, pool):
            def rule():
                candidates = pool()
                return sorted(random.Random(f"{seed}:{tag}").sample(candidates, min(k, len(candidates))))
            return rule

        where = self.criteria.where
        iphones = {i for i, m in enumerate(catalog.MOBILE_MODELS) if m.name.startswith("iPhone")}
        ipads = {i for i, m in enumerate(catalog.MOBILE_MODELS) if m.name.startswith("iPad")}
        rules = {
            "Executive iPhones": sample("mg:exec", min(30, max(1, n // 300)),
                                        lambda: [i for i in where("model", iphones.__contains__) if devices[i].owner >= 0]),
            "Shared iPads - Retail": sample("mg:shared", min(100, max(1, n // 50)),
                                            lambda: [i for i in where("model", ipads.__contains__) if devices[i].owner < 0]),
            "Lost or Stolen": lambda: where("lost_mode", bool),  # = security.lostModeEnabled
        }
        self.groups = [Group(i, name, description, site, criteria_dicts(spec), bool(spec), None if spec else rules[name])
                       for i, (name, description, site, spec) in enumerate(catalog.MOBILE_GROUPS, 1)]
        self._group_by_id = {g.id: g for g in self.groups}
        self._masks: dict[int, bytes] = {}

    # --- generation: two 64-bit draws per device, everything else derived from them ---
    def _build(self) -> None:
        rng = random.Random(f"{self.seed}:mobile")
        getrandbits = rng.getrandbits
        models = catalog.MOBILE_MODELS
        model_cum = list(accumulate(m.weight for m in models))
        model_total = model_cum[-1]
        per_model = []  # (type, eligible os, cumulative os weights, total, shared percent, shared prefix, family)
        for m in models:
            eligible = [i for i, r in enumerate(MOBILE_OS) if r[0] == m.device_type and r[3] >= m.min_os]
            cum = list(accumulate(MOBILE_OS[i][4] for i in eligible))
            kind = m.device_type
            shared_pct = 100 if kind == "tvos" else 40 if kind == "visionos" else 10
            prefix = {"tvos": "ATV", "visionos": "AVP", "watchos": "WATCH"}.get(kind, "IPAD" if m.name.startswith("iPad") else "IPHONE")
            family = {"watchos": "Apple Watch", "visionos": "Vision Pro"}.get(kind, m.name.split(" (")[0].split(" ")[0])
            per_model.append((kind, eligible, cum, cum[-1], shared_pct, f"{prefix}-SHARED-", f"'s {family}"))
        forced = [[i for i, m in enumerate(models) if m.device_type == t] for t in ("ios", "tvos", "watchos", "visionos")]
        computers = self.fleet.computers
        n_computers = len(computers)
        bld_cum = list(accumulate(catalog.BUILDING_WEIGHTS))
        bld_total = bld_cum[-1]
        first_names = catalog.FIRST_NAMES
        alphabet, base = SERIAL_ALPHABET, _SERIAL_BASE
        serial_table = bytes(ord(alphabet[i % base]) for i in range(256))  # one random byte -> one character
        serials: set[str] = set()
        devices, index_by_id = self.devices, self._index_by_id
        append = devices.append
        next_id = 1
        for index in range(self.count):
            a = getrandbits(64)
            b = getrandbits(64)
            device_id = next_id
            next_id += 1 if a % 25 else 2 + (a >> 5) % 3
            if index < 4:  # the first devices cover every device type, so each fleet has all four
                choices = forced[index]
                model_i = choices[(a >> 8) % len(choices)]
            else:
                model_i = bisect(model_cum, (a >> 8) % model_total)
            kind, eligible, os_cum, os_total, shared_pct, shared_prefix, family = per_model[model_i]
            os_i = eligible[bisect(os_cum, (a >> 20) % os_total)]
            serial = ((b << 16) | (a >> 48)).to_bytes(10, "little").translate(serial_table).decode()
            while serial in serials:
                serial = "".join(alphabet[getrandbits(6) % base] for _ in range(10))
            serials.add(serial)
            if n_computers == 0 or (a >> 30) % 100 < shared_pct:
                owner, username, dept = -1, "", SHARED_DEPT
                building = bisect(bld_cum, (a >> 37) % bld_total)
                name = f"{shared_prefix}{device_id:04d}"
            else:
                owner = (a >> 37) % n_computers
                c = computers[owner]
                username, building, dept = c.username, c.building, c.dept
                name = first_names[c.first] + family
            age = b & 0x3FFF  # 0..16383: ~70 % seen within two days, a tail up to ~60 days
            if age < 11469:
                contact_age = age * 2 * DAY // 11469
            elif age < 14746:
                contact_age = 2 * DAY + (age - 11469) * 12 * DAY // 3277
            else:
                contact_age = 14 * DAY + (age - 14746) * 46 * DAY // 1638
            contact = REFERENCE_EPOCH - contact_age
            append(MobileDevice(device_id, serial, name, username, kind, model_i, os_i, owner, building, dept,
                                contact, contact - (a >> 45) % DAY, REFERENCE_EPOCH - (62 * DAY + (b >> 3) % (1100 * DAY)),
                                a ^ (b << 1)))
            index_by_id[device_id] = index

    # --- lookups ---
    def get(self, device_id) -> MobileDevice | None:
        try:
            index = self._index_by_id.get(int(device_id))
        except (TypeError, ValueError):
            return None
        return None if index is None else self.devices[index]

    def by_username(self, username: str) -> list[MobileDevice]:
        if self._by_username is None:
            table: dict[str, list[MobileDevice]] = {}
            for d in self.devices:
                if d.username:
                    table.setdefault(d.username, []).append(d)
            self._by_username = table
        return list(self._by_username.get(username, ()))

    def udid(self, d: MobileDevice) -> str:
        return derived_uuid(self.seed, d.id, "mobile-udid").upper()

    def management_id(self, d: MobileDevice) -> str:
        return derived_uuid(self.seed, d.id, "mobile-management")

    def site(self, d: MobileDevice) -> tuple[str, str]:
        from .store import site_ref

        return site_ref(catalog.BUILDING_SITES[catalog.BUILDINGS[d.building][0]])

    # --- groups ---
    def group(self, group_id):
        try:
            return self._group_by_id.get(int(group_id))
        except (TypeError, ValueError):
            return None

    def _mask(self, g) -> bytes:
        mask = self._masks.get(g.id)
        if mask is None:
            if g.smart:
                mask = self.criteria.mask(g.criteria).to_bytes(self.count, "little")
            else:
                flags = bytearray(self.count)
                for i in g.static_rule():
                    flags[i] = 1
                mask = bytes(flags)
            self._masks[g.id] = mask
        return mask

    def group_members(self, group_id) -> list[MobileDevice] | None:
        g = self.group(group_id)
        return None if g is None else list(compress(self.devices, self._mask(g)))

    def group_count(self, group_id) -> int:
        g = self.group(group_id)
        return 0 if g is None else self._mask(g).count(1)

    def groups_of(self, d: MobileDevice) -> list:
        index = self._index_by_id[d.id]
        return [g for g in self.groups if self._mask(g)[index]]

    def _inventory_groups(self, d: MobileDevice) -> list[dict]:
        return [{"groupId": str(g.id), "groupName": g.name, "groupDescription": g.description, "smart": g.smart}
                for g in self.groups_of(d)]

    # --- facts shared by the record kinds ---
    def _facts(self, d: MobileDevice) -> dict:
        m = d.model_info
        bits = d.bits
        capacity = m.capacity_gb[(bits >> 10) % len(m.capacity_gb)] * 1024
        used = 12 + (bits >> 48) % 80
        owner = self.fleet.computers[d.owner] if d.owner >= 0 else None
        dept = catalog.DEPARTMENTS[d.dept]
        carrier = catalog.CARRIERS[(bits >> 52) % len(catalog.CARRIERS)] if m.cellular else None
        return {
            "capacity": capacity, "available": capacity * (100 - used) // 100, "used": used,
            "battery": 0 if d.device_type == "tvos" else 20 + (bits >> 40) % 81,
            "wifi": _mac(bits, 3), "bluetooth": _mac(bits, 11),
            "ip": f"10.{100 + d.building}.{(bits >> 24) % 256}.{(bits >> 32) % 254 + 1}",
            "realname": f"{catalog.FIRST_NAMES[owner.first]} {catalog.LAST_NAMES[owner.last]}" if owner else "",
            "email": owner.email if owner else "",
            "position": dept.positions[(owner.bits >> 18) % len(dept.positions)] if owner else "",
            "phone": f"+1 612-555-{(owner.bits >> 22) % 10000:04d}" if owner else "",
            "room": f"{1 + (bits >> 26) % 6}-{1 + (bits >> 30) % 40:02d}",
            "carrier": carrier,
            "phone_number": f"+1 651-555-{(bits >> 36) % 10000:04d}" if carrier else "",
            "imei": f"35{(bits >> 4) % 10 ** 13:013d}" if carrier else "",
            "iccid": f"8901{(bits >> 2) % 10 ** 15:015d}" if carrier else "",
            "leased": (bits >> 54) % 10 == 0,
            "po_date": d.enrolled - 10 * DAY,
            "vendor": catalog.VENDORS[(bits >> 56) % len(catalog.VENDORS)],
            "applecare": f"AC{d.serial[-8:]}" if (bits >> 58) % 3 == 0 else "",
            "price": {"ios": "$799.00", "tvos": "$149.00", "watchos": "$399.00", "visionos": "$3,499.00"}[d.device_type],
            "timezone": ("America/Chicago", "Europe/London", "America/Chicago", "Europe/Berlin", "Asia/Tokyo",
                         "America/Chicago", "America/New_York")[d.building],
            "ownership": "Institutional" if d.supervised else "AccountDrivenUserEnrollment",
            "ade": d.supervised,
            "model": m,
            "software_update_id": f"{m.identifier.split(',')[0].rstrip('0123456789')}{8000 + d.model * 13}AP",
            "attested": d.managed and d.device_type in ("ios", "visionos") and d.os_version.split(".")[0] in ("18", "26", "2"),
        }

    def _secret(self, d: MobileDevice, tag: str) -> str:
        return f"sandbox-fake-{tag}-" + derived_uuid(self.seed, d.id, tag).replace("-", "")[:20]

    # --- /v2/mobile-devices/detail sections ---
    def record(self, d: MobileDevice, sections) -> dict:
        wanted = {SECTION_KEYS[s] for s in sections}
        f = self._facts(d)
        out = {"mobileDeviceId": str(d.id), "deviceType": DEVICE_TYPES[d.device_type]}
        for key in RECORD_KEYS[d.device_type]:
            out[key] = getattr(self, "_sec_" + key)(d, f) if key in wanted else None
        return out

    def _extension_attributes(self, d: MobileDevice, display: str) -> list[dict]:
        if display != "GENERAL":
            return []
        return [{"id": "1", "name": "Device Role", "type": "STRING", "value": ["Shared" if d.owner < 0 else "Personal"],
                 "extensionAttributeCollectionAllowed": False, "inventoryDisplay": "GENERAL"}]

    def _sec_general(self, d: MobileDevice, f: dict) -> dict:
        version, build = d.os_version, d.os_build
        site_id, _ = self.site(d)
        managed = d.managed
        out = {
            "udid": self.udid(d), "displayName": d.name, "assetTag": f"M{200000 + d.id}" if (d.bits >> 44) % 4 else "",
            "siteId": site_id, "lastInventoryUpdateDate": iso(d.report), "lastContactDate": iso(d.contact),
            "osVersion": version, "osRapidSecurityResponse": "", "osBuild": build, "osSupplementalBuildVersion": build,
            "softwareUpdateDeviceId": f["software_update_id"], "ipAddress": f["ip"], "managed": managed,
            "supervised": d.supervised, "deviceOwnershipType": f["ownership"],
            "enrollmentMethodPrestage": ({"mobileDevicePrestageId": "1", "profileName": "Corporate ADE - Mobile"} if f["ade"]
                                         else {"mobileDevicePrestageId": "-1", "profileName": ""}),
            "enrollmentSessionTokenValid": managed, "lastEnrolledDate": iso(d.enrolled),
            "mdmProfileExpirationDate": iso(d.enrolled + 730 * DAY + ((REFERENCE_EPOCH - d.enrolled) // (730 * DAY)) * 730 * DAY),
            "timeZone": f["timezone"], "declarativeDeviceManagementEnabled": managed,
            "managementId": self.management_id(d), "extensionAttributes": self._extension_attributes(d, "GENERAL"),
            "lastLoggedInUsernameSelfService": d.username or None,
            "lastLoggedInUsernameSelfServiceTimestamp": iso(d.contact - DAY) if d.username else None,
            "lastLoggedInUsernameMdm": d.username or None,
            "lastLoggedInUsernameMdmTimestamp": iso(d.contact) if d.username else None,
        }
        kind = d.device_type
        if kind == "tvos":
            out.update(airPlayPassword=self._secret(d, "airplay"), locales="en_US", languages="en")
            return out
        common = {"diagnosticAndUsageReportingEnabled": False, "appAnalyticsEnabled": False,
                  "deviceLocatorServiceEnabled": d.owner >= 0, "doNotDisturbEnabled": False}
        if kind == "ios":
            shared_ipad = d.owner < 0 and d.model_info.name.startswith("iPad")
            out.update(sharedIpad=shared_ipad, **common, residentUsers=3 if shared_ipad else 0,
                       quotaSize=8192 if shared_ipad else 0, temporarySessionOnly=False, temporarySessionTimeout=0,
                       userSessionTimeout=0, syncedToComputer=0, maximumSharediPadUsersStored=10 if shared_ipad else 0,
                       lastBackupDate=iso(d.contact - 3 * DAY), cloudBackupEnabled=d.owner >= 0,
                       lastCloudBackupDate=iso(d.contact - DAY), locationServicesForSelfServiceMobileEnabled=False,
                       itunesStoreAccountActive=d.owner >= 0, exchangeDeviceId="", tethered=False)
        elif kind == "watchos":
            out.update(**common, lastCloudBackupDate=iso(d.contact - DAY), itunesStoreAccountActive=False)
        else:
            out.update(**common, cloudBackupEnabled=False, lastCloudBackupDate=None, itunesStoreAccountActive=True)
        return out

    def _sec_hardware(self, d: MobileDevice, f: dict) -> dict:
        m = f["model"]
        return {"capacityMb": f["capacity"], "availableSpaceMb": f["available"], "usedSpacePercentage": f["used"],
                "batteryLevel": f["battery"],
                "batteryHealth": "UNSUPPORTED" if d.device_type == "tvos" else ("SERVICE_RECOMMENDED" if f["battery"] < 25 else "NORMAL"),
                "serialNumber": d.serial, "wifiMacAddress": f["wifi"], "bluetoothMacAddress": f["bluetooth"],
                "modemFirmwareVersion": "2.60.01" if m.cellular else "", "model": m.name, "modelIdentifier": m.identifier,
                "modelNumber": m.model_number, "bluetoothLowEnergyCapable": True,
                "deviceId": f"{(d.bits >> 8) & 0xFFFFFFFF:08X}", "extensionAttributes": []}

    def _sec_userAndLocation(self, d: MobileDevice, f: dict) -> dict:
        building_id, building = catalog.BUILDINGS[d.building]
        dept = catalog.DEPARTMENTS[d.dept]
        return {"username": d.username, "realName": f["realname"], "emailAddress": f["email"], "position": f["position"],
                "phoneNumber": f["phone"], "departmentId": str(dept.id), "buildingId": str(building_id),
                "room": f["room"], "building": building, "department": dept.name, "extensionAttributes": []}

    def _purchasing(self, d: MobileDevice, f: dict) -> dict:
        out = {"purchased": not f["leased"], "leased": f["leased"], "poNumber": f"PO-M-{d.id % 9000 + 1000}",
               "vendor": f["vendor"], "appleCareId": f["applecare"], "purchasePrice": f["price"], "purchasingAccount": "",
               "poDate": _epoch_date(f["po_date"]), "warrantyExpiresDate": _epoch_date(f["po_date"] + 365 * DAY),
               "lifeExpectancy": 3, "purchasingContact": ""}
        if f["leased"]:
            out["leaseExpiresDate"] = _epoch_date(f["po_date"] + 2 * 365 * DAY)
        return out

    def _sec_purchasing(self, d: MobileDevice, f: dict) -> dict:
        return {**self._purchasing(d, f), "extensionAttributes": []}

    def _security(self, d: MobileDevice, f: dict) -> dict:
        attested = f["attested"]
        return {"dataProtected": d.passcode_present, "blockLevelEncryptionCapable": True, "fileLevelEncryptionCapable": True,
                "passcodePresent": d.passcode_present, "passcodeCompliant": d.passcode_compliant,
                "passcodeCompliantWithProfile": d.passcode_compliant, "hardwareEncryption": 3,
                "activationLockEnabled": d.activation_lock, "jailBreakDetected": d.jailbroken,
                "attestationStatus": "SUCCESS" if attested else "PENDING",
                "lastAttestationAttemptDate": iso(d.contact) if attested else iso(d.enrolled),
                "lastSuccessfulAttestationDate": iso(d.contact) if attested else iso(d.enrolled)}

    def _sec_security(self, d: MobileDevice, f: dict) -> dict:
        lost = d.lost_mode
        out = {**self._security(d, f), "passcodeLockGracePeriodEnforcedSeconds": 0, "personalDeviceProfileCurrent": False,
               "lostModeEnabled": lost, "lostModePersistent": lost,
               "lostModeMessage": "This device is lost. Please call IT." if lost else "",
               "lostModePhoneNumber": "+1 612-555-0100" if lost else "", "lostModeFootnote": "",
               "bootstrapTokenEscrowed": "ESCROWED" if d.supervised and d.managed else "NOT_ESCROWED"}
        if lost:
            out["lostModeLocation"] = {"lastLocationUpdate": iso(d.contact), "lostModeLocationHorizontalAccuracyMeters": 35.0,
                                       "lostModeLocationVerticalAccuracyMeters": 12.0, "lostModeLocationAltitudeMeters": 260.0,
                                       "lostModeLocationSpeedMetersPerSecond": 0.0, "lostModeLocationCourseDegrees": 0.0,
                                       "lostModeLocationTimestamp": iso(d.contact)}
        return out

    def _apps(self, d: MobileDevice) -> list[tuple[str, str, str, int]]:
        apps = catalog.MOBILE_APPS[d.device_type]
        return [a for i, a in enumerate(apps) if i == 0 or (d.bits >> (i + 3)) & 1]

    def _sec_applications(self, d: MobileDevice, f: dict) -> list[dict]:
        return [{"identifier": bundle, "name": name, "version": version, "shortVersion": version,
                 "managementStatus": "Managed" if d.managed else "Unmanaged", "validationStatus": True,
                 "bundleSize": str(size * 1024 * 1024), "dynamicSize": str(size * 1024 * 64), "appClip": False}
                for name, bundle, version, size in self._apps(d)]

    def _sec_ebooks(self, d: MobileDevice, f: dict) -> list[dict]:
        return [{"author": "Example IT", "title": "Employee Handbook", "version": "2026.1", "kind": "PDF",
                 "managementState": "Managed"}] if d.managed and d.owner >= 0 else []

    def _network(self, d: MobileDevice, f: dict) -> dict:
        carrier = f["carrier"]
        name, mcc, mnc = carrier if carrier else ("", "", "")
        return {"cellularTechnology": "GSM" if carrier else "None", "voiceRoamingEnabled": False, "imei": f["imei"],
                "iccid": f["iccid"], "meid": "", "eid": f"8904{(d.bits >> 3) % 10 ** 16:016d}0000000000000" if carrier else "",
                "carrierSettingsVersion": "62.0" if carrier else "", "currentCarrierNetwork": name,
                "currentMobileCountryCode": mcc, "currentMobileNetworkCode": mnc, "homeCarrierNetwork": name,
                "homeMobileCountryCode": mcc, "homeMobileNetworkCode": mnc, "dataRoamingEnabled": False,
                "roaming": False, "personalHotspotEnabled": False, "phoneNumber": f["phone_number"],
                "preferredVoiceNumber": f["phone_number"]}

    def _sec_network(self, d: MobileDevice, f: dict) -> dict:
        return self._network(d, f)

    def _sec_serviceSubscriptions(self, d: MobileDevice, f: dict) -> list[dict]:
        carrier = f["carrier"]
        if not carrier:
            return []
        name, mcc, mnc = carrier
        return [{"carrierSettingsVersion": "62.0", "currentCarrierNetwork": name, "currentMobileCountryCode": mcc,
                 "currentMobileNetworkCode": mnc, "subscriberCarrierNetwork": name, "eid": "", "iccid": f["iccid"],
                 "imei": f["imei"], "dataPreferred": True, "roaming": False, "voicePreferred": True, "label": "Primary",
                 "labelId": derived_uuid(self.seed, d.id, "sim").upper(), "meid": "", "phoneNumber": f["phone_number"],
                 "slot": "CTSubscriptionSlotOne"}]

    def _cert(self, d: MobileDevice) -> tuple[str, int, int]:
        return (self.udid(d), d.enrolled, d.enrolled + 730 * DAY)

    def _sec_certificates(self, d: MobileDevice, f: dict) -> list[dict]:
        if not d.managed:
            return []
        name, _issued, expires = self._cert(d)
        return [{"commonName": name, "identity": True, "expirationDate": iso(expires)}]

    def _profiles(self, d: MobileDevice) -> list[tuple[str, str, str]]:
        if not d.managed:
            return []
        return [(display, ident, derived_uuid(0, i, ident).upper())
                for i, (display, ident) in enumerate(catalog.MOBILE_CONFIG_PROFILES)
                if d.device_type == "ios" or i == 1]

    def _sec_profiles(self, d: MobileDevice, f: dict) -> list[dict]:
        return [{"displayName": display, "version": "1", "uuid": uuid, "identifier": ident, "removable": False,
                 "lastInstalled": iso(d.enrolled + 3600)} for display, ident, uuid in self._profiles(d)]

    def _sec_userProfiles(self, d: MobileDevice, f: dict) -> list[dict]:
        return []

    def _provisioning(self, d: MobileDevice) -> list[dict]:
        if not d.managed or d.device_type == "tvos":
            return []
        return [{"displayName": "Example In-House Apps", "uuid": derived_uuid(0, 0, "provisioning").upper(),
                 "expirationDate": iso(REFERENCE_EPOCH + 200 * DAY)}]

    def _sec_provisioningProfiles(self, d: MobileDevice, f: dict) -> list[dict]:
        return self._provisioning(d)

    def _sec_sharedUsers(self, d: MobileDevice, f: dict) -> list[dict]:
        if not (d.owner < 0 and d.model_info.name.startswith("iPad")):
            return []
        return [{"managedAppleId": f"retail{(d.id * 7 + k) % 90 + 10}@appleid.{catalog.EMAIL_DOMAIN}", "loggedIn": k == 0,
                 "dataToSync": False} for k in range(3)]

    def _sec_groups(self, d: MobileDevice, f: dict) -> list[dict]:
        return self._inventory_groups(d)

    def _sec_extensionAttributes(self, d: MobileDevice, f: dict) -> list[dict]:
        return [{"id": "2", "name": "Cost Center", "type": "STRING",
                 "value": [f"CC-{catalog.DEPARTMENTS[d.dept].code}"], "extensionAttributeCollectionAllowed": False,
                 "inventoryDisplay": "USER_AND_LOCATION"}]

    # --- GET /v2/mobile-devices and /v2/mobile-devices/{id} ---
    def light(self, d: MobileDevice) -> dict:
        m = d.model_info
        f_phone = f"+1 651-555-{(d.bits >> 36) % 10000:04d}" if m.cellular else ""
        return {"id": str(d.id), "name": d.name, "serialNumber": d.serial, "wifiMacAddress": _mac(d.bits, 3),
                "udid": self.udid(d), "phoneNumber": f_phone, "model": m.name, "modelIdentifier": m.identifier,
                "username": d.username, "type": d.device_type, "managementId": self.management_id(d),
                "softwareUpdateDeviceId": f"{m.identifier.split(',')[0].rstrip('0123456789')}{8000 + d.model * 13}AP"}

    # --- GET /v2/mobile-devices/{id}/detail (holds the fake secrets) ---
    def detail(self, d: MobileDevice) -> dict:
        f = self._facts(d)
        m = f["model"]
        site_id, site_name = self.site(d)
        general = self._sec_general(d, f)
        out = {
            "id": str(d.id), "name": d.name, "enforceName": False, "assetTag": general["assetTag"],
            "lastInventoryUpdateTimestamp": iso(d.report), "lastContactTimestamp": iso(d.contact),
            "osVersion": d.os_version, "osBuild": d.os_build, "osSupplementalBuildVersion": d.os_build,
            "osRapidSecurityResponse": "", "softwareUpdateDeviceId": f["software_update_id"], "serialNumber": d.serial,
            "udid": self.udid(d), "ipAddress": f["ip"], "wifiMacAddress": f["wifi"], "bluetoothMacAddress": f["bluetooth"],
            "managed": d.managed, "timeZone": f["timezone"], "initialEntryTimestamp": iso(d.enrolled - DAY),
            "lastEnrollmentTimestamp": iso(d.enrolled), "mdmProfileExpirationTimestamp": general["mdmProfileExpirationDate"],
            "deviceOwnershipLevel": "Institutional" if f["ade"] else "Personal",
            "enrollmentMethod": "Automated Device Enrollment" if f["ade"] else "User-initiated via URL",
            "enrollmentSessionTokenValid": d.managed, "declarativeDeviceManagementEnabled": d.managed,
            "site": {"id": site_id, "divisionId": None, "name": site_name},
            "extensionAttributes": [{k: v for k, v in ea.items() if k != "inventoryDisplay"}
                                    for ea in self._extension_attributes(d, "GENERAL")],
            "location": {k: v for k, v in self._sec_userAndLocation(d, f).items()
                         if k not in ("building", "department", "extensionAttributes")},
            "type": d.device_type,
        }
        configuration = [{"displayName": display, "version": "1", "uuid": uuid, "identifier": ident}
                         for display, ident, uuid in self._profiles(d)]
        apps = [{"identifier": bundle, "name": name, "version": version, "shortVersion": version}
                for name, bundle, version, _size in self._apps(d)]
        certificates = []
        if d.managed:
            name, issued, expires = self._cert(d)
            certificates.append({"commonName": name, "identity": True, "expirationDateEpoch": iso(expires),
                                 "subjectName": f"CN={name}", "serialNumber": f"{d.bits & 0xFFFFFFFF:08x}",
                                 "sha1Fingerprint": derived_uuid(self.seed, d.id, "mcert").replace("-", "") + "0a1b2c3d",
                                 "issuedDateEpoch": iso(issued), "certificateStatus": "ISSUED", "lifecycleStatus": "ACTIVE"})
        security = {**self._security(d, f), "bootstrapToken": self._secret(d, "bootstrap-token"),
                    "bootstrapTokenEscrowed": "ESCROWED" if d.supervised and d.managed else "NOT_ESCROWED"}
        kind = d.device_type
        if kind == "tvos":
            out["tvos"] = {"model": m.name, "modelIdentifier": m.identifier, "modelNumber": m.model_number,
                           "supervised": d.supervised, "airplayPassword": self._secret(d, "airplay"),
                           "deviceId": f"{(d.bits >> 8) & 0xFFFFFFFF:08X}", "locales": "en_US",
                           "purchasing": self._purchasing(d, f), "configurationProfiles": configuration,
                           "certificates": certificates, "applications": apps}
        elif kind == "watchos":
            out["watchos"] = {"model": m.name, "modelIdentifier": m.identifier, "modelNumber": m.model_number,
                              "supervised": d.supervised, "batteryLevel": f["battery"], "capacityMb": f["capacity"],
                              "availableMb": f["available"], "percentageUsed": f["used"],
                              "deviceLocatorServiceEnabled": d.owner >= 0, "doNotDisturbEnabled": False,
                              "lastCloudBackupTimestamp": iso(d.contact - DAY), "iTunesStoreAccountActive": False,
                              "bleCapable": True, "unlockToken": self._secret(d, "unlock-token"), "security": security,
                              "applications": apps, "certificates": certificates, "configurationProfiles": configuration,
                              "provisioningProfiles": self._provisioning(d), "attachments": []}
        else:
            owner = self.fleet.computers[d.owner] if d.owner >= 0 else None
            out[kind] = {
                "model": m.name, "modelIdentifier": m.identifier, "modelNumber": m.model_number, "supervised": d.supervised,
                "batteryLevel": f["battery"], "batteryHealth": "SERVICE_RECOMMENDED" if f["battery"] < 25 else "NORMAL",
                "lastBackupTimestamp": iso(d.contact - 3 * DAY), "capacityMb": f["capacity"], "availableMb": f["available"],
                "percentageUsed": f["used"], "shared": d.owner < 0, "deviceLocatorServiceEnabled": d.owner >= 0,
                "doNotDisturbEnabled": False, "cloudBackupEnabled": d.owner >= 0,
                "lastCloudBackupTimestamp": iso(d.contact - DAY), "locationServicesEnabled": d.owner >= 0,
                "iTunesStoreAccountActive": d.owner >= 0, "bleCapable": True,
                "unlockToken": self._secret(d, "unlock-token"),
                "computer": {"id": str(owner.id), "name": owner.name} if owner else {"id": "-1", "name": ""},
                "purchasing": self._purchasing(d, f), "security": security, "network": self._network(d, f),
                "serviceSubscriptions": self._sec_serviceSubscriptions(d, f), "applications": apps,
                "certificates": certificates,
                "ebooks": [{k: e[k] for k in ("author", "title", "version")} for e in self._sec_ebooks(d, f)],
                "mdmCapableUsers": ([{"userShortName": d.username,
                                      "managementId": derived_uuid(self.seed, d.id, "mobile-user-mdm")}]
                                    if d.username and d.managed else []),
                "configurationProfiles": configuration, "provisioningProfiles": self._provisioning(d), "attachments": [],
            }
        out["managementId"] = self.management_id(d)
        out["groups"] = self._inventory_groups(d)
        return out

    # --- the flat InventoryListMobileDevice row (group membership endpoints) ---
    def row(self, d: MobileDevice) -> dict:
        f = self._facts(d)
        general = self._sec_general(d, f)
        hardware = self._sec_hardware(d, f)
        user = self._sec_userAndLocation(d, f)
        purchasing = self._purchasing(d, f)
        security = self._sec_security(d, f)
        network = self._network(d, f)
        out = {
            "mobileDeviceId": str(d.id), "udid": general["udid"], "airPlayPassword": general.get("airPlayPassword", ""),
            "appAnalyticsEnabled": False, "assetTag": general["assetTag"], "availableSpaceMb": f["available"],
            "batteryLevel": f["battery"], "batteryHealth": hardware["batteryHealth"], "bluetoothLowEnergyCapable": True,
            "bluetoothMacAddress": f["bluetooth"], "capacityMb": f["capacity"],
            "declarativeDeviceManagementEnabled": d.managed, "deviceId": hardware["deviceId"],
            "deviceLocatorServiceEnabled": general.get("deviceLocatorServiceEnabled", False),
            "deviceOwnershipType": f["ownership"], "devicePhoneNumber": f["phone_number"],
            "diagnosticAndUsageReportingEnabled": False, "displayName": d.name, "doNotDisturbEnabled": False,
            "enrollmentSessionTokenValid": d.managed, "exchangeDeviceId": "",
            "cloudBackupEnabled": general.get("cloudBackupEnabled", False), "osBuild": d.os_build,
            "osSupplementalBuildVersion": d.os_build, "osRapidSecurityResponse": "", "osVersion": d.os_version,
            "ipAddress": f["ip"], "itunesStoreAccountActive": general.get("itunesStoreAccountActive", False),
            "jamfParentPairings": 0, "languages": general.get("languages", "en"),
            "lastContactDate": general["lastContactDate"], "lastEnrolledDate": general["lastEnrolledDate"],
            "lastInventoryUpdateDate": general["lastInventoryUpdateDate"], "locales": general.get("locales", "en_US"),
            "locationServicesForSelfServiceMobileEnabled": False, "lostModeEnabled": security["lostModeEnabled"],
            "managed": d.managed, "managementId": general["managementId"],
            "mdmProfileExpirationDate": general["mdmProfileExpirationDate"], "model": hardware["model"],
            "modelIdentifier": hardware["modelIdentifier"], "modelNumber": hardware["modelNumber"],
            "modemFirmwareVersion": hardware["modemFirmwareVersion"], "pairedDevices": 0,
            "quotaSize": general.get("quotaSize", 0), "residentUsers": general.get("residentUsers", 0),
            "serialNumber": d.serial, "sharedIpad": general.get("sharedIpad", False), "supervised": d.supervised,
            "tethered": False, "timeZone": f["timezone"], "usedSpacePercentage": f["used"], "wifiMacAddress": f["wifi"],
            "building": user["building"], "department": user["department"], "emailAddress": user["emailAddress"],
            "fullName": user["realName"], "position": user["position"], "room": user["room"],
            "userPhoneNumber": user["phoneNumber"], "username": d.username, "appleCareId": purchasing["appleCareId"],
            "lifeExpectancyYears": purchasing["lifeExpectancy"], "poDate": purchasing["poDate"],
            "poNumber": purchasing["poNumber"], "purchasePrice": purchasing["purchasePrice"],
            "purchasedOrLeased": purchasing["purchased"], "purchasingAccount": "", "purchasingContact": "",
            "vendor": purchasing["vendor"], "warrantyExpirationDate": purchasing["warrantyExpiresDate"],
            "activationLockEnabled": security["activationLockEnabled"], "blockEncryptionCapable": True,
            "dataProtection": security["dataProtected"], "fileEncryptionCapable": True,
            "hardwareEncryptionSupported": True, "jailbreakStatus": "Jailbroken" if d.jailbroken else "Not Jailbroken",
            "passcodeCompliant": security["passcodeCompliant"],
            "passcodeCompliantWithProfile": security["passcodeCompliantWithProfile"],
            "passcodeLockGracePeriodEnforcedSeconds": 0, "passcodePresent": security["passcodePresent"],
            "personalDeviceProfileCurrent": False,
            **{k: network[k] for k in ("carrierSettingsVersion", "cellularTechnology", "currentCarrierNetwork",
                                       "currentMobileCountryCode", "currentMobileNetworkCode", "dataRoamingEnabled", "eid",
                                       "homeCarrierNetwork", "homeMobileCountryCode", "homeMobileNetworkCode", "iccid",
                                       "imei", "meid", "personalHotspotEnabled", "preferredVoiceNumber", "roaming")},
            "imei2": "", "voiceRoamingEnabled": "false",
            "lastLoggedInUsernameSelfService": general["lastLoggedInUsernameSelfService"],
            "lastLoggedInUsernameSelfServiceTimestamp": general["lastLoggedInUsernameSelfServiceTimestamp"],
            "lastLoggedInUsernameMdm": general["lastLoggedInUsernameMdm"],
            "lastLoggedInUsernameMdmTimestamp": general["lastLoggedInUsernameMdmTimestamp"],
            "extensionAttributeValueList": [{"displayName": ea["name"], "value": ea["value"][0]}
                                            for ea in self._sec_extensionAttributes(d, f)],
        }
        if purchasing["leased"]:
            out["leaseExpirationDate"] = purchasing["leaseExpiresDate"]
        if security["lostModeEnabled"]:
            out["lostModeEnabledDate"] = iso(d.contact - 2 * DAY)
        if "lastBackupDate" in general:
            out["lastBackupDate"] = general["lastBackupDate"]
        if general.get("lastCloudBackupDate"):
            out["lastCloudBackupDate"] = general["lastCloudBackupDate"]
        return out

    # --- filter / sort values (the flat namespace of /v2/mobile-devices/detail and the membership endpoints) ---
    def filter_value(self, d: MobileDevice, field: str):
        """One flat filter/sort field's value. `groupId` and `groupName` are multi-valued: a list of strings (a
        device matches `groupId==5` when any of its groups does). `network` is the home carrier network."""
        fast = _FAST_FIELDS.get(field)
        if fast is not None:
            return fast(self, d)
        if field in ("groupId", "groupName"):
            return [str(g.id) if field == "groupId" else g.name for g in self.groups_of(d)]
        if field == "network":
            field = "homeCarrierNetwork"
        if field not in ROW_FIELDS:
            raise KeyError(field)
        return self.row(d).get(field)


_FAST_FIELDS = {
    "mobileDeviceId": lambda s, d: str(d.id), "serialNumber": lambda s, d: d.serial, "displayName": lambda s, d: d.name,
    "username": lambda s, d: d.username, "osVersion": lambda s, d: d.os_version, "osBuild": lambda s, d: d.os_build,
    "managed": lambda s, d: d.managed, "supervised": lambda s, d: d.supervised,
    "model": lambda s, d: d.model_info.name, "modelIdentifier": lambda s, d: d.model_info.identifier,
    "modelNumber": lambda s, d: d.model_info.model_number, "udid": lambda s, d: s.udid(d),
    "managementId": lambda s, d: s.management_id(d), "lastInventoryUpdateDate": lambda s, d: iso(d.report),
    "lastContactDate": lambda s, d: iso(d.contact), "lastEnrolledDate": lambda s, d: iso(d.enrolled),
    "building": lambda s, d: catalog.BUILDINGS[d.building][1], "department": lambda s, d: catalog.DEPARTMENTS[d.dept].name,
    "lostModeEnabled": lambda s, d: d.lost_mode, "passcodeCompliant": lambda s, d: d.passcode_compliant,
    "passcodePresent": lambda s, d: d.passcode_present, "activationLockEnabled": lambda s, d: d.activation_lock,
}
# every flat field of InventoryListMobileDevice (what `row` may carry)
ROW_FIELDS = frozenset("""mobileDeviceId udid airPlayPassword appAnalyticsEnabled assetTag availableSpaceMb batteryLevel
batteryHealth bluetoothLowEnergyCapable bluetoothMacAddress capacityMb lostModeEnabledDate declarativeDeviceManagementEnabled
deviceId deviceLocatorServiceEnabled deviceOwnershipType devicePhoneNumber diagnosticAndUsageReportingEnabled displayName
doNotDisturbEnabled enrollmentSessionTokenValid exchangeDeviceId cloudBackupEnabled osBuild osSupplementalBuildVersion
osRapidSecurityResponse osVersion ipAddress itunesStoreAccountActive jamfParentPairings languages lastBackupDate
lastContactDate lastEnrolledDate lastCloudBackupDate lastInventoryUpdateDate locales
locationServicesForSelfServiceMobileEnabled lostModeEnabled managed managementId mdmProfileExpirationDate model
modelIdentifier modelNumber modemFirmwareVersion pairedDevices quotaSize residentUsers serialNumber sharedIpad supervised
tethered timeZone usedSpacePercentage wifiMacAddress building department emailAddress fullName position room
userPhoneNumber username appleCareId leaseExpirationDate lifeExpectancyYears poDate poNumber purchasePrice
purchasedOrLeased purchasingAccount purchasingContact vendor warrantyExpirationDate activationLockEnabled
blockEncryptionCapable dataProtection fileEncryptionCapable hardwareEncryptionSupported jailbreakStatus passcodeCompliant
passcodeCompliantWithProfile passcodeLockGracePeriodEnforcedSeconds passcodePresent personalDeviceProfileCurrent
carrierSettingsVersion cellularTechnology currentCarrierNetwork currentMobileCountryCode currentMobileNetworkCode
dataRoamingEnabled eid homeCarrierNetwork homeMobileCountryCode homeMobileNetworkCode iccid imei imei2 meid
personalHotspotEnabled preferredVoiceNumber roaming voiceRoamingEnabled lastLoggedInUsernameSelfService
lastLoggedInUsernameSelfServiceTimestamp lastLoggedInUsernameMdm lastLoggedInUsernameMdmTimestamp""".split())
