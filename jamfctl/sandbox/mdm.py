"""MDM in the sandbox (an extension module of sandbox.resources): a command queue per device and device state
that the commands change.

Writes accepted: `POST /api/v2/mdm/commands`, `/api/v2/mdm/blank-push`, `/api/v1/mdm/renew-profile`,
`/api/v4/computers-inventory/{id}/erase|remove-mdm-profile`, `/api/v2/mobile-devices/{id}/erase|unmanage` and
Classic `POST /JSSResource/mobiledevicecommands/command/UpdateInventory/id/{ids}`; `GET /api/v2/mdm/commands`
(a filter is required, as on Jamf) reads the queue. Bodies are checked as Jamf checks them, with its error
bodies: an unknown or unsupported command type, a computer lock or erase PIN that is not 6 digits, a Lost Mode
without message or phone, an unknown management id.

Each command starts PENDING. A device that can take it (managed, checked in within 14 days, not erased or shut
down by an earlier command) answers after a short delay drawn from the command's uuid: ACKNOWLEDGED, sometimes
after a NOT_NOW, or ERROR where Apple refuses (restart, shut down and Lost Mode need a supervised iOS device; a
wrong unlock token). An acknowledged command changes the device: a lock sets the PIN that
`view-device-lock-pin` returns, a removed MDM profile makes it unmanaged, Lost Mode shows in `security`, an
inventory update moves `lastInventoryUpdateDate`. The clock is the fleet's reference instant plus the time the
app has run; tests move it with `state(app).advance(seconds)`. Faults (sandbox.faults) apply to these writes
as to any request: a `reset` is answered after the command was queued, as a server would.
"""
from __future__ import annotations

import json
import re
import threading
import time
from hashlib import blake2b
from typing import TYPE_CHECKING, Any

from .fleet import DAY, REFERENCE_EPOCH, derived_uuid

if TYPE_CHECKING:
    from .app import SandboxApp, SandboxResponse

COMMANDS = ("api", "v2", "mdm", "commands")
BLANK_PUSH = ("api", "v2", "mdm", "blank-push")
RENEW = ("api", "v1", "mdm", "renew-profile")
INVENTORY = ("api", "v4", "computers-inventory")
MOBILE = ("api", "v2", "mobile-devices")
CLASSIC_UPDATE = ("JSSResource", "mobiledevicecommands", "command", "UpdateInventory", "id")
VIEW_MDM = "View MDM command information in Jamf Pro API"
COMMAND_TYPES = frozenset("""APPLY_REDEMPTION_CODE CANCEL_ENHANCED_LOG_COLLECTION CERTIFICATE_LIST CLEAR_PASSCODE
    CLEAR_RESTRICTIONS_PASSWORD DECLARATIVE_MANAGEMENT DELETE_USER DEVICE_INFORMATION DEVICE_LOCATION DEVICE_LOCK
    DISABLE_LOST_MODE DISABLE_REMOTE_DESKTOP ENABLE_LOST_MODE ENABLE_REMOTE_DESKTOP ERASE_DEVICE
    INSTALLED_APPLICATION_LIST LOG_OUT_USER MANAGED_APPLICATION_LIST MANAGED_MEDIA_LIST PLAY_LOST_MODE_SOUND
    PROFILE_LIST PROVISIONING_PROFILE_LIST REFRESH_CELLULAR_PLANS REQUEST_MIRRORING RESTART_DEVICE SECURITY_INFO
    SETTINGS SET_AUTO_ADMIN_PASSWORD SET_RECOVERY_LOCK SHUT_DOWN_DEVICE STOP_MIRRORING
    TRIGGER_ENHANCED_LOG_COLLECTION UNLOCK_USER_ACCOUNT VALIDATE_APPLICATIONS VERIFY_RECOVERY_LOCK""".split())
MOBILE_ONLY = frozenset({"CLEAR_PASSCODE", "CLEAR_RESTRICTIONS_PASSWORD", "DEVICE_LOCATION", "DISABLE_LOST_MODE",
                         "ENABLE_LOST_MODE", "PLAY_LOST_MODE_SOUND", "REFRESH_CELLULAR_PLANS", "APPLY_REDEMPTION_CODE",
                         "MANAGED_MEDIA_LIST", "REQUEST_MIRRORING", "STOP_MIRRORING"})
