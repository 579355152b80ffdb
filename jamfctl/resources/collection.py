"""Generic reads of a declared resource (jamfctl.specs): list, find one, and the catalogue facts around them.

Everything here is resource-neutral; what differs between nouns is in the ResourceSpec and its generated
catalogue. Records come back as plain dicts in Jamf's shape, each with an `id` (see `with_id`).
"""
from __future__ import annotations

import fnmatch
import json
import re
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from jamfctl import validate
from jamfctl.errors import NotFoundError, ServerError, UsageError
from jamfctl.specs import Column, ResourceSpec

CATALOGUES = Path(__file__).with_name("catalogue")
AMBIGUITY_PAGE = 2  # a name lookup asks for two: one is the answer, two is ambiguous


@lru_cache(maxsize=None)
def catalogue(name: str) -> dict:
    """Fields, sections, filter/sort fields and privileges from Jamf's schema (scripts/generate_catalogues.py)."""
    return json.loads((CATALOGUES / f"{name}.json").read_text())


def hooks(spec: ResourceSpec) -> Any:
    """The noun's own module of extras (None for a noun that is a declaration only)."""
    return import_module(spec.hooks) if spec.hooks else None


def hook(spec: ResourceSpec, name: str) -> Callable | None:
    return getattr(hooks(spec), name, None)


def privilege(spec: ResourceSpec, show: bool = False) -> str | None:
    names = catalogue(spec.name)["show_privileges" if show else "list_privileges"]
    return ", ".join(names) or None


def fields(spec: ResourceSpec, show: bool = False) -> list[str]:
    return catalogue(spec.name)["show_fields" if show else "list_fields"]


def filter_fields(spec: ResourceSpec) -> list[str]:
    return catalogue(spec.name)["filter_fields"] or []


def sort_fields(spec: ResourceSpec) -> list[str]:
    return catalogue(spec.name)["sort_fields"] or []


# --- sections (nouns whose list endpoint takes `section`) -------------------------------------------------
def section_of(spec: ResourceSpec, key: str) -> str | None:
    """`userAndLocation` -> `USER_AND_LOCATION` (None for top-level keys such as id)."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).upper()
    return name if name in catalogue(spec.name)["sections"] else None


def parse_sections(spec: ResourceSpec, values: list[str] | None) -> list[str]:
    sections = catalogue(spec.name)["sections"]
    if values and not sections:
        raise UsageError(f"{spec.plural} have no inventory sections; use --fields to choose what is shown")
    chosen = [validate.choice(v, [*sections, "ALL"], "section") for v in values or []]
    return list(sections) if "ALL" in chosen else list(dict.fromkeys(chosen))


def sections_for(spec: ResourceSpec, requested: list[str], chosen: list[str] | None, show: bool) -> list[str]:
    """What to ask the server for: --section adds to the default sections (or, with --fields, to the
    sections those fields live in), so a table keeps its name and serial columns."""
    default = spec.show_sections if show else spec.list_sections
    if not default:
        return []
    wanted = list(requested) if chosen else list(dict.fromkeys([*default, *requested]))
    for path in chosen or []:
        section = section_of(spec, path.split(".")[0])
        if section and section not in wanted:
            wanted.append(section)
    return wanted or (list(default) if not chosen else [default[0]])


# --- columns ------------------------------------------------------------------------------------------------
def table_columns(spec: ResourceSpec, chosen: list[str] | None) -> list[Column]:
    """The list table: the declared columns, or one per --fields path (headed by the path)."""
    if not chosen:
        return list(spec.columns)
    return [Column(path, path, no_wrap=path in spec.unwrapped) for path in chosen]


def csv_columns(spec: ResourceSpec, sections: list[str], chosen: list[str] | None, show: bool) -> list[str]:
    """CSV columns known before the first record (the output is streamed): the leaf paths of --fields,
    else every field of the record (for sectioned records: `id`, top-level facts and each fetched section)."""
    all_fields = fields(spec, show)
    if chosen:
        roots = chosen
    elif sections:
        keys = {section_of(spec, p): p for p in all_fields if "." not in p and section_of(spec, p)}
        top = [p for p in all_fields if "." not in p and not section_of(spec, p) and not _is_object(spec, p, show)]
        roots = [*top, *(keys[s] for s in sections if s in keys)]
    else:
        roots = [p for p in all_fields if "." not in p]
    return list(dict.fromkeys(column for root in roots for column in _leaves(spec, root, show)))


def _is_object(spec: ResourceSpec, path: str, show: bool) -> bool:
    return any(p.startswith(path + ".") for p in fields(spec, show))


def _leaves(spec: ResourceSpec, root: str, show: bool) -> list[str]:
    """The catalogue's leaf paths at or under root. A list is one column (its items one JSON cell)."""
    lists = set(catalogue(spec.name)["show_lists" if show else "list_lists"])
    parts = root.split(".")
    if any(".".join(parts[:end]) in lists for end in range(1, len(parts) + 1)):
        return [root]
    return [path for path in _flat_paths(spec.name, show) if path == root or path.startswith(root + ".")] or [root]


