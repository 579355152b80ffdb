"""Filter, sort and page a fleet the way GET /v4/computers-inventory does, touching full records only when needed."""

from __future__ import annotations

from typing import Any, Callable

from jamfctl import rsql

from . import catalog
from .collections import catalogue
from .fleet import Computer, Fleet, iso
from .rsql import BOOL, DATETIME, INT, STRING, VERSION, FieldSpec, FilterError, compile_filter, normalise, parse_version
from .sections import build_section

DEFAULT_SORT = "general.name:asc"

# Kinds the sandbox compares by where the schema says only "string": ids as numbers, versions as versions.
KIND_OVERRIDES = {
    "id": INT, "userAndLocation.buildingId": INT, "userAndLocation.departmentId": INT,
    "general.jamfBinaryVersion": VERSION, "operatingSystem.version": VERSION,
    "general.mdmCertificateExpiration": DATETIME,
}
# Query names that differ from the record's key (the v4 record renamed them), plus the v1 name people still type.
RECORD_PATH = {
    "general.lastReportedIp": "general.lastReportedIpV4",
    "general.mdmCertificateExpiration": "general.mdmProfileExpiration",
    "general.lastContactTime": "general.lastContact",
}
ALIASES = {"general.lastContactTime": DATETIME}  # documented by Jamf, absent from the schema's list


def _filter_fields() -> dict[str, str]:
    """The fields jamfctl's computer catalogue (from Jamf's schema) allows in `filter`, with their kinds."""
    computer = catalogue("computer")
    kinds = {name: KIND_OVERRIDES.get(name, computer["field_kinds"].get(name, STRING))
             for name in computer["filter_fields"]}
    return {**kinds, **ALIASES}


FILTER_FIELDS: dict[str, str] = _filter_fields()
SORT_FIELDS: tuple[str, ...] = tuple(catalogue("computer")["sort_fields"])  # the fields the schema allows in `sort`


def _fast_getters(fleet: Fleet) -> dict[str, Callable[[Computer], Any]]:
    """Getters answered from the compact core, so the common filters and sorts never build sections."""
    versions = [parse_version(r.version) for r in catalog.OS_RELEASES]
    return {
        "id": lambda c: c.id,
        "udid": fleet.udid,
        "general.name": lambda c: c.name,
        "general.lastContact": lambda c: c.contact,
        "general.lastCheckIn": lambda c: c.checkin,
        "general.reportDate": lambda c: c.report,
        "general.lastEnrolledDate": lambda c: c.enrolled,
        "general.managementId": fleet.management_id,
        "general.remoteManagement.managed": lambda c: c.managed,
        "general.mdmCapable.capable": lambda c: c.managed,
        "general.supervised": lambda c: c.supervised,
        "general.enrolledViaAutomatedDeviceEnrollment": lambda c: c.supervised,
        "general.platform": lambda c: "Mac",
        "hardware.make": lambda c: "Apple",
        "hardware.model": lambda c: c.model_info.name,
        "hardware.modelIdentifier": lambda c: c.model_info.identifier,
        "hardware.serialNumber": lambda c: c.serial,
        "hardware.appleSilicon": lambda c: c.model_info.apple_silicon,
        "operatingSystem.name": lambda c: "macOS",
        "operatingSystem.version": lambda c: versions[c.os],
        "operatingSystem.build": lambda c: c.os_info.build,
        "operatingSystem.fileVault2Status": lambda c: "ALL_ENCRYPTED" if c.filevault else "NOT_ENCRYPTED",
        "userAndLocation.username": lambda c: c.username,
        "userAndLocation.realname": lambda c: c.realname,
        "userAndLocation.email": lambda c: c.email,
        "userAndLocation.departmentId": lambda c: catalog.DEPARTMENTS[c.dept].id,
        "userAndLocation.buildingId": lambda c: catalog.BUILDINGS[c.building][0],
        "diskEncryption.fileVault2Enabled": lambda c: c.filevault,
        "security.firewallEnabled": lambda c: c.firewall,
        "security.recoveryLockEnabled": lambda c: c.recovery_lock,
    }


def _fast_texts() -> dict[str, Callable[[Computer], str]]:
    """Served text of the fast dates and versions, for wildcards (test_sandbox_app checks it equals the record)."""
    return {
        "general.lastContact": lambda c: iso(c.contact),
        "general.lastCheckIn": lambda c: iso(c.checkin),
        "general.reportDate": lambda c: iso(c.report),
        "general.lastEnrolledDate": lambda c: iso(c.enrolled),
        "operatingSystem.version": lambda c: c.os_info.version,
    }


