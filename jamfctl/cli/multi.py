"""`jamfctl multi (--profiles a,b | --all-profiles) COMMAND...`: one command across instances, side by side.

Each instance runs COMMAND in-process, with its own profile, client and captured streams, at most
PARALLEL at a time (each keeps within its own server's connection limit). Their JSON is merged into one
output in the chosen format, every record carrying a `profile` field; each instance's status goes to
stderr; exit 8 when some failed. A writing command needs `--yes N`, N being the number of instances, so a
write is never sent to more servers than the person counted; read-only profiles refuse it before any
request. Commands that write local files (backup, pulls) or do not print data are refused.

No `from __future__ import annotations` here: Typer reads these annotations at run time.
"""
import io
import json
from typing import Annotated, Optional

import typer

from jamfctl.cli.options import app_context, note, renderer

PARALLEL = 16  # instances at once (10 profiles in one wave); each keeps its own client within 5 connections
# local files, the keychain or the terminal: nothing to merge, or the same file written once per instance
LOCAL = {"backup", "diff", "multi", "login", "logout", "auth", "sandbox", "completion", "script pull",
         "script push", "config-profile pull"}
CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "allow_interspersed_args": False}


def register(app: typer.Typer) -> None:
    app.command("multi", context_settings=CONTEXT)(multi)


def multi(
    ctx: typer.Context,
    command: Annotated[Optional[list[str]], typer.Argument(metavar="COMMAND...", help="A jamfctl command and its options, e.g. computer list --all.", show_default=False)] = None,
    profiles: Annotated[Optional[str], typer.Option("--profiles", metavar="A,B", help="Comma-separated profile names.")] = None,
    all_profiles: Annotated[bool, typer.Option("--all-profiles", metavar="", help="Every profile in the config.")] = False,
    yes: Annotated[Optional[str], typer.Option("--yes", "-y", metavar="N", help="For a writing COMMAND: the number of instances it goes to, confirming it.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", metavar="", help="For a writing COMMAND: print each instance's requests; send none.")] = False,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FORMAT", help="table, json, ndjson, csv or yaml (also accepted inside COMMAND).")] = None,
) -> None:
    """Run one read command across instances side by side: the output merged, each record with a
    `profile` field, in every format; a status line per instance on stderr; exit 8 when some failed.
    A writing COMMAND needs --yes N naming the number of instances (or --dry-run).

    Examples:

      jamfctl multi --profiles prod,staging computer list --name 'ENG-*' -o csv

      jamfctl multi --all-profiles server info -o json

      jamfctl multi --profiles prod,staging --yes 2 policy disable 'Install Firefox'
    """
    from jamfctl import output as out

    app_ctx = app_context(ctx)
    names = _profiles(profiles, all_profiles)
    words, output = _take_output(list(command or []), output)
    path = _command(ctx, words)
    writes = _write_allowed(path, words, names, yes, dry_run)
    out.resolve_format(output, app_ctx.stdout_is_tty)  # a bad format is refused before any request
    args = [*words, *(["--yes"] if writes and not dry_run else []), *(["--dry-run"] if dry_run else [])]
    results = _run_all(app_ctx, names, args, json_out=not dry_run)
    rows = []
    for name, result in zip(names, results):
        rows += result.records
        _status(app_ctx, name, result)
    if dry_run:
        app_ctx.stdout.write("".join(f"{name}: {line}\n" for name, r in zip(names, results) for line in r.lines))
    else:
        _render(app_ctx, output, path, words, rows)
    failed = [r for r in results if r.code != 0]
    if failed:
        codes = {r.code for r in failed}
        raise typer.Exit(codes.pop() if len(failed) == len(results) and len(codes) == 1 else 8)


