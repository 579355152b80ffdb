"""Computer inventory: `/api/v4/computers-inventory` (Jamf Pro API, current version in 11.30)."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable

from jamfctl import validate
from jamfctl.client import JamfClient, Listing
from jamfctl.errors import NotFoundError, ServerError, UsageError
from jamfctl.output import Column
from jamfctl.resources.models import ComputerInventory

LIST_PATH = "/api/v4/computers-inventory"
# Sections a person looks at first; `--section` or `--fields` change what is fetched.
LIST_SECTIONS = ("GENERAL", "HARDWARE", "OPERATING_SYSTEM", "USER_AND_LOCATION")
DEFAULT_COLUMNS = [
    Column("Name", "general.name"),
    Column("Serial", "hardware.serialNumber", no_wrap=True),
    Column("Model", "hardware.model"),
    Column("OS", "operatingSystem.version"),
    Column("Checked in (UTC)", "general.lastContact", timestamp=True),
    Column("Managed", "general.remoteManagement.managed"),
    Column("User", "userAndLocation.username"),
]
# Identifiers people copy from a table: never wrapped, or a copied serial would be wrong.
UNWRAPPED = frozenset({"id", "udid", "hardware.serialNumber"})
# Stable order across pages (Jamf's default, general.name, ties between equal names).
DEFAULT_SORT = "id:asc"


@lru_cache(maxsize=1)
def catalogue() -> dict:
    """Fields, sections and filter/sort fields from Jamf's schema (scripts/generate_field_catalogue.py)."""
    return json.loads((Path(__file__).with_name("computer_fields.json")).read_text())


def privilege() -> str:
    return ", ".join(catalogue()["privilege"]) or "Read Computers"


def section_of(key: str) -> str | None:
    """`userAndLocation` -> `USER_AND_LOCATION` (None for top-level keys such as id and udid)."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).upper()
    return name if name in catalogue()["sections"] else None


def parse_sections(values: list[str] | None) -> list[str]:
    sections = catalogue()["sections"]
    out = [validate.choice(v, [*sections, "ALL"], "section") for v in values or []]
    if "ALL" in out:
        return list(sections)
    return list(dict.fromkeys(out))


def sections_for(requested: list[str], fields: list[str] | None, default: tuple[str, ...]) -> list[str]:
    """What to ask the server for: --section adds to the default sections (or, with --fields, to the
    sections those fields live in), so a table keeps its name and serial columns."""
    wanted = list(requested) if fields else list(dict.fromkeys([*default, *requested]))
    for path in fields or []:
        section = section_of(path.split(".")[0])
        if section and section not in wanted:
            wanted.append(section)
    if not wanted:
        wanted = list(default) if not fields else ["GENERAL"]
    return wanted


def table_columns(fields: list[str] | None) -> list[Column]:
    """The list table: the default columns, or one per --fields path (headed by the path)."""
    if not fields:
        return DEFAULT_COLUMNS
    return [Column(path, path, no_wrap=path in UNWRAPPED) for path in fields]


def csv_columns(sections: list[str], fields: list[str] | None) -> list[str]:
    """CSV columns known before the first record (the output is streamed): the leaf paths of --fields,
    else id, udid and every field of each fetched section, in the catalogue's order."""
    keys = {section_of(path): path for path in catalogue()["fields"] if "." not in path and section_of(path)}
    roots = fields or ["id", "udid", *(keys[s] for s in sections if s in keys)]
    return list(dict.fromkeys(column for root in roots for column in _leaves(root)))


def _leaves(root: str) -> list[str]:
    """The catalogue's leaf paths at or under root. A list is one column (its items one JSON cell), so a
    path at or inside a list stays as it is."""
    lists = set(catalogue()["lists"])
    parts = root.split(".")
    if any(".".join(parts[:end]) in lists for end in range(1, len(parts) + 1)):
        return [root]
    return [path for path in _flat_paths() if path == root or path.startswith(root + ".")] or [root]


@lru_cache(maxsize=1)
def _flat_paths() -> tuple[str, ...]:
    """Catalogue paths that are CSV columns: lists, and leaves not inside a list."""
    fields, lists = catalogue()["fields"], catalogue()["lists"]
    parents = {path.rsplit(".", 1)[0] for path in fields if "." in path}
    inside_a_list = tuple(f"{path}." for path in lists)
    return tuple(path for path in fields
                 if not path.startswith(inside_a_list) and (path in lists or path not in parents))


def _section_params(sections: list[str]) -> list[tuple[str, str]]:
    return [("section", s) for s in sections]


def list_computers(
    client: JamfClient,
    *,
    sections: list[str],
    rsql: str | None = None,
    sort: str | None = None,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Listing:
    params = _section_params(sections) + [("sort", stable_sort(sort))]
    if rsql:
        params.append(("filter", rsql))
    listing = client.paginate(LIST_PATH, params, limit=limit, privilege=privilege(), on_progress=on_progress)
    listing._records = (_inventory(client, record) for record in listing._records)
    return listing


def stable_sort(sort: str | None) -> str:
    """Pages are fetched concurrently, so the order must be total: ties on a user's sort key
    (many Macs share a model) are broken by id, or a computer could land on two pages or none."""
    if not sort:
        return DEFAULT_SORT
    keys = [part.split(":")[0] for part in sort.split(",")]
    return sort if "id" in keys else f"{sort},{DEFAULT_SORT}"


def _inventory(client: JamfClient, record: object) -> ComputerInventory:
    """A record as the model, or a plain error when the server sent something else."""
    from pydantic import ValidationError

    try:
        return ComputerInventory.model_validate(record)
    except ValidationError as exc:
        where = ", ".join(".".join(map(str, e["loc"])) or "the record" for e in exc.errors()[:3])
        raise ServerError(f"{client.label} sent a computer record jamfctl cannot read (at {validate.shown(where, 80)})") from None


def name_filter(glob: str) -> str:
    return f"general.name=={validate.rsql_quote(glob)}"


def combine(*filters: str | None) -> str | None:
    parts = [f"({f})" for f in filters if f]
    return ";".join(parts) if parts else None


def _one(client: JamfClient, rsql: str, sections: list[str], what: str) -> ComputerInventory:
    params = _section_params(sections) + [("filter", rsql), ("page", "0"), ("page-size", "2"), ("sort", DEFAULT_SORT)]
    page = client.get_json(LIST_PATH, params, privilege=privilege())
    results = page.get("results") if isinstance(page, dict) else None
    if not results:
        raise NotFoundError(f"no computer with {what} in {client.label}")
    if len(results) > 1:
        ids = ", ".join(str(r.get("id")) for r in results)
        total = page.get("totalCount")
        more = ", ..." if isinstance(total, int) and total > len(results) else ""  # only when ids were left out
        raise UsageError(f"more than one computer has {what} (ids {ids}{more}); use --id")
    return _inventory(client, results[0])


def by_serial(client: JamfClient, serial: str, sections: list[str]) -> ComputerInventory:
    rsql = f"hardware.serialNumber=={validate.rsql_quote(serial)}"
    return _one(client, rsql, sections, f"serial number {serial}")


def by_name(client: JamfClient, name: str, sections: list[str]) -> ComputerInventory:
    return _one(client, name_filter(name), sections, f"the name {name!r}")


def by_id(client: JamfClient, computer_id: int, sections: list[str]) -> ComputerInventory:
    try:
        record = client.get_json(f"{LIST_PATH}/{computer_id}", _section_params(sections), privilege=privilege())
    except NotFoundError:
        raise NotFoundError(f"no computer with id {computer_id} in {client.label}") from None
    return _inventory(client, record)
