"""The sandbox's MDM: the writes it accepts, Jamf's error bodies for bad ones, a command queue with realistic
states, and devices that the acknowledged commands change."""
from __future__ import annotations

import json

import pytest

from jamfctl.sandbox import SandboxConfig
from jamfctl.sandbox import mdm
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.fleet import REFERENCE_EPOCH


@pytest.fixture
def app() -> SandboxApp:
    return SandboxApp(SandboxConfig(computers=40))


def call(app: SandboxApp, method: str, path: str, body=None, query=()):
    token = app.new_token()
    with app._lock:
        app._tokens[token] = float("inf")
    raw = json.dumps(body).encode() if body is not None else b""
    response = app.handle(method, path, list(query), {"authorization": f"Bearer {token}", "accept": "application/json"}, raw)
    try:
        return response.status, json.loads(response.body) if response.body else None
    except ValueError:
        return response.status, response.body


def online(app: SandboxApp):
    return [c for c in app.fleet.computers if c.managed and REFERENCE_EPOCH - c.contact < 2 * 86400]


def command(app, computer, command_type="RESTART_DEVICE", **data):
    return call(app, "POST", "/api/v2/mdm/commands", {"clientData": [{"managementId": app.fleet.management_id(computer)}],
                                                       "commandData": {"commandType": command_type, **data}})


def error_of(body) -> dict:
    assert set(body) == {"httpStatus", "errors"}
    return body["errors"][0]


@pytest.mark.parametrize("data,field", [
    ({}, "commandData.pin"), ({"pin": "12345"}, "commandData.pin"), ({"pin": "abcdef"}, "commandData.pin"),
    ({"pin": 123456}, "commandData.pin"),
])
def test_a_computer_lock_needs_a_6_digit_pin_and_the_error_never_echoes_it(app, data, field):
    status, body = command(app, online(app)[0], "DEVICE_LOCK", **data)
    assert status == 400 and error_of(body)["field"] == field and error_of(body)["code"] == "INVALID_FIELD"
    assert "12345" not in json.dumps(body) and "abcdef" not in json.dumps(body)


@pytest.mark.parametrize("command_type,message", [
    ("REBOOT_PLEASE", "Unsupported command type"), ("CLEAR_PASSCODE", "not supported for COMPUTER"),
    ("ENABLE_LOST_MODE", "not supported for COMPUTER"), ("", "Unsupported command type"),
])
def test_unsupported_command_types_are_400s(app, command_type, message):
    status, body = command(app, online(app)[0], command_type)
    assert status == 400 and message in error_of(body)["description"]


def test_bad_bodies_and_unknown_clients_are_400s_and_queue_nothing(app):
    assert call(app, "POST", "/api/v2/mdm/commands", {"clientData": []})[0] == 400
    assert call(app, "POST", "/api/v2/mdm/commands", ["not", "an", "object"])[0] == 400
    status, body = call(app, "POST", "/api/v2/mdm/commands", {"clientData": [{"managementId": "nope"}],
                                                               "commandData": {"commandType": "RESTART_DEVICE"}})
    assert status == 400 and error_of(body)["field"] == "clientData[0].managementId"
    assert mdm.state(app).commands == []


def test_a_command_is_pending_then_acknowledged_and_listed_by_filter(app):
    computer = online(app)[0]
    status, body = command(app, computer)
    assert status == 201 and len(body) == 1 and set(body[0]) == {"id", "href"}
    uuid = body[0]["id"]
    listed = call(app, "GET", "/api/v2/mdm/commands", query=[("filter", f"uuid=={uuid}")])[1]
    assert listed["totalCount"] == 1
    first = listed["results"][0]
    assert first["commandState"] == "PENDING" and first["client"] == {"managementId": app.fleet.management_id(computer),
                                                                      "clientType": "COMPUTER"}
    mdm.state(app).advance(5)
    done = call(app, "GET", "/api/v2/mdm/commands", query=[("filter", f"uuid=in=({uuid},x)")])[1]["results"][0]
    assert done["commandState"] == "ACKNOWLEDGED" and done["dateCompleted"] >= done["dateSent"]


def test_listing_commands_needs_a_filter(app):
    status, body = call(app, "GET", "/api/v2/mdm/commands")
    assert status == 400 and "minimum one filter" in error_of(body)["description"]


def test_some_devices_say_not_now_first(app):
    states = set()
    for computer in online(app):
        uuid = command(app, computer)[1][0]["id"]
        cmd = next(c for c in mdm.state(app).commands if c.uuid == uuid)
        states.update(state for _, state in cmd.answers)
    assert {"NOT_NOW", "ACKNOWLEDGED"} <= states


def test_offline_and_unmanaged_devices_never_answer(app):
    stale = next(c for c in app.fleet.computers if c.managed and REFERENCE_EPOCH - c.contact > 20 * 86400)
    uuid = command(app, stale)[1][0]["id"]
    mdm.state(app).advance(3600)
    row = call(app, "GET", "/api/v2/mdm/commands", query=[("filter", f"uuid=={uuid}")])[1]["results"][0]
    assert row["commandState"] == "PENDING"


def test_remove_mdm_profile_makes_the_computer_unmanaged(app):
    computer = online(app)[0]
    status, body = call(app, "POST", f"/api/v4/computers-inventory/{computer.id}/remove-mdm-profile")
    assert status == 200 and set(body) == {"deviceId", "commandUuid"} and body["deviceId"] == str(computer.id)
    mdm.state(app).advance(5)
    record = call(app, "GET", f"/api/v4/computers-inventory/{computer.id}", query=[("section", "GENERAL")])[1]
    assert record["general"]["remoteManagement"]["managed"] is False
    status, body = call(app, "POST", f"/api/v4/computers-inventory/{computer.id}/erase", {})
    assert status == 500 and "not managed" in error_of(body)["description"]
    assert call(app, "POST", "/api/v2/mdm/blank-push", {"clientManagementIds": [app.fleet.management_id(computer)]})[1] \
        == {"errorUuids": [app.fleet.management_id(computer)]}


