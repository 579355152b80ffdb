"""`jamfctl computer health (SERIAL | --id ID) [--fail-on unknown|warn|fail]`: one Mac's security checks.

Two requests, always: the inventory record with the sections the checks read (by serial through the
`hardware.serialNumber==` filter, or by id), then `GET /api/v1/managed-software-updates/available-updates`
for the newest macOS the server knows. The newest release is the later of that list and the bundled, dated
table (jamfctl/insight/macos_releases.json): no third-party feed, so it works without internet. A server that
refuses the second request (403, 404, an old Jamf Pro) leaves the bundled table alone, said on stderr.

One row per check, then an `overall` row (the worst verdict), in every format. Exit 0 whatever the
verdicts, unless --fail-on: then 1 when the overall verdict is that bad or worse.

No `from __future__ import annotations` here: Typer reads these annotations at run time.
"""
import time
from typing import Annotated, Optional

import typer

from jamfctl.cli.options import OutputOpt, app_context, note, renderer
from jamfctl.cli.secrets import IdOpt, SerialArg

UPDATES = "/api/v1/managed-software-updates/available-updates"
ENDPOINTS = ("GET /api/v4/computers-inventory", "GET /api/v4/computers-inventory/{id} (with --id)",
             f"GET {UPDATES}")
PRIVILEGES = ("Read Computers",)
FIELDS = ("computerId", "serialNumber", "name", "check", "verdict", "detail", "value")
FAIL_ON = ("unknown", "warn", "fail")
clock = time.time  # the checks' "now"; tests pin it to the sandbox's reference instant

FieldsOpt = Annotated[Optional[str], typer.Option(
    "--fields", metavar="FIELDS", help=f"Comma-separated fields to show: {', '.join(FIELDS)}.")]
FailOnOpt = Annotated[Optional[str], typer.Option(
    "--fail-on", metavar="unknown|warn|fail",
    help="Exit 1 when the overall verdict is this or worse (ok < unknown < warn < fail). Default: exit 0.")]

HELP = """Check one Mac's security health: a verdict per check and overall.

Checks: check-in age, last inventory update, macOS version (against the newest release the server's
available updates and the bundled release table know), FileVault, SIP, Gatekeeper, firewall, free space on
the boot drive, MDM profile expiry. Each is ok, warn, fail or unknown (a fact Jamf did not collect is never
ok); overall is the worst, with unknown between ok and warn.

Thresholds come from the \\[health] table of the config file (jamfctl's config.toml), e.g.
checkin_warn_days = 7; see README.md for every key. Two requests (inventory, available updates);
needs 'Read Computers'. Exit status 0 whatever the verdicts unless --fail-on is given: then 1 when the
overall verdict is that bad or worse.

Examples:\n
  jamfctl computer health C02XK1JMJG5H\n
  jamfctl computer health --id 12 -o json | jq -r '.[] | select(.verdict != "ok") | .check'\n
  jamfctl computer health C02XK1JMJG5H --fail-on warn --fields check,verdict -o csv
"""


def register(app: typer.Typer, specs) -> None:
    app.command("health", help=HELP)(health)


def health(
    ctx: typer.Context,
    serial: SerialArg = None,
    id_: IdOpt = None,
    fail_on: FailOnOpt = None,
    output: OutputOpt = None,
    fields: FieldsOpt = None,
) -> None:
    from jamfctl import output as out
    from jamfctl import validate
    from jamfctl.insight import checks
    from jamfctl.resources import secrets
    from jamfctl.specs import Column

    app_ctx = app_context(ctx)
    where = secrets.target(serial, id_)
    limit = _fail_on(fail_on)
    selected = out.check_fields(validate.field_paths(fields), FIELDS) if fields is not None else None
    columns = None if selected else [Column("Check", "check"), Column("Verdict", "verdict"),
                                     Column("Detail", "detail")]
    render = renderer(app_ctx, output, selected, columns=columns, csv_columns=selected or list(FIELDS))
    thresholds = checks.load_thresholds()
    client = app_ctx.client()
    record = secrets.computer(client, where, list(checks.SECTIONS))
    releases, served = _releases(client, checks)
    results = checks.evaluate(record, thresholds, releases, now=clock())
    verdict = checks.overall(results)
    who = secrets.identity(record, where)
    render.many(_rows(who, results, verdict))
    table = f"the bundled release table of {releases.as_of.isoformat()}"
    if not served:
        note(app_ctx, f"the server gave no available macOS updates; newest macOS {releases.newest()} from {table}")
    elif render.fmt == "table":
        device = out.cell_text(secrets.device(who, where))  # a hostile name must not drive the terminal
        note(app_ctx, f"{device}: overall {verdict}; newest macOS {releases.newest()} "
                      f"(from the server's available updates and {table})")
    if limit is not None and checks.VERDICTS.index(verdict) >= checks.VERDICTS.index(limit):
        note(app_ctx, f"overall verdict {verdict} (--fail-on {limit})")
        raise typer.Exit(1)


def _fail_on(value: Optional[str]) -> Optional[str]:
    from jamfctl.errors import ValidationError

    if value is None:
        return None
    chosen = value.strip().lower()
    if chosen not in FAIL_ON:
        raise ValidationError(f"--fail-on must be one of {', '.join(FAIL_ON)}")
    return chosen


def _releases(client, checks):
    """The bundled table, plus the server's available macOS updates when it answers; (releases, served)."""
    from jamfctl.errors import ForbiddenError, NotFoundError, RejectedError, ServerError

    bundled = checks.load_releases()
    try:
        body = client.get_json(UPDATES)
    except (ForbiddenError, NotFoundError, RejectedError, ServerError):
        return bundled, False
    updates = body.get("availableUpdates") if isinstance(body, dict) else None
    versions = updates.get("macOS") if isinstance(updates, dict) else None
    if not isinstance(versions, list):
        return bundled, False
    return bundled.with_seen(v for v in versions if isinstance(v, str)), True


def _rows(who: dict, results, verdict: str):
    ident = {"computerId": who.get("computerId"), "serialNumber": who.get("serialNumber"), "name": who.get("name")}
    for check in results:
        yield {**ident, "check": check.name, "verdict": check.verdict, "detail": check.detail, "value": check.value}
    counts = {v: sum(1 for c in results if c.verdict == v) for v in ("fail", "warn", "unknown", "ok")}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    yield {**ident, "check": "overall", "verdict": verdict, "detail": summary or "no checks", "value": None}
