"""`report security`: the fleet's numbers against a sandbox fleet the test reads for itself, the requests it
costs, --group and --filter, input checked before any request, a 403, and the HTML page (escaped, offline,
the same numbers as the JSON). The page in a real browser: test_report_browser.py.

Expected numbers are computed here from the sandbox's own inventory records (fleet.record), with plain rules
written in the test, never by calling jamfctl.insight.report.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import threading
from collections import Counter

import httpx
import pytest
import yaml

from jamfctl.cli import report as report_cmd
from jamfctl.insight import checks
from jamfctl.insight import html as html_module
from jamfctl.insight import report as fleet_report
from jamfctl.sandbox import SandboxConfig
from jamfctl.sandbox.fleet import DAY, REFERENCE_EPOCH
from jamfctl.sandbox.sections import ALL_SECTIONS
from jamfctl.sandbox.store import Store
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness, RecordingSandbox

FLEET = SandboxConfig(computers=400, seed=11)
PAGE = 150  # the client's page-size cap in most tests: three pages from a small fleet
NOW = REFERENCE_EPOCH + 3600  # the checks' clock, pinned: ages are exact
INVENTORY = "/api/v4/computers-inventory"
HOSTILE_NAME = '<script>alert("pwned")</script><img src="https://evil.example/x.png" onerror=alert(1)>&amp;'


class QuerySandbox(RecordingSandbox):
    """The sandbox, remembering each request's path and query."""

    def __init__(self, config=FLEET) -> None:
        super().__init__(config)
        self.queries: list[tuple[str, list[tuple[str, str]]]] = []
        self._lock = threading.Lock()

    def handle(self, method, path, query, headers, body):
        with self._lock:
            self.queries.append((path, list(query)))
        return super().handle(method, path, query, headers, body)


@pytest.fixture(scope="module")
def shared_app() -> QuerySandbox:
    return QuerySandbox()


@pytest.fixture
def app(shared_app) -> QuerySandbox:
    shared_app.queries.clear()
    shared_app.seen.clear()
    return shared_app


@pytest.fixture
def cli(monkeypatch, app) -> Harness:
    monkeypatch.setattr(report_cmd, "clock", lambda: NOW)
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: SandboxTransport(app))
    harness.page_size = PAGE
    return harness


@pytest.fixture(scope="module")
def records(shared_app) -> list[dict]:
    """Every computer as the sandbox serves it (all sections), in id order."""
    return [shared_app.fleet.record(c.id, ALL_SECTIONS) for c in shared_app.fleet.computers]


