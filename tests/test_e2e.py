"""End to end: the installed `jamfctl` console script, as real subprocesses, against `jamfctl sandbox serve`
over real HTTP on 127.0.0.1.

Every test gets its own HOME, config folder and a file-backed test keychain (tests/support/keyrings.py),
so nothing touches the real keychain; one served sandbox is shared by the module. Every test here starts
real processes: the module is marked `slow` (skip it in a quick loop with `-m "not slow"`).
"""
from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import jamfctl as jamfctl_pkg
from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
JAMFCTL = Path(sys.executable).parent / "jamfctl"
CLOSED_URL = "http://127.0.0.1:9"
# What must never show up in any output (from shared/acceptance/checks/foundation-env-no-leak).
LEAK = re.compile(r'sandbox-secret|Bearer [A-Za-z0-9._-]{8,}|access_token"?: ?"[A-Za-z0-9]')

if not JAMFCTL.exists():  # pragma: no cover - the venv always has it when jamfctl is installed
    pytest.skip(f"the jamfctl console script is not installed next to {sys.executable}", allow_module_level=True)


def base_env(home: Path, keyring_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JAMF_", "JAMFCTL_", "PYTHON_KEYRING", "_JAMFCTL", "_TYPER")) and k != "NO_COLOR"}
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "JAMFCTL_CONFIG_DIR": str(home / ".config" / "jamfctl"),
        "PYTHON_KEYRING_BACKEND": "support.keyrings.FileKeyring",
        "PYTHONPATH": str(REPO / "tests"),
        "JAMFCTL_TEST_KEYRING": str(keyring_file),
        "COLUMNS": "200",
    })
    return env


@dataclass
class Served:
    url: str
    log: Path
    proc: subprocess.Popen

    def requests(self) -> int:
        """Access-log lines so far (one per request; the banner line does not count)."""
        return sum(1 for line in self.log.read_text().splitlines() if ' HTTP/1.1" ' in line)

    def wait_for_requests(self, expected: int, settle: float = 0.3) -> int:
        """Wait for `expected` lines (the log is written by another process), then a moment for extras."""
        deadline = time.monotonic() + 5
        while self.requests() < expected and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(settle)
        return self.requests()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`jamfctl sandbox serve --port 0` as a subprocess; its base URL is the first stdout line."""
    workdir = tmp_path_factory.mktemp("served")
    (workdir / "home").mkdir()
    log = workdir / "access.log"
    with open(log, "w") as err:
        proc = subprocess.Popen([str(JAMFCTL), "sandbox", "serve", "--port", "0"], stdout=subprocess.PIPE,
                                stderr=err, text=True, env=base_env(workdir / "home", workdir / "keyring.json"))
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "sandbox serve printed no URL within 20 s"
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        yield Served(url, log, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest.fixture(scope="module")
def serial(served, tmp_path_factory) -> str:
    """A serial number that exists in the served sandbox."""
    home = tmp_path_factory.mktemp("serial")
    env = base_env(home, home / "keyring.json") | {
        "JAMF_URL": served.url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": SANDBOX_CLIENT_SECRET}
    out = subprocess.run([str(JAMFCTL), "computer", "list", "--limit", "1", "-o", "json"], env=env,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)[0]["hardware"]["serialNumber"]


class Runner:
    def __init__(self, home: Path, keyring_file: Path) -> None:
        self.home = home
        self.keyring_file = keyring_file
        self.env = base_env(home, keyring_file)

    def __call__(self, *args: str, stdin: str | None = None, env: dict | None = None, timeout: float = 30,
                 exe: list[str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([*(exe or [str(JAMFCTL)]), *args], input=stdin, capture_output=True, text=True,
                              env=self.env | (env or {}), timeout=timeout)

    def keyring_text(self) -> str:
        return self.keyring_file.read_text() if self.keyring_file.exists() else ""


@pytest.fixture
def run(tmp_path) -> Runner:
    """Run the installed jamfctl with this test's own HOME and file keychain."""
    home = tmp_path / "e2e-home"
    home.mkdir()
    return Runner(home, tmp_path / "keyring.json")  # the keychain file lives outside HOME


