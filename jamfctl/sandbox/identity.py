"""Who the sandbox's API client is and what it may do (an extension module of sandbox.resources).

- `/api/v1/api-roles` (paged; filter and sort on id, displayName) and `/{id}`: role 1 ("api-role:1", the scope
  of every sandbox token) holds every privilege the server knows except SandboxConfig.denied_privileges; role 2
  (assigned to no client) reads only.
- `/api/v1/api-role-privileges` and `/search?name=&limit=`: every privilege the server knows: those Jamf's
  schema names, plus the per-command MDM "Send ..." names jamfctl's writes declare (the schema names none).
- `/api/v1/auth`, `/api/v2/jamf-pro-information`, `/api/v1/cloud-information`, `/api/v1/health-check` (204).
  The app asks for a token before any extension is tried, so in the sandbox these three need one too (Jamf
  Pro serves health-check and cloud-information without).

`skew_clock(app, seconds)`: from then on every response of that app carries a Date header `seconds` off the
real clock (a server whose clock is wrong, for `jamfctl doctor`); nothing in SandboxConfig is needed.

What `jamfctl setup` needs, with Jamf's status codes (state lives in the SandboxApp instance, `state(app)`):
- the fake, documented admin `sandbox-admin` / `sandbox-password` (`set_admin(app, username, password)` chooses
  others), whose HTTP Basic user token and the API integrations are served by sandbox.api_clients;
- `POST /api/v1/api-roles` -> 200 (not 201), `PUT /{id}` -> 200: every privilege name must be one the server
  knows (400 INVALID_FIELD naming it); a displayName already used -> 400. Roles 1 and 2 are built in and fixed.
`forget_privileges(app, names)`: a server that knows fewer privilege names (an older Jamf Pro, for tests).
"""
from __future__ import annotations

import email.utils
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from . import SandboxConfig
    from .app import SandboxApp, SandboxResponse

READ_ROLES = "Read API Roles"
ROLES = ("api", "v1", "api-roles")
PRIVILEGES = ("api", "v1", "api-role-privileges")
INTEGRATIONS = ("api", "v1", "api-integrations")
INVALIDATE = ("api", "v1", "auth", "invalidate-token")
SIMPLE = {("api", "v1", "auth"), ("api", "v2", "jamf-pro-information"), ("api", "v1", "cloud-information"),
          ("api", "v1", "health-check")}
ROLE_NAMES = {"1": "jamfctl sandbox", "2": "Auditor (read only)"}
ROLE_FIELDS = {"id": "string", "displayName": "string"}
DEFAULT_SEARCH_LIMIT = 15
# The sandbox's fake admin account, documented (README, `jamfctl setup --help`): no real credential.
SANDBOX_ADMIN = "sandbox-admin"
SANDBOX_ADMIN_PASSWORD = "sandbox-password"


@dataclass
class Identity:
    """One SandboxApp's API roles, integrations, client secrets and user tokens (what `setup` creates)."""

    admin: tuple[str, str] = (SANDBOX_ADMIN, SANDBOX_ADMIN_PASSWORD)
    roles: dict[str, dict] = field(default_factory=dict)  # created roles, id -> {"displayName", "privileges"}
    integrations: dict[int, dict] = field(default_factory=dict)  # id -> ApiIntegrationResponse
    client_secrets: dict[str, str] = field(default_factory=dict)  # clientId -> its one valid secret
    token_clients: dict[str, int] = field(default_factory=dict)  # access token -> the integration it was issued to
    user_tokens: set[str] = field(default_factory=set)
    forgotten: frozenset[str] = frozenset()
    new_secret: Callable[[], str] = field(default=lambda: secrets.token_urlsafe(32))  # tests choose the values
    lock: threading.Lock = field(default_factory=threading.Lock)


def state(app: SandboxApp) -> Identity:
    found = app.__dict__.get("_identity")
    if found is None:
        with app._lock:
            found = app.__dict__.setdefault("_identity", Identity())
    return found


def set_admin(app: SandboxApp, username: str, password: str) -> None:
    state(app).admin = (username, password)


def forget_privileges(app: SandboxApp, names) -> None:
    state(app).forgotten = frozenset(names)


def answer(app: SandboxApp, method: str, segments: tuple[str, ...], query, headers, body) -> SandboxResponse | None:
    if segments[:3] == ROLES and len(segments) <= 4:
        if len(segments) == 3:
            return _allowed(app, method, "GET", "POST") or (
                _roles(app, query) if method == "GET" else _create_role(app, body))
        return _allowed(app, method, "GET", "PUT") or (
            _role(app, segments[3]) if method == "GET" else _update_role(app, segments[3], body))
    if segments[:3] == INTEGRATIONS and len(segments) <= 5 or segments == INVALIDATE:
        from . import api_clients

        return api_clients.answer(app, method, segments, query, headers, body)
    if segments == PRIVILEGES:
        return _guarded(app, method) or _privileges(known_privileges(app))
    if segments == (*PRIVILEGES, "search"):
        return _guarded(app, method) or _search(app, query)
    if segments in SIMPLE:
        return app._only_get(method) or _simple(app, segments)
    return None


