"""Per-device security checks: pure functions over one ComputerInventoryV4 record (a dict as Jamf sends it).

`evaluate(record, thresholds, releases)` gives one `Check` per fact, `overall(checks)` the worst verdict.
Used by `computer health` (one Mac) and by the fleet report (100,000 records), so the checks stay cheap:
plain dict reads, no models, no regexes, versions parsed once per distinct string.

A fact Jamf did not collect (NOT_COLLECTED, NOT_AVAILABLE, a missing section or field) is `unknown`,
never `ok`; `unknown` ranks above `ok` so a device whose facts are missing never passes overall.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping, NamedTuple

OK, WARN, FAIL, UNKNOWN = "ok", "warn", "fail", "unknown"
VERDICTS: tuple[str, ...] = (OK, UNKNOWN, WARN, FAIL)  # best to worst
_RANK = {verdict: rank for rank, verdict in enumerate(VERDICTS)}

# The inventory sections the checks read (HARDWARE for the serial and model shown beside them).
SECTIONS: tuple[str, ...] = ("GENERAL", "HARDWARE", "OPERATING_SYSTEM", "SECURITY", "DISK_ENCRYPTION", "STORAGE")
CHECK_NAMES: tuple[str, ...] = ("check-in", "inventory", "os-version", "filevault", "sip", "gatekeeper",
                                "firewall", "disk-free", "mdm-profile")
DAY = 86400.0
MB_PER_GB = 1024  # Jamf's storage figures are MiB; a GB threshold here is GiB


class Check(NamedTuple):
    name: str
    verdict: str  # ok | warn | fail | unknown
    detail: str  # one short human sentence
    value: Any  # the fact measured (age in days, version, state, GB free, expiry date); None when unknown


@dataclass(frozen=True)
class Thresholds:
    """Limits of the checks; every field is a key of the config file's [health] table."""

    checkin_warn_days: float = 14
    checkin_fail_days: float = 30
    inventory_warn_days: float = 14
    inventory_fail_days: float = 30
    disk_free_warn_percent: float = 10
    disk_free_warn_gb: float = 20
    disk_free_fail_percent: float = 5
    disk_free_fail_gb: float = 10
    os_majors_behind_warn: int = 1
    os_majors_behind_fail: int = 2
    os_minor_behind_warn: bool = True  # a Mac behind the newest point release of its own major
    mdm_expiry_warn_days: float = 30
    firewall_off: str = WARN  # the verdict for a firewall that is off: warn or fail

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            raise ValueError(problem)

    @classmethod
    def from_config(cls, table: Mapping[str, Any] | None) -> Thresholds:
        """Thresholds from a config [health] table; an unknown key or a bad value raises ValueError naming it."""
        table = dict(table or {})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ValueError(f"unknown key {unknown[0][:40]!r} in [health] (known: {', '.join(known)})")
        for key, value in table.items():
            expected = _expected(getattr(cls, key), known[key].type)
            if not _valid(value, expected):
                raise ValueError(f"[health] {key} must be {expected}")
        return cls(**table)


def _expected(default: Any, annotation: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, str):
        return "warn or fail"
    return "a whole number >= 0" if annotation in ("int", int) else "a number >= 0"


def _valid(value: Any, expected: str) -> bool:
    if expected == "true or false":
        return isinstance(value, bool)
    if expected == "warn or fail":
        return value in (WARN, FAIL)
    kinds = int if expected.startswith("a whole") else (int, float)
    return isinstance(value, kinds) and not isinstance(value, bool) and value >= 0


def _problem(t: Thresholds) -> str | None:
    # (smaller, larger): a warning comes before a failure
    pairs = (("checkin_warn_days", "checkin_fail_days"), ("inventory_warn_days", "inventory_fail_days"),
             ("os_majors_behind_warn", "os_majors_behind_fail"), ("disk_free_fail_percent", "disk_free_warn_percent"),
             ("disk_free_fail_gb", "disk_free_warn_gb"))
    for smaller, larger in pairs:
        if getattr(t, smaller) > getattr(t, larger):
            return f"[health] {smaller} must not be more than {larger}"
    if t.firewall_off not in (WARN, FAIL):
        return "[health] firewall_off must be warn or fail"
    return None


