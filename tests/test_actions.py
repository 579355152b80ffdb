"""MDM actions (`jamfctl computer|mobile ACTION`) against the in-process sandbox: every action, targets from
arguments, stdin, a file and a group, results in every format, exit codes, the gate (read-only, confirmation,
--yes, --dry-run), PINs that never show, hostile target lists, a reset mid-POST and Ctrl-C.

One SandboxApp per test, shared by every invocation in it (state carries over), behind a transport that
records what reached the "server".
"""
from __future__ import annotations

import csv
import io
import json
import os
import signal

import httpx
import pytest
import yaml

from jamfctl import specs
from jamfctl.cli import actions
from jamfctl.cli.app import run
from jamfctl.context import AppContext
from jamfctl.sandbox import SandboxConfig
from jamfctl.sandbox import mdm as sandbox_mdm
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.fleet import REFERENCE_EPOCH
from jamfctl.sandbox.transport import SandboxTransport

COMPUTER_ACTIONS = list(actions.COMPUTER_VERBS)
MOBILE_ACTIONS = list(actions.MOBILE_VERBS)
EXTRA = {("mobile", "lost-mode"): ["--message", "Please return to IT"]}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class Recorder(httpx.BaseTransport):
    """The sandbox in-process, remembering (method, path) of every request that reached it."""

    def __init__(self, app: SandboxApp, hook=None):
        self.inner, self.seen, self.hook = SandboxTransport(app), [], hook

    def handle_request(self, request):
        self.seen.append((request.method, request.url.path))
        if self.hook is not None:
            self.hook(self, request)
        return self.inner.handle_request(request)

    def writes(self) -> list:
        return [(m, p) for m, p in self.seen if m in WRITE_METHODS and not p.endswith("/oauth/token")]


class Sandbox:
    def __init__(self, config: SandboxConfig | None = None):
        self.app = SandboxApp(config or SandboxConfig(computers=60))
        self.recorder = Recorder(self.app)

    def run(self, *args: str, stdin: str = "", tty: bool = False, **context):
        out, err = io.StringIO(), io.StringIO()
        ctx = AppContext(stdout=out, stderr=err, stdin=TTY(stdin) if tty else io.StringIO(stdin),
                         transport_factory=lambda: self.recorder, **context)
        code = run(["-p", "sandbox", *args], ctx)
        return code, out.getvalue(), err.getvalue()

    def json(self, *args: str, **kwargs):
        code, out, err = self.run(*args, "-o", "json", **kwargs)
        return code, (json.loads(out) if out.strip() else None), err

    @property
    def mdm(self):
        return sandbox_mdm.state(self.app)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


def online_computers(sb: Sandbox, count: int = 3) -> list[str]:
    """Serials of managed computers that checked in lately (they answer commands)."""
    fleet = sb.app.fleet
    found = [c.serial for c in fleet.computers if c.managed and REFERENCE_EPOCH - c.contact < 2 * 86400]
    return found[:count]


def online_mobiles(sb: Sandbox, count: int = 3, kind: str = "ios") -> list[str]:
    store = sb.app.resources.store
    return [d.serial for d in store.mobile_devices if d.managed and d.supervised and d.device_type == kind
            and REFERENCE_EPOCH - d.contact < 2 * 86400][:count]


def targets(sb: Sandbox, noun: str, count: int = 3) -> list[str]:
    return online_computers(sb, count) if noun == "computer" else online_mobiles(sb, count)


