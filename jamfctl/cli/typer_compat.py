"""Every use of Typer's (and its vendored Click's) private internals, in one place.

Typer is pinned (`typer>=0.29,<0.30`); tests/test_typer_compat.py exercises each function below against the
installed Typer, so raising the pin shows at once what moved. Nothing else in jamfctl touches `typer._*`.
"""
from __future__ import annotations


def click_exception_type() -> type[Exception]:
    """The base of Click's user-facing errors (usage errors, bad parameters), as Typer vendors Click."""
    from typer._click.exceptions import ClickException

    return ClickException


def is_no_args_help(exc: BaseException) -> bool:
    """`jamfctl computer` alone: Click raises this after printing the group's help."""
    return type(exc).__name__ == "NoArgsIsHelpError"


def words_below(ctx) -> list[str]:
    """The command line below a group (for `-o json` errors): Group.invoke empties these, so read them first."""
    return [*getattr(ctx, "_protected_args", []), *ctx.args]


def register_completion_shells() -> None:
    """Register Typer's shell classes, which add_completion=False leaves out (no --install-completion flags)."""
    from typer._completion_classes import completion_init

    completion_init()


def completion_script(prog_name: str, complete_var: str, shell: str) -> str:
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell)


def click():
    """Typer's vendored Click (Group, Context, UsageError), for walking the command tree."""
    import typer._click as vendored

    return vendored
