"""The read-only commands beyond a noun's list and show, as tools: `computer_health` and `report_security`,
through their library functions (jamfctl.insight.checks and .report, jamfctl.resources.secrets' lookup), with
the same validation as `jamfctl computer health` and `jamfctl report security`, and rendered as their `-o json`.
"""
from __future__ import annotations

import time
from typing import Any, TextIO

from jamfctl import output, validate
from jamfctl.errors import ConfigError, UsageError, ValidationError

UPDATES = "GET /api/v1/managed-software-updates/available-updates"
ENDPOINTS = {"health": ("GET /api/v4/computers-inventory", "GET /api/v4/computers-inventory/{id}", UPDATES),
             "security": ("GET /api/v4/computers-inventory", UPDATES, "GET /api/v1/computer-groups",
                          "GET /JSSResource/computergroups/id/{id}")}
PRIVILEGES = {"health": ("Read Computers",),
              "security": ("Read Computers", "Read Smart Computer Groups", "Read Static Computer Groups")}
HEALTH_FIELDS = ("check", "verdict", "detail", "value")
clock = time.time  # the checks' "now"; tests pin it to the sandbox's reference instant


def tools(make_tool, limit_property: dict) -> list:
    """The two tools, made by jamfctl.mcp.tools' Tool (passed in: this module is imported by it)."""
    from jamfctl.specs import BY_NAME

    computer = (BY_NAME["computer"],)
    health = {"type": "object", "additionalProperties": False, "properties": {
        "serial": {"type": "string", "maxLength": 255, "description": "Serial number, e.g. C02XK1JMJG5H."},
        "id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "description": "Jamf computer id."},
    }}
    security = {"type": "object", "additionalProperties": False, "properties": {
        "group": {"type": "string", "maxLength": 255,
                  "description": "Only this computer group's members (its exact name)."},
        "filter": {"type": "string", "maxLength": 1000,
                   "description": "Only computers matching this RSQL filter (as computer_list's filter)."},
        "flagged_limit": {**limit_property, "description": "At most this many flagged computers, worst first "
                                                           f"(default {limit_property['default']})."},
    }}
    return [
        make_tool("computer_health", "health", computer,
                  "One Mac's security health from Jamf Pro (read-only), found by exactly one of serial or id: a "
                  "verdict (ok, warn, fail, unknown) per check (check-in, inventory, macOS version, FileVault, SIP, "
                  "Gatekeeper, firewall, free disk, MDM profile) and an overall row, as a JSON array.", health),
        make_tool("report_security", "security", computer,
                  "The fleet's security posture from Jamf Pro (read-only; reads every computer in scope): summary "
                  "counts, per-check verdict counts, the macOS spread and the flagged computers (worst first) with "
                  "why, as one JSON object.", security, "report security"),
    ]


def run(client, tool, args: dict[str, Any], out: TextIO) -> list[str]:
    return _health(client, args, out) if tool.verb == "health" else _security(client, args, out)


def _thresholds():
    from jamfctl.insight import checks

    try:
        return checks.load_thresholds()
    except ValueError as exc:
        raise ConfigError(f"the config file's {exc}") from None


def _health(client, args: dict[str, Any], out: TextIO) -> list[str]:
    from jamfctl.insight import checks
    from jamfctl.insight import report as fleet
    from jamfctl.resources import secrets

    if ("serial" in args) == ("id" in args):
        raise UsageError("computer_health: give exactly one of serial or id")
    where = secrets.target(args.get("serial"), args.get("id"))
    thresholds = _thresholds()
    record = secrets.computer(client, where, list(checks.SECTIONS))
    releases, _ = fleet.newest_known(client, checks.load_releases())
    results = checks.evaluate(record, thresholds, releases, now=clock())
    who = secrets.identity(record, where)
    rows = [{**who, "check": c.name, "verdict": c.verdict, "detail": c.detail, "value": c.value} for c in results]
    counts = {v: sum(1 for c in results if c.verdict == v) for v in ("fail", "warn", "unknown", "ok")}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "no checks"
    rows.append({**who, "check": "overall", "verdict": checks.overall(results), "detail": summary, "value": None})
    output.Renderer(out, "json").many(rows)
    return [out.getvalue()]


def _security(client, args: dict[str, Any], out: TextIO) -> list[str]:
    from jamfctl.insight import report as fleet
    from jamfctl.mcp.tools import DEFAULT_LIMIT, MAX_LIMIT
    from jamfctl.resources import collection
    from jamfctl.specs import BY_NAME

    wanted = args.get("flagged_limit", DEFAULT_LIMIT)
    if not 1 <= wanted <= MAX_LIMIT:
        raise ValidationError(f"invalid flagged_limit {wanted}: expected 1 to {MAX_LIMIT}")
    group = validate.name(args["group"], "group") if "group" in args else None
    rsql = validate.rsql_filter(args["filter"], collection.filter_fields(BY_NAME["computer"])) \
        if "filter" in args else None
    result = fleet.security_report(client, thresholds=_thresholds(), now=int(clock()), rsql=rsql, group=group)
    rows = list(result.rows())
    document = {"summary": result.summary, "checks": result.checks, "os": result.os, "flagged": rows[:wanted]}
    output.Renderer(out, "json").one(document)
    texts = [out.getvalue()]
    if len(rows) > wanted:
        texts.append(f"the {wanted} worst of {len(rows)} flagged computers are shown; flagged_limit (at most "
                     f"{MAX_LIMIT}), group or filter for others")
    return texts
