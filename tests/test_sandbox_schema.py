"""Every kind of response the sandbox serves validates against Jamf's OpenAPI schema (11.30.1).

The schema is translated from OpenAPI 3.0 to JSON Schema (nullable, $ref) and made stricter than Jamf's own
(no unknown properties, date-time formats checked), with two documented relaxations where Jamf's wire format
is looser than its generated schema (WIRE_NULLS).
"""

from __future__ import annotations

import copy
import json
import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import httpx
import jsonschema
import pytest

from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.sections import ALL_SECTIONS, SECTION_KEYS
from jamfctl.sandbox.transport import SandboxTransport

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared" / "jamf-api" / "jamf-pro-api-schema-11.30.1.json"
# Outside CI a checkout without ../shared skips these; in CI a missing schema is a failure, never a quiet skip.
if not SCHEMA_PATH.is_file() and os.environ.get("CI"):
    raise RuntimeError(f"Jamf OpenAPI schema not found at {SCHEMA_PATH}; CI must check out shared/ beside the repo")
pytestmark = pytest.mark.skipif(not SCHEMA_PATH.is_file(), reason=f"Jamf OpenAPI schema not found at {SCHEMA_PATH}")

# Jamf sends these as null although the generated schema does not say "nullable": unrequested inventory
# sections, and the `field` of an error that concerns no field (e.g. 401 INVALID_TOKEN).
WIRE_NULLS = {"ComputerInventoryV4": set(SECTION_KEYS.values()), "ApiErrorCause": {"field"}}
_DROP = {"example", "readOnly", "writeOnly", "nullable", "deprecated", "xml", "externalDocs", "discriminator"}


def _translate(node, nullable_props: set[str] = frozenset()):
    """OpenAPI 3.0 schema object -> JSON Schema (2020-12), closing objects against unknown properties."""
    if isinstance(node, list):
        return [_translate(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _translate(v) for k, v in node.items() if k not in _DROP and k != "properties"}
    if "properties" in node:
        out["properties"] = {}
        for name, prop in node["properties"].items():
            schema = _translate(prop)
            if name in nullable_props:
                schema = {"anyOf": [schema, {"type": "null"}]}
            out["properties"][name] = schema
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        if "$ref" in out:
            out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
        elif "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@lru_cache(maxsize=1)
def _components() -> dict:
    raw = json.loads(SCHEMA_PATH.read_text())
    schemas = {name: _translate(schema, WIRE_NULLS.get(name, set())) for name, schema in raw["components"]["schemas"].items()}
    return {"schemas": schemas, "_raw": raw}


def _format_checker() -> jsonschema.FormatChecker:
    checker = copy.deepcopy(jsonschema.Draft202012Validator.FORMAT_CHECKER)

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value) -> bool:
        return not isinstance(value, str) or ("T" in value and bool(datetime.fromisoformat(value)))

    return checker


def validate(instance, schema_name: str) -> None:
    components = _components()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": components["schemas"]}}
    jsonschema.Draft202012Validator(schema, format_checker=_format_checker()).validate(instance)


def _operation_schema(path: str, method: str, status: str) -> str:
    """The component name the schema gives for one response, so tests follow the schema, not guesses."""
    op = _components()["_raw"]["paths"][path][method]
    content = op["responses"][status]["content"]
    return next(iter(content.values()))["schema"]["$ref"].rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def app() -> SandboxApp:
    return SandboxApp(SandboxConfig(computers=120, seed=3))


@pytest.fixture(scope="module")
def client(app):
    with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid") as c:
        token = c.post("/api/oauth/token", data={"grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID,
                                                 "client_secret": SANDBOX_CLIENT_SECRET}).json()["access_token"]
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


def test_schema_translation_rejects_bad_documents():
    # guards the harness itself: a stricter-than-Jamf validator that accepts garbage would prove nothing
    with pytest.raises(jsonschema.ValidationError):
        validate({"totalCount": 1, "results": [{"id": 1}]}, "ComputerInventorySearchResultsV4")
    with pytest.raises(jsonschema.ValidationError):
        validate({"id": "1", "general": {"nmae": "typo"}}, "ComputerInventoryV4")
    with pytest.raises(jsonschema.ValidationError):
        validate({"id": "1", "general": {"reportDate": "yesterday"}}, "ComputerInventoryV4")
    with pytest.raises(jsonschema.ValidationError):
        validate({"id": "1", "security": {"sipStatus": "ON"}}, "ComputerInventoryV4")


