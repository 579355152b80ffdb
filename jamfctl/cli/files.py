"""Config as files: `script pull|diff|push`, `config-profile pull`, `policy enable|disable`.

Edit in git, review the diff, push: `script pull` writes each script's body byte for byte and a metadata
file recording what was pulled; `script diff` shows what a push would change (exit 1 when anything would);
`script push` shows that diff, asks (server named; --yes, --dry-run, read-only profiles as for every write)
and refuses a script whose server copy changed since it was pulled. Paths never leave the folder named
(jamfctl.resources.files).

No `from __future__ import annotations` here: Typer reads these closures' annotations at run time.
"""
from typing import Annotated, Optional

import typer

from jamfctl.cli.options import FieldsOpt, OutputOpt, app_context, note, renderer
from jamfctl.cli.writes import DryRunOpt, YesOpt

NameArg = Annotated[Optional[str], typer.Argument(metavar="NAME", help="Exact name.", show_default=False)]
IdOpt = Annotated[Optional[str], typer.Option("--id", metavar="ID", help="Jamf id, instead of NAME.")]
AllOpt = Annotated[bool, typer.Option("--all", "-a", metavar="", help="Every one.")]
DirOpt = Annotated[str, typer.Option("--dir", "-d", metavar="DIR", help="The folder to write into (created if missing).")]
ForceOpt = Annotated[bool, typer.Option("--force", metavar="", help="Overwrite even what changed since it was pulled.")]
PathsArg = Annotated[Optional[list[str]], typer.Argument(metavar="PATH...", help="Script files or folders of them.", show_default=False)]
PULLED = ("id", "name", "file", "status")


def register(app: typer.Typer, specs) -> None:
    noun = specs[0].name
    if noun == "script":
        _add_script_pull(app, specs[0])
        _add_script_diff(app, specs[0])
        _add_script_push(app, specs[0])
    elif noun == "config-profile":
        _add_profile_pull(app, specs[0])
    elif noun == "policy":
        for verb in ("enable", "disable"):
            _add_policy_switch(app, specs[0], verb)


def _examples(lines: list[str]) -> str:
    return "\n\nExamples:\n" + "".join(f"\n  {line}\n" for line in lines)


def _chosen(spec, name, id_, all_):
    """The objects asked for (exactly one of NAME, --id, --all), checked before any request; the returned
    function reads them (full records)."""
    from jamfctl import validate
    from jamfctl.errors import UsageError
    from jamfctl.resources import collection

    if sum([name is not None, id_ is not None, all_]) != 1:
        raise UsageError("give exactly one of NAME, --id ID or --all")
    if all_:
        return lambda client: _every(client, spec)
    if id_ is not None:
        ident = validate.object_id(id_, f"{spec.singular} id")
        return lambda client: [collection.by_id(client, spec, ident)]
    exact = validate.name(name, "NAME")
    return lambda client: [collection.by_name(client, spec, exact)]


