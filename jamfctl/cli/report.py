"""`jamfctl report security [--group NAME] [--filter RSQL] [--html FILE]`: the fleet's security posture.

The work is jamfctl.insight.report (streamed counts) and jamfctl.insight.html (the page); this module parses,
validates (before any request), calls and writes. Formats: `json` and `yaml` are one document (summary,
checks, os, flagged); `ndjson` and `csv` are the flagged computers, one row each (the summary is in json);
`table` is the summary, the checks and the worst flagged computers. `--fields` picks the flagged rows' fields.

No `from __future__ import annotations` here: Typer reads these annotations at run time.
"""
import json
import os
import time
from typing import Annotated, Optional

import typer

from jamfctl.cli.options import OutputOpt, app_context, note, renderer

ENDPOINTS = ("GET /api/v1/managed-software-updates/available-updates",
             "GET /api/v4/computers-inventory (sections GENERAL, HARDWARE, OPERATING_SYSTEM, SECURITY, "
             "DISK_ENCRYPTION, STORAGE; page-size 2000)",
             "GET /api/v1/computer-groups (with --group)", "GET /JSSResource/computergroups/id/{id} (with --group)")
PRIVILEGES = ("Read Computers", "Read Smart Computer Groups", "Read Static Computer Groups")  # the groups': --group
TABLE_FLAGGED = 50  # rows of the table format; the other formats have every flagged computer
clock = time.time  # the checks' "now"; tests pin it

GroupOpt = Annotated[Optional[str], typer.Option("--group", metavar="NAME", help="Only this computer group's members.")]
FilterOpt = Annotated[Optional[str], typer.Option(
    "--filter", metavar="RSQL", help="Only computers matching this RSQL filter (as computer list --filter).")]
FieldsOpt = Annotated[Optional[str], typer.Option(
    "--fields", metavar="FIELDS", help="Flagged computers' fields: id, serialNumber, name, osVersion, worst, reasons.")]
HtmlOpt = Annotated[Optional[str], typer.Option(
    "--html", metavar="FILE", help="Also write the report as one self-contained HTML page (no -o: nothing on stdout).")]

app = typer.Typer(help="Fleet reports.\n\nExamples: jamfctl report security | jamfctl report security --html r.html",
                  no_args_is_help=True)

HELP = (  # paragraphs of one line each: rich reflows them to the terminal's width
    "Fleet security posture: FileVault, SIP, Gatekeeper and firewall rates, macOS spread, stale check-ins, "
    "MDM profiles expiring, and every flagged computer (a warning or failure on any check) with why.\n\n"
    "Every computer in scope is read once, page by page (5 pages in flight, only the sections the checks need), "
    "and folded into counts. The checks and thresholds are those of `computer health` (the health table of the "
    "config file). --group limits it to a computer group's members, --filter to an RSQL match.\n\n"
    "-o json or yaml: one document (summary, checks, os, flagged). -o ndjson or csv: one row per flagged "
    "computer. --html FILE: one self-contained page with charts (no external assets; prints well). Needs "
    "'Read Computers' (and the group privileges with --group).\n\n"
    "Examples:\n\n"
    "  jamfctl report security\n\n"
    "  jamfctl report security -o json | jq .summary\n\n"
    "  jamfctl report security --group 'All Managed Clients' --html security.html\n\n"
    "  jamfctl report security --filter 'general.remoteManagement.managed==true' -o csv > flagged.csv\n"
)


@app.callback()
def report() -> None:
    """Fleet reports."""


@app.command("security", help=HELP)
def security(
    ctx: typer.Context,
    group: GroupOpt = None,
    filter: FilterOpt = None,
    html: HtmlOpt = None,
    output: OutputOpt = None,
    fields: FieldsOpt = None,
) -> None:
    from jamfctl import output as out
    from jamfctl import validate
    from jamfctl.insight import checks
    from jamfctl.insight import report as fleet
    from jamfctl.resources import collection
    from jamfctl.specs import BY_NAME

    app_ctx = app_context(ctx)
    group_name = validate.name(group, "--group") if group is not None else None
    rsql = validate.rsql_filter(filter, collection.filter_fields(BY_NAME["computer"])) if filter is not None else None
    html_path = _html_target(html) if html is not None else None
    selected = out.check_fields(validate.field_paths(fields), fleet.FLAGGED_FIELDS) if fields is not None else None
    prints = output is not None or html_path is None  # with --html, stdout gets the report only when -o asks
    render = renderer(app_ctx, output, selected, csv_columns=selected or list(fleet.FLAGGED_FIELDS))
    thresholds = _thresholds(checks)
    client = app_ctx.client()
    with _progress(app_ctx) as on_progress:
        result = fleet.security_report(client, thresholds=thresholds, now=int(clock()), rsql=rsql, group=group_name,
                                       on_progress=on_progress)
    if not result.summary["server_updates_read"]:
        note(app_ctx, f"could not read {fleet.AVAILABLE_UPDATES} (see --debug); the newest macOS is the bundled "
                      "table's or the fleet's")
    if html_path is not None:
        _write_html(html_path, result)
        note(app_ctx, f"wrote the report to {html_path}")
    if prints:
        _print(app_ctx, render, result)


def _thresholds(checks):
    from jamfctl.errors import ConfigError

    try:
        return checks.load_thresholds()
    except ValueError as exc:
        raise ConfigError(f"the config file's {exc}") from None


