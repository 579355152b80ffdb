"""Start-up guard: what `jamfctl --version`, `--help` of every group, `computer list --help` and a completion
request import.

The benchmarks (benchmarks/run.py) time start-up; this test catches the usual regression behind a slower
start-up, a heavy module imported at the top of a module on the start-up path, without timing anything.

One allowance: Typer 0.29 coerces option values through pydantic TypeAdapters, so once a sub-command is
reached (`computer --help`, a completion request) Typer itself imports pydantic to process the root
options, and the bare two-command Typer app of the benchmarks does the same. pydantic is therefore
allowed only where that bare app imports it too; everything else is banned outright.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import tree

ROOT = Path(__file__).resolve().parents[1]

# Runs the console-script entry point as the installed `jamfctl` does, then records sys.modules at exit
# (main() always ends in sys.exit, which runs atexit handlers).
PROBE = """
import atexit, json, os, sys
def dump():
    with open(os.environ["JAMFCTL_IMPORTS_OUT"], "w") as fh:
        json.dump(sorted(k for k, v in sys.modules.items() if v is not None), fh)
atexit.register(dump)
sys.argv = ["jamfctl", *json.loads(os.environ["JAMFCTL_IMPORTS_ARGV"])]
from jamfctl.entry import main
main()
"""

NEVER_FOR_HELP = ("httpx", "httpcore", "keyring", "yaml", "truststore",
                  "jamfctl.client", "jamfctl.auth", "jamfctl.sandbox", "jamfctl.resources")
PYDANTIC = ("pydantic", "pydantic_core")
BARE_APP = ROOT / "benchmarks" / "bare_typer_app.py"
# The bare app, run as a script (Typer names it, and its completion variable, after the file).
BARE_PROBE = PROBE.replace("from jamfctl.entry import main\nmain()",
                           "import runpy\nrunpy.run_path(sys.argv[0], run_name='__main__')")
# Several invocations in one process, in turn: sys.modules after each (what it added), and each exit code.
IN_TURN_PROBE = """
import json, os, sys
from jamfctl.entry import main
loaded = lambda: {k for k, v in sys.modules.items() if v is not None}  # None: an import blocked
first = before = loaded()
steps = []
for argv in json.loads(os.environ["JAMFCTL_IMPORTS_ARGV"]):
    code = None
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code
    now = loaded()
    steps.append({"argv": argv, "code": code, "added": sorted(now - before)})
    before = now
with open(os.environ["JAMFCTL_IMPORTS_OUT"], "w") as fh:
    json.dump({"first": sorted(first), "steps": steps}, fh)
"""
GROUP_HELP = [[*path, "--help"] for path, _ in tree.groups()]  # the root and every group, walked
HEAVY_FOR_VERSION = ("typer", "rich", "httpx", "keyring", "pydantic", "jamfctl.cli")


def imported(tmp_path: Path, argv: list, bare: bool = False, probe: str = PROBE, **env: str) -> tuple[set[str], str]:
    out = tmp_path / ("bare.json" if bare else "modules.json")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("JAMF_", "JAMFCTL_", "_JAMFCTL_", "_TYPER_", "PYTHON"))}
    clean.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), JAMFCTL_CONFIG_DIR=str(home / "cfg"),
                 JAMFCTL_IMPORTS_OUT=str(out), JAMFCTL_IMPORTS_ARGV=json.dumps(argv), **env)
    if bare:
        probe = BARE_PROBE.replace('sys.argv = ["jamfctl", ', f'sys.argv = [{str(BARE_APP)!r}, ')
    result = subprocess.run([sys.executable, "-c", probe], env=clean, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    if probe is IN_TURN_PROBE:
        return json.loads(out.read_text()), result.stdout
    return set(json.loads(out.read_text())), result.stdout


def offenders(modules: set[str], banned: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == b or m.startswith(b + ".") for b in banned))


def test_version_imports_no_cli_framework_network_or_keychain(tmp_path):
    modules, stdout = imported(tmp_path, ["--version"])
    assert stdout.startswith("jamfctl ")
    assert "jamfctl.entry" in modules  # the probe really ran jamfctl
    assert offenders(modules, HEAVY_FOR_VERSION) == []


def banned_for_help(jamfctl_modules: set[str], bare_modules: set[str]) -> list[str]:
    """Heavy modules jamfctl imports; pydantic only counts when the bare Typer app does without it."""
    return offenders(jamfctl_modules, NEVER_FOR_HELP) + offenders(jamfctl_modules - bare_modules, PYDANTIC)


def test_every_group_help_imports_no_network_keychain_models_or_sandbox(tmp_path):
    """`--help` of the root and of every group, walked from the command tree (a new noun is covered), in one
    process one after another: what all of them import together must hold no banned module, so neither
    does any one of them; each banned module is blamed on the first help that imported it."""
    result, stdout = imported(tmp_path, GROUP_HELP, probe=IN_TURN_PROBE)
    steps = result["steps"]
    assert [step["code"] for step in steps] == [0] * len(GROUP_HELP), steps
    assert stdout.count("Usage: jamfctl") == len(GROUP_HELP)
    bare, bare_out = imported(tmp_path, ["computer", "--help"], bare=True)  # a sub-group's help, bare
    assert "Usage" in bare_out
    modules = set(result["first"]).union(*(step["added"] for step in steps))
    assert "typer" in modules  # help does need the CLI framework
    blame = {module: " ".join(step["argv"]) for step in steps for module in step["added"]}
    assert {module: blame.get(module, "start-up") for module in banned_for_help(modules, bare)} == {}


@pytest.mark.parametrize("argv", [["computer", "list", "--help"]], ids=["computer-list-help"])
def test_help_imports_no_network_keychain_models_or_sandbox(tmp_path, argv):
    modules, stdout = imported(tmp_path, argv)
    assert "Usage" in stdout
    assert "typer" in modules  # help does need the CLI framework
    bare, bare_out = imported(tmp_path, argv, bare=True)
    assert "Usage" in bare_out
    assert banned_for_help(modules, bare) == []


def test_root_help_imports_no_pydantic_at_all(tmp_path):
    modules, _ = imported(tmp_path, ["--help"])
    assert offenders(modules, PYDANTIC) == []


def test_completion_request_imports_no_network_keychain_models_or_sandbox(tmp_path):
    modules, stdout = imported(tmp_path, [], _JAMFCTL_COMPLETE="complete_zsh",
                               _TYPER_COMPLETE_ARGS="jamfctl computer ")
    assert "show" in stdout and "list" in stdout
    bare, bare_out = imported(tmp_path, [], bare=True, **{"_BARE_TYPER_APP.PY_COMPLETE": "complete_zsh",
                                                          "_TYPER_COMPLETE_ARGS": "bare_typer_app.py computer "})
    assert "show" in bare_out and "list" in bare_out
    assert banned_for_help(modules, bare) == []


def test_offenders_matches_packages_and_submodules_only():
    assert offenders({"httpx", "httpx._client", "httpxlike", "jamfctl.client", "jamfctl.cli"},
                     ("httpx", "jamfctl.client")) == ["httpx", "httpx._client", "jamfctl.client"]
