"""`jamfctl multi`: one read command across instances (two sandboxes over HTTP with different seeds), merged
with a `profile` field in every format, a status per instance, exit 8 when some failed; writes only with
--yes naming the number of instances."""
from __future__ import annotations

import csv
import io
import json
import threading
import time

import pytest
import yaml

from support.instances import Instance, add_profile, invoke, served, use_server


@pytest.fixture
def two():
    """Profiles `lab` and `prod`: two sandboxes over HTTP whose seeds differ (different fleets)."""
    with served(seed=1) as (url_a, app_a), served(seed=2) as (url_b, app_b):
        add_profile("lab", url_a)
        add_profile("prod", url_b)
        yield {"lab": app_a, "prod": app_b}


def test_records_from_each_instance_carry_their_profile(two):
    result = invoke(["multi", "--profiles", "lab,prod", "computer", "list", "--limit", "5", "-o", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["profile"] for r in rows] == ["lab"] * 5 + ["prod"] * 5
    lab = {r["hardware"]["serialNumber"] for r in rows if r["profile"] == "lab"}
    prod = {r["hardware"]["serialNumber"] for r in rows if r["profile"] == "prod"}
    assert lab and prod and lab != prod  # two instances, not one asked twice
    assert "lab: ok (5 record(s))" in result.stderr and "prod: ok (5 record(s))" in result.stderr


@pytest.mark.parametrize("fmt", ["ndjson", "csv", "yaml", "table"])
def test_every_format_has_the_profile(two, fmt):
    result = invoke(["multi", "--profiles", "lab,prod", "category", "list", "-o", fmt])
    assert result.exit_code == 0, result.stderr
    if fmt == "ndjson":
        profiles = [json.loads(line)["profile"] for line in result.stdout.splitlines()]
    elif fmt == "csv":
        table = list(csv.DictReader(io.StringIO(result.stdout)))
        assert list(table[0])[0] == "profile"
        profiles = [row["profile"] for row in table]
    elif fmt == "yaml":
        profiles = [row["profile"] for row in yaml.safe_load(result.stdout)]
    else:
        assert result.stdout.splitlines()[0].split()[:2] == ["Profile", "Id"]
        profiles = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert set(profiles) == {"lab", "prod"} and profiles == sorted(profiles)


def test_o_and_fields_inside_the_command_and_show_side_by_side(two):
    name = two["lab"].resources.store.collection("scripts").rows[0]["name"]
    result = invoke(["multi", "--profiles", "prod,lab", "script", "show", "--name", name, "--fields", "id,name",
                     "-o", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"profile": "prod", "id": "1", "name": name},
                                         {"profile": "lab", "id": "1", "name": name}]


def test_a_failing_instance_is_reported_and_the_exit_is_8(two):
    add_profile("gone", "http://127.0.0.1:9")  # nothing listens on the discard port
    result = invoke(["--timeout", "2", "multi", "--profiles", "lab,gone,prod", "category", "list", "-o", "json"])
    assert result.exit_code == 8
    assert {r["profile"] for r in json.loads(result.stdout)} == {"lab", "prod"}
    assert "gone: failed (exit 7)" in result.stderr
    alone = invoke(["--timeout", "2", "multi", "--profiles", "gone", "category", "list"])
    assert alone.exit_code == 7  # every instance failed the same way: that exit code


def test_all_profiles_and_bad_selections(two):
    result = invoke(["multi", "--all-profiles", "site", "list", "-o", "json"])
    assert result.exit_code == 0 and {r["profile"] for r in json.loads(result.stdout)} == {"lab", "prod"}
    for args in (["multi", "site", "list"], ["multi", "--profiles", "lab", "--all-profiles", "site", "list"],
                 ["multi", "--profiles", "lab,nope", "site", "list"], ["multi", "--profiles", "lab", "backup", "x"],
                 ["multi", "--profiles", "lab", "script", "pull", "--all"], ["multi", "--profiles", "lab"],
                 ["multi", "--profiles", "lab", "site", "list", "-o", "xml"]):
        assert invoke(args).exit_code == 2, args


def test_environment_credentials_are_refused(two, monkeypatch):
    use_server(monkeypatch, "http://127.0.0.1:9")
    result = invoke(["multi", "--profiles", "lab,prod", "site", "list"])
    assert result.exit_code == 2 and "JAMF_URL" in result.stderr


def enabled(app, ident) -> bool:
    return next(p for p in app.resources.store.policies if p["general"]["id"] == ident)["general"]["enabled"]


def test_a_write_needs_yes_naming_the_number_of_instances(two):
    lab, prod = two["lab"], two["prod"]
    ident = next(p["general"]["id"] for p in lab.resources.store.policies
                 if p["general"]["enabled"] and enabled(prod, p["general"]["id"]))
    base = ["multi", "--profiles", "lab,prod"]
    for extra in ([], ["--yes", "1"], ["--yes", "3"]):
        refused = invoke([*base, *extra, "policy", "disable", "--id", str(ident)])
        assert refused.exit_code == 2 and "nothing was sent" in refused.stderr
    dry = invoke([*base, "--dry-run", "policy", "disable", "--id", str(ident)])
    assert dry.exit_code == 0 and dry.stdout.count(f"would send: PUT /JSSResource/policies/id/{ident}") == 2
    assert enabled(lab, ident) and enabled(prod, ident)
    done = invoke([*base, "--yes", "2", "policy", "disable", "--id", str(ident), "-o", "json"])
    assert done.exit_code == 0, done.stderr
    assert [(r["profile"], r["enabled"]) for r in json.loads(done.stdout)] == [("lab", False), ("prod", False)]
    assert not enabled(lab, ident) and not enabled(prod, ident)
    assert invoke([*base, "--yes", "2", "site", "list"]).exit_code == 2  # --yes on a read is a mistake
    for inside in (["--yes"], ["-y"], ["--dry-run"]):  # inside COMMAND it would reach every instance uncounted
        sneaked = invoke([*base, "policy", "enable", "--id", str(ident), *inside])
        assert sneaked.exit_code == 2 and "before COMMAND" in sneaked.stderr
    assert not enabled(lab, ident) and not enabled(prod, ident)


def test_a_read_only_profile_refuses_a_write_before_any_request(two):
    add_profile("audit", "http://127.0.0.1:9", read_only=True)
    result = invoke(["multi", "--profiles", "lab,audit", "--yes", "2", "policy", "enable", "--id", "1"])
    assert result.exit_code == 2 and "read-only" in result.stderr


def test_instances_run_side_by_side_and_bounded(monkeypatch):
    from jamfctl.cli import multi

    shared = Instance()
    running, peak, lock = [0], [0], threading.Lock()
    real = multi._run_one

    def counted(*args):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.05)
            return real(*args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(multi, "_run_one", counted)
    for n in range(6):
        add_profile(f"p{n}", "https://jamf.example.com")
    monkeypatch.setattr("jamfctl.context.AppContext.credentials",
                        lambda self: __import__("jamfctl.auth", fromlist=["Credentials"]).Credentials(
                            "https://sandbox.jamfctl.invalid", "jamfctl-sandbox", "sandbox-secret", "keychain", self.profile))
    from jamfctl.cli.app import run
    from jamfctl.context import AppContext

    out, err = io.StringIO(), io.StringIO()
    ctx = AppContext(stdout=out, stderr=err, transport_factory=lambda: shared.transport)
    code = run(["multi", "--profiles", ",".join(f"p{n}" for n in range(6)), "site", "list", "-o", "json"], ctx)
    assert code == 0, err.getvalue()
    assert len({r["profile"] for r in json.loads(out.getvalue())}) == 6
    assert 1 < peak[0] <= multi.PARALLEL
