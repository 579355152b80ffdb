"""Writes are safe by construction: declared once, refused on read-only profiles, confirmed, dry-run-able,
and a POST is never sent twice once it may have reached the server."""
from __future__ import annotations

import io

import httpx
import pytest
import typer

from jamfctl import specs
from jamfctl.cli import typer_compat, writes
from jamfctl.cli.app import app
from jamfctl.client import JamfClient, RetryPolicy
from jamfctl.context import AppContext
from jamfctl.errors import NetworkError, UsageError
from jamfctl.writes import Request


def walk(command, ctx, path=()):
    yield path, command
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            yield from walk(command.get_command(ctx, name), ctx, (*path, name))


def leaves():
    root = typer.main.get_command(app)
    return [(" ".join(path), {o for p in cmd.params for o in p.opts})
            for path, cmd in walk(root, typer_compat.click().Context(root)) if not hasattr(cmd, "list_commands")]


def writing_commands() -> list[str]:
    """Leaves with --dry-run: the commands that change something (every one must offer a dry run)."""
    return [name for name, options in leaves() if "--dry-run" in options]


def test_yes_without_dry_run_is_only_for_revealing_a_secret():
    """--yes skips a question; only a write (which has --dry-run) or a --reveal (which reads) asks one."""
    assert [name for name, o in leaves() if "--yes" in o and not o & {"--dry-run", "--reveal"}] == []


def test_every_writing_command_is_declared_and_every_declaration_is_a_command():
    found = set(writing_commands())
    declared = {w.command for w in specs.WRITES}
    assert found <= declared, f"declare these in jamfctl.specs.WRITES: {sorted(found - declared)}"
    assert declared <= found | {"api"}, f"declared but no such command: {sorted(declared - found)}"
    for write in specs.WRITES:
        assert write.endpoints and write.privileges, write.command


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_confirmation_needs_a_terminal_or_yes():
    ctx = AppContext(stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO(), profile="sandbox")
    with pytest.raises(UsageError, match="stdin is not a terminal, so pass --yes; nothing was sent"):
        writes.confirm(ctx, "Restart 3 computers", yes=False)
    writes.confirm(ctx, "Restart 3 computers", yes=True)
    writes.confirm(ctx, "Restart 3 computers", yes=False, dry_run=True)


def test_confirmation_on_a_terminal_names_the_server_and_takes_only_yes():
    err = io.StringIO()
    ctx = AppContext(stdin=TTY("y\n"), stdout=io.StringIO(), stderr=err, profile="sandbox")
    writes.confirm(ctx, "Restart 3 computers", yes=False)
    assert "Restart 3 computers on the sandbox? [y/N]" in err.getvalue()
    with pytest.raises(UsageError, match="not confirmed"):
        writes.confirm(AppContext(stdin=TTY("\n"), stderr=io.StringIO(), profile="sandbox"), "Erase 1 computer", False)


def test_a_read_only_profile_refuses(monkeypatch):
    monkeypatch.setenv("JAMFCTL_READ_ONLY", "1")
    with pytest.raises(UsageError, match="`jamfctl computer restart` writes, and .* is read-only; nothing was sent"):
        writes.refuse_if_read_only(AppContext(profile="sandbox"), "computer restart")
    monkeypatch.delenv("JAMFCTL_READ_ONLY")
    writes.refuse_if_read_only(AppContext(profile="sandbox"), "computer restart")


def test_a_read_only_login_is_kept_in_the_config(jamfctl):
    from jamfctl import config

    cfg = config.Config(profiles={"ro": config.Profile("ro", "https://x.example.com", "id", read_only=True)})
    config.save(cfg)
    assert config.load().profiles["ro"].read_only is True
    assert AppContext(profile="ro").read_only is True


def test_dry_run_lines_redact_secrets_in_bodies():
    request = Request("POST", "/api/v2/mdm/commands",
                      json={"clientData": [{"managementId": "m-1"}], "commandData": {"commandType": "DEVICE_LOCK",
                                                                                       "pin": "123456"}})
    out = io.StringIO()
    assert writes.print_dry_run(AppContext(stdout=out), [request]) == 1
    line = out.getvalue()
    assert line.startswith("would send: POST /api/v2/mdm/commands ") and "123456" not in line and "<redacted>" in line


class Recording(httpx.BaseTransport):
    """Counts requests that reached the 'server'; fails each one as told."""

    def __init__(self, failure):
        self.failure, self.seen = failure, []

    def handle_request(self, request):
        if self.failure == "connect":
            self.seen.append("refused")
            raise httpx.ConnectError("refused", request=request)
        self.seen.append(request.method)
        raise httpx.ReadError("connection reset after the request was received", request=request)


def client_for(transport) -> JamfClient:
    from jamfctl.auth import Credentials

    creds = Credentials("https://jamf.example.com", "id", "secret", "environment")
    client = JamfClient("https://jamf.example.com", transport=transport, credentials=creds,
                        retry=RetryPolicy(base_delay=0.001, max_delay=0.002))
    client.tokens.token = lambda: "t0k3n-for-tests"  # no token request: only the write reaches the transport
    return client


def test_a_post_reset_after_it_was_received_is_never_sent_again():
    transport = Recording("reset")
    with pytest.raises(NetworkError):
        client_for(transport).send(Request("POST", "/api/v2/mdm/commands", json={"x": 1}))
    assert transport.seen == ["POST"]


def test_a_post_refused_before_it_left_is_retried_and_a_put_after_a_reset_too():
    refused = Recording("connect")
    with pytest.raises(NetworkError):
        client_for(refused).send(Request("POST", "/api/v2/mdm/commands", json={"x": 1}))
    assert len(refused.seen) > 1
    reset = Recording("reset")
    with pytest.raises(NetworkError):
        client_for(reset).send(Request("PUT", "/api/v1/scripts/1", json={"name": "x"}))
    assert len(reset.seen) > 1