@pytest.mark.parametrize("path", ["/api/oauth/token", "/api/v1/oauth/token"])
def test_token_responses(client, path):
    form = {"grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}
    ok = client.post(path, data=form)
    assert ok.status_code == 200
    validate(ok.json(), _operation_schema("/v1/oauth/token", "post", "200"))
    bad_secret = client.post(path, data={**form, "client_secret": "wrong"})
    assert bad_secret.status_code == 401
    validate(bad_secret.json(), "OAuthTokenEndpointErrorResponse")
    bad_grant = client.post(path, data={**form, "grant_type": "password"})
    assert bad_grant.status_code == 400
    validate(bad_grant.json(), _operation_schema("/v1/oauth/token", "post", "400"))
    narrowed = client.post(path, data={**form, "scope": "api-role:1"})
    assert narrowed.status_code == 200
    validate(narrowed.json(), _operation_schema("/v1/oauth/token", "post", "200"))
    bad_scope = client.post(path, data={**form, "scope": "api-role:99"})
    assert bad_scope.status_code == 400 and bad_scope.json()["error"] == "invalid_scope"
    validate(bad_scope.json(), _operation_schema("/v1/oauth/token", "post", "400"))


def test_version(client):
    response = client.get("/api/v1/jamf-pro-version")
    validate(response.json(), _operation_schema("/v1/jamf-pro-version", "get", "200"))


@pytest.mark.parametrize("section", ALL_SECTIONS)
def test_inventory_list_each_section(client, section):
    response = client.get("/api/v4/computers-inventory", params={"section": section, "page-size": 40})
    assert response.status_code == 200
    body = response.json()
    validate(body, _operation_schema("/v4/computers-inventory", "get", "200"))
    key = SECTION_KEYS[section]
    for record in body["results"]:
        assert record[key] is not None
        assert all(record[k] is None for k in SECTION_KEYS.values() if k != key)


def test_inventory_list_all_sections(client):
    response = client.get("/api/v4/computers-inventory", params={"section": list(ALL_SECTIONS), "page-size": 120})
    body = response.json()
    assert body["totalCount"] == 120 and len(body["results"]) == 120
    validate(body, "ComputerInventorySearchResultsV4")


def test_inventory_by_id_and_detail(client, app):
    computer_id = app.fleet.ids[7]
    by_id = client.get(f"/api/v4/computers-inventory/{computer_id}", params={"section": ["SECURITY", "DISK_ENCRYPTION"]})
    validate(by_id.json(), _operation_schema("/v4/computers-inventory/{id}", "get", "200"))
    detail = client.get(f"/api/v4/computers-inventory-detail/{computer_id}").json()
    validate(detail, _operation_schema("/v4/computers-inventory-detail/{id}", "get", "200"))
    assert all(detail[key] is not None for key in SECTION_KEYS.values())


@pytest.mark.parametrize("view, path", [
    ("filevault", "/v4/computers-inventory/{id}/filevault"),
    ("view-recovery-lock-password", "/v4/computers-inventory/{id}/view-recovery-lock-password"),
    ("view-device-lock-pin", "/v4/computers-inventory/{id}/view-device-lock-pin"),
])
def test_secret_views(client, app, view, path):
    response = client.get(f"/api/v4/computers-inventory/{app.fleet.ids[0]}/{view}")
    assert response.status_code == 200
    validate(response.json(), _operation_schema(path, "get", "200"))


@pytest.mark.parametrize("request_args, status", [
    (("GET", "/api/v4/computers-inventory", {"filter": 'general.name=="x'}), 400),
    (("GET", "/api/v4/computers-inventory", {"filter": 'nope=="x"'}), 400),
    (("GET", "/api/v4/computers-inventory", {"sort": "nope:asc"}), 400),
    (("GET", "/api/v4/computers-inventory", {"section": "NOPE"}), 400),
    (("GET", "/api/v4/computers-inventory", {"page-size": "0"}), 400),
    (("GET", "/api/v4/computers-inventory/999999", {}), 404),
    (("GET", "/api/v4/computers-inventory-detail/abc", {}), 404),
    (("GET", "/api/v9/nothing-here", {}), 404),
    (("DELETE", "/api/v1/jamf-pro-version", {}), 405),
    (("POST", "/api/v4/computers-inventory", {}), 405),  # Jamf has it, the sandbox does not implement it
    (("GET", "/api/v4/computers-inventory", {"filter": "(" * 400 + "id==1" + ")" * 400}), 400),
    (("GET", "/api/v4/computers-inventory", {"filter": 'operatingSystem.version=gt="14*"'}), 400),
    (("GET", "/api/v4/computers-inventory", {"page": "99999999999999999999"}), 400),
    (("GET", "/api/v4/computers-inventory/filevault", {"page-size": "1_0"}), 400),
    (("GET", "/api/v4/computers-inventory%2F1", {}), 400),
])
def test_error_bodies(client, request_args, status):
    method, path, params = request_args
    response = client.request(method, path, params=params)
    assert response.status_code == status
    body = response.json()
    validate(body, "ApiError")
    assert body["httpStatus"] == status and body["errors"]
    assert set(body["errors"][0]) == {"code", "description", "id", "field"}


def test_filevault_list(client):
    response = client.get("/api/v4/computers-inventory/filevault", params={"page-size": 120})
    assert response.status_code == 200 and len(response.json()["results"]) == 120
    validate(response.json(), _operation_schema("/v4/computers-inventory/filevault", "get", "200"))


def test_not_found_body_carries_the_requested_id(client):
    response = client.get("/api/v4/computers-inventory/99999/view-device-lock-pin")
    assert response.status_code == 404
    validate(response.json(), _operation_schema("/v4/computers-inventory/{id}/view-device-lock-pin", "get", "404"))
    assert response.json()["errors"][0]["id"] == "99999"


def test_internal_error_body(monkeypatch):
    app = SandboxApp(SandboxConfig(computers=5))
    monkeypatch.setattr(app, "_route", lambda *args: 1 / 0)
    response = app.handle("GET", "/api/v1/jamf-pro-version", [], {}, b"")
    assert response.status == 500
    validate(json.loads(response.body), "ApiError")


@pytest.mark.parametrize("length, status", [("abc", 400), ("99999999999", 413)])
def test_server_refusals_of_a_body(length, status):
    """Answers the HTTP server gives before the app sees the request (bad or oversized Content-Length)."""
    import socket
    from urllib.parse import urlsplit

    from jamfctl.sandbox.server import start_in_thread

    url, stop = start_in_thread(SandboxConfig(computers=1))
    try:
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            sock.sendall(f"POST /api/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    finally:
        stop()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status}".encode())
    validate(json.loads(body), "ApiError")


def test_unauthorised_body(app):
    with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid") as anonymous:
        response = anonymous.get("/api/v4/computers-inventory")
    assert response.status_code == 401
    validate(response.json(), "ApiError")
    assert response.json() == {"httpStatus": 401, "errors": [{"code": "INVALID_TOKEN", "description": "Unauthorized", "id": "0", "field": None}]}


@pytest.mark.parametrize("kind, status", [("500", 500), ("502", 502), ("503", 503), ("429", 429)])
def test_fault_bodies(kind, status):
    app = SandboxApp(SandboxConfig(computers=5, faults=f"{kind}:1.0"))
    with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid") as c:
        response = c.get("/api/v1/jamf-pro-version")
    assert response.status_code == status
    validate(response.json(), "ApiError")


def test_inventory_schema_has_no_secret_fields():
    """Fact the redaction tests rely on: inventory records carry no writeOnly/password field; secrets live in the
    filevault / recovery-lock / lock-pin views the sandbox also serves."""
    raw = _components()["_raw"]["components"]["schemas"]
    seen, todo, secrets = set(), ["ComputerInventoryV4"], []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        def walk(node):
            if isinstance(node, dict):
                if node.get("writeOnly") or node.get("format") == "password":
                    secrets.append(name)
                if "$ref" in node:
                    todo.append(node["$ref"].rsplit("/", 1)[-1])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(raw[name])
    assert "ComputerSecurity" in seen and secrets == []
    assert raw["ComputerInventoryRecoveryLockPasswordResponse"]["properties"]["recoveryLockPassword"]["format"] == "password"
