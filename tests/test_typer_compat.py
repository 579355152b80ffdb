"""jamfctl.cli.typer_compat against the installed Typer: each private internal it wraps still behaves as
jamfctl relies on (run before raising the Typer pin)."""
from __future__ import annotations

from typing import Annotated, Optional

import pytest
import typer

from jamfctl.cli import typer_compat

click = typer_compat.click()


def test_the_click_exception_type_is_what_usage_errors_raise():
    base = typer_compat.click_exception_type()
    assert base.__name__ == "ClickException"
    app = typer.Typer()

    @app.command()
    def one(count: int) -> None: ...

    with pytest.raises(base):
        typer.main.get_command(app).main(["not-a-number"], standalone_mode=False)


def test_no_args_help_is_recognised():
    group = typer.Typer(no_args_is_help=True)
    group.command("a")(lambda: None)
    group.command("b")(lambda: None)
    with pytest.raises(Exception) as raised:
        typer.main.get_command(group).main([], standalone_mode=False)
    assert typer_compat.is_no_args_help(raised.value)


def test_words_below_a_group_are_read_before_invoke_empties_them():
    seen = []

    class Probe(typer.core.TyperGroup):
        def invoke(self, ctx):
            seen.append(typer_compat.words_below(ctx))
            return super().invoke(ctx)

    app = typer.Typer(cls=Probe)
    app.command("a")(lambda name: None)
    app.command("b")(lambda: None)
    typer.main.get_command(app).main(["a", "x"], standalone_mode=False)
    assert seen == [["a", "x"]]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completion_scripts_come_from_typer(shell):
    typer_compat.register_completion_shells()
    script = typer_compat.completion_script("jamfctl", "_JAMFCTL_COMPLETE", shell)
    assert "_JAMFCTL_COMPLETE" in script and "jamfctl" in script


def _sample_app(seen: dict):
    app = typer.Typer()

    @app.command("one")
    def one(name: Annotated[Optional[str], typer.Argument()] = None,
            tag: Annotated[Optional[list[str]], typer.Option("--tag")] = None,
            level: Annotated[str, typer.Option("--level")] = "30",
            count: Annotated[Optional[int], typer.Option("--count")] = None,
            flag: Annotated[bool, typer.Option("--flag", envvar="SAMPLE_FLAG")] = False) -> None:
        seen.update(name=name, tag=tag, level=level, count=count, flag=flag)

    app.command("two")(lambda: None)
    return app


@pytest.mark.parametrize("argv", [["one"], ["one", "x", "--tag", "a", "--tag", "b", "--level", "7", "--count", "3"],
                                  ["one", "--flag", "--tag", "ü"]])
def test_plain_string_coercion_gives_what_typers_own_gives(argv, monkeypatch):
    """The same values (and types) with jamfctl's coercion of str and list[str] as with Typer's adapters; an int
    and a bool from the environment still get Typer's own, built when needed."""
    monkeypatch.setenv("SAMPLE_FLAG", "1")
    theirs, ours = {}, {}
    typer.main.get_command(_sample_app(theirs)).main(argv, standalone_mode=False)
    command = typer.main.get_command(_sample_app(ours))
    typer_compat.plain_string_coercion(command)
    command.main(argv, standalone_mode=False)
    assert ours == theirs and [type(v) for v in ours.values()] == [type(v) for v in theirs.values()]
    kinds = {p.name: type(p._runtime_param).__name__ for p in command.commands["one"].params}
    assert kinds["name"] == kinds["tag"] == kinds["level"] == "PlainString"
    assert kinds["count"] == ("AdapterRuntimeParam" if "--count" in argv else "TypersWhenNeeded")  # built when given


def test_plain_string_coercion_covers_help_options():
    """--help is built per context by Click: its coercion is chosen when it is, so a missing --help needs none."""
    command = typer.main.get_command(_sample_app({}))
    typer_compat.plain_string_coercion(command)
    ctx = click.Context(command.commands["one"], info_name="one")
    option = command.commands["one"].get_help_option(ctx)
    assert type(option._runtime_param).__name__ == "TypersWhenNeeded"
    assert option._runtime_param.coerce(None, param=option, ctx=ctx) is None
    assert type(option._runtime_param).__name__ == "TypersWhenNeeded"  # None needed no adapter


def test_registered_commands_are_built_one_at_a_time():
    app = _sample_app({})
    sub = typer.Typer()
    sub.command("leaf")(lambda: None)
    app.add_typer(sub, name="group")
    found = typer_compat.registered(app)
    assert [name for name, _ in found] == ["one", "two", "group"]  # Typer's own order: commands, then groups
    built = {name: typer_compat.build(info, app) for name, info in found}
    assert {name: command.name for name, command in built.items()} == {"one": "one", "two": "two", "group": "group"}
    assert list(built["group"].commands) == ["leaf"]
    shell = typer_compat.without_commands(app)
    assert shell.registered_commands == [] and shell.registered_groups == [] and len(app.registered_commands) == 2


def test_a_summary_is_what_a_built_command_shows_in_its_groups_help():
    app = _sample_app({})
    sub = typer.Typer(help="A group.\n\nMore.", hidden=True)
    sub.command("leaf")(lambda: None)
    app.add_typer(sub, name="group", rich_help_panel="Other")
    app.command("three", short_help="Short.", deprecated=True)(lambda: None)
    fields = ("name", "help", "short_help", "hidden", "deprecated", "rich_help_panel")
    for name, info in typer_compat.registered(app):
        built = typer_compat.build(info, app)
        summary = typer_compat.summary(name, info)
        assert {f: getattr(summary, f) for f in fields} == {f: getattr(built, f) for f in fields}, name
