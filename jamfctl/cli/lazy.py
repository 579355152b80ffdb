"""Groups whose sub-commands Typer builds only when one is used.

Typer turns every registered command into a Click command before it parses anything: it reads each one's
signature and annotations (~1-2 ms a command), so a command line that runs one command pays for all of
them (~60 ms for jamfctl's root, ~35 ms more for the computer noun's verbs). A DeferringGroup keeps the
registrations (Typer's own CommandInfo / TyperInfo) and builds the one asked for; its `--help` lists the
commands from their registrations; completion builds them all. The registration lines stay Typer's.
"""
from __future__ import annotations

from difflib import get_close_matches

from typer.core import TyperGroup

from jamfctl.cli import typer_compat


class DeferringGroup(TyperGroup):
    _source = None  # the Typer app the deferred commands were registered on
    _deferred: dict | None = None  # name -> Typer's registration, until built
    _order: list[str] | None = None  # every name, in the order Typer would list them
    _listing = False  # formatting this group's help

    def defer(self, typer_app) -> None:
        """Take `typer_app`'s commands and groups as this group's, to be built when used."""
        self._source = typer_app
        self._deferred = dict(typer_compat.registered(typer_app))
        self._order = [*self.commands, *(name for name in self._deferred if name not in self.commands)]

    def list_commands(self, ctx) -> list[str]:
        return list(self._order) if self._order is not None else super().list_commands(ctx)

    def format_help(self, ctx, formatter) -> None:
        """The group's help lists its commands: from their registrations, none of them built for it."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx, name: str):
        if self._listing and self._deferred and name in self._deferred:
            return typer_compat.summary(name, self._deferred[name])
        info = self._deferred.pop(name, None) if self._deferred else None
        if info is not None:
            command = typer_compat.build(info, self._source)
            typer_compat.plain_string_coercion(command)
            self.commands[name] = command
        return self.commands.get(name)

    def resolve_command(self, ctx, args: list[str]):
        """Typer's "Did you mean" reads only the commands built so far: suggest from every name instead."""
        suggest, self.suggest_commands = self.suggest_commands, False
        try:
            return super().resolve_command(ctx, args)
        except typer_compat.click().exceptions.UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if suggest and args else []
            if matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise
        finally:
            self.suggest_commands = suggest


def root_command(typer_app):
    """The root group of `typer_app` with its own options built and every command deferred."""
    import typer.main

    group = typer.main.get_command(typer_compat.without_commands(typer_app))
    group.defer(typer_app)
    return group
