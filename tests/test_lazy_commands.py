"""jamfctl.cli.lazy: the command tree `jamfctl` runs builds commands when used, and is the tree Typer builds.

`run()` defers every command (the root's and each noun's); `typer.main.get_command(app)` builds them all.
The two must list the same commands, in the same order, with the same options and help; a command line
must build only the commands on its path.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer.main

from jamfctl.cli import app as app_module
from jamfctl.cli import lazy, typer_compat
from support import tree
from support.harness import Harness

click = typer_compat.click()


@pytest.fixture
def cli(monkeypatch):
    return Harness(monkeypatch)


def describe(command, ctx, path=()) -> list:
    """The tree under `command` as plain data: name, help, options, and the same for every sub-command."""
    rows = [(path, command.help, command.hidden, sorted(o for p in command.params for o in p.opts))]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            rows += describe(sub, click.Context(sub, parent=ctx, info_name=name), (*path, name))
    return rows


def test_the_deferred_tree_is_the_tree_typer_builds():
    eager = typer.main.get_command(app_module.app)
    deferred = lazy.root_command(app_module.app)  # a fresh one: nothing built yet
    assert isinstance(deferred, lazy.DeferringGroup) and deferred.commands.keys() < set(deferred.list_commands(None))
    assert describe(deferred, click.Context(deferred, info_name="jamfctl")) == \
        describe(eager, click.Context(eager, info_name="jamfctl"))


def test_a_command_line_builds_only_the_commands_on_its_path(tmp_path):
    """`computer show --help` builds the computer noun's `show` and nothing else of the tree."""
    script = """
import contextlib, io, json
from jamfctl.cli import app
with contextlib.redirect_stdout(io.StringIO()):
    code = app.run(["computer", "show", "--help"])
root = app._root()
noun = root.commands["computer"]
print(json.dumps({"code": code, "root": sorted(n for n in root.commands if n not in ("computer",)
                                               and not hasattr(root.commands[n], "_specs")),
                  "noun": sorted(noun.commands), "listed": len(noun.list_commands(None))}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAMF", "PYTHON"))} | {"HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["code"] == 0
    assert found["root"] == []  # no command of the root besides the (unbuilt) nouns
    assert found["noun"] == ["show"] and found["listed"] > 5  # the other verbs are there, just not built


def test_unknown_commands_are_suggested_from_every_name(cli):
    """Typer's "Did you mean" reads the commands built so far; the deferred groups suggest from all of them."""
    for argv, suggestion in ((["doctr"], "'doctor'"), (["computer", "shwo"], "'show'"), (["sandbx"], "'sandbox'")):
        run = cli.run(*argv)
        assert run.exit_code == 2, run.stderr
        assert f"Did you mean {suggestion}" in run.stderr


def help_text(command, argv: list[str], monkeypatch) -> str:
    """The help a group prints, as text (Typer's rich help, plain and at a fixed width)."""
    import contextlib
    import io

    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        command.main(argv, prog_name="jamfctl")
    return out.getvalue()


def test_group_helps_list_the_commands_exactly_as_a_built_tree_does(monkeypatch):
    """A deferring group's help lists its commands from their registrations (none is built for it): the text
    must be Typer's own for the built tree, for the root and every noun and group."""
    eager = typer.main.get_command(app_module.app)
    for path in [path for path, _ in tree.groups()]:
        deferred = lazy.root_command(app_module.app)
        argv = [*path, "--help"]
        assert help_text(deferred, argv, monkeypatch) == help_text(eager, argv, monkeypatch), path
    deferred = lazy.root_command(app_module.app)
    help_text(deferred, ["--help"], monkeypatch)
    help_text(deferred, ["computer", "--help"], monkeypatch)
    assert [n for n in deferred.commands if not isinstance(deferred.commands[n], app_module.LazyNoun)] == []
    assert deferred.commands["computer"].commands == {}  # listed, not built
