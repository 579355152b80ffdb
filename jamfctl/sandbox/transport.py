"""In-process httpx transport for `-p sandbox`: no socket, but latency and faults behave like the wire."""

from __future__ import annotations

import time

import httpx

from . import SandboxConfig
from .app import SandboxApp

MAX_STALL_S = 60.0  # a `slow` fault never holds the caller longer than this, even without a read timeout


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, app: SandboxApp | SandboxConfig | None = None):
        self.app = app if isinstance(app, SandboxApp) else SandboxApp(app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers.raw}
        query = request.url.params.multi_items()
        if self.app.latency_s:
            time.sleep(self.app.latency_s)
        # the raw path, as a server receives it: url.path is percent-decoded, and decoding first would turn an
        # encoded '/' into a path segment (the app decodes segment by segment after splitting)
        path = request.url.raw_path.split(b"?", 1)[0].decode("latin-1")
        result = self.app.handle(request.method, path, query, headers, body)
        if result.fault == "reset":
            raise httpx.ReadError("Connection reset by peer (sandbox fault injection)", request=request)
        if result.fault == "slow":
            timeout = (request.extensions.get("timeout") or {}).get("read")
            time.sleep(MAX_STALL_S if timeout is None else min(float(timeout), MAX_STALL_S))
            raise httpx.ReadTimeout("The read operation timed out (sandbox fault injection)", request=request)
        response_headers = dict(result.headers)
        response_headers["Content-Length"] = str(len(result.body))
        return httpx.Response(result.status, headers=response_headers, content=result.body, request=request,
                              extensions={"http_version": b"HTTP/1.1"})
