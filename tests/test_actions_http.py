"""MDM actions over real HTTP: `sandbox serve` in a thread, credentials from JAMF_* as CI passes them, and the
access log as the witness of what was sent (one POST per batch, never a POST twice, even through resets)."""
from __future__ import annotations

import io
import json
import re

import pytest

from jamfctl.cli.app import run
from jamfctl.context import AppContext
from jamfctl.sandbox import SandboxConfig
from jamfctl.sandbox.server import start_in_thread
from test_actions import ALL, EXTRA


class Served:
    def __init__(self, config: SandboxConfig):
        self.log = io.StringIO()
        self.url, self.stop = start_in_thread(config, err=self.log)
        self.used: set[str] = set()  # devices change (an erased one answers no more): each test takes fresh ones

    def lines(self) -> list[str]:
        return self.log.getvalue().splitlines()

    def posts(self) -> list[str]:
        return [line for line in self.lines() if '"POST ' in line and "oauth" not in line]

    def run(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = run(list(args), AppContext(stdout=out, stderr=err, stdin=io.StringIO(stdin)))
        return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def served():
    server = Served(SandboxConfig(computers=150))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def credentials(monkeypatch, served):
    monkeypatch.setenv("JAMF_URL", served.url)
    monkeypatch.setenv("JAMF_CLIENT_ID", "jamfctl-sandbox")
    monkeypatch.setenv("JAMF_CLIENT_SECRET", "sandbox-secret")


def serials(served: Served, noun: str, count: int) -> list[str]:
    """Online, managed, supervised devices (they acknowledge commands) no test used yet, read through the CLI."""
    found = [s for s in _candidates(served, noun) if s not in served.used][:count]
    served.used.update(found)
    assert len(found) == count
    return found


def _candidates(served: Served, noun: str) -> list[str]:
    if noun == "computer":
        code, out, _ = served.run("computer", "list", "--all", "-o", "json")
        rows = json.loads(out)
        fresh = [r for r in rows if r["general"]["remoteManagement"]["managed"]
                 and r["general"]["lastContact"] >= "2026-11-28T12"]
        return [r["hardware"]["serialNumber"] for r in fresh]
    code, out, _ = served.run("mobile", "list", "--all", "-o", "json")
    rows = [r for r in json.loads(out) if r["deviceType"] == "iOS" and r["general"]["managed"]
            and r["general"]["supervised"] and r["general"]["lastContactDate"] >= "2026-11-28T12"]
    return [r["hardware"]["serialNumber"] for r in rows]


@pytest.mark.parametrize("noun,verb", ALL)
def test_every_action_over_http(served, noun, verb):
    targets = serials(served, noun, 2)
    before = len(served.posts())
    code, out, err = served.run(noun, verb, "-", *EXTRA.get((noun, verb), []), "--yes", "-o", "json", "--wait", "20",
                                stdin="\n".join(targets) + "\n# done\n")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["serial"] for r in rows] == targets
    posts = served.posts()[before:]
    per_device = verb in ("erase", "remove-mdm", "clear-passcode")
    assert len(posts) == (2 if per_device else 1), posts
    assert all(" 20" in p.split('"')[2][:4] for p in posts)  # 200, 201 or 202: each accepted once


def test_restart_from_stdin_with_wait_one_post_per_batch_no_duplicate(served):
    targets = serials(served, "computer", 2)
    before = len(served.lines())
    code, out, err = served.run("computer", "restart", "-", "--yes", "-o", "json", "--wait", "30",
                                stdin="\n".join(targets) + "\n")
    assert code == 0, err
    assert [(r["serial"], r["status"]) for r in json.loads(out)] == [(s, "acknowledged") for s in targets]
    log = served.lines()[before:]
    assert len([line for line in log if '"POST /api/v2/mdm/commands' in line]) == 1
    assert [line for line in log if '"GET /api/v4/computers-inventory?' in line].__len__() == 1  # one =in= lookup


def test_erase_without_a_terminal_or_yes_sends_nothing(served):
    target = serials(served, "computer", 1)
    before = len(served.lines())
    code, _, err = served.run("computer", "erase", *target)
    assert code == 2 and "pass --yes" in err
    assert served.lines()[before:] == []  # not a token request, not a lookup


def test_a_partial_failure_exits_8(served):
    code, out, _ = served.run("computer", "blank-push", *serials(served, "computer", 2), "C02NOSUCH0001", "--yes",
                              "-o", "json")
    assert code == 8 and [r["status"] for r in json.loads(out)] == ["pushed", "pushed", "not_found"]


def test_resets_on_the_wire_never_make_a_post_go_twice(monkeypatch):
    """A third of all requests are reset after the server received them: GETs are retried, each POST goes once."""
    server = Served(SandboxConfig(computers=50, faults="reset:0.35", seed=7))
    monkeypatch.setenv("JAMF_URL", server.url)
    try:
        code, out, err = server.run("computer", "erase", "-", "--yes", "-o", "json",
                                    stdin="\n".join(_some_serials(8)) + "\n")
        rows = json.loads(out)
        posts = [re.search(r'"POST (\S+)', line).group(1) for line in server.posts()]
        assert len(posts) == len(set(posts)) == len(rows) == 8, posts  # one POST per device, none sent twice
        reset = [line for line in server.posts() if "fault=reset" in line]
        unknown = [r for r in rows if r["status"] == "unknown"]
        assert reset and len(unknown) == len(reset)
        assert all("check before sending again" in r["error"] for r in unknown)
        assert code == (8 if len(reset) < len(rows) else 7), err
    finally:
        server.stop()


def _some_serials(count: int) -> list[str]:
    from jamfctl.sandbox.fleet import Fleet

    fleet = Fleet(50, 7)  # the served fleet, rebuilt here: listing it through the faults would be a test of its own
    return [c.serial for c in fleet.computers if c.managed][:count]
