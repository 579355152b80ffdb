"""The one HTTP client: base URL, TLS, timeouts, auth, retries, error mapping and paging (with jamfctl.paging).

Network code never prints; it raises jamfctl.errors types and logs (redacted) to `jamfctl.http`.
"""
from __future__ import annotations

import email.utils
import functools
import json
import logging
import math
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, NamedTuple

import httpx

from jamfctl import __version__, redact, wire
from jamfctl.auth import BearerAuth, Credentials, Keychain, TokenProvider
from jamfctl.paging import Pager
from jamfctl.errors import (
    AuthError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    RejectedError,
    ServerError,
    UnavailableError,
    UsageError,
)
from jamfctl.writes import Request

log = logging.getLogger("jamfctl.http")

MAX_CONNECTIONS = 5  # Jamf's guidance for one API client
MAX_PAGE_SIZE = 2000  # the server silently caps larger pages
TOKEN_PATH = "/api/oauth/token"
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: attempts per kind of failure and in all, exponential backoff with jitter, a capped
    Retry-After and a total time budget. `next_wait` decides; the client only sleeps."""

    status_attempts: int = 8  # 429/502/503/504
    broken_attempts: int = 8  # connection reset / dropped mid-response
    connect_attempts: int = 3  # nothing listening: fail fast
    timeout_attempts: int = 2  # each one already waited a full timeout
    total_attempts: int = 8  # whatever mix of failures: no request is tried more often than this
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    total_budget: float = 180.0
    jitter: Callable[[float, float], float] = field(default=random.uniform, repr=False, compare=False)

    def attempts(self, kind: str) -> int:
        """Tries allowed for one kind of failure: "status", "broken", "connect" or "timeout"."""
        return {"status": self.status_attempts, "broken": self.broken_attempts,
                "connect": self.connect_attempts, "timeout": self.timeout_attempts}[kind]

    def backoff(self, retry: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return self.jitter(ceiling / 2, ceiling)

    def next_wait(self, kind: str, failures: Mapping[str, int], elapsed: float,
                  retry_after: float | None) -> float | None:
        """Seconds to wait before the next try, or None to give up.

        `failures` counts the failures so far by kind, this one included; `elapsed` is the seconds since
        the first try; `retry_after` is what the server asked for, honoured up to max_retry_after."""
        retries = sum(failures.values())
        if failures.get(kind, 0) >= self.attempts(kind) or retries >= self.total_attempts:
            return None
        wait = max(min(retry_after or 0.0, self.max_retry_after), self.backoff(retries))
        return None if elapsed + wait > self.total_budget else wait


def ssl_context(ca_bundle: str | None):
    """The system trust store (corporate TLS inspection works), plus an optional extra CA bundle.

    Built once per process for each bundle (file) and shared by every client: loading a trust store is
    the costly part of a TLS context, and doctor, multi and paging build several clients."""
    key = None
    if ca_bundle:
        try:
            stat = os.stat(ca_bundle)
            key = (ca_bundle, stat.st_mtime_ns, stat.st_size)  # a rewritten bundle is read again
        except OSError:
            key = (ca_bundle, None, None)  # loading it fails below, with the message; failures are not cached
    return _ssl_context(key)


@functools.lru_cache(maxsize=8)
def _ssl_context(key: tuple | None):
    import ssl

    import truststore

    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if key:
        try:
            ctx.load_verify_locations(cafile=key[0])
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"cannot use the CA bundle {key[0]!r} (--ca-bundle or JAMFCTL_CA_BUNDLE): "
                             f"{type(exc).__name__}") from None
    return ctx


@functools.cache
def no_tls_context():
    """For a plain-http (loopback) client: httpx would otherwise load certifi's bundle into a context it never
    uses (~15 ms). This one trusts nothing, so an https URL reaching such a client could not connect."""
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verification required, no CA loaded


# A token goes into a header line: printable ASCII only (httpx cannot send other characters, and CR/LF
# would split the header). Stricter RFC 6750 b64token rules are the server's business.
HEADER_SAFE_TOKEN_RE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")


def _tls_failure(exc: BaseException, label: str) -> str | None:
    """A plain message when a connection failed in the TLS handshake (httpx wraps the ssl error)."""
    import ssl

    seen: BaseException | None = exc
    for _ in range(5):  # walk the short cause chain httpx/httpcore build
        seen = seen.__cause__ or seen.__context__ if seen is not None else None
        if isinstance(seen, ssl.SSLCertVerificationError):
            reason = (seen.verify_message or "verification failed").rstrip(".")
            if "mismatch" in reason:
                return f"the TLS certificate of {label} is not valid for this host ({reason}); check the URL"
            return (f"cannot verify the TLS certificate of {label} ({reason}); if your network inspects TLS, "
                    "pass its CA certificate with --ca-bundle or JAMFCTL_CA_BUNDLE")
        if isinstance(seen, ssl.SSLError):
            reason = seen.reason or type(seen).__name__
            return f"the TLS handshake with {label} failed ({reason}); check that the URL is its https address"
    return None


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (a number or an HTTP date), uncapped; None if unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return None if math.isnan(seconds) else max(seconds, 0.0)  # "nan" would reach time.sleep


def _jamf_error_text(response: httpx.Response) -> str:
    """`CODE: description` from Jamf's error body (or RFC 6749's), sanitised and short."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    parts = []
    if isinstance(body, dict):
        for err in body.get("errors") or []:
            if isinstance(err, dict):
                code, desc = err.get("code") or "", err.get("description") or ""
                field = f" ({err['field']})" if err.get("field") else ""
                parts.append(f"{code}: {desc}{field}".strip(": "))
        if body.get("error"):
            parts.append(str(body["error"]))
    text = "; ".join(str(p) for p in parts)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return redact.scrub(text)[:300]


