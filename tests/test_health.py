"""`computer health` and jamfctl.insight.checks: each check at its thresholds, unknown states, thresholds from
the config file, the command in every format against the sandbox (requests counted), and once as real
subprocesses against `jamfctl sandbox serve`.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml
from test_sandbox_schema import _operation_schema, validate

from jamfctl import config as config_module
from jamfctl.cli import health as health_cli
from jamfctl.errors import ConfigError
from jamfctl.insight import checks
from jamfctl.insight.checks import FAIL, OK, UNKNOWN, WARN, MacOSReleases, Thresholds
from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig, software_updates
from jamfctl.sandbox.app import _json, api_error
from jamfctl.sandbox.fleet import REFERENCE_EPOCH, Fleet
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness, RecordingSandbox

NOW = 1_800_000_000.0  # any fixed instant: the unit checks never read the clock
DAY = 86400
T = Thresholds()
RELEASES = MacOSReleases({13: (13, 7, 8), 14: (14, 8, 2), 15: (15, 7, 2), 26: (26, 1)},
                         {13: "Ventura", 14: "Sonoma", 15: "Sequoia", 26: "Tahoe"}, date(2025, 11, 3))
FORMATS = ("table", "json", "ndjson", "csv", "yaml")
FLEET = SandboxConfig(computers=300, seed=11)
INVENTORY = "/api/v4/computers-inventory"
UPDATES = "/api/v1/managed-software-updates/available-updates"


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def one(name: str, record: dict, thresholds: Thresholds = T, releases: MacOSReleases = RELEASES) -> checks.Check:
    return next(c for c in checks.evaluate(record, thresholds, releases, now=NOW) if c.name == name)


# --- the checks at their thresholds ----------------------------------------------------------------------------
@pytest.mark.parametrize("age, verdict", [(14 * DAY - 1, OK), (14 * DAY, WARN), (30 * DAY - 1, WARN), (30 * DAY, FAIL)])
def test_checkin_age_at_its_thresholds(age, verdict):
    check = one("check-in", {"general": {"lastContact": stamp(NOW - age), "lastCheckIn": stamp(NOW - 90 * DAY)}})
    assert check.verdict == verdict  # the later of the two dates counts
    assert check.value == round(age / DAY, 1)


@pytest.mark.parametrize("age, verdict", [(14 * DAY - 1, OK), (14 * DAY, WARN), (30 * DAY, FAIL)])
def test_inventory_age_at_its_thresholds(age, verdict):
    assert one("inventory", {"general": {"reportDate": stamp(NOW - age)}}).verdict == verdict


def test_dates_with_fractions_or_without_a_zone_are_read_as_utc():
    general = {"reportDate": stamp(NOW - 20 * DAY).replace("Z", ".123Z"), "lastContact": stamp(NOW - DAY)[:-1]}
    assert one("inventory", {"general": general}).verdict == WARN
    assert one("check-in", {"general": general}).value == 1.0


@pytest.mark.parametrize("version, verdict, words", [
    ("26.1", OK, "newest"), ("26.0.1", WARN, "Tahoe is at 26.1"), ("15.7.2", WARN, "1 major release behind 26.1"),
    ("14.8.2", FAIL, "2 major releases behind"), ("12.7.6", FAIL, "4 major releases"), ("27.0", OK, "newest"),
    ("26.1 (a)", OK, "newest"),
])
def test_os_version_against_the_newest_major_and_its_point_release(version, verdict, words):
    check = one("os-version", {"operatingSystem": {"version": version}})
    assert (check.verdict, check.value) == (verdict, version) and words in check.detail


def test_os_thresholds_are_configurable():
    lax = Thresholds(os_minor_behind_warn=False, os_majors_behind_fail=3)
    assert one("os-version", {"operatingSystem": {"version": "26.0.1"}}, lax).verdict == OK
    assert one("os-version", {"operatingSystem": {"version": "14.8.2"}}, lax).verdict == WARN
    assert one("os-version", {"operatingSystem": {"version": "13.7.8"}}, lax).verdict == FAIL


def test_versions_seen_raise_the_newest_release():
    seen = RELEASES.with_seen(["27.0.1", "26.2", "junk", "", "15.7.1"])
    assert (seen.newest_major(), seen.newest(), seen.newest_for_major(26), seen.newest_for_major(15)) == \
        (27, "27.0.1", "26.2", "15.7.2")
    assert one("os-version", {"operatingSystem": {"version": "26.1"}}, releases=seen).verdict == WARN
    assert RELEASES.newest() == "26.1"  # the original is left as it was


@pytest.mark.parametrize("partition, status, enabled, key, verdict", [
    ("ENCRYPTED", "ALL_ENCRYPTED", True, "VALID", OK),
    ("ENCRYPTING", "SOME_ENCRYPTED", True, "VALID", WARN),
    ("RESTART_NEEDED", None, None, None, WARN),
    ("UNENCRYPTED", "NOT_ENCRYPTED", False, "NOT_APPLICABLE", FAIL),
    ("DECRYPTING", None, None, None, FAIL),
    ("UNKNOWN", "ALL_ENCRYPTED", None, None, OK),  # the OS's summary when the partition's state is unknown
    ("UNKNOWN", "NOT_APPLICABLE", None, None, UNKNOWN),
    (None, None, False, None, FAIL),
    ("ENCRYPTED", None, True, "INVALID", WARN),  # on, but the recovery key would not unlock it
    (None, None, None, None, UNKNOWN),
])
def test_filevault_states(partition, status, enabled, key, verdict):
    disk = {"bootPartitionEncryptionDetails": {"partitionFileVault2State": partition} if partition else None,
            "fileVault2Enabled": enabled, "individualRecoveryKeyValidityStatus": key}
    record = {"diskEncryption": disk, "operatingSystem": {"fileVault2Status": status}}
    assert one("filevault", record).verdict == verdict


@pytest.mark.parametrize("name, key, values", [
    ("sip", "sipStatus", {"ENABLED": OK, "DISABLED": FAIL, "NOT_COLLECTED": UNKNOWN, "NOT_AVAILABLE": UNKNOWN}),
    ("gatekeeper", "gatekeeperStatus", {"APP_STORE_AND_IDENTIFIED_DEVELOPERS": OK, "APP_STORE": OK,
                                        "DISABLED": FAIL, "NOT_COLLECTED": UNKNOWN, "SOMETHING_NEW": UNKNOWN}),
    ("firewall", "firewallEnabled", {True: OK, False: WARN, "yes": UNKNOWN}),
])
def test_security_states(name, key, values):
    for value, verdict in values.items():
        assert one(name, {"security": {key: value}}).verdict == verdict, value
    assert one(name, {"security": {}}).verdict == UNKNOWN
    assert one(name, {"security": None}).verdict == UNKNOWN


def test_a_firewall_that_is_off_can_be_made_a_failure():
    assert one("firewall", {"security": {"firewallEnabled": False}}, Thresholds(firewall_off=FAIL)).verdict == FAIL


def storage(free_mb: float, size_mb: float | None = 1_024_000) -> dict:
    partitions = [{"partitionType": "RECOVERY", "sizeMegabytes": 5000, "availableMegabytes": 4000}]
    if size_mb is not None:
        partitions.append({"partitionType": "BOOT", "sizeMegabytes": size_mb, "availableMegabytes": free_mb})
    return {"storage": {"bootDriveAvailableSpaceMegabytes": free_mb, "disks": [{"partitions": partitions}]}}


@pytest.mark.parametrize("free_mb, verdict", [(102_400, OK), (102_399, WARN), (51_200, WARN), (51_199, FAIL)])
def test_free_disk_percent_at_its_thresholds(free_mb, verdict):
    check = one("disk-free", storage(free_mb))  # a 1000 GB boot partition: 10 % is 100 GB, far over 20 GB
    assert check.verdict == verdict and check.value == round(free_mb / 1024, 1)
    assert f"({100 * free_mb / 1_024_000:.0f} %)" in check.detail


@pytest.mark.parametrize("free_mb, verdict", [(20_480, OK), (20_479, WARN), (10_240, WARN), (10_239, FAIL)])
def test_free_disk_gigabytes_at_their_thresholds(free_mb, verdict):
    assert one("disk-free", storage(free_mb, size_mb=None)).verdict == verdict  # no partition: GB alone


def test_free_disk_unknown_without_figures():
    assert one("disk-free", {"storage": {"disks": []}}).verdict == UNKNOWN
    assert one("disk-free", {"storage": None}).verdict == UNKNOWN
    assert one("disk-free", {"storage": {"bootDriveAvailableSpaceMegabytes": -1, "disks": []}}).verdict == UNKNOWN


@pytest.mark.parametrize("left, verdict", [(30 * DAY + 1, OK), (30 * DAY, WARN), (1, WARN), (0, FAIL), (-DAY, FAIL)])
def test_mdm_profile_expiry_at_its_thresholds(left, verdict):
    assert one("mdm-profile", {"general": {"mdmProfileExpiration": stamp(NOW + left)}}).verdict == verdict


def test_mdm_profile_missing():
    assert one("mdm-profile", {"general": {"remoteManagement": {"managed": False}}}).verdict == FAIL
    assert one("mdm-profile", {"general": {"mdmProfileExpiration": None}}).verdict == UNKNOWN
    assert one("mdm-profile", {"general": {"mdmProfileExpiration": "not a date"}}).verdict == UNKNOWN


def test_an_empty_record_is_unknown_everywhere_never_ok():
    results = checks.evaluate({"id": "1", "general": None}, T, RELEASES, now=NOW)
    assert [c.name for c in results] == list(checks.CHECK_NAMES)
    assert {c.verdict for c in results} == {UNKNOWN} and checks.overall(results) == UNKNOWN


@pytest.mark.parametrize("record", [{"id": "7", "storage": {"disks": 5}},
                                    {"id": "7", "operatingSystem": {"version": ["14", "1"]}}])
def test_a_field_of_the_wrong_type_is_a_server_error_naming_the_computer(record):
    """computer health, report security and the MCP tools all meet this as a plain exit-1 error, not a crash."""
    from jamfctl.errors import ServerError

    with pytest.raises(ServerError, match="cannot read \\(id '7'\\)"):
        checks.evaluate(record, T, RELEASES, now=NOW)


@pytest.mark.parametrize("verdicts, worst", [((), UNKNOWN), ((OK, OK), OK), ((OK, UNKNOWN), UNKNOWN),
                                             ((UNKNOWN, WARN, OK), WARN), ((WARN, FAIL, UNKNOWN), FAIL)])
def test_overall_is_the_worst(verdicts, worst):
    assert checks.overall([checks.Check("x", v, "", None) for v in verdicts]) == worst


def test_the_bundled_release_table_is_dated_and_reaches_tahoe():
    releases = checks.load_releases()
    assert releases.newest_major() == 26 and releases.name(26) == "Tahoe"
    assert releases.newest_for_major(15).startswith("15.7") and releases.newest_for_major(99) is None
    assert releases.as_of <= date(2026, 12, 2) and releases.source
    raw = json.loads((Path(checks.__file__).parent / "macos_releases.json").read_text())
    assert date.fromisoformat(raw["written"]) >= releases.as_of


# --- thresholds from the config file ---------------------------------------------------------------------------
def test_thresholds_from_a_table():
    t = Thresholds.from_config({"checkin_warn_days": 3, "checkin_fail_days": 7.5, "os_minor_behind_warn": False,
                                "firewall_off": "fail"})
    assert (t.checkin_warn_days, t.checkin_fail_days, t.os_minor_behind_warn, t.firewall_off) == (3, 7.5, False, FAIL)
    assert Thresholds.from_config(None) == Thresholds.from_config({}) == T


@pytest.mark.parametrize("table, words", [
    ({"stale": 1}, "unknown key 'stale'"), ({"checkin_warn_days": "7"}, "checkin_warn_days must be a number"),
    ({"checkin_warn_days": True}, "a number"), ({"checkin_fail_days": -1}, ">= 0"),
    ({"os_majors_behind_warn": 1.5}, "whole number"), ({"os_minor_behind_warn": 1}, "true or false"),
    ({"firewall_off": "ok"}, "warn or fail"), ({"checkin_warn_days": 31}, "not be more than checkin_fail_days"),
    ({"disk_free_fail_gb": 25}, "disk_free_fail_gb must not be more than disk_free_warn_gb"),
])
def test_a_bad_table_names_the_key(table, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        Thresholds.from_config(table)


def write_config(text: str) -> Path:
    path = config_module.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_load_thresholds_reads_the_config_file_and_login_keeps_the_table():
    write_config('default_profile = "x"\n[health]\ncheckin_warn_days = 2\nmdm_expiry_warn_days = 60\n')
    assert checks.load_thresholds() == Thresholds(checkin_warn_days=2, mdm_expiry_warn_days=60)
    config = config_module.load()
    config_module.save(config)  # as login does
    assert config_module.load().health == {"checkin_warn_days": 2, "mdm_expiry_warn_days": 60}


def test_load_thresholds_takes_a_config_or_a_table_without_reading_the_file():
    write_config("[health]\nnope = 1\n")  # not read: the caller's config is used
    assert checks.load_thresholds(config_module.Config(health={"checkin_fail_days": 40})).checkin_fail_days == 40
    assert checks.load_thresholds({"firewall_off": "fail"}).firewall_off == FAIL
    assert checks.load_thresholds(config_module.Config()) == T


@pytest.mark.parametrize("text", ["[health]\nnope = 1\n", "health = 3\n", '[health]\nstale_checkin_days = "sk-123"\n'])
def test_a_bad_health_table_is_a_config_error(text):
    write_config(text)
    with pytest.raises(ConfigError) as caught:
        checks.load_thresholds()
    assert caught.value.exit_code == 2 and "config.toml" in caught.value.message
    assert "sk-123" not in caught.value.message  # values are never echoed


# --- the command against the sandbox ---------------------------------------------------------------------------
class QuerySandbox(RecordingSandbox):
    """Also keeps each request's query; `updates` replaces the available-updates answer."""

    def __init__(self, config=FLEET, updates=None):
        super().__init__(config)
        self.queries: list[tuple[str, list]] = []
        self.updates = updates

    def handle(self, method, path, query, headers, body):
        if "oauth/token" not in path:
            self.queries.append((path, list(query)))
        if self.updates is not None and path.endswith("/available-updates"):
            self.seen.append((method, path, 0, None))
            return self.updates
        return super().handle(method, path, query, headers, body)