def test_a_lock_sets_the_pin_that_view_device_lock_pin_returns(app):
    computer = online(app)[0]
    before = call(app, "GET", f"/api/v4/computers-inventory/{computer.id}/view-device-lock-pin")[1]
    assert command(app, computer, "DEVICE_LOCK", pin="246810")[0] == 201
    mdm.state(app).advance(5)
    after = call(app, "GET", f"/api/v4/computers-inventory/{computer.id}/view-device-lock-pin")[1]
    assert after == {"pin": "246810"} != before


def test_erase_checks_its_pin_and_the_device_id(app):
    computer = online(app)[0]
    assert call(app, "POST", f"/api/v4/computers-inventory/{computer.id}/erase", {"pin": "123"})[0] == 400
    assert call(app, "POST", "/api/v4/computers-inventory/999999/erase", {})[0] == 404
    assert call(app, "POST", f"/api/v4/computers-inventory/{computer.id}/erase", {"pin": "123456"})[0] == 200


def test_renew_reports_unknown_udids(app):
    computer = online(app)[0]
    status, body = call(app, "POST", "/api/v1/mdm/renew-profile", {"udids": [app.fleet.udid(computer), "NOPE"]})
    assert status == 202 and body == {"udidsNotProcessed": {"udids": ["NOPE"]}}


def test_denied_privileges_answer_403(app):
    denied = SandboxApp(SandboxConfig(computers=10, denied_privileges=frozenset({"Send Computer Remote Lock Command"})))
    computer = online(denied)[0] if online(denied) else denied.fleet.computers[0]
    status, body = command(denied, computer, "DEVICE_LOCK", pin="123456")
    assert status == 403 and "Send Computer Remote Lock Command" in error_of(body)["description"]
    assert command(denied, computer)[0] == 201  # a restart needs no such privilege


def test_mobile_commands_errors_and_state(app):
    store = app.resources.store
    iphone = next(d for d in store.mobile_devices if d.managed and d.supervised and d.device_type == "ios"
                  and REFERENCE_EPOCH - d.contact < 2 * 86400)
    unsupervised = next((d for d in store.mobile_devices if d.managed and not d.supervised
                         and REFERENCE_EPOCH - d.contact < 2 * 86400), None)
    mid = store.mobile_light(iphone)["managementId"]
    status, _ = call(app, "POST", "/api/v2/mdm/commands", {"clientData": [{"managementId": mid}],
                                                            "commandData": {"commandType": "ENABLE_LOST_MODE"}})
    assert status == 400  # neither message nor phone
    status, body = call(app, "POST", "/api/v2/mdm/commands", {"clientData": [{"managementId": mid}], "commandData": {
        "commandType": "ENABLE_LOST_MODE", "lostModeMessage": "Found me?"}})
    assert status == 201
    wrong = call(app, "POST", "/api/v2/mdm/commands", {"clientData": [{"managementId": mid}], "commandData": {
        "commandType": "CLEAR_PASSCODE", "unlockToken": "not-the-token"}})[1][0]["id"]
    mdm.state(app).advance(5)
    record = call(app, "GET", "/api/v2/mobile-devices/detail", query=[("section", "SECURITY"), (
        "filter", f"serialNumber=={iphone.serial}")])[1]["results"][0]
    assert record["security"]["lostModeEnabled"] is True and record["security"]["lostModeMessage"] == "Found me?"
    failed = call(app, "GET", "/api/v2/mdm/commands", query=[("filter", f"uuid=={wrong}")])[1]["results"][0]
    assert failed["commandState"] == "ERROR" and failed["commandError"]["errorDomain"] == "MCMDMErrorDomain"
    assert call(app, "POST", f"/api/v2/mobile-devices/{iphone.id}/erase", {"returnToService": True})[0] == 400
    if unsupervised is not None:
        umid = store.mobile_light(unsupervised)["managementId"]
        uuid = call(app, "POST", "/api/v2/mdm/commands", {"clientData": [{"managementId": umid}],
                                                           "commandData": {"commandType": "RESTART_DEVICE"}})[1][0]["id"]
        mdm.state(app).advance(5)
        row = call(app, "GET", "/api/v2/mdm/commands", query=[("filter", f"uuid=={uuid}")])[1]["results"][0]
        assert row["commandState"] == "ERROR" and "supervised" in row["commandError"]["errorEnglishDescription"]


def test_classic_update_inventory_and_unmanage(app):
    store = app.resources.store
    devices = [d for d in store.mobile_devices if d.managed][:3]
    status, body = call(app, "POST", "/JSSResource/mobiledevicecommands/command/UpdateInventory/id/"
                        + ",".join(str(d.id) for d in devices))
    assert status == 201 and len(body["mobile_device_command"]["mobile_devices"]) == 3
    assert call(app, "POST", "/JSSResource/mobiledevicecommands/command/UpdateInventory/id/1,99999")[0] == 404
    status, body = call(app, "POST", f"/api/v2/mobile-devices/{devices[0].id}/unmanage")
    assert status == 200 and body["deviceId"] == str(devices[0].id)
    if REFERENCE_EPOCH - devices[0].contact < 14 * 86400:
        mdm.state(app).advance(5)
        assert call(app, "GET", f"/api/v2/mobile-devices/{devices[0].id}/detail")[1]["managed"] is False
