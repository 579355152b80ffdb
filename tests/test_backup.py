"""`jamfctl backup DIR` and `jamfctl diff A B`: files a git repository can hold, stable on an unchanged
server, secrets redacted and marked; diffs per object with diff(1)'s exit codes."""
from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest

from support.instances import Instance, add_profile, invoke, served, use_server


@pytest.fixture
def sandbox() -> Instance:
    return Instance()


@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def backed_up(sandbox, root: Path, *extra: str):
    result = sandbox("backup", str(root), "-o", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_two_backups_of_an_unchanged_server_are_identical_and_a_rerun_changes_no_file(sandbox, work):
    backed_up(sandbox, work / "b1")
    backed_up(sandbox, work / "b2")
    first = tree(work / "b1")
    assert len(first) >= 20 and first == tree(work / "b2")
    folders = {name.split("/")[0] for name in first}
    assert {"scripts", "policies", "configuration-profiles", "computer-groups", "mobile-device-groups", "categories",
            "buildings", "departments", "sites", "computer-extension-attributes", "packages",
            "jamfctl-backup.yaml"} <= folders
    stamps = {p: p.stat().st_mtime_ns for p in (work / "b1").rglob("*") if p.is_file()}
    rows = backed_up(sandbox, work / "b1")
    assert all(row["written"] == 0 and row["removed"] == 0 for row in rows)
    assert {p: p.stat().st_mtime_ns for p in (work / "b1").rglob("*") if p.is_file()} == stamps


def test_files_have_sorted_keys_block_text_no_volatile_fields(sandbox, work):
    backed_up(sandbox, work)
    script = (work / "scripts" / "Install Rosetta 2.yaml").read_text()
    assert "scriptContents: |\n  #!/bin/bash\n" in script
    keys = [line.split(":")[0] for line in script.splitlines() if line and not line.startswith((" ", "-"))]
    assert keys == sorted(keys)
    groups = "".join(p.read_text() for p in (work / "mobile-device-groups").iterdir())
    assert "criteria:" in groups and "\ncount:" not in groups
    assert "cloudTransferStatus" not in "".join(p.read_text() for p in (work / "packages").iterdir())
    smart = "".join(p.read_text() for p in (work / "computer-groups").iterdir())
    assert "searchType:" in smart  # smart groups carry their criteria


def test_secrets_are_redacted_and_marked(sandbox, work):
    building = sandbox.store.collection("buildings").rows[0]
    building["adminPassword"] = "hunter2-in-a-building"
    policy = sandbox.store.policies[0]
    policy.setdefault("account_maintenance", {})["accounts"] = [  # Classic's hash of a password, which no name rule sees
        {"action": "Create", "username": "helpdesk", "password_sha256": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}]
    backed_up(sandbox, work)
    everything = b"".join(tree(work).values()).decode()
    assert "hunter2-in-a-building" not in everything and "5e884898da2804715" not in everything
    text = next(p.read_text() for p in (work / "buildings").iterdir() if building["name"] in p.name)
    assert "adminPassword: <redacted>" in text
    assert "password_sha256: <redacted>" in everything and "username: helpdesk" in everything


def test_objects_that_are_gone_lose_their_file_and_only_in_a_backup_folder(sandbox, work):
    backed_up(sandbox, work)
    scripts = sandbox.store.collection("scripts")
    gone = scripts.rows.pop()
    del scripts.items[gone["id"]]
    rows = backed_up(sandbox, work)
    assert next(r for r in rows if r["kind"] == "script")["removed"] == 1
    assert not any(gone["name"] in p.name for p in (work / "scripts").iterdir())
    foreign = work.parent / "foreign"
    (foreign / "scripts").mkdir(parents=True)
    (foreign / "scripts" / "mine.yaml").write_text("keep: me\n")
    refused = sandbox("backup", str(foreign))
    assert refused.exit_code == 2 and "not a jamfctl backup" in refused.stderr
    assert (foreign / "scripts" / "mine.yaml").read_text() == "keep: me\n"


def test_only_kinds_are_checked_before_any_request(sandbox, work):
    bad = sandbox("backup", str(work), "--only", "script,nonsense")
    assert bad.exit_code == 2 and "nonsense" in bad.stderr and sandbox.transport.seen == []
    backed_up(sandbox, work, "--only", "script,categories")
    assert {p.name for p in work.iterdir()} == {"scripts", "categories", "jamfctl-backup.yaml"}


def test_hostile_names_and_symlinked_folders(sandbox, work):
    scripts = sandbox.store.collection("scripts")
    row = {**scripts.rows[0], "id": "900", "name": "../../../escape"}
    scripts.rows.append(row)
    scripts.items["900"] = row
    backed_up(sandbox, work / "b", "--only", "script")
    assert all(p.resolve().is_relative_to((work / "b").resolve()) for p in (work / "b").rglob("*"))
    assert not (work.parent / "escape.yaml").exists()
    (work / "c").mkdir()
    (work / "c" / "jamfctl-backup.yaml").write_text("format: 1\n")
    (work / "elsewhere").mkdir()
    (work / "c" / "scripts").symlink_to(work / "elsewhere")
    refused = sandbox("backup", str(work / "c"), "--only", "script")
    assert refused.exit_code == 2 and "symbolic link" in refused.stderr
    assert list((work / "elsewhere").iterdir()) == []


def test_reads_stay_within_five_connections(work, monkeypatch):
    with served() as (url, app):
        in_flight, peak, lock = [0], [0], threading.Lock()
        real = app.handle

        def counting(*args):
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            try:
                time.sleep(0.005)  # a server that takes its time: requests overlap
                return real(*args)
            finally:
                with lock:
                    in_flight[0] -= 1

        app.handle = counting
        use_server(monkeypatch, url)
        result = invoke(["backup", str(work)])
        assert result.exit_code == 0, result.stderr
    assert 1 < peak[0] <= 5  # concurrent, and never past Jamf's limit


def test_a_kind_the_role_cannot_read_is_reported_and_the_rest_written(work):
    sandbox = Instance(denied_privileges=frozenset({"Read Packages"}))
    result = sandbox("backup", str(work))
    assert result.exit_code == 8 and "package" in result.stderr
    assert (work / "scripts").is_dir() and not (work / "packages").exists()


# --- diff -------------------------------------------------------------------------------------------------
def test_diff_of_identical_backups_is_0_and_of_changed_ones_1_with_each_object(sandbox, work):
    backed_up(sandbox, work / "a")
    backed_up(sandbox, work / "b")
    same = sandbox("diff", str(work / "a"), str(work / "b"))
    assert (same.exit_code, same.stdout) == (0, "")
    changed = work / "b" / "scripts" / "Install Rosetta 2.yaml"
    changed.write_text(changed.read_text() + "  echo changed\n")
    (work / "b" / "sites" / "Europe.yaml").unlink()
    (work / "b" / "categories" / "New One.yaml").write_text("id: '99'\nname: New One\n")
    text = sandbox("diff", str(work / "a"), str(work / "b"))
    assert text.exit_code == 1
    assert "changed: scripts/Install Rosetta 2.yaml" in text.stdout and "+  echo changed" in text.stdout
    assert "removed: sites/Europe.yaml" in text.stdout and "added: categories/New One.yaml" in text.stdout
    rows = json.loads(sandbox("diff", str(work / "a"), str(work / "b"), "-o", "json").stdout)
    assert {(r["kind"], r["object"], r["status"]) for r in rows} == {
        ("script", "Install Rosetta 2", "changed"), ("site", "Europe", "removed"), ("category", "New One", "added")}
    assert all(r["diff"].startswith("---") for r in rows)


def test_diff_against_a_live_profile_and_trouble_is_2(sandbox, work):
    backed_up(sandbox, work / "a")
    assert sandbox("diff", str(work / "a"), "sandbox").exit_code == 0
    assert sandbox("diff", str(work / "a"), str(work / "missing/")).exit_code == 2
    assert sandbox("diff", str(work / "a"), "no-such-profile").exit_code == 2
    broken = Instance(faults="500:1.0")
    assert broken("diff", str(work / "a"), "sandbox").exit_code == 2  # a 500 exits 1 elsewhere


def test_two_instances_over_http_compared_as_profiles(work, monkeypatch):
    with served(seed=1) as (url_a, app_a), served(seed=2) as (url_b, app_b):
        add_profile("lab", url_a)
        add_profile("prod", url_b)
        assert invoke(["diff", "lab", "prod", "--only", "script,category"]).exit_code == 0
        script = app_b.resources.store.collection("scripts").rows[0]
        script["scriptContents"] += "echo only in prod\n"
        result = invoke(["diff", "lab", "prod", "--only", "script", "-o", "json"])
        assert result.exit_code == 1, result.stderr
        (row,) = json.loads(result.stdout)
        assert row["status"] == "changed" and "+  echo only in prod" in row["diff"]
        use_server(monkeypatch, url_a)
        assert invoke(["backup", str(work / "lab"), "--only", "script"]).exit_code == 0
        refused = invoke(["diff", str(work / "lab"), "prod"])
        assert refused.exit_code == 2 and "JAMF_URL" in refused.stderr  # the environment would win over the profile


def test_progress_goes_to_a_terminal_only(sandbox, work):
    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    from jamfctl.cli.app import run
    from jamfctl.context import AppContext

    err = TTY()
    ctx = AppContext(stdout=io.StringIO(), stderr=err, transport_factory=lambda: sandbox.transport)
    assert run(["-p", "sandbox", "backup", str(work)], ctx) == 0
    piped = sandbox("backup", str(work / "again"))
    assert piped.stderr == ""


def test_a_partial_backup_is_compared_on_its_kinds_only(sandbox, work):
    backed_up(sandbox, work / "scripts-only", "--only", "script")
    assert sandbox("diff", str(work / "scripts-only"), "sandbox").exit_code == 0
    sandbox.store.collection("scripts").rows[0]["notes"] = "changed on the server"
    changed = sandbox("diff", str(work / "scripts-only"), "sandbox", "-o", "json")
    assert changed.exit_code == 1 and [r["kind"] for r in json.loads(changed.stdout)] == ["script"]


def test_ignore_ids_compares_what_two_instances_number_differently(sandbox, work):
    backed_up(sandbox, work / "a", "--only", "script")
    path = work / "a" / "scripts" / "Install Rosetta 2.yaml"
    path.write_text(path.read_text().replace("id: '2'", "id: '802'").replace("categoryId: '4'", "categoryId: '9'"))
    assert sandbox("diff", str(work / "a"), "sandbox").exit_code == 1
    assert sandbox("diff", str(work / "a"), "sandbox", "--ignore-ids").exit_code == 0
    path.write_text(path.read_text().replace("priority: BEFORE", "priority: AFTER"))
    assert "+priority: BEFORE" in sandbox("diff", str(work / "a"), "sandbox", "--ignore-ids").stdout
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefg", "bcdefgh"))
    path.write_text(bomb)
    assert sandbox("diff", str(work / "a"), "sandbox", "--ignore-ids").exit_code == 2
