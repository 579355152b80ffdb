"""The fleet security report: every computer's checks (jamfctl.insight.checks) folded into counts as pages stream.

Requests: `GET /api/v1/managed-software-updates/available-updates` (the newest macOS the server knows; skipped
when the server has none), then `GET /api/v4/computers-inventory` with only the sections the checks read,
page-size 2000, at most five pages in flight (JamfClient.paginate). `--group` first reads the group's members
(as `group members` does); up to SERVER_SIDE_GROUP_LIMIT members are fetched by `id=in=(...)` filters (one
request per GROUP_ID_CHUNK ids, in turn), a bigger group is the whole (filtered) inventory restricted here.

Memory: no record is kept. Per computer only counters move, except the flagged ones (a warn or fail on any
check): each is one `Flagged` tuple (id, serial, name capped at NAME_LIMIT, an interned reasons tuple, an
interned OS version), about 270 bytes, so 100,000 flagged Macs hold ~27 MB; they are finished and sorted in
place. Computers whose only possible flag is their OS version wait in `_pending` (same tuples, grouped by
version) until the end, because a newer version seen later in the fleet can make them behind; at the end they
are flagged or dropped. The hot path is plain dicts: no pydantic model per record. Measured: 100,000 sandbox
computers (88,000 flagged) over HTTP peak at 88-98 MB RSS (json, csv, --html), against 76 MB for
`computer list --all -o json`.
"""
from __future__ import annotations

import sys
from collections import Counter
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from jamfctl.errors import ForbiddenError, NotFoundError, RejectedError, ServerError, UnavailableError
from jamfctl.insight import checks as ch

INVENTORY = "/api/v4/computers-inventory"
AVAILABLE_UPDATES = "/api/v1/managed-software-updates/available-updates"
INVENTORY_PRIVILEGE = "Read Computers"
GROUP_PRIVILEGE = "Read Smart Computer Groups, Read Static Computer Groups"
PAGE_SIZE = 2000
SERVER_SIDE_GROUP_LIMIT = 2000  # members fetched by id filters; a bigger group pages the inventory
GROUP_ID_CHUNK = 200  # ids per `id=in=(...)` filter: a URL stays well under 4 KB
NAME_LIMIT = 120  # a hostile name must not make a flagged tuple big
SERIAL_LIMIT = 40
FLAGGING = (ch.WARN, ch.FAIL)
OS_CHECK = "os-version"
FLAGGED_FIELDS = ("id", "serialNumber", "name", "osVersion", "worst", "reasons")


class Flagged(NamedTuple):
    id: int | str
    serial: str
    name: str
    reasons: tuple[tuple[str, str], ...]  # (check, verdict) of each warn or fail, os-version added at the end
    version: str


