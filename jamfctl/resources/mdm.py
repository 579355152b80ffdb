"""MDM actions as data: each action is a small pure function from resolved devices to the Requests it sends,
and another from the server's answer to one outcome per device. The reads around them (serials to devices,
command status) are here too; jamfctl.cli.actions runs them (gate, concurrency, progress, results, exit code).

Batched where Jamf takes many identifiers in one body (`/v2/mdm/commands` clientData, blank-push
clientManagementIds, renew-profile udids, Classic id lists), one request per device where the endpoint is
per device (erase, remove MDM profile, and clear-passcode, whose body carries that device's unlock token).
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Sequence, TypeVar

from jamfctl import redact
from jamfctl.errors import ExitCode, JamfctlError, ServerError
from jamfctl.writes import Request

COMMANDS = "/api/v2/mdm/commands"
VIEW_MDM = "View MDM command information in Jamf Pro API"
MAX_PER_BODY = 2000  # management ids / udids / serials per request
MAX_FILTER_CHARS = 30_000  # an `=in=` filter longer than this is split (URL lengths are bounded on the way)
CLASSIC_IDS_PER_PATH = 500  # Classic takes the ids in the path: 500 short ids keep it a few KB
_UUID_LIKE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
T = TypeVar("T")


@dataclass(frozen=True)
class Device:
    serial: str
    id: str  # inventory id (computers) or mobileDeviceId
    management_id: str | None = None
    udid: str | None = None
    name: str | None = None
    managed: bool | None = True  # None: the record did not say
    unlock_token: str | None = field(default=None, repr=False)  # clear-passcode only: a secret, never shown


@dataclass(frozen=True)
class Options:
    pin: str | None = field(default=None, repr=False)
    message: str | None = None
    phone: str | None = None
    footnote: str | None = None
    notify_user: bool = False
    disable: bool = False  # lost-mode --disable
    preserve_data_plan: bool = False
    disallow_proximity_setup: bool = False
    clear_activation_lock: bool = False


@dataclass
class Outcome:
    """One device's result. `code` is 0 for a success, else the exit code this failure alone would have."""

    serial: str
    device: Device | None
    status: str
    command_uuid: str | None = None
    error: str | None = None
    code: int = ExitCode.OK

    def row(self, action: str) -> dict:
        return {"serial": self.serial, "id": self.device.id if self.device else None, "action": action,
                "status": self.status, "commandUuid": self.command_uuid, "error": self.error}


FIELDS = ["serial", "id", "action", "status", "commandUuid", "error"]


@dataclass(frozen=True)
class Planned:
    """A request and the devices it acts on (the results are reported per device)."""

    request: Request
    devices: tuple[Device, ...]


@dataclass(frozen=True)
class Action:
    build: Callable[[Sequence[Device], Options], list[Planned]]
    read: Callable[[Planned, Any], list[Outcome]]
    untracked: str = ""  # why --wait has nothing to poll ("" = the answers carry command uuids)
    needs_unlock_token: bool = False


def failed(device: Device | None, serial: str, status: str, error: str, code: int) -> Outcome:
    return Outcome(serial, device, status, error=error, code=code)


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _uuid(value: Any) -> str | None:
    """A command uuid from the server, or None when it is not one (a hostile server's text goes nowhere)."""
    return value if isinstance(value, str) and _UUID_LIKE.fullmatch(value) else None


# --- builds -------------------------------------------------------------------------------------------------
def _command(command_type: str, data: Callable[[Options], dict], privilege: str) -> Callable:
    """`POST /v2/mdm/commands`: one body for up to MAX_PER_BODY devices."""
    def build(devices: Sequence[Device], options: Options) -> list[Planned]:
        command = {"commandType": command_type, **data(options)}
        return [Planned(Request("POST", COMMANDS, json={"clientData": [{"managementId": d.management_id} for d in chunk],
                                                         "commandData": command}, privilege=privilege), tuple(chunk))
                for chunk in chunks(devices, MAX_PER_BODY)]
    return build


def _per_device(path: str, body: Callable[[Options], dict | None], privilege: str) -> Callable:
    def build(devices: Sequence[Device], options: Options) -> list[Planned]:
        return [Planned(Request("POST", path.format(id=d.id), json=body(options), privilege=privilege), (d,))
                for d in devices]
    return build