@lru_cache(maxsize=1)
def all_privileges() -> tuple[str, ...]:
    """Every privilege name the sandbox server knows, sorted."""
    from jamfctl import specs

    names: set[str] = set()
    try:
        from jamfctl import api_schema

        names.update(json.loads(api_schema.INDEX.read_text(encoding="utf-8"))["privileges"])
    except (ImportError, OSError, ValueError, KeyError):  # a checkout without the schema index
        pass
    nouns = specs.nouns()
    for write in specs.WRITES:
        if write.command.split(" ", 1)[0] in nouns:  # `api` and `multi` name what they run, not privileges
            names.update(write.privileges)
    for spec in specs.RESOURCES:
        names.update(spec.classic_privileges)
    return tuple(sorted(names))


def known_privileges(app: SandboxApp) -> list[str]:
    forgotten = state(app).forgotten if "_identity" in app.__dict__ else frozenset()
    return [name for name in all_privileges() if name not in forgotten]


def role_privileges(app: SandboxApp, role_id: str) -> list[str]:
    denied = _server_config(app).denied_privileges
    if role_id == "1":
        return [name for name in all_privileges() if name not in denied]
    if role_id == "2":
        return [name for name in all_privileges() if name.startswith("Read ") and name not in denied]
    return list(state(app).roles[role_id]["privileges"])


def skew_clock(app: SandboxApp, seconds: float) -> None:
    """Every later response of `app` carries a Date header `seconds` away from the real time."""
    handle = app.handle

    def skewed(*args, **kwargs):
        response = handle(*args, **kwargs)
        response.headers["Date"] = email.utils.formatdate(time.time() + seconds, usegmt=True)
        return response

    app.handle = skewed


def _server_config(app: SandboxApp) -> SandboxConfig:
    return getattr(app, "_config", None) or app.config


# --- API roles -------------------------------------------------------------------------------------------
def _allowed(app: SandboxApp, method: str, *methods: str) -> SandboxResponse | None:
    """A 405 naming what the path serves, or a 403 when the caller lacks the operation's privilege."""
    from .app import api_error

    if method not in methods:
        return api_error(405, "METHOD_NOT_ALLOWED", f"Method {method} is not allowed",
                         headers={"Allow": ", ".join(methods)})
    return None


def _denied(app: SandboxApp, privilege: str) -> SandboxResponse | None:
    from .app import api_error

    if privilege in app.config.denied_privileges:
        return api_error(403, "INVALID_PRIVILEGE", f"Forbidden: the API role lacks {privilege}")
    return None


def _guarded(app: SandboxApp, method: str, jamf_writes: str | None = None) -> SandboxResponse | None:
    refused = app._only_get(method, jamf_also=jamf_writes)
    return refused if refused is not None else _denied(app, READ_ROLES)


def _role_record(app: SandboxApp, role_id: str) -> dict:
    name = ROLE_NAMES.get(role_id) or state(app).roles[role_id]["displayName"]
    return {"id": role_id, "displayName": name, "privileges": role_privileges(app, role_id)}


def _role_ids(app: SandboxApp, names) -> list[str]:
    by_name = {record["displayName"]: role_id for role_id, record in state(app).roles.items()}
    by_name.update({name: role_id for role_id, name in ROLE_NAMES.items()})
    return [by_name[name] for name in names if name in by_name]


def _all_roles(app: SandboxApp) -> list[str]:
    created = list(state(app).roles) if "_identity" in app.__dict__ else []
    return [*ROLE_NAMES, *created]


def _roles(app: SandboxApp, query) -> SandboxResponse:
    denied = _denied(app, READ_ROLES)
    return denied or _listing(app, query, [_role_record(app, role_id) for role_id in _all_roles(app)], ROLE_FIELDS)


def _listing(app: SandboxApp, query, rows: list[dict], fields: dict[str, str]) -> SandboxResponse:
    from jamfctl.rsql import parse_sort

    from .app import SandboxResponse, _json, api_error
    from .collections import QueryRejected, page_body, search

    paging = app._paging(query)
    if isinstance(paging, SandboxResponse):
        return paging
    page, page_size = paging
    sort_text = ",".join(v for v in app._params(query, "sort") if v.strip()) or "id:asc"
    filter_text = (app._params(query, "filter") or [""])[0].strip()
    try:
        rows = search(rows, filter_text, parse_sort(sort_text), fields, list(fields))
    except QueryRejected as exc:
        return api_error(400, exc.code, exc.description, exc.field)
    except ValueError as exc:
        return api_error(400, "INVALID_SORT", str(exc), "sort")
    return _json(200, page_body(rows, page, page_size, False))


def _role(app: SandboxApp, raw_id: str) -> SandboxResponse:
    from .app import _json, api_error

    denied = _denied(app, READ_ROLES)
    if denied is not None:
        return denied
    if raw_id not in _all_roles(app):
        return api_error(404, "INVALID_ID", f"API role with id {raw_id} not found", "id", object_id=raw_id)
    return _json(200, _role_record(app, raw_id))