@pytest.fixture
def app() -> QuerySandbox:
    return QuerySandbox()


@pytest.fixture
def cli(monkeypatch, app) -> Harness:
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: SandboxTransport(app))
    monkeypatch.setattr(health_cli, "clock", lambda: REFERENCE_EPOCH)  # the sandbox's dates are relative to it
    return harness


def expected(app, computer, thresholds: Thresholds = T, releases=None) -> list[checks.Check]:
    from jamfctl.sandbox.sections import build_record

    releases = releases or checks.load_releases().with_seen(
        software_updates.available_updates()["availableUpdates"]["macOS"])
    record = build_record(app.fleet, computer, checks.SECTIONS)
    return checks.evaluate(record, thresholds, releases, now=REFERENCE_EPOCH)


def find(app, want):
    return next(c for c in app.fleet.computers if want(expected(app, c)))


def parsed(fmt: str, text: str) -> list[dict]:
    if fmt == "json":
        return json.loads(text)
    if fmt == "ndjson":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "yaml":
        return yaml.safe_load(text)
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_has_a_row_per_check_and_the_overall_one(cli, app, fmt):
    computer = find(app, lambda r: checks.overall(r) == FAIL)
    want = expected(app, computer)
    run = cli.run("-p", "sandbox", "computer", "health", computer.serial, "-o", fmt)
    assert run.exit_code == 0, run.stderr
    if fmt == "table":
        lines = run.stdout.splitlines()
        assert lines[0].split() == ["Check", "Verdict", "Detail"]
        assert [line.split()[:2] for line in lines[1:]] == [[c.name, c.verdict] for c in want] + [["overall", FAIL]]
        assert "overall fail; newest macOS 26.1" in run.stderr
        return
    rows = parsed(fmt, run.stdout)
    assert [(r["check"], r["verdict"], r["detail"]) for r in rows] == \
        [(c.name, c.verdict, c.detail) for c in want] + [("overall", FAIL, rows[-1]["detail"])]
    assert {(r["serialNumber"], r["computerId"]) for r in rows} == {(computer.serial, str(computer.id))}
    if fmt != "csv":
        assert [r["value"] for r in rows[:-1]] == [c.value for c in want]
    assert re.fullmatch(r"(\d+ (fail|warn|unknown|ok)(, )?)+", rows[-1]["detail"])


