"""Keychain failure modes, through the CLI: no backend, a locked one, one that raises (or hangs) on get,
set or delete.

Rule: each gives exit 3 and a plain message that says what happened and points to the JAMF_*
environment variables; the secret is never printed and never written anywhere else (no plain-text
fallback); a failing token cache never stops a command; `auth status` names the backend in use.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from jamfctl import auth
from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness, RecordingSandbox, files_containing
from support.keyrings import LockedKeyring, MemoryKeyring

URL = "https://jamf.example.com"
JAMFCTL = Path(sys.executable).parent / "jamfctl"
LOGIN = ("login", "-p", "k", "--url", URL, "--client-id", SANDBOX_CLIENT_ID, "--client-secret-stdin")


class FailingOn(MemoryKeyring):
    """A working keychain, except that the chosen operations raise (quoting the secret, as some do)."""

    def __init__(self, *operations: str) -> None:
        super().__init__()
        self.operations = set(operations)

    def get_password(self, service, username):
        if "get" in self.operations:
            raise RuntimeError(f"get failed for {service}/{username}")
        return super().get_password(service, username)

    def set_password(self, service, username, password):
        if "set" in self.operations:
            raise RuntimeError(f"could not store {password!r}")
        super().set_password(service, username, password)

    def delete_password(self, service, username):
        if "delete" in self.operations:
            raise RuntimeError(f"delete failed for {service}/{username}")
        super().delete_password(service, username)


class Hanging(MemoryKeyring):
    """A keychain that never answers (a locked login keychain waiting for a dialog nobody sees)."""

    release = threading.Event()

    def get_password(self, service, username):
        self.release.wait(10)

    def set_password(self, service, username, password):
        self.release.wait(10)


BACKENDS = {
    "none": fail.Keyring,
    "locked": LockedKeyring,
    "raises on get": lambda: FailingOn("get"),
    "raises on set": lambda: FailingOn("set"),
    "raises on delete": lambda: FailingOn("delete"),
    "raises on everything": lambda: FailingOn("get", "set", "delete"),
}
SAYS = {"none": "no OS keychain", "locked": "locked", "raises on get": "reading a secret",
        "raises on set": "storing a secret", "raises on delete": "removing a secret",
        "raises on everything": "reading a secret"}


@pytest.fixture
def cli(monkeypatch):
    harness = Harness(monkeypatch)
    harness.app = RecordingSandbox(SandboxConfig(computers=5))
    harness.use_transport(lambda: SandboxTransport(harness.app))
    return harness


def use(backend, holding: MemoryKeyring | None = None) -> None:
    """Switch to this keychain backend; a FailingOn one starts with what `holding` holds."""
    backend = backend() if callable(backend) else backend
    if holding is not None and isinstance(backend, FailingOn):
        backend.entries = dict(holding.entries)
    keyring.set_keyring(backend)


def logged_in(cli, keychain) -> None:
    """A profile `k` saved with a working keychain (the conftest's in-memory one)."""
    keyring.set_keyring(keychain)
    assert cli.run(*LOGIN, stdin=SANDBOX_CLIENT_SECRET).exit_code == 0


def assert_keychain_error(run, *words: str) -> None:
    assert run.exit_code == 3, run.stderr
    assert "JAMF_CLIENT_SECRET" in run.stderr, run.stderr  # what to do instead
    assert "Traceback" not in run.stderr and SANDBOX_CLIENT_SECRET not in run.text
    for word in words:
        assert word in run.stderr, run.stderr


def assert_nothing_written(home: Path) -> None:
    """No plain-text fallback: the secret is in no file, and jamfctl wrote nothing but its config."""
    assert files_containing(home, [SANDBOX_CLIENT_SECRET]) == []
    written = {str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()}
    assert written <= {".config/jamfctl/config.toml"}, written


# --- login ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["none", "locked", "raises on set", "raises on everything"])
def test_login_without_a_working_keychain_fails_plainly_and_stores_nothing(cli, tmp_path, name):
    """No keychain to keep the secret in: exit 3, a plain message, no profile saved, nothing on disk."""
    use(BACKENDS[name])
    run = cli.run(*LOGIN, stdin=SANDBOX_CLIENT_SECRET)
    assert_keychain_error(run, "keychain")
    if name == "none":
        assert "no OS keychain" in run.stderr and cli.app.seen == []  # refused before sending anything
    else:
        assert ("locked" if name == "locked" else "storing a secret") in run.stderr
    assert cli.run("auth", "status", "-o", "json").stdout.strip() == "[]"  # no profile was saved
    assert_nothing_written(tmp_path / "home")


@pytest.mark.parametrize("name", ["raises on get", "raises on delete"])
def test_login_needs_only_to_store(cli, tmp_path, name):
    """A keychain that fails only on reads or deletes still takes a new secret."""
    use(BACKENDS[name])
    assert cli.run(*LOGIN, stdin=SANDBOX_CLIENT_SECRET).exit_code == 0
    assert_nothing_written(tmp_path / "home")


# --- using a profile --------------------------------------------------------------------------------
@pytest.mark.parametrize("name, code", [("none", 3), ("locked", 3), ("raises on get", 3), ("raises on everything", 3),
                                        ("raises on set", 0), ("raises on delete", 0)])
def test_using_a_profile_when_the_keychain_fails(cli, keychain, tmp_path, name, code):
    """Reading the secret fails: exit 3 and say why. Only the token cache failing: the command still works."""
    logged_in(cli, keychain)
    keychain_entries = dict(keychain.entries)
    use(BACKENDS[name], holding=keychain)
    run = cli.run("-p", "k", "computer", "list", "-o", "json")
    if code == 3:
        assert_keychain_error(run, SAYS[name])
        assert cli.app.count("/api/v4/") == 0
    else:
        assert run.exit_code == 0 and run.stderr == "", run.stderr
    assert_nothing_written(tmp_path / "home")
    assert keychain.entries == keychain_entries  # the good keychain was left alone


def test_a_hanging_keychain_times_out_with_exit_3(cli, keychain, monkeypatch):
    """A keychain that never answers cannot hang a script: exit 3 after the keychain timeout."""
    logged_in(cli, keychain)
    monkeypatch.setattr(auth.Keychain.__init__, "__defaults__", (0.3,))
    use(Hanging())
    try:
        run = cli.run("-p", "k", "computer", "list", "-o", "json")
        login = cli.run(*LOGIN, stdin=SANDBOX_CLIENT_SECRET)
    finally:
        Hanging.release.set()
    assert_keychain_error(run, "did not answer")
    assert_keychain_error(login, "did not answer")


# --- logout -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["none", "locked", "raises on get", "raises on delete"])
def test_logout_that_cannot_remove_the_secret_says_so(cli, keychain, name):
    """logout never claims success it did not have: exit 3, and the profile stays so it can be retried."""
    logged_in(cli, keychain)
    use(BACKENDS[name], holding=keychain)
    run = cli.run("logout", "-p", "k")
    assert_keychain_error(run)
    assert "Logged out" not in run.stdout
    keyring.set_keyring(keychain)
    status = cli.run("auth", "status", "-o", "json")
    assert '"profile":"k"' in status.stdout.replace(" ", "")


def test_logout_removes_what_a_working_keychain_holds(cli, keychain):
    """The control: with a working keychain, logout removes the secret and the cached token."""
    logged_in(cli, keychain)
    assert keychain.entries
    assert cli.run("logout", "-p", "k").exit_code == 0
    assert keychain.entries == {}


# --- auth status ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, shown", [("memory", "MemoryKeyring"), ("none", "fail.Keyring"),
                                         ("locked", "LockedKeyring"), ("raises on get", "FailingOn")])