def _text(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return sys.intern(text[:limit]) if len(text) <= 16 else text[:limit]


class Report(NamedTuple):
    """The report: `summary`, `checks` and `os` are small; `flagged` holds tuples, turned into rows as they
    are written (`rows()`), so that 100,000 flagged Macs are never 100,000 dicts at once."""

    summary: dict
    checks: list[dict]
    os: dict
    flagged: list[Flagged]

    def rows(self) -> Iterator[dict]:
        return (flagged_row(device) for device in self.flagged)

    def document(self) -> dict:
        """The whole JSON document at once (tests, small fleets); the CLI streams `rows()` instead."""
        return {"summary": self.summary, "checks": self.checks, "os": self.os, "flagged": list(self.rows())}


class Tally:
    """Counts of one pass over the inventory; `add` one record at a time, then `result()`."""

    def __init__(self, thresholds: ch.Thresholds, releases: ch.MacOSReleases, now: float) -> None:
        self.thresholds, self.releases, self.now = thresholds, releases, now
        self.computers = 0
        self.managed = 0
        self.verdicts: dict[str, Counter] = {name: Counter() for name in ch.CHECK_NAMES}
        self.versions: Counter = Counter()  # exact version text -> computers (os-version verdicts come from it)
        self.flagged: list[Flagged] = []
        self._pending: dict[str, list[Flagged]] = {}  # nothing wrong but maybe the OS: decided at the end
        self._os_verdicts: dict[str, str] = {}  # version -> verdict under self.releases
        self._reasons: dict[tuple, tuple] = {}  # interned reasons tuples (a fleet has few combinations)

    def add(self, record: Any) -> None:
        if not isinstance(record, dict) or type(record.get("id")) not in (int, str):
            raise ServerError("the server sent a computer record jamfctl cannot read")
        self.computers += 1
        general = record.get("general") if isinstance(record.get("general"), dict) else {}
        management = general.get("remoteManagement")
        if isinstance(management, dict) and management.get("managed") is True:
            self.managed += 1
        version = self._see_version(record)
        reasons = []
        for check in ch.evaluate(record, self.thresholds, self.releases, now=self.now):  # ServerError if unreadable
            if check.name == OS_CHECK:
                continue  # counted per version at the end, against every version the fleet showed
            self.verdicts[check.name][check.verdict] += 1
            if check.verdict in FLAGGING:
                reasons.append((check.name, check.verdict))
        hardware = record.get("hardware") if isinstance(record.get("hardware"), dict) else {}
        key = tuple(reasons)
        device = Flagged(record["id"], _text(hardware.get("serialNumber"), SERIAL_LIMIT),
                         _text(general.get("name"), NAME_LIMIT), self._reasons.setdefault(key, key), version)
        if reasons or self._os_verdict(version) in FLAGGING:
            self.flagged.append(device)  # a version behind now stays behind: newer releases only add to it
        else:
            self._pending.setdefault(version, []).append(device)

    def _see_version(self, record: dict) -> str:
        os_section = record.get("operatingSystem")
        text = os_section.get("version") if isinstance(os_section, dict) else None
        version = _text(text, 40) if isinstance(text, str) else ""
        if version not in self.versions:
            parsed = ch.parse_version(version)
            if parsed and (self.releases.newest_for_major(parsed[0]) is None
                           or parsed > ch.parse_version(self.releases.newest_for_major(parsed[0]))):
                self.releases = self.releases.with_seen([version])
                self._os_verdicts.clear()
                self._recheck_pending()
        self.versions[version] += 1
        return version

    def _os_verdict(self, version: str) -> str:
        verdict = self._os_verdicts.get(version)
        if verdict is None:
            verdict = ch.check_os({"version": version or None}, self.thresholds, self.releases).verdict
            self._os_verdicts[version] = verdict
        return verdict

    def _recheck_pending(self) -> None:
        for version in [v for v in self._pending if self._os_verdict(v) in FLAGGING]:
            self.flagged.extend(self._pending.pop(version))

    # --- the result -------------------------------------------------------------------------------------------
    def os_counts(self) -> Counter:
        counts: Counter = Counter()
        for version, computers in self.versions.items():
            counts[self._os_verdict(version)] += computers
        return counts

    def flagged_devices(self) -> list[Flagged]:
        """Every flagged computer, worst first, then in inventory order; the OS reason as the final releases judge
        it. Done in place (the list is most of the report's memory): no second list, no per-device sort key."""
        self._recheck_pending()
        self._pending.clear()
        flagged = self.flagged
        for i, device in enumerate(flagged):
            verdict = self._os_verdict(device.version)
            if verdict in FLAGGING:
                key = (*device.reasons, (OS_CHECK, verdict))
                flagged[i] = device._replace(reasons=self._reasons.setdefault(key, key))
        severity = {reasons: -_severity(reasons) for reasons in self._reasons.values()}
        flagged.sort(key=lambda d: severity[d.reasons])  # small cached ints; the sort is stable
        return flagged

    def result(self, about: dict) -> Report:
        counts = {name: (self.os_counts() if name == OS_CHECK else self.verdicts[name]) for name in ch.CHECK_NAMES}
        flagged = self.flagged_devices()
        total = self.computers
        summary = {
            "computers": total,
            "managed": self.managed,
            "flagged": len(flagged),
            "failing": sum(1 for d in flagged if _worst(d.reasons) == ch.FAIL),
            "filevault_on": counts["filevault"][ch.OK],
            "sip_on": counts["sip"][ch.OK],
            "gatekeeper_on": counts["gatekeeper"][ch.OK],
            "firewall_on": counts["firewall"][ch.OK],
            "os_current": counts[OS_CHECK][ch.OK],
            "stale_checkins": counts["check-in"][ch.WARN] + counts["check-in"][ch.FAIL],
            "mdm_profile_expiring": counts["mdm-profile"][ch.WARN],
            "mdm_profile_expired_or_missing": counts["mdm-profile"][ch.FAIL],
            "newest_macos": self.releases.newest(),
            "releases_as_of": self.releases.as_of.isoformat(),
            **about,
        }
        checks = [_check_row(name, counts[name], total) for name in ch.CHECK_NAMES]
        return Report(summary, checks, self._os_spread(total), flagged)

    def _os_spread(self, total: int) -> dict:
        majors: Counter = Counter()
        minors: Counter = Counter()
        for version, computers in self.versions.items():
            parsed = ch.parse_version(version)
            majors[str(parsed[0]) if parsed else "unknown"] += computers
            minors[".".join(map(str, parsed[:2])) if parsed else "unknown"] += computers
        by_major = [{"major": major, "name": self.releases.name(int(major)) if major.isdigit() else "not collected",
                     "computers": n, "percent": _percent(n, total)} for major, n in _newest_first(majors)]
        by_minor = [{"version": minor, "computers": n, "percent": _percent(n, total)}
                    for minor, n in _newest_first(minors)]
        return {"by_major": by_major, "by_minor": by_minor}


def _newest_first(counts: Counter) -> list[tuple[str, int]]:
    def key(item):
        parsed = ch.parse_version(item[0])
        return (0, tuple(-p for p in parsed)) if parsed else (1, ())
    return sorted(counts.items(), key=key)


def _percent(part: int, total: int) -> float:
    return round(100.0 * part / total, 1) if total else 0.0


def _check_row(name: str, counts: Counter, total: int) -> dict:
    row = {"check": name, **{verdict: counts[verdict] for verdict in ch.VERDICTS}}
    row["ok_percent"] = _percent(counts[ch.OK], total)
    return row


def _severity(reasons: tuple) -> int:
    return sum(3 if verdict == ch.FAIL else 1 for _, verdict in reasons)


def _worst(reasons: tuple) -> str:
    return ch.FAIL if any(v == ch.FAIL for _, v in reasons) else ch.WARN if reasons else ch.OK


def flagged_row(device: Flagged) -> dict:
    return {"id": device.id, "serialNumber": device.serial, "name": device.name, "osVersion": device.version or None,
            "worst": _worst(device.reasons), "reasons": dict(device.reasons)}


# --- reading the fleet ------------------------------------------------------------------------------------------
def newest_known(client, releases: ch.MacOSReleases) -> tuple[ch.MacOSReleases, bool]:
    """The bundled table folded with the server's available macOS updates (False: the server gave none). Optional:
    an old Jamf Pro (404), a role without it, or a failing endpoint leaves the table and the fleet's versions."""
    try:
        body = client.get_json(AVAILABLE_UPDATES)
    except (NotFoundError, ForbiddenError, RejectedError, ServerError, UnavailableError):
        return releases, False
    updates = body.get("availableUpdates") if isinstance(body, dict) else None
    macos = updates.get("macOS") if isinstance(updates, dict) else None
    if not isinstance(macos, list):
        return releases, False
    return releases.with_seen(v for v in macos[:500] if isinstance(v, str)), True


def group_member_ids(client, name: str) -> list[str]:
    """The ids of a computer group's members, read as `group members` reads them."""
    from jamfctl.resources import collection, groups
    from jamfctl.specs import BY_NAME

    spec = BY_NAME["computer-group"]
    members = groups.members(client, spec, collection.by_name(client, spec, name))
    ids = (m.get("id") for m in members)  # digits only: they go into an RSQL filter
    return list(dict.fromkeys(str(i) for i in ids if type(i) in (int, str) and str(i).isdigit() and len(str(i)) < 19))


def inventory(client, rsql: str | None, member_ids: list | None,
              on_progress: Callable[[int, int], None] | None = None) -> Iterator[dict]:
    """Every computer in scope with the checks' sections, streamed page by page."""
    from jamfctl.resources import collection

    params = [("section", s) for s in ch.SECTIONS] + [("sort", "id:asc")]

    def pages(filter_text: str | None, progress=None, at_most: int | None = None) -> Iterable[dict]:
        query = params + ([("filter", filter_text)] if filter_text else [])
        return client.paginate(INVENTORY, query, page_size=PAGE_SIZE, privilege=INVENTORY_PRIVILEGE, limit=at_most,
                               on_progress=progress)

    if member_ids is None:
        yield from pages(rsql, on_progress)
    elif len(member_ids) <= SERVER_SIDE_GROUP_LIMIT:
        for start in range(0, len(member_ids), GROUP_ID_CHUNK):
            chunk = member_ids[start:start + GROUP_ID_CHUNK]
            # at most len(chunk) match: one request (the pager sends a wave of five when it cannot know)
            yield from pages(collection.combine(f"id=in=({','.join(chunk)})", rsql), at_most=len(chunk))
    else:
        wanted = {str(i) for i in member_ids}
        yield from (r for r in pages(rsql, on_progress) if isinstance(r, dict) and str(r.get("id")) in wanted)


def security_report(client, *, thresholds: ch.Thresholds, now: float, rsql: str | None = None,
                    group: str | None = None, on_progress: Callable[[int, int], None] | None = None) -> Report:
    """The report over every computer in scope (the group's members, the filter's matches)."""
    releases, from_server = newest_known(client, ch.load_releases())
    member_ids = group_member_ids(client, group) if group is not None else None
    tally = Tally(thresholds, releases, now)
    for record in inventory(client, rsql, member_ids, on_progress):
        tally.add(record)
    from datetime import datetime, timezone

    about = {"generated_at": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "server": client.base_url, "group": group, "filter": rsql,
             "server_updates_read": from_server}
    return tally.result(about)
