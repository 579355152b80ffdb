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

from . import JAMF_PRO_VERSION, SandboxConfig, api_clients
from .faults import HTTP_FAULTS, FaultPlan
from .fleet import Fleet
from .query import DEFAULT_SORT, FieldResolver, QueryError, parse_sort, search
from .rsql import FilterError
from .resources import ResourceRoutes
from .sections import SECTION_KEYS, build_record, device_lock_pin, filevault_record, recovery_lock_password

MAX_PAGE_SIZE = 2000  # Jamf caps page-size silently
DEFAULT_PAGE_SIZE = 100
INT32_MAX = 2**31 - 1  # Jamf is a Java server: page, page-size and ids are Java ints
CLIENT_ROLES = ("api-role:1",)  # the API roles of the sandbox's one API client: what a token's `scope` may name
TOKEN_ROUTES = (("api", "oauth", "token"), ("api", "v1", "oauth", "token"))
VERSION_ROUTE = ("api", "v1", "jamf-pro-version")
INVENTORY_ROUTE = ("api", "v4", "computers-inventory")
DETAIL_ROUTE = ("api", "v4", "computers-inventory-detail")
JSON_TYPE = "application/json;charset=UTF-8"
_SECRET_VIEWS = {"filevault": filevault_record, "view-recovery-lock-password": recovery_lock_password,
                 "view-device-lock-pin": device_lock_pin}
_SECRET_PRIVILEGES = {"filevault": "View Disk Encryption Recovery Key", "view-recovery-lock-password": "View Recovery Lock",
                      "view-device-lock-pin": "View Computer Device Lock Pin"}
# ASCII only; leading zeros aside at most 10 digits, which keeps int() clear of Python's 4300-digit limit
_DECIMAL = re.compile(r"(-?)0*([0-9]{1,10})")


@dataclass
class SandboxResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fault: str | None = None  # the injected fault, for the adapter to realise and the access log to show
    error: str | None = None  # an unexpected exception answered as a 500, for the access log to show


def _json(status: int, payload, headers: dict[str, str] | None = None) -> SandboxResponse:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return SandboxResponse(status, {"Content-Type": JSON_TYPE, **(headers or {})}, body)


def api_error(status: int, code: str, description: str, field_name: str | None = None,
              headers: dict[str, str] | None = None, object_id: str = "0") -> SandboxResponse:
    """Jamf Pro API error body: {"httpStatus", "errors": [{"code", "description", "id", "field"}]}.

    `id` is the id of the object with the error (ApiErrorCause), "0" when the error concerns no object."""
    cause = {"code": code, "description": description, "id": object_id, "field": field_name}
    return _json(status, {"httpStatus": status, "errors": [cause]}, headers)


def parse_int32(text: str) -> int | None:
    """`text` as a Java int would parse it: ASCII digits with an optional '-', within int32; otherwise None.
    (Python's int() also accepts '1_0', ' 7', '+7' and non-ASCII digits such as '١', which Jamf rejects.)"""
    match = _DECIMAL.fullmatch(text)
    if match is None:
        return None
    number = int(match.group(1) + match.group(2))
    return number if -INT32_MAX - 1 <= number <= INT32_MAX else None


