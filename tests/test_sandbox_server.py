"""The sandbox over real HTTP on 127.0.0.1: concurrency, access log, faults realised on the wire, clean shutdown."""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.server import SLOW_STALL_S, SandboxHTTPServer, check_loopback, serve, start_in_thread

CREDENTIALS = {"grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID,
               "client_secret": SANDBOX_CLIENT_SECRET}
REPO = Path(__file__).resolve().parents[1]


def get_token(base_url: str) -> str:
    return httpx.post(f"{base_url}/api/oauth/token", data=CREDENTIALS, timeout=5).json()["access_token"]


def raw_request(base_url: str, target: str, token: str | None = None, timeout: float = 5) -> socket.socket:
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{auth}\r\n".encode())
    return sock


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.fixture
def sandbox():
    """Start a server with the given config; yields (base_url, log) and stops it afterwards."""
    stops = []

    def start(**config):
        log = io.StringIO()
        url, stop = start_in_thread(SandboxConfig(**config), err=log)
        stops.append(stop)
        return url, log

    yield start
    for stop in stops:
        stop()


def test_listing_over_http_and_access_log(sandbox):
    url, log = sandbox(computers=2500)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    token = get_token(url)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        first = client.get("/api/v4/computers-inventory", params={"page": 0, "page-size": 2000})
        second = client.get("/api/v4/computers-inventory", params={"page": 1, "page-size": 2000})
        assert first.http_version == "HTTP/1.1" and int(first.headers["Content-Length"]) == len(first.content)
        ids = {r["id"] for r in first.json()["results"] + second.json()["results"]}
        assert len(ids) == 2500 and first.json()["totalCount"] == 2500
    deadline = time.monotonic() + 5  # the server logs a request just after answering it
    while len(log.getvalue().splitlines()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    lines = log.getvalue().splitlines()
    assert len(lines) == 3
    assert re.fullmatch(r'127\.0\.0\.1 "POST /api/oauth/token HTTP/1\.1" 200 \d+B \d+ms', lines[0])
    assert re.fullmatch(r'127\.0\.0\.1 "GET /api/v4/computers-inventory\?page=0&page-size=2000 HTTP/1\.1" '
                        r'200 \d+B \d+ms', lines[1])
    httpx.get(f"{url}/api/v1/jamf-pro-version?client_secret=hunter2&access_token=abc&page=1", timeout=5)
    logged = log.getvalue()
    assert ('"GET /api/v1/jamf-pro-version?client_secret=<redacted>&access_token=<redacted>&page=1 HTTP/1.1" 401'
            in logged)
    assert token not in logged and SANDBOX_CLIENT_SECRET not in logged and "hunter2" not in logged
    assert "fault" not in log.getvalue()


class MeetingApp(SandboxApp):
    """The sandbox, holding each jamf-pro-version request until `parties` of them are in the handler at once."""

    def __init__(self, config: SandboxConfig, parties: int) -> None:
        super().__init__(config)
        self.meeting = threading.Barrier(parties, timeout=30)

    def handle(self, method, path, query, headers, body):
        if path == "/api/v1/jamf-pro-version":
            self.meeting.wait()  # BrokenBarrierError (a 500) unless all of them are here at the same time
        return super().handle(method, path, query, headers, body)


@contextmanager
def serving(app: SandboxApp) -> Iterator[tuple[str, SandboxHTTPServer]]:
    """`app` over HTTP on a background thread, as start_in_thread serves it, with the server at hand."""
    server = SandboxHTTPServer(("127.0.0.1", 0), app, io.StringIO())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.base_url, server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_five_concurrent_requests_run_in_parallel():
    """Five requests are in the server's handler at the same moment (each waits at a barrier for the other
    four: a server answering one at a time would break it), and latency is applied to every request.
    Nothing is timed from above: only the latency's lower bound, token + one parallel round."""
    app = MeetingApp(SandboxConfig(computers=50, latency_ms=250), parties=5)
    with serving(app) as (url, _):
        started = time.perf_counter()
        token = get_token(url)  # 250 ms of latency too

        def fetch(_):
            return httpx.get(f"{url}/api/v1/jamf-pro-version", headers={"Authorization": f"Bearer {token}"},
                             timeout=60).status_code

        with ThreadPoolExecutor(5) as pool:
            statuses = list(pool.map(fetch, range(5)))
        elapsed = time.perf_counter() - started
    assert statuses == [200] * 5
    assert not app.meeting.broken
    assert elapsed >= 0.5, elapsed


def test_reset_sends_rst_mid_body(sandbox):
    url, log = sandbox(computers=200, faults="reset:1.0")
    sock = raw_request(url, "/api/v4/computers-inventory?page-size=200")
    received = b""
    with pytest.raises(ConnectionResetError):
        while chunk := sock.recv(65536):
            received += chunk
            time.sleep(0.01)
    sock.close()
    assert received.startswith(b"HTTP/1.1 401")  # headers made it, then the connection was reset
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        httpx.post(f"{url}/api/oauth/token", data=CREDENTIALS, timeout=5)
    assert "fault=reset" in log.getvalue()


def test_slow_stalls_the_body_and_does_not_block_shutdown():
    """A `slow` answer sends its headers and holds the body back (the client's read timeout ends it); stopping
    the server lets go of a stalled connection at once instead of waiting out its SLOW_STALL_S."""
    log = io.StringIO()
    url, stop = start_in_thread(SandboxConfig(computers=5, faults="slow:1.0"), err=log)
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{url}/api/oauth/token", data=CREDENTIALS, timeout=httpx.Timeout(5, read=0.5))
        sock = raw_request(url, "/api/v1/jamf-pro-version")
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 401") and head.endswith(b"\r\n\r\n")  # headers, then nothing
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(1)
    finally:
        stopping = threading.Thread(target=stop)
        stopping.start()
        stopping.join(timeout=SLOW_STALL_S / 4)  # a hang detector far below the stall, not a speed bound
        assert not stopping.is_alive(), "stopping the server waited for the stalled connection"
    sock.settimeout(30)
    assert sock.recv(65536) == b""  # the stalled handler let go and closed the connection
    sock.close()
    assert "fault=slow" in log.getvalue()


def test_truncate_is_a_complete_response_with_broken_json(sandbox):
    url, log = sandbox(computers=20, faults="truncate:1.0")
    response = httpx.post(f"{url}/api/oauth/token", data=CREDENTIALS, timeout=5)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content) > 0
    with pytest.raises(json.JSONDecodeError):
        response.json()
    sock = raw_request(url, "/api/v1/jamf-pro-version")
    sock.settimeout(2)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    assert len(body) == length
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    sock.close()
    assert "fault=truncate" in log.getvalue()


