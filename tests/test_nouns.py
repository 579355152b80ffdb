"""The read-side nouns as an admin uses them, in-process against the sandbox (and one pass over real HTTP).

The contract every data command shares is in test_contract.py; here is what differs between nouns:
lookups by name and key, what `--filter` can do where, group members, decoded profiles, script bodies.
"""
from __future__ import annotations

import json

import pytest

from jamfctl.errors import NotFoundError, UsageError
from jamfctl.resources import collection
from jamfctl.specs import BY_NAME

REFERENCE_NOUNS = ("user", "policy", "config-profile", "script", "package", "category", "building", "department",
                   "site", "ext-attr", "distribution-point")


def sandbox(jamfctl, *args):
    return jamfctl("-p", "sandbox", *args)


def listed(jamfctl, *args) -> list[dict]:
    result = sandbox(jamfctl, *args, "-o", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("noun", ("mobile", "group", *REFERENCE_NOUNS))
def test_show_by_name_and_by_id_find_the_listed_object(jamfctl, noun):
    first = listed(jamfctl, noun, "list", "--limit", "1")[0]
    by_id = listed(jamfctl, noun, "show", "--id", str(first["id"]))
    assert str(by_id["id"]) == str(first["id"])
    name = collection.get_path(by_id, BY_NAME[{"group": "computer-group"}.get(noun, noun)].name_field)
    by_name = listed(jamfctl, noun, "show", "--name", name)
    assert by_name["id"] == by_id["id"]


@pytest.mark.parametrize("noun", REFERENCE_NOUNS)
def test_a_missing_name_is_exit_4(jamfctl, noun):
    result = sandbox(jamfctl, noun, "show", "--name", "no such object 7f3a")
    assert result.exit_code == 4 and "no " in result.stderr and "7f3a" in result.stderr


class FakeClient:
    """Answers get_json from a table of path -> body, to pin down lookups without a server."""

    label = "Jamf Pro"

    def __init__(self, bodies: dict):
        self.bodies, self.calls = bodies, []

    def get_json(self, path, params=None, *, privilege=None):
        self.calls.append((path, params))
        return self.bodies[path]


def test_a_name_that_matches_several_objects_is_never_picked():
    """Server-side (an RSQL name filter) and client-side (a whole list) alike: exit 2 naming the ids."""
    script = BY_NAME["script"]
    page = {"totalCount": 3, "results": [{"id": "4", "name": "x"}, {"id": "9", "name": "x"}]}
    with pytest.raises(UsageError, match=r"more than one script has the name 'x' \(ids 4, 9, \.\.\.\); use --id"):
        collection.by_name(FakeClient({script.list_path: page}), script, "x")
    site = BY_NAME["site"]
    rows = [{"id": "1", "name": "Europe"}, {"id": "2", "name": "Europe"}, {"id": "3", "name": "Asia"}]
    with pytest.raises(UsageError, match=r"\(ids 1, 2\)"):
        collection.by_name(FakeClient({site.list_path: rows}), site, "Europe")
    with pytest.raises(NotFoundError, match="no site with the name 'Mars'"):
        collection.by_name(FakeClient({site.list_path: rows}), site, "Mars")


def test_classic_lookups_by_name_list_first_then_read_by_id():
    """Classic's /name/{name} answers one object even when names repeat: jamfctl matches on the list."""
    policy = BY_NAME["policy"]
    client = FakeClient({policy.list_path: {"policies": [{"id": 6, "name": "Install Firefox"}]},
                         "/JSSResource/policies/id/6": {"policy": {"general": {"id": 6, "name": "Install Firefox"}}}})
    found = collection.by_name(client, policy, "Install Firefox")
    assert found["id"] == 6 and found["name"] == "Install Firefox" and found["general"]["id"] == 6
    assert [path for path, _ in client.calls] == [policy.list_path, "/JSSResource/policies/id/6"]


@pytest.mark.parametrize("noun", ("policy", "config-profile", "site", "group"))
def test_filter_is_refused_where_the_endpoint_cannot_filter(jamfctl, noun):
    result = sandbox(jamfctl, noun, "list", "--filter", 'name=="x"')
    assert result.exit_code == 2 and "cannot be filtered on the server" in result.stderr and "--name" in result.stderr


def test_name_globs_match_client_side_where_the_server_cannot(jamfctl):
    everything = listed(jamfctl, "policy", "list", "--all")
    word = everything[0]["name"].split()[0]
    matched = listed(jamfctl, "policy", "list", "--all", "--name", f"{word}*")
    assert matched and all(p["name"].lower().startswith(word.lower()) for p in matched)
    assert len(matched) <= len(everything)


def test_server_side_filter_and_sort_on_a_reference_noun(jamfctl):
    scripts = listed(jamfctl, "script", "list", "--all", "--sort", "name:desc")
    assert [s["name"] for s in scripts] == sorted((s["name"] for s in scripts), key=str.lower, reverse=True)
    first = scripts[0]["name"]
    assert [s["name"] for s in listed(jamfctl, "script", "list", "--filter", f'name=="{first}"')] == [first]
    result = sandbox(jamfctl, "script", "list", "--filter", 'nosuchfield=="x"')
    assert result.exit_code == 2 and "cannot filter on 'nosuchfield'" in result.stderr


def test_group_members_are_real_computers(jamfctl):
    members = listed(jamfctl, "group", "members", "--name", "All Managed Clients")
    assert members and all(m["serialNumber"] for m in members)
    computer = listed(jamfctl, "computer", "show", members[0]["serialNumber"])
    assert computer["id"] == str(members[0]["id"])


def test_mobile_groups_and_their_members(jamfctl):
    groups = listed(jamfctl, "group", "list", "--mobile")
    assert groups and all("isSmartGroup" in g for g in groups)
    for group in groups:
        members = listed(jamfctl, "group", "members", "--mobile", "--id", str(group["id"]))
        if members:
            device = listed(jamfctl, "mobile", "show", members[0]["serialNumber"])
            assert str(device["mobileDeviceId"]) == str(members[0]["mobileDeviceId"])
            return
    pytest.fail("no mobile device group has members")


def test_smart_group_show_carries_its_criteria(jamfctl):
    group = listed(jamfctl, "group", "show", "--name", "All Managed Clients")
    assert group["smartGroup"] is True and group["criteria"]


def test_mobile_show_by_serial_and_users_by_username(jamfctl):
    device = listed(jamfctl, "mobile", "list", "--limit", "1")[0]
    shown = listed(jamfctl, "mobile", "show", device["hardware"]["serialNumber"])
    assert shown["id"] == device["id"] == device["mobileDeviceId"]
    user = listed(jamfctl, "user", "list", "--limit", "1")[0]
    assert listed(jamfctl, "user", "show", user["username"])["id"] == user["id"]
    table = sandbox(jamfctl, "user", "show", user["username"], "-o", "table")
    assert table.exit_code == 0 and table.stdout.splitlines()[0] == f"{user['username']} (id {user['id']})"


def test_config_profile_payload_is_a_decoded_plist_with_secrets_redacted(jamfctl):
    profiles = listed(jamfctl, "config-profile", "list", "--all")
    decoded = [listed(jamfctl, "config-profile", "show", "--id", str(p["id"])) for p in profiles]
    payloads = [d["general"]["payloads"] for d in decoded]
    assert all(isinstance(p, dict) and "PayloadContent" in p for p in payloads)
    text = json.dumps(payloads)
    assert '"Password": "<redacted>"' in text and "sandbox-fake" not in text


def test_script_body_is_shown_by_show_not_in_the_list_table(jamfctl):
    script = listed(jamfctl, "script", "list", "--limit", "1")[0]
    body_line = next(line for line in script["scriptContents"].splitlines() if line.strip())
    table = sandbox(jamfctl, "script", "show", "--id", str(script["id"]))
    assert table.exit_code == 0 and "scriptContents" in table.stdout and body_line.strip() in table.stdout
    assert body_line.strip() not in sandbox(jamfctl, "script", "list", "-o", "table").stdout


def test_classic_records_carry_id_and_name_at_the_top(jamfctl):
    policy = listed(jamfctl, "policy", "list", "--limit", "1")[0]
    shown = listed(jamfctl, "policy", "show", "--id", str(policy["id"]))
    assert shown["id"] == policy["id"] == shown["general"]["id"] and shown["name"] == shown["general"]["name"]


def test_unpaged_lists_still_honour_limit(jamfctl):
    """Sites and groups come in one unpaged answer; --limit still limits what is printed."""
    everything = listed(jamfctl, "group", "list", "--all")
    assert len(everything) > 1 and listed(jamfctl, "group", "list", "--limit", "1") == everything[:1]


def test_nouns_over_real_http(jamfctl, monkeypatch):
    """The same reads through the simulator over real HTTP on loopback, with credentials from the environment."""
    from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
    from jamfctl.sandbox.server import start_in_thread

    url, stop = start_in_thread(SandboxConfig(computers=40))
    try:
        monkeypatch.setenv("JAMF_URL", url)
        monkeypatch.setenv("JAMF_CLIENT_ID", SANDBOX_CLIENT_ID)
        monkeypatch.setenv("JAMF_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
        for noun in ("mobile", "group", "user", "policy", "config-profile", "script", "site"):
            result = jamfctl(noun, "list", "--limit", "2", "-o", "json")
            assert result.exit_code == 0, result.stderr
            assert len(json.loads(result.stdout)) == 2, noun
    finally:
        stop()
