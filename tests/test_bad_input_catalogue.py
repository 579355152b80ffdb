"""The bad-input catalogue (tests/bad_inputs.json) applied to every kind of argument jamfctl takes.

Rule: a malicious or malformed argument exits 2 with a plain message naming the argument, prints no
traceback and no raw control character, and sends nothing: the sandbox's access log stays empty and
no HTTP request leaves the process at all.

Each catalogue entry says which argument types it must be rejected for ("*" = all, "!type" = except),
because some values are legitimate for some types: `ENG-*` is a fine --name pattern, and
`'; DROP TABLE computers; --` is a printable computer name that is safely quoted into the filter.
"""
from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import httpx
import pytest

from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.server import start_in_thread
from support.harness import Harness

CATALOGUE = Path(__file__).with_name("bad_inputs.json")
ENTRIES = json.loads(CATALOGUE.read_text(encoding="utf-8"))

# Where each argument type goes on the command line; V is the value under test. `--opt=V` keeps a value
# such as `-1` or `--all` from being read as an option, and `--` does the same for the positional serial.
ARGV = {
    "serial": ["computer", "show", "-o", "json", "--", "V"],
    "id": ["computer", "show", "--id=V", "-o", "json"],
    "name": ["computer", "show", "--name=V", "-o", "json"],
    "name_glob": ["computer", "list", "--name=V", "-o", "json"],
    "filter": ["computer", "list", "--filter=V", "-o", "json"],
    "fields": ["computer", "list", "--fields=V", "-o", "json"],
    "sort": ["computer", "list", "--sort=V", "-o", "json"],
    "section": ["computer", "show", "--id=1", "--section=V", "-o", "json"],
    "limit": ["computer", "list", "--limit=V", "-o", "json"],
    "profile": ["--profile=V", "computer", "list", "-o", "json"],
    "output": ["computer", "list", "--output=V"],
    "timeout": ["--timeout=V", "computer", "list", "-o", "json"],
    # url: JAMF_URL and `login --url`, see url_runs()
}
TYPES = [*ARGV, "url"]
# The message must name what was wrong.
NAMED = {
    "serial": r"serial", "id": r"\bid\b", "name": r"name", "name_glob": r"name", "filter": r"filter",
    "fields": r"field", "sort": r"sort", "section": r"section", "limit": r"limit", "profile": r"profile",
    "url": r"URL", "output": r"format", "timeout": r"timeout",
}
# Raw control characters must not reach the terminal through an error message (newline ends a line).
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# A known-good value per type: proves each command line above reaches the server when input is valid.
GOOD = {
    "serial": None, "id": "1", "name": "no such computer", "name_glob": "ENG-*", "filter": "general.name==x",
    "fields": "id,general.name", "sort": "general.name:desc", "section": "SECURITY", "limit": "3",
    "profile": "prod", "output": "csv", "timeout": "5", "url": "http://{sandbox}",
}


def applies(entry: dict, kind: str) -> bool:
    spec = entry["for"]
    if "*" in spec:
        return f"!{kind}" not in spec
    return kind in spec


def test_catalogue_is_big_varied_and_well_formed():
    """200+ entries, each naming known argument types; the classic attacks are all there."""
    assert len(ENTRIES) >= 200
    values = [e["value"] for e in ENTRIES]
    assert len(set(values)) == len(values), "duplicate entries"
    for entry in ENTRIES:
        assert entry["why"] and entry["for"]
        for item in entry["for"]:
            assert item == "*" or item.lstrip("!") in TYPES, item
    text = "\n".join(values)
    for needle in ("DROP TABLE", "../", "$(", "\x00", "\x1b]0;", "ＣＯ２", "xn--", "user:pass@", "http://jamf", "2147483648"):
        assert needle in text, needle
    for kind in TYPES:
        assert sum(applies(e, kind) for e in ENTRIES) >= 50 or kind == "url", kind
    assert sum(applies(e, "url") for e in ENTRIES) >= 200


@pytest.fixture(scope="module")
def sandbox():
    """A real HTTP sandbox with an access log: one line per request it receives."""
    log = io.StringIO()
    url, stop = start_in_thread(SandboxConfig(computers=5, seed=3), err=log)
    yield url, log
    stop()