COMPUTER_ONLY = frozenset({"SET_RECOVERY_LOCK", "VERIFY_RECOVERY_LOCK", "ENABLE_REMOTE_DESKTOP",
                           "DISABLE_REMOTE_DESKTOP", "SET_AUTO_ADMIN_PASSWORD", "UNLOCK_USER_ACCOUNT", "DELETE_USER"})
SEND_PRIVILEGE = {  # (client type, command type) -> the per-command privilege (PM's names)
    ("COMPUTER", "DEVICE_LOCK"): "Send Computer Remote Lock Command",
    ("MOBILE_DEVICE", "DEVICE_LOCK"): "Send Mobile Device Remote Lock Command",
    ("MOBILE_DEVICE", "RESTART_DEVICE"): "Send Mobile Device Restart Device Command",
    ("MOBILE_DEVICE", "SHUT_DOWN_DEVICE"): "Send Mobile Device Shut Down Command",
    ("MOBILE_DEVICE", "CLEAR_PASSCODE"): "Send Mobile Device Remove Passcode Command",
    ("MOBILE_DEVICE", "ENABLE_LOST_MODE"): "Send Mobile Device Lost Mode Command",
    ("MOBILE_DEVICE", "DISABLE_LOST_MODE"): "Send Mobile Device Lost Mode Command",
}
OFFLINE_AFTER = 14 * DAY  # a device that has not checked in for this long answers nothing
MAX_BODY_IDS = 10_000
_PIN = re.compile(r"[0-9]{6}")
_creating = threading.Lock()


class Command:
    __slots__ = ("uuid", "management_id", "client_type", "device", "command_type", "sent", "answers", "effect",
                 "applied", "error")

    def __init__(self, uuid, management_id, client_type, device, command_type, sent, answers, effect, error):
        self.uuid, self.management_id, self.client_type, self.device = uuid, management_id, client_type, device
        self.command_type, self.sent, self.effect, self.error = command_type, sent, effect, error
        self.answers = answers  # [(time, state)]: what the device answers, and when (empty: it never does)
        self.applied = False

    def state(self, now: float) -> tuple[str, float | None]:
        current, when = "PENDING", None
        for at, state in self.answers:
            if at <= now:
                current, when = state, at
        return current, when