def _batched(path: str, key: str, ident: Callable[[Device], str | None], privilege: str) -> Callable:
    def build(devices: Sequence[Device], options: Options) -> list[Planned]:
        return [Planned(Request("POST", path, json={key: [ident(d) for d in chunk]}, privilege=privilege), tuple(chunk))
                for chunk in chunks(devices, MAX_PER_BODY)]
    return build


def _clear_passcode(devices: Sequence[Device], options: Options) -> list[Planned]:
    privilege = f"{VIEW_MDM}' and 'Send Mobile Device Remove Passcode Command"
    return [Planned(Request("POST", COMMANDS, privilege=privilege, json={
        "clientData": [{"managementId": d.management_id}],
        "commandData": {"commandType": "CLEAR_PASSCODE", "unlockToken": d.unlock_token}}), (d,)) for d in devices]


def _update_inventory(devices: Sequence[Device], options: Options) -> list[Planned]:
    return [Planned(Request("POST", "/JSSResource/mobiledevicecommands/command/UpdateInventory/id/"
                            + ",".join(d.id for d in chunk), privilege="Send Inventory Requests to Mobile Devices"),
                    tuple(chunk)) for chunk in chunks(devices, CLASSIC_IDS_PER_PATH)]


def _given(**pairs: str | None) -> dict:
    return {k: v for k, v in pairs.items() if v is not None}


def _lock(options: Options) -> dict:
    return _given(pin=options.pin, message=options.message, phoneNumber=options.phone)


def _lost_mode(devices: Sequence[Device], options: Options) -> list[Planned]:
    privilege = f"{VIEW_MDM}' and 'Send Mobile Device Lost Mode Command"
    if options.disable:
        return _command("DISABLE_LOST_MODE", lambda o: {}, privilege)(devices, options)
    return _command("ENABLE_LOST_MODE", lambda o: _given(lostModeMessage=o.message, lostModePhone=o.phone,
                                                        lostModeFootnote=o.footnote), privilege)(devices, options)


def _mobile_erase(options: Options) -> dict:
    return {"preserveDataPlan": options.preserve_data_plan, "disallowProximitySetup": options.disallow_proximity_setup,
            "clearActivationLock": options.clear_activation_lock, "returnToService": False}


def _send(name: str) -> str:
    return f"{VIEW_MDM}' and '{name}"


# --- reading the answers ------------------------------------------------------------------------------------
def _read_commands(planned: Planned, answer: Any) -> list[Outcome]:
    """201 `[HrefResponse{id, href}]`: one per device, in clientData order (or one for the lot)."""
    ids = [_uuid(item.get("id")) for item in answer if isinstance(item, dict)] if isinstance(answer, list) else []
    devices = planned.devices
    uuids = ids if len(ids) == len(devices) else ids * len(devices) if len(ids) == 1 else [None] * len(devices)
    return [Outcome(d.serial, d, "queued", u) for d, u in zip(devices, uuids)]


def _read_device_command(planned: Planned, answer: Any) -> list[Outcome]:
    """200 `{deviceId, commandUuid}` (erase, remove MDM profile, unmanage)."""
    uuid = _uuid(answer.get("commandUuid")) if isinstance(answer, dict) else None
    return [Outcome(d.serial, d, "queued", uuid) for d in planned.devices]


def _read_blank_push(planned: Planned, answer: Any) -> list[Outcome]:
    """200 `{errorUuids: [...]}`: the management ids Jamf could not push to."""
    errors = answer.get("errorUuids") if isinstance(answer, dict) else None
    if not isinstance(errors, list):
        raise ServerError("Jamf Pro sent an unexpected answer to POST /api/v2/mdm/blank-push")
    bad = {e.lower() for e in errors if isinstance(e, str)}
    return [failed(d, d.serial, "failed", "Jamf Pro could not send the push", ExitCode.ERROR)
            if (d.management_id or "").lower() in bad else Outcome(d.serial, d, "pushed") for d in planned.devices]