# --- every action ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("noun,verb", [("computer", v) for v in COMPUTER_ACTIONS] + [("mobile", v) for v in MOBILE_ACTIONS])
def test_every_action_reports_one_result_per_device_and_waits_for_acknowledgement(sandbox, noun, verb):
    serials = targets(sandbox, noun)
    code, rows, err = sandbox.json(noun, verb, *serials, *EXTRA.get((noun, verb), []), "--yes", "--wait", "20")
    assert code == 0, err
    assert [r["serial"] for r in rows] == serials
    assert {r["action"] for r in rows} == {verb}
    untracked = verb in ("blank-push", "renew-mdm")
    for row in rows:
        assert set(row) == {"serial", "id", "action", "status", "commandUuid", "error"}
        assert row["error"] is None and row["id"]
        assert row["status"] == ({"blank-push": "pushed", "renew-mdm": "queued"}.get(verb, "acknowledged"))
        assert (row["commandUuid"] is None) == untracked
    if untracked:
        assert "--wait:" in err and "nothing to wait for" in err or "no command to wait for" in err
        assert not [p for m, p in sandbox.recorder.seen if m == "GET" and p == "/api/v2/mdm/commands"]


def test_batched_actions_send_one_request_for_many_devices_and_per_device_ones_one_each(sandbox):
    serials = online_computers(sandbox, 5)
    assert sandbox.run("computer", "restart", *serials, "--yes")[0] == 0
    assert sandbox.recorder.writes() == [("POST", "/api/v2/mdm/commands")]
    lookups = [p for m, p in sandbox.recorder.seen if m == "GET" and p == "/api/v4/computers-inventory"]
    assert len(lookups) == 1  # five serials, one =in= lookup
    sandbox.recorder.seen.clear()
    assert sandbox.run("computer", "remove-mdm", *serials[:2], "--yes")[0] == 0
    ids = [str(sandbox.app.fleet.computers[[c.serial for c in sandbox.app.fleet.computers].index(s)].id) for s in serials[:2]]
    assert sandbox.recorder.writes() == [("POST", f"/api/v4/computers-inventory/{i}/remove-mdm-profile") for i in ids]


def test_thousands_of_devices_take_a_request_per_2000(tmp_path):
    sb = Sandbox(SandboxConfig(computers=2300))
    serials = [c.serial for c in sb.app.fleet.computers]
    (tmp_path / "all.txt").write_text("\n".join(serials) + "\n")
    code, rows, err = sb.json("computer", "blank-push", "--from-file", str(tmp_path / "all.txt"), "--yes")
    assert len(rows) == 2300 and code in (0, 8), err  # unmanaged ones cannot be pushed to: their own failure
    unmanaged = sum(1 for c in sb.app.fleet.computers if not c.managed)
    assert sum(r["status"] == "unmanaged" for r in rows) == unmanaged
    assert [p for m, p in sb.recorder.seen if p == "/api/v4/computers-inventory"] == ["/api/v4/computers-inventory"] * 2
    assert 2000 < 2300 - unmanaged  # so the managed ones take two bodies of at most 2000
    assert sb.recorder.writes() == [("POST", "/api/v2/mdm/blank-push")] * 2


# --- targets --------------------------------------------------------------------------------------------------
def test_stdin_lists_skip_blank_lines_and_comments_and_count_repeats_once(sandbox):
    a, b = online_computers(sandbox, 2)
    stdin = f"# serials to restart\n\n{a}\r\n  {b.lower()}  # the lab one\n{a}\n"
    code, rows, err = sandbox.json("computer", "restart", "-", "--yes", stdin=stdin)
    assert code == 0, err
    assert [r["serial"] for r in rows] == [a, b] and "1 repeated serial number(s) counted once" in err


def test_from_file_and_arguments_together(sandbox, tmp_path):
    a, b, c = online_computers(sandbox, 3)
    path = tmp_path / "list.txt"
    path.write_text(f"{b}\n{c}\n")
    code, rows, _ = sandbox.json("computer", "shutdown", a, "--from-file", str(path), "--yes")
    assert code == 0 and [r["serial"] for r in rows] == [a, b, c]


def test_group_members_are_the_targets(sandbox):
    store = sandbox.app.resources.store
    group = next(g for g in store.computer_groups if not g.smart and store.computer_group_count(g.id))
    members = {c.serial for c in store.computer_group_members(group.id)}
    code, rows, err = sandbox.json("computer", "blank-push", "--group", group.name, "--yes")
    assert {r["serial"] for r in rows} == members, err
    assert code in (0, 8)