def test_fields_select_columns_and_an_unknown_one_is_exit_2_before_any_request(cli, app):
    serial = app.fleet.computers[0].serial
    run = cli.run("-p", "sandbox", "computer", "health", serial, "--fields", "check,verdict", "-o", "ndjson")
    assert run.exit_code == 0
    assert {tuple(json.loads(line)) for line in run.stdout.splitlines()} == {("check", "verdict")}
    app.seen.clear()
    run = cli.run("-p", "sandbox", "computer", "health", serial, "--fields", "hardware.serialNumber", "-o", "json")
    assert run.exit_code == 2 and "Valid fields" in run.stderr and app.seen == []


def test_two_requests_by_serial_with_the_sections_the_checks_need(cli, app):
    computer = app.fleet.computers[5]
    assert cli.run("-p", "sandbox", "computer", "health", computer.serial, "-o", "json").exit_code == 0
    assert [path for path, _ in app.queries] == [INVENTORY, UPDATES]
    query = app.queries[0][1]
    assert sorted(v for k, v in query if k == "section") == sorted(checks.SECTIONS)
    assert ("filter", f'hardware.serialNumber=="{computer.serial}"') in query


def test_two_requests_by_id(cli, app):
    computer = app.fleet.computers[7]
    run = cli.run("-p", "sandbox", "computer", "health", "--id", str(computer.id), "-o", "json")
    assert run.exit_code == 0 and json.loads(run.stdout)[0]["serialNumber"] == computer.serial
    assert [path for path, _ in app.queries] == [f"{INVENTORY}/{computer.id}", UPDATES]


