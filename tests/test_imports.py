"""Start-up guard: what `jamfctl --version`, `--help` of every group, a leaf's `--help`, a completion request
for every group and a cached-token `computer show -o json` import (and which of jamfctl's JSON files they read).

The benchmarks (benchmarks/run.py, benchmarks/show_path.py) time these; this test catches the usual regression
behind a slower start-up, a heavy module imported at the top of a module on the start-up path, without timing
anything. The groups are walked from the command tree (tests/support/tree.py): a new group is covered at once.

pydantic is banned outright: Typer 0.29 would import it to coerce every option, but jamfctl coerces its
string options itself (jamfctl.cli.typer_compat.plain_string_coercion), so neither help nor completion
nor a show needs it.
"""
from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from support import tree

ROOT = Path(__file__).resolve().parents[1]

# What a probe records: the modules loaded (None entries are imports jamfctl blocks) and the JSON files of
# the jamfctl package it opened (the API schema index, catalogues, sandbox data).
RECORDER = """
import io, json, os, sys
import builtins
opened, _open = [], io.open
def _recording_open(file, *args, **kwargs):
    name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else ""
    if name.endswith(".json") and "jamfctl" in name:
        opened.append(name)
    return _open(file, *args, **kwargs)
builtins.open = io.open = _recording_open
loaded = lambda: {k for k, v in sys.modules.items() if v is not None}
"""
# Runs the console-script entry point as the installed `jamfctl` does, then records at exit (main() always
# ends in sys.exit, which runs atexit handlers).
PROBE = RECORDER + """
import atexit
def dump():
    with _open(os.environ["JAMFCTL_IMPORTS_OUT"], "w") as fh:
        json.dump({"modules": sorted(loaded()), "opened": opened}, fh)
atexit.register(dump)
sys.argv = ["jamfctl", *json.loads(os.environ["JAMFCTL_IMPORTS_ARGV"])]
from jamfctl.entry import main
main()
"""
# Several invocations in one process, in turn, each with its own extra environment: what each added to
# sys.modules, what it opened, its exit code and its stdout.
IN_TURN_PROBE = RECORDER + """
import contextlib
from jamfctl.entry import main
first = before = loaded()
steps = []
for step in json.loads(os.environ["JAMFCTL_IMPORTS_ARGV"]):
    os.environ.update(step["env"])
    out, code, opened[:] = io.StringIO(), None, []
    try:
        with contextlib.redirect_stdout(out):
            main(step["argv"])
    except SystemExit as exc:
        code = exc.code
    for name in step["env"]:
        del os.environ[name]
    now = loaded()
    steps.append({"argv": step["argv"], "code": code, "added": sorted(now - before), "opened": list(opened),
                  "stdout": out.getvalue()})
    before = now
with _open(os.environ["JAMFCTL_IMPORTS_OUT"], "w") as fh:
    json.dump({"first": sorted(first), "steps": steps}, fh)
"""

NEVER_FOR_HELP = ("httpx", "httpcore", "keyring", "yaml", "truststore", "pydantic", "pydantic_core",
                  "jamfctl.client", "jamfctl.auth", "jamfctl.sandbox", "jamfctl.resources")
# Nor the schema index for a group's help or completion (`jamfctl api PATH<TAB>` completes from it, rightly).
NEVER_FOR_GROUPS = (*NEVER_FOR_HELP, "jamfctl.api_schema")
# A cached-token show over http: the keychain backend named, the request, JSON out. No models, no rich,
# no TLS, no other keychain backend, no schema, no simulator.
NEVER_FOR_SHOW = ("pydantic", "pydantic_core", "rich", "typer.rich_utils", "yaml", "truststore", "httpx._main",
                  "jamfctl.sandbox", "jamfctl.api_schema", "jamfctl.resources.models", "keyring.backends.macOS",
                  "keyring.backends.Windows", "keyring.backends.SecretService", "keyring.backends.kwallet",
                  "keyring.backends.libsecret")
GROUPS = [path for path, _ in tree.groups()]  # the root and every group, walked
HEAVY_FOR_VERSION = ("typer", "rich", "httpx", "keyring", "pydantic", "jamfctl.cli")


def clean_env(tmp_path: Path, **env: str) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("JAMF_", "JAMFCTL_", "_JAMFCTL_", "_TYPER_", "PYTHON", "NO_COLOR"))}
    clean.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), JAMFCTL_CONFIG_DIR=str(home / "cfg"), **env)
    return clean


def probe(tmp_path: Path, argv: list, script: str = PROBE, **env: str) -> tuple[dict, str]:
    out = tmp_path / "recorded.json"
    env = clean_env(tmp_path, JAMFCTL_IMPORTS_OUT=str(out), JAMFCTL_IMPORTS_ARGV=json.dumps(argv), **env)
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text()), result.stdout


def imported(tmp_path: Path, argv: list, **env: str) -> tuple[set[str], str]:
    """(modules, stdout) of one invocation: other tests' import checks (test_commands) use it."""
    recorded, stdout = probe(tmp_path, argv, **env)
    return set(recorded["modules"]), stdout


def offenders(modules, banned: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == b or m.startswith(b + ".") for b in banned))


def blame(result: dict, banned: tuple[str, ...]) -> dict[str, str]:
    """Each banned module (or jamfctl JSON file opened) -> the first invocation that brought it in."""
    found = {module: "start-up" for module in offenders(result["first"], banned)}
    for step in result["steps"]:
        for module in offenders(step["added"], banned) + [Path(f).name for f in step["opened"]]:
            found.setdefault(module, " ".join(step["argv"]) or step["env"].get("_TYPER_COMPLETE_ARGS", ""))
    return found


