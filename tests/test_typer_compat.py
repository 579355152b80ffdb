"""jamfctl.cli.typer_compat against the installed Typer: each private internal it wraps still behaves as
jamfctl relies on (run before raising the Typer pin)."""
from __future__ import annotations

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
