"""`jamfctl commands`: the catalogue of every command, read from the declarations the commands run on.

Every runnable command appears once; every command that can change something (--dry-run, or --yes without
--reveal) says it writes, exactly as jamfctl.specs.WRITES declares; no command is left undeclared; reads list
the privileges of their ResourceSpec's catalogue.
"""
from __future__ import annotations

import json

import pytest
import typer

from jamfctl import specs
from jamfctl.cli import typer_compat
from jamfctl.cli.app import app
from jamfctl.resources import collection


def walked() -> dict[str, set[str]]:
    """Every leaf command of the tree -> its option names (walked independently of jamfctl.cli.catalogue)."""
    root = typer.main.get_command(app)
    ctx = typer_compat.click().Context(root)
    out = {}

    def walk(command, path):
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), (*path, name))
        else:
            out[" ".join(path)] = {opt for param in command.params for opt in param.opts}

    walk(root, ())
    return out


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    import io

    from jamfctl.cli.app import run
    from jamfctl.context import AppContext

    out, err = io.StringIO(), io.StringIO()
    assert run(["commands", "-o", "json"], AppContext(stdout=out, stderr=err)) == 0, err.getvalue()
    return json.loads(out.getvalue())


def test_every_leaf_command_appears_once(rows):
    names = [row["command"] for row in rows]
    assert len(names) == len(set(names))
    assert set(names) == set(walked())
    assert len(rows) >= 20


def test_every_command_that_can_change_something_says_it_writes(rows):
    by_name = {row["command"]: row for row in rows}
    for name, options in walked().items():
        if "--dry-run" in options or ("--yes" in options and "--reveal" not in options):
            assert by_name[name]["writes"] is True, name
        if "--reveal" in options:
            assert by_name[name]["reveals"] is True, name
    assert {row["command"] for row in rows if row["writes"]} == {w.command for w in specs.WRITES} & set(by_name)


def test_no_command_is_left_undeclared(rows):
    undeclared = [row["command"] for row in rows if row["source"] == "undeclared"]
    assert undeclared == [], ("declare these in jamfctl.specs (WRITES or RESOURCES) or in "
                              f"jamfctl.cli.catalogue.DECLARED: {undeclared}")
    for row in rows:
        assert isinstance(row["writes"], bool) and isinstance(row["privileges"], list), row
        if row["source"] != "local":
            assert row["endpoints"], row["command"]
        assert row["summary"], row["command"]


def test_reads_list_the_privileges_of_their_declaration(rows):
    by_name = {row["command"]: row for row in rows}
    for noun, declared in specs.nouns().items():
        spec = declared[0]
        schema = collection.catalogue(spec.name)["list_privileges"]
        expected = list(spec.classic_privileges) if spec.api == "classic" else schema
        row = by_name[f"{noun} list"]
        assert row["privileges"][:len(expected)] == expected and row["writes"] is False
        assert f"GET {spec.list_path}" in row["endpoints"]
    assert by_name["computer filevault"]["privileges"] == ["Read Computers", "View Disk Encryption Recovery Key"]
    assert by_name["computer lock"]["privileges"] == list(specs.write_for("computer lock").privileges)


def test_families_group_commands_with_the_privileges_they_need(rows):
    from jamfctl.cli.catalogue import families

    grouped = families(rows)
    assert grouped["computer"]["commands"] == ["computer list", "computer show"]
    assert grouped["computer (writes)"]["writes"] and grouped["computer (reveal)"]["reveals"]
    assert all(family["privileges"] for family in grouped.values())


def test_table_csv_fields_and_writes_only(jamfctl):
    table = jamfctl("commands", "-o", "table")
    assert table.exit_code == 0 and "Command" in table.stdout.splitlines()[0] and "computer lock" in table.stdout
    writes = json.loads(jamfctl("commands", "--writes", "-o", "json").stdout)
    assert writes and all(row["writes"] for row in writes)
    csv = jamfctl("commands", "-o", "csv", "--fields", "command,writes")
    assert csv.stdout.splitlines()[0] == "command,writes" and "computer lock,true" in csv.stdout
    bad = jamfctl("commands", "--fields", "nope")
    assert bad.exit_code == 2 and "Valid fields" in bad.stderr


@pytest.mark.parametrize("command", [("commands",), ("doctor",), ("server",), ("server", "info"), ("auth", "token")])
def test_new_commands_have_help_with_an_example_and_import_nothing_heavy(jamfctl, tmp_path, command):
    from test_imports import NEVER_FOR_HELP, imported, offenders

    result = jamfctl(*command, "--help")
    assert result.exit_code == 0 and "Example" in result.stdout, result.stderr
    assert "jamfctl " in result.stdout.split("Example", 1)[1]
    modules, _ = imported(tmp_path, [*command, "--help"])
    assert offenders(modules, NEVER_FOR_HELP) == []