@pytest.mark.parametrize("argv", [["bad serial!"], ["C0"], [], ["C02XK1JMJG5H", "--id", "3"], ["--id", "0"],
                                  ["--id", "x"], ["C02XK1JMJG5H", "--fail-on", "sometimes"]])
def test_bad_input_is_exit_2_before_any_request(cli, app, argv):
    run = cli.run("-p", "sandbox", "computer", "health", *argv, "-o", "json")
    assert run.exit_code == 2, run.stderr
    assert app.seen == [] and run.stdout == ""


def test_an_unknown_serial_is_exit_4_after_one_request(cli, app):
    run = cli.run("-p", "sandbox", "computer", "health", "C02NOTHERE01", "-o", "json")
    assert run.exit_code == 4 and json.loads(run.stderr.strip().splitlines()[-1])["exit_code"] == 4
    assert [path for path, _ in app.queries] == [INVENTORY]


def test_a_403_names_read_computers(monkeypatch):
    app = QuerySandbox(SandboxConfig(computers=20, seed=11, denied_privileges=frozenset({"Read Computers"})))
    cli = Harness(monkeypatch)
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run("-p", "sandbox", "computer", "health", app.fleet.computers[0].serial)
    assert run.exit_code == 5 and "'Read Computers'" in run.stderr