class MdmState:
    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.fleet = app.fleet
        self._started, self._offset = time.monotonic(), 0.0
        self._lock = threading.RLock()
        self.commands: list[Command] = []  # in the order sent (a Classic command shares one uuid among devices)
        self.by_device: dict[tuple[str, int], list[Command]] = {}
        self._due: list[Command] = []  # acknowledged-to-be commands whose effect is not applied yet
        self.computer_changes: dict[int, dict] = {}
        self.mobile_changes: dict[int, dict] = {}
        self.gone: set[tuple[str, int]] = set()  # erased or shut down: answers nothing more
        self._computers: dict[str, Any] | None = None
        self._mobiles: dict[str, Any] | None = None
        self.fleet.changes = self.computer_change  # sandbox.sections reads the changes through this hook

    # --- clock ---
    def now(self) -> float:
        return REFERENCE_EPOCH + (time.monotonic() - self._started) + self._offset

    def advance(self, seconds: float) -> None:
        """Test hook: let `seconds` pass (devices answer, acknowledged commands take effect)."""
        with self._lock:
            self._offset += seconds

    # --- devices ---
    def computer(self, management_id: str):
        if self._computers is None:
            index = {}
            for c in self.fleet.computers:
                index[self.fleet.management_id(c)] = c
                index[self.fleet.udid(c).lower()] = c
            self._computers = index
        return self._computers.get(management_id.lower())

    def mobile(self, management_id: str):
        if self._mobiles is None:
            index = {}
            store = self.app.resources.store
            for d in store.mobile_devices:
                light = store.mobile_light(d)
                index[light["managementId"].lower()] = d
                index[light["udid"].lower()] = d
            self._mobiles = index
        return self._mobiles.get(management_id.lower())

    def client(self, management_id: str) -> tuple[str, Any] | None:
        if not isinstance(management_id, str) or len(management_id) > 64:
            return None
        computer = self.computer(management_id)
        if computer is not None:
            return "COMPUTER", computer
        device = self.mobile(management_id)
        return ("MOBILE_DEVICE", device) if device is not None else None

    def managed(self, kind: str, device) -> bool:
        self.settle()
        changes = self.computer_changes if kind == "COMPUTER" else self.mobile_changes
        if "managed" in changes.get(device.id, {}):
            return changes[device.id]["managed"]
        return device.managed

    def reachable(self, kind: str, device) -> bool:
        return (self.managed(kind, device) and (kind, device.id) not in self.gone
                and REFERENCE_EPOCH - device.contact <= OFFLINE_AFTER)

    # --- the queue ---
    def queue(self, kind: str, device, command_type: str, data: dict, uuid: str | None = None) -> Command:
        with self._lock:
            now = self.now()
            uuid = uuid or derived_uuid(self.fleet.seed, device.id, f"mdm:{len(self.commands)}:{kind}")
            management_id = self._management_id(kind, device)
            answers, error = self._answers(kind, device, command_type, data, uuid, now)
            command = Command(uuid, management_id, kind, device, command_type, now, answers,
                              _effect(kind, command_type, data), error)
            self.commands.append(command)
            self.by_device.setdefault((kind, device.id), []).append(command)
            if answers and answers[-1][1] == "ACKNOWLEDGED":
                self._due.append(command)
            return command

    def _management_id(self, kind: str, device) -> str:
        if kind == "COMPUTER":
            return self.fleet.management_id(device)
        return self.app.resources.store.mobile_light(device)["managementId"]

    def _answers(self, kind, device, command_type, data, uuid, now) -> tuple[list, dict | None]:
        if not self.reachable(kind, device):
            return [], None  # stays PENDING: nobody is there to answer
        draw = int.from_bytes(blake2b(uuid.encode(), digest_size=4).digest(), "big")
        delay = 0.2 + (draw % 1000) / 1000  # 0.2 to 1.2 s
        refusal = self._refusal(kind, device, command_type, data)
        if refusal is not None:
            return [(now + delay, "ERROR")], refusal
        if draw % 13 == 0:  # the device was busy once (a NOT_NOW), and took it on its next check-in
            return [(now + delay, "NOT_NOW"), (now + delay + 1.0, "ACKNOWLEDGED")], None
        return [(now + delay, "ACKNOWLEDGED")], None

    def _refusal(self, kind, device, command_type, data) -> dict | None:
        """Apple's answer where the device refuses the command (MCMDMErrorDomain errors)."""
        if kind != "MOBILE_DEVICE":
            return None
        if command_type in ("RESTART_DEVICE", "SHUT_DOWN_DEVICE", "ENABLE_LOST_MODE", "DISABLE_LOST_MODE") \
                and not device.supervised:
            return _apple_error(12081, "The device is not supervised.")
        if command_type in ("ENABLE_LOST_MODE", "DISABLE_LOST_MODE") and device.device_type != "ios":
            return _apple_error(12021, "The command is not supported on this device.")
        if command_type == "CLEAR_PASSCODE":
            detail = self.app.resources.store.mobile_detail(device)
            token = (detail.get(device.device_type) or {}).get("unlockToken")
            if not token or data.get("unlockToken") != token:
                return _apple_error(12064, "The unlock token is invalid.")
        return None

    def settle(self) -> None:
        """Apply the effects of commands acknowledged by now (the clock moves on its own)."""
        if not self._due:
            return
        with self._lock:
            now, waiting = self.now(), []
            for command in self._due:
                if command.answers[-1][0] <= now:
                    command.effect(self, command)
                    command.applied = True
                else:
                    waiting.append(command)
            self._due = waiting

    def computer_change(self, computer) -> dict | None:
        """What the commands changed in the computer's record: {record key: fields over the built ones}."""
        self.settle()
        raw = self.computer_changes.get(computer.id)
        if not raw:
            return None
        out = {k: v for k, v in raw.items() if k == "deviceLockPin"}
        if raw.get("managed") is False:
            out["general"] = {"remoteManagement": {"managed": False, "managementUsername": ""}, "userApprovedMdm": False,
                              "mdmCapable": {"capable": False, "capableUsers": [], "userManagementInfo": []},
                              "declarativeDeviceManagementEnabled": False}
        return out

    def mobile_change(self, device_id: int) -> dict | None:
        self.settle()
        return self.mobile_changes.get(device_id)


