"""API integrations and the tokens around them (sandbox.identity hands these paths here; app.py asks for tokens).

- `POST /api/v1/auth/token` with HTTP Basic (the admin of sandbox.identity.state) -> 200 `{token, expires}`, 401
  otherwise; `POST /api/v1/auth/invalidate-token` -> 204 for any token, which is then dead.
- `/api/v1/api-integrations` (GET paged, filter and sort on id and displayName; POST -> 201), `/{id}` (GET, PUT)
  and `/{id}/client-credentials` (POST -> 200, a new secret each call: the previous one stops working).
- `client_token`: the OAuth answer for an integration's credentials (scope `api-role:{id}` per role);
  `scoped_config`: the config a request with such a token sees, every privilege its roles lack denied.
"""
from __future__ import annotations

import base64
import dataclasses
import hmac
import time
import uuid
from typing import TYPE_CHECKING

from . import identity
from .identity import _all_roles, _allowed, _denied, _json_body, _listing, _role_ids, _role_record, state

if TYPE_CHECKING:
    from . import SandboxConfig
    from .app import SandboxApp, SandboxResponse

USER_TOKEN = ("api", "v1", "auth", "token")
INTEGRATION_FIELDS = {"id": "number", "displayName": "string"}
DEFAULT_TOKEN_LIFETIME = 1800  # seconds, an integration's access tokens when its request names none


def answer(app: SandboxApp, method: str, segments: tuple[str, ...], query, headers, body) -> SandboxResponse | None:
    if segments == identity.INVALIDATE:
        return _allowed(app, method, "POST") or _invalidate(app, headers)
    return _integrations(app, method, segments[3:], query, body)


# --- tokens ----------------------------------------------------------------------------------------------
def user_token(app: SandboxApp, method: str, headers) -> SandboxResponse:
    """POST /api/v1/auth/token with HTTP Basic: a user token for the admin (answered before any bearer check)."""
    from .app import _json, api_error

    if method != "POST":
        return api_error(405, "METHOD_NOT_ALLOWED", f"Method {method} is not allowed", headers={"Allow": "POST"})
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except ValueError:
        username = password = ""
    expected_user, expected_password = state(app).admin
    user_ok = hmac.compare_digest(username.encode(), expected_user.encode())
    password_ok = hmac.compare_digest(password.encode(), expected_password.encode())
    if scheme.lower() != "basic" or not (user_ok and password_ok):
        return api_error(401, "INVALID_CREDENTIALS", "Unauthorized")
    lifetime = app.config.token_ttl
    token = _issue(app, lifetime)
    with state(app).lock:
        state(app).user_tokens.add(token)
    expires = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + lifetime))
    return _json(200, {"token": token, "expires": expires})