def test_a_refused_available_updates_leaves_the_bundled_table(monkeypatch):
    app = QuerySandbox(updates=api_error(403, "INVALID_PRIVILEGE", "Forbidden"))
    cli = Harness(monkeypatch)
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run("-p", "sandbox", "computer", "health", app.fleet.computers[0].serial, "-o", "json")
    assert run.exit_code == 0 and "no available macOS updates" in run.stderr
    assert "bundled release table of 2025-11-03" in run.stderr


def test_the_servers_newer_release_makes_a_tahoe_mac_one_major_behind(monkeypatch):
    app = QuerySandbox(updates=_json(200, {"availableUpdates": {"macOS": ["27.0", "26.1"], "iOS": []}}))
    cli = Harness(monkeypatch)
    cli.use_transport(lambda: SandboxTransport(app))
    computer = next(c for c in app.fleet.computers if c.os_info.version == "26.1")
    run = cli.run("-p", "sandbox", "computer", "health", computer.serial, "-o", "json")
    row = next(r for r in json.loads(run.stdout) if r["check"] == "os-version")
    assert row["verdict"] == WARN and "1 major release behind 27.0" in row["detail"]


def test_thresholds_from_the_config_change_the_verdict(cli, app):
    computer = find(app, lambda r: r[0].verdict == OK and r[0].value >= 1)  # checked in a day or more ago
    write_config("[health]\ncheckin_warn_days = 0.5\n")
    rows = json.loads(cli.run("-p", "sandbox", "computer", "health", computer.serial, "-o", "json").stdout)
    assert rows[0]["check"] == "check-in" and rows[0]["verdict"] == WARN