def env_creds(served: Served, secret: str = SANDBOX_CLIENT_SECRET, url: str | None = None) -> dict[str, str]:
    return {"JAMF_URL": url or served.url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": secret}


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text


# --- the README's main job ------------------------------------------------------------------------------
def test_readme_main_job_in_the_sandbox(run):
    """`jamfctl -p sandbox computer list --limit 5 -o json` and `computer show SERIAL` work with no login."""
    listing = run("-p", "sandbox", "computer", "list", "--limit", "5", "-o", "json")
    assert listing.returncode == 0, listing.stderr
    computers = json.loads(listing.stdout)
    assert len(computers) == 5
    serial = computers[0]["hardware"]["serialNumber"]
    table = run("-p", "sandbox", "computer", "show", serial, "-o", "table")
    assert table.returncode == 0, table.stderr
    assert serial in table.stdout
    piped = run("-p", "sandbox", "computer", "show", serial.lower())
    assert json.loads(piped.stdout)["hardware"]["serialNumber"] == serial  # JSON by default when piped


# --- environment credentials, --debug, and no leaks -----------------------------------------------------
def test_env_credentials_with_debug_leak_nothing(run, served, serial):
    """CI-style credentials plus --debug: diagnostics on stderr, but never the secret, a bearer token or
    the access token value, in successful runs, for an unknown serial, or with a wrong secret."""
    runs = {
        "show": run("--debug", "computer", "show", serial, "-o", "json", env=env_creds(served)),
        "list": run("--debug", "computer", "list", "--limit", "30", "-o", "ndjson", env=env_creds(served)),
        "missing": run("--debug", "computer", "show", "C02NOTHERE01", "-o", "json", env=env_creds(served)),
        "wrong": run("--debug", "computer", "show", serial, env=env_creds(served, "sandbox-secret-wrong")),
    }
    assert runs["show"].returncode == 0, runs["show"].stderr
    assert json.loads(runs["show"].stdout)["hardware"]["serialNumber"] == serial
    assert runs["list"].returncode == 0 and len(runs["list"].stdout.splitlines()) == 30
    assert runs["missing"].returncode == 4
    assert runs["wrong"].returncode == 3
    assert "debug" in runs["show"].stderr and "credentials from environment" in runs["show"].stderr
    assert "/api/v4/computers-inventory" in runs["show"].stderr  # request lines, redacted
    cached = [json.loads(v)["access_token"] for k, v in json.loads(run.keyring_text()).items()
              if k.startswith("jamfctl-token")]
    assert cached, "environment credentials cache their token in the keychain when one works"
    for name, result in runs.items():
        for stream in (result.stdout, result.stderr):
            assert not LEAK.search(stream), f"{name}: {LEAK.search(stream).group(0)}"
            for token in cached:
                assert token not in stream, name
            assert_no_traceback(stream)


# --- login / show / logout ------------------------------------------------------------------------------
def test_login_show_status_logout(run, served, serial):
    """The whole credential life cycle across separate processes: the secret is only in the keychain."""
    bad = run("login", "-p", "bad", "--url", served.url, "--client-id", SANDBOX_CLIENT_ID, "--client-secret-stdin",
              stdin="wrong-secret")
    assert bad.returncode == 3
    assert "wrong-secret" not in run.keyring_text()

    login = run("login", "-p", "t1", "--url", served.url, "--client-id", SANDBOX_CLIENT_ID, "--client-secret-stdin",
                stdin=SANDBOX_CLIENT_SECRET)
    assert login.returncode == 0, login.stderr
    assert "Jamf Pro 11.30" in login.stdout
    assert SANDBOX_CLIENT_SECRET in run.keyring_text()
    leaked = [p for p in run.home.rglob("*") if p.is_file() and SANDBOX_CLIENT_SECRET.encode() in p.read_bytes()]
    assert leaked == []

    show = run("-p", "t1", "computer", "show", serial, "-o", "json")
    assert show.returncode == 0, show.stderr
    assert json.loads(show.stdout)["hardware"]["serialNumber"] == serial

    status = run("auth", "status", "-o", "table")
    assert status.returncode == 0
    assert "t1" in status.stdout and SANDBOX_CLIENT_SECRET not in status.stdout + status.stderr

    logout = run("logout", "-p", "t1")
    assert logout.returncode == 0
    assert SANDBOX_CLIENT_SECRET not in run.keyring_text()
    assert "jamfctl-token" not in run.keyring_text()
    after = run("-p", "t1", "computer", "show", serial, "-o", "json")
    assert after.returncode == 3


def test_cached_token_means_one_request(run, served, serial):
    """After login, `computer show` reuses the cached token: exactly one request reaches the server."""
    login = run("login", "-p", "t1", "--url", served.url, "--client-id", SANDBOX_CLIENT_ID, "--client-secret-stdin",
                stdin=SANDBOX_CLIENT_SECRET)
    assert login.returncode == 0, login.stderr
    before = served.wait_for_requests(served.requests(), settle=0.1)
    show = run("-p", "t1", "computer", "show", serial, "-o", "json")
    assert show.returncode == 0, show.stderr
    assert served.wait_for_requests(before + 1) == before + 1
    assert "computers-inventory" in served.log.read_text().splitlines()[-1]


# --- exit codes -----------------------------------------------------------------------------------------
def test_exit_codes(run, served):
    """Not found 4, bad credentials 3, closed port 7, unknown command 2 (PRODUCT.md's table)."""
    cases = [
        (("computer", "show", "C02NOTHERE01", "-o", "json"), env_creds(served), 4),
        (("computer", "show", "C02NOTHERE01", "-o", "json"), env_creds(served, "nope"), 3),
        (("computer", "show", "C02NOTHERE01", "-o", "json"), env_creds(served, url=CLOSED_URL), 7),
        (("computer", "frobnicate"), {}, 2),
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: run(*case[0], env=case[1]), cases))
    for (args, _, code), result in zip(cases, results, strict=True):
        assert result.returncode == code, (args, result.stderr)
        assert_no_traceback(result.stderr)
    not_found = json.loads(results[0].stderr.strip().splitlines()[-1])
    assert not_found == {"error": not_found["error"], "message": not_found["message"], "exit_code": 4}


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers; closed after the test."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conns.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for conn in conns:
        conn.close()
    listener.close()


