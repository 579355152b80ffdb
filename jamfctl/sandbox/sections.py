"""Build ComputerInventoryV4 records (and their sections) on demand from a fleet's compact core."""

from __future__ import annotations

import random

from . import JAMF_PRO_VERSION, catalog
from .fleet import DAY, REFERENCE_EPOCH, Computer, Fleet, derived_uuid, iso, iso_date

# ComputerSectionV4 name -> record key, in the schema's property order (the record keeps this order).
SECTION_KEYS: dict[str, str] = {
    "GENERAL": "general", "DISK_ENCRYPTION": "diskEncryption", "PURCHASING": "purchasing",
    "APPLICATIONS": "applications", "STORAGE": "storage", "USER_AND_LOCATION": "userAndLocation",
    "CONFIGURATION_PROFILES": "configurationProfiles", "PRINTERS": "printers", "SERVICES": "services",
    "HARDWARE": "hardware", "LOCAL_USER_ACCOUNTS": "localUserAccounts", "CERTIFICATES": "certificates",
    "ATTACHMENTS": "attachments", "PACKAGE_RECEIPTS": "packageReceipts", "SECURITY": "security",
    "OPERATING_SYSTEM": "operatingSystem", "LICENSED_SOFTWARE": "licensedSoftware", "IBEACONS": "ibeacons",
    "SOFTWARE_UPDATES": "softwareUpdates", "EXTENSION_ATTRIBUTES": "extensionAttributes",
    "CONTENT_CACHING": "contentCaching", "GROUP_MEMBERSHIPS": "groupMemberships",
}
ALL_SECTIONS: tuple[str, ...] = tuple(SECTION_KEYS)
KEY_TO_SECTION = {key: name for name, key in SECTION_KEYS.items()}
LATEST_OS = max(catalog.OS_RELEASES, key=lambda r: tuple(int(p) for p in r.version.split(".")))


def _rng(c: Computer, salt: int) -> random.Random:
    return random.Random(c.bits ^ salt)


def _mac_address(c: Computer, n: int) -> str:
    raw = (c.bits >> (n * 8)) ^ (c.id * 0x9E3779B1)
    octets = [0x8C, 0x85, 0x90] + [(raw >> s) & 0xFF for s in (0, 8, 16)]
    return ":".join(f"{o:02X}" for o in octets)


def general(fleet: Fleet, c: Computer) -> dict:
    ade = c.supervised
    managed = c.managed
    bits = c.bits
    checkin = c.checkin
    mdm_id = fleet.management_id(c)
    old_binary = (bits >> 20) % 10 == 0
    out = {
        "name": c.name,
        "lastIpAddress": f"203.0.113.{(bits >> 12) % 254 + 1}",
        "lastReportedIpV4": f"10.{c.building}.{(bits >> 24) % 256}.{(bits >> 32) % 254 + 1}",
        "lastReportedIpV6": "",
        "jamfBinaryVersion": "11.29.0-t1780072496315" if old_binary else JAMF_PRO_VERSION,
        "platform": "Mac",
        "barcode1": "",
        "barcode2": "",
        "assetTag": f"A{100000 + c.id}" if (bits >> 40) % 5 else "",
        "remoteManagement": {"managed": managed, "managementUsername": ""},
        "supervised": c.supervised,
        "mdmCapable": {
            "capable": managed,
            "capableUsers": [c.username] if managed else [],
            "userManagementInfo": [{"capableUser": c.username, "managementId": derived_uuid(fleet.seed, c.id, "user-mdm")}] if managed else [],
        },
        "reportDate": iso(c.report),
        "lastCheckIn": iso(checkin),
        "lastContact": iso(c.contact),
        "lastEnrolledDate": iso(c.enrolled),
        "mdmProfileExpiration": iso(mdm_profile_expiration(c)),
        "initialEntryDate": iso_date(c.enrolled - (bits % 5) * DAY),
        "distributionPoint": "",
        "enrollmentMethod": (
            {"id": "1", "objectName": "Corporate ADE", "objectType": "Automated Device Enrollment"} if ade
            else {"id": "2", "objectName": c.email, "objectType": "User-initiated - no invitation"}
        ),
        "site": {"id": "-1", "name": "None"},
        "itunesStoreAccountActive": False,
        "enrolledViaAutomatedDeviceEnrollment": ade,
        "userApprovedMdm": managed,
        "declarativeDeviceManagementEnabled": managed and c.os_info.major >= 14,
        "extensionAttributes": [],
        "managementId": mdm_id,
        "lastLoggedInUsernameSelfService": c.username if (bits >> 44) % 3 else None,
        "lastLoggedInUsernameSelfServiceTimestamp": iso(c.contact - 3 * DAY) if (bits >> 44) % 3 else None,
        "lastLoggedInUsernameBinary": c.username,
        "lastLoggedInUsernameBinaryTimestamp": iso(checkin),
        "lastLoggedInUsernameMdm": c.username if managed else None,
        "lastLoggedInUsernameMdmTimestamp": iso(c.contact) if managed else None,
    }
    return out