def test_a_bad_config_is_exit_2_before_any_request(cli, app):
    write_config("[health]\nstale_after = 3\n")
    run = cli.run("-p", "sandbox", "computer", "health", app.fleet.computers[0].serial, "-o", "json")
    assert run.exit_code == 2 and "unknown key 'stale_after'" in run.stderr and "config.toml" in run.stderr
    assert app.seen == []


def test_fail_on_sets_the_exit_status(cli, app):
    failing = find(app, lambda r: checks.overall(r) == FAIL)
    warning = find(app, lambda r: checks.overall(r) == WARN)
    passing = find(app, lambda r: checks.overall(r) == OK)
    base = ("-p", "sandbox", "computer", "health")
    assert cli.run(*base, failing.serial, "-o", "json").exit_code == 0  # no --fail-on: 0 whatever the verdict
    run = cli.run(*base, failing.serial, "--fail-on", "fail", "-o", "json")
    assert run.exit_code == 1 and json.loads(run.stdout)[-1]["verdict"] == FAIL and "--fail-on fail" in run.stderr
    assert cli.run(*base, warning.serial, "--fail-on", "fail").exit_code == 0
    assert cli.run(*base, warning.serial, "--fail-on", "WARN").exit_code == 1
    assert cli.run(*base, passing.serial, "--fail-on", "unknown").exit_code == 0


def test_commands_lists_it_with_read_computers(cli):
    rows = json.loads(cli.run("commands", "-o", "json").stdout)
    row = next(r for r in rows if r["command"] == "computer health")
    assert row["writes"] is False and row["privileges"] == ["Read Computers"]
    assert "GET /api/v1/managed-software-updates/available-updates" in row["endpoints"]