def _profiles(profiles: Optional[str], all_profiles: bool) -> list[str]:
    from jamfctl import auth, config, validate
    from jamfctl.context import SANDBOX_PROFILE
    from jamfctl.errors import UsageError

    if (profiles is None) == (not all_profiles):
        raise UsageError("give either --profiles A,B or --all-profiles")
    known = config.load().profiles
    names = sorted(known) if all_profiles else [validate.profile_name(p.strip()) for p in profiles.split(",")]
    names = list(dict.fromkeys(names))
    if not names:
        raise UsageError("no profiles in the config: run `jamfctl login -p NAME` first")
    unknown = [n for n in names if n not in known and n != SANDBOX_PROFILE]
    if unknown:
        raise UsageError(f"no profile named {unknown[0]!r} (see `jamfctl auth status`)")
    if auth.from_environment() and any(n != SANDBOX_PROFILE for n in names):
        raise UsageError("JAMF_URL, JAMF_CLIENT_ID and JAMF_CLIENT_SECRET override every profile, so multi "
                         "would ask one server several times; unset them to use profiles")
    return names


def _take_output(words: list[str], output: Optional[str]):
    """-o FORMAT written inside COMMAND belongs to multi: each instance answers JSON."""
    from jamfctl.errors import UsageError

    kept, found = [], None
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-o", "--output") and i + 1 < len(words):
            found, i = words[i + 1], i + 2
            continue
        if word.startswith("--output=") or (word.startswith("-o") and len(word) > 2):
            found = word.split("=", 1)[1] if word.startswith("--output=") else word[2:]
        else:
            kept.append(word)
        i += 1
    if found is not None and output is not None:
        raise UsageError("give -o once (before or inside COMMAND)")
    return kept, output if output is not None else found


def _command(ctx, words: list[str]):
    """The command COMMAND names, as `noun verb`, and its click command (refused if it is not a data command)."""
    from jamfctl.errors import UsageError

    root = ctx.find_root().command
    command, path = root, []
    for word in words:
        if word.startswith("-") or not hasattr(command, "get_command"):
            break
        found = command.get_command(ctx.find_root(), word)
        if found is None:
            break
        command, path = found, [*path, word]
    name = " ".join(path)
    if not path or hasattr(command, "get_command"):
        raise UsageError(f"multi needs a jamfctl command, e.g. `computer list` (got {' '.join(words) or 'nothing'!r})")
    if name in LOCAL or path[0] in LOCAL:
        raise UsageError(f"`{name}` cannot run through multi (it works on local files or the keychain)")
    if not any(p.name == "output" for p in command.params):
        raise UsageError(f"`{name}` prints no data, so multi cannot merge it")
    return name


def _write_allowed(path: str, words: list[str], names: list[str], yes: Optional[str], dry_run: bool) -> bool:
    """Whether COMMAND writes; a write must be confirmed for this many instances. --yes and --dry-run belong
    before COMMAND: inside it, a --yes would reach every instance uncounted."""
    from jamfctl import specs
    from jamfctl.errors import UsageError

    inside = next((w for w in words if w in ("--yes", "-y", "--dry-run") or w.startswith(("--yes=", "--dry-run="))), None)
    if inside is not None:
        raise UsageError(f"put {inside.split('=')[0]} before COMMAND (multi {inside.split('=')[0]} ... {path}); "
                         "nothing was sent")
    if path == "api":  # a write only with another method than GET
        methods = [words[i + 1].upper() for i, w in enumerate(words[:-1]) if w in ("-X", "--method")]
        writes = any(m != "GET" for m in methods)
    else:
        writes = specs.write_for(path) is not None
    if writes:
        _confirmed(path, names, yes, dry_run)
    elif yes is not None or dry_run:
        raise UsageError(f"`{path}` does not write: --yes and --dry-run are for writing commands")
    return writes


