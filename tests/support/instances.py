"""Sandbox instances for the config-as-code tests: one SandboxApp kept across invocations (so writes are
read back), every request it answers recorded, and Jamf Pro servers over real HTTP named by profiles."""
from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass

from jamfctl.cli.app import run
from jamfctl.context import AppContext
from jamfctl.sandbox import SandboxConfig
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.transport import SandboxTransport


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


class Recording(SandboxTransport):
    """The in-process sandbox, remembering (method, path) of every request that reached it."""

    def __init__(self, app: SandboxApp) -> None:
        super().__init__(app)
        self.seen: list[tuple[str, str]] = []

    def handle_request(self, request):
        self.seen.append((request.method, request.url.path))
        return super().handle_request(request)


class Instance:
    """`-p sandbox` against one SandboxApp for the whole test: instance("script", "push", ...) -> Result."""

    def __init__(self, **config) -> None:
        self.app = SandboxApp(SandboxConfig(**{"computers": 40, **config}))
        self.transport = Recording(self.app)

    @property
    def store(self):
        return self.app.resources.store

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.transport.seen if m != "GET" and not p.endswith("/oauth/token")]

    def __call__(self, *args: str, stdin: io.StringIO | None = None) -> Result:
        return invoke(["-p", "sandbox", *args], stdin=stdin, transport=self.transport)

    def script(self, name: str) -> dict:
        return next(row for row in self.store.collection("scripts").rows if row["name"] == name)


def invoke(args: list[str], stdin=None, transport=None) -> Result:
    """jamfctl in-process with captured streams (stdin empty, i.e. no terminal, unless given)."""
    out, err = io.StringIO(), io.StringIO()
    ctx = AppContext(stdout=out, stderr=err, stdin=stdin if stdin is not None else io.StringIO(""),
                     transport_factory=(lambda: transport) if transport is not None else None)
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        code = run(list(args), ctx)
    return Result(code, out.getvalue(), err.getvalue() + captured.getvalue())


@contextlib.contextmanager
def served(**config):
    """A sandbox over loopback HTTP: yields (url, app)."""
    from jamfctl.sandbox import server

    srv = server.make_server(SandboxConfig(**{"computers": 40, **config}))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv.base_url, srv.app
    finally:
        srv.stopping.set()
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


def use_server(monkeypatch, url: str) -> None:
    monkeypatch.setenv("JAMF_URL", url)
    monkeypatch.setenv("JAMF_CLIENT_ID", "jamfctl-sandbox")
    monkeypatch.setenv("JAMF_CLIENT_SECRET", "sandbox-secret")


def add_profile(name: str, url: str, read_only: bool = False) -> None:
    """A logged-in profile (config file + secret in the test's in-memory keychain) for a sandbox URL."""
    from jamfctl import config
    from jamfctl.auth import Keychain

    cfg = config.load()
    cfg.profiles[name] = config.Profile(name, url, "jamfctl-sandbox", read_only=read_only)
    config.save(cfg)
    Keychain().set_secret(name, "sandbox-secret")


__all__ = ["Instance", "Recording", "Result", "TTY", "add_profile", "invoke", "served", "use_server"]
