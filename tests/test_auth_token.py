"""`jamfctl auth token`: {"token", "expires_at"} on stdout for other tools, and the only place a token shows.

The cached token while it stays valid, a new one with --refresh (which is then the cached one); expires_at in
ISO 8601 UTC; the token works as a bearer; it is on stdout only, never on stderr, in --debug output or in any
log record, and no other command prints it.
"""
from __future__ import annotations

import datetime
import json
import time

import httpx
import pytest

from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.server import start_in_thread
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness

URL = "https://jamf.example.com"
CANARY = "tok3n-canary-"


@pytest.fixture
def cli(monkeypatch):
    return Harness(monkeypatch)


def env(url: str = URL, secret: str = SANDBOX_CLIENT_SECRET) -> dict[str, str]:
    return {"JAMF_URL": url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": secret}


class NumberedTokens(SandboxApp):
    """Tokens a test can recognise anywhere: tok3n-canary-1, -2, ..."""

    minted = 0

    def new_token(self) -> str:
        self.minted += 1
        return f"{CANARY}{self.minted}-{'x' * 20}"


@pytest.fixture
def app(cli) -> NumberedTokens:
    sandbox = NumberedTokens(SandboxConfig(computers=5))
    cli.use_transport(lambda: SandboxTransport(sandbox))
    return sandbox


def printed(run) -> dict:
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == {"token", "expires_at"}
    return data


def test_prints_a_token_that_works_as_a_bearer_with_its_expiry_in_utc(cli):
    url, stop = start_in_thread(SandboxConfig(computers=3, token_ttl=600))
    try:
        data = printed(cli.run("auth", "token", env=env(url)))
        response = httpx.get(f"{url}/api/v1/jamf-pro-version", headers={"Authorization": f"Bearer {data['token']}"})
    finally:
        stop()
    assert response.status_code == 200
    assert data["expires_at"].endswith("Z")
    expires = datetime.datetime.strptime(data["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert 590 <= expires.timestamp() - time.time() <= 601


def test_the_cached_token_is_reused_and_refresh_replaces_it(cli, app):
    first = printed(cli.run("auth", "token", env=env()))["token"]
    assert printed(cli.run("auth", "token", env=env()))["token"] == first and app.minted == 1
    refreshed = printed(cli.run("auth", "token", "--refresh", env=env()))["token"]
    assert refreshed != first and app.minted == 2
    assert printed(cli.run("auth", "token", env=env()))["token"] == refreshed  # the new one is the cached one


def test_a_refused_secret_prints_nothing(cli, app):
    run = cli.run("auth", "token", env=env(secret="not-this-one"))
    assert run.exit_code == 3 and run.stdout == "" and "not-this-one" not in run.text


def test_the_token_is_on_stdout_only_even_with_debug(cli, app):
    run = cli.run("--debug", "auth", "token", env=env())
    token = printed(run)["token"]
    assert token.startswith(CANARY)
    assert token not in run.stderr and "debug:" in run.stderr
    assert not any(token in record for record in run.logs + run.exceptions)  # not even before redaction


def test_no_other_command_prints_or_logs_a_token(cli, app):
    """Every command that runs without arguments, plus a show, each with --debug after `auth token` cached one:
    no token minted by the sandbox appears in anything they write or log."""
    rows = json.loads(cli.run("commands", "-o", "json").stdout)
    listing = [row["command"].split() for row in rows if row["command"].endswith(" list")]
    others = [["auth", "status"], ["auth", "status", "--check"], ["server", "info"], ["doctor"], ["commands"],
              ["computer", "show", "--id", "1"], ["api", "/v1/jamf-pro-version"]]
    printed(cli.run("auth", "token", env=env()))
    for argv in listing + others:
        output = [] if argv[0] == "doctor" else ["-o", "json"]
        run = cli.run("--debug", *argv, *output, env=env())
        assert run.exit_code in (0, 1), (argv, run.stderr)
        assert CANARY not in run.text, argv
    assert app.minted >= 3  # server info, doctor and --check each got a new token, and none was shown