def path_segments(raw_path: str) -> tuple[str, ...] | None:
    """The raw (still percent-encoded) path split on '/' and then decoded segment by segment, so decoding never
    creates a segment; None if a segment holds an encoded '/' (Tomcat, under Jamf, refuses those)."""
    segments = tuple(unquote(part, errors="replace") for part in raw_path.rstrip("/").split("/")[1:])
    return None if any("/" in segment for segment in segments) else segments


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
        self.resources = ResourceRoutes(self)
        self._lock = threading.Lock()

    _request = threading.local()  # per request thread: the config an integration's token sees (sandbox.api_clients)

    @property
    def config(self) -> SandboxConfig:
        scoped = getattr(self._request, "scoped", None)
        return scoped[1] if scoped is not None and scoped[0] is self else self._config

    @config.setter
    def config(self, value: SandboxConfig) -> None:
        self._config = value

    # --- entry point ---
    def handle(self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str],
               body: bytes) -> SandboxResponse:
        """Answer one request. `path` is the raw path as sent (percent-encoding intact); `query` is decoded."""
        try:
            return self._handle(method, path, query, headers, body)
        except Exception as exc:  # a sandbox bug answers like a server would (500), never drops the connection
            response = api_error(500, "INTERNAL_SERVER_ERROR", "Internal Server Error")
            response.error = f"{type(exc).__name__}: {exc}"
            return response
        finally:
            self._request.scoped = None

    def _handle(self, method, path, query, headers, body) -> SandboxResponse:
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
        segments = path_segments(path)  # routing on decoded segments: "computers-inventory%2F1" is no route to 1
        if segments is None:
            return api_error(400, "INVALID_PATH", "Encoded '/' (%2F) is not allowed in the path")
        if segments in TOKEN_ROUTES:
            if method != "POST":
                return api_error(405, "METHOD_NOT_ALLOWED", f"Method {method} is not allowed", headers={"Allow": "POST"})
            return self._token(headers, body)
        if segments == api_clients.USER_TOKEN:  # HTTP Basic, before any bearer check
            return api_clients.user_token(self, method, headers)
        if not self._authorised(headers):
            return api_error(401, "INVALID_TOKEN", "Unauthorized")
        self._request.scoped = (self, api_clients.scoped_config(self, headers) or self._config)
        if segments == VERSION_ROUTE:
            return self._only_get(method) or _json(200, {"version": JAMF_PRO_VERSION})
        if segments[:3] in (INVENTORY_ROUTE, DETAIL_ROUTE) and "Read Computers" in self.config.denied_privileges:
            return api_error(403, "INVALID_PRIVILEGE", "Forbidden: the API role lacks Read Computers")
        if segments[:3] == INVENTORY_ROUTE:
            response = self._inventory_route(method, segments[3:], query)
            if response is not None:
                return response
        if segments[:3] == DETAIL_ROUTE and len(segments) == 4:
            return self._only_get(method, jamf_also="PATCH") or self._inventory_item(segments[3], "detail", query)
        response = self.resources.answer(method, segments, query, headers, body)
        if response is not None:
            return response
        return api_error(404, "NOT_FOUND", f"No resource at {path}")

    @staticmethod
    def parse_int(text: str) -> int | None:
        """A positive int32 path id, or None."""
        number = parse_int32(text)
        return number if number is not None and number > 0 else None

    def _inventory_route(self, method, rest: tuple[str, ...], query) -> SandboxResponse | None:
        """/api/v4/computers-inventory[/...]; None when `rest` names nothing the sandbox serves."""
        if not rest:
            return self._only_get(method, jamf_also="POST") or self._inventory_list(query)
        if rest == ("filevault",):  # before /{id}: the FileVault inventory of every computer
            return self._only_get(method) or self._filevault_list(query)
        if len(rest) == 1:
            return self._only_get(method, jamf_also="DELETE") or self._inventory_item(rest[0], None, query)
        if len(rest) == 2 and rest[1] in _SECRET_VIEWS:
            return self._only_get(method) or self._inventory_item(rest[0], rest[1], query)
        return None

    @staticmethod
    def _only_get(method: str, jamf_also: str | None = None) -> SandboxResponse | None:
        """None for GET; otherwise a 405 whose Allow header is what the sandbox serves. `jamf_also` is the write the
        schema lists for the path: the description then says it is the read-only sandbox that lacks it."""
        if method == "GET":
            return None
        if method == jamf_also:
            description = f"The sandbox does not implement {method} here (Jamf Pro does); the sandbox is read-only"
        else:
            description = f"Method {method} is not allowed"
        return api_error(405, "METHOD_NOT_ALLOWED", description, headers={"Allow": "GET"})

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
        if not (id_ok and secret_ok):  # perhaps an API integration's credentials (sandbox.api_clients)
            created = api_clients.client_token(self, client_id, client_secret, (form.get("scope") or [""])[0])
            return created or _oauth_error(401, "invalid_client", "Client authentication failed")
        scope = self._granted_scope((form.get("scope") or [""])[0])
        if scope is None:
            return _oauth_error(400, "invalid_scope", "OAuth 2.0 Parameter: scope")
        token = self.new_token()
        now = time.monotonic()
        with self._lock:
            if len(self._tokens) > 1000:
                self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.config.token_ttl
        payload = {"access_token": token, "scope": scope, "token_type": "Bearer",
                   "expires_in": self.config.token_ttl}
        return _json(200, payload, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    @staticmethod
    def _granted_scope(requested: str) -> str | None:
        """OAuthTokenRequest.scope: space-delimited roles narrowing the token; none means all the client's roles.
        None (invalid_scope) if it names a role the client does not have (RFC 6749 scope tokens are case-sensitive)."""
        roles = list(dict.fromkeys(r for r in requested.split(" ") if r))
        if any(role not in CLIENT_ROLES for role in roles):
            return None
        return " ".join(roles or CLIENT_ROLES)

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
        number = parse_int32(values[0])
        if number is None:
            return api_error(400, "INVALID_PARAMETER", f"Invalid value for {name}: {values[0]!r} "
                             f"(expected a whole number from {minimum} to {INT32_MAX})", name)
        if number < minimum:
            return api_error(400, "INVALID_PARAMETER", f"{name} must be at least {minimum}", name)
        return number

    def _paging(self, query) -> tuple[int, int] | SandboxResponse:
        """(page, page-size) from the query: page from 0, page-size from 1 and capped at MAX_PAGE_SIZE."""
        page = self._int_param(query, "page", 0, 0)
        if isinstance(page, SandboxResponse):
            return page
        page_size = self._int_param(query, "page-size", DEFAULT_PAGE_SIZE, 1)
        if isinstance(page_size, SandboxResponse):
            return page_size
        return page, min(page_size, MAX_PAGE_SIZE)

    def _inventory_list(self, query) -> SandboxResponse:
        sections = self._sections(query)
        if isinstance(sections, SandboxResponse):
            return sections
        paging = self._paging(query)
        if isinstance(paging, SandboxResponse):
            return paging
        page, page_size = paging
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

    def _filevault_list(self, query) -> SandboxResponse:
        """GET /v4/computers-inventory/filevault (ComputerInventoryFileVaultSearchResults): the per-id FileVault
        record of every computer the per-id endpoint answers for (all of them), in id order, paged."""
        paging = self._paging(query)
        if isinstance(paging, SandboxResponse):
            return paging
        page, page_size = paging
        computers = self.fleet.computers  # kept in id order
        start = page * page_size
        results = [filevault_record(self.fleet, c) for c in computers[start:start + page_size]]
        return _json(200, {"totalCount": len(computers), "results": results})

    def _inventory_item(self, raw_id: str, view: str | None, query) -> SandboxResponse:
        number = parse_int32(raw_id)
        computer = self.fleet.get(number) if number is not None and number > 0 else None
        if computer is None:
            return api_error(404, "INVALID_ID", f"Computer with id {raw_id} not found", "id", object_id=raw_id)
        if view == "detail":
            return _json(200, build_record(self.fleet, computer, SECTION_KEYS))
        if view in _SECRET_VIEWS:
            needed = _SECRET_PRIVILEGES[view]
            if needed in self.config.denied_privileges:
                return api_error(403, "INVALID_PRIVILEGE", f"Forbidden: the API role lacks {needed}")
            return _json(200, _SECRET_VIEWS[view](self.fleet, computer))
        sections = self._sections(query)
        if isinstance(sections, SandboxResponse):
            return sections
        return _json(200, build_record(self.fleet, computer, sections))
