"""`jamfctl computer list|show`: parse and validate, call jamfctl.resources.computers, render."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from jamfctl.cli.options import FieldsOpt, OutputOpt, SectionOpt, app_context, note, renderer

app = typer.Typer(
    help="Computers in Jamf Pro inventory.\n\nExamples: jamfctl computer show C02XK1JMJG5H | "
    "jamfctl computer list --name 'ENG-*' -o json",
    no_args_is_help=True,
)

SHOW_SECTIONS = ("GENERAL", "HARDWARE", "OPERATING_SYSTEM", "USER_AND_LOCATION", "SECURITY", "DISK_ENCRYPTION")
DEFAULT_LIMIT = 100


def _fields(fields: str | None) -> list[str] | None:
    from jamfctl import output, validate
    from jamfctl.resources import computers

    if fields is None:
        return None
    return output.check_fields(validate.field_paths(fields), computers.catalogue()["fields"])


@app.command("list")
def list_(
    ctx: typer.Context,
    filter: Annotated[Optional[str], typer.Option("--filter", metavar="RSQL", help="RSQL filter, e.g. 'operatingSystem.version=lt=14'.")] = None,
    name: Annotated[Optional[str], typer.Option("--name", metavar="GLOB", help="Computer name; * matches anything, e.g. 'ENG-*'.")] = None,
    section: SectionOpt = None,
    sort: Annotated[Optional[str], typer.Option("--sort", metavar="FIELD:DIR", help="FIELD:asc|desc, e.g. general.name:asc.")] = None,
    limit: Annotated[Optional[str], typer.Option("--limit", "-n", metavar="N", help=f"At most N computers (default {DEFAULT_LIMIT}).")] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", metavar="", help="Every computer (pages through the whole inventory).")] = False,
    output: OutputOpt = None,
    fields: FieldsOpt = None,
) -> None:
    """List computers.

    Examples:\n
      jamfctl computer list --name 'ENG-*'\n
      jamfctl computer list --filter 'operatingSystem.version=lt=14' --all -o json | jq length
    """
    from jamfctl import validate
    from jamfctl.errors import UsageError
    from jamfctl.resources import computers

    app_ctx = app_context(ctx)
    cat = computers.catalogue()
    if limit is not None and all_:
        raise UsageError("use either --limit or --all, not both")
    wanted = None if all_ else validate.limit(limit if limit is not None else DEFAULT_LIMIT)
    rsql = validate.rsql_filter(filter, cat["filter_fields"]) if filter is not None else None
    if name is not None:
        rsql = computers.combine(computers.name_filter(validate.name_glob(name, "--name")), rsql)
    sort_by = validate.sort_spec(sort, cat["sort_fields"]) if sort is not None else None  # --sort '' is an error
    selected = _fields(fields)
    sections = computers.sections_for(computers.parse_sections(section), selected, computers.LIST_SECTIONS)
    render = renderer(app_ctx, output, selected, columns=computers.table_columns(selected),
                      csv_columns=computers.csv_columns(sections, selected))

    client = app_ctx.client()
    with _progress(app_ctx) as on_progress:
        listing = computers.list_computers(
            client, sections=sections, rsql=rsql, sort=sort_by, limit=wanted, on_progress=on_progress
        )
        count = render.many(r.to_dict() for r in listing)
    total = listing.total_count or 0  # the server's totalCount, not the (limited) number wanted
    if wanted is not None and total > count and limit is None:
        note(app_ctx, f"showing the first {count} of {total} computers; use --all or --limit N for more")
    elif count == 0 and render.fmt == "table":
        note(app_ctx, "no computers matched")


@app.command("show")
def show(
    ctx: typer.Context,
    serial: Annotated[Optional[str], typer.Argument(metavar="SERIAL", help="Serial number, e.g. C02XK1JMJG5H.", show_default=False)] = None,
    id_: Annotated[Optional[str], typer.Option("--id", metavar="ID", help="Jamf computer id instead of a serial.")] = None,
    name: Annotated[Optional[str], typer.Option("--name", metavar="NAME", help="Exact computer name instead of a serial.")] = None,
    section: SectionOpt = None,
    output: OutputOpt = None,
    fields: FieldsOpt = None,
) -> None:
    """Show one computer, found by serial number, --id or --name.

    Examples:\n
      jamfctl computer show C02XK1JMJG5H\n
      jamfctl computer show --id 42 --section SECURITY -o json
    """
    from jamfctl import validate
    from jamfctl.errors import UsageError
    from jamfctl.resources import computers

    app_ctx = app_context(ctx)
    given = [v is not None for v in (serial, id_, name)]
    if sum(given) != 1:
        raise UsageError("give exactly one of SERIAL, --id ID or --name NAME")
    selected = _fields(fields)
    sections = computers.sections_for(computers.parse_sections(section), selected, SHOW_SECTIONS)
    render = renderer(app_ctx, output, selected, csv_columns=computers.csv_columns(sections, selected))
    if serial is not None:
        key = validate.serial(serial)
        lookup = lambda client: computers.by_serial(client, key, sections)  # noqa: E731
    elif id_ is not None:
        key_id = validate.object_id(id_, "computer id")
        lookup = lambda client: computers.by_id(client, key_id, sections)  # noqa: E731
    else:
        key_name = validate.name(name, "--name")
        lookup = lambda client: computers.by_name(client, key_name, sections)  # noqa: E731
    computer = lookup(app_ctx.client())
    render.one(computer.to_dict(), title=_title(computer, key if serial is not None else None))


def _title(computer, serial_given: str | None) -> str | None:
    """The table title, `Name (serial, id N)`, from what is known: the serial the user gave stands in when
    HARDWARE was not fetched, and "no serial" is said only when the hardware section came without one."""
    if not (computer.general and computer.general.name):
        return None
    serial = computer.serial or serial_given or ("no serial" if computer.hardware else None)
    return f"{computer.general.name} ({f'{serial}, ' if serial else ''}id {computer.id})"


class _NoProgress:
    def __enter__(self):
        return lambda done, total: None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(app_ctx):
    """A progress bar on stderr when it is a terminal (nothing for scripts)."""
    if not app_ctx.stderr_is_tty:
        return _NoProgress()
    from jamfctl.cli.progress import PagingProgress

    return PagingProgress(app_ctx.stderr, sandbox=app_ctx.is_sandbox, color=app_ctx.color)
