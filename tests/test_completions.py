"""Shell completion: `jamfctl completion SHELL` prints a script, completions/ ships exactly that output,
and a shell's completion request is answered with the sub-commands."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jamfctl.cli.completion import SHELLS

REPO = Path(__file__).resolve().parents[1]
JAMFCTL = Path(sys.executable).parent / "jamfctl"


@pytest.mark.parametrize("shell", SHELLS)
def test_shipped_script_is_identical_to_the_command_output(jamfctl, shell):
    """completions/jamfctl.SHELL is byte-identical to `jamfctl completion SHELL`
    (regenerate with: jamfctl completion SHELL > completions/jamfctl.SHELL)."""
    result = jamfctl("completion", shell)
    assert result.exit_code == 0, result.stderr
    shipped = (REPO / "completions" / f"jamfctl.{shell}").read_bytes()
    assert result.stdout.encode() == shipped
    assert b"_JAMFCTL_COMPLETE" in shipped  # the script asks jamfctl itself for completions


def test_shell_names_are_case_insensitive(jamfctl):
    """`completion ZSH` prints the zsh script."""
    assert jamfctl("completion", "ZSH").stdout == jamfctl("completion", "zsh").stdout


@pytest.mark.parametrize("shell", ["tcsh", "", "bash;rm"])
def test_unknown_shell_exits_2(jamfctl, shell):
    """An unknown shell is a usage error that lists the supported ones; nothing on stdout."""
    result = jamfctl("completion", shell)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "bash" in result.stderr.lower() and "powershell" in result.stderr.lower()


def test_completion_needs_a_shell(jamfctl):
    """`jamfctl completion` without SHELL exits 2."""
    assert jamfctl("completion").exit_code == 2


def _complete(args: str, shell: str = "zsh") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAMF", "_JAMFCTL", "_TYPER"))}
    env.update({"_JAMFCTL_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": args})
    return subprocess.run([str(JAMFCTL)], capture_output=True, text=True, env=env, timeout=30)


@pytest.mark.skipif(not JAMFCTL.exists(), reason="the jamfctl console script is not installed")
def test_completion_request_lists_sub_commands():
    """A zsh completion request for `jamfctl computer ` offers list and show (from the installed script)."""
    result = _complete("jamfctl computer ")
    assert result.returncode == 0, result.stderr
    assert '"list"' in result.stdout and '"show"' in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not JAMFCTL.exists(), reason="the jamfctl console script is not installed")
def test_completion_request_for_options():
    """A bash completion request for `jamfctl computer list --l` offers --limit."""
    env_args = "jamfctl computer list --l"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAMF", "_JAMFCTL", "_TYPER"))}
    env.update({"_JAMFCTL_COMPLETE": "complete_bash", "COMP_WORDS": env_args, "COMP_CWORD": "3"})
    result = subprocess.run([str(JAMFCTL)], capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "--limit" in result.stdout.split()
