"""The sandbox's object store (jamfctl.sandbox.store): shapes follow Jamf's schema, relations really hold, seeds repeat.

Modern shapes validate against the OpenAPI document (through test_sandbox_schema's translation, made stricter: no
unknown properties); Classic shapes are compared with the example responses of Jamf's Postman collection.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

import jsonschema
import pytest

from jamfctl.sandbox import catalog
from jamfctl.sandbox.fleet import DAY, REFERENCE_EPOCH, Fleet
from jamfctl.sandbox.mobile import ALL_SECTIONS as MOBILE_SECTIONS
from jamfctl.sandbox.mobile import RECORD_KEYS, SECTION_KEYS as MOBILE_SECTION_KEYS
from jamfctl.sandbox.sections import build_section
from jamfctl.sandbox.store import COLLECTION_NAMES, Store
from test_sandbox_schema import SCHEMA_PATH, _format_checker, _translate

pytestmark = pytest.mark.skipif(not SCHEMA_PATH.is_file(), reason=f"Jamf OpenAPI schema not found at {SCHEMA_PATH}")
POSTMAN_PATH = SCHEMA_PATH.parent / "classic-api-postman-v10.35plus.json"

# collection -> (list path, item path or None); the schema names the components, not this test
ENDPOINTS = {
    "buildings": ("/v1/buildings", "/v1/buildings/{id}"),
    "departments": ("/v1/departments", "/v1/departments/{id}"),
    "categories": ("/v1/categories", "/v1/categories/{id}"),
    "sites": ("/v1/sites", None),
    "distribution-points": ("/v1/distribution-points", "/v1/distribution-points/{id}"),
    "scripts": ("/v1/scripts", "/v1/scripts/{id}"),
    "packages": ("/v1/packages", "/v1/packages/{id}"),
    "users": ("/v1/users", "/v1/users/{id}"),
    "computer-extension-attributes": ("/v1/computer-extension-attributes", "/v1/computer-extension-attributes/{id}"),
    "computer-groups": ("/v1/computer-groups", None),
    "smart-computer-groups": ("/v3/computer-groups/smart-groups", "/v3/computer-groups/smart-groups/{id}"),
    "static-computer-groups": ("/v3/computer-groups/static-groups", "/v3/computer-groups/static-groups/{id}"),
    "mobile-device-groups": ("/v2/mobile-device-groups", None),
    "smart-mobile-device-groups": ("/v2/mobile-device-groups/smart-groups", "/v2/mobile-device-groups/smart-groups/{id}"),
    "static-mobile-device-groups": ("/v2/mobile-device-groups/static-groups", "/v2/mobile-device-groups/static-groups/{id}"),
}


# --- schema access -------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _raw() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def _flat(name: str) -> dict:
    """A component with its top-level allOf merged into one object (so closing objects stays satisfiable)."""
    node = _raw()["components"]["schemas"][name]
    if "allOf" not in node:
        return node
    merged = {"type": "object", "properties": {}, "required": []}
    for part in node["allOf"]:
        part = _flat(part["$ref"].rsplit("/", 1)[-1]) if "$ref" in part else part
        merged["properties"].update(part.get("properties", {}))
        merged["required"] += part.get("required", [])
    return merged


# Unrequested sections of a mobile inventory record are null on the wire (as computers' are; see WIRE_NULLS).
MOBILE_INVENTORIES = {"MobileDeviceIosInventory", "MobileDeviceTvOsInventory", "MobileDeviceWatchOsInventory",
                      "MobileDeviceVisionOsInventory"}


@lru_cache(maxsize=1)
def _schemas() -> dict:
    out = {}
    for name in _raw()["components"]["schemas"]:
        nullable = set(MOBILE_SECTION_KEYS.values()) if name in MOBILE_INVENTORIES else set()
        out[name] = _translate(_flat(name), nullable)
    return out


def validate(instance, schema_name: str) -> None:
    if schema_name == "MobileDeviceResponse":  # oneOf by discriminator: validate against the variant it names
        mapping = _raw()["components"]["schemas"]["MobileDeviceResponse"]["discriminator"]["mapping"]
        schema_name = mapping[instance["deviceType"]].rsplit("/", 1)[-1]
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": _schemas()}}
    jsonschema.Draft202012Validator(schema, format_checker=_format_checker()).validate(instance)


def _response_ref(path: str) -> dict:
    content = _raw()["paths"][path]["get"]["responses"]["200"]["content"]
    return next(iter(content.values()))["schema"]


def _name(ref_holder: dict) -> str:
    return ref_holder["$ref"].rsplit("/", 1)[-1]


def list_schemas(path: str) -> tuple[str | None, str]:
    """(wrapper component or None for a bare array, row component) of a list endpoint."""
    schema = _response_ref(path)
    if schema.get("type") == "array":
        return None, _name(schema["items"])
    wrapper = _name(schema)
    return wrapper, _name(_flat(wrapper)["properties"]["results"]["items"])


# --- fixtures ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store() -> Store:
    return Store(Fleet(400, seed=7))


@pytest.fixture(scope="module")
def small() -> Store:
    return Store(Fleet(150, seed=11))


def test_validator_is_strict():
    with pytest.raises(jsonschema.ValidationError):
        validate({"id": "1", "name": "x", "nmae": "typo"}, "Department")
    with pytest.raises(jsonschema.ValidationError):
        validate({"id": "1", "username": "x", "bogus": 1}, "User")  # allOf flattened and still closed
    with pytest.raises(jsonschema.ValidationError):
        validate({"mobileDeviceId": "1", "deviceType": "tvOS", "security": {}}, "MobileDeviceResponse")


# --- modern shapes -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", COLLECTION_NAMES)
def test_collection_rows_and_items_match_the_schema(store, name):
    list_path, item_path = ENDPOINTS[name]
    wrapper, row_schema = list_schemas(list_path)
    collection = store.collection(name)
    assert collection.rows, name
    for row in collection.rows:
        validate(row, row_schema)
    if wrapper:
        body = {"totalCount": len(collection.rows), "results": collection.rows}
        if wrapper == "PagedUserResults":
            body.update(page=0, pageSize=len(collection.rows), totalPages=1, hasNext=False, hasPrevious=False)
        validate(body, wrapper)
    if item_path is None:
        if name == "sites":
            assert collection.items == {}  # Jamf has no /v1/sites/{id}
        return
    item_schema = _name(_response_ref(item_path))
    key = "groupId" if "mobile" in name else "id"
    assert list(collection.items) == [str(row[key]) for row in collection.rows]
    for item in collection.items.values():
        validate(item, item_schema)


def test_rows_are_in_id_order_with_unique_names(store):
    for name in COLLECTION_NAMES:
        rows = store.collection(name).rows
        key = "groupId" if name.endswith("mobile-device-groups") and name != "mobile-device-groups" else "id"
        ids = [int(row[key]) for row in rows]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), name
        label = next(k for k in ("name", "groupName", "packageName", "username") if k in rows[0])
        names = [row[label] for row in rows]
        assert len(set(names)) == len(names), f"duplicate {label} in {name}"


@pytest.mark.parametrize("device_type", ["ios", "tvos", "watchos", "visionos"])
def test_mobile_records_match_the_schema(store, device_type):
    devices = [d for d in store.mobile_devices if d.device_type == device_type][:12]
    assert devices
    for d in devices:
        full = store.mobile_record(d, list(MOBILE_SECTIONS))
        validate(full, "MobileDeviceResponse")
        assert set(full) == {"mobileDeviceId", "deviceType", *RECORD_KEYS[device_type]}
        assert all(full[key] is not None for key in RECORD_KEYS[device_type])
        for section in MOBILE_SECTIONS:
            one = store.mobile_record(d, [section])
            validate(one, "MobileDeviceResponse")
        validate(store.mobile_light(d), _name(_response_ref("/v2/mobile-devices/{id}")))
        validate(store.mobile_detail(d), _name(_response_ref("/v2/mobile-devices/{id}/detail")))
        validate(store.mobile_row(d), list_schemas("/v2/mobile-device-groups/smart-group-membership/{id}")[1])
    validate({"totalCount": len(devices), "results": [store.mobile_light(d) for d in devices]},
             _name(_response_ref("/v2/mobile-devices")))


def test_mobile_devices_cover_every_type_and_scale():
    for count in (0, 3, 50):
        s = Store(Fleet(count, seed=1))
        assert len(s.mobile_devices) == max(5, round(count * 0.6))
        assert {d.device_type for d in s.mobile_devices} == {"ios", "tvos", "watchos", "visionos"}
        assert [d.id for d in s.mobile_devices] == sorted(d.id for d in s.mobile_devices)
        assert s.mobile_get(s.mobile_devices[-1].id) is s.mobile_devices[-1]
    assert Store(Fleet(5)).mobile_get(999999) is None and Store(Fleet(5)).mobile_get("x") is None


def test_mobile_secrets_are_fake_and_present(store):
    by_type = {}
    for d in store.mobile_devices:
        by_type.setdefault(d.device_type, d)
    for kind in ("ios", "watchos", "visionos"):
        detail = store.mobile_detail(by_type[kind])
        assert detail[kind]["unlockToken"].startswith("sandbox-fake-")
        assert detail[kind]["security"]["bootstrapToken"].startswith("sandbox-fake-")
    tv = by_type["tvos"]
    assert store.mobile_detail(tv)["tvos"]["airplayPassword"].startswith("sandbox-fake-")
    assert store.mobile_record(tv, ["GENERAL"])["general"]["airPlayPassword"].startswith("sandbox-fake-")
    assert store.mobile_row(tv)["airPlayPassword"].startswith("sandbox-fake-")


def _schema_fields(path: str, param: str) -> list[str]:
    op = _raw()["paths"][path]["get"]
    text = next(p for p in op["parameters"] if p.get("name") == param)["description"]
    return re.findall(r"`([A-Za-z0-9]+)`", text.split("Fields allowed in the")[1].split("Example")[0])


def test_mobile_filter_values(store):
    fields = set(_schema_fields("/v2/mobile-devices/detail", "filter")) | set(
        _schema_fields("/v2/mobile-devices/detail", "sort"))
    assert {"serialNumber", "displayName", "osVersion", "username", "groupId", "managed", "supervised"} <= fields
    for d in store.mobile_devices[:40]:
        row = store.mobile_row(d)
        for field in fields:
            value = store.mobile_filter_value(d, field)
            if field in row:
                assert value == row[field], field
        groups = store.mobile_record(d, ["GROUPS"])["groups"]
        assert store.mobile_filter_value(d, "groupId") == [g["groupId"] for g in groups]
        assert store.mobile_filter_value(d, "groupName") == [g["groupName"] for g in groups]
    with pytest.raises(KeyError):
        store.mobile_filter_value(store.mobile_devices[0], "general.osVersion")


# --- relations -----------------------------------------------------------------------------------------------

def test_users_own_the_devices_with_their_username(store):
    users = store.collection("users").rows
    computers = store.fleet.computers
    assert [u["id"] for u in users] == [str(i) for i in range(1, len(computers) + 1)]
    assert len({u["username"] for u in users}) == len(users) == len({c.username for c in computers})
    for user, c in zip(users, computers):
        assert user["username"] == c.username
        assert store.user_computers(user["username"]) == [c]
        loc = build_section(store.fleet, c, "userAndLocation")
        assert (user["realname"], user["email"], user["phone"], user["position"]) == (
            loc["realname"], loc["email"], loc["phone"], loc["position"])
    usernames = {u["username"] for u in users}
    owned = [d for d in store.mobile_devices if d.username]
    assert owned and all(d.username in usernames for d in owned)
    multi = [u for u in users if len(store.user_mobile_devices(u["username"])) > 1]
    assert multi, "some user should own several mobile devices"
    for u in multi[:10]:
        for d in store.user_mobile_devices(u["username"]):
            loc = store.mobile_record(d, ["USER_AND_LOCATION"])["userAndLocation"]
            assert loc["username"] == u["username"] and loc["realName"] == u["realname"] and loc["emailAddress"] == u["email"]
    assert any(not d.username for d in store.mobile_devices)  # shared devices have no user
    assert store.user_by_username(users[3]["username"]) == users[3] and store.user_by_username("nobody") is None


def _os_major(c) -> int:
    return c.os_info.major


def _version(c) -> tuple:
    return tuple(int(p) for p in c.os_info.version.split("."))


# Independent definitions of every smart computer group, in terms of fleet.py's Computer properties.
EXPECTED_COMPUTER_GROUPS = {
    "All Managed Clients": lambda c: c.managed,
    "FileVault Not Enabled": lambda c: not c.filevault,
    "macOS 26": lambda c: _os_major(c) == 26,
    "Check-in Older Than 30 Days": lambda c: REFERENCE_EPOCH - c.contact > 30 * DAY,
    "Department - Engineering": lambda c: catalog.DEPARTMENTS[c.dept].name == "Engineering",
    "macOS Older Than 15": lambda c: _version(c) < (15,),
    "Laptops": lambda c: "MacBook" in c.model_info.name,
    "Stale Inventory - 14 Days": lambda c: REFERENCE_EPOCH - c.report > 14 * DAY,
    "Compliance - Needs Attention": lambda c: (not c.filevault or _os_major(c) < 14) and c.managed,
    "Intel Macs": lambda c: not c.model_info.apple_silicon,
    "London Office Macs": lambda c: catalog.BUILDINGS[c.building][1] == "London Office",
    "Tokyo Office Macs": lambda c: catalog.BUILDINGS[c.building][1] == "Tokyo Office",
    "Sales and Marketing": lambda c: catalog.DEPARTMENTS[c.dept].name in ("Sales", "Marketing"),
}


def test_smart_computer_groups_match_their_criteria(store):
    smart = store.collection("smart-computer-groups")
    assert {row["name"] for row in smart.rows} == set(EXPECTED_COMPUTER_GROUPS)
    assert smart.rows[0]["id"] == "1" and smart.rows[0]["name"] == "All Managed Clients"
    for row in smart.rows:
        members = store.computer_group_members(int(row["id"]))
        expected = [c for c in store.fleet.computers if EXPECTED_COMPUTER_GROUPS[row["name"]](c)]
        assert members == expected, row["name"]
        assert row["membershipCount"] == len(members)
        assert smart.items[row["id"]]["criteria"], row["name"]
    assert store.computer_group_members(1)  # All Managed Clients has members
    assert any(len(store.computer_group_members(int(r["id"]))) < len(store.fleet.computers) / 2 for r in smart.rows)


def test_static_computer_groups_hold_explicit_members(store):
    static = store.collection("static-computer-groups")
    assert len(static.rows) >= 5
    for row in static.rows:
        members = store.computer_group_members(int(row["id"]))
        assert row["count"] == len(members)
        assert "criteria" not in static.items[row["id"]]
    engineering = store.computer_group_members(5)
    assert engineering == [c for c in store.fleet.computers if c.dept == 0]
    assert store.computer_group_members(6) == [c for c in store.fleet.computers if c.id % 17 == 0]
    assert store.computer_group_members(9999) is None and store.computer_group_members("x") is None
    assert all(store.computer_group_members(int(r["id"])) for r in static.rows)


def test_computer_group_lists_agree(store):
    everything = store.collection("computer-groups").rows
    smart = store.collection("smart-computer-groups").rows
    static = store.collection("static-computer-groups").rows
    assert sorted(int(r["id"]) for r in everything) == sorted(int(r["id"]) for r in smart + static)
    assert {r["id"] for r in everything if r["smartGroup"]} == {r["id"] for r in smart}
    assert everything[0] == {"id": "1", "name": "All Managed Clients", "description": "", "smartGroup": True}
    for gid, name, is_smart in catalog.SMART_GROUPS:  # the ids inventory records already use stay stable
        assert next(r for r in everything if r["id"] == str(gid))["name"] == name
        assert next(r for r in everything if r["id"] == str(gid))["smartGroup"] is is_smart


def test_inventory_group_memberships_agree_with_the_store(store):
    known = {str(gid) for gid, _, _ in catalog.SMART_GROUPS}
    for c in store.fleet.computers:
        inventory = build_section(store.fleet, c, "groupMemberships")
        mine = store.computer_group_memberships(c)
        assert inventory == [g for g in mine if g["groupId"] in known]


# Independent definitions of the smart mobile groups, read from each device's inventory record.
def _mobile_expected(name, rec):
    general, hardware, loc = rec["general"], rec["hardware"], rec["userAndLocation"]
    managed, model = general["managed"], hardware["model"]
    ios_version = tuple(int(p) for p in general["osVersion"].split("."))
    stale = REFERENCE_EPOCH - _epoch(general["lastInventoryUpdateDate"]) > 30 * DAY
    return {
        "All Managed iPhones": "iPhone" in model and managed,
        "All Managed iPads": "iPad" in model and managed,
        "Apple TVs": rec["deviceType"] == "tvOS",
        "iOS Older Than 18": rec["deviceType"] == "iOS" and ios_version < (18,),
        "Unsupervised Devices": not general["supervised"],
        "Not Checked In - 30 Days": stale,
        "Europe Devices": loc["building"] in ("London Office", "Berlin Office"),
    }[name]


def _epoch(text: str) -> int:
    import calendar
    import time

    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def test_mobile_groups_match_their_criteria(small):
    smart = small.collection("smart-mobile-device-groups")
    records = {d.id: small.mobile_record(d, list(MOBILE_SECTIONS)) for d in small.mobile_devices}
    for row in smart.rows:
        members = small.mobile_group_members(int(row["groupId"]))
        expected = [d for d in small.mobile_devices if _mobile_expected(row["groupName"], records[d.id])]
        assert members == expected, row["groupName"]
        assert row["count"] == len(members)
        assert smart.items[row["groupId"]]["criteria"]
    static = small.collection("static-mobile-device-groups")
    for row in static.rows:
        assert row["count"] == len(small.mobile_group_members(int(row["groupId"])))
    lost = next(r for r in static.rows if r["groupName"] == "Lost or Stolen")
    assert small.mobile_group_members(int(lost["groupId"])) == [
        d for d in small.mobile_devices if records[d.id]["deviceType"] == "iOS" and records[d.id]["security"]["lostModeEnabled"]]
    for d in small.mobile_devices:  # the GROUPS section and the detail agree with the membership lists
        ids = [g["groupId"] for g in records[d.id]["groups"]]
        assert ids == [str(g["id"]) for g in small.collection("mobile-device-groups").rows
                       if d in small.mobile_group_members(g["id"])]
        assert small.mobile_detail(d)["groups"] == records[d.id]["groups"]
    assert small.mobile_group_members(999) is None
    everything = small.collection("mobile-device-groups").rows
    assert {str(r["id"]) for r in everything if r["isSmartGroup"]} == {r["groupId"] for r in smart.rows}


def test_categories_hold_scripts_and_packages(store):
    categories = {row["id"]: row["name"] for row in store.collection("categories").rows}
    scripts = store.collection("scripts").rows
    for script in scripts:
        assert categories[script["categoryId"]] == script["categoryName"]
        assert script["scriptContents"].startswith(("#!/bin/bash", "#!/bin/zsh"))
    assert any(s["parameter4"] for s in scripts) and any(s["parameter6"] for s in scripts)
    for package in store.collection("packages").rows:
        assert package["categoryId"] in categories
        assert re.fullmatch(r"[0-9a-f]{64}", package["sha256"])


def test_reference_nouns_match_the_inventory(store):
    buildings = {row["id"] for row in store.collection("buildings").rows}
    departments = {row["id"] for row in store.collection("departments").rows}
    for c in store.fleet.computers[:100]:
        loc = build_section(store.fleet, c, "userAndLocation")
        assert loc["buildingId"] in buildings and loc["departmentId"] in departments
    for d in store.mobile_devices[:100]:
        loc = store.mobile_record(d, ["USER_AND_LOCATION"])["userAndLocation"]
        assert loc["buildingId"] in buildings and loc["departmentId"] in departments
    attributes = store.collection("computer-extension-attributes")
    for ea in build_section(store.fleet, store.fleet.computers[0], "extensionAttributes"):
        assert attributes.items[ea["definitionId"]]["name"] == ea["name"]
        assert attributes.items[ea["definitionId"]]["inputType"] == ea["inputType"]
    kinds = {row["inputType"]: row for row in attributes.rows}
    assert kinds["SCRIPT"]["scriptContents"].startswith("#!/bin/")
    assert kinds["POPUP"]["popupMenuChoices"]


def test_sites_hold_objects(store):
    sites = {row["id"] for row in store.collection("sites").rows}
    sited = [row for name in ("smart-computer-groups", "static-computer-groups") for row in store.collection(name).rows
             if row["siteId"] != "-1"]
    assert sited and all(row["siteId"] in sites for row in sited)
    mobile_sites = {store.mobile_record(d, ["GENERAL"])["general"]["siteId"] for d in store.mobile_devices}
    assert mobile_sites - {"-1"} and mobile_sites - {"-1"} <= sites
    for d in store.mobile_devices[:30]:
        detail = store.mobile_detail(d)
        assert detail["site"]["id"] == store.mobile_record(d, ["GENERAL"])["general"]["siteId"]


# --- determinism and size ------------------------------------------------------------------------------------

def _digest(s: Store) -> str:
    parts = [s.collection(name) for name in COLLECTION_NAMES]
    parts += [s.mobile_record(d, list(MOBILE_SECTIONS)) for d in s.mobile_devices[:30]]
    parts += [s.mobile_detail(d) for d in s.mobile_devices[:30]]
    parts += [[[c.id for c in s.computer_group_members(g.id)] for g in s.computer_groups]]
    parts += [s.policies, s.os_x_configuration_profiles, [s.classic_computer_group(g.id) for g in s.computer_groups]]
    return json.dumps(parts, sort_keys=True, default=str)


def test_same_seed_same_store_other_seed_other_store():
    one, again, other = Store(Fleet(120, seed=5)), Store(Fleet(120, seed=5)), Store(Fleet(120, seed=6))
    assert _digest(one) == _digest(again)
    assert _digest(one) != _digest(other)
    assert one.collection("packages").rows[0]["sha256"] != other.collection("packages").rows[0]["sha256"]


def test_a_big_fleet_builds_its_collections():
    s = Store(Fleet(100_000, seed=42))
    sizes = {name: len(s.collection(name).rows) for name in COLLECTION_NAMES}
    assert sizes["users"] == 100_000 and len(s.mobile_devices) == 60_000
    assert sizes["packages"] > 26 and sizes["static-computer-groups"] > 5
    assert s.collection("smart-computer-groups").rows[0]["membershipCount"] > 90_000
    assert len(s.policies) > 40 and len(s.os_x_configuration_profiles) == len(catalog.CONFIG_PROFILES)


# --- Classic objects -----------------------------------------------------------------------------------------

# Elements that hold repeated elements: a JSON list in the Classic JSON convention, even when empty or single.
CLASSIC_LISTS = {"computers", "computer_groups", "buildings", "departments", "users", "user_groups", "network_segments",
                 "ibeacons", "jss_users", "jss_user_groups", "self_service_categories", "no_execute_on", "accounts",
                 "directory_bindings", "packages", "scripts", "printers", "dock_items", "criteria"}


def _classic_shape(elem: ET.Element):
    """An XML example turned into the shape of its Classic JSON: dict of shapes, ("list", item shape), or "leaf"."""
    children = [child for child in elem if child.tag != "size"]
    if elem.tag in CLASSIC_LISTS or len(children) != len(elem):
        items = [child for child in children if len(child) or child.text]
        return ("list", _classic_shape(items[0]) if items and len(items[0]) else None)
    if children:
        out = {}
        for child in children:
            out.setdefault(child.tag, _classic_shape(child))  # a repeated tag (self_service/notification) keeps its first
        return out
    return "leaf"


def _assert_shape(mine, shape, where: str) -> None:
    if shape == "leaf":
        assert isinstance(mine, (str, int, bool)), f"{where}: {mine!r} is not a scalar"
    elif isinstance(shape, tuple):
        assert isinstance(mine, list), f"{where}: expected a list, got {type(mine).__name__}"
        if shape[1] is not None:
            for i, item in enumerate(mine):
                _assert_shape(item, shape[1], f"{where}[{i}]")
    else:
        assert isinstance(mine, dict), f"{where}: expected an object"
        assert set(mine) == set(shape), f"{where}: missing {set(shape) - set(mine)}, extra {set(mine) - set(shape)}"
        for key, sub in shape.items():
            _assert_shape(mine[key], sub, f"{where}.{key}")


@lru_cache(maxsize=None)
def _postman_examples(url_suffix: str) -> dict[str, ET.Element]:
    collection = json.loads(POSTMAN_PATH.read_text())

    def walk(items):
        for item in items:
            yield from walk(item["item"]) if "item" in item else [item]

    found = {}
    for item in walk(collection["item"]):
        request = item["request"]
        url = request["url"]["raw"] if isinstance(request["url"], dict) else request["url"]
        if request["method"] == "GET" and url.endswith(url_suffix):
            for response in item.get("response", []):
                found[response["name"]] = ET.fromstring(response["body"].strip().encode())
    assert found, url_suffix
    return found


@pytest.mark.skipif(not POSTMAN_PATH.is_file(), reason="Jamf's Postman collection not found")
def test_classic_shapes_follow_the_postman_examples(store):
    (policy_example,) = _postman_examples("/JSSResource/policies/id/:id").values()
    assert policy_example.tag == "policy"
    policy_shape = _classic_shape(policy_example)
    assert store.policies
    for policy in store.policies:
        _assert_shape(policy, policy_shape, f"policy {policy['general']['id']}")
    (profile_example,) = _postman_examples("/JSSResource/osxconfigurationprofiles/id/:id").values()
    profile_shape = _classic_shape(profile_example)
    for profile in store.os_x_configuration_profiles:
        _assert_shape(profile, profile_shape, f"profile {profile['general']['id']}")
    groups = _postman_examples("/JSSResource/computergroups/id/:id")
    for example_name, smart in (("Smart Computer Group", True), ("Static Computer Group", False)):
        shape = _classic_shape(groups[example_name])
        for group in store.computer_groups:
            if group.smart == smart:
                _assert_shape(store.classic_computer_group(group.id), shape, f"computer group {group.id}")
    # items the examples leave empty are checked against the elements Jamf documents for them (api-map §7)
    script_keys = {"id", "name", "priority", *(f"parameter{n}" for n in range(4, 12))}
    assert all(set(s) == script_keys for p in store.policies for s in p["scripts"])


def _refs_exist(refs: list[dict], rows: list[dict], name_key: str = "name", plain: bool = True) -> bool:
    """Every reference names an existing row by integer id AND name (and, when plain, carries only those two)."""
    known = {(int(row["id"]), row[name_key]) for row in rows}
    return all((ref["id"], ref["name"]) in known and (not plain or set(ref) == {"id", "name"}) for ref in refs)


def test_policies_refer_to_objects_that_exist(store):
    groups = store.collection("computer-groups").rows
    policies = store.policies
    assert [p["general"]["id"] for p in policies] == list(range(1, len(policies) + 1))
    assert len({p["general"]["name"] for p in policies}) == len(policies)
    sites = store.collection("sites").rows
    for p in policies:
        general, scope = p["general"], p["scope"]
        assert _refs_exist([general["category"]], store.collection("categories").rows)
        assert general["site"] == {"id": -1, "name": "None"} or _refs_exist([general["site"]], sites)
        assert _refs_exist(scope["computer_groups"] + scope["exclusions"]["computer_groups"], groups)
        assert scope["all_computers"] or scope["computer_groups"], general["name"]
        assert _refs_exist(scope["buildings"], store.collection("buildings").rows)
        assert _refs_exist(scope["departments"], store.collection("departments").rows)
        assert _refs_exist(p["scripts"], store.collection("scripts").rows, plain=False)
        assert _refs_exist(p["package_configuration"]["packages"], store.collection("packages").rows, "packageName", False)
    assert any(p["general"]["site"]["id"] != -1 for p in policies)
    assert any(p["scripts"] for p in policies) and any(p["package_configuration"]["packages"] for p in policies)
    assert any(p["self_service"]["use_for_self_service"] for p in policies)
    assert any(not p["general"]["enabled"] for p in policies)
    secret = [p for p in policies if p["account_maintenance"]["open_firmware_efi_password"]["of_mode"] != "none"]
    assert len(secret) == 1
    assert secret[0]["account_maintenance"]["open_firmware_efi_password"]["of_password_sha256"].startswith("sandbox-fake-")


def test_profiles_match_the_inventory_and_carry_a_fake_wifi_password(store):
    import plistlib

    managed = next(c for c in store.fleet.computers if c.managed)
    installed = {p["id"]: p for p in build_section(store.fleet, managed, "configurationProfiles")}
    profiles = store.os_x_configuration_profiles
    assert len(profiles) == len(installed)
    passwords = []
    for profile in profiles:
        general = profile["general"]
        seen = installed[str(general["id"])]
        assert (general["name"], general["uuid"]) == (seen["displayName"], seen["uuid"])
        assert _refs_exist(profile["scope"]["computer_groups"], store.collection("computer-groups").rows)
        assert _refs_exist([general["category"]], store.collection("categories").rows)
        plist = plistlib.loads(general["payloads"].encode())
        assert plist["PayloadUUID"] == general["uuid"] and plist["PayloadContent"]
        passwords += [p["Password"] for p in plist["PayloadContent"] if "Password" in p]
    assert passwords == ["sandbox-fake-wifi-password"]
    assert any(p["general"]["site"]["id"] != -1 for p in profiles)


def test_classic_computer_groups_list_their_members(store):
    for group in store.computer_groups:
        classic = store.classic_computer_group(group.id)
        members = store.computer_group_members(group.id)
        assert [c["id"] for c in classic["computers"]] == [c.id for c in members]
        assert classic["is_smart"] is group.smart and bool(classic["criteria"]) is group.smart
        for entry, c in list(zip(classic["computers"], members))[:20]:
            hardware = build_section(store.fleet, c, "hardware")
            assert (entry["name"], entry["serial_number"], entry["mac_address"], entry["alt_mac_address"]) == (
                c.name, c.serial, hardware["macAddress"], hardware["altMacAddress"])
        if group.smart:
            item = store.collection("smart-computer-groups").items[str(group.id)]
            assert [(c["name"], c["search_type"], c["value"], c["and_or"]) for c in classic["criteria"]] == [
                (c["name"], c["searchType"], c["value"], c["andOr"]) for c in item["criteria"]]
    assert store.classic_computer_group(1)["name"] == "All Managed Clients" and store.classic_computer_group(1)["computers"]
    assert store.classic_computer_group(424242) is None