@lru_cache(maxsize=None)
def _flat_paths(name: str, show: bool) -> tuple[str, ...]:
    """Catalogue paths that are CSV columns: lists, and leaves not inside a list."""
    cat = catalogue(name)
    all_fields, lists = cat["show_fields" if show else "list_fields"], cat["show_lists" if show else "list_lists"]
    parents = {path.rsplit(".", 1)[0] for path in all_fields if "." in path}
    inside_a_list = tuple(f"{path}." for path in lists)
    return tuple(path for path in all_fields
                 if not path.startswith(inside_a_list) and (path in lists or path not in parents))


# --- records ------------------------------------------------------------------------------------------------
def get_path(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def with_id(spec: ResourceSpec, record: Any, label: str) -> dict:
    """The record as jamfctl prints it: checked for shape, and carrying `id` first (Jamf's own id field, such
    as mobileDeviceId or a Classic general.id, stays too), so every noun's records can be joined on `id`."""
    check = hook(spec, "check_record")
    if check is not None:
        return check(record, label)
    # A Classic item keeps its id and name in `general` (its list rows have them at the top).
    id_path = "general.id" if spec.api == "classic" and isinstance(record, dict) and "id" not in record else spec.id_field
    ident = get_path(record, id_path) if isinstance(record, dict) else None
    if type(ident) not in (str, int) or not _sections_are_objects(spec, record):
        raise ServerError(f"{label} sent a {spec.singular} record jamfctl cannot read")
    if "id" in record:
        return record
    if spec.api == "classic":
        return {"id": ident, "name": get_path(record, "general.name"), **record}
    return {"id": ident, **record}


def _sections_are_objects(spec: ResourceSpec, record: dict) -> bool:
    sections = catalogue(spec.name)["sections"]
    return not sections or all(isinstance(record.get(k), (dict, type(None))) for k in record if section_of(spec, k))


class Records:
    """A listing's records as jamfctl prints them, with the server's totalCount (known after the first page)."""

    def __init__(self, source: Iterable[dict], convert: Callable[[Any], dict], total: int | None = None) -> None:
        self._source, self._convert, self._total = source, convert, total

    @property
    def total_count(self) -> int | None:
        return getattr(self._source, "total_count", self._total)

    def __iter__(self) -> Iterator[dict]:
        return map(self._convert, self._source)


def stable_sort(spec: ResourceSpec, sort: str | None) -> str:
    """Pages are fetched concurrently, so the order must be total: ties on a user's sort key (many Macs share
    a model) are broken by the id, or a record could land on two pages or none."""
    if not sort:
        return spec.stable_sort
    id_key = spec.stable_sort.split(":")[0]
    keys = [part.split(":")[0] for part in sort.split(",")]
    return sort if id_key in keys else f"{sort},{spec.stable_sort}"


def name_filter(spec: ResourceSpec, name: str) -> str:
    return f"{spec.name_filter}=={validate.rsql_quote(name)}"


def combine(*filters: str | None) -> str | None:
    parts = [f"({f})" for f in filters if f]
    return ";".join(parts) if parts else None


def _params(spec: ResourceSpec, sections: list[str]) -> list[tuple[str, str]]:
    return [("section", s) for s in sections] + list(spec.extra_params)


def list_records(client, spec: ResourceSpec, *, sections: list[str] = (), rsql: str | None = None,
                 sort: str | None = None, name_glob: str | None = None, limit: int | None = None,
                 on_progress: Callable[[int, int], None] | None = None) -> Records:
    """Every record the listing asks for, streamed where Jamf pages; `--name` matched here where it cannot filter."""
    convert = _converter(client, spec)
    if spec.paged:
        params = _params(spec, list(sections)) + [("sort", stable_sort(spec, sort))]
        rsql = combine(name_filter(spec, name_glob) if name_glob else None, rsql)
        if rsql:
            params.append(("filter", rsql))
        listing = client.paginate(spec.list_path, params, limit=limit, privilege=privilege(spec),
                                  page_size=spec.max_page_size, on_progress=on_progress)
        return Records(listing, convert)
    records = [convert(r) for r in _whole_list(client, spec)]
    if name_glob:
        pattern = name_glob.lower()
        records = [r for r in records if fnmatch.fnmatchcase(str(r.get("name") or "").lower(), pattern)]
    return Records(records[:limit] if limit else records, lambda r: r, total=len(records))


def _converter(client, spec: ResourceSpec) -> Callable[[Any], dict]:
    check, label = hook(spec, "check_record"), client.label  # looked up once per listing, not per record
    if check is not None:
        return lambda record: check(record, label)
    return lambda record: with_id(spec, record, label)


def _whole_list(client, spec: ResourceSpec) -> list:
    """An unpaged list: a JSON array (modern) or Classic's {"policies": [...]}."""
    body = client.get_json(spec.list_path, list(spec.extra_params) or None, privilege=privilege(spec))
    if spec.api == "classic":
        body = body.get(spec.classic_keys[0]) if isinstance(body, dict) else None
    if not isinstance(body, list):
        raise ServerError(f"{client.label} sent an unexpected answer to GET {spec.list_path}")
    return body


# --- one record -----------------------------------------------------------------------------------------------
def by_id(client, spec: ResourceSpec, ident: int, sections: list[str] = ()) -> dict:
    what = f"id {ident}"
    if spec.item_path is None:
        if spec.paged:  # mobile devices: the detail listing filtered on the id keeps one shape and --section
            return _one(client, spec, f"{spec.id_field}=={validate.rsql_quote(str(ident))}", sections, what)
        return _pick(client, spec, lambda r: str(r.get("id")) == str(ident), what)
    params = _params(spec, list(sections)) if sections else None
    try:
        record = client.get_json(spec.item_path.format(id=ident), params, privilege=privilege(spec, show=True))
    except NotFoundError:
        raise NotFoundError(f"no {spec.singular} with {what} in {client.label}") from None
    if spec.api == "classic":
        record = record.get(spec.classic_keys[1]) if isinstance(record, dict) else None
    return with_id(spec, record, client.label)


def by_name(client, spec: ResourceSpec, name: str, sections: list[str] = ()) -> dict:
    what = f"the name {name!r}"
    if spec.name_filter:
        return _one(client, spec, name_filter(spec, name), sections, what)
    found = _pick(client, spec, lambda r: r.get("name") == name, what)
    return by_id(client, spec, found["id"], sections) if spec.item_path else found


def by_key(client, spec: ResourceSpec, key: str, sections: list[str] = ()) -> dict:
    lookup = spec.lookup
    return _one(client, spec, f"{lookup.filter_field}=={validate.rsql_quote(key)}", sections, f"{lookup.what} {key}")


def _one(client, spec: ResourceSpec, rsql: str, sections: list[str], what: str) -> dict:
    params = _params(spec, list(sections)) + [("filter", rsql), ("page", "0"),
                                              ("page-size", str(AMBIGUITY_PAGE)), ("sort", spec.stable_sort)]
    page = client.get_json(spec.list_path, params, privilege=privilege(spec))
    results = page.get("results") if isinstance(page, dict) else None
    if not isinstance(results, list):
        raise ServerError(f"{client.label} sent an unexpected answer to GET {spec.list_path}")
    total = page.get("totalCount")
    records = [with_id(spec, r, client.label) for r in results]
    return _only(spec, records, what, client.label, more=isinstance(total, int) and total > len(records))


def _pick(client, spec: ResourceSpec, match: Callable[[dict], bool], what: str) -> dict:
    records = [r for r in (with_id(spec, r, client.label) for r in _whole_list(client, spec)) if match(r)]
    return _only(spec, records, what, client.label)


def _only(spec: ResourceSpec, records: list[dict], what: str, label: str, more: bool = False) -> dict:
    """The one record found; several is a usage error naming them (never pick one), none is not found."""
    if not records:
        raise NotFoundError(f"no {spec.singular} with {what} in {label}")
    if len(records) > 1:
        ids = ", ".join(str(r.get("id")) for r in records)
        raise UsageError(f"more than one {spec.singular} has {what} (ids {ids}{', ...' if more else ''}); use --id")
    return records[0]


def title(spec: ResourceSpec, record: dict, key_given: str | None) -> str | None:
    """The table title, `Name (SERIAL, id N)`, from what is known: a key the user gave stands in when the
    record lacks it, and "no serial" is said only when the record's part that holds it came without one."""
    name = get_path(record, spec.name_field)
    if not name:
        return None
    key = None
    if spec.lookup:
        path = spec.lookup.record_path
        holder = path.rsplit(".", 1)[0] if "." in path else None
        key = get_path(record, path) or key_given
        key = key or (f"no {spec.lookup.metavar.lower()}" if holder and record.get(holder) else None)
    if key == name:
        key = None
    return f"{name} ({f'{key}, ' if key else ''}id {record.get('id')})"