def test_token_expiry_over_http():
    """A token answers 200 until it expires, then 401, over HTTP. Expiry is the sandbox's own hook
    (SandboxApp.expire_tokens), not a sleep past the TTL; the TTL itself is what the token answer says."""
    app = SandboxApp(SandboxConfig(computers=5, token_ttl=60))
    with serving(app) as (url, _):
        answer = httpx.post(f"{url}/api/oauth/token", data=CREDENTIALS, timeout=5).json()
        assert answer["expires_in"] == 60
        headers = {"Authorization": f"Bearer {answer['access_token']}"}
        assert httpx.get(f"{url}/api/v1/jamf-pro-version", headers=headers, timeout=5).status_code == 200
        app.expire_tokens()
        assert httpx.get(f"{url}/api/v1/jamf-pro-version", headers=headers, timeout=5).status_code == 401


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_non_loopback_hosts(host):
    with pytest.raises(ValueError, match="loopback"):
        serve(SandboxConfig(computers=1), host=host, out=io.StringIO(), err=io.StringIO())
    for ok in ("127.0.0.1", "127.1.2.3", "localhost", "::1"):
        check_loopback(ok)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_url_first_and_stops_cleanly(sig):
    code = ("from jamfctl.sandbox import SandboxConfig; from jamfctl.sandbox.server import serve; "
            "raise SystemExit(serve(SandboxConfig(computers=100)))")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert SANDBOX_CLIENT_ID in proc.stderr.readline() + proc.stderr.readline()  # the fake credentials, on stderr
        # Answered, so serve_forever is running with its SIGTERM handler in place: no need to wait.
        assert httpx.post(f"{url}/api/oauth/token", data=CREDENTIALS, timeout=5).status_code == 200
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err and '"POST /api/oauth/token HTTP/1.1" 200' in err


