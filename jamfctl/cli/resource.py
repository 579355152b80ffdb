"""`jamfctl NOUN list|show` for every declared resource (jamfctl.specs), built from its declaration.

One implementation of the shared options (-o, --fields, --filter, --sort, --name, --limit/--all, --section)
for every noun: a new read-only noun adds a ResourceSpec, not a module here. The command bodies parse and
validate, call jamfctl.resources.collection, and render.

No `from __future__ import annotations` here: Typer reads these closures' annotations at run time.
"""
import contextlib
from importlib import import_module
from typing import Annotated, Callable, Optional

import typer

from jamfctl.cli.options import FieldsOpt, OutputOpt, SectionOpt, app_context, note, renderer
from jamfctl.specs import ResourceSpec

DEFAULT_LIMIT = 100
IdOpt = Annotated[Optional[str], typer.Option("--id", metavar="ID", help="Jamf id.")]
NameOpt = Annotated[Optional[str], typer.Option("--name", metavar="NAME", help="Exact name.")]
# Only nouns with two kinds (group) keep it: mobile device groups instead of computer groups.
MobileOpt = Annotated[bool, typer.Option("--mobile", metavar="", help="The mobile device kind (mobile device groups).")]


def noun_help(specs: tuple[ResourceSpec, ...]) -> str:
    default = specs[0]
    examples = f"\n\nExamples: {' | '.join(default.examples[:2])}" if default.examples else ""
    return default.summary + examples


def build_noun(noun: str, specs: tuple[ResourceSpec, ...]) -> typer.Typer:
    default = specs[0]
    app = typer.Typer(help=noun_help(specs), no_args_is_help=True)
    _add_list(app, specs)
    _add_show(app, specs)
    if "members" in default.verbs:
        _add_members(app, specs)
    for module in default.cli:
        import_module(module).register(app, specs)
    return app


def _hook(spec: ResourceSpec, name: str):
    from jamfctl.resources import collection

    return collection.hook(spec, name)


def _chosen_spec(specs: tuple[ResourceSpec, ...], variant: bool) -> ResourceSpec:
    return specs[1] if variant and len(specs) > 1 else specs[0]


def _examples(lines: list[str]) -> str:
    return "Examples:\n" + "".join(f"\n  {line}\n" for line in lines)


def _check_fields(spec: ResourceSpec, fields: str | None, show: bool, valid: list[str] | None = None) -> list[str] | None:
    from jamfctl import output, validate
    from jamfctl.resources import collection

    if fields is None:
        return None
    return output.check_fields(validate.field_paths(fields), valid or collection.fields(spec, show))


def _progress(app_ctx, plural: str):
    """A progress bar on stderr when it is a terminal (nothing for scripts)."""
    if not app_ctx.stderr_is_tty:
        return contextlib.nullcontext(lambda done, total: None)
    from jamfctl.cli.progress import PagingProgress

    return PagingProgress(app_ctx.stderr, label=f"Fetching {plural}", sandbox=app_ctx.is_sandbox, color=app_ctx.color)


def _list_query(spec: ResourceSpec, filter: str | None, sort: str | None) -> tuple[str | None, str | None]:
    """--filter and --sort checked against the fields Jamf allows; refused where the endpoint cannot."""
    from jamfctl import validate
    from jamfctl.errors import UsageError
    from jamfctl.resources import collection

    where = "the Classic API" if spec.api == "classic" else spec.list_path
    rsql = sort_by = None
    if filter is not None:
        if not collection.filter_fields(spec):
            raise UsageError(f"{spec.plural} cannot be filtered on the server ({where} takes no RSQL filter); "
                             "use --name to match names")
        rsql = validate.rsql_filter(filter, collection.filter_fields(spec))
    if sort is not None:
        if not collection.sort_fields(spec):
            raise UsageError(f"{spec.plural} cannot be sorted by the server ({where} takes no sort)")
        sort_by = validate.sort_spec(sort, collection.sort_fields(spec))
    return rsql, sort_by


