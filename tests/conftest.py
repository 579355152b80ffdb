"""Every test runs isolated: its own config folder and HOME, an in-memory keychain, no JAMF_* variables."""
from __future__ import annotations

import io
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

from jamfctl import redact
from jamfctl.cli.app import run
from jamfctl.context import AppContext

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.keyrings import MemoryKeyring  # noqa: E402

# A suite started in the background (`pytest &`, some CI runners) inherits SIGINT ignored, and so would
# every jamfctl it starts: the Ctrl-C tests and the SIGINT that stops `sandbox serve` would do nothing.
# Restoring the handler here makes every child start with the default, as it would from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

CREDENTIAL_VARS = ("JAMF_URL", "JAMF_CLIENT_ID", "JAMF_CLIENT_SECRET", "JAMFCTL_PROFILE", "JAMFCTL_TIMEOUT",
                   "JAMFCTL_DEBUG", "JAMFCTL_CA_BUNDLE", "JAMFCTL_MAX_CONNECTIONS", "NO_COLOR",
                   "PYTHON_KEYRING_BACKEND")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("JAMFCTL_CONFIG_DIR", str(home / ".config" / "jamfctl"))
    monkeypatch.setenv("COLUMNS", "200")
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    redact.forget_secrets()
    yield memory
    keyring.set_keyring(previous)
    redact.forget_secrets()


@pytest.fixture
def keychain(isolated) -> MemoryKeyring:
    """The in-memory keychain of this test."""
    return isolated


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def jamfctl(capsys):
    """Run jamfctl in-process with captured streams: jamfctl("computer", "list", ...) -> Result."""

    def invoke(*args: str, stdin: str | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        old_stdin = sys.stdin
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        try:
            code = run(list(args), AppContext(stdout=out, stderr=err))
        finally:
            sys.stdin = old_stdin
        captured = capsys.readouterr()  # Typer's own usage errors go to sys.stderr
        return Result(code, out.getvalue() + captured.out, err.getvalue() + captured.err)

    return invoke