def test_version_imports_no_cli_framework_network_or_keychain(tmp_path):
    recorded, stdout = probe(tmp_path, ["--version"])
    assert stdout.startswith("jamfctl ")
    assert "jamfctl.entry" in recorded["modules"]  # the probe really ran jamfctl
    assert offenders(recorded["modules"], HEAVY_FOR_VERSION) == []


def test_every_group_help_imports_no_network_keychain_models_schema_or_sandbox(tmp_path):
    """`--help` of the root and of every group, walked from the command tree (a new group is covered), in one
    process one after another: what all of them import together must hold no banned module, so neither
    does any one of them; each banned module is blamed on the first help that imported it."""
    result, _ = probe(tmp_path, [{"argv": [*path, "--help"], "env": {}} for path in GROUPS], IN_TURN_PROBE)
    steps = result["steps"]
    assert [step["code"] for step in steps] == [0] * len(GROUPS), [(s["argv"], s["code"]) for s in steps]
    assert all("Usage: jamfctl" in step["stdout"] for step in steps)
    assert "typer" in result["first"] or any("typer" in step["added"] for step in steps)  # help needs Typer
    assert blame(result, NEVER_FOR_GROUPS) == {}


def test_every_group_completion_imports_no_network_keychain_models_schema_or_sandbox(tmp_path):
    """A shell's completion request below every group (what `jamfctl completion` installs), in turn: each
    answers with the group's sub-commands, and none imports what help may not."""
    requests = [{"argv": [], "env": {"_JAMFCTL_COMPLETE": "complete_zsh",
                                     "_TYPER_COMPLETE_ARGS": " ".join(["jamfctl", *path, ""])}} for path in GROUPS]
    result, _ = probe(tmp_path, requests, IN_TURN_PROBE)
    names = {path: [name for sub, _ in tree.walk() if sub[:-1] == path and sub for name in sub[-1:]]
             for path in GROUPS}
    for path, step in zip(GROUPS, result["steps"], strict=True):
        assert step["code"] in (0, None), (path, step["code"])
        assert any(name in step["stdout"] for name in names[path]), (path, step["stdout"][:200])
    assert blame(result, NEVER_FOR_GROUPS) == {}


@pytest.mark.parametrize("argv", [["computer", "list", "--help"], ["computer", "show", "--help"]],
                         ids=["computer-list-help", "computer-show-help"])
def test_leaf_help_imports_no_network_keychain_models_schema_or_sandbox(tmp_path, argv):
    recorded, stdout = probe(tmp_path, argv)
    assert "Usage" in stdout
    assert "typer" in recorded["modules"]  # help does need the CLI framework
    assert offenders(recorded["modules"], NEVER_FOR_GROUPS) == []
    assert recorded["opened"] == []


@pytest.mark.slow  # a `sandbox serve` subprocess, a login and the show: ~3 s
def test_a_cached_token_show_imports_only_what_it_uses(tmp_path):
    """`computer show SERIAL -o json` with the token cached in the keychain, over real HTTP (loopback), with
    NO_COLOR set: no pydantic (neither Typer's nor the model's), no rich, no TLS, no other keychain backend."""
    env = clean_env(tmp_path, PYTHONPATH=str(ROOT / "tests"), PYTHON_KEYRING_BACKEND="support.keyrings.FileKeyring",
                    JAMFCTL_TEST_KEYRING=str(tmp_path / "keyring.json"), NO_COLOR="1")
    server = subprocess.Popen([sys.executable, "-m", "jamfctl", "sandbox", "serve", "--port", "0"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert select.select([server.stdout], [], [], 30)[0], "sandbox serve printed no URL"
        url = server.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        jamfctl = [sys.executable, "-m", "jamfctl"]
        login = subprocess.run([*jamfctl, "login", "-p", "bench", "--url", url, "--client-id", "jamfctl-sandbox",
                                "--client-secret-stdin"], input="sandbox-secret", env=env, capture_output=True,
                               text=True, timeout=60)
        assert login.returncode == 0, login.stderr
        listing = subprocess.run([*jamfctl, "-p", "bench", "computer", "list", "--limit", "1", "-o", "json"],
                                 env=env, capture_output=True, text=True, timeout=60)
        serial = json.loads(listing.stdout)[0]["hardware"]["serialNumber"]
        probe_env = {k: env[k] for k in ("PYTHONPATH", "PYTHON_KEYRING_BACKEND", "JAMFCTL_TEST_KEYRING", "NO_COLOR")}
        recorded, stdout = probe(tmp_path, ["-p", "bench", "computer", "show", serial, "-o", "json"], **probe_env)
    finally:
        server.terminate()
        server.wait(10)
    assert json.loads(stdout)["hardware"]["serialNumber"] == serial
    assert "httpx" in recorded["modules"] and "support.keyrings" in recorded["modules"]  # it did the real thing
    assert offenders(recorded["modules"], NEVER_FOR_SHOW) == []
    assert not any(name.endswith("api_index.json") for name in recorded["opened"])


def test_offenders_matches_packages_and_submodules_only():
    assert offenders({"httpx", "httpx._client", "httpxlike", "jamfctl.client", "jamfctl.cli"},
                     ("httpx", "jamfctl.client")) == ["httpx", "httpx._client", "jamfctl.client"]