def _read_renew(planned: Planned, answer: Any) -> list[Outcome]:
    """202 `{udidsNotProcessed: {udids: [...]}}`: UDIDs Jamf did not know, so did not renew."""
    skipped = answer.get("udidsNotProcessed") if isinstance(answer, dict) else None
    udids = skipped.get("udids") if isinstance(skipped, dict) else []
    bad = {u.upper() for u in udids or [] if isinstance(u, str)}
    return [failed(d, d.serial, "failed", "Jamf Pro did not process its UDID; not renewed", ExitCode.ERROR)
            if (d.udid or "").upper() in bad else Outcome(d.serial, d, "queued") for d in planned.devices]


def _read_classic(planned: Planned, answer: Any) -> list[Outcome]:
    """Classic `<mobile_device_command><uuid>` (JSON when asked for): one command for the listed devices."""
    command = answer.get("mobile_device_command") if isinstance(answer, dict) else None
    uuid = _uuid(command.get("uuid")) if isinstance(command, dict) else None
    return [Outcome(d.serial, d, "queued", uuid) for d in planned.devices]


def _tracked(build: Callable, read: Callable = _read_commands) -> Action:
    return Action(build, read)


NO_UUID_PUSH = "a blank push is not an MDM command: Jamf returns no command to wait for"
NO_UUID_RENEW = "Jamf returns no command uuid for a renewal: there is nothing to wait for"
COMPUTER_INVENTORY = "/api/v4/computers-inventory/{id}"
MOBILE_DEVICE = "/api/v2/mobile-devices/{id}"

ACTIONS: dict[tuple[str, str], Action] = {
    ("computer", "lock"): _tracked(_command("DEVICE_LOCK", _lock, _send("Send Computer Remote Lock Command"))),
    ("computer", "erase"): Action(_per_device(COMPUTER_INVENTORY + "/erase", lambda o: _given(pin=o.pin),
                                              "Send Computer Remote Wipe Command"), _read_device_command),
    ("computer", "restart"): _tracked(_command("RESTART_DEVICE", lambda o: {"notifyUser": o.notify_user}, VIEW_MDM)),
    ("computer", "shutdown"): _tracked(_command("SHUT_DOWN_DEVICE", lambda o: {}, VIEW_MDM)),
    ("computer", "blank-push"): Action(_batched("/api/v2/mdm/blank-push", "clientManagementIds",
                                                lambda d: d.management_id, VIEW_MDM), _read_blank_push, NO_UUID_PUSH),
    ("computer", "renew-mdm"): Action(_batched("/api/v1/mdm/renew-profile", "udids", lambda d: d.udid,
                                               "Send Command to Renew MDM Profile"), _read_renew, NO_UUID_RENEW),
    ("computer", "remove-mdm"): Action(_per_device(COMPUTER_INVENTORY + "/remove-mdm-profile", lambda o: None,
                                                   "Send Computer Unmanage Command"), _read_device_command),
    ("mobile", "lock"): _tracked(_command("DEVICE_LOCK", lambda o: _given(message=o.message, phoneNumber=o.phone),
                                          _send("Send Mobile Device Remote Lock Command"))),
    ("mobile", "erase"): Action(_per_device(MOBILE_DEVICE + "/erase", _mobile_erase,
                                            "Send Mobile Device Remote Wipe Command"), _read_device_command),
    ("mobile", "restart"): _tracked(_command("RESTART_DEVICE", lambda o: {},
                                             _send("Send Mobile Device Restart Device Command"))),
    ("mobile", "shutdown"): _tracked(_command("SHUT_DOWN_DEVICE", lambda o: {}, _send("Send Mobile Device Shut Down Command"))),
    ("mobile", "clear-passcode"): Action(_clear_passcode, _read_commands, needs_unlock_token=True),
    ("mobile", "lost-mode"): _tracked(_lost_mode),
    ("mobile", "update-inventory"): Action(_update_inventory, _read_classic),
    ("mobile", "remove-mdm"): Action(_per_device(MOBILE_DEVICE + "/unmanage", lambda o: None, "Unmanage Mobile Devices"),
                                     _read_device_command),
}


# --- serials to devices -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lookup:
    path: str
    filter_field: str
    params: tuple[tuple[str, str], ...]
    privilege: str
    read: Callable[[dict], Device | None]