@pytest.mark.parametrize("stdin", [
    "C02XK1JMJG5H\nnot a serial\n",  # a space
    "C02XK1JMJG5H\x00DROP\n",  # NUL
    "C02XK1JMJG5H\u2028ABCDEFGHJK\n",  # a Unicode line separator is no line break here
    "ſERIALNUMBER1\n",  # looks like ASCII once upper-cased
    "../../etc/passwd\n",
    "A" * 10_000 + "\n",
    "C02XK1JM\u200bJG5H\n",  # zero-width space
    "C02XK1JMJG5H;hardware.serialNumber==*\n",  # an RSQL injection
    "C02XK1JMJG5H)\n",
])
def test_hostile_stdin_lines_exit_2_and_send_nothing(sandbox, stdin):
    code, out, err = sandbox.run("computer", "restart", "-", "--yes", stdin=stdin)
    assert code == 2 and "nothing was sent" in err and out == ""
    assert sandbox.recorder.seen == []  # no lookup either


def test_a_huge_stdin_is_refused_without_reading_it_all(sandbox):
    code, _, err = sandbox.run("computer", "restart", "-", "--yes", stdin="C02XK1JMJG5H\n" * 400_000)
    assert code == 2 and "MiB" in err and sandbox.recorder.seen == []


@pytest.mark.parametrize("args,message", [
    ((), "name the computers"),
    (("bad serial!",), "invalid serial number"),
    (("C02XK1JMJG5H", "--wait", "0"), "invalid --wait"),
    (("C02XK1JMJG5H", "--wait", "9999"), "invalid --wait"),
    (("C02XK1JMJG5H", "--from-file", "/no/such/file"), "cannot read --from-file"),
    (("C02XK1JMJG5H", "--group", 'x"y'), "--group"),
    (("C02XK1JMJG5H", "--fields", "serial,nope"), "nope"),
    (("C02XK1JMJG5H", "-o", "xml"), "xml"),
])
def test_bad_inputs_exit_2_before_any_request(sandbox, args, message):
    code, _, err = sandbox.run("computer", "restart", *args, "--yes")
    assert code == 2 and message in err, err
    assert sandbox.recorder.seen == []


@pytest.mark.parametrize("args,message", [
    (("--message", "bell\x07"), "invalid --message"),
    (("--message", "x" * 201), "invalid --message"),
    (("--phone", "call me"), "invalid --phone"),
    (("--phone", "１２３４５"), "invalid --phone"),
    ((), "needs --message or --phone"),
    (("--disable", "--message", "x"), "--disable takes no"),
])
def test_lost_mode_options_are_validated(sandbox, args, message):
    code, _, err = sandbox.run("mobile", "lost-mode", "DMQX7Y2KJF8L", *args, "--yes")
    assert code == 2 and message in err and sandbox.recorder.seen == []


# --- PINs -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pin", ["12345", "1234567", "abcdef", "١٢٣٤٥٦", "", "12 456", "123456\x00"])
def test_a_bad_pin_exits_2_sends_nothing_and_is_never_echoed(sandbox, pin):
    serial = online_computers(sandbox, 1)[0]
    code, out, err = sandbox.run("computer", "lock", serial, "--pin-stdin", "--yes", stdin=pin + "\n")
    assert code == 2 and "6 digits" in err and sandbox.recorder.seen == []
    if len(pin) >= 3:
        assert pin not in out + err


def test_the_pin_goes_to_the_server_and_nowhere_else(sandbox):
    serial = online_computers(sandbox, 1)[0]
    code, out, err = sandbox.run("--debug", "computer", "lock", serial, "--pin-stdin", "--yes", "-o", "json",
                                 stdin="482913\n")
    assert code == 0, err
    assert "482913" not in out + err and "write: POST /api/v2/mdm/commands" in err and "<redacted>" in err
    sandbox.mdm.advance(5)
    computer = next(c for c in sandbox.app.fleet.computers if c.serial == serial)
    pin = sandbox.app.handle("GET", f"/api/v4/computers-inventory/{computer.id}/view-device-lock-pin", [],
                             {"authorization": f"Bearer {_token(sandbox.app)}"}, b"")
    assert json.loads(pin.body) == {"pin": "482913"}  # the sandbox shows the lock took that PIN


