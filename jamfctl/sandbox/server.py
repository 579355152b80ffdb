"""`jamfctl sandbox serve`: the simulator over real HTTP/1.1 on a loopback address, faults realised on the socket."""

from __future__ import annotations

import io
import select
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit

from jamfctl.validate import is_loopback

from . import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from .app import SandboxApp, SandboxResponse, api_error

SLOW_STALL_S = 120.0  # a `slow` fault stalls this long at most, or until the client or the server goes away
_SECRET_PARAM_WORDS = ("secret", "token", "password", "key")
MAX_BODY = 1 << 20  # the only bodies the sandbox reads are token forms; reading a huge one would need its size in memory


def check_loopback(host: str) -> None:
    """The sandbox has fake credentials and no TLS: it must never listen beyond this machine."""
    if not is_loopback(host):
        raise ValueError(f"refusing to serve the sandbox on {host!r}: use a loopback address such as 127.0.0.1")


def _content_length(value: str | None) -> int | None:
    """The request body's length: absent is 0; None unless it is plain ASCII digits (RFC 9110's 1*DIGIT)."""
    if value is None:
        return 0
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value) if len(value) < 20 else 10**20  # longer is too large all the same; int() has a digit limit


def _safe_target(target: str) -> str:
    """The request target for the access log, with any secret-looking query value masked."""
    parts = urlsplit(target)
    if not parts.query:
        return target
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(w in k.lower() for k, _ in pairs for w in _SECRET_PARAM_WORDS):
        return target
    masked = [(k, "<redacted>" if any(w in k.lower() for w in _SECRET_PARAM_WORDS) else v) for k, v in pairs]
    return f"{parts.path}?{urlencode(masked, safe='<>')}"


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # shutting down never waits for a stalled (`slow`) connection
    allow_reuse_address = True

    def __init__(self, address, app: SandboxApp, log: TextIO):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.app = app
        self.log = log
        self.log_lock = threading.Lock()
        self.stopping = threading.Event()

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return  # a client that went away mid-request is routine here
        self.write_log(f"{client_address[0]} internal error: {type(exc).__name__}: {exc}")

    def write_log(self, line: str) -> None:
        with self.log_lock:
            try:
                self.log.write(line + "\n")
                self.log.flush()
            except (OSError, ValueError):
                pass

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, every response framed by Content-Length
    disable_nagle_algorithm = True  # headers and body are separate writes; don't let Nagle delay the body
    server_version = "JamfProSandbox"
    sys_version = ""
    server: SandboxHTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args) -> None:  # replaced by one access-log line per request
        pass

    def log_request(self, code="-", size="-") -> None:
        pass

    def _serve(self) -> None:
        started = time.perf_counter()
        length = _content_length(self.headers.get("Content-Length"))
        if length is None:  # where the body ends is unknown, so this connection cannot carry another request
            self.close_connection = True
            response = api_error(400, "INVALID_CONTENT_LENGTH", "Content-Length must be a number of bytes")
        elif length > MAX_BODY:  # unread, the body would be taken for the next request: close instead
            self.close_connection = True
            response = api_error(413, "PAYLOAD_TOO_LARGE", f"Request body larger than {MAX_BODY} bytes")
        else:
            response = self._answer(self.rfile.read(length) if length else b"")
        # The access-log line is written before any byte of the response leaves, so a client that has read
        # a response can rely on its line being in the log (tests count requests right after the CLI exits).
        elapsed_ms = (time.perf_counter() - started) * 1000
        line = (f'{self.client_address[0]} "{self.command} {_safe_target(self.path)} {self.request_version}" '
                f"{response.status} {len(response.body)}B {elapsed_ms:.0f}ms")
        line += f" fault={response.fault}" if response.fault else ""
        self.server.write_log(line + (f" error={response.error}" if response.error else ""))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.fault == "reset":
            self.wfile.write(response.body[: len(response.body) // 2])
            self._reset_connection()
        elif response.fault == "slow":
            self._stall()
            self.close_connection = True
        elif self.command != "HEAD":
            self.wfile.write(response.body)

    def _answer(self, body: bytes) -> SandboxResponse:
        app = self.server.app
        target = urlsplit(self.path)
        query = parse_qsl(target.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if app.latency_s:
            time.sleep(app.latency_s)
        # the raw path: the app splits it into segments before decoding, so an encoded '/' never makes a segment
        return app.handle(self.command, target.path, query, headers, body)

    def _reset_connection(self) -> None:
        """Close with SO_LINGER 0 so the peer gets a TCP RST mid-body, not a clean FIN."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drop the makefile reference so close() really closes the descriptor now
        self.connection.close()

    def _stall(self) -> None:
        """Headers are out; hold the body back until the client gives up, the server stops, or SLOW_STALL_S."""
        deadline = time.monotonic() + SLOW_STALL_S
        sock = self.connection
        while time.monotonic() < deadline and not self.server.stopping.is_set():
            readable, _, _ = select.select([sock], [], [], 0.25)
            if not readable:
                continue
            try:
                if not sock.recv(1, socket.MSG_PEEK):
                    return  # the client closed its end
            except OSError:
                return
            time.sleep(0.25)


def make_server(config: SandboxConfig, host: str = "127.0.0.1", port: int = 0,
                err: TextIO | None = None) -> SandboxHTTPServer:
    check_loopback(host)
    app = SandboxApp(config)  # the fleet is built before the socket opens, so a printed URL is ready to serve
    return SandboxHTTPServer((host, port), app, err if err is not None else io.StringIO())


def serve(config: SandboxConfig, host: str = "127.0.0.1", port: int = 0, out: TextIO = sys.stdout,
          err: TextIO = sys.stderr, ready: Callable[[str], None] | None = None) -> int:
    """Serve until SIGINT/SIGTERM. The base URL is the first line on `out`; access log lines go to `err`."""
    server = make_server(config, host, port, err)
    print(server.base_url, file=out, flush=True)
    server.write_log(f"client id: {SANDBOX_CLIENT_ID}  client secret: {SANDBOX_CLIENT_SECRET}  "
                     "(fake sandbox credentials)")
    faults = f", faults {config.faults}" if config.faults else ""
    server.write_log(f"jamfctl sandbox: {config.computers} synthetic computers (seed {config.seed}), "
                     f"latency {config.latency_ms} ms{faults}; Ctrl-C to stop")
    if ready is not None:
        ready(server.base_url)

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.server_close()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return 0


def start_in_thread(config: SandboxConfig, host: str = "127.0.0.1", port: int = 0,
                    err: TextIO | None = None) -> tuple[str, Callable[[], None]]:
    """Serve on a background thread (for tests): returns (base_url, stop)."""
    server = make_server(config, host, port, err)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name="jamfctl-sandbox")
    thread.start()

    def stop() -> None:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return server.base_url, stop