def _get(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value.isprintable() and len(value) <= 255 else None


def _device(record: dict, id_field: str, name_path: str, managed_path: str, udid_path: str) -> Device | None:
    ident, serial = record.get(id_field), _text(_get(record, "hardware.serialNumber"))
    if type(ident) not in (str, int) or not re.fullmatch(r"[0-9]{1,10}", str(ident)) or serial is None:
        return None
    managed = _get(record, managed_path)
    return Device(serial=serial.upper(), id=str(ident), management_id=_text(_get(record, "general.managementId")),
                  udid=_text(_get(record, udid_path)), name=_text(_get(record, name_path)),
                  managed=managed if isinstance(managed, bool) else None)


LOOKUPS = {
    "computer": Lookup("/api/v4/computers-inventory", "hardware.serialNumber",
                       (("section", "GENERAL"), ("section", "HARDWARE"), ("sort", "id:asc")), "Read Computers",
                       lambda r: _device(r, "id", "general.name", "general.remoteManagement.managed", "udid")),
    # LENIENT: one broken record must not turn the whole batch into a 500 (its sections come back null)
    "mobile": Lookup("/api/v2/mobile-devices/detail", "serialNumber",
                     (("section", "GENERAL"), ("section", "HARDWARE"), ("exception-handling", "LENIENT"),
                      ("sort", "mobileDeviceId:asc")), "Read Mobile Devices",
                     lambda r: _device(r, "mobileDeviceId", "general.displayName", "general.managed", "general.udid")),
}


def in_filter_batches(values: Sequence[str], field: str, per_batch: int = MAX_PER_BODY) -> list[str]:
    """`field=in=(a,b,...)` filters holding every value, as few as the count and length bounds allow."""
    filters, batch, size = [], [], 0
    for value in values:
        if batch and (len(batch) >= per_batch or size + len(value) + 1 > MAX_FILTER_CHARS):
            filters.append(f"{field}=in=({','.join(batch)})")
            batch, size = [], 0
        batch.append(value)
        size += len(value) + 1
    if batch:
        filters.append(f"{field}=in=({','.join(batch)})")
    return filters


def parallel(work: Callable[[T], Any], items: Sequence[T], window: int) -> list[Any]:
    """work(item) for each, at most `window` at once, results in order (the first error is raised)."""
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=max(1, min(window, len(items))), thread_name_prefix="mdm") as pool:
        return list(pool.map(work, items))


def paged(client, path: str, params: list[tuple[str, str]], privilege: str) -> list[dict]:
    """Every result of a filtered listing: one request when it fits a page (ours do), more only if not."""
    results: list[dict] = []
    page = 0
    while True:
        body = client.get_json(path, [*params, ("page", str(page)), ("page-size", str(MAX_PER_BODY))],
                               privilege=privilege)
        rows = body.get("results") if isinstance(body, dict) else None
        total = body.get("totalCount") if isinstance(body, dict) else None
        if not isinstance(rows, list) or type(total) is not int:
            raise ServerError(f"{client.label} sent an unexpected answer to GET {path}")
        results.extend(r for r in rows if isinstance(r, dict))
        page += 1
        if not rows or len(results) >= total or page * MAX_PER_BODY >= total:
            return results


def resolve(client, noun: str, serials: Sequence[str]) -> tuple[list[Device], list[Outcome]]:
    """The devices of `serials` (in their order), and a failure for each serial matching none or several."""
    lookup = LOOKUPS[noun]
    filters = in_filter_batches(serials, lookup.filter_field)
    pages = parallel(lambda rsql: paged(client, lookup.path, [*lookup.params, ("filter", rsql)], lookup.privilege),
                     filters, client.max_connections)
    found: dict[str, list[Device]] = {}
    for record in (r for page in pages for r in page):
        device = lookup.read(record)
        if device is not None:
            found.setdefault(device.serial, []).append(device)
    devices, failures = [], []
    for serial in serials:
        matches = found.get(serial, [])
        if not matches:
            failures.append(failed(None, serial, "not_found", f"no {_what(noun)} with this serial number in "
                                   f"{client.label}", ExitCode.NOT_FOUND))
        elif len(matches) > 1:
            ids = ", ".join(d.id for d in matches[:5])
            failures.append(failed(None, serial, "ambiguous", f"{len(matches)} {_what(noun)}s have this serial "
                                   f"number (ids {ids}); nothing sent to them", ExitCode.USAGE))
        else:
            devices.append(matches[0])
    return devices, failures