def test_serve_on_a_port_in_use_is_a_plain_error():
    """`sandbox serve --port N` when N is taken: exit 1 and one line saying so, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "jamfctl", "sandbox", "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def read_response(sock: socket.socket) -> tuple[bytes, dict]:
    """One HTTP/1.1 response framed by Content-Length: (status line, JSON body)."""
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return head.split(b"\r\n", 1)[0], json.loads(body)


def test_routing_uses_the_raw_path(sandbox):
    """The server hands the app the path as sent: `%2F` is refused (400, Jamf's error shape) instead of being
    decoded into a new segment, while an encoded ordinary character still names the same resource."""
    url, log = sandbox(computers=5)
    token = get_token(url)
    sock = raw_request(url, "/api/v4/computers-inventory%2F1", token)
    status, body = read_response(sock)
    sock.close()
    assert status == b"HTTP/1.1 400 Bad Request" and body["errors"][0]["code"] == "INVALID_PATH"
    sock = raw_request(url, "/api/v4/computers-inventory/%31", token)
    status, body = read_response(sock)
    sock.close()
    assert status == b"HTTP/1.1 200 OK" and body["id"] == "1"
    assert "internal error" not in log.getvalue()


def test_deep_nesting_answers_instead_of_dropping_the_connection(sandbox):
    """400 nested parentheses: a 400 on a connection that stays usable, and nothing in the log but access lines."""
    url, log = sandbox(computers=5)
    token = get_token(url)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=5) as client:
        response = client.get("/api/v4/computers-inventory", params={"filter": "(" * 400 + "id==1" + ")" * 400})
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == "INVALID_RSQL_FILTER"
        assert client.get("/api/v1/jamf-pro-version").status_code == 200
    assert "internal error" not in log.getvalue() and "error=" not in log.getvalue()


def test_a_handler_bug_is_a_500_and_a_log_line(sandbox, monkeypatch):
    """An exception escaping the app becomes a 500 in Jamf's error shape, and the access-log line says what it was."""
    from jamfctl.sandbox.app import SandboxApp

    def broken(self, *args):
        raise KeyError("boom")

    monkeypatch.setattr(SandboxApp, "_inventory_list", broken)
    url, log = sandbox(computers=5)
    token = get_token(url)
    response = httpx.get(f"{url}/api/v4/computers-inventory", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 500 and response.json()["errors"][0]["code"] == "INTERNAL_SERVER_ERROR"
    assert re.search(r'"GET /api/v4/computers-inventory HTTP/1\.1" 500 \d+B \d+ms error=KeyError: \'boom\'',
                     log.getvalue())


@pytest.mark.parametrize("length", ["abc", "-5", "1_0", "\u0661"])
def test_a_bad_content_length_is_a_400(sandbox, length):
    """A Content-Length that is not a plain number of bytes gets a 400 in Jamf's error shape and the connection is
    closed (the body's end is unknown), instead of an exception that drops the connection without a word."""
    url, log = sandbox(computers=5)
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.sendall(f"POST /api/oauth/token HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {length}\r\n\r\n".encode())
    status, body = read_response(sock)
    assert status.startswith(b"HTTP/1.1 400") and body["errors"][0]["code"] == "INVALID_CONTENT_LENGTH"
    assert sock.recv(1) == b""  # closed
    sock.close()
    assert "internal error" not in log.getvalue()


def test_an_oversized_body_is_a_413(sandbox):
    """A Content-Length beyond MAX_BODY is refused unread (413, Jamf's error shape, connection closed) instead of the
    server trying to hold it in memory (a MemoryError dropped the connection)."""
    from jamfctl.sandbox.server import MAX_BODY

    url, log = sandbox(computers=5)
    parts = urlsplit(url)
    for length in (MAX_BODY + 1, 999999999999999999):
        sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        head = f"POST /api/oauth/token HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {length}\r\n\r\n"
        sock.sendall(f"{head}ab".encode())
        status, body = read_response(sock)
        assert status.startswith(b"HTTP/1.1 413") and body["errors"][0]["code"] == "PAYLOAD_TOO_LARGE"
        sock.close()
    assert "internal error" not in log.getvalue()