def test_a_lock_without_a_pin_sets_a_random_one_and_says_where_to_read_it(sandbox):
    serials = online_computers(sandbox, 2)
    code, out, err = sandbox.run("computer", "lock", *serials, "--yes", "--dry-run")
    assert code == 0 and '"pin":"<redacted>"' in out
    code, _, err = sandbox.run("computer", "lock", *serials, "--yes")
    assert code == 0 and "lock-pin" in err and "--reveal" in err
    body = sandbox.mdm.commands[-1]
    assert body.command_type == "DEVICE_LOCK"


def test_pin_stdin_and_dash_cannot_share_stdin(sandbox):
    code, _, err = sandbox.run("computer", "lock", "-", "--pin-stdin", "--yes", stdin="123456\n")
    assert code == 2 and "both read stdin" in err and sandbox.recorder.seen == []


# --- the gate -------------------------------------------------------------------------------------------------
ALL = [("computer", v) for v in COMPUTER_ACTIONS] + [("mobile", v) for v in MOBILE_ACTIONS]


@pytest.mark.parametrize("noun,verb", ALL)
def test_no_action_sends_anything_without_a_terminal_or_yes(sandbox, noun, verb):
    serials = targets(sandbox, noun, 2)
    code, out, err = sandbox.run(noun, verb, *serials, *EXTRA.get((noun, verb), []))
    assert code == 2 and "pass --yes; nothing was sent" in err and out == ""
    assert sandbox.recorder.seen == []  # refused before even the lookup


@pytest.mark.parametrize("noun,verb", ALL)
def test_dry_run_prints_each_request_and_sends_none(sandbox, noun, verb):
    serials = targets(sandbox, noun, 2)
    code, out, err = sandbox.run(noun, verb, *serials, *EXTRA.get((noun, verb), []), "--dry-run")
    assert code == 0, err
    lines = out.splitlines()
    assert lines and all(line.startswith("would send: POST ") for line in lines)
    assert sandbox.recorder.writes() == []


def test_a_terminal_asks_naming_server_action_and_count(sandbox):
    serials = online_computers(sandbox, 2)
    code, _, err = sandbox.run("computer", "erase", *serials, stdin="n\n", tty=True)
    assert code == 2 and "Erase 2 computers (this cannot be undone) on the sandbox? [y/N]" in err
    assert sandbox.recorder.writes() == []
    code, _, err = sandbox.run("computer", "erase", *serials, "-o", "json", stdin="y\n", tty=True)
    assert code == 0, err
    assert len(sandbox.recorder.writes()) == 2


def test_a_read_only_profile_makes_every_writing_command_exit_2_and_send_nothing(sandbox, monkeypatch):
    """Walk the command tree (tests/test_writes.py's walker): every command with --yes/--dry-run refuses."""
    from test_writes import writing_commands

    monkeypatch.setenv("JAMFCTL_READ_ONLY", "1")
    mine = [c for c in writing_commands() if c.split()[0] in ("computer", "mobile") and c.split()[1] in
            {**actions.COMPUTER_VERBS, **actions.MOBILE_VERBS}]
    assert sorted(mine) == sorted(f"{noun} {verb}" for noun, verb in ALL)  # the walker finds every action
    for command in mine:
        for extra in ((), ("--yes",), ("--dry-run",)):
            code, out, err = sandbox.run(*command.split(), "C02XK1JMJG5H", *extra)
            assert code == 2 and "read-only" in err, (command, err)
    assert sandbox.recorder.seen == []


