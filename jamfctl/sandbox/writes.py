"""Writes the sandbox keeps (an extension module of sandbox.resources): scripts created and replaced
(`POST /api/v1/scripts`, `PUT /api/v1/scripts/{id}`) and Classic policies updated with XML
(`PUT /JSSResource/policies/id/{id}` or `/name/{name}`). Each changes the store's objects in place, so what
was written is what every later read (list, item, Classic JSON or XML) returns, for the life of the app.

Requests are checked as Jamf checks them: a Script against the schema's `Script` (name required, every field
text, priority one of BEFORE|AFTER|AT_REBOOT, a category that exists, names unique); a Classic PUT against the
swagger (path, method, an int64 id: jamfctl.api_schema), its body XML (no DOCTYPE, so no entity tricks) whose
root is the swagger's `policy` and whose elements are the policy's own (the swagger declares no element
schema: the policy document the sandbox serves is the schema), booleans `true|false` and numbers where the
policy has them. Jamf answers a bad Classic body
with 409 and an HTML page; so does the sandbox.
"""
from __future__ import annotations

import json
import re
import threading
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from . import classic_xml

if TYPE_CHECKING:
    from .app import SandboxApp, SandboxResponse

SCRIPTS = ("api", "v1", "scripts")
POLICIES = ("JSSResource", "policies")
SCRIPT_TEXT = ("name", "info", "notes", "priority", "categoryId", "categoryName", "osRequirements",
               "scriptContents", *(f"parameter{n}" for n in range(4, 12)))
PRIORITIES = ("BEFORE", "AFTER", "AT_REBOOT")
MAX_SCRIPT_NAME = 255
_lock = threading.Lock()  # the HTTP server answers on many threads; a write is read, checked and applied whole


def answer(app: SandboxApp, method: str, segments: tuple[str, ...], query, headers, body: bytes) -> SandboxResponse | None:
    if segments == SCRIPTS and method == "POST":
        return _denied(app, "Create Scripts") or _create_script(app, body, headers)
    if segments[:3] == SCRIPTS and len(segments) == 4 and method == "PUT":
        return _denied(app, "Update Scripts") or _replace_script(app, segments[3], body)
    if segments[:2] == POLICIES and len(segments) == 4 and segments[2] in ("id", "name") and method == "PUT":
        return _denied(app, "Update Policies") or _update_policy(app, segments, headers, body)
    return None


def _denied(app: SandboxApp, privilege: str) -> SandboxResponse | None:
    from .app import api_error

    if privilege in app.config.denied_privileges:
        return api_error(403, "INVALID_PRIVILEGE", f"Forbidden: the API role lacks {privilege}")
    return None


# --- scripts ------------------------------------------------------------------------------------------------
def _script_body(app: SandboxApp, body: bytes, own_id: str | None):
    """The checked Script fields of a request body (categoryName from its categoryId), or an error response."""
    from .app import api_error

    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return api_error(400, "INVALID_JSON", "The request body is not valid JSON")
    if not isinstance(data, dict):
        return api_error(400, "INVALID_FIELD", "The request body must be a Script object")
    for key in SCRIPT_TEXT:
        if data.get(key) is not None and not isinstance(data[key], str):
            return api_error(400, "INVALID_FIELD", f"{key} must be a string", key)
    fields = {key: data[key] for key in SCRIPT_TEXT if data.get(key) is not None}
    name = fields.get("name", "").strip()
    if not name or len(name) > MAX_SCRIPT_NAME:
        return api_error(400, "INVALID_FIELD", f"name is required (1-{MAX_SCRIPT_NAME} characters)", "name")
    if fields.get("priority", "AFTER") not in PRIORITIES:
        return api_error(400, "INVALID_FIELD", f"priority must be one of {', '.join(PRIORITIES)}", "priority")
    store = app.resources.store
    if any(row["name"] == name and row["id"] != own_id for row in store.collection("scripts").rows):
        return api_error(409, "DUPLICATE_FIELD", f"A script named {name!r} already exists", "name")
    category = fields.get("categoryId", "-1")
    if category == "-1":
        fields["categoryName"] = "NONE"
    else:
        found = store.collection("categories").items.get(category)
        if found is None:
            return api_error(400, "INVALID_FIELD", f"No category with id {category}", "categoryId")
        fields["categoryName"] = found["name"]
    return fields


def _empty_script() -> dict:
    return {"name": "", "info": "", "notes": "", "priority": "AFTER", "categoryId": "-1", "categoryName": "NONE",
            **{f"parameter{n}": "" for n in range(4, 12)}, "osRequirements": "", "scriptContents": ""}