@pytest.fixture
def cli(monkeypatch, sandbox):
    """Runs jamfctl in-process with environment credentials for the sandbox; counts every HTTP request."""
    url, _ = sandbox
    sent: list[str] = []
    real = httpx.HTTPTransport.handle_request

    def counting(self, request):
        sent.append(f"{request.method} {request.url}")
        return real(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", counting)
    harness = Harness(monkeypatch)
    env = {"JAMF_URL": url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": SANDBOX_CLIENT_SECRET}
    harness.env = env
    harness.sent = sent
    return harness


def invocations(kind: str, value: str, sandbox_url: str) -> list[tuple[list[str], dict[str, str], str | None]]:
    """(argv, extra environment, stdin) for one value of one argument type."""
    if kind == "url":
        value = value.replace("{sandbox}", sandbox_url.removeprefix("http://"))
        runs = [(["login", "--profile=t", f"--url={value}", "--client-id", SANDBOX_CLIENT_ID,
                  "--client-secret-stdin"], {}, SANDBOX_CLIENT_SECRET)]
        # The environment cannot carry NUL, and an empty JAMF_URL is an unset one (exit 3, "incomplete credentials").
        if value and "\x00" not in value:
            runs.append((["computer", "list", "-o", "json"], {"JAMF_URL": value}, None))
        return runs
    return [([value if a == "V" else a.replace("=V", "=" + value) for a in ARGV[kind]], {}, None)]


def check_rejected(cli, sandbox, kind: str, value: str) -> list[str]:
    """Problems with how one bad value was handled (empty when it was refused properly)."""
    url, log = sandbox
    problems = []
    for argv, env, stdin in invocations(kind, value, url):
        before_log, before_sent = log.getvalue().count("\n"), len(cli.sent)
        run = cli.run(*argv, stdin=stdin, env={**cli.env, **env})
        shown = ascii(value if len(value) < 60 else value[:57] + "...")
        where = f"{kind}={shown} ({argv[0]})"
        if run.exit_code != 2:
            problems.append(f"{where}: exit {run.exit_code}, want 2: {run.stderr.strip()[:200]!r}")
        if log.getvalue().count("\n") != before_log or len(cli.sent) != before_sent:
            problems.append(f"{where}: a request was sent: {cli.sent[before_sent:][:2]}")
        if "Traceback" in run.stderr:
            problems.append(f"{where}: traceback")
        if not re.search(NAMED[kind], run.stderr, re.IGNORECASE):
            problems.append(f"{where}: message does not name the {kind}: {run.stderr.strip()[:200]!r}")
        if RAW_CONTROL.search(run.stderr):
            problems.append(f"{where}: raw control character echoed: {run.stderr[:200]!r}")
        if run.stdout:
            problems.append(f"{where}: wrote to stdout: {run.stdout[:100]!r}")
    return problems


@pytest.mark.parametrize("kind", TYPES)
def test_every_bad_input_exits_2_and_sends_nothing(cli, sandbox, kind):
    """Each catalogue entry meant for this argument type: exit 2, clear message, no request."""
    problems = []
    tried = 0
    for entry in ENTRIES:
        if applies(entry, kind):
            tried += 1
            problems += check_rejected(cli, sandbox, kind, entry["value"])
    assert tried >= 50
    assert not problems, f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:25])


@pytest.mark.parametrize("kind", TYPES)
def test_a_good_value_of_each_type_does_reach_the_server(cli, sandbox, kind):
    """The control: the same command lines with valid input send requests (so the checks above can fail)."""
    url, log = sandbox
    good = GOOD[kind]
    if kind == "serial":
        first = cli.run("computer", "list", "--limit=1", "-o", "json", env=cli.env)
        good = json.loads(first.stdout)[0]["hardware"]["serialNumber"]
    for argv, env, stdin in invocations(kind, good, url):
        before, sent = log.getvalue().count("\n"), len(cli.sent)
        run = cli.run(*argv, stdin=stdin, env={**cli.env, **env})
        assert run.exit_code in (0, 4), (argv, run.stderr)
        assert len(cli.sent) > sent
        deadline = time.monotonic() + 2  # belt and braces: the server logs before it answers
        while log.getvalue().count("\n") == before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert log.getvalue().count("\n") > before
