"""The real command tree, walked: tests that must cover every command read it here instead of keeping a list.

The tree is Click's, built from the Typer app exactly as `jamfctl` builds it (`typer.main.get_command`).
Groups may build their commands lazily (jamfctl.cli.app.LazyNoun), so the walk always asks a group through
`list_commands(ctx)` and `get_command(ctx, name)` with a real Click context, never through `group.commands`
(which a lazy group fills only once it is used).

    walk()            -> [(path, command), ...] for the root, every group and every leaf, depth first
    groups()          -> the groups, root included (path ())
    leaf_commands()   -> the commands that run something
    data_commands()   -> leaves that print data: they have an option named `output` (-o)
    resolve(args)     -> the path of the command an argument list runs, e.g. ("computer", "show")
    options(command)  -> the option strings of a command, e.g. {"--limit", "-n", "--output", "-o"}
    label(path)       -> "computer show" ("jamfctl" for the root), for test ids and messages

Paths are tuples of command names below `jamfctl`: () is the root, ("computer", "list") a leaf.
"""
from __future__ import annotations

import functools
from typing import Any, Iterator

import typer.main

from jamfctl.cli import typer_compat
from jamfctl.cli.app import app

Path = tuple[str, ...]


def is_group(command: Any) -> bool:
    """Click groups are the commands that list sub-commands (Typer's vendored Click has no Group class)."""
    return hasattr(command, "list_commands") and hasattr(command, "get_command")


def root() -> Any:
    return typer.main.get_command(app)


def _walk(command: Any, ctx: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    yield path, command
    if not is_group(command):
        return
    click = typer_compat.click()
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None:  # listed but not loadable: a broken lazy group; make the walk say so
            raise LookupError(f"`{label((*path, name))}` is listed by `{label(path)}` but cannot be loaded")
        yield from _walk(sub, click.Context(sub, parent=ctx, info_name=name), (*path, name))


@functools.lru_cache(maxsize=1)
def walk() -> tuple[tuple[Path, Any], ...]:
    """Every command of the tree with its path, depth first, the root first. Built once per test session:
    the tree is fixed for a given checkout (and building lazy nouns is not free)."""
    top = root()
    ctx = typer_compat.click().Context(top, info_name="jamfctl")
    return tuple(_walk(top, ctx, ()))


def groups() -> list[tuple[Path, Any]]:
    return [(path, command) for path, command in walk() if is_group(command)]


def leaf_commands() -> list[tuple[Path, Any]]:
    return [(path, command) for path, command in walk() if not is_group(command)]


def data_commands() -> list[tuple[Path, Any]]:
    """Leaves that print data: the ones with an option named `output` (-o/--output)."""
    return [(path, command) for path, command in leaf_commands() if has_option(command, "output")]


def has_option(command: Any, name: str) -> bool:
    return any(param.name == name for param in command.params)


def options(command: Any) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *getattr(param, "secondary_opts", ()))}


def resolve(args: list[str] | tuple[str, ...]) -> Path:
    """The path of the command that `jamfctl *args` runs: the leading words that name sub-commands.
    Global options before the command (`--debug`, `-p NAME`) are not handled: pass the command's own words."""
    commands = dict(walk())
    path: Path = ()
    for word in args:
        if not is_group(commands[path]) or (*path, word) not in commands:
            break
        path = (*path, word)
    return path


def label(path: Path) -> str:
    return " ".join(path) or "jamfctl"