def mdm_profile_expiration(c: Computer) -> int:
    """Two years after enrolment, renewed every two years; ~2.5 % were not renewed in time and have expired."""
    if (c.bits >> 58) % 40 == 0:
        return REFERENCE_EPOCH - (1 + (c.bits >> 40) % 60) * DAY
    return c.enrolled + 730 * DAY + ((REFERENCE_EPOCH - c.enrolled) // (730 * DAY)) * 730 * DAY


def _not_collected(c: Computer) -> bool:
    """~0.5 % of Macs whose inventory never reported SIP and Gatekeeper (Jamf's NOT_COLLECTED)."""
    return (c.bits >> 56) % 200 == 0


def hardware(fleet: Fleet, c: Computer) -> dict:
    m = c.model_info
    silicon = m.apple_silicon
    ram = m.ram_gb[(c.bits >> 10) % len(m.ram_gb)]
    return {
        "make": "Apple",
        "model": m.name,
        "modelIdentifier": m.identifier,
        "serialNumber": c.serial,
        "processorSpeedMhz": 2400 if not silicon else (3228, 3504, 4056)[c.model % 3],
        "processorCount": 1,
        "coreCount": m.cores,
        "processorType": m.processor,
        "processorArchitecture": "arm64" if silicon else "x86_64",
        "busSpeedMhz": 0 if silicon else 100,
        "cacheSizeKilobytes": 0 if silicon else 16384,
        "networkAdapterType": "IEEE80211",
        "macAddress": _mac_address(c, 1),
        "altNetworkAdapterType": "Ethernet" if not m.laptop else "",
        "altMacAddress": _mac_address(c, 2) if not m.laptop else "",
        "totalRamMegabytes": ram * 1024,
        "openRamSlots": 0,
        "batteryCapacityPercent": 72 + (c.bits >> 14) % 29 if m.laptop else 0,
        "batteryHealth": ("SERVICE_RECOMMENDED" if (c.bits >> 14) % 29 < 2 else "NORMAL") if m.laptop else "UNSUPPORTED",
        "smcVersion": "" if silicon else "2.29f0",
        "nicSpeed": "n/a" if m.laptop else "1000",
        "opticalDrive": "",
        "bootRom": "13822.41.1" if silicon else "2075.40.29.0.0 (iBridge: 22.16.10353.0.0,0)",
        "bleCapable": True,
        "supportsIosAppInstalls": silicon,
        "appleSilicon": silicon,
        "provisioningUdid": f"00008{103 + c.model % 20:03d}-{c.bits & 0xFFFFFFFFFFFF:016X}" if silicon else "",
        "extensionAttributes": [],
    }


def operating_system(fleet: Fleet, c: Computer) -> dict:
    release = c.os_info
    return {
        "name": "macOS",
        "version": release.version,
        "build": release.build,
        "supplementalBuildVersion": release.build,
        "rapidSecurityResponse": "",
        "activeDirectoryStatus": "Not Bound",
        "fileVault2Status": "ALL_ENCRYPTED" if c.filevault else "NOT_ENCRYPTED",
        "softwareUpdateDeviceId": f"J{300 + c.model * 7}AP" if c.model_info.apple_silicon else "Mac-E1008331FDC96864",
        "extensionAttributes": [],
    }


def user_and_location(fleet: Fleet, c: Computer) -> dict:
    dept = catalog.DEPARTMENTS[c.dept]
    return {
        "username": c.username,
        "realname": c.realname,
        "email": c.email,
        "position": dept.positions[(c.bits >> 18) % len(dept.positions)],
        "phone": f"+1 612-555-{(c.bits >> 22) % 10000:04d}",  # 555: fictional numbers
        "departmentId": str(dept.id),
        "buildingId": str(catalog.BUILDINGS[c.building][0]),
        "room": f"{1 + (c.bits >> 26) % 6}-{1 + (c.bits >> 30) % 40:02d}",
        "extensionAttributes": [],
    }


def security(fleet: Fleet, c: Computer) -> dict:
    silicon = c.model_info.apple_silicon
    attested = c.managed and silicon and c.os_info.major >= 15
    return {
        "sipStatus": "NOT_COLLECTED" if _not_collected(c) else "ENABLED" if c.sip else "DISABLED",
        "gatekeeperStatus": "NOT_COLLECTED" if _not_collected(c) else
                            "APP_STORE_AND_IDENTIFIED_DEVELOPERS" if c.gatekeeper else "DISABLED",
        "xprotectVersion": "5326" if c.os_info.major >= 15 else "5310",
        "autoLoginDisabled": True,
        "remoteDesktopEnabled": (c.bits >> 36) % 8 == 0,
        "activationLockEnabled": (c.bits >> 38) % 20 == 0,
        "recoveryLockEnabled": c.recovery_lock,
        "firewallEnabled": c.firewall,
        "secureBootLevel": "FULL_SECURITY" if c.sip else "MEDIUM_SECURITY",
        "externalBootLevel": "NOT_SUPPORTED" if silicon else "DISALLOW_BOOTING_FROM_EXTERNAL_MEDIA",
        "bootstrapTokenAllowed": c.managed and c.supervised,
        "bootstrapTokenEscrowedStatus": ("ESCROWED" if c.bootstrap_escrowed else "NOT_ESCROWED") if c.managed else "NOT_SUPPORTED",
        "lastAttestationAttempt": iso(c.contact) if attested else "",
        "lastSuccessfulAttestation": iso(c.contact) if attested else "",
        "attestationStatus": "SUCCESS" if attested else "PENDING",
    }


def disk_encryption(fleet: Fleet, c: Computer) -> dict:
    fv = c.filevault
    key_status = "NOT_APPLICABLE" if not fv else ("INVALID" if (c.bits >> 50) % 25 == 0 else "VALID")
    return {
        "bootPartitionEncryptionDetails": {
            "partitionName": "Macintosh HD (Boot Partition)",
            "partitionFileVault2State": "ENCRYPTED" if fv else "UNENCRYPTED",
            "partitionFileVault2Percent": 100 if fv else 0,
        },
        "individualRecoveryKeyValidityStatus": key_status,
        "institutionalRecoveryKeyPresent": False,
        "diskEncryptionConfigurationName": "Corporate FileVault" if fv else "",
        "fileVault2Enabled": fv,
        "fileVault2EnabledUserNames": [c.username] if fv else [],
        "fileVault2EligibilityMessage": "Eligible",
    }


def local_user_accounts(fleet: Fleet, c: Computer) -> list:
    user_admin = (c.bits >> 52) % 4 == 0
    common = {"passwordMinLength": 8, "passwordMaxAge": 0, "passwordMinComplexCharacters": 0,
              "passwordHistoryDepth": 0, "passwordRequireAlphanumeric": True,
              "computerAzureActiveDirectoryId": "", "userAzureActiveDirectoryId": "", "azureActiveDirectoryId": "UNKNOWN"}
    return [
        {"uid": "501", "userGuid": derived_uuid(fleet.seed, c.id, "user-guid").upper(), "username": c.username,
         "fullName": c.realname, "admin": user_admin, "homeDirectory": f"/Users/{c.username}",
         "homeDirectorySizeMb": 2048 + (c.bits >> 16) % 180000, "fileVault2Enabled": c.filevault,
         "userAccountType": "LOCAL", **common},
        {"uid": "502", "userGuid": derived_uuid(fleet.seed, c.id, "admin-guid").upper(), "username": "jamfadmin",
         "fullName": "Jamf Admin", "admin": True, "homeDirectory": "/private/var/jamfadmin",
         "homeDirectorySizeMb": 12, "fileVault2Enabled": False, "userAccountType": "LOCAL", **common},
    ]


def purchasing(fleet: Fleet, c: Computer) -> dict:
    leased = (c.bits >> 54) % 10 == 0
    bought = c.enrolled - 10 * DAY
    out = {
        "leased": leased,
        "purchased": not leased,
        "poNumber": f"PO-{iso_date(bought)[:4]}-{c.id % 9000 + 1000}",
        "poDate": iso_date(bought),
        "vendor": catalog.VENDORS[(c.bits >> 56) % len(catalog.VENDORS)],
        "warrantyDate": iso_date(bought + 3 * 365 * DAY),
        "appleCareId": f"AC{c.serial[-8:]}" if (c.bits >> 58) % 3 == 0 else "",
        "purchasePrice": "$1,999.00" if c.model_info.laptop else "$1,499.00",
        "lifeExpectancy": 4,
        "purchasingAccount": "",
        "purchasingContact": "",
        "extensionAttributes": [],
    }
    if leased:  # Jamf sends no lease date for purchased Macs
        out["leaseDate"] = iso_date(bought)
    return out


def storage(fleet: Fleet, c: Computer) -> dict:
    m = c.model_info
    size_mb = m.storage_gb[(c.bits >> 11) % len(m.storage_gb)] * 1000 * 1000 // 1024
    percent_used = 15 + (c.bits >> 45) % 80
    if percent_used >= 93:  # a few nearly full drives
        percent_used = 96 + (c.bits >> 47) % 3
    free = size_mb * (100 - percent_used) // 100
    fv_state = "ENCRYPTED" if c.filevault else "UNENCRYPTED"
    return {
        "bootDriveAvailableSpaceMegabytes": free,
        "disks": [{
            "id": str(c.id * 10 + 1), "device": "disk0", "model": f"APPLE SSD AP{size_mb // 1000:04d}Z",
            "revision": "1224.40.3", "serialNumber": f"{c.bits & 0xFFFFFFFFFFFF:012x}", "sizeMegabytes": size_mb,
            "smartStatus": "Verified", "type": "SSD",
            "partitions": [
                {"name": "Macintosh HD (Boot Partition)", "sizeMegabytes": size_mb - 5000, "availableMegabytes": free,
                 "partitionType": "BOOT", "percentUsed": percent_used, "fileVault2State": fv_state,
                 "fileVault2ProgressPercent": 100 if c.filevault else 0, "lvmManaged": False},
                {"name": "Recovery", "sizeMegabytes": 5000, "availableMegabytes": 3800, "partitionType": "RECOVERY",
                 "percentUsed": 24, "fileVault2State": "INELIGIBLE", "fileVault2ProgressPercent": None,
                 "lvmManaged": False},
            ],
        }],
    }


def applications(fleet: Fleet, c: Computer) -> list:
    rng = _rng(c, 0xA99)
    chosen = list(range(catalog.APPS_ALWAYS))
    chosen += [i for i in range(catalog.APPS_ALWAYS, len(catalog.APPLICATIONS)) if rng.random() < 0.45]
    out = []
    for i in chosen:
        name, bundle, version, size, mas = catalog.APPLICATIONS[i]
        out.append({"name": name, "path": f"/Applications/{name}", "version": version,
                    "cfBundleShortVersionString": version, "cfBundleVersion": version, "macAppStore": mas,
                    "sizeMegabytes": size, "bundleId": bundle, "updateAvailable": rng.random() < 0.1,
                    "externalVersionId": "0"})
    return out


def configuration_profiles(fleet: Fleet, c: Computer) -> list:
    if not c.managed:
        return []
    return [{"id": str(i + 1), "username": "", "lastInstalled": iso(c.enrolled + (i + 1) * 3600),
             "removable": False, "displayName": display, "profileIdentifier": ident,
             "uuid": derived_uuid(0, i, ident).upper()}
            for i, (display, ident) in enumerate(catalog.CONFIG_PROFILES)]


def certificates(fleet: Fleet, c: Computer) -> list:
    if not c.managed:
        return []
    return [{"commonName": fleet.udid(c), "identity": True, "expirationDate": iso(c.enrolled + 730 * DAY),
             "username": "", "lifecycleStatus": "ACTIVE", "certificateStatus": "ISSUED",
             "subjectName": f"CN={fleet.udid(c)}", "serialNumber": f"{c.bits & 0xFFFFFFFF:08x}",
             "sha1Fingerprint": derived_uuid(fleet.seed, c.id, "cert").replace("-", "") + "0a1b2c3d",
             "issuedDate": iso(c.enrolled)}]


def package_receipts(fleet: Fleet, c: Computer) -> dict:
    return {"installedByJamfPro": ["com.jamf.protect.JamfProtect", "com.jamf.connect"],
            "installedByInstallerSwu": ["com.apple.pkg.RosettaUpdateAuto", "com.apple.pkg.XProtectPayloads"],
            "cached": []}


def software_updates(fleet: Fleet, c: Computer) -> list:
    if c.os_info == LATEST_OS:
        return []
    return [{"name": f"macOS {LATEST_OS.version}", "version": LATEST_OS.version,
             "packageName": f"com.apple.pkg.macOS{LATEST_OS.version}"}]


def extension_attributes(fleet: Fleet, c: Computer) -> list:
    return [
        {"definitionId": "1", "name": "Jamf Protect - Status", "description": None, "enabled": True,
         "multiValue": False, "values": ["Protected" if c.managed else "Not installed"], "dataType": "STRING",
         "options": [], "inputType": "SCRIPT"},
        {"definitionId": "2", "name": "Cost Center", "description": "Finance cost center", "enabled": True,
         "multiValue": False, "values": [f"CC-{catalog.DEPARTMENTS[c.dept].code}"], "dataType": "STRING",
         "options": [], "inputType": "TEXT"},
    ]


def content_caching(fleet: Fleet, c: Computer) -> dict:
    return {"parents": [], "alerts": [], "activated": False, "active": False, "actualCacheBytesUsed": 0,
            "cacheDetails": [], "cacheBytesFree": 0, "cacheBytesLimit": 0, "cacheStatus": "",
            "cacheBytesUsed": 0, "dataMigrationCompleted": False, "dataMigrationProgressPercentage": 0,
            "port": 0, "publicAddress": "", "restrictedMedia": False,
            "tetheratorStatus": "CONTENT_CACHING_DISABLED"}


def group_memberships(fleet: Fleet, c: Computer) -> list:
    out = []
    for gid, name, smart in catalog.SMART_GROUPS:
        member = {1: c.managed, 2: not c.filevault, 3: c.os_info.major == 26,
                  4: REFERENCE_EPOCH - c.contact > 30 * DAY, 5: c.dept == 0, 6: c.id % 17 == 0}[gid]
        if member:
            out.append({"groupId": str(gid), "groupName": name, "groupDescription": "", "smartGroup": smart})
    return out


def _empty_list(fleet: Fleet, c: Computer) -> list:
    return []


BUILDERS = {
    "general": general, "diskEncryption": disk_encryption, "purchasing": purchasing, "applications": applications,
    "storage": storage, "userAndLocation": user_and_location, "configurationProfiles": configuration_profiles,
    "printers": _empty_list, "services": _empty_list, "hardware": hardware,
    "localUserAccounts": local_user_accounts, "certificates": certificates, "attachments": _empty_list,
    "packageReceipts": package_receipts, "security": security, "operatingSystem": operating_system,
    "licensedSoftware": _empty_list, "ibeacons": _empty_list, "softwareUpdates": software_updates,
    "extensionAttributes": extension_attributes, "contentCaching": content_caching,
    "groupMemberships": group_memberships,
}


def build_record(fleet: Fleet, c: Computer, sections) -> dict:
    """A ComputerInventoryV4 record: every section key present, unrequested ones null (as Jamf sends them)."""
    wanted = {SECTION_KEYS[s] for s in sections}
    record = {"id": str(c.id), "udid": fleet.udid(c)}
    for key, builder in BUILDERS.items():
        record[key] = builder(fleet, c) if key in wanted else None
    changed = fleet.changes(c) if fleet.changes is not None else None
    for key, fields in (changed or {}).items():
        if isinstance(record.get(key), dict):
            record[key] = {**record[key], **fields}
    return record


def build_section(fleet: Fleet, c: Computer, key: str):
    return BUILDERS[key](fleet, c)


def filevault_record(fleet: Fleet, c: Computer) -> dict:
    """GET /v4/computers-inventory/{id}/filevault: carries a (fake) personal recovery key, a real secret."""
    de = disk_encryption(fleet, c)
    key = derived_uuid(fleet.seed, c.id, "prk").replace("-", "").upper()[:24]
    return {"computerId": str(c.id), "name": c.name,
            "personalRecoveryKey": "-".join(key[i:i + 4] for i in range(0, 24, 4)),
            "bootPartitionEncryptionDetails": de["bootPartitionEncryptionDetails"],
            "individualRecoveryKeyValidityStatus": de["individualRecoveryKeyValidityStatus"],
            "institutionalRecoveryKeyPresent": de["institutionalRecoveryKeyPresent"],
            "diskEncryptionConfigurationName": de["diskEncryptionConfigurationName"]}


def recovery_lock_password(fleet: Fleet, c: Computer) -> dict:
    return {"recoveryLockPassword": derived_uuid(fleet.seed, c.id, "rlp").replace("-", "")[:16]}


def device_lock_pin(fleet: Fleet, c: Computer) -> dict:
    changed = fleet.changes(c) if fleet.changes is not None else None
    if changed and "deviceLockPin" in changed:  # the PIN of the last lock the computer acknowledged
        return {"pin": changed["deviceLockPin"]}
    return {"pin": f"{int(derived_uuid(fleet.seed, c.id, 'pin').replace('-', ''), 16) % 1000000:06d}"}
