"""The sandbox's request handling, independent of any transport: `SandboxApp.handle(...) -> SandboxResponse`.

Adapters (sandbox.transport for in-process httpx, sandbox.server for loopback HTTP) apply `latency_s` before
answering and realise the `fault` a response carries (reset, slow); HTTP-status faults and truncation are
already in the response.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlencode

from . import JAMF_PRO_VERSION, SandboxConfig
from .faults import HTTP_FAULTS, FaultPlan
from .fleet import Fleet
from .query import DEFAULT_SORT, FieldResolver, QueryError, parse_sort, search
from .rsql import FilterError
from .sections import SECTION_KEYS, build_record, device_lock_pin, filevault_record, recovery_lock_password

MAX_PAGE_SIZE = 2000  # Jamf caps page-size silently
DEFAULT_PAGE_SIZE = 100
TOKEN_PATHS = ("/api/oauth/token", "/api/v1/oauth/token")
JSON_TYPE = "application/json;charset=UTF-8"
_INVENTORY_ITEM = re.compile(r"^/api/v4/computers-inventory/([^/]+)(?:/(filevault|view-recovery-lock-password|view-device-lock-pin))?$")
_INVENTORY_DETAIL = re.compile(r"^/api/v4/computers-inventory-detail/([^/]+)$")
_SECRET_VIEWS = {"filevault": filevault_record, "view-recovery-lock-password": recovery_lock_password,
                 "view-device-lock-pin": device_lock_pin}


@dataclass
class SandboxResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fault: str | None = None  # the injected fault, for the adapter to realise and the access log to show


def _json(status: int, payload, headers: dict[str, str] | None = None) -> SandboxResponse:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return SandboxResponse(status, {"Content-Type": JSON_TYPE, **(headers or {})}, body)


def api_error(status: int, code: str, description: str, field_name: str | None = None,
              headers: dict[str, str] | None = None) -> SandboxResponse:
    """Jamf Pro API error body: {"httpStatus", "errors": [{"code", "description", "id", "field"}]}."""
    cause = {"code": code, "description": description, "id": "0", "field": field_name}
    return _json(status, {"httpStatus": status, "errors": [cause]}, headers)


def _oauth_error(status: int, error: str, description: str) -> SandboxResponse:
    """RFC 6749 section 5.2 error body, which Jamf's token endpoint uses instead of its own error shape."""
    return _json(status, {"error": error, "error_description": description}, {"Cache-Control": "no-store"})


