"""The one gate every writing command passes: read-only profiles, confirmation, --yes, --dry-run.

What a command writes is declared in jamfctl.specs (WRITES); the gate reads that declaration, so the
refusal on a read-only profile, the question asked, the dry run and `jamfctl commands` cannot disagree.
Order matters and is the same everywhere: refuse_if_read_only() before any request (even a lookup), then
resolve targets, then confirm() naming server, action and count, then send or, with --dry-run, print.
"""
from __future__ import annotations

from typing import Annotated, Iterable

import typer

from jamfctl.context import AppContext

YesOpt = Annotated[bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation (needed without a terminal).")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", metavar="", help="Print the requests that would be sent; send none.")]


def refuse_if_read_only(app_ctx: AppContext, command: str) -> None:
    from jamfctl.errors import UsageError

    if app_ctx.read_only:
        where = f"profile '{app_ctx.profile_name}'" if app_ctx.profile_name else "these credentials"
        raise UsageError(f"`jamfctl {command}` writes, and {where} is read-only; nothing was sent")


def server_name(app_ctx: AppContext) -> str:
    return "the sandbox" if app_ctx.is_sandbox else app_ctx.credentials().url


def confirm(app_ctx: AppContext, question: str, yes: bool, dry_run: bool = False) -> None:
    """Ask `question` (it names the action and the count; the server is added) on a terminal; without one,
    only --yes lets it through. A refusal is exit 2: nothing was sent."""
    from jamfctl.errors import UsageError

    if yes or dry_run:
        return
    text = f"{question} on {server_name(app_ctx)}?"
    if not _isatty(app_ctx.stdin):
        raise UsageError(f"{text[:-1]} needs confirmation: stdin is not a terminal, so pass --yes; nothing was sent")
    app_ctx.stderr.write(f"{text} [y/N] ")
    app_ctx.stderr.flush()
    answer = app_ctx.stdin.readline()
    if answer.strip().lower() not in ("y", "yes"):
        raise UsageError("not confirmed; nothing was sent")


def print_dry_run(app_ctx: AppContext, requests: Iterable) -> int:
    """Each request that would be sent, one line each on stdout (secrets redacted); returns how many."""
    count = 0
    for count, request in enumerate(requests, 1):
        app_ctx.stdout.write(f"would send: {request.shown()}\n")
    app_ctx.stdout.flush()
    return count


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