def _html_target(text: str):
    """The page's path, checked before any request: not a folder, not a symbolic link, in a folder that exists."""
    from pathlib import Path

    from jamfctl.errors import ValidationError

    if not text.strip() or "\x00" in text:
        raise ValidationError("--html needs a file name")
    path = Path(text)
    if path.is_symlink():
        raise ValidationError(f"refusing --html {str(path)!r}: it is a symbolic link; give the file itself")
    if path.is_dir():
        raise ValidationError(f"refusing --html {str(path)!r}: it is a folder; give a file name in it")
    if path.exists() and not path.is_file():
        raise ValidationError(f"refusing --html {str(path)!r}: not a regular file")
    if not path.parent.is_dir():
        raise ValidationError(f"cannot write --html {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):  # said now, not after reading the whole fleet
        raise ValidationError(f"cannot write --html {str(path)!r}: the folder {str(path.parent)!r} is not writable")
    return path


def _write_html(path, result) -> None:
    from jamfctl.insight import html
    from jamfctl.resources import files

    files.write_file(path, html.page(result).encode("utf-8"), files.new_file_mode())


def _progress(app_ctx):
    import contextlib

    if not app_ctx.stderr_is_tty:
        return contextlib.nullcontext(None)
    from jamfctl.cli.progress import PagingProgress

    return PagingProgress(app_ctx.stderr, label="Reading computers", sandbox=app_ctx.is_sandbox, color=app_ctx.color)


def _print(app_ctx, render, result) -> None:
    fmt = render.fmt
    if fmt == "json":
        _json_document(app_ctx, render, result)
    elif fmt == "yaml":
        document = result.document()
        from jamfctl.output import Renderer

        document["flagged"] = [_shown(render, row) for row in document["flagged"]]
        Renderer(app_ctx.stdout, "yaml").one(document)  # --fields applied to the flagged rows above
    elif fmt == "csv":
        render.many({**row, "reasons": _reasons_text(row["reasons"])} for row in result.rows())
    elif fmt == "ndjson":
        render.many(result.rows())
    else:
        _tables(app_ctx, render, result)


def _json_document(app_ctx, render, result) -> None:
    """One JSON document, the flagged rows streamed into it (100,000 of them are never one list of dicts)."""
    from jamfctl import redact

    indent = 2 if render.pretty else None
    dump = lambda value: json.dumps(value, indent=indent, ensure_ascii=render.ascii_json)  # noqa: E731
    stdout = app_ctx.stdout
    gap = "\n" if indent else ""
    summary = redact.redact(result.summary)  # server text (URL, filter, group): redacted like all output
    stdout.write("{" + gap + f'"summary": {dump(summary)},{gap}"checks": {dump(result.checks)},{gap}'
                 f'"os": {dump(result.os)},{gap}"flagged": [')
    for count, row in enumerate(result.rows()):
        stdout.write(("," if count else "") + gap + dump(_shown(render, row)))
    stdout.write(gap + "]" + gap + "}\n")
    stdout.flush()


def _shown(render, row: dict) -> dict:
    """A flagged row as every format prints it: --fields picked, redacted (the one engine, as Renderer does)."""
    from jamfctl import output, redact

    return redact.redact(output.select(row, render.fields))


def _reasons_text(reasons: dict) -> str:
    return "; ".join(f"{check}={verdict}" for check, verdict in reasons.items())


def _tables(app_ctx, render, result) -> None:
    import itertools

    from jamfctl.output import Renderer
    from jamfctl.specs import Column

    s = result.summary
    facts = [("Server", s["server"]), ("Generated (UTC)", s["generated_at"]),
             ("Scope", "; ".join(x for x in (f"group {s['group']}" if s["group"] else "",
                                             f"filter {s['filter']}" if s["filter"] else "") if x) or "every computer"),
             ("Computers", s["computers"]), ("Managed", s["managed"]),
             ("Flagged", f"{s['flagged']} ({s['failing']} failing)"),
             ("Stale check-ins", s["stale_checkins"]), ("MDM profile expiring", s["mdm_profile_expiring"]),
             ("MDM profile expired or missing", s["mdm_profile_expired_or_missing"]),
             ("Newest macOS", f"{s['newest_macos']} (release table as of {s['releases_as_of']})")]
    like = dict(color=render.color, pretty=render.pretty, width=render.width)
    Renderer(app_ctx.stdout, "table", columns=[Column("Fleet", "fact"), Column("", "value")], **like).many(
        {"fact": fact, "value": value} for fact, value in facts)
    app_ctx.stdout.write("\n")
    Renderer(app_ctx.stdout, "table", columns=[Column("Check", "check"), Column("ok", "ok"),
                                               Column("unknown", "unknown"), Column("warn", "warn"),
                                               Column("fail", "fail"), Column("ok %", "ok_percent")], **like).many(
        result.checks)
    app_ctx.stdout.write("\n")
    majors = ", ".join(f"{r['major']}: {r['computers']}" for r in result.os["by_major"]) or "none"
    Renderer(app_ctx.stdout, "table", columns=[Column("macOS", "version"), Column("Computers", "computers"),
                                               Column("%", "percent")], **like).many(result.os["by_minor"])
    app_ctx.stdout.write(f"by major: {majors}\n\n")
    if render.fields is None:
        render.columns = [Column("Id", "id", no_wrap=True), Column("Serial", "serialNumber", no_wrap=True),
                          Column("Name", "name"), Column("macOS", "osVersion"), Column("Worst", "worst"),
                          Column("Reasons", "reasons")]
    rows = ({**row, "reasons": _reasons_text(row["reasons"])} for row in itertools.islice(result.rows(), TABLE_FLAGGED))
    render.many(rows)
    if s["flagged"] > TABLE_FLAGGED:
        note(app_ctx, f"the {TABLE_FLAGGED} worst of {s['flagged']} flagged computers are shown; -o csv lists them all")
    elif not s["flagged"]:
        note(app_ctx, "no computer is flagged")