class Listing:
    """The records of one paged listing, streamed; `total_count` is the server's totalCount (before any
    --limit), known once the first page has been read. Each listing carries its own, so a command that
    runs two listings never reads the other's."""

    def __init__(self) -> None:
        self.total_count: int | None = None
        self._records: Iterator[Any] = iter(())

    def __iter__(self) -> Iterator[Any]:
        return self._records

    def map(self, convert: Callable[[Any], Any]) -> Listing:
        """Convert each record as it streams past (e.g. into a model); the total_count stays this one's."""
        self._records = map(convert, self._records)
        return self


class _Failed(NamedTuple):
    kind: str  # "broken", "connect" or "timeout" (see RetryPolicy.attempts)
    error: NetworkError


class JamfClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        ca_bundle: str | None = None,
        max_connections: int = MAX_CONNECTIONS,
        retry: RetryPolicy | None = None,
        page_size: int | None = None,
        label: str = "Jamf Pro",
        credentials: Credentials | None = None,
        keychain: Keychain | None = None,
    ) -> None:
        """`credentials` authenticate every request but the token request; `keychain` caches tokens
        between runs (None: in memory only). Without credentials, only unauthenticated requests work."""
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.page_size = page_size or MAX_PAGE_SIZE  # the largest page it asks for; paginate can only lower it
        self.label = label  # how messages name the server ("the sandbox" in sandbox mode)
        self.max_connections = max(1, min(max_connections, MAX_CONNECTIONS))
        # Tokens come from this client's own token request: the same transport, timeouts and retries.
        self.tokens = TokenProvider(credentials, self.request_token, keychain) if credentials else None
        self._auth = BearerAuth(self.tokens) if self.tokens else None
        verify: Any = True  # an injected transport has its own (httpx builds no context then)
        if transport is None:
            verify = ssl_context(ca_bundle) if self.base_url.startswith("https://") else no_tls_context()
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),  # connect, read, write and pool alike
            limits=httpx.Limits(max_connections=self.max_connections, max_keepalive_connections=self.max_connections),
            headers={"User-Agent": f"jamfctl/{__version__}", "Accept": "application/json"},
            transport=transport,
            verify=verify,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JamfClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- tokens -----------------------------------------------------------------------------------
    def request_token(self, credentials: Credentials) -> tuple[str, float]:
        """OAuth2 client credentials; retried like an idempotent request (it has no side effect)."""
        form = {
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.secret,
        }
        response = self._send("POST", TOKEN_PATH, data=form, authenticate=False, idempotent=True)
        if response.status_code in (400, 401, 403):
            reason = _jamf_error_text(response) or f"HTTP {response.status_code}"
            raise AuthError(
                f"{self.label} refused the API client credentials ({reason}); check the client id and secret"
            )
        self._raise_for_status(response, "POST", TOKEN_PATH, privilege=None)
        try:
            body = response.json()
            token, expires_in = body["access_token"], float(body.get("expires_in") or 60)
        except (ValueError, KeyError, TypeError):
            raise ServerError(f"{self.label} sent an unexpected answer to the token request") from None
        if not isinstance(token, str) or not token:
            raise ServerError(f"{self.label} sent an empty access token")
        redact.register_secret(token)
        if not HEADER_SAFE_TOKEN_RE.fullmatch(token):
            raise ServerError(f"{self.label} sent an access token with characters an HTTP header cannot carry")
        return token, expires_in

    # --- requests ---------------------------------------------------------------------------------
    def get_json(self, path: str, params: Any = None, *, privilege: str | None = None) -> Any:
        response = self._send("GET", path, params=params, idempotent=True)
        self._raise_for_status(response, "GET", path, privilege=privilege)
        return self._decode(response.content, "GET", path)

    def _decode(self, content: bytes, method: str, path: str) -> Any:
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            raise ServerError(
                f"{self.label} sent an incomplete or invalid JSON response to {method} {path}; try again"
            ) from None

    def send(self, request: Request) -> Any:
        """One declared request (a write, usually): its answer's JSON, or None for an empty or non-JSON body.
        Logged redacted with --debug; a POST is sent again only after a connect error (it never left)."""
        log.debug("write: %s", request.shown())
        response = self._send(request.method, request.path, params=list(request.params) or None,
                              body=request.body(), idempotent=request.idempotent)
        self._raise_for_status(response, request.method, request.path, privilege=request.privilege)
        if not response.content or "json" not in response.headers.get("content-type", ""):
            return None
        return self._decode(response.content, request.method, request.path)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        data: dict | None = None,
        body: tuple[bytes, str] | None = None,
        authenticate: bool = True,
        idempotent: bool,
    ) -> httpx.Response:
        """Send with bounded retries (RetryPolicy.next_wait decides). A failure while the body is read is
        retried like one before it; a non-idempotent request is sent again only after a connect error."""
        if authenticate and self._auth is None:
            raise AuthError("no credentials: run `jamfctl login` or set the JAMF_* environment variables")
        auth = self._auth if authenticate else None
        started = time.monotonic()
        failures: dict[str, int] = {}
        while True:
            outcome = self._attempt(method, path, params, data, auth, body)
            if isinstance(outcome, httpx.Response):
                if outcome.status_code not in RETRY_STATUSES or not idempotent:
                    return outcome
                kind, retry_after = "status", _retry_after(outcome)
            else:
                kind, retry_after = outcome.kind, None
                log.debug("%s %s failed: %s", method, path, kind)
            failures[kind] = failures.get(kind, 0) + 1
            wait = None
            if idempotent or kind == "connect":  # a connect error means the request never left
                wait = self.retry.next_wait(kind, failures, time.monotonic() - started, retry_after)
            if wait is None:
                if isinstance(outcome, httpx.Response):
                    return outcome  # mapped to an exit code by _raise_for_status
                raise outcome.error
            log.debug("retrying %s %s in %.2f s (%s, retry %d)", method, path, wait, kind, sum(failures.values()))
            time.sleep(wait)

    def _attempt(self, method: str, path: str, params: Any, data: dict | None,
                 auth: httpx.Auth | None, body: tuple[bytes, str] | None = None) -> httpx.Response | _Failed:
        """One try, the whole body read (bounded): a transient failure comes back as _Failed."""
        t0 = time.monotonic()
        content, headers = (body[0], {"Content-Type": body[1]}) if body else (None, None)
        try:
            request = self._http.build_request(method, path, params=params, data=data, content=content,
                                               headers=headers)
            response = self._http.send(request, auth=auth, stream=True)
            try:
                wire.read_body(response)
            finally:
                response.close()
        except wire.ResponseTooLarge:
            raise ServerError(
                f"{self.label} sent a response larger than {wire.MAX_RESPONSE_BYTES // 2**20} MiB to {method} {path}; "
                "jamfctl stopped reading it"
            ) from None
        except httpx.TimeoutException as exc:
            return _Failed("timeout", NetworkError(
                f"{self.label} did not answer within the timeout ({type(exc).__name__}); "
                "check the network or raise --timeout"
            ))
        except httpx.ConnectError as exc:
            tls = _tls_failure(exc, self.label)
            if tls is not None:  # not transient: retrying a certificate that fails to verify cannot help
                raise NetworkError(tls) from None
            return _Failed("connect", NetworkError(
                f"cannot connect to {self.label}: check the URL and the network (connection refused or unreachable)"
            ))
        except httpx.TransportError as exc:
            return _Failed("broken", NetworkError(
                f"the connection to {self.label} broke ({type(exc).__name__}); try again"
            ))
        log.debug("%s %s -> %s (%.0f ms)", method, redact.scrub(str(response.request.url.raw_path, "ascii", "replace")),
                  response.status_code, (time.monotonic() - t0) * 1000)
        return response

    def _raise_for_status(self, response: httpx.Response, method: str, path: str, *, privilege: str | None) -> None:
        status = response.status_code
        if status < 400:
            if status >= 300:
                raise ServerError(f"{self.label} answered {method} {path} with a redirect ({status}); check the URL")
            return
        reason = _jamf_error_text(response)
        detail = f" ({reason})" if reason else ""
        if status == 401:
            raise AuthError(f"{self.label} refused the access token (401){detail}; run `jamfctl login` again")
        if status == 403:
            try:
                from jamfctl.api_schema import privileges_for
            except ImportError:  # a checkout without the schema index: the caller's word only
                privileges_for = None
            in_schema = privileges_for(method, path) if privileges_for else []
            privilege = privilege or "' and '".join(in_schema) or None  # the caller's names, else the schema's
            names = [n.strip(" '") for n in re.split(r"' and '|, ", privilege or "") if n.strip(" '")]
            # Names the schema does not give for this endpoint (MDM's per-command "Send ..." privileges): checked
            # against the server's own list where this client may read it (Read API Roles); silent where it may not.
            unlisted = []
            for name in [n for n in names if n not in in_schema][:3] if self._auth is not None else []:
                try:
                    found = self._send("GET", "/api/v1/api-role-privileges/search",
                                       params={"name": name, "limit": "50"}, idempotent=True)
                    if found.status_code != 200:
                        break
                    listed = json.loads(found.content).get("privileges") or []
                except Exception:  # noqa: BLE001 - the 403 is the error to report, whatever this lookup meets
                    break
                if name not in listed:
                    unlisted.append(name)
            need = f": the API role needs the '{privilege}' privilege" if privilege else ""
            if unlisted:
                need += (f" (this server lists no privilege named {', '.join(map(repr, unlisted))}: see Settings > "
                         "API roles and clients for the name it uses)")
            raise ForbiddenError(f"{self.label} denied {method} {path} (403){need}")
        if status == 404:
            raise NotFoundError(f"not found: {method} {path} (404){detail}")
        if status in (429, 503):
            raise UnavailableError(
                f"{self.label} is rate limiting or unavailable ({status}) after retries; try again later"
            )
        if 400 <= status < 500:
            raise RejectedError(f"{self.label} rejected the request ({status}){detail}; check the command's arguments")
        retried = " after retries" if status in RETRY_STATUSES else ""
        raise ServerError(f"{self.label} failed with HTTP {status} for {method} {path}{retried}; try again later")

    # --- paging -----------------------------------------------------------------------------------
    def paginate(
        self,
        path: str,
        params: list[tuple[str, str]],
        *,
        page_size: int | None = None,
        limit: int | None = None,
        privilege: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Listing:
        """The records of a paged list endpoint, in order, as a `Listing` (which carries `totalCount`).
        Nothing is sent until the listing is iterated; see jamfctl.paging for how pages are fetched."""
        size = max(1, min(page_size or MAX_PAGE_SIZE, self.page_size, MAX_PAGE_SIZE, limit or MAX_PAGE_SIZE))

        def fetch(number: int) -> bytes:
            return self._page_body(path, [*params, ("page", str(number)), ("page-size", str(size))], privilege)

        listing = Listing()
        pager = Pager(fetch, listing, page_size=size, limit=limit, window=self.max_connections,
                      label=self.label, path=path, on_progress=on_progress)
        listing._records = pager.records()
        return listing

    def _page_body(self, path: str, params: list[tuple[str, str]], privilege: str | None) -> bytes:
        response = self._send("GET", path, params=params, idempotent=True)
        self._raise_for_status(response, "GET", path, privilege=privilege)
        return wire.take_body(response)  # the response lets go of it, so a page is freed with its text