def test_every_action_is_declared_once_with_the_endpoints_it_sends_to():
    """The requests each action builds hit only the endpoints its WRITES entry declares."""
    import re

    from jamfctl.resources import mdm

    device = mdm.Device("C02XK1JMJG5H", "7", "b06a2862-f8ab-417a-a0c1-091c0291032b", "2953B99C-AC61-4BCF-A761-93A9E4CE355C",
                        unlock_token="t0ken-value")
    assert set(mdm.ACTIONS) == {(n, v) for n, verbs in actions.VERBS.items() for v in verbs}
    for (noun, verb), action in mdm.ACTIONS.items():
        write = specs.write_for(f"{noun} {verb}")
        assert write is not None and write.privileges
        assert write.destructive == actions.VERBS[noun][verb].destructive
        patterns = [re.escape(e).replace(r"\{id\}", "[0-9]+").replace(r"\{id_list\}", "[0-9,]+") for e in write.endpoints]
        for planned in action.build([device], mdm.Options(message="m", phone="123")):
            line = f"{planned.request.method} {planned.request.path}"
            assert any(re.fullmatch(p, line) for p in patterns), (noun, verb, line)
            assert "t0ken-value" not in planned.request.shown()


# --- results, formats and exit codes ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "yaml", "table"])
def test_results_in_every_format(sandbox, fmt):
    serials = online_computers(sandbox, 2)
    code, out, err = sandbox.run("computer", "blank-push", *serials, "C02NOSUCH0001", "--yes", "-o", fmt)
    assert code == 8, err
    if fmt == "json":
        rows = json.loads(out)
    elif fmt == "ndjson":
        rows = [json.loads(line) for line in out.splitlines()]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
    elif fmt == "yaml":
        rows = yaml.safe_load(out)
    else:
        assert all(s in out for s in [*serials, "C02NOSUCH0001"]) and "not_found" in out
        return
    assert [r["serial"] for r in rows] == [*serials, "C02NOSUCH0001"]
    assert [r["status"] for r in rows] == ["pushed", "pushed", "not_found"]


def test_fields_select_result_columns(sandbox):
    serial = online_computers(sandbox, 1)[0]
    code, rows, _ = sandbox.json("computer", "restart", serial, "--yes", "--fields", "serial,status")
    assert code == 0 and rows == [{"serial": serial, "status": "queued"}]


def test_exit_codes_partial_all_alike_and_mixed(sandbox):
    serial = online_computers(sandbox, 1)[0]
    code, rows, err = sandbox.json("computer", "restart", serial, "C02NOSUCH0001", "--yes")
    assert code == 8 and json.loads(err.strip().splitlines()[-1])["exit_code"] == 8
    assert sandbox.json("computer", "restart", "C02NOSUCH0001", "C02NOSUCH0002", "--yes")[0] == 4  # all not found
    unmanaged = next(c.serial for c in sandbox.app.fleet.computers if not c.managed)
    assert sandbox.json("computer", "restart", unmanaged, "--yes")[0] == 1
    assert sandbox.json("computer", "restart", unmanaged, "C02NOSUCH0001", "--yes")[0] == 8  # failed differently


def test_a_missing_privilege_is_each_devices_own_403(monkeypatch):
    sb = Sandbox(SandboxConfig(computers=60, denied_privileges=frozenset({"Send Computer Remote Wipe Command"})))
    serials = online_computers(sb, 2)
    code, rows, err = sb.json("computer", "erase", *serials, "--yes")
    assert code == 5 and {r["status"] for r in rows} == {"failed"}
    assert all("Send Computer Remote Wipe Command" in r["error"] for r in rows)


def test_wait_reports_device_errors_and_commands_still_pending(sandbox):
    watch = online_mobiles(sandbox, 1, kind="watchos")
    offline = next(d.serial for d in sandbox.app.resources.store.mobile_devices
                   if d.managed and REFERENCE_EPOCH - d.contact > 20 * 86400)
    code, rows, err = sandbox.json("mobile", "lost-mode", *watch, offline, "--message", "Lost", "--yes", "--wait", "3")
    assert code == 1, err  # both failed, each with exit code 1
    assert rows[0]["status"] == "error" and "not supported" in rows[0]["error"]
    assert rows[1]["status"] == "pending" and "not acknowledged within 3 s" in rows[1]["error"]


