"""Options shared by every data command, and the small helpers every command body uses."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from jamfctl.context import AppContext

def _output_chosen(ctx: typer.Context, value: Optional[str]) -> Optional[str]:
    """Decide the format as soon as the option is parsed, so that an error raised while the command is
    still validating its arguments is already reported as JSON when the output will be JSON (also when
    piped without -o). A bad format is left for renderer() to report."""
    from jamfctl import output as out
    from jamfctl.errors import ValidationError

    app = ctx.find_root().obj
    if isinstance(app, AppContext):
        try:
            app.output_format = out.resolve_format(value, app.stdout_is_tty)
        except ValidationError:
            pass
    return value


OutputOpt = Annotated[
    Optional[str],
    typer.Option(
        "--output", "-o", metavar="FORMAT", callback=_output_chosen,
        help="table, json, ndjson, csv or yaml. Default: table on a terminal, json when piped.",
    ),
]
FieldsOpt = Annotated[
    Optional[str],
    typer.Option("--fields", metavar="PATHS", help="Comma-separated dot paths to show, e.g. id,hardware.serialNumber."),
]
SectionOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--section", "-s", metavar="SECTION",
        help="Inventory section to fetch (repeatable), e.g. SECURITY, DISK_ENCRYPTION, or ALL.",
    ),
]


def app_context(ctx: typer.Context) -> AppContext:
    return ctx.find_root().obj


def renderer(app: AppContext, output: str | None, fields: list[str] | None, **kwargs):
    """The Renderer for this command's stdout, format decided once from the flag and the TTY."""
    from jamfctl import output as out

    fmt = out.resolve_format(output, app.stdout_is_tty)
    app.output_format = fmt
    width = None if app.stdout_is_tty else 200
    return out.Renderer(app.stdout, fmt, fields=fields, color=app.color and app.stdout_is_tty,
                        pretty=app.stdout_is_tty, width=width, **kwargs)


def note(app: AppContext, message: str) -> None:
    """A line for the person at the terminal, on stderr (marked in sandbox mode)."""
    prefix = "jamfctl (sandbox): " if app.is_sandbox else "jamfctl: "
    app.stderr.write(prefix + message + "\n")
    app.stderr.flush()
