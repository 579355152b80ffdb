"""Every modern list/item endpoint the sandbox serves besides computer inventory, from one declaration each.

One implementation of paging, RSQL filtering and sorting over the store's rows (sandbox.store), with the
filter and sort fields and their kinds taken from jamfctl's generated catalogues, which come from Jamf's
schema: the simulator and the client cannot disagree on what may be filtered.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from .rsql import FieldSpec, FilterError, compile_filter, normalise

CATALOGUES = Path(__file__).resolve().parents[1] / "resources" / "catalogue"
MISSING = object()


@dataclass(frozen=True)
class Served:
    """One endpoint family: GET <path> (list) and, with `item`, GET <path>/{id}."""

    path: tuple[str, ...]
    collection: str  # the store's collection name
    catalogue: str = ""  # jamfctl's catalogue naming the filter/sort fields; "" with `fields`
    fields: tuple[str, ...] = ()  # filter/sort fields of a list no jamfctl noun reads directly
    paged: bool = True
    item: bool = True
    privilege: tuple[str, ...] = ()  # when the catalogue names none (lists no noun reads)
    page_extras: bool = False  # /v1/users also answers page, pageSize, totalPages, hasNext, hasPrevious
    max_page_size: int = 2000


def _api(*parts: str) -> tuple[str, ...]:
    return ("api", *parts)


SERVED: tuple[Served, ...] = (
    Served(_api("v1", "buildings"), "buildings", "building"),
    Served(_api("v1", "departments"), "departments", "department"),
    Served(_api("v1", "categories"), "categories", "category"),
    Served(_api("v1", "scripts"), "scripts", "script"),
    Served(_api("v1", "packages"), "packages", "package"),
    Served(_api("v1", "users"), "users", "user", page_extras=True, max_page_size=1000),
    Served(_api("v1", "computer-extension-attributes"), "computer-extension-attributes", "ext-attr"),
    Served(_api("v1", "sites"), "sites", "site", paged=False, item=False),
    Served(_api("v1", "distribution-points"), "distribution-points", "distribution-point"),
    Served(_api("v1", "computer-groups"), "computer-groups", "computer-group", paged=False, item=False),
    Served(_api("v3", "computer-groups", "smart-groups"), "smart-computer-groups", fields=("id", "name", "siteId"),
           privilege=("Read Smart Computer Groups",)),
    Served(_api("v3", "computer-groups", "static-groups"), "static-computer-groups", fields=("id", "name", "siteId"),
           privilege=("Read Static Computer Groups",)),
    Served(_api("v2", "mobile-device-groups"), "mobile-device-groups", "mobile-group", paged=False, item=False),
    Served(_api("v2", "mobile-device-groups", "smart-groups"), "smart-mobile-device-groups",
           fields=("groupId", "groupName", "siteId"), privilege=("Read Smart Mobile Device Groups",)),
    Served(_api("v2", "mobile-device-groups", "static-groups"), "static-mobile-device-groups",
           fields=("groupId", "groupName", "siteId"), privilege=("Read Static Mobile Device Groups",)),
)
BY_PATH = {served.path: served for served in SERVED}


@lru_cache(maxsize=None)
def catalogue(name: str) -> dict:
    return json.loads((CATALOGUES / f"{name}.json").read_text())


def filter_kinds(served: Served) -> dict[str, str]:
    """Filter field -> kind (string, int, bool, datetime, date)."""
    if served.fields:
        return {name: "string" for name in served.fields}
    cat = catalogue(served.catalogue)
    return {name: cat["field_kinds"].get(name, "string") for name in cat["filter_fields"] or []}


def sort_fields(served: Served) -> list[str]:
    return list(served.fields) if served.fields else list(catalogue(served.catalogue)["sort_fields"] or [])


def privileges(served: Served, item: bool) -> tuple[str, ...]:
    if served.privilege or not served.catalogue:
        return served.privilege
    return tuple(catalogue(served.catalogue)["show_privileges" if item else "list_privileges"])


def value_at(row: Any, path: str) -> Any:
    for part in path.split("."):
        row = row.get(part) if isinstance(row, dict) else None
    return row


def field_specs(kinds: dict[str, str], value: Callable[[Any, str], Any] = value_at):
    """The typed getters compile_filter asks for, for rows whose fields `value(row, name)` reads."""
    def spec(name: str) -> FieldSpec:
        kind = kinds.get(name)
        if kind is None:
            raise FilterError(f"Invalid field in filter: {name!r}", code="INVALID_FIELD")
        return FieldSpec(kind, lambda row: normalise(kind, value(row, name)), _text(kind, name, value))

    return spec


def _text(kind: str, name: str, value: Callable[[Any, str], Any]):
    """What a `*` wildcard matches for a non-string field: its served text (JSON's for booleans)."""
    if kind == "string":
        return None

    def text(row: Any) -> str | None:
        raw = value(row, name)
        if raw is None or raw == "":
            return None
        return ("true" if raw else "false") if isinstance(raw, bool) else str(raw)

    return text


def sort_key(kind: str, name: str, value: Callable[[Any, str], Any] = value_at):
    """Missing values first; strings case-insensitively; numbers by value (ids served as strings too)."""
    def key(row: Any):
        raw = value(row, name)
        if raw is None:
            return (0, 0, "")
        if isinstance(raw, bool) or isinstance(raw, (int, float)):
            return (1, raw, "")
        text = str(raw)
        return (1, int(text), "") if text.isdigit() and len(text) < 19 else (2, 0, text.lower())

    return key


class QueryRejected(ValueError):
    """A sort or filter the server answers with a 400 (code, description, field)."""

    def __init__(self, code: str, description: str, field: str):
        super().__init__(description)
        self.code, self.description, self.field = code, description, field


def search(rows: list, filter_text: str, sort: list[tuple[str, bool]], kinds: dict[str, str],
           sortable: list[str], value: Callable[[Any, str], Any] = value_at) -> list:
    """Rows matching the filter, in the requested order (stable sorts, least significant key first)."""
    for field, _ in sort:
        if field not in sortable:
            raise QueryRejected("INVALID_FIELD", f"Invalid field in sort: {field!r}", "sort")
    if filter_text:
        try:
            predicate = compile_filter(filter_text, field_specs(kinds, value))
        except FilterError as exc:
            raise QueryRejected(exc.code, exc.description, "filter") from None
        rows = [row for row in rows if predicate(row)]
    ordered = list(rows)
    for field, descending in reversed(sort):
        ordered.sort(key=sort_key(kinds.get(field, "string"), field, value), reverse=descending)
    return ordered


def page_body(rows: list, page: int, page_size: int, extras: bool) -> dict:
    start = page * page_size
    body: dict = {"totalCount": len(rows), "results": rows[start:start + page_size]}
    if extras:
        pages = -(-len(rows) // page_size) if rows else 0
        body = {"page": page, "pageSize": page_size, "totalCount": len(rows), "totalPages": pages,
                "hasNext": page + 1 < pages, "hasPrevious": page > 0, "results": body["results"]}
    return body
