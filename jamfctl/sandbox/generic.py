"""Every other path of Jamf's schemas, answered generically (an extension module of sandbox.resources, tried last).

A request the sandbox's own routes answer (the fleet, the store's nouns, LAPS, ...) gets their answer. For any
other path of the Jamf Pro API schema: 405 with Allow for a method the path lacks, 400 for an ill-typed
parameter, a missing required one or a body that is not JSON / lacks a required key, and otherwise the
operation's success status with a minimal schema-valid document (generic.json, generated from the schema by
scripts/generate_api_index.py). Writes answer in Jamf's shape (201 HrefResponse, 204, ...) but change nothing:
there is no store behind them. Classic paths of the swagger: an empty list for a list, 404 for an object the
sandbox does not hold, Classic's `<name><id>N</id></name>` for a write. Unknown paths stay unanswered (404).
"""
from __future__ import annotations

import copy
import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import SandboxApp, SandboxResponse

ROUTES = Path(__file__).with_name("generic.json")
_INT = re.compile(r"-?[0-9]{1,19}")
_inside = threading.local()  # set while this module asks the other routes first


def answer(app: SandboxApp, method: str, segments: tuple[str, ...], query, headers, body) -> SandboxResponse | None:
    if getattr(_inside, "active", False):
        return None
    _inside.active = True
    try:  # the specific routes (later in sandbox.resources, or extensions after this one) win
        served = app.resources.answer(method, segments, query, headers, body)
    finally:
        _inside.active = False
    modern = segments[:1] == ("api",) and len(segments) > 1
    if served is not None and not (served.status == 404 and modern and _literal(segments[1:])):
        return served  # (a store's 404 for a literal schema path took the literal for an id: answered here)
    if modern:
        return _modern(method, segments[1:], query, body)
    if segments[:1] == ("JSSResource",) and len(segments) > 1:
        return _classic(method, segments[1:], headers, body)
    return None


@lru_cache(maxsize=1)
def _data() -> dict:
    data = json.loads(ROUTES.read_text(encoding="utf-8"))
    for kind in ("modern", "classic"):
        split: dict[int, list] = {}
        for template in data[kind]:
            parts = template.strip("/").split("/")
            split.setdefault(len(parts), []).append((parts, template))
        data[f"{kind}_split"] = split
    return data


def _match(kind: str, segments: tuple[str, ...]) -> tuple[str, dict[str, str]] | None:
    """The template for `segments`, literal segments before `{param}` ones; with the whole-segment values."""
    best = None
    for parts, template in _data()[f"{kind}_split"].get(len(segments), ()):
        if all(p == s or "{" in p for p, s in zip(parts, segments)):
            rank = [0 if "{" not in p else (2 if p.startswith("{") and p.endswith("}") else 1) for p in parts]
            if best is None or rank < best[0]:
                values = {p[1:-1]: s for p, s in zip(parts, segments) if p.startswith("{") and p.endswith("}")}
                best = (rank, template, values)
    return (best[1], best[2]) if best else None


def _literal(segments: tuple[str, ...]) -> bool:
    found = _match("modern", segments)
    return found is not None and "{" not in found[0]


def _not_allowed(method: str, allowed) -> SandboxResponse:
    from .app import api_error

    return api_error(405, "METHOD_NOT_ALLOWED", f"Method {method} is not allowed", headers={"Allow": ", ".join(allowed)})


# --- Jamf Pro API -----------------------------------------------------------------------------------------------
def _modern(method: str, segments: tuple[str, ...], query, body: bytes) -> SandboxResponse | None:
    from .app import SandboxResponse, _json, api_error

    found = _match("modern", segments)
    if found is None:
        return None
    template, values = found
    ops = _data()["modern"][template]
    if method not in ops:
        return _not_allowed(method, ops)
    op = ops[method]
    refused = _check_params(op.get("q", ()), values, query) or _check_body(op.get("b"), body)
    if refused is not None:
        return api_error(400, *refused)
    if "e" in op:
        return _json(op["s"], _filled(_data()["examples"][op["e"]], values))
    if "ct" in op:
        return SandboxResponse(op["s"], {"Content-Type": op["ct"]}, b"")
    return SandboxResponse(op["s"], {}, b"")


def _check_params(checks, values: dict[str, str], query) -> tuple[str, str, str] | None:
    given: dict[str, list[str]] = {}
    for name, value in query:
        given.setdefault(name, []).append(value)
    for name, where, kind, required in checks:
        found = [values[name]] if where == "p" and name in values else given.get(name, [])
        if required and not found:
            return "MISSING_PARAMETER", f"Required parameter '{name}' is not present", name
        for value in found:
            items = value.split(",") if kind.startswith("a") else [value]
            if not all(_fits(kind.lstrip("a"), item) for item in items):
                code = "INVALID_ID" if where == "p" else "INVALID_PARAMETER"
                return code, f"Invalid value for {name}: {value!r}", name
    return None


def _fits(kind: str, text: str) -> bool:
    if kind == "i":
        return _INT.fullmatch(text) is not None
    if kind == "b":
        return text in ("true", "false")
    if kind == "n":
        try:
            float(text)
        except ValueError:
            return False
    return True


def _check_body(spec, body: bytes) -> tuple[str, str, str | None] | None:
    if spec is None:
        return None
    content_type, required, needed = spec
    if not body:
        return ("INVALID_REQUEST_BODY", "Required request body is missing", None) if needed else None
    if "json" not in content_type:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "INVALID_REQUEST_BODY", "The request body is not valid JSON", None
    if isinstance(data, dict):
        missing = [key for key in required if key not in data]
        if missing:
            return "MISSING_FIELD", f"Field '{missing[0]}' is required", missing[0]
    return None


def _filled(example, values: dict[str, str]):
    """The example with the path's own values where its top level names them (an object's `id`)."""
    if not isinstance(example, dict) or not values:
        return example
    out = copy.deepcopy(example)
    for name, value in values.items():
        if name in out and isinstance(out[name], (str, int)) and not isinstance(out[name], bool):
            out[name] = int(value) if isinstance(out[name], int) and _INT.fullmatch(value) else value
    return out


# --- Classic API --------------------------------------------------------------------------------------------------
def _classic(method: str, segments: tuple[str, ...], headers, body: bytes) -> SandboxResponse | None:
    from . import classic_xml
    from .app import SandboxResponse

    found = _match("classic", segments)
    if found is None:
        return classic_xml.not_found()
    template, values = found
    allowed = _data()["classic"][template]
    if method not in allowed:
        return SandboxResponse(405, {"Content-Type": "text/html;charset=UTF-8", "Allow": ", ".join(allowed)},
                               b"<html><body><h1>Method Not Allowed</h1></body></html>")
    wants_json = "json" in headers.get("accept", "")
    resource = segments[0]
    if method == "GET":
        if values:  # one object: the sandbox holds none of this kind
            return classic_xml.not_found()
        return classic_xml.answer(200, {resource: []}, wants_json)
    if method in ("POST", "PUT") and not body:
        return SandboxResponse(400, {"Content-Type": "text/html;charset=UTF-8"},
                               b"<html><body><h1>Bad Request</h1><p>No XML document</p></body></html>")
    ident = next((v for k, v in values.items() if k == "id" and _INT.fullmatch(v) and int(v) > 0), "1")
    status = 200 if method == "DELETE" else 201
    return classic_xml.answer(status, {classic_xml.singular(resource): {"id": int(ident)}}, False)
