"""`jamfctl commands`: every command, whether it writes, the privileges it needs and the endpoints it calls.

Read from the declarations the commands themselves run on, so the catalogue cannot drift from them: writes
from jamfctl.specs.WRITES, a noun's reads from its ResourceSpec and generated catalogue, the secrets from
jamfctl.resources.secrets.KINDS, and the few others from DECLARED below. The command tree itself is walked,
so a command that none of these declares still appears (as undeclared; tests/test_commands.py fails for it).
`jamfctl doctor` and `server info` group the rows by `family` to say which command families a role allows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Iterator, Optional

import typer

from jamfctl.cli.options import OutputOpt, app_context, renderer

FIELDS = ("command", "writes", "reveals", "family", "privileges", "endpoints", "source", "summary")
COLUMNS = (("Command", "command"), ("Writes", "writes"), ("Privileges", "privileges"), ("Endpoints", "endpoints"))
READ_VERBS = ("list", "show", "members")
FieldsOpt = Annotated[Optional[str], typer.Option(
    "--fields", metavar="FIELDS", help=f"Comma-separated fields to show: {', '.join(FIELDS)}.")]
WritesOpt = Annotated[bool, typer.Option("--writes", metavar="", help="Only the commands that write.")]


@dataclass(frozen=True)
class Declared:
    """A command that is neither a noun's read nor a declared write: what it calls and needs."""

    endpoints: tuple[str, ...] = ()
    privileges: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # spec names whose `show` reads it also makes (pull, diff, backup)
    where: str = "local"  # "local": no server at all; "server": talks to Jamf Pro


TOKEN = "POST /api/oauth/token"
VERSION = "GET /api/v1/jamf-pro-version"


def _declared() -> dict[str, Declared]:
    from jamfctl.cli import diagnostics, health, report
    from jamfctl.mcp import tools as mcp_tools  # the tools' declarations: no MCP SDK

    backup_kinds = _backup_kinds()
    return {
        "login": Declared((TOKEN, VERSION), where="server"),
        "logout": Declared(),
        "auth status": Declared((f"{TOKEN} (with --check)", f"{VERSION} (with --check)"), where="server"),
        "auth token": Declared((TOKEN,), where="server"),
        "sandbox serve": Declared(),
        "completion": Declared(),
        "commands": Declared(),
        "server info": Declared(diagnostics.SERVER_INFO_ENDPOINTS, where="server"),
        "doctor": Declared(diagnostics.DOCTOR_ENDPOINTS, where="server"),
        "computer health": Declared(health.ENDPOINTS, health.PRIVILEGES, where="server"),
        "report security": Declared(report.ENDPOINTS, report.PRIVILEGES, where="server"),
        "mcp serve": Declared(tuple(mcp_tools.endpoints()), tuple(mcp_tools.privileges()), where="server"),
        "script pull": Declared(reads=("script",), where="server"),
        "script diff": Declared(reads=("script",), where="server"),
        "config-profile pull": Declared(reads=("config-profile",), where="server"),
        "backup": Declared(reads=backup_kinds, where="server"),
        "diff": Declared(reads=backup_kinds, where="server"),  # a live side (a profile) is read as backup reads it
    }


def _backup_kinds() -> tuple[str, ...]:
    try:
        from jamfctl.resources import backup
    except ImportError:  # a checkout without backups
        return ()
    return tuple(kind.name for kind in backup.KINDS)


# --- walking the command tree ---------------------------------------------------------------------------------
def leaves(ctx) -> Iterator[tuple[str, object]]:
    """(command line, click command) of every runnable command below the root, in help order."""
    root = ctx.find_root()

    def walk(command, path: tuple[str, ...]):
        if hasattr(command, "list_commands"):
            for name in command.list_commands(root):
                sub = command.get_command(root, name)
                if sub is not None and not getattr(sub, "hidden", False):
                    yield from walk(sub, (*path, name))
        elif path:
            yield " ".join(path), command

    yield from walk(root.command, ())


def options_of(command) -> set[str]:
    return {opt for param in getattr(command, "params", ()) for opt in getattr(param, "opts", ())}


def entries(ctx) -> list[dict]:
    """One row per command: the catalogue `jamfctl commands` prints and doctor groups into families."""
    from jamfctl import specs

    declared = _declared()
    nouns = specs.nouns()
    rows = []
    for line, command in leaves(ctx):
        row = _row(line, declared, nouns, specs)
        row["summary"] = (command.get_short_help_str(limit=120) if hasattr(command, "get_short_help_str") else "")
        rows.append(row)
    return rows


