"""`jamfctl backup DIR [--only KINDS]` and `jamfctl diff (DIR|PROFILE) (DIR|PROFILE)`.

A backup is every configuration object as one YAML file (jamfctl.resources.backup): a cron job can run
it into a git repository, and running it again on an unchanged server changes no file. `diff` compares two
backups, a backup and a live instance, or two instances, object by object; like diff(1) and `kubectl diff`
it exits 1 when they differ, so its other failures that would exit 1 exit 2 instead.

No `from __future__ import annotations` here: Typer reads these annotations at run time.
"""
import contextlib
from typing import Annotated, Optional

import typer

from jamfctl.cli.options import FieldsOpt, app_context, note, renderer

OnlyOpt = Annotated[Optional[str], typer.Option("--only", metavar="KINDS", help="Comma-separated kinds, e.g. script,policy (default: all).")]
SUMMARY = ("kind", "folder", "objects", "written", "unchanged", "removed")
CHANGES = ("kind", "object", "status", "path", "diff")


def backup(
    ctx: typer.Context,
    dir_: Annotated[str, typer.Argument(metavar="DIR", help="The folder to write (created if missing).", show_default=False)],
    only: OnlyOpt = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FORMAT", help="table, json, ndjson, csv or yaml (the summary).")] = None,
) -> None:
    """Write every configuration object as one file: scripts, configuration profiles, policies, computer
    and mobile device groups (with criteria), categories, buildings, departments, sites, extension
    attributes and packages' metadata. Keys sorted, fields that change on every read left out, secrets
    written as <redacted>: re-running on an unchanged server changes no file, and files of objects that
    are gone are removed.

    Examples:

      jamfctl backup ~/jamf-config

      jamfctl backup ~/jamf-config --only script,policy && git -C ~/jamf-config add -A
    """
    from pathlib import Path

    from jamfctl.resources import backup as store
    from jamfctl.specs import Column

    app_ctx = app_context(ctx)
    chosen = store.kinds(only)
    root = Path(dir_)
    ours = store.check_target(root, chosen)
    render = renderer(app_ctx, output, None, columns=[Column(c.capitalize(), c) for c in SUMMARY],
                      csv_columns=list(SUMMARY))
    client = app_ctx.client()
    with _progress(app_ctx, "Backing up") as on_progress:
        collected = store.collect(client, chosen, on_progress)
    stats = store.write(root, collected, chosen, ours)
    rows = [{"kind": k.name, "folder": k.folder, "objects": collected.counts.get(k.name), **stats[k.name]}
            for k in chosen if k.name not in collected.failures]
    render.many(rows)
    _report_failures(app_ctx, collected, len(chosen))


def _report_failures(app_ctx, collected, chosen: int) -> None:
    from jamfctl import redact
    from jamfctl.resources import files

    for name, error in collected.failures.items():
        app_ctx.stderr.write(f"Error: {name}: {redact.scrub(error.message)}\n")
    if collected.failures and len(collected.failures) == chosen:
        raise next(iter(collected.failures.values()))
    if collected.failures:
        raise files.PartialFailure(f"{len(collected.failures)} of {chosen} kinds could not be read; "
                                   "the others were written")


def _progress(app_ctx, label: str):
    if not app_ctx.stderr_is_tty:
        return contextlib.nullcontext(None)
    from jamfctl.cli.progress import PagingProgress

    return PagingProgress(app_ctx.stderr, label=label, sandbox=app_ctx.is_sandbox, color=app_ctx.color)


def diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(metavar="A", help="A backup folder, or a profile name (a live instance).", show_default=False)],
    b: Annotated[str, typer.Argument(metavar="B", help="The same, compared with A.", show_default=False)],
    only: OnlyOpt = None,
    ignore_ids: Annotated[bool, typer.Option("--ignore-ids", metavar="", help="Leave ids and id references out (two instances number objects differently).")] = False,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FORMAT", help="diff (default: unified diffs), json, ndjson, yaml, csv or table.")] = None,
    fields: FieldsOpt = None,
) -> None:
    """Compare two backups, a backup and an instance, or two instances: each object added (only in B),
    removed (only in A) or changed, with a unified diff of each change. A names a folder when one exists
    there, else a profile. Without --only, the kinds both backup folders hold are compared. Exit 0: no differences; 1: differences; 2 or more: trouble (as diff(1) and
    kubectl diff; failures that elsewhere exit 1 exit 2 here).

    Examples:

      jamfctl diff ~/jamf-config prod

      jamfctl diff staging prod --only script -o json | jq -r '.[] | select(.status=="changed") | .object'

      jamfctl diff ~/jamf-config staging --ignore-ids
    """
    from jamfctl.resources import backup as store
    from jamfctl.resources import files

    app_ctx = app_context(ctx)
    with files.exit_1_means_differences():
        chosen = store.kinds(only) if only is not None else _kinds_of(a, b)
        text = output is None or output.lower() == "diff"
        render = None if text else _changes_renderer(app_ctx, output, fields)
        sides = [_side(app_ctx, where, chosen) for where in (a, b)]
        if ignore_ids:
            sides = [store.without_ids(side) for side in sides]
        changes = store.compare(*sides, a, b)
    if text:
        from jamfctl.cli.files import write_diff

        for change in changes:
            header = f"{change['status']}: {change['path']}\n"
            write_diff(app_ctx, header + change["diff"])
    else:
        render.many(changes)
    if changes:
        counts = {s: sum(1 for c in changes if c["status"] == s) for s in ("added", "removed", "changed")}
        note(app_ctx, ", ".join(f"{n} {s}" for s, n in counts.items()) + f" ({a} -> {b})")
        raise typer.Exit(1)


def _kinds_of(a: str, b: str):
    """Without --only: the kinds both backup folders hold (a backup made with --only script compared with an
    instance compares scripts), else every kind."""
    from pathlib import Path

    from jamfctl.resources import backup as store

    held = [kinds for kinds in (store.folder_kinds(Path(a)), store.folder_kinds(Path(b))) if kinds is not None]
    if not held:
        return list(store.KINDS)
    return [kind for kind in store.KINDS if all(kind in kinds for kinds in held)]


def _changes_renderer(app_ctx, output, fields):
    from jamfctl import output as out, validate
    from jamfctl.specs import Column

    selected = out.check_fields(validate.field_paths(fields), CHANGES) if fields is not None else None
    columns = [Column(c.capitalize(), c) for c in (selected or CHANGES[:4])]
    return renderer(app_ctx, output, selected, columns=columns, csv_columns=list(selected or CHANGES))


def _side(app_ctx, where: str, chosen) -> dict:
    """A folder's files, or the same documents read live from a profile's instance."""
    from pathlib import Path

    from jamfctl.resources import backup as store

    path = Path(where)
    if path.is_dir() or path.is_symlink() or "/" in where or where in (".", ".."):
        return store.read_folder(path, chosen)
    with profile_context(app_ctx, where) as other:
        with _progress(other, f"Reading {where}") as on_progress:
            collected = store.collect(other.client(), chosen, on_progress)
    if collected.failures:
        name, error = next(iter(collected.failures.items()))
        raise type(error)(f"{where}: {name}: {error.message}")
    return collected.documents


@contextlib.contextmanager
def profile_context(app_ctx, profile: str):
    """An invocation context for another profile (same streams, options and test seams), closed after."""
    import dataclasses

    from jamfctl import auth, validate
    from jamfctl.context import SANDBOX_PROFILE
    from jamfctl.errors import UsageError

    name = validate.profile_name(profile)
    if name != SANDBOX_PROFILE and auth.from_environment():
        raise UsageError(f"JAMF_URL, JAMF_CLIENT_ID and JAMF_CLIENT_SECRET override every profile, so "
                         f"profile {name!r} cannot be read; unset them to use profiles")
    if name != SANDBOX_PROFILE:
        from jamfctl import config

        if name not in config.load().profiles:
            raise UsageError(f"{name!r} is neither a folder nor a profile (see `jamfctl auth status`)")
    other = dataclasses.replace(app_ctx, profile=name, _client=None, _credentials=None, output_format=None)
    try:
        yield other
    finally:
        other.close()
