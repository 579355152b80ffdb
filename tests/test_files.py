"""Config as files: script pull/diff/push, config-profile pull, policy enable/disable, and the sandbox
keeping what they write. In-process against one sandbox per test, and over HTTP."""
from __future__ import annotations

import json
import os
import plistlib
from pathlib import Path

import pytest

from support.instances import TTY, Instance, invoke, served, use_server

ROSETTA = "Install Rosetta 2"


@pytest.fixture
def sandbox() -> Instance:
    return Instance()


@pytest.fixture
def work(tmp_path) -> Path:
    """A folder of its own (tmp_path also holds the test's HOME)."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def pull_all(sandbox: Instance, folder: Path):
    result = sandbox("script", "pull", "--all", "--dir", str(folder), "-o", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- pull -------------------------------------------------------------------------------------------------
def test_pull_writes_each_body_byte_for_byte_and_its_metadata(sandbox, work):
    rows = pull_all(sandbox, work / "scripts")
    stored = sandbox.store.collection("scripts").rows
    assert len(rows) == len(stored) and {r["status"] for r in rows} == {"written"}
    for script in stored:
        row = next(r for r in rows if str(r["id"]) == script["id"])
        body = Path(row["file"])
        assert body.parent == work / "scripts"
        assert body.read_bytes() == script["scriptContents"].encode()
        meta = json.loads(Path(str(body) + ".json").read_text())
        assert meta["name"] == script["name"] and meta["category"] == script["categoryName"]
        assert meta["priority"] == script["priority"] and meta["osRequirements"] == script["osRequirements"]
        assert meta["parameter4"] == script["parameter4"]
        assert meta["pulled"]["id"] == script["id"] and len(meta["pulled"]["sha256"]) == 64


def test_pulling_again_changes_no_file(sandbox, work):
    pull_all(sandbox, work)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in work.iterdir()}
    rows = pull_all(sandbox, work)
    assert {r["status"] for r in rows} == {"unchanged"}
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in work.iterdir()} == before


def test_pull_one_by_name_or_id_and_exactly_one_choice(sandbox, work):
    assert sandbox("script", "pull", ROSETTA, "--dir", str(work)).exit_code == 0
    assert (work / f"{ROSETTA}.sh").exists()
    ident = sandbox.script(ROSETTA)["id"]
    assert sandbox("script", "pull", "--id", ident, "--dir", str(work / "b")).exit_code == 0
    assert (work / "b" / f"{ROSETTA}.sh").exists()
    both = sandbox("script", "pull", ROSETTA, "--all", "--dir", str(work))
    assert both.exit_code == 2 and "exactly one" in both.stderr


HOSTILE = ["../../etc/x", "/etc/passwd", "..", "CON", "-rf", ".hidden", "a\\b", "tab\there", "bidi\u202etxt.exe",
           "Dup", "dup", "x" * 300]


def test_hostile_names_land_inside_the_folder_as_distinct_plain_files(sandbox, work):
    scripts = sandbox.store.collection("scripts")
    for n, name in enumerate(HOSTILE, 100):
        row = {**scripts.rows[0], "id": str(n), "name": name, "scriptContents": f"echo {n}\n"}
        scripts.rows.append(row)
        scripts.items[row["id"]] = row
    target = work / "out"
    rows = pull_all(sandbox, target)
    files = {Path(r["file"]) for r in rows}
    assert len(files) == len(rows)  # every script its own file
    for path in files:
        assert path.parent == target and path.exists()
        assert path.name.isprintable() and not path.name.startswith(("-", ".")) and "\u202e" not in path.name
        assert len(path.name.encode()) < 255
    assert {p.name.casefold() for p in files} == {p.name for p in files} or len({p.name.casefold() for p in files}) == len(files)
    assert list(work.iterdir()) == [target] and not Path("/etc/x.sh").exists()


def test_symlinks_are_refused_and_never_followed(sandbox, work):
    outside = work / "outside.txt"
    outside.write_text("keep me")
    folder = work / "scripts"
    folder.mkdir()
    (folder / f"{ROSETTA}.sh").symlink_to(outside)
    result = sandbox("script", "pull", "--all", "--dir", str(folder))
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert outside.read_text() == "keep me"
    link_dir = work / "link"
    link_dir.symlink_to(folder)
    assert sandbox("script", "pull", "--all", "--dir", str(link_dir)).exit_code == 2
    secret = work / "id_rsa"
    secret.write_text("PRIVATE KEY")
    (work / "innocent.sh").symlink_to(secret)
    pushed = sandbox("script", "push", str(work / "innocent.sh"), "--yes")
    assert pushed.exit_code == 2 and "symbolic link" in pushed.stderr and sandbox.writes == []


def test_a_local_edit_is_not_overwritten_by_pull_without_force(sandbox, work):
    pull_all(sandbox, work)
    body = work / f"{ROSETTA}.sh"
    body.write_text(body.read_text() + "echo mine\n")
    refused = sandbox("script", "pull", "--all", "--dir", str(work))
    assert refused.exit_code == 2 and "edited since it was pulled" in refused.stderr
    assert "echo mine" in body.read_text()
    assert sandbox("script", "pull", "--all", "--dir", str(work), "--force").exit_code == 0
    assert "echo mine" not in body.read_text()


# --- diff ---------------------------------------------------------------------------------------------------
def test_diff_is_0_after_pull_1_with_the_edited_line_and_2_on_trouble(sandbox, work):
    pull_all(sandbox, work)
    clean = sandbox("script", "diff", "--dir", str(work))
    assert (clean.exit_code, clean.stdout) == (0, "")
    body = work / f"{ROSETTA}.sh"
    body.write_text(body.read_text() + 'echo "changed here"\n')
    changed = sandbox("script", "diff", str(work))
    assert changed.exit_code == 1
    assert '+echo "changed here"' in changed.stdout and changed.stdout.startswith("--- the sandbox: Install Rosetta 2")
    assert sandbox("script", "diff", str(body)).exit_code == 1
    meta = Path(str(body) + ".json")
    data = json.loads(meta.read_text())
    meta.write_text(json.dumps({**data, "priority": "AT_REBOOT"}))
    assert '+priority: "AT_REBOOT"' in sandbox("script", "diff", str(body)).stdout
    broken = Instance(faults="500:1.0")
    trouble = broken("script", "diff", str(work))
    assert trouble.exit_code == 2, trouble.stderr  # a 500 exits 1 elsewhere; here 1 means "they differ"
    assert sandbox("script", "diff", str(work / "missing")).exit_code == 2


def test_a_metadata_file_with_an_unknown_key_is_an_error(sandbox, work):
    pull_all(sandbox, work)
    meta = work / f"{ROSETTA}.sh.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "priorty": "AFTER"}))
    result = sandbox("script", "diff", str(work))
    assert result.exit_code == 2 and "priorty" in result.stderr


# --- push -------------------------------------------------------------------------------------------------
def edited(work: Path, line: str = 'echo "pushed"') -> Path:
    body = work / f"{ROSETTA}.sh"
    body.write_text(body.read_text() + line + "\n")
    return body


def test_push_shows_the_diff_replaces_the_script_and_records_the_new_state(sandbox, work):
    pull_all(sandbox, work)
    body = edited(work)
    result = sandbox("script", "push", str(body), "--yes")
    assert result.exit_code == 0, result.stderr
    assert '+echo "pushed"' in result.stdout
    ident = sandbox.script(ROSETTA)["id"]
    assert sandbox.writes == [("PUT", f"/api/v1/scripts/{ident}")]
    assert sandbox.script(ROSETTA)["scriptContents"] == body.read_text()
    assert sandbox("script", "diff", str(work)).exit_code == 0
    again = edited(work, "echo twice")  # the metadata now records what was pushed: a second push is not refused
    assert sandbox("script", "push", str(again), "--yes").exit_code == 0


def test_no_request_is_sent_without_confirmation(sandbox, work):
    pull_all(sandbox, work)
    body = edited(work)
    piped = sandbox("script", "push", str(body))
    assert piped.exit_code == 2 and "--yes" in piped.stderr
    declined = sandbox("script", "push", str(body), stdin=TTY("n\n"))
    assert declined.exit_code == 2 and "on the sandbox?" in declined.stderr
    dry = sandbox("script", "push", str(body), "--dry-run")
    assert dry.exit_code == 0 and "would send: PUT /api/v1/scripts/" in dry.stdout
    assert sandbox.writes == []
    assert sandbox("script", "push", str(body), stdin=TTY("y\n")).exit_code == 0
    assert len(sandbox.writes) == 1


def test_push_refuses_when_the_server_copy_changed_since_it_was_pulled(sandbox, work):
    pull_all(sandbox, work / "mine")
    pull_all(sandbox, work / "theirs")
    assert sandbox("script", "push", str(edited(work / "theirs", "echo theirs")), "--yes").exit_code == 0
    sent = len(sandbox.writes)
    mine = edited(work / "mine", "echo mine")
    refused = sandbox("script", "push", str(mine), "--yes")
    assert refused.exit_code == 2 and "changed on the sandbox since it was pulled" in refused.stderr
    assert len(sandbox.writes) == sent and "echo theirs" in sandbox.script(ROSETTA)["scriptContents"]
    forced = sandbox("script", "push", str(mine), "--yes", "--force")
    assert forced.exit_code == 0 and "echo mine" in sandbox.script(ROSETTA)["scriptContents"]


def test_a_new_file_creates_a_script_and_an_existing_name_never_pulled_is_refused(sandbox, work):
    new = work / "Say Hello.sh"
    new.write_bytes(b"#!/bin/sh\r\necho hello\r\n")
    created = sandbox("script", "push", str(new), "--yes")
    assert created.exit_code == 0, created.stderr
    assert sandbox.writes == [("POST", "/api/v1/scripts")]
    assert sandbox.script("Say Hello")["scriptContents"].encode() == new.read_bytes()  # CRLF kept
    meta = json.loads((work / "Say Hello.sh.json").read_text())
    assert meta["pulled"]["id"] == sandbox.script("Say Hello")["id"]
    clash = work / f"{ROSETTA}.sh"
    clash.write_text("#!/bin/sh\necho clash\n")
    refused = sandbox("script", "push", str(clash), "--yes")
    assert refused.exit_code == 2 and "was not pulled from it" in refused.stderr and len(sandbox.writes) == 1


def test_a_changed_category_is_sent_by_id_and_an_unknown_one_is_refused(sandbox, work):
    pull_all(sandbox, work)
    meta = work / f"{ROSETTA}.sh.json"
    data = json.loads(meta.read_text())
    other = next(c for c in sandbox.store.collection("categories").rows if c["name"] != data["category"])
    meta.write_text(json.dumps({**data, "category": other["name"]}))
    assert sandbox("script", "push", str(meta), "--yes").exit_code == 0  # the metadata file names its script too
    assert sandbox.script(ROSETTA)["categoryId"] == other["id"]
    data = json.loads(meta.read_text())
    meta.write_text(json.dumps({**data, "category": "No Such Category"}))
    before = len(sandbox.writes)
    refused = sandbox("script", "push", str(meta), "--yes")
    assert refused.exit_code == 2 and "no category named" in refused.stderr and len(sandbox.writes) == before


def test_a_read_only_profile_refuses_push_enable_and_disable_before_any_request(sandbox, work, monkeypatch):
    pull_all(sandbox, work)
    seen = len(sandbox.transport.seen)
    monkeypatch.setenv("JAMFCTL_READ_ONLY", "1")
    for args in (("script", "push", str(edited(work)), "--yes"), ("policy", "enable", "--id", "1", "--yes"),
                 ("policy", "disable", "--id", "1", "--yes")):
        result = sandbox(*args)
        assert result.exit_code == 2 and "read-only" in result.stderr, args
    assert len(sandbox.transport.seen) == seen  # not even a token request


def test_round_trip_over_http(work, monkeypatch):
    with served(seed=7) as (url, app):
        use_server(monkeypatch, url)
        folder = work / "repo"
        assert invoke(["script", "pull", "--all", "--dir", str(folder)]).exit_code == 0
        assert invoke(["script", "diff", "--dir", str(folder)]).exit_code == 0
        body = edited(folder, 'echo "over http"')
        assert invoke(["script", "diff", "--dir", str(folder)]).exit_code == 1
        assert invoke(["script", "push", str(body), "--yes"]).exit_code == 0
        assert invoke(["script", "diff", "--dir", str(folder)]).exit_code == 0
        stored = next(r for r in app.resources.store.collection("scripts").rows if r["name"] == ROSETTA)
        assert stored["scriptContents"].endswith('echo "over http"\n')


# --- config profiles ----------------------------------------------------------------------------------------
def test_config_profile_pull_writes_readable_plists_without_secrets_and_the_scope(sandbox, work):
    result = sandbox("config-profile", "pull", "--all", "--dir", str(work), "-o", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and len(rows) == len(sandbox.store.os_x_configuration_profiles)
    for row in rows:
        path = Path(row["file"])
        text = path.read_text()
        assert text.startswith("<?xml") and "\n\t<key>" in text  # indented, one key a line
        plist = plistlib.loads(path.read_bytes())
        assert "PayloadContent" in plist or "PayloadType" in plist
        scope = json.loads(path.with_name(path.stem + ".scope.json").read_text())
        assert scope["id"] == row["id"] and "scope" in scope
    every = "".join(p.read_text() for p in work.iterdir())
    stored = json.dumps(sandbox.store.os_x_configuration_profiles)
    for secret in _payload_passwords(sandbox):
        assert secret in stored and secret not in every
    if _payload_passwords(sandbox):
        assert "&lt;redacted&gt;" in every and "written as <redacted>" in result.stderr


def _payload_passwords(sandbox) -> list[str]:
    found = []

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key.lower().endswith("password") and isinstance(item, str) and item:
                    found.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for profile in sandbox.store.os_x_configuration_profiles:
        walk(plistlib.loads(profile["general"]["payloads"].encode()))
    return found


# --- policies -------------------------------------------------------------------------------------------------
def policy(sandbox, ident) -> dict:
    return next(p for p in sandbox.store.policies if str(p["general"]["id"]) == str(ident))


def test_policy_disable_and_enable_put_only_the_enabled_element(sandbox):
    target = next(p for p in sandbox.store.policies if p["general"]["enabled"])
    ident, name = target["general"]["id"], target["general"]["name"]
    dry = sandbox("policy", "disable", name, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.strip() == (f"would send: PUT /JSSResource/policies/id/{ident} "
                                  "<policy><general><enabled>false</enabled></general></policy>")
    assert sandbox("policy", "disable", "--id", str(ident)).exit_code == 2  # no terminal, no --yes
    assert sandbox.writes == [] and policy(sandbox, ident)["general"]["enabled"] is True
    done = sandbox("policy", "disable", "--id", str(ident), "--yes", "-o", "json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == {"id": ident, "name": name, "enabled": False, "was": True}
    assert sandbox.writes == [("PUT", f"/JSSResource/policies/id/{ident}")]
    assert policy(sandbox, ident)["general"]["enabled"] is False
    shown = json.loads(sandbox("policy", "show", "--id", str(ident), "-o", "json").stdout)
    assert shown["general"]["enabled"] is False  # read back
    again = sandbox("policy", "disable", "--id", str(ident), "--yes")
    assert again.exit_code == 0 and "already disabled" in again.stderr and len(sandbox.writes) == 1
    assert sandbox("policy", "enable", name, stdin=TTY("y\n")).exit_code == 0
    assert policy(sandbox, ident)["general"]["enabled"] is True


# --- the sandbox's checks of what is written ------------------------------------------------------------------
def classic_put(sandbox, ident, body: bytes, content_type="application/xml"):
    import time

    app = sandbox.app
    token = app.new_token()
    app._tokens[token] = time.monotonic() + 60
    headers = {"authorization": f"Bearer {token}", "content-type": content_type}
    return app.handle("PUT", f"/JSSResource/policies/id/{ident}", [], headers, body)


@pytest.mark.parametrize("body, why", [
    (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "y">]><policy/>', "DOCTYPE"),
    (b"<computer><general><enabled>false</enabled></general></computer>", "root element"),
    (b"<policy><general><enabled>maybe</enabled></general></policy>", "true or false"),
    (b"<policy><general><no_such>1</no_such></general></policy>", "no such element"),
    (b"<policy><general><enabled>false</enabled>", "well-formed"),
])
def test_the_sandbox_refuses_classic_bodies_jamf_would(sandbox, body, why):
    ident = sandbox.store.policies[0]["general"]["id"]
    before = json.dumps(sandbox.store.policies[0])
    response = classic_put(sandbox, ident, body)
    assert response.status == 409 and why in response.body.decode()
    assert json.dumps(sandbox.store.policies[0]) == before
    assert classic_put(sandbox, ident, b"<policy/>", "application/json").status == 415


def test_the_sandbox_checks_scripts_as_the_schema_does(sandbox, work):
    app = sandbox.app
    import time

    token = app.new_token()
    app._tokens[token] = time.monotonic() + 60
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def post(body) -> int:
        return app.handle("POST", "/api/v1/scripts", [], headers, json.dumps(body).encode()).status

    assert post({"info": "no name"}) == 400
    assert post({"name": "x", "priority": "SOMETIME"}) == 400
    assert post({"name": "x", "categoryId": "9999"}) == 400
    assert post({"name": ROSETTA}) == 409
    assert post({"name": "Fine", "scriptContents": "echo"}) == 201
    listed = app.handle("GET", "/api/v1/scripts", [("filter", 'name=="Fine"')], headers, b"")
    assert json.loads(listed.body)["results"][0]["categoryName"] == "NONE"


def test_written_files_get_the_umask_mode(sandbox, work):
    pull_all(sandbox, work)
    mode = (work / f"{ROSETTA}.sh").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_pulling_one_script_never_overwrites_the_file_of_another(sandbox, work):
    assert sandbox("script", "pull", ROSETTA, "--dir", str(work)).exit_code == 0
    old = sandbox.script(ROSETTA)
    old["name"] = "Rosetta (old)"  # renamed on the server; another script now has the name
    scripts = sandbox.store.collection("scripts")
    row = {**old, "id": "77", "name": ROSETTA, "scriptContents": "echo other\n"}
    scripts.rows.append(row)
    scripts.items["77"] = row
    refused = sandbox("script", "pull", "--id", "77", "--dir", str(work))
    assert refused.exit_code == 2 and f"holds script id {old['id']}" in refused.stderr
    assert "echo other" not in (work / f"{ROSETTA}.sh").read_text()


def test_the_sandbox_checks_classic_paths_against_the_swagger(sandbox):
    import time

    app = sandbox.app
    token = app.new_token()
    app._tokens[token] = time.monotonic() + 60
    headers = {"authorization": f"Bearer {token}", "content-type": "application/xml"}
    body = b"<policy><general><enabled>false</enabled></general></policy>"
    bad_id = app.handle("PUT", "/JSSResource/policies/id/abc", [], headers, body)
    assert bad_id.status == 400 and b"whole number" in bad_id.body
    name = sandbox.store.policies[0]["general"]["name"]
    by_name = app.handle("PUT", f"/JSSResource/policies/name/{name}", [], headers, body)
    assert by_name.status == 201 and sandbox.store.policies[0]["general"]["enabled"] is False