def _apple_error(code: int, text: str) -> dict:
    return {"errorCode": code, "errorDomain": "MCMDMErrorDomain", "errorLocalizedDescription": text,
            "errorEnglishDescription": text}


def _effect(kind: str, command_type: str, data: dict):
    """What an acknowledged command changes on the device."""
    def change(state: MdmState, command: Command, **fields) -> None:
        table = state.computer_changes if kind == "COMPUTER" else state.mobile_changes
        table.setdefault(command.device.id, {}).update(fields)

    def effect(state: MdmState, command: Command) -> None:
        if command_type == "DEVICE_LOCK" and kind == "COMPUTER" and data.get("pin"):
            change(state, command, deviceLockPin=data["pin"])
        elif command_type in ("ERASE_DEVICE", "SHUT_DOWN_DEVICE"):
            state.gone.add((kind, command.device.id))
        elif command_type == "REMOVE_MDM_PROFILE":
            change(state, command, managed=False)
        elif command_type in ("ENABLE_LOST_MODE", "DISABLE_LOST_MODE"):
            on = command_type == "ENABLE_LOST_MODE"
            change(state, command, lostMode={"lostModeEnabled": on, "lostModePersistent": on,
                                             "lostModeMessage": data.get("lostModeMessage", "") if on else "",
                                             "lostModePhoneNumber": data.get("lostModePhone", "") if on else "",
                                             "lostModeFootnote": data.get("lostModeFootnote", "") if on else ""})
        elif command_type == "UPDATE_INVENTORY":
            change(state, command, inventoryAt=_iso(state.now()))
    return effect


def state(app: SandboxApp) -> MdmState:
    """The app's MDM state, made on first use."""
    found = app.__dict__.get("_mdm_state")
    if found is None:
        with _creating:
            found = app.__dict__.get("_mdm_state") or app.__dict__.setdefault("_mdm_state", MdmState(app))
    return found


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


# --- routes ---------------------------------------------------------------------------------------------------
_inside = threading.local()  # set while this module asks the other routes for a mobile read it then amends


def answer(app: SandboxApp, method: str, segments: tuple[str, ...], query, headers, body: bytes) -> SandboxResponse | None:
    if getattr(_inside, "active", False):
        return None
    if method == "GET" and segments[:3] == MOBILE and "_mdm_state" in app.__dict__:
        return _mobile_read(app, method, segments, query, headers, body)
    if segments == COMMANDS:
        if method == "GET":
            return _denied(app, VIEW_MDM) or _list(app, query)
        return _post_only(app, method) or _denied(app, VIEW_MDM) or _post_commands(app, body)
    if segments == BLANK_PUSH:
        return _post_only(app, method) or _denied(app, VIEW_MDM) or _blank_push(app, body)
    if segments == RENEW:
        return _post_only(app, method) or _denied(app, "Send Command to Renew MDM Profile") or _renew(app, body)
    if method == "POST" and len(segments) == 5 and segments[:3] in (INVENTORY, MOBILE):
        return _per_device(app, segments[:3] == INVENTORY, segments[3], segments[4], body)
    if method == "POST" and segments[:5] == CLASSIC_UPDATE and len(segments) == 6:
        return _denied(app, "Send Inventory Requests to Mobile Devices") or _update_inventory(app, segments[5], headers)
    return None


