"""A tool call's read: its arguments validated as the CLI validates its options, the read of
jamfctl.resources.collection, and the `-o json` rendering (jamfctl.output.Renderer: --fields, redaction).

The steps mirror jamfctl.cli.resource's list, show and members bodies, without Typer, progress bars or tables.
"""
from __future__ import annotations

from typing import Any, TextIO

from jamfctl import output, validate
from jamfctl.errors import UsageError, ValidationError
from jamfctl.resources import collection
from jamfctl.specs import ResourceSpec


def run(client, tool, args: dict[str, Any], out: TextIO) -> list[str]:
    if tool.verb in ("health", "security"):
        from jamfctl.mcp import insight

        return insight.run(client, tool, args, out)
    spec = tool.specs[1] if args.get("mobile") and len(tool.specs) > 1 else tool.specs[0]
    if tool.verb == "list":
        return _list(client, spec, args, out)
    if tool.verb == "show":
        return _show(client, spec, tool, args, out)
    return _members(client, spec, tool, args, out)


def _limit(args: dict[str, Any]) -> int:
    from jamfctl.mcp.tools import DEFAULT_LIMIT, MAX_LIMIT

    wanted = args.get("limit", DEFAULT_LIMIT)
    if not 1 <= wanted <= MAX_LIMIT:
        raise ValidationError(f"invalid limit {wanted}: expected 1 to {MAX_LIMIT}")
    return validate.limit(wanted)


def _fields(args: dict[str, Any], valid: list[str]) -> list[str] | None:
    if "fields" not in args:
        return None
    return output.check_fields(validate.field_paths(",".join(args["fields"])), valid)


def _sections(spec: ResourceSpec, args: dict[str, Any], selected: list[str] | None, show: bool) -> list[str]:
    requested = collection.parse_sections(spec, args.get("sections"))
    return collection.sections_for(spec, requested, selected, show=show)


def _query(spec: ResourceSpec, args: dict[str, Any]) -> tuple[str | None, str | None]:
    """filter and sort against the fields Jamf allows (the schema has them only where the endpoint takes them)."""
    rsql = sort_by = None
    if "filter" in args:
        if not collection.filter_fields(spec):
            raise UsageError(f"{spec.plural} cannot be filtered on the server; use name to match names")
        rsql = validate.rsql_filter(args["filter"], collection.filter_fields(spec))
    if "sort" in args:
        if not collection.sort_fields(spec):
            raise UsageError(f"{spec.plural} cannot be sorted by the server")
        sort_by = validate.sort_spec(args["sort"], collection.sort_fields(spec))
    return rsql, sort_by


def _list(client, spec: ResourceSpec, args: dict[str, Any], out: TextIO) -> list[str]:
    wanted = _limit(args)
    rsql, sort_by = _query(spec, args)
    glob = validate.name_glob(args["name"], "name") if "name" in args else None
    selected = _fields(args, collection.fields(spec, show=False))
    sections = _sections(spec, args, selected, show=False)
    records = collection.list_records(client, spec, sections=sections, rsql=rsql, sort=sort_by, name_glob=glob,
                                      limit=wanted)
    count = output.Renderer(out, "json", fields=selected).many(records)
    return [out.getvalue(), *_more(spec.plural, count, records.total_count, wanted)]


def _more(plural: str, count: int, total: int | None, wanted: int, narrow: str = "a filter or name") -> list[str]:
    """A note when more match than were sent, saying how to get the others (`narrow`: how to ask for fewer)."""
    from jamfctl.mcp.tools import MAX_LIMIT

    if not total or total <= count:
        return []
    hints = ([f"limit (at most {MAX_LIMIT})"] if wanted < MAX_LIMIT else []) + ([narrow] if narrow else [])
    hint = " or ".join(hints) or "jamfctl itself (its commands are not bounded)"
    return [f"showing the first {count} of {total} {plural}; use {hint} for the others"]


def _find(client, spec: ResourceSpec, tool, args: dict[str, Any], sections: list[str]) -> dict:
    """Exactly one of the lookup key (show only), id or name, validated as the CLI validates it, then read."""
    from jamfctl.mcp.tools import lookup_argument

    key_name = lookup_argument(spec) if tool.verb == "show" else ""
    given = [k for k in (key_name, "id", "name") if k and k in args]
    if len(given) != 1:
        choices = ", ".join(k for k in (key_name, "id", "name") if k)
        raise UsageError(f"{tool.name}: give exactly one of {choices}")
    if given[0] == "id":
        return collection.by_id(client, spec, validate.object_id(args["id"], f"{spec.singular} id"), sections)
    if given[0] == "name":
        return collection.by_name(client, spec, validate.name(args["name"], "name"), sections)
    lookup = spec.lookup
    check = getattr(validate, lookup.validator)
    key = check(args[key_name], lookup.what) if lookup.validator == "name" else check(args[key_name])
    return collection.by_key(client, spec, key, sections)


def _show(client, spec: ResourceSpec, tool, args: dict[str, Any], out: TextIO) -> list[str]:
    selected = _fields(args, collection.fields(spec, show=True))
    sections = _sections(spec, args, selected, show=True)
    record = _find(client, spec, tool, args, sections)
    enrich, shown = collection.hook(spec, "enrich"), collection.hook(spec, "shown")
    record = enrich(client, spec, record) if enrich else record
    record = shown(record) if shown else record
    output.Renderer(out, "json", fields=selected).one(record)
    return [out.getvalue()]


def _members(client, spec: ResourceSpec, tool, args: dict[str, Any], out: TextIO) -> list[str]:
    wanted = _limit(args)
    selected = _fields(args, collection.hook(spec, "member_fields")(spec))
    group = _find(client, spec, tool, args, [])
    rows = collection.hook(spec, "members")(client, spec, group)
    count = output.Renderer(out, "json", fields=selected).many(_first(rows, wanted))
    return [out.getvalue(), *_more("members", count, rows.total_count, wanted, narrow="")]


def _first(records, wanted: int):
    for count, record in enumerate(records, 1):
        yield record
        if count >= wanted:
            return