def _confirmed(path: str, names: list[str], yes: Optional[str], dry_run: bool) -> None:
    """A write goes to N instances only with --yes N (the person counted them); read-only profiles refuse."""
    from jamfctl import config
    from jamfctl.errors import UsageError

    read_only = [n for n in names if (p := config.load().profiles.get(n)) is not None and p.read_only]
    if read_only:
        raise UsageError(f"`jamfctl {path}` writes, and profile {read_only[0]!r} is read-only; nothing was sent")
    if dry_run:
        return
    if yes is None:
        raise UsageError(f"`{path}` writes to {len(names)} instances: pass --yes {len(names)} to confirm "
                         "(or --dry-run); nothing was sent")
    if yes.strip() != str(len(names)):
        raise UsageError(f"--yes {yes!r} does not match the {len(names)} instances ({', '.join(names)}); "
                         "nothing was sent")


class Result:
    def __init__(self, code: int, records: list, lines: list[str], message: str, notes: list[str]) -> None:
        self.code, self.records, self.lines, self.message, self.notes = code, records, lines, message, notes


def _run_all(app_ctx, names: list[str], args: list[str], json_out: bool) -> list[Result]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(names))) as pool:
        return list(pool.map(lambda name: _run_one(app_ctx, name, args, json_out), names))


def _run_one(app_ctx, name: str, args: list[str], json_out: bool) -> Result:
    import dataclasses

    from jamfctl.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    child = dataclasses.replace(app_ctx, profile=name, stdout=out, stderr=err, stdin=io.StringIO(""),
                                _client=None, _credentials=None, output_format=None)
    options = ["-p", name, "--timeout", f"{app_ctx.timeout:g}", *(["--debug"] if app_ctx.debug else []),
               *([] if app_ctx.color else ["--no-color"]), *(["--ca-bundle", app_ctx.ca_bundle] if app_ctx.ca_bundle else [])]
    code = run([*options, *args, *(["-o", "json"] if json_out else [])], child)
    message, notes = "", []
    for line in err.getvalue().splitlines():
        try:
            parsed = json.loads(line) if line.startswith("{") else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "error" in parsed:
            message = message or str(parsed.get("message", ""))
        elif line.startswith("Error"):
            message = message or line.split(":", 1)[-1].strip()
        elif line.strip():
            notes.append(line)
    records: list = []
    if json_out and out.getvalue().strip():
        try:
            data = json.loads(out.getvalue())
        except ValueError:
            data, code = [], code or 1
            message = message or "its output was not JSON"
        items = data if isinstance(data, list) else [data]
        records = [{"profile": name, **item} if isinstance(item, dict) else {"profile": name, "value": item}
                   for item in items]
    return Result(code, records, out.getvalue().splitlines() if not json_out else [], message, notes)


def _status(app_ctx, name: str, result: Result) -> None:
    for line in result.notes:
        app_ctx.stderr.write(f"[{name}] {line}\n")
    if result.code == 0:
        note(app_ctx, f"{name}: ok ({len(result.records)} record(s))")
    else:
        note(app_ctx, f"{name}: failed (exit {result.code}): {result.message or 'see above'}")


def _render(app_ctx, output, path: str, words: list[str], rows: list[dict]) -> None:
    """The merged records: a table's columns are the profile, then the command's own (or --fields)."""
    from jamfctl import output as out
    from jamfctl.specs import Column, nouns

    fields = next((words[i + 1].split(",") for i, w in enumerate(words[:-1]) if w == "--fields"), None)
    noun = nouns().get(path.split()[0])
    if fields:
        columns = [Column(f, f) for f in fields]
    elif noun and path.endswith(" list"):
        columns = list(noun[1 if "--mobile" in words and len(noun) > 1 else 0].columns)
    else:
        keys = dict.fromkeys(k for row in rows for k, v in row.items() if not isinstance(v, (dict, list)))
        columns = [Column(k, k) for k in keys if k != "profile"][:8]
    csv_columns = list(dict.fromkeys(k for row in rows for k in ["profile", *out.flatten(row)]))
    render = renderer(app_ctx, output, None, columns=[Column("Profile", "profile", no_wrap=True), *columns],
                      csv_columns=csv_columns)
    render.many(rows)