def _post_only(app: SandboxApp, method: str) -> SandboxResponse | None:
    from .app import api_error

    return None if method == "POST" else api_error(405, "METHOD_NOT_ALLOWED", f"Method {method} is not allowed",
                                                   headers={"Allow": "POST"})


def _denied(app: SandboxApp, *privileges: str) -> SandboxResponse | None:
    from .app import api_error

    missing = [p for p in privileges if p in app.config.denied_privileges]
    return api_error(403, "INVALID_PRIVILEGE", f"Forbidden: the API role lacks {missing[0]}") if missing else None


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _invalid(description: str, field: str) -> SandboxResponse:
    from .app import api_error

    return api_error(400, "INVALID_FIELD", description, field)


def _post_commands(app: SandboxApp, raw: bytes) -> SandboxResponse:
    from .app import _json

    data = _body(raw)
    if not isinstance(data, dict):
        return _invalid("The request body must be an MdmCommandRequest object", "body")
    clients, command = data.get("clientData"), data.get("commandData")
    if not isinstance(clients, list) or not clients or len(clients) > MAX_BODY_IDS:
        return _invalid("clientData must list between 1 and 10000 clients", "clientData")
    if not isinstance(command, dict) or not isinstance(command.get("commandType"), str):
        return _invalid("commandData.commandType is required", "commandData.commandType")
    command_type = command["commandType"]
    if command_type not in COMMAND_TYPES:
        return _invalid(f"Unsupported command type: {command_type[:64]!r}", "commandData.commandType")
    mdm = state(app)
    targets = []
    for index, item in enumerate(clients):
        found = mdm.client(item.get("managementId")) if isinstance(item, dict) else None
        if found is None:
            return _invalid("No client with this management id", f"clientData[{index}].managementId")
        kind, device = found
        if command_type in (MOBILE_ONLY if kind == "COMPUTER" else COMPUTER_ONLY):
            return _invalid(f"Command type {command_type} is not supported for {kind} clients", "commandData.commandType")
        targets.append(found)
    problem = _check_command(command_type, command, {kind for kind, _ in targets})
    if problem is not None:
        return problem
    denied = _denied(app, *{SEND_PRIVILEGE[(kind, command_type)] for kind, _ in targets if (kind, command_type) in SEND_PRIVILEGE})
    if denied is not None:
        return denied
    queued = [mdm.queue(kind, device, command_type, command) for kind, device in targets]
    return _json(201, [{"id": c.uuid, "href": f"/api/v2/mdm/commands?filter=uuid=={c.uuid}"} for c in queued])


def _check_command(command_type: str, command: dict, kinds: set[str]) -> SandboxResponse | None:
    """The fields Jamf checks before queuing (the PIN's value is never echoed)."""
    if command_type == "DEVICE_LOCK" and "COMPUTER" in kinds:
        pin = command.get("pin")
        if not (isinstance(pin, str) and _PIN.fullmatch(pin)):
            return _invalid("A computer's device lock PIN must be 6 digits", "commandData.pin")
    if command_type == "CLEAR_PASSCODE" and not isinstance(command.get("unlockToken"), str):
        return _invalid("unlockToken is required", "commandData.unlockToken")
    if command_type == "ENABLE_LOST_MODE" and not (command.get("lostModeMessage") or command.get("lostModePhone")):
        return _invalid("At least one of lostModeMessage or lostModePhone must be provided", "commandData.lostModeMessage")
    for key in ("message", "phoneNumber", "lostModeMessage", "lostModePhone", "lostModeFootnote"):
        if key in command and not isinstance(command[key], str):
            return _invalid(f"{key} must be a string", f"commandData.{key}")
    return None


def _ids(app: SandboxApp, raw: bytes, key: str) -> list | SandboxResponse:
    data = _body(raw)
    values = data.get(key) if isinstance(data, dict) else None
    if not isinstance(values, list) or len(values) > MAX_BODY_IDS or not all(isinstance(v, str) for v in values):
        return _invalid(f"{key} must be a list of strings", key)
    return values


