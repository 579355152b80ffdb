"""Classic API answers: JSON when asked for (Accept: application/json), otherwise XML, Classic's default.

Both come from one Classic-JSON document: a list is a container of repeated singular elements led by its
<size>, as in Jamf's Postman examples (`<computers><size>2</size><computer>…</computer>…`).
"""
from __future__ import annotations

import json
from xml.sax.saxutils import escape

SINGULAR = {"criteria": "criterion", "policies": "policy", "categories": "category", "addresses": "address"}
NOT_FOUND_HTML = (b"<html><head><title>Status page</title></head><body><h1>Not Found</h1>"
                  b"<p>The server has not found anything matching the request URI</p></body></html>")


def singular(name: str) -> str:
    if name in SINGULAR:
        return SINGULAR[name]
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def to_xml(name: str, value) -> str:
    if isinstance(value, dict):
        return f"<{name}>{''.join(to_xml(k, v) for k, v in value.items())}</{name}>"
    if isinstance(value, list):
        inner = "".join(to_xml(singular(name), item) for item in value)
        return f"<{name}><size>{len(value)}</size>{inner}</{name}>"
    if value is None or value == "":
        return f"<{name}/>"
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def answer(status: int, document: dict, wants_json: bool):
    from .app import SandboxResponse

    if wants_json:
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        return SandboxResponse(status, {"Content-Type": "application/json;charset=UTF-8"}, body)
    (name, value), = document.items()
    body = ('<?xml version="1.0" encoding="UTF-8"?>' + to_xml(name, value)).encode()
    return SandboxResponse(status, {"Content-Type": "text/xml;charset=UTF-8"}, body)


def not_found():
    from .app import SandboxResponse

    return SandboxResponse(404, {"Content-Type": "text/html;charset=UTF-8"}, NOT_FOUND_HTML)