def test_auth_status_names_the_backend_in_use(cli, keychain, name, shown):
    """auth status says which keychain backend it uses (stderr: -o json stays pure data), and exits 0."""
    logged_in(cli, keychain)
    use(keychain if name == "memory" else BACKENDS[name], holding=keychain)
    for fmt in ("table", "json"):
        run = cli.run("auth", "status", "-o", fmt)
        assert run.exit_code == 0 and shown in run.stderr, run.stderr
        if name in ("none", "locked", "raises on get"):
            assert "unavailable" in run.stdout or "missing" in run.stdout
            assert SANDBOX_CLIENT_SECRET not in run.text
    if name == "none":
        assert "not usable" in run.stderr and "JAMF_CLIENT_SECRET" in run.stderr


def test_auth_status_names_the_backend_with_no_profiles(cli):
    """Even with nothing configured, the backend is named."""
    run = cli.run("auth", "status")
    assert run.exit_code == 0 and "keychain backend: support.keyrings.MemoryKeyring" in run.stderr


# --- the environment is the way out ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["none", "locked", "raises on everything"])
def test_environment_credentials_work_without_a_keychain(cli, tmp_path, name):
    """What every message points to works: JAMF_* variables, tokens kept in memory, nothing written."""
    use(BACKENDS[name])
    env = {"JAMF_URL": URL, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": SANDBOX_CLIENT_SECRET}
    run = cli.run("computer", "list", "-o", "json", env=env)
    assert run.exit_code == 0, run.stderr
    assert_nothing_written(tmp_path / "home")


def test_installed_cli_with_the_fail_backend(tmp_path):
    """The real console script with PYTHON_KEYRING_BACKEND=fail: login exits 3, plainly, writing no secret."""
    home = tmp_path / "plain-home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("JAMFCTL_CONFIG_DIR", None)
    result = subprocess.run([str(JAMFCTL), *LOGIN], input=SANDBOX_CLIENT_SECRET, capture_output=True, text=True,
                            env=env, timeout=30)
    assert result.returncode == 3
    assert "JAMF_CLIENT_SECRET" in result.stderr and "Traceback" not in result.stderr
    assert SANDBOX_CLIENT_SECRET not in result.stdout + result.stderr
    assert files_containing(home, [SANDBOX_CLIENT_SECRET]) == []


# --- login stores everything or nothing -------------------------------------------------------------
def test_relogin_whose_keychain_refuses_the_secret_leaves_the_config_as_it_was(cli, keychain):
    """The config is written before the secret; when the keychain then refuses the secret, the config
    goes back byte for byte (no profile without a secret, no changed default)."""
    from jamfctl import config

    logged_in(cli, keychain)
    before = config.config_path().read_bytes()
    use(BACKENDS["raises on set"], holding=keychain)
    run = cli.run("login", "-p", "other", "--url", URL, "--client-id", SANDBOX_CLIENT_ID, "--client-secret-stdin",
                  "--default", stdin=SANDBOX_CLIENT_SECRET)
    assert_keychain_error(run, "storing a secret")
    assert config.config_path().read_bytes() == before


class RefusesTokens(MemoryKeyring):
    """Keeps secrets, but refuses to store tokens (a full or picky keychain)."""

    def set_password(self, service, username, password):
        if service == auth.TOKEN_SERVICE:
            raise RuntimeError(f"no room for {password!r}")
        super().set_password(service, username, password)


def test_login_succeeds_when_only_the_token_cache_fails(cli, tmp_path):
    """The token is only a cache: a keychain that refuses it does not fail a login whose secret and
    profile were stored (exit 0, not an error after a half-done login)."""
    backend = RefusesTokens()
    use(backend)
    run = cli.run(*LOGIN, stdin=SANDBOX_CLIENT_SECRET)
    assert run.exit_code == 0, run.stderr
    assert backend.entries == {(auth.SECRET_SERVICE, "k"): SANDBOX_CLIENT_SECRET}
    assert SANDBOX_CLIENT_SECRET not in run.text
    assert_nothing_written(tmp_path / "home")