class FieldResolver:
    """Maps query field names to typed getters over a fleet's computers."""

    def __init__(self, fleet: Fleet):
        self.fleet = fleet
        self._fast = _fast_getters(fleet)
        self._fast_text = _fast_texts()

    def spec(self, name: str, kind: str) -> FieldSpec:
        path = RECORD_PATH.get(name, name)
        getter = self._fast.get(path)
        if getter is None:
            served = self._served(path)

            def getter(c: Computer) -> Any:
                return normalise(kind, served(c))

        return FieldSpec(kind, getter, self._text(path, kind, getter))

    def _served(self, path: str) -> Callable[[Computer], Any]:
        """The value at `path` as the record serves it, building just the one section it lives in."""
        section, _, rest = path.partition(".")
        keys = rest.split(".")
        fleet = self.fleet

        def served(c: Computer) -> Any:
            value: Any = build_section(fleet, c, section)
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            return value

        return served

    def _text(self, path: str, kind: str, getter: Callable[[Computer], Any]) -> Callable[[Computer], str | None] | None:
        """What a `*` wildcard matches for this field (see rsql._glob_equals): the served value as text."""
        if kind == STRING:
            return None  # the getter already returns the served text
        if kind == INT:  # ints round-trip exactly, whether served as 7 or "7"
            return lambda c: None if (v := getter(c)) is None else str(v)
        if kind == BOOL:  # as JSON writes them
            return lambda c: None if (v := getter(c)) is None else ("true" if v else "false")
        fast = self._fast_text.get(path)
        if fast is not None:
            return fast
        raw = self._served(path)  # dates and versions: their text is not recoverable from the parsed value
        return lambda c: None if (v := raw(c)) is None or v == "" else str(v)

    def filter_spec(self, name: str) -> FieldSpec:
        kind = FILTER_FIELDS.get(name)
        if kind is None:
            raise FilterError(f"Invalid field in filter: {name!r}", code="INVALID_FIELD")
        return self.spec(name, kind)

    def sort_key(self, name: str) -> Callable[[Computer], Any]:
        kind = FILTER_FIELDS.get(name, STRING)
        get = self.spec(name, kind).getter
        if kind == STRING:  # case-insensitive; missing values sort first
            return lambda c: (0, "") if (v := get(c)) is None else (1, v.lower())
        return lambda c: (0, 0) if (v := get(c)) is None else (1, v)


class QueryError(ValueError):
    def __init__(self, description: str, code: str, field: str):
        super().__init__(description)
        self.description, self.code, self.field = description, code, field


def parse_sort(values: list[str]) -> list[tuple[str, bool]]:
    """`sort` params ("a:asc,b:desc", repeatable) -> [(field, descending)]."""
    try:
        keys = [key for value in values for key in rsql.parse_sort(value)]
    except rsql.RsqlError as exc:
        raise QueryError(exc.description, exc.code, "sort") from None
    for field, _ in keys:
        if field not in SORT_FIELDS:
            raise QueryError(f"Invalid field in sort: {field!r}", "INVALID_FIELD", "sort")
    return keys


def search(fleet: Fleet, resolver: FieldResolver, filter_text: str, sort: list[tuple[str, bool]],
           page: int, page_size: int) -> tuple[int, list[Computer]]:
    """(totalCount, the computers on `page`). Pages by index when the order is precomputed and nothing is filtered."""
    computers = fleet.computers
    if sort == [("general.name", False)]:
        ordered: Any = [computers[i] for i in fleet.order_by_name] if filter_text else None
        presorted = True
    elif sort in ([("id", False)], [("id", True)]):
        ordered = computers if sort[0][1] is False else computers[::-1]
        presorted = True
    else:
        ordered, presorted = computers, False
    if not filter_text and presorted:
        start = page * page_size
        if ordered is None:  # default sort, no filter: slice the precomputed order directly
            return len(computers), [computers[i] for i in fleet.order_by_name[start:start + page_size]]
        return len(ordered), list(ordered[start:start + page_size])
    if filter_text:
        predicate = compile_filter(filter_text, resolver.filter_spec)
        ordered = [c for c in ordered if predicate(c)]
    if not presorted:
        ordered = list(ordered)
        for field, descending in reversed(sort):  # stable sorts, least significant key first
            ordered.sort(key=resolver.sort_key(field), reverse=descending)
    start = page * page_size
    return len(ordered), ordered[start:start + page_size]
