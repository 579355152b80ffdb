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
"""
from __future__ import annotations

import email.utils
import json
import time
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import SandboxApp, SandboxResponse

READ_ROLES = "Read API Roles"
ROLES = ("api", "v1", "api-roles")
PRIVILEGES = ("api", "v1", "api-role-privileges")
SIMPLE = {("api", "v1", "auth"), ("api", "v2", "jamf-pro-information"), ("api", "v1", "cloud-information"),
          ("api", "v1", "health-check")}
ROLE_NAMES = {"1": "jamfctl sandbox", "2": "Auditor (read only)"}
ROLE_FIELDS = {"id": "string", "displayName": "string"}
DEFAULT_SEARCH_LIMIT = 15


def answer(app: SandboxApp, method: str, segments: tuple[str, ...], query, headers, body) -> SandboxResponse | None:
    if segments[:3] == ROLES and len(segments) <= 4:
        return _guarded(app, method, "POST" if len(segments) == 3 else "PUT") or (
            _roles(app, query) if len(segments) == 3 else _role(app, segments[3]))
    if segments == PRIVILEGES:
        return _guarded(app, method) or _privileges(all_privileges())
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


def role_privileges(app: SandboxApp, role_id: str) -> list[str]:
    denied = app.config.denied_privileges
    if role_id == "1":
        return [name for name in all_privileges() if name not in denied]
    return [name for name in all_privileges() if name.startswith("Read ") and name not in denied]


def skew_clock(app: SandboxApp, seconds: float) -> None:
    """Every later response of `app` carries a Date header `seconds` away from the real time."""
    handle = app.handle

    def skewed(*args, **kwargs):
        response = handle(*args, **kwargs)
        response.headers["Date"] = email.utils.formatdate(time.time() + seconds, usegmt=True)
        return response

    app.handle = skewed


def _guarded(app: SandboxApp, method: str, jamf_writes: str | None = None) -> SandboxResponse | None:
    from .app import api_error

    refused = app._only_get(method, jamf_also=jamf_writes)
    if refused is not None:
        return refused
    if READ_ROLES in app.config.denied_privileges:
        return api_error(403, "INVALID_PRIVILEGE", f"Forbidden: the API role lacks {READ_ROLES}")
    return None


def _role_record(app: SandboxApp, role_id: str) -> dict:
    return {"id": role_id, "displayName": ROLE_NAMES[role_id], "privileges": role_privileges(app, role_id)}


def _roles(app: SandboxApp, query) -> SandboxResponse:
    from jamfctl.rsql import parse_sort

    from .app import SandboxResponse, _json, api_error
    from .collections import QueryRejected, page_body, search

    paging = app._paging(query)
    if isinstance(paging, SandboxResponse):
        return paging
    page, page_size = paging
    sort_text = ",".join(v for v in app._params(query, "sort") if v.strip()) or "id:asc"
    filter_text = (app._params(query, "filter") or [""])[0].strip()
    rows = [_role_record(app, role_id) for role_id in ROLE_NAMES]
    try:
        rows = search(rows, filter_text, parse_sort(sort_text), ROLE_FIELDS, list(ROLE_FIELDS))
    except QueryRejected as exc:
        return api_error(400, exc.code, exc.description, exc.field)
    except ValueError as exc:
        return api_error(400, "INVALID_SORT", str(exc), "sort")
    return _json(200, page_body(rows, page, page_size, False))


def _role(app: SandboxApp, raw_id: str) -> SandboxResponse:
    from .app import _json, api_error

    if raw_id not in ROLE_NAMES:
        return api_error(404, "INVALID_ID", f"API role with id {raw_id} not found", "id", object_id=raw_id)
    return _json(200, _role_record(app, raw_id))


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
    return _privileges([name for name in all_privileges() if needle in name.lower()][:limit])


def _simple(app: SandboxApp, segments: tuple[str, ...]) -> SandboxResponse:
    from .app import SandboxResponse, _json

    name = segments[-1]
    if name == "health-check":
        return SandboxResponse(204)
    if name == "auth":
        privileges = role_privileges(app, "1")
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