def _role_request(app: SandboxApp, body: bytes, role_id: str | None) -> dict | SandboxResponse:
    """ApiRoleRequest, checked as Jamf does: a displayName no other role has, and privileges the server knows."""
    from .app import api_error

    data = _json_body(body)
    name, privileges = (data.get("displayName"), data.get("privileges")) if isinstance(data, dict) else (None, None)
    if not isinstance(name, str) or not name.strip():
        return api_error(400, "INVALID_FIELD", "displayName is required", "displayName")
    if not isinstance(privileges, list) or not all(isinstance(p, str) for p in privileges):
        return api_error(400, "INVALID_FIELD", "privileges must be an array of privilege names", "privileges")
    known = set(known_privileges(app))
    unknown = [p for p in privileges if p not in known]
    if unknown:
        return api_error(400, "INVALID_FIELD", f"Privilege does not exist: {unknown[0]}", "privileges")
    if any(_role_record(app, other)["displayName"] == name for other in _all_roles(app) if other != role_id):
        return api_error(400, "DUPLICATE_FIELD", f"displayName must be unique: {name}", "displayName")
    return {"displayName": name, "privileges": list(dict.fromkeys(privileges))}


def _create_role(app: SandboxApp, body: bytes) -> SandboxResponse:
    from .app import SandboxResponse, _json

    request = _denied(app, "Create API Roles") or _role_request(app, body, None)
    if isinstance(request, SandboxResponse):
        return request
    ident = state(app)
    with ident.lock:
        role_id = str(max((int(i) for i in _all_roles(app)), default=0) + 1)
        ident.roles[role_id] = request
    return _json(200, _role_record(app, role_id))  # Jamf answers 200 here, not 201


def _update_role(app: SandboxApp, role_id: str, body: bytes) -> SandboxResponse:
    from .app import SandboxResponse, _json, api_error

    denied = _denied(app, "Update API Roles")
    if denied is not None:
        return denied
    if role_id not in _all_roles(app):
        return api_error(404, "INVALID_ID", f"API role with id {role_id} not found", "id", object_id=role_id)
    if role_id in ROLE_NAMES:
        return api_error(400, "INVALID_FIELD", "The sandbox's built-in API roles cannot be changed", "id",
                         object_id=role_id)
    request = _role_request(app, body, role_id)
    if isinstance(request, SandboxResponse):
        return request
    with state(app).lock:
        state(app).roles[role_id] = request
    return _json(200, _role_record(app, role_id))


def _json_body(body: bytes):
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


# --- privileges and the rest -----------------------------------------------------------------------------
def _privileges(names) -> SandboxResponse:
    from .app import _json

    return _json(200, {"privileges": list(names)})


def _search(app: SandboxApp, query) -> SandboxResponse:
    from .app import api_error, parse_int32

    wanted = app._params(query, "name")
    if not wanted or not wanted[0].strip():
        return api_error(400, "INVALID_PARAMETER", "Required parameter 'name' is not present", "name")
    limits = app._params(query, "limit")
    limit = parse_int32(limits[0]) if limits else DEFAULT_SEARCH_LIMIT
    if limit is None or limit < 1:
        return api_error(400, "INVALID_PARAMETER", f"Invalid value for limit: {limits[0]!r}", "limit")
    needle = wanted[0].strip().lower()
    return _privileges([name for name in known_privileges(app) if needle in name.lower()][:limit])


def _simple(app: SandboxApp, segments: tuple[str, ...]) -> SandboxResponse:
    from .app import SandboxResponse, _json

    name = segments[-1]
    if name == "health-check":
        return SandboxResponse(204)
    if name == "auth":
        # What the caller may do: the built-in client's role 1, or the roles of the integration it is
        privileges = [p for p in all_privileges() if p not in app.config.denied_privileges]
        account = {"id": "1", "username": app.config.client_id, "realName": "jamfctl sandbox API client",
                   "email": "", "multiSiteAdmin": False, "accessLevel": "FullAccess", "privilegeSet": "CUSTOM",
                   "privilegesBySite": {"-1": privileges}, "groupIds": [], "currentSiteId": "-1"}
        return _json(200, {"account": account, "accountGroups": [], "sites": [],
                           "authenticationType": "CLIENT_CREDENTIALS"})
    if name == "jamf-pro-information":
        return _json(200, {"vppTokenEnabled": False, "depAccountEnabled": True, "byodEnabled": False,
                           "userMigrationEnabled": False, "cloudDeploymentsEnabled": False, "patchEnabled": True,
                           "ssoSamlEnabled": False, "smtpEnabled": False})
    return _json(200, {"cloudInstance": False, "rampInstance": False, "fedRampInstance": False,
                       "govCloudInstance": False, "managedServiceProviderInstance": False,
                       "highComplianceInstance": False, "fipsEnabled": False})