def _row(line: str, declared: dict[str, Declared], nouns: dict, specs) -> dict:
    noun, _, verb = line.partition(" ")
    write = specs.write_for(line)
    if write is not None:
        family = f"{noun} (writes)" if noun in nouns else None  # `api`, `multi`: the privileges of what they run
        return _entry(line, True, False, family, write.privileges, write.endpoints, "specs.WRITES")
    if noun in nouns and verb in READ_VERBS:
        privileges, endpoints = _reads(nouns[noun], verb)
        return _entry(line, False, False, noun, privileges, endpoints, "specs.RESOURCES")
    secret = _secret(noun, verb)
    if secret is not None:
        return secret
    if line in declared:
        entry = declared[line]
        privileges, endpoints = list(entry.privileges), list(entry.endpoints)
        for name in entry.reads:
            more_privileges, more_endpoints = _reads((specs.BY_NAME[name],), "show")
            privileges += [p for p in more_privileges if p not in privileges]
            endpoints += [e for e in more_endpoints if e not in endpoints]
        family = (noun if noun in nouns else "configuration") if entry.reads else None
        source = "declared" if entry.where == "server" else "local"
        return _entry(line, False, False, family, privileges, endpoints, source)
    return _entry(line, None, False, None, None, [], "undeclared")


def _entry(command, writes, reveals, family, privileges, endpoints, source) -> dict:
    return {"command": command, "writes": writes, "reveals": reveals, "family": family,
            "privileges": None if privileges is None else list(privileges), "endpoints": list(endpoints),
            "source": source}


def _reads(noun_specs: tuple, verb: str) -> tuple[list[str], list[str]]:
    """Privileges and endpoints of a noun's list/show/members, over each of its kinds (group: computer, mobile)."""
    from jamfctl.resources import collection

    privileges: list[str] = []
    endpoints: list[str] = []

    def add(into: list[str], items) -> None:
        into.extend(i for i in items if i and i not in into)

    for spec in noun_specs:
        key = "list_privileges" if verb == "list" else "show_privileges"
        names = list(spec.classic_privileges) if spec.api == "classic" else collection.catalogue(spec.name)[key]
        add(privileges, names)
        add(endpoints, [f"GET {spec.list_path}"])
        if verb == "show":
            add(endpoints, [f"GET {p}" for p in (spec.item_path, *spec.detail_paths) if p])
        if verb == "members":
            members = spec.members_path or "/JSSResource/computergroups/id/{id}"  # jamfctl.resources.groups
            add(endpoints, [f"GET {members}"])
            if spec.variant == "mobile":
                add(privileges, ["Read Mobile Devices"])
    return privileges, endpoints


def _secret(noun: str, verb: str) -> dict | None:
    """`computer filevault|laps|lock-pin|recovery-lock`: a read, and with --reveal the one secret."""
    try:
        from jamfctl.resources import secrets
    except ImportError:
        return None
    kind = secrets.KINDS.get(verb) if noun == "computer" else None
    if kind is None:
        return None
    lookup = secrets.COMPUTER.list_path
    path = kind.path or secrets.LAPS + "/accounts"
    endpoints = [f"GET {lookup}", f"GET {path}" + (" (with --reveal)" if kind.path else "")]
    if kind.path is None:
        endpoints.append(f"GET {secrets.LAPS}/account/{{username}}/password (with --reveal)")
    return _entry(f"{noun} {verb}", False, True, f"{noun} (reveal)", ["Read Computers", kind.privilege],
                  endpoints, "resources.secrets")


def families(rows: list[dict]) -> dict[str, dict]:
    """family -> {"commands": [...], "privileges": [...], "writes": bool, "reveals": bool}, in catalogue order."""
    out: dict[str, dict] = {}
    for row in rows:
        if not row["family"] or not row["privileges"]:
            continue
        family = out.setdefault(row["family"], {"commands": [], "privileges": [], "writes": False, "reveals": False})
        family["commands"].append(row["command"])
        family["privileges"] += [p for p in row["privileges"] if p not in family["privileges"]]
        family["writes"] |= bool(row["writes"])
        family["reveals"] |= bool(row["reveals"])
    return out


def commands(
    ctx: typer.Context,
    output: OutputOpt = None,
    fields: FieldsOpt = None,
    writes: WritesOpt = False,
) -> None:
    """Every command: whether it writes, the privileges its API role needs, the endpoints it calls.

    Read from the same declarations the commands run on, so it cannot drift from them.

    Examples:\n
      jamfctl commands\n
      jamfctl commands --writes\n
      jamfctl commands -o json | jq -r '.[] | select(.writes) | .command'
    """
    from jamfctl import output as out
    from jamfctl import validate
    from jamfctl.specs import Column

    app_ctx = app_context(ctx)
    selected = out.check_fields(validate.field_paths(fields), FIELDS) if fields is not None else None
    columns = [Column(header, key) for header, key in COLUMNS] if selected is None else None
    render = renderer(app_ctx, output, selected, columns=columns, csv_columns=selected or list(FIELDS))
    rows = [row for row in entries(ctx) if row["writes"] or not writes]
    if render.fmt == "table":
        rows = [{**row, "privileges": ", ".join(row["privileges"] or ()) or "-",
                 "endpoints": ", ".join(row["endpoints"]) or "-"} for row in rows]
    render.many(rows)