def _blank_push(app: SandboxApp, raw: bytes) -> SandboxResponse:
    from .app import _json

    ids = _ids(app, raw, "clientManagementIds")
    if not isinstance(ids, list):
        return ids
    mdm = state(app)
    errors = [m for m in ids if (found := mdm.client(m)) is None or not mdm.managed(*found)]
    return _json(200, {"errorUuids": errors})


def _renew(app: SandboxApp, raw: bytes) -> SandboxResponse:
    from .app import _json

    udids = _ids(app, raw, "udids")
    if not isinstance(udids, list):
        return udids
    mdm = state(app)
    skipped = [u for u in udids if (found := mdm.client(u)) is None or not mdm.managed(*found)]
    return _json(202, {"udidsNotProcessed": {"udids": skipped}})


def _per_device(app: SandboxApp, computer: bool, raw_id: str, verb: str, raw: bytes) -> SandboxResponse | None:
    from .app import _json, api_error

    verbs = {"erase": ("ERASE_DEVICE", "Send Computer Remote Wipe Command"),
             "remove-mdm-profile": ("REMOVE_MDM_PROFILE", "Send Computer Unmanage Command")} if computer else \
        {"erase": ("ERASE_DEVICE", "Send Mobile Device Remote Wipe Command"),
         "unmanage": ("REMOVE_MDM_PROFILE", "Unmanage Mobile Devices")}
    if verb not in verbs:
        return None
    command_type, privilege = verbs[verb]
    denied = _denied(app, privilege)
    if denied is not None:
        return denied
    number = app.parse_int(raw_id)
    kind = "COMPUTER" if computer else "MOBILE_DEVICE"
    device = (app.fleet.get(number) if computer else app.resources.store.mobile_get(number)) if number else None
    if device is None:
        what = "Computer" if computer else "Mobile device"
        return api_error(404, "INVALID_ID", f"{what} with id {raw_id} not found", "id", object_id=raw_id)
    data = _body(raw)
    if not isinstance(data, dict):
        return _invalid("The request body must be a JSON object", "body")
    if verb == "erase" and computer and data.get("pin") is not None \
            and not (isinstance(data["pin"], str) and len(data["pin"]) == 6):
        return _invalid("The Find My PIN must be 6 characters", "pin")
    if verb == "erase" and not computer and data.get("returnToService") is True:
        return api_error(400, "RETURN_TO_SERVICE", "Return to service requirements not met", "returnToService")
    mdm = state(app)
    if not mdm.managed(kind, device):
        return api_error(500, "UNABLE_TO_QUEUE", "Failure, unable to queue command: the device is not managed",
                         object_id=str(device.id))
    command = mdm.queue(kind, device, command_type, data)
    return _json(200, {"deviceId": str(device.id), "commandUuid": command.uuid})


def _update_inventory(app: SandboxApp, id_list: str, headers) -> SandboxResponse:
    from . import classic_xml

    store = app.resources.store
    numbers = [app.parse_int(part) for part in id_list.split(",")] if len(id_list) < 20_000 else [None]
    devices = [store.mobile_get(n) if n else None for n in numbers]
    if not devices or any(d is None for d in devices):
        return classic_xml.not_found()
    mdm = state(app)
    shared = derived_uuid(app.fleet.seed, len(mdm.commands), "classic-command")
    rows = []
    for device in devices:
        if mdm.managed("MOBILE_DEVICE", device):
            mdm.queue("MOBILE_DEVICE", device, "UPDATE_INVENTORY", {}, uuid=shared)
        rows.append({"id": device.id, "status": "Command sent" if mdm.managed("MOBILE_DEVICE", device)
                     else "Device is not managed"})
    document = {"mobile_device_command": {"id": len(mdm.commands), "uuid": shared, "command": "UpdateInventory",
                                          "mobile_devices": rows}}
    return classic_xml.answer(201, document, "json" in headers.get("accept", ""))


# --- GET /api/v2/mdm/commands ---------------------------------------------------------------------------------
FILTER_KINDS = {"uuid": "string", "clientManagementId": "string", "command": "string", "status": "string",
                "clientType": "string", "dateSent": "datetime", "validAfter": "datetime", "dateCompleted": "datetime",
                "profileId": "int", "profileIdentifier": "string", "active": "bool"}


