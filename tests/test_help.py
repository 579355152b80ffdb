"""`--help` on every command: exit 0, an example, and options that read as what they take.

PRODUCT.md: "`--version`, `--help` on every command with an example." A flag shows no value placeholder
and an option shows what it takes (RSQL, GLOB, SECONDS), not Typer's generic `<bool>` / `<str>`.
The commands and groups come from the real command tree (tests/support/tree.py), so a new noun or verb
is covered without touching this file.
"""
from __future__ import annotations

import re

import pytest

from support import tree

EVERY_COMMAND = [path for path, _ in tree.walk()]  # the root, every group and every leaf
GROUPS = [path for path, _ in tree.groups()]  # the root included


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=tree.label)
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


@pytest.mark.parametrize("group", GROUPS, ids=tree.label)
def test_a_bare_command_group_prints_its_help_and_succeeds(jamfctl, group):
    """`jamfctl` or `jamfctl computer` alone asks what there is (as with gh and kubectl): help on stdout, exit 0;
    an unknown command is still a usage error."""
    result = jamfctl(*group)
    assert result.exit_code == 0 and "Usage: jamfctl" in result.stdout and "Error" not in result.stderr
    wrong = jamfctl(*group, "no-such-command")
    assert wrong.exit_code == 2 and "No such command" in wrong.stderr


def test_the_walk_sees_the_lazily_loaded_nouns_and_their_verbs():
    """The walker goes through list_commands/get_command, so lazily built nouns show their verbs (a walk over
    `group.commands` would see `computer` as an empty group)."""
    paths = set(EVERY_COMMAND)
    assert {(), ("computer",), ("computer", "list"), ("computer", "show"), ("auth", "status"),
            ("sandbox", "serve"), ("login",), ("logout",), ("completion",)} <= paths
    assert all(path[:-1] in paths for path in paths if path)  # every command hangs off a group that was walked
    leaves = {path for path, _ in tree.leaf_commands()}
    assert set(GROUPS).isdisjoint(leaves) and set(GROUPS) | leaves == paths
    assert {("computer", "list"), ("computer", "show")} <= {path for path, _ in tree.data_commands()}
    assert ("login",) not in {path for path, _ in tree.data_commands()}
    assert tree.resolve(["computer", "show", "--id", "1"]) == ("computer", "show")
    assert tree.resolve(["computer", "list", "show"]) == ("computer", "list")  # an argument, not a command