# --- device state ---------------------------------------------------------------------------------------------
def test_commands_change_the_devices(sandbox):
    computer, iphone = online_computers(sandbox, 1)[0], online_mobiles(sandbox, 1)[0]
    assert sandbox.run("computer", "remove-mdm", computer, "--yes")[0] == 0
    assert sandbox.run("mobile", "lost-mode", iphone, "--message", "Call 555", "--yes")[0] == 0
    sandbox.mdm.advance(5)
    shown = sandbox.json("computer", "show", computer)[1]
    assert shown["general"]["remoteManagement"]["managed"] is False
    device = sandbox.json("mobile", "show", iphone, "--section", "SECURITY")[1]
    assert device["security"]["lostModeEnabled"] is True and device["security"]["lostModeMessage"] == "Call 555"
    code, rows, _ = sandbox.json("computer", "restart", computer, "--yes")
    assert code == 1 and rows[0]["status"] == "unmanaged"  # a removed one is unmanaged: nothing sent to it
    assert sandbox.run("mobile", "lost-mode", iphone, "--disable", "--yes")[0] == 0
    sandbox.mdm.advance(5)
    assert sandbox.json("mobile", "show", iphone, "--section", "SECURITY")[1]["security"]["lostModeEnabled"] is False


# --- a reset mid-POST, and Ctrl-C -------------------------------------------------------------------------------
class ResetOnce:
    """The first POST to /api/v2/mdm/commands is received (queued), then its connection is reset."""

    def __init__(self):
        self.done = False

    def decide(self, method, target):
        if method == "POST" and target.startswith("/api/v2/mdm/commands") and not self.done:
            self.done = True
            return "reset"
        return None


def test_a_reset_after_the_post_was_received_never_makes_two_commands(sandbox):
    sandbox.app.faults = ResetOnce()
    serials = online_computers(sandbox, 3)
    code, rows, err = sandbox.json("computer", "restart", *serials, "--yes", "--wait", "10")
    assert code == 7, err
    assert {r["status"] for r in rows} == {"unknown"} and "check before sending again" in rows[0]["error"]
    assert sandbox.recorder.writes() == [("POST", "/api/v2/mdm/commands")]  # sent once, never again
    assert len(sandbox.mdm.commands) == 3  # one command per device, queued once


def test_ctrl_c_stops_sending_and_reports_what_was_sent(sandbox):
    serials = online_computers(sandbox, 6)

    def interrupt(recorder, request):
        if len(recorder.writes()) == 2:  # while the second erase is on its way
            os.kill(os.getpid(), signal.SIGINT)

    sandbox.recorder.hook = interrupt
    code, rows, err = sandbox.json("computer", "erase", *serials, "--yes", max_connections=1)
    assert code == 130, err
    assert [r["status"] for r in rows[:2]] == ["queued", "queued"]
    assert {r["status"] for r in rows[2:]} == {"not_sent"} and len(rows) == 6
    assert len(sandbox.recorder.writes()) == 2 == len(sandbox.mdm.commands)


def _token(app: SandboxApp) -> str:
    with app._lock:
        token = app.new_token()
        app._tokens[token] = float("inf")
    return token


def test_a_bare_wait_takes_the_default_and_does_not_eat_the_next_option(sandbox):
    serial = online_computers(sandbox, 1)[0]
    code, rows, err = sandbox.json("computer", "restart", serial, "--wait", "--yes")
    assert code == 0 and rows[0]["status"] == "acknowledged", err


def test_a_terminal_shows_a_progress_bar_on_stderr_and_only_data_on_stdout(sandbox):
    serials = online_computers(sandbox, 8)
    out, err = io.StringIO(), TTY()
    ctx = AppContext(stdout=out, stderr=err, stdin=io.StringIO(""), transport_factory=lambda: sandbox.recorder,
                     max_connections=2)
    assert run(["-p", "sandbox", "computer", "erase", *serials, "--yes", "-o", "json", "--wait", "20"], ctx) == 0
    assert "Erase computers (sandbox)" in err.getvalue()
    assert len(json.loads(out.getvalue())) == 8