def _every(client, spec) -> list[dict]:
    """Every record in full: a paged list has them; a Classic list has ids and names, read one by one
    (at most max_connections at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    from jamfctl.resources import collection

    rows = list(collection.list_records(client, spec))
    if spec.api != "classic":
        return rows
    with ThreadPoolExecutor(max_workers=client.max_connections) as pool:
        return list(pool.map(lambda row: collection.by_id(client, spec, row["id"]), rows))


def _server(app_ctx) -> tuple[str, str]:
    """(the URL pulls record, the name messages use)."""
    from jamfctl.cli.writes import server_name

    return app_ctx.credentials().url, server_name(app_ctx)


def _pull_renderer(app_ctx, output, fields):
    from jamfctl import output as out, validate
    from jamfctl.specs import Column

    selected = out.check_fields(validate.field_paths(fields), PULLED) if fields is not None else None
    columns = [Column(p.capitalize(), p, no_wrap=p == "id") for p in (selected or PULLED)]
    return renderer(app_ctx, output, selected, columns=columns, csv_columns=list(selected or PULLED))


# --- script pull ----------------------------------------------------------------------------------------------
def _add_script_pull(app: typer.Typer, spec) -> None:
    def pull(
        ctx: typer.Context,
        name: NameArg = None,
        id_: IdOpt = None,
        all_: AllOpt = False,
        dir_: DirOpt = ".",
        force: ForceOpt = False,
        output: OutputOpt = None,
        fields: FieldsOpt = None,
    ) -> None:
        from jamfctl.resources import files

        app_ctx = app_context(ctx)
        read = _chosen(spec, name, id_, all_)
        root = files.folder(dir_, "--dir")
        render = _pull_renderer(app_ctx, output, fields)
        url = app_ctx.credentials().url
        records = read(app_ctx.client())
        stems = files.unique_stems((r["id"], r.get("name")) for r in records)
        planned = [_script_files(root, stems[str(r["id"])], r) for r in records]
        if not force:
            for body_path, view, record in planned:
                _refuse_overwriting(body_path, view, str(record["id"]), url)
        files.folder(dir_, "--dir", create=True)
        mode = files.new_file_mode()
        rows = []
        for (body_path, view, record) in planned:
            wrote = files.write_file(body_path, files.body_bytes(view), mode)
            wrote |= files.write_file(files.meta_path(body_path), files.metadata_bytes(view, url, record["id"]), mode)
            rows.append({"id": record["id"], "name": record.get("name"), "file": str(body_path),
                         "status": "written" if wrote else "unchanged"})
        render.many(rows)

    pull.__doc__ = ("Write scripts as files: the body exactly as stored, and NAME.sh.json beside it (name, "
                    "category, priority, OS requirements, info, notes, parameter labels, and what was pulled, "
                    "which `script push` checks). Names become safe file names inside DIR. A file edited since "
                    "it was pulled is not overwritten without --force." +
                    _examples(["jamfctl script pull --all --dir scripts", "jamfctl script pull 'Install Rosetta 2'",
                               "jamfctl script pull --id 3 --dir scripts -o json"]))
    app.command("pull")(pull)


def _script_files(root, stem: str, record: dict):
    from jamfctl.resources import files

    view = files.script_view(record)
    return files.inside(root, stem + files.script_extension(view["body"])), view, record


def _refuse_overwriting(body_path, view: dict, ident: str, url: str) -> None:
    """Refused (--force overrides): a pulled file edited since (and unlike the server's copy), whose edit would
    be lost, and a file that holds another script of this server (a name differing only in case, say)."""
    from jamfctl.resources import files

    if not body_path.exists() or not files.meta_path(body_path).exists():
        return
    local = files.load_local(body_path)
    other = local.pulled_from(url)
    if other is not None and other != ident:
        raise files.Conflict(f"{str(body_path)!r} holds script id {other}, not {ident}; pull with --all (each "
                             "script gets its own file) or --force to overwrite it")
    mine = files.fingerprint(local.view)
    if local.pulled and mine != local.pulled["sha256"] and mine != files.fingerprint(view):
        raise files.Conflict(f"{str(body_path)!r} was edited since it was pulled; push it, move it away, "
                             "or pull with --force to overwrite it")


# --- script diff ----------------------------------------------------------------------------------------------
def _add_script_diff(app: typer.Typer, spec) -> None:
    def diff(
        ctx: typer.Context,
        paths: PathsArg = None,
        dir_: Annotated[Optional[str], typer.Option("--dir", "-d", metavar="DIR", help="A folder of pulled scripts.")] = None,
    ) -> None:
        from jamfctl.resources import files

        app_ctx = app_context(ctx)
        with files.exit_1_means_differences():
            bodies = script_paths([*(paths or []), *([dir_] if dir_ else [])])
            scripts = [files.load_local(body) for body in bodies]
            url, label = _server(app_ctx)
            server = list(_every(app_ctx.client(), spec))
            texts = [files.script_diff(_matching(local, server, url), local, label) for local in scripts]
        changed = [t for t in texts if t]
        write_diff(app_ctx, "".join(changed))
        if changed:
            note(app_ctx, f"{len(changed)} of {len(scripts)} script(s) differ from {label}")
            raise typer.Exit(1)

    diff.__doc__ = ("Show what `script push` would change: a unified diff of each script file (and its "
                    "metadata) against the server's copy. Exit 0: no differences; 1: differences; 2 or more: "
                    "trouble (as diff(1); errors that elsewhere exit 1 exit 2 here)." +
                    _examples(["jamfctl script diff --dir scripts", "jamfctl script diff 'scripts/Install Rosetta 2.sh'"]))
    app.command("diff")(diff)


def script_paths(paths: list[str]):
    """Each PATH a script file (or its metadata file), or a folder of them; each script once."""
    from pathlib import Path

    from jamfctl.errors import UsageError
    from jamfctl.resources import files

    if not paths:
        raise UsageError("give script files or a folder (--dir DIR)")
    bodies = []
    for text in paths:
        path = Path(text)
        if path.is_dir() and not path.is_symlink():
            bodies += files.local_scripts(files.folder(path))
        else:
            bodies.append(files.checked_file(files.body_for(files.checked_file(path))))
    unique = list(dict.fromkeys(body.resolve() for body in bodies))
    if not unique:
        raise UsageError(f"no script files in {', '.join(paths)}")
    return [next(b for b in bodies if b.resolve() == u) for u in unique]


def _matching(local, server: list[dict], url: str) -> dict | None:
    """The server's copy of a local script: the one it was pulled as from this server, else by name."""
    ident = local.pulled_from(url)
    if ident is not None:
        found = next((s for s in server if str(s.get("id")) == ident), None)
        if found is not None:
            return found
    return next((s for s in server if s.get("name") == local.name), None)


def write_diff(app_ctx, text: str) -> None:
    """A diff on stdout: exactly as computed into a pipe; on a terminal, control characters shown as escapes
    (server data must not drive the terminal) and coloured."""
    from jamfctl.resources import files

    if app_ctx.stdout_is_tty:
        text = files.for_terminal(text)
        text = files.coloured(text) if app_ctx.color else text
    app_ctx.stdout.write(text)
    app_ctx.stdout.flush()


# --- script push ----------------------------------------------------------------------------------------------
def _add_script_push(app: typer.Typer, spec) -> None:
    def push(
        ctx: typer.Context,
        paths: PathsArg = None,
        yes: YesOpt = False,
        dry_run: DryRunOpt = False,
        force: ForceOpt = False,
    ) -> None:
        from jamfctl.cli import writes
        from jamfctl.resources import files

        app_ctx = app_context(ctx)
        writes.refuse_if_read_only(app_ctx, "script push")
        scripts = [files.load_local(body) for body in script_paths(paths or [])]
        _refuse_same_name(scripts)
        client = app_ctx.client()
        url, label = _server(app_ctx)
        server = _every(client, spec)
        category_id = _category_finder(client, label)
        changes = []
        for local in scripts:
            target = files.push_target(local, server, url, label, force)
            if files.unchanged(local, target):
                note(app_ctx, f"{local.name!r} is the same on {label}")
                continue
            changes.append((local, target, files.push_body(local, target, category_id)))
        write_diff(app_ctx, "".join(files.script_diff(target, local, label) for local, target, _ in changes))
        if not changes:
            note(app_ctx, "nothing to push")
            return
        new = sum(1 for _, target, _ in changes if target is None)
        writes.confirm(app_ctx, f"Push {len(changes)} script(s) ({new} new, {len(changes) - new} replaced)",
                       yes, dry_run)
        requests = [_push_request(target, body) for _, target, body in changes]
        if dry_run:
            writes.print_dry_run(app_ctx, requests)
            return
        _send_pushes(app_ctx, client, url, label, changes, requests)

    push.__doc__ = ("Create or replace scripts from files, by name: shows the diff, asks (naming the server), "
                    "then sends. Refused, with nothing sent, when a server copy changed since it was pulled, "
                    "or exists but was never pulled (--force overrides). A file without NAME.sh.json beside it "
                    "is a new script named after the file." +
                    _examples(["jamfctl script push 'scripts/Install Rosetta 2.sh'",
                               "jamfctl script push scripts/*.sh --yes", "jamfctl script push new.sh --dry-run"]))
    app.command("push")(push)


def _refuse_same_name(scripts) -> None:
    from jamfctl.errors import UsageError

    seen = {}
    for local in scripts:
        if local.name in seen:
            raise UsageError(f"{str(seen[local.name])!r} and {str(local.body_path)!r} are both script {local.name!r}")
        seen[local.name] = local.body_path


def _category_finder(client, label: str):
    """name -> category id, from one read of the categories (made only when a push changes a category)."""
    from jamfctl.errors import ValidationError
    from jamfctl.resources import collection
    from jamfctl.specs import BY_NAME

    known: dict[str, str] = {}

    def find(name: str) -> str:
        if not known:
            known.update({r["name"]: str(r["id"]) for r in collection.list_records(client, BY_NAME["category"])})
        if name not in known:
            raise ValidationError(f"{label} has no category named {name!r}; create it or change 'category'; "
                                  "nothing was sent")
        return known[name]

    return find


def _push_request(target, body):
    from jamfctl.writes import Request

    if target is None:
        return Request("POST", "/api/v1/scripts", json=body, privilege="Create Scripts")
    return Request("PUT", f"/api/v1/scripts/{server_id(target)}", json=body, privilege="Update Scripts")


def server_id(record) -> int:
    """An id the server sent, before it goes into a path: a positive whole number, nothing else."""
    from jamfctl.errors import ServerError

    import re

    ident = record.get("id") if isinstance(record, dict) else None
    if type(ident) not in (int, str) or not re.fullmatch(r"[0-9]{1,10}", str(ident)) or not 0 < int(ident) < 2**31:
        raise ServerError(f"the server sent an id jamfctl cannot use ({str(ident)[:20]!r})")
    return int(ident)


def _send_pushes(app_ctx, client, url: str, label: str, changes, requests) -> None:
    """Send each; a pushed script's metadata then records the server's new copy. Some failing: exit 8."""
    from jamfctl import redact
    from jamfctl.errors import JamfctlError
    from jamfctl.resources import files

    failed: list[JamfctlError] = []
    for (local, target, _), request in zip(changes, requests):
        try:
            answer = client.send(request)
            ident = server_id(answer if target is None else target)
            if not isinstance(answer, dict) or "scriptContents" not in answer:  # a POST answers {id, href}
                answer = client.get_json(f"/api/v1/scripts/{ident}", privilege="Read Scripts")
            files.write_file(local.meta_path, files.metadata_bytes(files.script_view(answer), url, ident),
                             files.new_file_mode())
            note(app_ctx, f"{'created' if target is None else 'replaced'} {local.name!r} (id {ident}) on {label}")
        except JamfctlError as exc:
            failed.append(exc)
            app_ctx.stderr.write(f"Error: {local.name!r}: {redact.scrub(exc.message)}\n")
    if failed and len(failed) == len(changes):
        raise failed[0]
    if failed:
        raise files.PartialFailure(f"{len(failed)} of {len(changes)} script(s) were not pushed")


# --- config-profile pull --------------------------------------------------------------------------------------
def _add_profile_pull(app: typer.Typer, spec) -> None:
    def pull(
        ctx: typer.Context,
        name: NameArg = None,
        id_: IdOpt = None,
        all_: AllOpt = False,
        dir_: DirOpt = ".",
        output: OutputOpt = None,
        fields: FieldsOpt = None,
    ) -> None:
        from jamfctl.resources import files

        app_ctx = app_context(ctx)
        read = _chosen(spec, name, id_, all_)
        root = files.folder(dir_, "--dir")
        render = _pull_renderer(app_ctx, output, fields)
        records = read(app_ctx.client())
        stems = files.unique_stems((r["id"], r.get("name")) for r in records)
        documents = [(r, *files.profile_files(r)) for r in records]
        files.folder(dir_, "--dir", create=True)
        mode = files.new_file_mode()
        rows, redacted = [], 0
        for record, plist, scope, hidden in documents:
            path = files.inside(root, stems[str(record["id"])] + ".mobileconfig")
            wrote = files.write_file(path, plist, mode)
            wrote |= files.write_file(files.inside(root, path.stem + ".scope.json"), scope, mode)
            redacted += hidden
            rows.append({"id": record["id"], "name": record.get("name"), "file": str(path),
                         "status": "written" if wrote else "unchanged"})
        render.many(rows)
        if redacted:
            note(app_ctx, f"{redacted} profile(s) hold secret values (such as a Wi-Fi password): written as <redacted>")

    pull.__doc__ = ("Write macOS configuration profiles as files: NAME.mobileconfig (the payload as a "
                    "readable plist; secret values such as passwords written as <redacted>) and "
                    "NAME.scope.json beside it." +
                    _examples(["jamfctl config-profile pull --all --dir profiles",
                               "jamfctl config-profile pull 'Wi-Fi - Corp'"]))
    app.command("pull")(pull)


# --- policy enable / disable ----------------------------------------------------------------------------------
def _add_policy_switch(app: typer.Typer, spec, verb: str) -> None:
    def switch(
        ctx: typer.Context,
        name: NameArg = None,
        id_: IdOpt = None,
        yes: YesOpt = False,
        dry_run: DryRunOpt = False,
        output: OutputOpt = None,
    ) -> None:
        from jamfctl.cli import writes
        from jamfctl.errors import UsageError
        from jamfctl.resources import collection
        from jamfctl.writes import Request

        app_ctx = app_context(ctx)
        writes.refuse_if_read_only(app_ctx, f"policy {verb}")
        if name is None and id_ is None:
            raise UsageError("give NAME or --id ID")
        read = _chosen(spec, name, id_, False)
        render = renderer(app_ctx, output, None)
        client = app_ctx.client()
        policy = read(client)[0]
        wanted = verb == "enable"
        was = collection.get_path(policy, "general.enabled")
        row = {"id": policy["id"], "name": policy.get("name"), "enabled": wanted, "was": was}
        if was is wanted:
            note(app_ctx, f"policy {policy.get('name')!r} (id {policy['id']}) is already {verb}d; nothing was sent")
            render.one(row)
            return
        writes.confirm(app_ctx, f"{verb.capitalize()} policy {policy.get('name')!r} (id {policy['id']})", yes, dry_run)
        body = f"<policy><general><enabled>{'true' if wanted else 'false'}</enabled></general></policy>"
        request = Request("PUT", f"/JSSResource/policies/id/{server_id(policy)}", content=body.encode(),
                          content_type="application/xml", privilege="Update Policies")
        if dry_run:
            writes.print_dry_run(app_ctx, [request])
            return
        client.send(request)
        render.one(row)

    switch.__doc__ = (f"{verb.capitalize()} a policy (Classic XML PUT of its <enabled> element only): asks "
                      "first, naming the server; --yes without a terminal; --dry-run prints the request." +
                      _examples([f"jamfctl policy {verb} 'Install Firefox'", f"jamfctl policy {verb} --id 4 --yes",
                                 f"jamfctl policy {verb} --id 4 --dry-run"]))
    app.command(verb)(switch)
