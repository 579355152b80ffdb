"""Every use of Typer's (and its vendored Click's) private internals, in one place.

Typer is pinned (`typer>=0.29,<0.30`); tests/test_typer_compat.py exercises each function below against the
installed Typer, so raising the pin shows at once what moved. Nothing else in jamfctl touches `typer._*`.
"""
from __future__ import annotations

import functools


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



def plain_string_coercion(command) -> None:
    """Coerce the parameters of this command and its sub-commands (their --help too) without pydantic where
    Typer's own coercion would only convert a string to a string.

    Typer 0.29 builds a pydantic TypeAdapter for every parameter it processes, given or not (only a bool flag
    already holding a bool is skipped; --help holds None), so every command pays for importing pydantic
    (~65 ms) and building adapters. Click has already parsed the values: for a `str` or `list[str]` what
    Typer's adapter adds is `str(value)`, and a missing value (None) is never converted at all. Those are done
    here; any other value (an int, a path, a bool from an environment variable) gets Typer's own coercion,
    built when it is first needed. Parsing stays Click's: this replaces a conversion, not the parser."""
    todo = [command]
    while todo:
        current = todo.pop()
        todo.extend(getattr(current, "commands", {}).values())
        for param in current.params:
            _choose_coercion(param)
        if "get_help_option" not in vars(current):  # built per context by Click, so wrapped rather than walked
            current.get_help_option = functools.partial(_help_option, current.get_help_option)


def _help_option(original, ctx):
    option = original(ctx)
    if option is not None:
        _choose_coercion(option)
    return option


def _choose_coercion(param) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", True) is not None:
        return  # not a Typer parameter, or its coercion is already chosen
    info = descriptor.parameter_info
    plain = (descriptor.annotation is str or descriptor.annotation == list[str]) and info.parser is None \
        and not (descriptor.is_path or descriptor.is_choice or descriptor.is_file)
    kinds = _coercions()
    param._runtime_param = (kinds.plain if plain else kinds.typers)(parameter_info=info,
                                                                     annotation=descriptor.annotation)


def _text(value) -> str:
    """Typer's `_parse_cli_str`: bytes decoded as the command line was (Click gives str on Python 3)."""
    if isinstance(value, bytes):
        import sys

        return value.decode(sys.getfilesystemencoding(), "replace")
    return str(value)


@functools.cache
def _coercions():
    """RuntimeParam subclasses (RuntimeParam.coerce returns None or () for a missing value before either runs)."""
    from types import SimpleNamespace

    from typer._coercion import RuntimeParam, build_runtime_param

    class PlainString(RuntimeParam):
        def _coerce_value(self, value, param, ctx):
            if self.annotation is str:
                return _text(value)
            return [_text(item) for item in (value if isinstance(value, (list, tuple)) else [value])]

    class TypersWhenNeeded(RuntimeParam):
        def _coerce_value(self, value, param, ctx):
            param._runtime_param = built = build_runtime_param(param.type_descriptor)
            return built._coerce_value(value, param=param, ctx=ctx)

    return SimpleNamespace(plain=PlainString, typers=TypersWhenNeeded)


def registered(typer_app) -> list[tuple[str, object]]:
    """(name, info) of a Typer app's commands, then its groups, in the order Typer's own group lists them;
    nothing is built. A group added without a name (its commands merged into the parent) cannot be deferred."""
    from typer.main import get_command_name, solve_typer_info_defaults

    found = [(info.name or get_command_name(info.callback.__name__), info) for info in typer_app.registered_commands]
    for info in typer_app.registered_groups:
        name = solve_typer_info_defaults(info).name
        if not name:
            raise ValueError("a group added without a name cannot be built on demand")
        found.append((name, info))
    return found


def build(info, typer_app):
    """The Click command (or group) Typer builds for one registered command or group of `typer_app`."""
    from typer.main import get_command_from_info, get_group_from_info
    from typer.models import TyperInfo

    if isinstance(info, TyperInfo):
        return get_group_from_info(info, pretty_exceptions_short=typer_app.pretty_exceptions_short,
                                   rich_markup_mode=typer_app.rich_markup_mode,
                                   suggest_commands=typer_app.suggest_commands)
    return get_command_from_info(info, pretty_exceptions_short=typer_app.pretty_exceptions_short,
                                 rich_markup_mode=typer_app.rich_markup_mode)


def without_commands(typer_app):
    """A shallow copy of a Typer app with its callback and options but no commands or groups: Typer then
    builds only the group itself."""
    import copy

    shell = copy.copy(typer_app)
    shell.registered_commands, shell.registered_groups = [], []
    return shell


def summary(name: str, info):
    """What a group's help lists of one registered command (name, help, short help, hidden, deprecated, help
    panel), read from its registration as Typer's builders read it, without building the command."""
    import inspect
    from types import SimpleNamespace

    from typer.main import solve_typer_info_defaults
    from typer.models import TyperInfo

    if isinstance(info, TyperInfo):
        info = solve_typer_info_defaults(info)
        text = info.help
    else:
        text = inspect.getdoc(info.callback) if info.help is None else inspect.cleandoc(info.help)
    return SimpleNamespace(name=name, help=text, short_help=info.short_help, hidden=info.hidden,
                           deprecated=info.deprecated, rich_help_panel=info.rich_help_panel)