def load_thresholds(config: Any = None) -> Thresholds:
    """Thresholds from a Config (its [health] table), a mapping, or (None) the config file.

    A bad table raises ConfigError (exit 2) naming the config file and the key."""
    from jamfctl import config as config_module
    from jamfctl.errors import ConfigError

    if config is None:
        config = config_module.load()
    table = config if isinstance(config, Mapping) else getattr(config, "health", None)
    if table is not None and not isinstance(table, Mapping):
        problem = "[health] must be a table (a [health] line with key = value lines under it)"
    else:
        try:
            return Thresholds.from_config(table)
        except ValueError as exc:
            problem = str(exc)
    path = config_module.config_path()
    raise ConfigError(f"{problem}, in the jamfctl config file {path.name} in {path.parent}; fix or remove it")


# --- macOS releases ---------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def parse_version(text: Any) -> tuple[int, ...] | None:
    """'15.7.2' -> (15, 7, 2); '26.1 (a)' -> (26, 1); anything else None. Cached: a fleet has few versions."""
    if not isinstance(text, str):
        return None
    parts = []
    for piece in text.strip().split(" ")[0].split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts) if parts else None


def _show(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


class MacOSReleases:
    """The newest point release of each macOS major: the bundled table, plus versions seen at run time."""

    __slots__ = ("as_of", "source", "names", "_latest", "_majors")

    def __init__(self, latest: Mapping[int, tuple[int, ...]], names: Mapping[int, str], as_of: date, source: str = ""):
        self.as_of = as_of
        self.source = source
        self.names = dict(names)
        self._latest = dict(latest)
        self._majors = sorted(self._latest)

    def newest_major(self) -> int | None:
        return self._majors[-1] if self._majors else None

    def newest_for_major(self, major: int) -> str | None:
        version = self._latest.get(major)
        return _show(version) if version else None

    def newest(self) -> str | None:
        major = self.newest_major()
        return None if major is None else self.newest_for_major(major)

    def majors_behind(self, major: int) -> int:
        """How many known majors are newer than `major` (macOS went 15 -> 26, so numbers are not counts)."""
        return sum(1 for m in self._majors if m > major)

    def name(self, major: int) -> str:
        return self.names.get(major) or f"macOS {major}"

    def with_seen(self, versions: Iterable[str]) -> MacOSReleases:
        """A copy that also knows `versions` (the server's available updates, the fleet's own)."""
        latest = dict(self._latest)
        for text in versions:
            version = parse_version(text)
            if version and (version[0] not in latest or version > latest[version[0]]):
                latest[version[0]] = version
        return MacOSReleases(latest, self.names, self.as_of, self.source)


def load_releases() -> MacOSReleases:
    """The bundled, dated table (jamfctl/insight/macos_releases.json); no network."""
    raw = json.loads(resources.files("jamfctl.insight").joinpath("macos_releases.json").read_text("utf-8"))
    latest, names = {}, {}
    for entry in raw["releases"]:
        latest[int(entry["major"])] = parse_version(entry["latest"])
        names[int(entry["major"])] = entry["name"]
    return MacOSReleases(latest, names, date.fromisoformat(raw["as_of"]), raw.get("source", ""))


# --- the checks ---------------------------------------------------------------------------------------------

def _section(record: Mapping, key: str) -> Mapping:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _epoch(text: Any) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:  # Jamf sends UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _age_text(days: float) -> str:
    if days < 1:
        return "less than a day ago"
    whole = int(days)
    return f"{whole} day{'s' if whole != 1 else ''} ago"


def _age_check(name: str, what: str, stamp: float | None, now: float, warn: float, fail: float) -> Check:
    if stamp is None:
        return Check(name, UNKNOWN, f"no {what} date in inventory", None)
    days = (now - stamp) / DAY
    verdict = FAIL if days >= fail else WARN if days >= warn else OK
    limit = f" (limit {fail:g})" if verdict == FAIL else f" (limit {warn:g})" if verdict == WARN else ""
    return Check(name, verdict, f"{what} {_age_text(days)}{limit}", round(max(days, 0.0), 1))


def check_checkin(general: Mapping, t: Thresholds, now: float) -> Check:
    # The later of the binary's check-in and the last MDM contact: when the Mac was last heard from.
    stamps = [s for s in (_epoch(general.get("lastCheckIn")), _epoch(general.get("lastContact"))) if s is not None]
    return _age_check("check-in", "last check-in", max(stamps) if stamps else None, now,
                      t.checkin_warn_days, t.checkin_fail_days)


def check_inventory(general: Mapping, t: Thresholds, now: float) -> Check:
    return _age_check("inventory", "last inventory update", _epoch(general.get("reportDate")), now,
                      t.inventory_warn_days, t.inventory_fail_days)


def check_os(os_section: Mapping, t: Thresholds, releases: MacOSReleases) -> Check:
    text = os_section.get("version")
    version = parse_version(text)
    if not version:
        return Check("os-version", UNKNOWN, "no macOS version in inventory", text or None)
    shown, major = _show(version), version[0]
    behind = releases.majors_behind(major)
    newest = releases.newest()
    if behind >= t.os_majors_behind_fail or behind >= t.os_majors_behind_warn:
        verdict = FAIL if behind >= t.os_majors_behind_fail else WARN
        return Check("os-version", verdict, f"macOS {shown}: {behind} major release{'s' if behind > 1 else ''} "
                     f"behind {newest}", text)
    same = releases.newest_for_major(major)
    if same and version < parse_version(same):
        verdict = WARN if t.os_minor_behind_warn else OK
        return Check("os-version", verdict, f"macOS {shown}: {releases.name(major)} is at {same}", text)
    return Check("os-version", OK, f"macOS {shown} ({releases.name(major)}), the newest known", text)


# FileVault states, most specific source first: the boot partition, then the OS's summary.
_PARTITION_FV = {"ENCRYPTED": OK, "ENCRYPTING": WARN, "RESTART_NEEDED": WARN, "OPTIMIZING": WARN,
                 "ENCRYPTING_PAUSED": WARN, "DECRYPTING": FAIL, "DECRYPTING_PAUSED": FAIL, "DECRYPTED": FAIL,
                 "UNENCRYPTED": FAIL}
_OS_FV = {"ALL_ENCRYPTED": OK, "BOOT_ENCRYPTED": OK, "SOME_ENCRYPTED": WARN, "NOT_ENCRYPTED": FAIL}


def check_filevault(disk: Mapping, os_section: Mapping) -> Check:
    boot = disk.get("bootPartitionEncryptionDetails")
    state = boot.get("partitionFileVault2State") if isinstance(boot, dict) else None
    verdict = _PARTITION_FV.get(state)
    if verdict is None:
        state = os_section.get("fileVault2Status")
        verdict = _OS_FV.get(state)
    if verdict is None and isinstance(disk.get("fileVault2Enabled"), bool):
        state = "ENABLED" if disk["fileVault2Enabled"] else "DISABLED"
        verdict = OK if disk["fileVault2Enabled"] else FAIL
    if verdict is None:
        return Check("filevault", UNKNOWN, f"FileVault state not collected ({state or 'missing'})", state)
    if verdict == OK and disk.get("individualRecoveryKeyValidityStatus") == "INVALID":
        return Check("filevault", WARN, "FileVault on, but its personal recovery key is invalid", state)
    words = {OK: "FileVault on", WARN: "FileVault not complete", FAIL: "FileVault off"}[verdict]
    return Check("filevault", verdict, f"{words} ({state})", state)


def check_sip(security: Mapping) -> Check:
    state = security.get("sipStatus")
    if state == "ENABLED":
        return Check("sip", OK, "System Integrity Protection on", state)
    if state == "DISABLED":
        return Check("sip", FAIL, "System Integrity Protection off", state)
    return Check("sip", UNKNOWN, f"SIP state not collected ({state or 'missing'})", state)


def check_gatekeeper(security: Mapping) -> Check:
    state = security.get("gatekeeperStatus")
    if state in ("APP_STORE_AND_IDENTIFIED_DEVELOPERS", "APP_STORE"):
        return Check("gatekeeper", OK, f"Gatekeeper on ({state})", state)
    if state == "DISABLED":
        return Check("gatekeeper", FAIL, "Gatekeeper off", state)
    return Check("gatekeeper", UNKNOWN, f"Gatekeeper state not collected ({state or 'missing'})", state)


def check_firewall(security: Mapping, t: Thresholds) -> Check:
    state = security.get("firewallEnabled")
    if state is True:
        return Check("firewall", OK, "firewall on", True)
    if state is False:
        return Check("firewall", t.firewall_off, "firewall off", False)
    return Check("firewall", UNKNOWN, "firewall state not collected", None)


def _boot_partition(storage: Mapping) -> Mapping | None:
    for disk in storage.get("disks") or ():
        for partition in (disk.get("partitions") or ()) if isinstance(disk, dict) else ():
            if isinstance(partition, dict) and partition.get("partitionType") == "BOOT":
                return partition
    return None


def check_disk(storage: Mapping, t: Thresholds) -> Check:
    free_mb = storage.get("bootDriveAvailableSpaceMegabytes")
    boot = _boot_partition(storage)
    if not isinstance(free_mb, (int, float)) or free_mb < 0:
        free_mb = boot.get("availableMegabytes") if boot else None
    if not isinstance(free_mb, (int, float)) or isinstance(free_mb, bool) or free_mb < 0:
        return Check("disk-free", UNKNOWN, "free space on the boot drive not collected", None)
    size = boot.get("sizeMegabytes") if boot else None
    percent = None
    if isinstance(size, (int, float)) and size > 0:
        percent = min(100.0, 100.0 * free_mb / size)
    elif boot and isinstance(boot.get("percentUsed"), (int, float)):
        percent = 100.0 - boot["percentUsed"]
    gb = free_mb / MB_PER_GB
    low_pct = percent is not None and percent < t.disk_free_fail_percent
    warn_pct = percent is not None and percent < t.disk_free_warn_percent
    verdict = FAIL if (gb < t.disk_free_fail_gb or low_pct) else WARN if (gb < t.disk_free_warn_gb or warn_pct) else OK
    shown = f"{gb:.1f} GB free" + (f" ({percent:.0f} %)" if percent is not None else "")
    return Check("disk-free", verdict, shown, round(gb, 1))


def check_mdm_profile(general: Mapping, t: Thresholds, now: float) -> Check:
    expires = _epoch(general.get("mdmProfileExpiration"))
    if expires is None:
        managed = general.get("remoteManagement")
        if isinstance(managed, dict) and managed.get("managed") is False:
            return Check("mdm-profile", FAIL, "not managed: no MDM profile", None)
        return Check("mdm-profile", UNKNOWN, "no MDM profile expiry in inventory", None)
    days = (expires - now) / DAY
    stamp = general.get("mdmProfileExpiration")
    if days <= 0:
        return Check("mdm-profile", FAIL, f"MDM profile expired {_age_text(-days)}", stamp)
    verdict = WARN if days <= t.mdm_expiry_warn_days else OK
    return Check("mdm-profile", verdict, f"MDM profile expires in {int(days)} day{'s' if int(days) != 1 else ''}",
                 stamp)


def evaluate(record: Mapping, thresholds: Thresholds, newest: MacOSReleases, *,
             now: float | None = None) -> list[Check]:
    """Every check of one inventory record, in CHECK_NAMES order; `now` (epoch seconds) defaults to the clock."""
    now = datetime.now(timezone.utc).timestamp() if now is None else now
    try:
        return _evaluate(record, thresholds, newest, now)
    except (TypeError, ValueError, AttributeError, KeyError):  # a field of the wrong type (storage.disks: 5)
        from jamfctl.errors import ServerError

        shown = str(record.get("id"))[:20] if isinstance(record, Mapping) else "?"
        raise ServerError(f"the server sent a computer record jamfctl cannot read (id {shown!r})") from None


def _evaluate(record: Mapping, thresholds: Thresholds, newest: MacOSReleases, now: float) -> list[Check]:
    general = _section(record, "general")
    os_section = _section(record, "operatingSystem")
    security = _section(record, "security")
    return [
        check_checkin(general, thresholds, now),
        check_inventory(general, thresholds, now),
        check_os(os_section, thresholds, newest),
        check_filevault(_section(record, "diskEncryption"), os_section),
        check_sip(security),
        check_gatekeeper(security),
        check_firewall(security, thresholds),
        check_disk(_section(record, "storage"), thresholds),
        check_mdm_profile(general, thresholds, now),
    ]


def overall(checks: Iterable[Check]) -> str:
    """The worst verdict (ok < unknown < warn < fail); no checks at all is unknown."""
    worst = -1
    for check in checks:
        rank = _RANK[check.verdict]
        if rank > worst:
            worst = rank
    return VERDICTS[worst] if worst >= 0 else UNKNOWN