def _list(app: SandboxApp, query) -> SandboxResponse:
    from jamfctl.rsql import parse_sort

    from .app import _json, api_error
    from .collections import QueryRejected, search

    filter_text = (app._params(query, "filter") or [""])[0].strip()
    if not filter_text:
        return api_error(400, "INVALID_FILTER", "All url must contain minimum one filter field", "filter")
    paging = app._paging(query)
    if not isinstance(paging, tuple):
        return paging
    page, size = paging
    mdm = state(app)
    mdm.settle()
    now = mdm.now()
    with mdm._lock:
        rows = [_command_row(c, now) for c in mdm.commands]
    try:
        sort = parse_sort(",".join(v for v in app._params(query, "sort") if v.strip()) or "dateSent:asc")
        found = search(rows, filter_text, sort, FILTER_KINDS, list(FILTER_KINDS), value=_field)
    except QueryRejected as exc:
        return api_error(400, exc.code, exc.description, exc.field)
    except ValueError as exc:
        return api_error(400, "INVALID_SORT", str(exc), "sort")
    results = [{k: v for k, v in row.items() if not k.startswith("_")} for row in found[page * size:(page + 1) * size]]
    return _json(200, {"totalCount": len(found), "results": results})


def _command_row(c: Command, now: float) -> dict:
    current, when = c.state(now)
    row = {"uuid": c.uuid, "dateSent": _iso(c.sent), "client": {"managementId": c.management_id, "clientType": c.client_type},
           "commandState": current, "commandType": c.command_type, "profileId": -1, "_active": current in ("PENDING", "NOT_NOW")}
    if current in ("ACKNOWLEDGED", "ERROR"):
        row["dateCompleted"] = _iso(when)
    if current == "ERROR" and c.error:
        row["commandError"] = dict(c.error)
    return row


def _field(row: dict, name: str):
    return {"clientManagementId": row["client"]["managementId"], "clientType": row["client"]["clientType"],
            "command": row["commandType"], "status": row["commandState"], "active": row["_active"],
            "validAfter": row["dateSent"], "profileIdentifier": None}.get(name, row.get(name))


# --- mobile reads, amended by what the commands changed --------------------------------------------------------
def _mobile_read(app: SandboxApp, method, segments, query, headers, body) -> SandboxResponse | None:
    from .app import _json

    _inside.active = True
    try:
        served = app.resources.answer(method, segments, query, headers, body)
    finally:
        _inside.active = False
    mdm = state(app)
    mdm.settle()
    if served is None or served.status != 200 or not mdm.mobile_changes:
        return served
    document = json.loads(served.body)
    records = document.get("results") if isinstance(document, dict) and "results" in document else [document]
    for record in records:
        if isinstance(record, dict):
            ident = record.get("mobileDeviceId") or record.get("id")
            changed = mdm.mobile_change(int(ident)) if str(ident).isdigit() else None
            if changed:
                _amend_mobile(record, changed)
    return _json(200, document)


def _amend_mobile(record: dict, changed: dict) -> None:
    general = record.get("general") if isinstance(record.get("general"), dict) else None
    if "managed" in changed:
        if general is not None:
            general.update(managed=changed["managed"], enrollmentSessionTokenValid=changed["managed"])
        if "managed" in record:
            record["managed"] = changed["managed"]
    if "inventoryAt" in changed:
        if general is not None:
            general["lastInventoryUpdateDate"] = changed["inventoryAt"]
        if "lastInventoryUpdateTimestamp" in record:
            record["lastInventoryUpdateTimestamp"] = changed["inventoryAt"]
    if "lostMode" in changed:
        security = record.get("security")
        if not isinstance(security, dict):
            kind = record.get(record.get("type", "")) if isinstance(record.get("type"), str) else None
            security = kind.get("security") if isinstance(kind, dict) else None
        if isinstance(security, dict) and "lostModeEnabled" in security:
            security.update(changed["lostMode"])