def _create_script(app: SandboxApp, body: bytes, headers) -> SandboxResponse:
    from .app import _json

    with _lock:
        fields = _script_body(app, body, None)
        if not isinstance(fields, dict):
            return fields
        scripts = app.resources.store.collection("scripts")
        ident = str(max((int(row["id"]) for row in scripts.rows), default=0) + 1)
        row = {"id": ident, **_empty_script(), **fields}
        scripts.rows.append(row)
        scripts.items[ident] = row
    host = headers.get("host", "sandbox.jamfctl.invalid")
    return _json(201, {"id": ident, "href": f"https://{host}/api/v1/scripts/{ident}"})


def _replace_script(app: SandboxApp, raw_id: str, body: bytes) -> SandboxResponse:
    """PUT replaces the whole script (fields left out are emptied), as Jamf documents; the id stays."""
    from .app import _json, api_error

    with _lock:
        row = app.resources.store.collection("scripts").items.get(raw_id)
        if row is None:
            return api_error(404, "INVALID_ID", f"Script with id {raw_id} not found", "id", object_id=raw_id)
        fields = _script_body(app, body, raw_id)
        if not isinstance(fields, dict):
            return fields
        row.update({**_empty_script(), **fields, "id": raw_id})  # in place: the list row and the item are one dict
        return _json(200, dict(row))


# --- Classic policies ---------------------------------------------------------------------------------------
def _classic_error(status: int, text: str) -> SandboxResponse:
    from xml.sax.saxutils import escape

    from .app import SandboxResponse

    title = {400: "Bad Request", 409: "Conflict", 415: "Unsupported Media Type"}.get(status, "Error")
    page = f"<html><head><title>Status page</title></head><body><h1>{title}</h1><p>Error: {escape(text)}</p></body></html>"
    return SandboxResponse(status, {"Content-Type": "text/html;charset=UTF-8"}, page.encode())


def _update_policy(app: SandboxApp, segments: tuple[str, ...], headers, body: bytes) -> SandboxResponse:
    from jamfctl import api_schema
    from jamfctl.errors import ValidationError

    from .app import SandboxResponse

    by, key = segments[2], segments[3]
    try:  # the swagger's path, method and parameter types (an id is an int64)
        api_schema.match("PUT", "/" + "/".join(segments), classic=True)
    except ValidationError as exc:
        return _classic_error(400, exc.message)
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/xml", "text/xml"):
        return _classic_error(415, "the Classic API takes XML (Content-Type: application/xml)")
    if by == "id" and app.parse_int(key) is None:
        return classic_xml.not_found()
    with _lock:
        policy = next((p for p in app.resources.store.policies
                       if str(p["general"]["id"] if by == "id" else p["general"]["name"]) == key), None)
        if policy is None:
            return classic_xml.not_found()
        changes = _parse_policy(body)
        if isinstance(changes, str):
            return _classic_error(409, changes)
        checked = _merge(policy, changes, "policy", dry=True)
        if checked:
            return _classic_error(409, checked)
        _merge(policy, changes, "policy", dry=False)
        ident = policy["general"]["id"]
    xml = f'<?xml version="1.0" encoding="UTF-8"?><policy><id>{ident}</id></policy>'
    return SandboxResponse(201, {"Content-Type": "text/xml;charset=UTF-8"}, xml.encode())


def _parse_policy(body: bytes) -> ElementTree.Element | str:
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        return "DOCTYPE and entity declarations are not allowed"
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        return f"the body is not well-formed XML ({exc})"
    if root.tag != "policy":
        return f"the root element must be <policy>, not <{root.tag}>"
    return root


def _merge(into: dict, element: ElementTree.Element, where: str, dry: bool) -> str | None:
    """Lay the element's children over the stored object (dry: only check): None, or what is wrong."""
    for child in element:
        path = f"{where}/{child.tag}"
        if child.tag not in into:
            return f"Problem with field {path}: the policy has no such element"
        current = into[child.tag]
        if isinstance(current, dict):
            if not len(child):
                return f"Problem with field {path}: expected elements inside it"
            problem = _merge(current, child, path, dry)
        elif isinstance(current, list):
            items = [_plain(item) for item in child if item.tag != "size"]
            problem = None
            if not dry:
                into[child.tag] = items
        else:
            value, problem = _scalar(current, (child.text or "").strip(), path)
            if not dry and problem is None:
                into[child.tag] = value
        if problem:
            return problem
    return None


def _scalar(current, text: str, path: str) -> tuple[object, str | None]:
    """(the value to store, None) or (None, the problem): typed as the stored value is."""
    if isinstance(current, bool):
        if text not in ("true", "false"):
            return None, f"Problem with field {path}: expected true or false"
        return text == "true", None
    if isinstance(current, int):
        if not re.fullmatch(r"-?[0-9]{1,18}", text):
            return None, f"Problem with field {path}: expected a number"
        return int(text), None
    return text, None


def _plain(element: ElementTree.Element):
    if len(element):
        return {child.tag: _plain(child) for child in element}
    return (element.text or "").strip()