class SandboxApp:
    def __init__(self, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        self.fleet = Fleet(self.config.computers, self.config.seed)
        self.resolver = FieldResolver(self.fleet)
        self.faults = FaultPlan(self.config.faults, self.config.seed)
        self.latency_s = max(0, self.config.latency_ms) / 1000.0
        self._tokens: dict[str, float] = {}  # access token -> monotonic expiry; the only place tokens live
        self._lock = threading.Lock()

    # --- entry point ---
    def handle(self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str],
               body: bytes) -> SandboxResponse:
        fault = self.faults.decide(method.upper(), f"{path}?{urlencode(query)}" if query else path)
        if fault in HTTP_FAULTS:
            response = self._fault_response(HTTP_FAULTS[fault])
        else:
            response = self._route(method.upper(), path.split("?", 1)[0], query, headers, body)
            if fault == "truncate":  # a complete 200 HTTP message whose JSON is cut short
                response.status = 200
                response.body = response.body[: max(1, len(response.body) // 2)]
        response.fault = fault
        return response

    def _fault_response(self, status: int) -> SandboxResponse:
        headers = {}
        if status in (429, 503) and self.config.retry_after is not None:
            headers["Retry-After"] = f"{self.config.retry_after:g}"
        codes = {500: ("INTERNAL_SERVER_ERROR", "Internal Server Error"), 502: ("BAD_GATEWAY", "Bad Gateway"),
                 503: ("SERVICE_UNAVAILABLE", "Service Unavailable"), 429: ("TOO_MANY_REQUESTS", "Too Many Requests")}
        code, description = codes[status]
        return api_error(status, code, description, headers=headers)

    def _route(self, method, path, query, headers, body) -> SandboxResponse:
        if len(path) > 1:
            path = path.rstrip("/")
        if path in TOKEN_PATHS:
            if method != "POST":
                return api_error(405, "METHOD_NOT_ALLOWED", f"Method {method} is not allowed", headers={"Allow": "POST"})
            return self._token(headers, body)
        if not self._authorised(headers):
            return api_error(401, "INVALID_TOKEN", "Unauthorized")
        if path == "/api/v1/jamf-pro-version":
            return self._only_get(method) or _json(200, {"version": JAMF_PRO_VERSION})
        if path == "/api/v4/computers-inventory":
            return self._only_get(method) or self._inventory_list(query)
        match = _INVENTORY_ITEM.match(path)
        if match:
            return self._only_get(method) or self._inventory_item(match.group(1), match.group(2), query)
        match = _INVENTORY_DETAIL.match(path)
        if match:
            return self._only_get(method) or self._inventory_item(match.group(1), "detail", query)
        return api_error(404, "NOT_FOUND", f"No resource at {path}")

    @staticmethod
    def _only_get(method: str) -> SandboxResponse | None:
        if method == "GET":
            return None
        return api_error(405, "METHOD_NOT_ALLOWED", f"Method {method} is not allowed", headers={"Allow": "GET"})

    # --- OAuth client credentials ---
    def _token(self, headers: dict[str, str], body: bytes) -> SandboxResponse:
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        grant_type = (form.get("grant_type") or [""])[0]
        client_id = (form.get("client_id") or [""])[0]
        client_secret = (form.get("client_secret") or [""])[0]
        basic = headers.get("authorization", "")
        if basic[:6].lower() == "basic " and not client_id:  # RFC 6749 also allows HTTP Basic client auth
            try:
                client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
                client_id, client_secret = unquote(client_id), unquote(client_secret)
            except ValueError:
                return _oauth_error(401, "invalid_client", "Client authentication failed")
        if not grant_type:
            return _oauth_error(400, "invalid_request", "OAuth 2.0 Parameter: grant_type")
        if grant_type != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "OAuth 2.0 Parameter: grant_type")
        id_ok = hmac.compare_digest(client_id.encode(), self.config.client_id.encode())
        secret_ok = hmac.compare_digest(client_secret.encode(), self.config.client_secret.encode())
        if not (id_ok and secret_ok):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        token = self.new_token()
        now = time.monotonic()
        with self._lock:
            if len(self._tokens) > 1000:
                self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.config.token_ttl
        payload = {"access_token": token, "scope": "api-role:1", "token_type": "Bearer",
                   "expires_in": self.config.token_ttl}
        return _json(200, payload, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def new_token(self) -> str:
        """A fresh access token value (tests override this to choose what tokens look like)."""
        return secrets.token_urlsafe(32)

    def _authorised(self, headers: dict[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        with self._lock:
            expiry = self._tokens.get(token.strip())
        return expiry is not None and time.monotonic() < expiry

    def expire_tokens(self) -> None:
        """Test hook: make every issued token expire now."""
        with self._lock:
            self._tokens = {t: 0.0 for t in self._tokens}

    # --- computer inventory ---
    @staticmethod
    def _params(query: list[tuple[str, str]], name: str) -> list[str]:
        return [v for k, v in query if k == name]

    def _sections(self, query) -> list[str] | SandboxResponse:
        raw = self._params(query, "section") or ["GENERAL"]
        sections = []
        for value in raw:
            name = value.strip().upper()
            if name not in SECTION_KEYS:
                return api_error(400, "INVALID_SECTION", f"Invalid section: {value!r}. Valid sections: {', '.join(SECTION_KEYS)}", "section")
            sections.append(name)
        return sections

    def _int_param(self, query, name: str, default: int, minimum: int) -> int | SandboxResponse:
        values = self._params(query, name)
        if not values:
            return default
        try:
            number = int(values[0])
        except ValueError:
            return api_error(400, "INVALID_PARAMETER", f"Invalid value for {name}: {values[0]!r}", name)
        if number < minimum:
            return api_error(400, "INVALID_PARAMETER", f"{name} must be at least {minimum}", name)
        return number

    def _inventory_list(self, query) -> SandboxResponse:
        sections = self._sections(query)
        if isinstance(sections, SandboxResponse):
            return sections
        page = self._int_param(query, "page", 0, 0)
        if isinstance(page, SandboxResponse):
            return page
        page_size = self._int_param(query, "page-size", DEFAULT_PAGE_SIZE, 1)
        if isinstance(page_size, SandboxResponse):
            return page_size
        page_size = min(page_size, MAX_PAGE_SIZE)
        sort_values = [v for v in self._params(query, "sort") if v.strip()] or [DEFAULT_SORT]
        filter_text = (self._params(query, "filter") or [""])[0].strip()
        try:
            sort = parse_sort(sort_values)
            total, computers = search(self.fleet, self.resolver, filter_text, sort, page, page_size)
        except QueryError as exc:
            return api_error(400, exc.code, exc.description, exc.field)
        except FilterError as exc:
            return api_error(400, exc.code, exc.description, "filter")
        results = [build_record(self.fleet, c, sections) for c in computers]
        return _json(200, {"totalCount": total, "results": results})

    def _inventory_item(self, raw_id: str, view: str | None, query) -> SandboxResponse:
        computer = self.fleet.get(raw_id) if raw_id.isdigit() else None
        if computer is None:
            return api_error(404, "INVALID_ID", f"Computer with id {raw_id} not found", "id")
        if view == "detail":
            return _json(200, build_record(self.fleet, computer, SECTION_KEYS))
        if view in _SECRET_VIEWS:
            return _json(200, _SECRET_VIEWS[view](self.fleet, computer))
        sections = self._sections(query)
        if isinstance(sections, SandboxResponse):
            return sections
        return _json(200, build_record(self.fleet, computer, sections))
