"""Run jamfctl in-process as a fresh process would, and capture everything a secret could leak into.

`Harness(monkeypatch)`:
- builds Typer's click command once (Typer rebuilds it on every call, ~7 ms; the command is stateless),
  so that thousands of invocations stay quick;
- captures stdout, stderr (jamfctl's and Typer's own), every record of the "jamfctl" loggers at every
  level (the raw, unredacted message: redaction must not be what hides a secret that should never have
  been logged), and the formatted text of every exception that reached the error reporter;
- optionally routes every client to an in-process transport (`use_transport`) with a quick retry policy,
  through AppContext's own seams (`transport_factory`, `retry`), so that no socket is needed.
"""
from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx
import typer.main

from jamfctl import redact
from jamfctl.cli import app as app_module
from jamfctl.client import RetryPolicy
from jamfctl.context import AppContext
from jamfctl.sandbox import SandboxConfig
from jamfctl.sandbox.app import SandboxApp

QUICK_RETRY = RetryPolicy(base_delay=0.0005, max_delay=0.002)
_real_get_command = typer.main.get_command


@functools.lru_cache(maxsize=None)
def _cached_command(typer_app):
    return _real_get_command(typer_app)


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    logs: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything this invocation wrote or logged, in one string."""
        return "\n".join([self.stdout, self.stderr, *self.logs, *self.exceptions])


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        # The message as formatted, plus every text argument whole (numbers cannot carry a secret).
        texts = " ".join(a if isinstance(a, str) else repr(a) for a in args if not isinstance(a, (int, float)))
        self.records.append(f"{record.getMessage()} | {texts}")
        if record.exc_info:
            self.records.append("".join(traceback.format_exception(*record.exc_info)))


class Harness:
    def __init__(self, monkeypatch) -> None:
        self._monkeypatch = monkeypatch
        self._capture = _Capture()
        self._exceptions: list[str] = []
        self.transport_factory: Callable[[], httpx.BaseTransport] | None = None
        self.retry = QUICK_RETRY
        self.page_size: int | None = None  # e.g. 20: many pages from a small fleet
        monkeypatch.setattr(typer.main, "get_command", _cached_command)

        import jamfctl.context as context_module

        real_configure = context_module.configure_logging
        capture = self._capture

        def configure_logging(debug, stream, sandbox=False):
            real_configure(debug, stream, sandbox)
            logger = logging.getLogger("jamfctl")
            logger.addHandler(capture)
            logger.setLevel(logging.DEBUG)  # records at every level exist, shown on stderr or not

        monkeypatch.setattr(context_module, "configure_logging", configure_logging)
        real_report = app_module.report

        def report(app_ctx, exc, argv):
            self._exceptions.append(exception_text(exc))
            return real_report(app_ctx, exc, argv)

        monkeypatch.setattr(app_module, "report", report)

    def use_transport(self, factory: Callable[[], httpx.BaseTransport], retry: RetryPolicy = QUICK_RETRY) -> None:
        """Every client later runs build talks to `factory()` instead of the network, with `retry`."""
        self.transport_factory = factory
        self.retry = retry

    def context(self, out: io.StringIO, err: io.StringIO) -> AppContext:
        """A fresh AppContext for one run; routed through the seams once use_transport was called."""
        if self.transport_factory is None:
            return AppContext(stdout=out, stderr=err, page_size=self.page_size)
        return AppContext(stdout=out, stderr=err, transport_factory=self.transport_factory, retry=self.retry,
                          page_size=self.page_size)

    def run(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Run:
        """One invocation, as a new process: no secret remembered from an earlier run."""
        redact.forget_secrets()
        self._capture.records = []
        self._exceptions = []
        out, err = io.StringIO(), io.StringIO()
        saved_env = {name: os.environ.get(name) for name in env or {}}
        old_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin or "")
        try:
            os.environ.update(env or {})
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = app_module.run(list(args), self.context(out, err))
                except BaseException as exc:  # escaping run() is itself a failure the caller sees as -1
                    self._exceptions.append(exception_text(exc))
                    code = -1
        finally:
            sys.stdin = old_stdin
            for name, value in saved_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            logging.getLogger("jamfctl").removeHandler(self._capture)
        return Run(code, out.getvalue(), err.getvalue(), list(self._capture.records), list(self._exceptions))


def exception_text(exc: BaseException | None) -> str:
    """What an exception says, as a traceback would show it: type, message, --debug detail, whole chain."""
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append("".join(traceback.format_exception_only(exc)))
        if getattr(exc, "detail", None):
            parts.append(str(exc.detail))
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "".join(parts)


def files_containing(root: Path, needles: list[str]) -> list[str]:
    """Files under `root` whose bytes contain any of `needles` (UTF-8), as paths relative to root."""
    found = []
    encoded = [n.encode() for n in needles if n]
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(n in data for n in encoded):
                found.append(str(path.relative_to(root)))
    return found


class RecordingSandbox(SandboxApp):
    """The sandbox app, remembering every request it answered: (method, path, status, fault)."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        super().__init__(config)
        self.seen: list[tuple[str, str, int, str | None]] = []
        self._seen_lock = threading.Lock()

    def handle(self, method, path, query, headers, body):
        response = super().handle(method, path, query, headers, body)
        with self._seen_lock:
            self.seen.append((method, path, response.status, response.fault))
        return response

    def count(self, path_prefix: str = "") -> int:
        return sum(1 for _, path, _, _ in self.seen if path.startswith(path_prefix))
