"""`--help` on every command: exit 0, an example, and options that read as what they take.

PRODUCT.md: "`--version`, `--help` on every command with an example." A flag shows no value placeholder
and an option shows what it takes (RSQL, GLOB, SECONDS), not Typer's generic `<bool>` / `<str>`.
"""
from __future__ import annotations

import re

import pytest

COMMANDS = [(), ("computer",), ("computer", "list"), ("computer", "show"), ("login",), ("logout",), ("auth",),
            ("auth", "status"), ("sandbox",), ("sandbox", "serve"), ("completion",)]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "jamfctl")
def test_every_command_has_help_with_an_example(jamfctl, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "160")
    result = jamfctl(*command, "--help")
    assert result.exit_code == 0, result.stderr
    assert "Example" in result.stdout, result.stdout
    assert "jamfctl " in result.stdout.split("Example", 1)[1]  # the example is a command line
    # Option rows: "--name  -n  METAVAR  help". Typer's own --help row keeps its <bool>: not ours to change.
    rows = [line for line in result.stdout.splitlines() if re.search(r"│ +--", line) and "--help" not in line]
    generic = [row.strip("│ ") for row in rows if re.search(r"<(bool|str|int|float)>", row)]
    assert generic == [], generic


@pytest.mark.parametrize("group", [(), ("computer",), ("auth",), ("sandbox",)], ids=lambda g: " ".join(g) or "jamfctl")
def test_a_bare_command_group_prints_its_help_and_succeeds(jamfctl, group):
    """`jamfctl` or `jamfctl computer` alone asks what there is (as with gh and kubectl): help on stdout, exit 0;
    an unknown command is still a usage error."""
    result = jamfctl(*group)
    assert result.exit_code == 0 and "Usage: jamfctl" in result.stdout and "Error" not in result.stderr
    wrong = jamfctl(*group, "no-such-command")
    assert wrong.exit_code == 2 and "No such command" in wrong.stderr