def _what(noun: str) -> str:
    return "computer" if noun == "computer" else "mobile device"


def sendable(devices: Iterable[Device], noun: str, verb: str) -> tuple[list[Device], list[Outcome]]:
    """Devices an MDM command can reach: managed, with the identifier the action's body needs."""
    need = "udid" if verb == "renew-mdm" else "id" if verb in ("erase", "remove-mdm", "update-inventory") else "management_id"
    ok, failures = [], []
    for d in devices:
        if d.managed is False:
            failures.append(failed(d, d.serial, "unmanaged", f"the {_what(noun)} is not managed; nothing sent",
                                   ExitCode.ERROR))
        elif not getattr(d, need):
            failures.append(failed(d, d.serial, "failed", f"Jamf Pro sent no {need.replace('_', ' ')} for it; "
                                   "nothing sent", ExitCode.ERROR))
        else:
            ok.append(d)
    return ok, failures


def with_unlock_token(client, device: Device) -> Device | Outcome:
    """The device with its unlock token (clear-passcode needs it; it never leaves the request body)."""
    path = f"/api/v2/mobile-devices/{device.id}/detail"
    try:
        detail = client.get_json(path, privilege="Read Mobile Devices")
    except JamfctlError as exc:
        return failed(device, device.serial, "failed", exc.message, exc.exit_code)
    for kind in ("ios", "watchos", "visionos"):
        token = _get(detail, f"{kind}.unlockToken")
        if isinstance(token, str) and token and token.isprintable() and len(token) < 8192:
            redact.register_secret(token)  # scrubbed from any text, should a server's error echo it
            return replace(device, unlock_token=token)
    return failed(device, device.serial, "failed", "Jamf Pro holds no unlock token for it, so its passcode cannot "
                  "be cleared; nothing sent", ExitCode.ERROR)


# --- command status (--wait) --------------------------------------------------------------------------------
DONE_OK = frozenset({"ACKNOWLEDGED"})
DONE_FAILED = frozenset({"ERROR", "COMMAND_FORMAT_ERROR"})


def command_states(client, uuids: Sequence[str]) -> dict[tuple[str, str | None], dict]:
    """`GET /v2/mdm/commands?filter=uuid=in=(...)`, batched: (uuid, management id) -> MdmCommand, and
    (uuid, None) -> the command when one uuid names one client."""
    filters = in_filter_batches(list(dict.fromkeys(uuids)), "uuid")
    pages = parallel(lambda rsql: paged(client, COMMANDS, [("filter", rsql)], VIEW_MDM), filters,
                     client.max_connections)
    states: dict[tuple[str, str | None], dict] = {}
    for command in (c for page in pages for c in page):
        uuid = _uuid(command.get("uuid"))
        if uuid is None:
            continue
        mid = _text(_get(command, "client.managementId"))
        states[(uuid.lower(), (mid or "").lower())] = command
        states.setdefault((uuid.lower(), None), command)
    return states


def apply_state(outcome: Outcome, states: dict) -> bool:
    """Update the outcome from the polled command; True once it is final (acknowledged or failed)."""
    uuid, mid = (outcome.command_uuid or "").lower(), (outcome.device.management_id or "").lower()
    command = states.get((uuid, mid)) or states.get((uuid, None))
    state = command.get("commandState") if isinstance(command, dict) else None
    if not isinstance(state, str):
        return False
    outcome.status = state.lower()
    if state in DONE_OK:
        return True
    if state in DONE_FAILED:
        problem = command.get("commandError") if isinstance(command.get("commandError"), dict) else {}
        text = _text(problem.get("errorEnglishDescription")) or _text(problem.get("errorLocalizedDescription"))
        code = problem.get("errorCode")
        outcome.error = f"the device answered {state}" + (f" ({code}: {text})" if text else "")
        outcome.code = ExitCode.ERROR
        return True
    return False