# --- the sandbox's data ------------------------------------------------------------------------------------------
def test_the_seeded_fleet_shows_every_verdict_and_stays_the_same_per_seed():
    fleet, releases = Fleet(1500, seed=3), checks.load_releases()
    seen = Counter()
    for computer in fleet.computers:
        for check in checks.evaluate(fleet.record(computer.id, checks.SECTIONS), T, releases, now=REFERENCE_EPOCH):
            seen[check.name, check.verdict] += 1
    for name in checks.CHECK_NAMES:
        assert seen[name, OK] and (seen[name, WARN] or seen[name, FAIL]), name
    for name in ("check-in", "inventory", "os-version", "filevault", "disk-free", "mdm-profile"):
        assert seen[name, WARN] and seen[name, FAIL], name
    assert seen["sip", UNKNOWN] and seen["gatekeeper", UNKNOWN]
    again = Fleet(1500, seed=3)
    assert [again.record(c.id, checks.SECTIONS) for c in again.computers[:50]] == \
        [fleet.record(c.id, checks.SECTIONS) for c in fleet.computers[:50]]


def test_available_updates_follow_the_schema(app):
    body = software_updates.available_updates()
    validate(body, _operation_schema("/v1/managed-software-updates/available-updates", "get", "200"))
    assert body["availableUpdates"]["macOS"][0] == "26.1"
    assert app.handle("POST", "/api/v1/managed-software-updates/available-updates", [], {}, b"").status in (401, 405)


# --- real processes: `jamfctl sandbox serve` and the console script over HTTP ----------------------------------
JAMFCTL = Path(sys.executable).parent / "jamfctl"


@pytest.mark.slow
@pytest.mark.skipif(not JAMFCTL.exists(), reason="the jamfctl console script is not installed")
def test_over_http_against_sandbox_serve(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAMF_", "JAMFCTL_", "_JAMFCTL"))}
    env.update({"HOME": str(tmp_path), "JAMFCTL_CONFIG_DIR": str(tmp_path / "config"), "COLUMNS": "200"})
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("[health]\nfirewall_off = \"fail\"\n")
    log = tmp_path / "access.log"
    with open(log, "w") as err:
        server = subprocess.Popen([str(JAMFCTL), "sandbox", "serve", "--port", "0", "--computers", "40"],
                                  stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    try:
        assert select.select([server.stdout], [], [], 20)[0], "sandbox serve printed no URL"
        url = server.stdout.readline().strip()
        env.update({"JAMF_URL": url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": SANDBOX_CLIENT_SECRET})
        serial = Fleet(40, seed=42).computers[0].serial
        before = log.read_text().count(' HTTP/1.1" ')
        done = subprocess.run([str(JAMFCTL), "computer", "health", serial, "-o", "json"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        assert [r["check"] for r in rows] == [*checks.CHECK_NAMES, "overall"]
        each = [checks.Check(r["check"], r["verdict"], r["detail"], r["value"]) for r in rows[:-1]]
        assert rows[-1]["verdict"] == checks.overall(each)
        firewall = next(r for r in rows if r["check"] == "firewall")
        assert firewall["verdict"] == (FAIL if firewall["value"] is False else OK)  # the config file's threshold
        assert SANDBOX_CLIENT_SECRET not in done.stdout + done.stderr
        lines = [line for line in log.read_text().splitlines() if ' HTTP/1.1" ' in line][before:]
        paths = [re.search(r'"[A-Z]+ (\S+)', line).group(1).split("?")[0] for line in lines]
        assert paths == ["/api/oauth/token", INVENTORY, UPDATES]
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def test_the_readme_shows_the_default_thresholds():
    import tomllib

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[health\]\n.*?)```", readme, re.S).group(1)
    assert Thresholds.from_config(tomllib.loads(block)["health"]) == T
    assert set(tomllib.loads(block)["health"]) == {f for f in Thresholds.__dataclass_fields__}


def test_a_hostile_name_cannot_drive_the_terminal_through_the_note(cli, app):
    computer = app.fleet.computers[3]
    app.fleet.changes = lambda c: {"general": {"name": "evil\x1b]0;owned\x07\x1b[2J name"}} if c is computer else None
    run = cli.run("-p", "sandbox", "computer", "health", computer.serial, "-o", "table")
    assert run.exit_code == 0 and "\x1b" not in run.stderr + run.stdout and "evil" in run.stderr