def _add_list(app: typer.Typer, specs: tuple[ResourceSpec, ...]) -> None:
    default = specs[0]
    has_sections = bool(default.list_sections)

    def list_(
        ctx: typer.Context,
        filter: Annotated[Optional[str], typer.Option("--filter", metavar="RSQL", help="RSQL filter on the fields Jamf allows (where the endpoint can filter).")] = None,
        name: Annotated[Optional[str], typer.Option("--name", metavar="GLOB", help="Name; * matches anything, e.g. 'ENG-*'.")] = None,
        section: SectionOpt = None,
        sort: Annotated[Optional[str], typer.Option("--sort", metavar="FIELD:DIR", help="FIELD:asc|desc (where the endpoint can sort).")] = None,
        limit: Annotated[Optional[str], typer.Option("--limit", "-n", metavar="N", help=f"At most N (default {DEFAULT_LIMIT}).")] = None,
        all_: Annotated[bool, typer.Option("--all", "-a", metavar="", help="Every one (pages through them all).")] = False,
        mobile: MobileOpt = False,
        output: OutputOpt = None,
        fields: FieldsOpt = None,
    ) -> None:
        from jamfctl import validate
        from jamfctl.errors import UsageError
        from jamfctl.resources import collection

        app_ctx = app_context(ctx)
        spec = _chosen_spec(specs, mobile)
        if limit is not None and all_:
            raise UsageError("use either --limit or --all, not both")
        wanted = None if all_ else validate.limit(limit if limit is not None else DEFAULT_LIMIT)
        rsql, sort_by = _list_query(spec, filter, sort)
        glob = validate.name_glob(name, "--name") if name is not None else None
        selected = _check_fields(spec, fields, show=False)
        sections = collection.sections_for(spec, collection.parse_sections(spec, section), selected, show=False)
        render = renderer(app_ctx, output, selected, columns=collection.table_columns(spec, selected),
                          csv_columns=collection.csv_columns(spec, sections, selected, show=False))
        client = app_ctx.client()
        with _progress(app_ctx, spec.plural) as on_progress:
            records = collection.list_records(client, spec, sections=sections, rsql=rsql, sort=sort_by,
                                              name_glob=glob, limit=wanted, on_progress=on_progress)
            count = render.many(records)
        _after_listing(app_ctx, spec, render.fmt, count, records.total_count or 0, wanted, limit)

    list_.__doc__ = f"List {default.plural}{' (or --mobile: ' + specs[1].plural + ')' if len(specs) > 1 else ''}.\n\n" + \
        _examples([f"jamfctl {default.noun} list", f"jamfctl {default.noun} list --all -o json | jq length"])
    if not has_sections:
        list_ = _without(list_, "section")
    if len(specs) < 2:
        list_ = _without(list_, "mobile")
    app.command("list")(list_)


def _after_listing(app_ctx, spec: ResourceSpec, fmt: str, count: int, total: int, wanted, limit) -> None:
    if wanted is not None and total > count and limit is None:
        note(app_ctx, f"showing the first {count} of {total} {spec.plural}; use --all or --limit N for more")
    elif count == 0 and fmt == "table":
        note(app_ctx, f"no {spec.plural} matched")


def _select(spec: ResourceSpec, key: str | None, id_: str | None, name: str | None) -> Callable:
    """The lookup the user asked for (exactly one of KEY, --id, --name), validated before any request."""
    from jamfctl import validate
    from jamfctl.errors import UsageError
    from jamfctl.resources import collection

    given = [v is not None for v in (key, id_, name)]
    if sum(given) != 1:
        named = f"{spec.lookup.metavar}, " if spec.lookup else ""
        raise UsageError(f"give exactly one of {named}--id ID or --name NAME")
    if key is not None:
        checked = getattr(validate, spec.lookup.validator)(key, spec.lookup.what) if spec.lookup.validator == "name" \
            else getattr(validate, spec.lookup.validator)(key)
        return lambda client, sections: collection.by_key(client, spec, checked, sections)
    if id_ is not None:
        ident = validate.object_id(id_, f"{spec.singular} id")
        return lambda client, sections: collection.by_id(client, spec, ident, sections)
    exact = validate.name(name, "--name")
    return lambda client, sections: collection.by_name(client, spec, exact, sections)


