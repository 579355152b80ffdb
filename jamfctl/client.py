"""The one HTTP client: base URL, TLS, timeouts, auth header, retries, error mapping and paging.

Network code never prints; it raises jamfctl.errors types and logs (redacted) to `jamfctl.http`.
"""
from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import httpx

from jamfctl import __version__, redact, wire
from jamfctl.auth import Credentials, TokenProvider
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

log = logging.getLogger("jamfctl.http")

MAX_CONNECTIONS = 5  # Jamf's guidance for one API client
MAX_PAGE_SIZE = 2000  # the server silently caps larger pages
TOKEN_PATH = "/api/oauth/token"
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: attempts per kind of failure, exponential backoff with jitter, a total budget."""

    status_attempts: int = 8  # 429/502/503/504
    broken_attempts: int = 8  # connection reset / dropped mid-response
    connect_attempts: int = 3  # nothing listening: fail fast
    timeout_attempts: int = 2  # each one already waited a full timeout
    total_attempts: int = 8  # whatever mix of failures: no request is tried more often than this
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    total_budget: float = 180.0

    def backoff(self, retry: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)


def ssl_context(ca_bundle: str | None):
    """The system trust store (corporate TLS inspection works), plus an optional extra CA bundle."""
    import ssl

    import truststore

    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_bundle:
        try:
            ctx.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"cannot use the CA bundle {ca_bundle!r} (--ca-bundle or JAMFCTL_CA_BUNDLE): "
                             f"{type(exc).__name__}") from None
    return ctx


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


def _retry_after(response: httpx.Response, cap: float) -> float | None:
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
    return min(max(seconds, 0.0), cap)


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
        self._records: Iterator[dict] = iter(())

    def __iter__(self) -> Iterator[dict]:
        return self._records


class JamfClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        ca_bundle: str | None = None,
        max_connections: int = MAX_CONNECTIONS,
        retry: RetryPolicy = RetryPolicy(),
        label: str = "Jamf Pro",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.label = label  # how messages name the server ("the sandbox" in sandbox mode)
        self.max_connections = max(1, min(max_connections, MAX_CONNECTIONS))
        self.tokens: TokenProvider | None = None
        verify: Any = True
        if transport is None and self.base_url.startswith("https://"):
            verify = ssl_context(ca_bundle)
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

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        data: dict | None = None,
        authenticate: bool = True,
        idempotent: bool,
    ) -> httpx.Response:
        policy = self.retry
        started = time.monotonic()
        failures: dict[str, int] = {}
        refreshed = False
        while True:
            headers = {}
            token = None
            if authenticate:
                if self.tokens is None:
                    raise AuthError("no credentials: run `jamfctl login` or set the JAMF_* environment variables")
                token = self.tokens.token()
                headers["Authorization"] = f"Bearer {token}"
            kind, wait, error = None, 0.0, None
            t0 = time.monotonic()
            try:
                request = self._http.build_request(method, path, params=params, data=data, headers=headers)
                response = self._http.send(request, stream=True)
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
                kind, error = "timeout", NetworkError(
                    f"{self.label} did not answer within the timeout ({type(exc).__name__}); "
                    "check the network or raise --timeout"
                )
            except httpx.ConnectError as exc:
                tls = _tls_failure(exc, self.label)
                if tls is not None:  # not transient: retrying a certificate that fails to verify cannot help
                    raise NetworkError(tls) from None
                kind, error = "connect", NetworkError(
                    f"cannot connect to {self.label}: check the URL and the network (connection refused or unreachable)"
                )
            except httpx.TransportError as exc:
                kind, error = "broken", NetworkError(
                    f"the connection to {self.label} broke ({type(exc).__name__}); try again"
                )
            else:
                elapsed_ms = (time.monotonic() - t0) * 1000
                log.debug("%s %s -> %s (%.0f ms)", method, redact.scrub(str(response.request.url.raw_path, "ascii", "replace")), response.status_code, elapsed_ms)
                if response.status_code == 401 and authenticate and not refreshed:
                    # The token expired or was revoked between our check and the server's: refresh once.
                    refreshed = True
                    self.tokens.invalidate(token)
                    log.debug("401 with a token: refreshing it and retrying once")
                    continue
                if response.status_code not in RETRY_STATUSES or not idempotent:
                    return response
                kind = "status"
                wait = _retry_after(response, policy.max_retry_after) or 0.0
                error = response
            if kind != "status":
                log.debug("%s %s failed: %s", method, path, kind)
            failures[kind] = failures.get(kind, 0) + 1
            limit = {
                "status": policy.status_attempts,
                "broken": policy.broken_attempts,
                "connect": policy.connect_attempts,
                "timeout": policy.timeout_attempts,
            }[kind]
            retries = sum(failures.values())
            wait = max(wait, policy.backoff(retries))
            over_budget = time.monotonic() - started + wait > policy.total_budget
            out_of_attempts = failures[kind] >= limit or retries >= policy.total_attempts
            if not (idempotent or kind == "connect") or out_of_attempts or over_budget:
                if isinstance(error, httpx.Response):
                    return error  # mapped to an exit code by _raise_for_status
                raise error
            log.debug("retrying %s %s in %.2f s (%s, retry %d)", method, path, wait, kind, retries)
            time.sleep(wait)

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
            need = f": the API role needs the '{privilege}' privilege" if privilege else ""
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
        page_size: int = MAX_PAGE_SIZE,
        limit: int | None = None,
        privilege: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Listing:
        """The records of a paged list endpoint, in order, as a `Listing` (which carries `totalCount`)."""
        listing = Listing()
        listing._records = self._pages(listing, path, params, page_size=page_size, limit=limit,
                                       privilege=privilege, on_progress=on_progress)
        return listing

    def _pages(
        self,
        listing: Listing,
        path: str,
        params: list[tuple[str, str]],
        *,
        page_size: int,
        limit: int | None,
        privilege: str | None,
        on_progress: Callable[[int, int], None] | None,
    ) -> Iterator[dict]:
        """Yield records in order, fetching up to `max_connections` pages at once.

        The first wave is sent before `totalCount` is known (pages past the end come back empty), so a
        listing costs ceil(pages / 5) round trips. Raw page bodies wait in a window of at most five;
        each is parsed only when its turn comes, which keeps memory flat however big the fleet.
        """
        page_size = max(1, min(page_size, MAX_PAGE_SIZE, limit or MAX_PAGE_SIZE))
        wire.return_big_buffers_to_the_os()
        window = self.max_connections
        pool = ThreadPoolExecutor(max_workers=window, thread_name_prefix="page")
        pending: deque[tuple[int, Future[bytes]]] = deque()
        next_page = 0
        pages_needed: int | None = None
        wanted = 0
        emitted = 0

        def submit() -> None:
            nonlocal next_page
            page_params = [*params, ("page", str(next_page)), ("page-size", str(page_size))]
            pending.append((next_page, pool.submit(self._page_body, path, page_params, privilege)))
            next_page += 1

        def top_up() -> None:
            while pages_needed is not None and next_page < pages_needed and len(pending) < window:
                submit()

        try:
            for _ in range(1 if limit is not None and limit <= page_size else window):
                submit()
            while pending:
                number, future = pending.popleft()
                if pages_needed is not None and number >= pages_needed:
                    future.cancel()
                    continue
                text = future.result().decode("utf-8", errors="replace")
                del future  # the Future holds the raw body until released
                events = wire.iter_page(text)
                has_results = False
                on_page = 0
                while True:
                    try:
                        key, value = next(events)
                    except StopIteration:
                        break
                    except (ValueError, RecursionError):
                        raise ServerError(
                            f"{self.label} sent an incomplete or invalid JSON page for GET {path}; try again"
                        ) from None
                    if key == "record":
                        if limit is not None and emitted >= limit:
                            return
                        emitted += 1
                        on_page += 1
                        yield value
                    elif key == "results":
                        has_results = value is wire.RESULTS_START
                    elif key == "totalCount" and number == 0:
                        if type(value) is not int or value < 0:
                            raise ServerError(f"{self.label} sent an invalid totalCount for GET {path}")
                        listing.total_count = value
                        wanted = value if limit is None else min(value, limit)
                        pages_needed = math.ceil(wanted / page_size)
                        top_up()  # keep five requests in flight while this page is written out
                del text, events
                if not has_results or pages_needed is None:
                    raise ServerError(f"{self.label} sent a page without results or totalCount for GET {path}")
                last_page = number >= pages_needed - 1
                if (on_page < page_size and not last_page) or (last_page and emitted < wanted):
                    # Fewer records than totalCount promised: the inventory changed mid-run, or the server
                    # is broken. Stop (a hostile totalCount must not mean endless empty pages) and say so.
                    raise ServerError(
                        f"{self.label} reported {wanted} records for GET {path} but page {number} came back short "
                        f"({emitted} so far); the inventory may have changed during the listing, try again"
                    )
                if on_progress is not None:
                    on_progress(emitted, wanted)
                top_up()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _page_body(self, path: str, params: list[tuple[str, str]], privilege: str | None) -> bytes:
        response = self._send("GET", path, params=params, idempotent=True)
        self._raise_for_status(response, "GET", path, privilege=privilege)
        body = response.content
        # An httpx Response sits in a reference cycle (it and its stream point at each other), so it
        # is freed only by the cyclic GC; without this, every multi-megabyte page would wait for it.
        response._content = b""
        return body