def client_token(app: SandboxApp, client_id: str, client_secret: str, requested: str) -> SandboxResponse | None:
    """The OAuth token answer for an integration's client credentials; None when they are not one's (app.py then
    says invalid_client)."""
    from .app import _json, _oauth_error

    ident = state(app) if "_identity" in app.__dict__ else None
    known = ident.client_secrets.get(client_id) if ident is not None else None
    if known is None or not hmac.compare_digest(client_secret.encode(), known.encode()):
        return None
    integration = next(i for i in ident.integrations.values() if i["clientId"] == client_id)
    if not integration["enabled"]:
        return None
    roles = [f"api-role:{role_id}" for role_id in _role_ids(app, integration["authorizationScopes"])]
    wanted = list(dict.fromkeys(r for r in requested.split(" ") if r))
    if any(role not in roles for role in wanted):
        return _oauth_error(400, "invalid_scope", "OAuth 2.0 Parameter: scope")
    lifetime = integration["accessTokenLifetimeSeconds"]
    token = _issue(app, lifetime)
    with ident.lock:
        ident.token_clients[token] = integration["id"]
    payload = {"access_token": token, "scope": " ".join(wanted or roles), "token_type": "Bearer",
               "expires_in": lifetime}
    return _json(200, payload, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def scoped_config(app: SandboxApp, headers) -> SandboxConfig | None:
    """For a request made with an integration's token: the server's config with every privilege its roles lack
    denied. None for any other token (the built-in client and user tokens see the server's own config)."""
    if "_identity" not in app.__dict__:
        return None
    ident = state(app)
    token = headers.get("authorization", "").partition(" ")[2].strip()
    integration = ident.integrations.get(ident.token_clients.get(token, 0))
    if integration is None:
        return None
    role_ids = _role_ids(app, integration["authorizationScopes"])
    granted = {name for role_id in role_ids for name in identity.role_privileges(app, role_id)}
    server = identity._server_config(app)
    denied = server.denied_privileges | {name for name in identity.all_privileges() if name not in granted}
    return dataclasses.replace(server, denied_privileges=frozenset(denied))


def _issue(app: SandboxApp, lifetime: float) -> str:
    token = app.new_token()
    with app._lock:
        app._tokens[token] = time.monotonic() + lifetime
    return token


def _invalidate(app: SandboxApp, headers) -> SandboxResponse:
    from .app import SandboxResponse

    token = headers.get("authorization", "").partition(" ")[2].strip()
    with app._lock:
        app._tokens.pop(token, None)
    ident = state(app)
    with ident.lock:
        ident.user_tokens.discard(token)
        ident.token_clients.pop(token, None)
    return SandboxResponse(204)


# --- API integrations ------------------------------------------------------------------------------------
def _integrations(app: SandboxApp, method: str, rest: tuple[str, ...], query, body: bytes) -> SandboxResponse:
    from .app import _json, api_error

    if not rest:
        refused = _allowed(app, method, "GET", "POST")
        if refused is not None:
            return refused
        if method == "GET":
            rows = list(state(app).integrations.values())
            return _denied(app, "Read API Integrations") or _listing(app, query, rows, INTEGRATION_FIELDS)
        return _denied(app, "Create API Integrations") or _save_integration(app, None, body)
    number = app.parse_int(rest[0])
    integration = state(app).integrations.get(number) if number is not None else None
    if len(rest) == 2 and rest[1] != "client-credentials":
        return api_error(404, "NOT_FOUND", "No resource at this path")
    methods = ("POST",) if len(rest) == 2 else ("GET", "PUT")
    refused = _allowed(app, method, *methods)
    if refused is not None:
        return refused
    denied = _denied(app, {"GET": "Read", "PUT": "Update"}.get(method, "Create") + " API Integrations")
    if denied is not None:
        return denied
    if integration is None:
        return api_error(404, "INVALID_ID", f"API integration with id {rest[0]} not found", "id", object_id=rest[0])
    if len(rest) == 2:
        secret = state(app).new_secret()
        with state(app).lock:
            state(app).client_secrets[integration["clientId"]] = secret  # the previous secret stops working
        return _json(200, {"clientId": integration["clientId"], "clientSecret": secret})
    return _json(200, integration) if method == "GET" else _save_integration(app, integration["id"], body)


def _save_integration(app: SandboxApp, integration_id: int | None, body: bytes) -> SandboxResponse:
    """POST (201, a new id and clientId) or PUT (200) of an ApiIntegrationRequest, checked as Jamf does."""
    from .app import _json, api_error

    data = _json_body(body)
    if not isinstance(data, dict):
        return api_error(400, "INVALID_FIELD", "A JSON object is required", "body")
    name, scopes = data.get("displayName"), data.get("authorizationScopes")
    enabled, lifetime = data.get("enabled", True), data.get("accessTokenLifetimeSeconds", DEFAULT_TOKEN_LIFETIME)
    if not isinstance(name, str) or not name.strip():
        return api_error(400, "INVALID_FIELD", "displayName is required", "displayName")
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        return api_error(400, "INVALID_FIELD", "authorizationScopes must be an array of API role names",
                         "authorizationScopes")
    known = {_role_record(app, role_id)["displayName"] for role_id in _all_roles(app)}
    unknown = [s for s in scopes if s not in known]
    if unknown:
        return api_error(400, "INVALID_FIELD", f"API role does not exist: {unknown[0]}", "authorizationScopes")
    if not isinstance(enabled, bool) or type(lifetime) is not int or not 1 <= lifetime <= 2**31 - 1:
        return api_error(400, "INVALID_FIELD", "enabled must be a boolean and accessTokenLifetimeSeconds a "
                         "positive whole number", "accessTokenLifetimeSeconds")
    ident = state(app)
    with ident.lock:
        if any(i["displayName"] == name and i["id"] != integration_id for i in ident.integrations.values()):
            return api_error(400, "DUPLICATE_FIELD", f"displayName must be unique: {name}", "displayName")
        created = integration_id is None
        if integration_id is None:
            integration_id = max(ident.integrations, default=0) + 1
        client_id = ident.integrations[integration_id]["clientId"] if not created else str(uuid.uuid4())
        record = {"id": integration_id, "authorizationScopes": list(scopes), "displayName": name, "enabled": enabled,
                  "accessTokenLifetimeSeconds": lifetime, "appType": "CLIENT_CREDENTIALS", "clientId": client_id}
        ident.integrations[integration_id] = record
    return _json(201 if created else 200, record)