def test_server_that_never_answers_times_out_with_exit_7(run, silent_server):
    """--timeout 1 against a server that accepts and never answers: exit 7 ("timeout"), no traceback.
    The subprocess limit of 40 s is what proves --timeout was honoured, without timing anything: the
    default 30 s timeout, tried twice, would outlast it (subprocess.TimeoutExpired fails the test)."""
    result = run("--timeout", "1", "computer", "show", "C02XK1JMJG5H", "-o", "json",
                 env={"JAMF_URL": silent_server, "JAMF_CLIENT_ID": "x", "JAMF_CLIENT_SECRET": "y"}, timeout=40)
    assert result.returncode == 7, result.stderr
    assert "timeout" in result.stderr.lower()
    assert_no_traceback(result.stderr)


# --- version --------------------------------------------------------------------------------------------
def test_version(run):
    """`jamfctl --version` and `python -m jamfctl --version` print `jamfctl X.Y.Z` and exit 0."""
    expected = f"jamfctl {jamfctl_pkg.__version__}"
    script = run("--version")
    module = run("--version", exe=[sys.executable, "-m", "jamfctl"])
    for result in (script, module):
        assert result.returncode == 0
        assert result.stdout.strip() == expected
        assert result.stderr == ""


# --- bad input ------------------------------------------------------------------------------------------
def test_bad_input_exits_2_and_sends_nothing(run, served):
    """One malformed filter through the installed script, with working credentials for the served sandbox:
    exit 2, no traceback, nothing on stdout, and the access log shows no request at all. (The in-process
    catalogue, tests/test_bad_input_catalogue.py, applies 300+ bad values to every kind of argument; this
    case proves the same holds for a real process talking to a real server.)"""
    before = served.wait_for_requests(served.requests(), settle=0.1)
    result = run("computer", "list", "--filter", 'general.name=="unbalanced', "-o", "json", env=env_creds(served))
    assert result.returncode == 2, result.stderr
    assert "filter" in result.stderr.lower()
    assert_no_traceback(result.stderr)
    assert result.stdout == ""
    assert served.wait_for_requests(before, settle=0.3) == before