def _one_object(ctx, specs: tuple[ResourceSpec, ...], mobile: bool, key, id_, name):
    """The command's context, the kind chosen (--mobile) and its validated lookup, for show and members."""
    spec = _chosen_spec(specs, mobile)
    return app_context(ctx), spec, _select(spec, key, id_, name)


def _add_show(app: typer.Typer, specs: tuple[ResourceSpec, ...]) -> None:
    default = specs[0]
    lookup = default.lookup

    def show(
        ctx: typer.Context,
        key: Annotated[Optional[str], typer.Argument(metavar=lookup.metavar if lookup else "KEY", help=f"{lookup.what.capitalize()}, e.g. {lookup.example}." if lookup else "", show_default=False)] = None,
        id_: IdOpt = None,
        name: NameOpt = None,
        section: SectionOpt = None,
        mobile: MobileOpt = False,
        output: OutputOpt = None,
        fields: FieldsOpt = None,
    ) -> None:
        from jamfctl.resources import collection

        app_ctx, spec, find = _one_object(ctx, specs, mobile, key, id_, name)
        selected = _check_fields(spec, fields, show=True)
        sections = collection.sections_for(spec, collection.parse_sections(spec, section), selected, show=True)
        render = renderer(app_ctx, output, selected,
                          csv_columns=collection.csv_columns(spec, sections, selected, show=True))
        client = app_ctx.client()
        record = find(client, sections)
        enrich, shown = _hook(spec, "enrich"), _hook(spec, "shown")
        record = enrich(client, spec, record) if enrich else record
        record = shown(record) if shown else record
        render.one(record, title=collection.title(spec, record, key), body_field=spec.body_field or None)

    target = f"{lookup.metavar}, --id or --name" if lookup else "--id or --name"
    example = f"jamfctl {default.noun} show {lookup.example}" if lookup else f"jamfctl {default.noun} show --id 1"
    show.__doc__ = f"Show one {default.singular}, found by {target}.\n\n" + \
        _examples([example, f"jamfctl {default.noun} show --name 'NAME' -o json"])
    if not lookup:
        show = _without(show, "key")
    if not default.show_sections:
        show = _without(show, "section")
    if len(specs) < 2:
        show = _without(show, "mobile")
    app.command("show")(show)


def _add_members(app: typer.Typer, specs: tuple[ResourceSpec, ...]) -> None:
    default = specs[0]

    def members(
        ctx: typer.Context,
        id_: IdOpt = None,
        name: NameOpt = None,
        mobile: MobileOpt = False,
        output: OutputOpt = None,
        fields: FieldsOpt = None,
    ) -> None:
        app_ctx, spec, find = _one_object(ctx, specs, mobile, None, id_, name)
        hook_members = _hook(spec, "members")
        selected = _check_fields(spec, fields, show=False, valid=_hook(spec, "member_fields")(spec))
        render = renderer(app_ctx, output, selected, columns=_hook(spec, "member_columns")(spec, selected),
                          csv_columns=selected or _hook(spec, "member_fields")(spec))
        client = app_ctx.client()
        group = find(client, [])
        count = render.many(hook_members(client, spec, group))
        if count == 0 and render.fmt == "table":
            note(app_ctx, f"{group.get('name') or 'the group'} has no members")

    members.__doc__ = f"List the members of one {default.singular} (or --mobile: {specs[-1].singular}).\n\n" + \
        _examples([f"jamfctl {default.noun} members --name 'All Managed Clients'",
                   f"jamfctl {default.noun} members --id 1 -o csv --fields id,name,serialNumber"])
    if len(specs) < 2:
        members = _without(members, "mobile")
    app.command("members")(members)


def _without(function: Callable, parameter: str) -> Callable:
    """The command without one of its options (a noun without sections has no --section): Typer builds the
    command from the signature, so the parameter is removed there and dropped before the call."""
    import functools
    import inspect

    signature = inspect.signature(function)
    kept = [p for p in signature.parameters.values() if p.name != parameter]

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=kept)
    return wrapper