def report_json(cli: Harness, *args: str) -> dict:
    result = cli.run("-p", "sandbox", "report", "security", *args, "-o", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- what the test expects, from the records -------------------------------------------------------------------
def version(record: dict) -> tuple[int, ...]:
    return tuple(int(p) for p in record["operatingSystem"]["version"].split("."))


def stamp(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def expected(records: list[dict], now: float = NOW) -> dict:
    newest = max([version(r) for r in records] + [(26, 1)])  # the bundled table knows 26.1
    sec = [r["security"] for r in records]
    last_heard = [max(stamp(r["general"]["lastCheckIn"]), stamp(r["general"]["lastContact"])) for r in records]
    expiry = [stamp(r["general"]["mdmProfileExpiration"]) if r["general"].get("mdmProfileExpiration") else None
              for r in records]
    return {
        "computers": len(records),
        "managed": sum(r["general"]["remoteManagement"]["managed"] is True for r in records),
        "filevault_on": sum(r["diskEncryption"]["bootPartitionEncryptionDetails"]["partitionFileVault2State"]
                            == "ENCRYPTED" and r["diskEncryption"]["individualRecoveryKeyValidityStatus"] != "INVALID"
                            for r in records),
        "sip_on": sum(s["sipStatus"] == "ENABLED" for s in sec),
        "gatekeeper_on": sum(s["gatekeeperStatus"] in ("APP_STORE", "APP_STORE_AND_IDENTIFIED_DEVELOPERS")
                             for s in sec),
        "firewall_on": sum(s["firewallEnabled"] is True for s in sec),
        "os_current": sum(version(r) == newest for r in records),
        "stale_checkins": sum(now - t >= 14 * DAY for t in last_heard),
        "mdm_profile_expiring": sum(e is not None and 0 < e - now <= 30 * DAY for e in expiry),
        "newest_macos": ".".join(map(str, newest)),
    }


def spread(records: list[dict]) -> tuple[dict, dict]:
    majors = Counter(str(version(r)[0]) for r in records)
    minors = Counter(".".join(map(str, version(r)[:2])) for r in records)
    return dict(majors), dict(minors)


# --- numbers --------------------------------------------------------------------------------------------------
def test_the_fleet_numbers_match_the_inventory(cli, records):
    report = report_json(cli)
    want = expected(records)
    assert {key: report["summary"][key] for key in want} == want
    majors, minors = spread(records)
    assert {row["major"]: row["computers"] for row in report["os"]["by_major"]} == majors
    assert {row["version"]: row["computers"] for row in report["os"]["by_minor"]} == minors
    assert report["summary"]["generated_at"] == "2026-11-30T13:00:00Z"  # the pinned clock
    assert report["summary"]["server"] == "https://sandbox.jamfctl.invalid"
    for row in report["checks"]:
        assert row["ok"] + row["unknown"] + row["warn"] + row["fail"] == len(records), row


def test_flagged_computers_are_the_ones_with_a_bad_fact_and_say_why(cli, records):
    report = report_json(cli)
    flagged = {row["id"]: row for row in report["flagged"]}
    assert report["summary"]["flagged"] == len(flagged) == len(report["flagged"])
    by_id = {r["id"]: r for r in records}
    newest = max(version(r) for r in records)
    for ident, record in by_id.items():
        reasons = flagged.get(ident, {}).get("reasons", {})
        assert (record["security"]["sipStatus"] == "DISABLED") == (reasons.get("sip") == "fail")
        assert (record["security"]["firewallEnabled"] is False) == ("firewall" in reasons)
        assert (version(record) < newest) == ("os-version" in reasons)
        if ident in flagged:
            row = flagged[ident]
            assert row["serialNumber"] == record["hardware"]["serialNumber"]
            assert row["name"] == record["general"]["name"]
            assert row["osVersion"] == record["operatingSystem"]["version"]
            assert reasons and set(reasons.values()) <= {"warn", "fail"}
            assert row["worst"] == ("fail" if "fail" in reasons.values() else "warn")
    severity = [sum(3 if v == "fail" else 1 for v in row["reasons"].values()) for row in report["flagged"]]
    assert severity == sorted(severity, reverse=True)  # worst first


def test_it_pages_the_inventory_once_with_only_the_checks_sections(cli, app):
    cli.page_size = None  # the client's own limit: the report asks for pages of 2000
    report_json(cli)
    pages = [query for path, query in app.queries if path == INVENTORY]
    # The client's pager sends its first wave of five before it knows totalCount (jamfctl.paging): the pages
    # past the end come back empty, and no page is asked for twice.
    numbers = sorted(int(dict(query)["page"]) for query in pages)
    assert numbers == list(range(max(5, math.ceil(FLEET.computers / 2000))))
    cli.page_size = PAGE
    app.queries.clear()
    report_json(cli)
    numbers = sorted(int(dict(query)["page"]) for path, query in app.queries if path == INVENTORY)
    assert numbers == list(range(max(5, math.ceil(FLEET.computers / PAGE))))
    for query in pages:
        assert sorted(v for k, v in query if k == "section") == sorted(checks.SECTIONS)
        assert dict(query)["page-size"] == "2000"
    paths = [path for path, _ in app.queries]
    assert paths.count("/api/v1/managed-software-updates/available-updates") == 1
    assert set(paths) <= {INVENTORY, "/api/v1/managed-software-updates/available-updates", "/api/oauth/token"}


def test_a_newer_version_seen_later_makes_earlier_computers_behind():
    """Pages stream: Macs on 26.1 come first and look current, then one on 26.2 shows up."""
    def mac(ident: int, os_version: str, sip: str = "ENABLED") -> dict:
        return {"id": str(ident), "general": {"name": f"Mac {ident}", "lastContact": "2026-11-30T11:00:00Z",
                                              "reportDate": "2026-11-30T11:00:00Z",
                                              "mdmProfileExpiration": "2027-11-30T00:00:00Z",
                                              "remoteManagement": {"managed": True}},
                "hardware": {"serialNumber": f"SERIAL{ident}"}, "operatingSystem": {"version": os_version},
                "security": {"sipStatus": sip, "gatekeeperStatus": "APP_STORE", "firewallEnabled": True},
                "diskEncryption": {"bootPartitionEncryptionDetails": {"partitionFileVault2State": "ENCRYPTED"}},
                "storage": {"bootDriveAvailableSpaceMegabytes": 400_000,
                            "disks": [{"partitions": [{"partitionType": "BOOT", "sizeMegabytes": 900_000}]}]}}

    tally = fleet_report.Tally(checks.Thresholds(), checks.load_releases(), NOW)
    for record in [mac(1, "26.1"), mac(2, "26.1", sip="DISABLED"), mac(3, "26.2")]:
        tally.add(record)
    result = tally.result({})
    reasons = {d.id: dict(d.reasons) for d in result.flagged}
    assert reasons == {"1": {"os-version": "warn"}, "2": {"sip": "fail", "os-version": "warn"}}
    assert result.summary["newest_macos"] == "26.2" and result.summary["os_current"] == 1


# --- scope ----------------------------------------------------------------------------------------------------
def test_filter_limits_the_report_to_the_matching_computers(cli, app, records):
    report = report_json(cli, "--filter", "security.firewallEnabled==false")
    off = [r for r in records if r["security"]["firewallEnabled"] is False]
    assert report["summary"]["computers"] == len(off) > 0
    assert report["summary"]["firewall_on"] == 0 and report["summary"]["filter"] == "security.firewallEnabled==false"
    assert all(dict(q).get("filter") == "security.firewallEnabled==false" for p, q in app.queries if p == INVENTORY)


@pytest.mark.parametrize("server_side, chunk", [(True, 200), (True, 7), (False, 200)],
                         ids=("id-filters", "id-filters-in-chunks", "restricted-here"))
def test_group_limits_the_report_to_its_members(cli, app, records, monkeypatch, server_side, chunk):
    monkeypatch.setattr(fleet_report, "GROUP_ID_CHUNK", chunk)
    if not server_side:  # a group too big for id filters: the whole inventory, restricted to the members
        monkeypatch.setattr(fleet_report, "SERVER_SIDE_GROUP_LIMIT", 10)
    store = Store(app.fleet)
    group = next(g for g in store.computer_groups if g.name == "FileVault Not Enabled")
    members = {str(c.id) for c in store.computer_group_members(group.id)}
    assert 10 < len(members) < 200
    report = report_json(cli, "--group", group.name, "--filter", "general.remoteManagement.managed==true")
    scoped = [r for r in records if r["id"] in members and r["general"]["remoteManagement"]["managed"] is True]
    want = expected(scoped)
    want.pop("newest_macos")  # the newest release is the whole fleet's word, not the group's
    want.pop("os_current")
    assert {key: report["summary"][key] for key in want} == want and report["summary"]["group"] == group.name
    assert {row["id"] for row in report["flagged"]} <= members
    filters = [dict(q).get("filter", "") for p, q in app.queries if p == INVENTORY]
    assert all(("id=in=(" in f) == server_side and "general.remoteManagement.managed==true" in f for f in filters)
    if server_side:  # one request per chunk of ids
        assert len(filters) == math.ceil(len(members) / chunk) > (1 if chunk < 10 else 0)


def test_an_unknown_group_is_exit_4(cli):
    result = cli.run("-p", "sandbox", "report", "security", "--group", "No Such Group 7f3a")
    assert result.exit_code == 4 and "7f3a" in result.stderr


# --- input checked before any request ---------------------------------------------------------------------------
@pytest.mark.parametrize("args, says", [
    (["--filter", "security.firewallEnabled=="], "invalid filter"),
    (["--filter", "security.sipStatus==ENABLED"], "cannot filter on"),
    (["--filter", ""], "must not be empty"),
    (["--fields", "id,nope"], "unknown field 'nope'"),
    (["--group", ""], "--group"),
    (["-o", "xml"], "unknown output format"),
])
def test_bad_input_is_exit_2_before_any_request(cli, app, args, says):
    result = cli.run("-p", "sandbox", "report", "security", *args)
    assert result.exit_code == 2, result.stderr
    assert says in result.stderr
    assert app.seen == []


def test_html_into_a_folder_a_link_or_a_missing_folder_is_exit_2_before_any_request(cli, app, tmp_path):
    (tmp_path / "real.html").write_text("old")
    (tmp_path / "link.html").symlink_to(tmp_path / "real.html")
    for target, says in ((tmp_path, "is a folder"), (tmp_path / "link.html", "symbolic link"),
                         (tmp_path / "nowhere" / "r.html", "does not exist")):
        result = cli.run("-p", "sandbox", "report", "security", "--html", str(target))
        assert result.exit_code == 2 and says in result.stderr, result.stderr
    assert app.seen == [] and (tmp_path / "real.html").read_text() == "old"


def test_a_403_names_the_privilege(monkeypatch, tmp_path):
    denied = QuerySandbox(SandboxConfig(computers=20, denied_privileges=frozenset({"Read Computers"})))
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: SandboxTransport(denied))
    result = harness.run("-p", "sandbox", "report", "security", "--html", str(tmp_path / "r.html"), "-o", "json")
    assert result.exit_code == 5 and "Read Computers" in result.stderr
    assert json.loads(result.stderr.strip().splitlines()[-1])["exit_code"] == 5
    assert result.stdout == "" and not (tmp_path / "r.html").exists()


# --- formats ----------------------------------------------------------------------------------------------------
def test_csv_ndjson_and_yaml_hold_the_flagged_computers(cli):
    document = report_json(cli)
    flagged = document["flagged"]
    rows = list(csv.DictReader(io.StringIO(cli.run("-p", "sandbox", "report", "security", "-o", "csv").stdout)))
    assert len(rows) == len(flagged) and list(rows[0]) == list(fleet_report.FLAGGED_FIELDS)
    assert rows[0]["reasons"] == "; ".join(f"{k}={v}" for k, v in flagged[0]["reasons"].items())
    lines = cli.run("-p", "sandbox", "report", "security", "-o", "ndjson").stdout.splitlines()
    assert [json.loads(line) for line in lines] == flagged
    few = ("--filter", "general.remoteManagement.managed==false")  # YAML is slow to parse: a small document
    assert yaml.safe_load(cli.run("-p", "sandbox", "report", "security", *few, "-o", "yaml").stdout) == \
        report_json(cli, *few)
    picked = cli.run("-p", "sandbox", "report", "security", "-o", "ndjson", "--fields", "serialNumber,worst").stdout
    assert {tuple(json.loads(line)) for line in picked.splitlines()} == {("serialNumber", "worst")}


def test_fields_pick_the_flagged_rows_fields_in_every_document_format(cli):
    few = ("--filter", "general.remoteManagement.managed==false")
    picked = report_json(cli, *few, "--fields", "id,reasons")  # the summary stays whole; rows get the fields
    assert picked["summary"] == report_json(cli, *few)["summary"]
    assert {tuple(row) for row in picked["flagged"]} == {("id", "reasons")}
    in_yaml = yaml.safe_load(cli.run("-p", "sandbox", "report", "security", *few, "--fields", "id,reasons",
                                     "-o", "yaml").stdout)
    assert in_yaml == picked


def test_the_table_shows_the_summary_and_the_worst_flagged(cli):
    result = cli.run("-p", "sandbox", "report", "security", "-o", "table")
    document = report_json(cli)
    assert result.exit_code == 0
    assert f"Computers  {document['summary']['computers']}" in re.sub(r" {2,}", "  ", result.stdout)
    assert document["flagged"][0]["serialNumber"] in result.stdout
    assert "-o csv lists them all" in result.stderr


# --- the page ---------------------------------------------------------------------------------------------------
def integers(value) -> list[int]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in integers(v)]
    if isinstance(value, list):
        return [n for v in value for n in integers(v)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def in_text(number: int, text: str) -> bool:
    return bool(re.search(rf"(?<![0-9.,])({number:,}|{number})(?![0-9])", text))


def test_the_page_has_charts_and_the_json_numbers_and_nothing_external(cli, tmp_path):
    page = tmp_path / "report.html"
    result = cli.run("-p", "sandbox", "report", "security", "--html", str(page))
    assert result.exit_code == 0 and result.stdout == ""  # no -o: the page only
    assert "wrote the report to" in result.stderr
    html = page.read_text("utf-8")
    document = report_json(cli)
    text = re.sub(r"<[^>]+>", " ", html)  # what a reader sees
    numbers = integers({k: document[k] for k in ("summary", "checks", "os")})
    assert len(numbers) > 40
    assert [n for n in numbers if not in_text(n, text)] == []
    assert html.count("<svg") == 3 and html.count("<rect") > 20
    assert not re.search(r"""(?i)(src|href|xlink:href|action)\s*=\s*["']?\s*(https?:)?//""", html)
    assert not re.search(r"(?i)<script|<link|<iframe|@import|url\(|javascript:", html)
    assert "@media print" in html
    for row in document["flagged"][:html_module.FLAGGED_LIMIT]:
        assert row["serialNumber"] in html


def test_the_page_is_replaced_atomically_and_with_o_the_report_is_printed_too(cli, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    page = folder / "report.html"
    page.write_text("an older report")
    result = cli.run("-p", "sandbox", "report", "security", "--html", str(page), "-o", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["summary"]["computers"] == FLEET.computers
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in folder.iterdir()] == ["report.html"]  # no temporary file left behind


class RenamingTransport(httpx.BaseTransport):
    """The sandbox, with one computer renamed by a hostile end user (as Jamf would send it)."""

    def __init__(self, app, ident: str, name: str) -> None:
        self.inner, self.ident, self.name = SandboxTransport(app), ident, name

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != INVENTORY or response.status_code != 200:
            return response
        page = json.loads(response.content)
        for record in page["results"]:
            if record["id"] == self.ident:
                record["general"]["name"] = self.name
                record["hardware"]["serialNumber"] = "C02<b>X</b>"
        return httpx.Response(200, json=page)


def test_a_hostile_device_name_is_escaped_in_the_page(monkeypatch, app, tmp_path):
    victim = next(c for c in app.fleet.computers if not c.sip)  # SIP off: flagged with a fail, near the top
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: RenamingTransport(app, str(victim.id), HOSTILE_NAME))
    page = tmp_path / "r.html"
    assert harness.run("-p", "sandbox", "report", "security", "--html", str(page)).exit_code == 0
    html = page.read_text("utf-8")
    assert "<script" not in html and "<img" not in html and "<b>X</b>" not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html and "&amp;amp;" in html
    assert "C02&lt;b&gt;X&lt;/b&gt;" in html
    assert not re.search(r"""(?i)src\s*=\s*["']?https?://""", html)  # the name's URL is text, not an attribute


class NoUpdatesTransport(httpx.BaseTransport):
    """The sandbox, with the available-updates endpoint answering `status` (an old Jamf Pro: 404)."""

    def __init__(self, app, status: int) -> None:
        self.inner, self.status = SandboxTransport(app), status

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/managed-software-updates/available-updates":
            return httpx.Response(self.status, json={"httpStatus": self.status, "errors": []})
        return self.inner.handle_request(request)


@pytest.mark.parametrize("status", (404, 500))
def test_without_the_servers_updates_the_report_uses_the_bundled_table_and_the_fleet(monkeypatch, app, records,
                                                                                   status):
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: NoUpdatesTransport(app, status))
    monkeypatch.setattr(report_cmd, "clock", lambda: NOW)
    result = harness.run("-p", "sandbox", "report", "security", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "could not read /api/v1/managed-software-updates/available-updates" in result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary["server_updates_read"] is False and summary["newest_macos"] == expected(records)["newest_macos"]


class BrokenRecordTransport(RenamingTransport):
    """The sandbox, with one computer's storage of the wrong type."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != INVENTORY or response.status_code != 200:
            return response
        page = json.loads(response.content)
        for record in page["results"]:
            if record["id"] == self.ident:
                record["storage"] = {"disks": 5}
        return httpx.Response(200, json=page)


def test_a_record_with_a_field_of_the_wrong_type_is_a_plain_server_error(monkeypatch, app):
    ident = str(app.fleet.computers[3].id)
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: BrokenRecordTransport(app, ident, ""))
    result = harness.run("-p", "sandbox", "report", "security", "-o", "json")
    assert result.exit_code == 1 and f"cannot read (id '{ident}')" in result.stderr
    assert json.loads(result.stderr.strip().splitlines()[-1])["error"] == "server"  # not the last-resort "error"


def test_the_hot_path_never_imports_pydantic():
    """100,000 records go through plain dicts: no model is built (a fresh interpreter, so nothing came before)."""
    import subprocess
    import sys

    code = ("import io, sys; from jamfctl.cli.app import run; from jamfctl.context import AppContext; "
            "out = io.StringIO(); code = run(['-p', 'sandbox', 'report', 'security', '--group', 'Laptops', '-o', "
            "'json'], AppContext(stdout=out, stderr=io.StringIO())); "
            "print(code, len(out.getvalue()) > 1000, any(m.startswith('pydantic') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["0", "True", "False"], done.stderr


def test_the_health_table_of_the_config_sets_the_thresholds_and_a_bad_one_is_exit_2_first(cli, app, records,
                                                                                            tmp_path):
    import os

    config = tmp_path / "home" / ".config" / "jamfctl"
    config.mkdir(parents=True, exist_ok=True)
    assert os.environ["JAMFCTL_CONFIG_DIR"] == str(config)
    (config / "config.toml").write_text("[health]\ncheckin_warn_days = 40\ncheckin_fail_days = 30\n")
    result = cli.run("-p", "sandbox", "report", "security")
    assert result.exit_code == 2 and "checkin_warn_days" in result.stderr, result.stderr
    assert app.seen == []
    (config / "config.toml").write_text("[health]\ncheckin_warn_days = 3\n")
    heard = [max(stamp(r["general"]["lastCheckIn"]), stamp(r["general"]["lastContact"])) for r in records]
    assert report_json(cli)["summary"]["stale_checkins"] == sum(NOW - t >= 3 * DAY for t in heard)


def test_faults_on_the_way_change_nothing_in_the_report(monkeypatch, cli):
    """503s, 429s and dropped connections, retried: the same numbers as a quiet server gives."""
    quiet = report_json(cli)
    faulty = QuerySandbox(SandboxConfig(computers=FLEET.computers, seed=FLEET.seed, faults="503:0.2,429:0.1,reset:0.1"))
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: SandboxTransport(faulty))
    harness.page_size = PAGE
    result = harness.run("-p", "sandbox", "report", "security", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert any(fault for _, _, _, fault in faulty.seen)  # faults were injected, and retried
    assert json.loads(result.stdout) == quiet


class FailingPageTransport(httpx.BaseTransport):
    """The sandbox, with the inventory's second page failing for good (a 500 is not retried)."""

    def __init__(self, app) -> None:
        self.inner = SandboxTransport(app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == INVENTORY and request.url.params.get("page") == "1":
            return httpx.Response(500, json={"httpStatus": 500, "errors": []})
        return self.inner.handle_request(request)


def test_a_listing_that_fails_part_way_prints_nothing_and_writes_no_page(monkeypatch, app, tmp_path):
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: FailingPageTransport(app))
    harness.page_size = PAGE
    result = harness.run("-p", "sandbox", "report", "security", "--html", str(tmp_path / "r.html"), "-o", "json")
    assert result.exit_code == 1 and "HTTP 500" in result.stderr
    assert result.stdout == "" and not (tmp_path / "r.html").exists()  # no half-counted report anywhere