@pytest.mark.parametrize("url", ["http://jamf.example.com", "ftp://x", "file:///etc/passwd", "https://exa mple.com",
                                 "https://"])
def test_bad_urls_exit_2(run, url):
    """JAMF_URL must be https:// (http only for loopback) and well-formed; otherwise exit 2."""
    result = run("computer", "show", "C02XK1JMJG5H", "-o", "json",
                 env={"JAMF_URL": url, "JAMF_CLIENT_ID": "x", "JAMF_CLIENT_SECRET": "y"})
    assert result.returncode == 2, result.stderr
    assert_no_traceback(result.stderr)


# --- pipes ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["ndjson", "table"])
def test_reader_leaving_early_is_not_an_error(run, fmt):
    """`jamfctl ... | head -n1`: when the reader closes the pipe, jamfctl stops quietly (no traceback)."""
    proc = subprocess.Popen([str(JAMFCTL), "-p", "sandbox", "computer", "list", "--all", "-o", fmt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run.env)
    try:
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert first.strip()
    assert_no_traceback(err)
    assert "BrokenPipe" not in err and "Exception ignored" not in err
    assert code == 0, err


# --- terminals ------------------------------------------------------------------------------------------
def on_terminal(run, *args: str, columns: int = 80) -> str:
    """What jamfctl prints with stdout on a pseudo-terminal `columns` wide (stderr piped, so no progress)."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(JAMFCTL), *args], stdout=follower, stderr=subprocess.PIPE,
                            env=run.env | {"COLUMNS": str(columns)})
    os.close(follower)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the program closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=30) == 0, proc.stderr.read().decode()
    finally:
        os.close(leader)
        proc.stderr.close()
    return b"".join(chunks).decode()


@pytest.mark.parametrize("fields", [None, "id,udid,general.name,hardware.serialNumber,hardware.model"])
def test_serials_and_ids_never_wrap_on_an_80_column_terminal(run, fields):
    """`computer list` on an 80-column terminal: each serial (and id, udid) is whole on one line, so copying
    it gives the real one; the other columns wrap instead."""
    selection = ("--fields", fields) if fields else ()
    args = ("-p", "sandbox", "computer", "list", "-n", "5", *selection)
    computers = json.loads(run(*args, "-o", "json").stdout)
    lines = on_terminal(run, *args).splitlines()
    assert all(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) <= 80 for line in lines)
    for computer in computers:
        assert any(computer["hardware"]["serialNumber"] in line for line in lines), computer
        if fields:
            assert any(computer["udid"] in line for line in lines), computer


# --- encodings ------------------------------------------------------------------------------------------
def test_a_stdout_that_cannot_hold_unicode_gets_escaped_json_or_a_plain_error(run):
    """PYTHONIOENCODING=ascii (an old console): JSON escapes "Müller" and parses the same; a table cannot hold
    it, so that is a plain error naming the fix, not "unexpected error" or a traceback."""
    args = ("-p", "sandbox", "computer", "show", "--id", "52", "--fields", "userAndLocation.realname")
    utf8 = json.loads(run(*args, "-o", "json").stdout)
    assert not utf8["userAndLocation"]["realname"].isascii()  # the sandbox's computer 52 has a non-ASCII name
    escaped = run(*args, "-o", "json", env={"PYTHONIOENCODING": "ascii"})
    assert escaped.returncode == 0, escaped.stderr
    assert escaped.stdout.isascii() and json.loads(escaped.stdout) == utf8
    table = run(*args, "-o", "table", env={"PYTHONIOENCODING": "ascii"})
    assert table.returncode == 1
    assert "PYTHONIOENCODING=utf-8" in table.stderr
    assert_no_traceback(table.stderr)
