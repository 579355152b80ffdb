"""The data-command contract, over the whole command tree (walked, not listed): a new noun or verb that
skips a part fails here.

Every command with -o: each format works, `--fields` with an unknown field is exit 2 listing the valid
ones, an error is also a JSON line when the output is JSON, and a 403 names the privilege to grant.
All in-process against the sandbox.
"""
from __future__ import annotations

import functools
import json

import pytest
import typer

from jamfctl import sandbox as sandbox_pkg
from jamfctl.cli import typer_compat
from jamfctl.cli.app import app

click = typer_compat.click()

FORMATS = ("table", "json", "ndjson", "csv", "yaml")


def walk(command, ctx, path: tuple[str, ...] = ()):
    yield path, command
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            yield from walk(command.get_command(ctx, name), ctx, (*path, name))


def data_commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    ctx = click.Context(root)
    return [path for path, cmd in walk(root, ctx)
            if not hasattr(cmd, "list_commands") and any(p.name == "output" for p in cmd.params)]


DATA_COMMANDS = data_commands()


def has_option(path: tuple[str, ...], option: str) -> bool:
    root = typer.main.get_command(app)
    ctx = click.Context(root)
    command = root
    for name in path:
        command = command.get_command(ctx, name)
    return any(option in p.opts for p in command.params)


def first_id(jamfctl, noun: str, *extra: str) -> str:
    result = jamfctl("-p", "sandbox", noun, "list", "--limit", "1", "-o", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)[0]["id"])


def first_serial(jamfctl, noun: str) -> str:
    """A device every action applies to: a Mac, or an iPhone/iPad (Apple TVs cannot be erased or located)."""
    records = json.loads(jamfctl("-p", "sandbox", noun, "list", "--limit", "20", "-o", "json").stdout)
    return next(r for r in records if r.get("deviceType", "iOS") == "iOS")["hardware"]["serialNumber"]


# Data commands that cannot check --fields before the request, and why.
FIELDS_UNCHECKED = {("api",): "any of Jamf's 547 paths; the bundled index has no response schemas, so an unknown "
                              "field prints as null"}
# Invocations for commands that are not a noun's list/show (each needs its own arguments).
SPECIAL = {("api",): ["api", "/v1/buildings"], ("multi",): ["multi", "--profiles", "sandbox", "category", "list"]}
EXTRA_ARGS = {("mobile", "lost-mode"): ["--message", "Please call IT"]}  # what an action needs beyond targets


def invocation(jamfctl, path: tuple[str, ...], tmp_path=None) -> list[str]:
    """A working invocation of a data command: list with a small limit, one object by an existing id, a
    device action on one device (with --yes: the in-process sandbox is this test's own)."""
    yes = ["--yes"] if has_option(path, "--yes") else []
    if path in SPECIAL:
        return SPECIAL[path]
    if path == ("backup",) or path == ("diff",):
        folders = [str(tmp_path / name) for name in ("a", "b")]
        return ["backup", folders[0], "--only", "categories"] if path == ("backup",) else ["diff", *folders]
    if path[-1] == "list":
        return [*path, "--limit", "2"] if has_option(path, "--limit") else list(path)
    into = ["--dir", str(tmp_path / "pulled")] if has_option(path, "--dir") else []  # pulls write files
    if has_option(path, "--id"):
        return [*path, "--id", first_id(jamfctl, path[0]), *into, *yes]
    if path[0] in ("computer", "mobile") and yes:
        return [*path, first_serial(jamfctl, path[0]), *EXTRA_ARGS.get(path, []), *yes]
    if path[:1] == ("auth",) or path[0] in ("commands", "server", "doctor", "report"):
        return list(path)
    pytest.fail(f"no generic invocation for `jamfctl {' '.join(path)}`: add one to tests/test_contract.py")


def test_the_tree_has_every_noun():
    nouns = {path[0] for path in DATA_COMMANDS}
    assert {"computer", "mobile", "group", "user", "policy", "config-profile", "script", "package", "category",
            "building", "department", "site", "ext-attr"} <= nouns


@pytest.mark.parametrize("path", DATA_COMMANDS, ids=" ".join)
def test_every_format_works(jamfctl, path, tmp_path):
    if path == ("diff",):  # two folders to compare: one backup, made twice
        for side in ("a", "b"):
            assert jamfctl("-p", "sandbox", "backup", str(tmp_path / side), "--only", "categories").exit_code == 0
    args = invocation(jamfctl, path, tmp_path)
    for fmt in FORMATS:
        result = jamfctl("-p", "sandbox", *args, "-o", fmt)
        assert result.exit_code == 0, (fmt, result.stderr)
        if path[-1] in ("list", "show"):
            assert result.stdout.strip(), fmt
        if fmt == "json":
            json.loads(result.stdout)
        if fmt == "ndjson":
            [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("path", [p for p in DATA_COMMANDS if has_option(p, "--fields") and p not in FIELDS_UNCHECKED],
                         ids=" ".join)
def test_an_unknown_field_is_exit_2_listing_valid_ones(jamfctl, path, tmp_path):
    result = jamfctl("-p", "sandbox", *invocation(jamfctl, path, tmp_path), "--fields", "no.such.field", "-o", "json")
    assert result.exit_code == 2, result.stderr
    assert "unknown field 'no.such.field'" in result.stderr and "Valid fields" in result.stderr
    assert json.loads(result.stderr.strip().splitlines()[-1])["exit_code"] == 2  # the JSON error line


@pytest.mark.parametrize("path", [p for p in DATA_COMMANDS if p[-1] in ("list", "show", "members")
                                  and p[0] != "auth"], ids=" ".join)
def test_fields_id_selects_only_id(jamfctl, path, tmp_path):
    result = jamfctl("-p", "sandbox", *invocation(jamfctl, path, tmp_path), "--fields", "id", "-o", "ndjson")
    assert result.exit_code == 0, result.stderr
    assert {key for line in result.stdout.splitlines() for key in json.loads(line)} == {"id"}


@pytest.mark.parametrize("path", [p for p in DATA_COMMANDS if has_option(p, "--id")], ids=" ".join)
def test_a_missing_object_is_exit_4_with_a_json_error_line(jamfctl, path):
    yes = ["--yes"] if has_option(path, "--yes") else []
    result = jamfctl("-p", "sandbox", *path, "--id", "2147483000", *yes, "-o", "json")
    assert result.exit_code == 4, result.stderr
    error = json.loads(result.stderr.strip().splitlines()[-1])
    assert error["error"] == "not_found" and error["exit_code"] == 4 and result.stdout == ""


@pytest.mark.parametrize("path", [p for p in DATA_COMMANDS if p[-1] in ("list", "show", "members")
                                  and p[0] != "auth"], ids=" ".join)
def test_a_403_names_the_privilege_to_grant(jamfctl, monkeypatch, path, tmp_path):
    """The sandbox's API role lacks the privilege this command's first request needs: exit 5, named."""
    from jamfctl.resources import collection
    from jamfctl.specs import nouns

    args = invocation(jamfctl, path, tmp_path)
    spec = nouns()[path[0]][0]
    needed = collection.privilege(spec, show=path[-1] == "show" and spec.item_path is not None)
    denied = frozenset(name.strip() for name in needed.split(","))
    monkeypatch.setattr(sandbox_pkg, "SandboxConfig", functools.partial(sandbox_pkg.SandboxConfig,
                                                                        denied_privileges=denied))
    result = jamfctl("-p", "sandbox", *args, "-o", "json")
    assert result.exit_code == 5, result.stderr
    assert needed in result.stderr
