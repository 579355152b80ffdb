"""The HTTP client: tokens, retries, error mapping and paging, against a fake Jamf at the transport."""
from __future__ import annotations

import email.utils
import logging
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

import httpx
import pytest

from jamfctl import client as client_module
from jamfctl.auth import Credentials
from jamfctl.client import JamfClient, RetryPolicy
from jamfctl.errors import (
    AuthError,
    ExitCode,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    RejectedError,
    ServerError,
    UnavailableError,
)

URL = "https://acme.jamfcloud.com"
SECRET = "Cl13nt-S3cret-For-Tests-0042"
CLIENT_ID = "1a2b3c4d"
FAST = RetryPolicy(base_delay=0.001, max_delay=0.01)
VERSION = "/api/v1/jamf-pro-version"
INVENTORY = "/api/v4/computers-inventory"


class FakeJamf:
    """A Jamf Pro stand-in: answers the token endpoint itself and hands API requests to `api`."""

    def __init__(self, api=None, token_endpoint=None) -> None:
        self.api = api or (lambda request: httpx.Response(200, json={"version": "11.30.1"}))
        self.token_endpoint = token_endpoint
        self.token_requests: list[httpx.Request] = []
        self.api_requests: list[httpx.Request] = []
        self.issued: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth/token":
            with self.lock:
                self.token_requests.append(request)
                if self.token_endpoint is not None:
                    return self.token_endpoint(request)
                token = f"access-token-{len(self.issued) + 1}-qwertyuiop"
                self.issued.append(token)
            return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": 1200})
        with self.lock:
            self.api_requests.append(request)
        return self.api(request)


def sequence(*steps):
    """An API handler answering with each step in turn (the last one repeats).

    A step is an int (status), a (status, json, headers) tuple, or an httpx exception class to raise.
    """
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        step = steps[min(calls["n"], len(steps) - 1)]
        calls["n"] += 1
        if isinstance(step, type) and issubclass(step, Exception):
            raise step("simulated failure", request=request)
        if isinstance(step, int):
            step = (step, {"ok": step < 400}, {})
        status, body, headers = step
        return httpx.Response(status, json=body, headers=headers)

    return handler


class FakeTime:
    """Stands in for the `time` module inside jamfctl.client: sleeps are recorded, not slept."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(client_module, "time", fake)
    return fake


@pytest.fixture
def make_client():
    """make_client(server, **options) -> a JamfClient talking to `server`, with credentials set."""
    made: list[JamfClient] = []

    def factory(server: FakeJamf, **options) -> JamfClient:
        options.setdefault("retry", FAST)
        creds = Credentials(URL, CLIENT_ID, SECRET, "keychain", "prod")
        jamf = JamfClient(URL, transport=httpx.MockTransport(server), credentials=creds, **options)
        made.append(jamf)
        return jamf

    yield factory
    for jamf in made:
        jamf.close()


# --- tokens ---------------------------------------------------------------------------------------
def test_token_request_is_an_oauth_client_credentials_form(make_client):
    """POST /api/oauth/token with grant_type, client_id and client_secret as a form, no bearer header."""
    server = FakeJamf()
    make_client(server).get_json(VERSION)
    (request,) = server.token_requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }
    assert "authorization" not in request.headers


def test_api_requests_carry_the_bearer_token_and_reuse_it(make_client):
    """Every API call sends `Authorization: Bearer <token>`; one token serves many calls."""
    server = FakeJamf()
    jamf = make_client(server)
    for _ in range(3):
        assert jamf.get_json(VERSION) == {"version": "11.30.1"}
    assert len(server.token_requests) == 1
    assert [r.headers["authorization"] for r in server.api_requests] == [f"Bearer {server.issued[0]}"] * 3
    assert server.api_requests[0].headers["user-agent"].startswith("jamfctl/")


def test_a_401_on_an_api_call_refreshes_the_token_once_and_retries(make_client):
    """A token revoked early is replaced transparently."""
    server = FakeJamf()
    server.api = lambda r: (httpx.Response(401) if r.headers["authorization"].endswith(server.issued[0])
                            else httpx.Response(200, json={"version": "11.30.1"}))
    assert make_client(server, timeout=12.5).get_json(VERSION) == {"version": "11.30.1"}
    assert len(server.issued) == 2
    assert [r.headers["authorization"] for r in server.api_requests] == [f"Bearer {t}" for t in server.issued]
    timeouts = [r.extensions["timeout"] for r in server.api_requests]  # the retried request keeps --timeout
    assert timeouts[0] == timeouts[1] == {"connect": 12.5, "read": 12.5, "write": 12.5, "pool": 12.5}


def test_a_401_that_persists_is_an_auth_error_after_one_refresh(make_client):
    """No refresh loop: two tokens, two tries, then exit 3."""
    server = FakeJamf(api=sequence(401))
    with pytest.raises(AuthError) as info:
        make_client(server).get_json(VERSION)
    assert info.value.exit_code == ExitCode.AUTH == 3
    assert len(server.api_requests) == 2 and len(server.token_requests) == 2
    assert "jamfctl login" in info.value.message


def test_wrong_client_secret_is_an_auth_error(make_client):
    """401 invalid_client at the token endpoint: exit 3, no API request, no retry, no secret shown."""
    server = FakeJamf(token_endpoint=lambda r: httpx.Response(401, json={"error": "invalid_client"}))
    with pytest.raises(AuthError) as info:
        make_client(server).get_json(VERSION)
    assert info.value.exit_code == 3
    assert "invalid_client" in info.value.message
    assert "client id and secret" in info.value.message
    assert SECRET not in info.value.message
    assert len(server.token_requests) == 1 and server.api_requests == []


@pytest.mark.parametrize("body", [b"<html>login</html>", b'{"token_type": "Bearer"}', b'{"access_token": ""}'])
def test_an_unusable_token_answer_is_a_server_error(make_client, body):
    """A 200 without a usable access_token is reported plainly (exit 1)."""
    server = FakeJamf(token_endpoint=lambda r: httpx.Response(200, content=body))
    with pytest.raises(ServerError) as info:
        make_client(server).get_json(VERSION)
    assert info.value.exit_code == 1
    assert "token" in info.value.message


def test_no_credentials_is_an_auth_error_before_sending():
    """A client without a token provider refuses to send an API request."""
    server = FakeJamf()
    with JamfClient(URL, transport=httpx.MockTransport(server), retry=FAST) as jamf:
        with pytest.raises(AuthError, match="jamfctl login"):
            jamf.get_json(VERSION)
    assert server.api_requests == []


# --- retries --------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_transient_statuses_are_retried(make_client, status):
    """429/502/503/504 are retried for GET, then the answer is used."""
    server = FakeJamf(api=sequence(status, status, (200, {"version": "11.30.1"}, {})))
    assert make_client(server).get_json(VERSION) == {"version": "11.30.1"}
    assert len(server.api_requests) == 3


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [(429, UnavailableError, 6), (503, UnavailableError, 6), (502, ServerError, 1), (504, ServerError, 1)],
)
def test_retries_are_bounded_in_count(make_client, status, error, code):
    """A server that keeps failing gets `status_attempts` tries, then the mapped error."""
    server = FakeJamf(api=sequence(status))
    jamf = make_client(server, retry=RetryPolicy(status_attempts=4, base_delay=0.001, max_delay=0.01))
    with pytest.raises(error) as info:
        jamf.get_json(VERSION)
    assert info.value.exit_code == code
    assert len(server.api_requests) == 4


@pytest.mark.parametrize("exc", [httpx.ReadError, httpx.RemoteProtocolError])
def test_broken_connections_are_retried_for_get(make_client, exc):
    """A connection reset or a response cut off mid-way is tried again."""
    server = FakeJamf(api=sequence(exc, exc, (200, {"version": "11.30.1"}, {})))
    assert make_client(server).get_json(VERSION) == {"version": "11.30.1"}
    assert len(server.api_requests) == 3


@pytest.mark.parametrize("exc", [httpx.ReadError, httpx.RemoteProtocolError])
def test_broken_connections_are_bounded_and_end_as_network_errors(make_client, exc):
    """After `broken_attempts` tries: exit 7 with a plain message."""
    server = FakeJamf(api=sequence(exc))
    jamf = make_client(server, retry=RetryPolicy(broken_attempts=3, base_delay=0.001, max_delay=0.01))
    with pytest.raises(NetworkError) as info:
        jamf.get_json(VERSION)
    assert info.value.exit_code == ExitCode.NETWORK == 7
    assert len(server.api_requests) == 3
    assert "simulated failure" not in info.value.message  # internals stay out of the message


def test_non_idempotent_requests_are_not_retried(make_client):
    """A POST that got 503 may have done its work: it is not sent twice."""
    server = FakeJamf(api=sequence(503))
    response = make_client(server)._send("POST", "/api/v2/mdm/commands", idempotent=False)
    assert response.status_code == 503
    assert len(server.api_requests) == 1


def test_connection_refused_is_a_network_error_after_a_few_tries(make_client):
    """Nothing listening: fail fast (connect_attempts tries), exit 7, say what to check."""
    server = FakeJamf(api=sequence(httpx.ConnectError))
    with pytest.raises(NetworkError) as info:
        make_client(server).get_json(VERSION)
    assert info.value.exit_code == 7
    assert "cannot connect" in info.value.message
    assert len(server.api_requests) == RetryPolicy().connect_attempts


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout])
@pytest.mark.parametrize("attempts", [1, 2, 3])
def test_timeouts_end_as_network_errors_after_timeout_attempts(make_client, exc, attempts):
    """Each timeout already waited a full --timeout, so only `timeout_attempts` tries, then exit 7."""
    server = FakeJamf(api=sequence(exc))
    jamf = make_client(server, retry=RetryPolicy(timeout_attempts=attempts, base_delay=0.001, max_delay=0.01))
    with pytest.raises(NetworkError) as info:
        jamf.get_json(VERSION)
    assert info.value.exit_code == 7
    assert "--timeout" in info.value.message
    assert len(server.api_requests) == attempts


def test_every_request_has_a_timeout():
    """Connect, read, write and pool timeouts are all set from --timeout."""
    with JamfClient(URL, timeout=12.5, transport=httpx.MockTransport(FakeJamf())) as jamf:
        t = jamf._http.timeout
        assert (t.connect, t.read, t.write, t.pool) == (12.5, 12.5, 12.5, 12.5)


def test_retry_after_seconds_is_honoured(make_client, fake_time):
    """The wait before the retry is at least what the server asked for."""
    server = FakeJamf(api=sequence((429, {}, {"Retry-After": "3"}), (200, {"version": "11.30.1"}, {})))
    make_client(server).get_json(VERSION)
    (delay,) = fake_time.sleeps
    assert 3 <= delay <= 3 + FAST.max_delay


def test_retry_after_http_date_is_honoured(make_client, fake_time):
    """Retry-After may be a date: the wait is the time until then."""
    when = datetime.fromtimestamp(fake_time.now + 10, tz=timezone.utc)
    header = email.utils.format_datetime(when, usegmt=True)
    server = FakeJamf(api=sequence((503, {}, {"Retry-After": header}), (200, {"version": "11.30.1"}, {})))
    make_client(server).get_json(VERSION)
    (delay,) = fake_time.sleeps
    assert 9 <= delay <= 10 + FAST.max_delay


def test_retry_after_is_capped(make_client, fake_time):
    """A server asking for an hour gets max_retry_after, no more."""
    server = FakeJamf(api=sequence((429, {}, {"Retry-After": "3600"}), (200, {"version": "11.30.1"}, {})))
    jamf = make_client(server, retry=RetryPolicy(max_retry_after=5, base_delay=0.001, max_delay=0.01))
    jamf.get_json(VERSION)
    assert fake_time.sleeps == [5]


def test_unreadable_retry_after_falls_back_to_backoff(make_client, fake_time):
    """Garbage in Retry-After is ignored, not a crash."""
    server = FakeJamf(api=sequence((503, {}, {"Retry-After": "soon-ish"}), (200, {"version": "11.30.1"}, {})))
    make_client(server).get_json(VERSION)
    (delay,) = fake_time.sleeps
    assert 0 < delay <= FAST.max_delay


def test_backoff_is_exponential_with_jitter_and_capped(make_client, fake_time):
    """Waits double from base_delay (each within [half, full]) up to max_delay."""
    server = FakeJamf(api=sequence(503))
    jamf = make_client(server, retry=RetryPolicy(status_attempts=6, base_delay=1.0, max_delay=4.0))
    with pytest.raises(UnavailableError):
        jamf.get_json(VERSION)
    ceilings = [1, 2, 4, 4, 4]
    assert len(fake_time.sleeps) == len(ceilings)
    for delay, ceiling in zip(fake_time.sleeps, ceilings):
        assert ceiling / 2 <= delay <= ceiling


def test_retries_stop_within_the_total_time_budget(make_client, fake_time):
    """However many attempts are allowed, the waits never exceed total_budget."""
    server = FakeJamf(api=sequence((503, {}, {"Retry-After": "4"})))
    jamf = make_client(server, retry=RetryPolicy(status_attempts=100, total_budget=10, base_delay=0.001, max_delay=0.01))
    with pytest.raises(UnavailableError):
        jamf.get_json(VERSION)
    assert sum(fake_time.sleeps) <= 10
    assert len(server.api_requests) == 3  # waits of 4 + 4; a third wait would pass 10 s


# --- error mapping --------------------------------------------------------------------------------
def jamf_error(status: int, description: str, code: str = "INVALID_ID") -> tuple:
    return (status, {"httpStatus": status, "errors": [{"code": code, "description": description, "id": "0"}]}, {})


def test_404_is_not_found_with_jamf_description(make_client):
    """Exit 4; the server's own explanation is included."""
    server = FakeJamf(api=sequence(jamf_error(404, "Computer with id 99 not found")))
    with pytest.raises(NotFoundError) as info:
        make_client(server).get_json(f"{INVENTORY}/99")
    assert info.value.exit_code == ExitCode.NOT_FOUND == 4
    assert "Computer with id 99 not found" in info.value.message
    assert len(server.api_requests) == 1


def test_403_is_forbidden_and_names_the_missing_privilege(make_client):
    """Exit 5; the message says which privilege the API role needs."""
    server = FakeJamf(api=sequence(403))
    with pytest.raises(ForbiddenError) as info:
        make_client(server).get_json(INVENTORY, privilege="Read Computers")
    assert info.value.exit_code == ExitCode.FORBIDDEN == 5
    assert "'Read Computers'" in info.value.message
    assert INVENTORY in info.value.message


def test_500_is_a_server_error_and_not_retried(make_client):
    """A plain server failure is exit 1 and is not hammered."""
    server = FakeJamf(api=sequence(500))
    with pytest.raises(ServerError) as info:
        make_client(server).get_json(VERSION)
    assert info.value.exit_code == 1
    assert "500" in info.value.message
    assert len(server.api_requests) == 1


def test_other_4xx_is_a_rejection_with_the_jamf_description(make_client):
    """400 means the server refused the request as sent: exit 1 with the server's reason (not 2, which
    promises that nothing was sent), and no retry."""
    server = FakeJamf(api=sequence(jamf_error(400, "Invalid filter field", code="INVALID_FIELD")))
    with pytest.raises(RejectedError) as info:
        make_client(server).get_json(INVENTORY)
    assert info.value.exit_code == 1 and info.value.kind == "rejected"
    assert "INVALID_FIELD: Invalid filter field" in info.value.message
    assert len(server.api_requests) == 1


def test_mixed_failures_share_one_bound_on_attempts(make_client):
    """Each failure kind has its own bound, and all kinds together share one: 503s then resets then 503s
    cannot add up past total_attempts."""
    steps = [503, 503, 503, httpx.ReadError, httpx.ReadError, httpx.ReadError, 503, httpx.ReadError, 503, 503]
    server = FakeJamf(api=sequence(*steps, 200))
    with pytest.raises((UnavailableError, NetworkError)):
        make_client(server).get_json(INVENTORY)
    assert len(server.api_requests) == FAST.total_attempts == 8


def test_redirect_is_a_server_error_pointing_at_the_url(make_client):
    """A 302 (e.g. to an SSO page) means the URL is wrong; it is not followed."""
    server = FakeJamf(api=sequence((302, {}, {"Location": "https://sso.example/login"})))
    with pytest.raises(ServerError, match="check the URL"):
        make_client(server).get_json(VERSION)


@pytest.mark.parametrize("content", [b'{"results": [', b"<html>Service Unavailable</html>", b"", b"[" * 100_000])
def test_invalid_json_is_a_plain_server_error(make_client, content):
    """Broken JSON, HTML or hostile nesting: one plain line, no parser internals."""
    server = FakeJamf(api=lambda r: httpx.Response(200, content=content))
    with pytest.raises(ServerError) as info:
        make_client(server).get_json(VERSION)
    message = info.value.message
    assert "invalid JSON" in message
    assert "Expecting" not in message and "line 1" not in message and "\n" not in message


def test_jamf_error_description_is_sanitised(make_client):
    """Control characters, secrets and bearer tokens in an error body never reach the terminal."""
    jamf = make_client(FakeJamf())
    jamf.get_json(VERSION)  # mints a token, which is now a known secret
    token = jamf.tokens.current().value
    hostile = f"bad\x1b]0;pwned\x07 id\nsecret {SECRET} token {token} Bearer abcdefghijklmnop " + "x" * 2000
    jamf._http._transport = httpx.MockTransport(FakeJamf(api=sequence(jamf_error(404, hostile))))
    with pytest.raises(NotFoundError) as info:
        jamf.get_json(f"{INVENTORY}/1")
    message = info.value.message
    assert message.isprintable()
    assert SECRET not in message and token not in message and "abcdefghijklmnop" not in message
    assert "INVALID_ID" in message
    assert len(message) < 500


# --- nothing secret in logs or messages -----------------------------------------------------------
def test_secret_and_tokens_never_appear_in_debug_logs_or_errors(make_client, caplog, monkeypatch):
    """A run with a token refresh, retries and an error logs at DEBUG without any secret or token."""
    monkeypatch.setattr(logging.getLogger("jamfctl"), "propagate", True)  # a CLI test may have turned it off
    caplog.set_level(logging.DEBUG, logger="jamfctl")
    server = FakeJamf()
    steps = iter([httpx.Response(401), httpx.Response(503), httpx.Response(200, json={"ok": True})])
    server.api = lambda r: next(steps, None) or httpx.Response(404, json={"errors": [{"code": "X", "description": "gone"}]})
    jamf = make_client(server)
    errors = []
    jamf.get_json(VERSION)
    for path in (VERSION, f"{VERSION}?token=1"):
        try:
            jamf.get_json(path)
        except NotFoundError as exc:
            errors.append(exc)
    server.token_endpoint = lambda r: httpx.Response(401, json={"error": "invalid_client", "error_description": SECRET})
    jamf.tokens.invalidate(jamf.tokens.current().value)
    try:
        jamf.get_json(VERSION)
    except AuthError as exc:
        errors.append(exc)

    assert len(server.issued) == 2 and len(errors) == 3
    messages = [record.getMessage() for record in caplog.records]
    assert any("retrying" in m for m in messages) and any("401" in m for m in messages)  # logging did happen
    everything = "\n".join(messages + [caplog.text] + [str(e) for e in errors] + [e.message for e in errors])
    for value in [SECRET, *server.issued]:
        assert value not in everything


# --- paging ---------------------------------------------------------------------------------------
class Fleet:
    """A paged inventory endpoint over `size` records, tracking pages asked for and concurrency."""

    def __init__(self, size: int, *, delay: float = 0.0, fail_page: int | None = None, honest: bool = True) -> None:
        self.records = [{"id": str(i), "general": {"name": f"Mac-{i:05d}"}} for i in range(size)]
        self.delay = delay
        self.fail_page = fail_page
        self.honest = honest  # False: pages past the end are still full (the client must stop by totalCount)
        self.pages: list[tuple[int, int]] = []
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        size = int(request.url.params["page-size"])
        with self.lock:
            self.pages.append((page, size))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            if self.delay:
                # Early pages answer last, so arrival order differs from page order.
                time.sleep(self.delay * (1 + (4 - page % 5) / 4))
            if page == self.fail_page:
                return httpx.Response(500, json={"errors": [{"code": "BOOM", "description": "page failed"}]})
            if self.honest:
                results = self.records[page * size:(page + 1) * size]
            else:
                results = [{"id": f"p{page}-{i}"} for i in range(size)]
            return httpx.Response(200, json={"totalCount": len(self.records), "results": results})
        finally:
            with self.lock:
                self.in_flight -= 1


def test_paginate_yields_every_record_in_order_across_pages(make_client):
    """Pages fetched in parallel still come out in page order."""
    fleet = Fleet(123, delay=0.005)
    jamf = make_client(FakeJamf(api=fleet))
    assert list(jamf.paginate(INVENTORY, [("section", "GENERAL")], page_size=10)) == fleet.records
    assert {page for page, _ in fleet.pages} >= set(range(13))


def test_paginate_passes_the_query_parameters_on_every_page(make_client):
    """Filters and sections apply to every page request."""
    server = FakeJamf(api=Fleet(25))
    list(make_client(server).paginate(INVENTORY, [("section", "GENERAL"), ("filter", 'general.name=="a"')], page_size=10))
    for request in server.api_requests:
        assert request.url.params.get_list("section") == ["GENERAL"]
        assert request.url.params["filter"] == 'general.name=="a"'


def test_paginate_sends_at_most_five_requests_at_once(make_client):
    """Jamf's guidance: no more than five concurrent connections to one server."""
    fleet = Fleet(300, delay=0.02)
    records = list(make_client(FakeJamf(api=fleet)).paginate(INVENTORY, [], page_size=10))
    assert len(records) == 300
    assert 2 <= fleet.peak <= 5


@pytest.mark.parametrize(("configured", "allowed"), [(2, 2), (1, 1), (50, 5)])
def test_concurrency_can_be_lowered_but_not_raised_past_five(make_client, configured, allowed):
    """max_connections below 5 is honoured; above 5 is capped."""
    fleet = Fleet(120, delay=0.01)
    records = list(make_client(FakeJamf(api=fleet), max_connections=configured).paginate(INVENTORY, [], page_size=10))
    assert len(records) == 120
    assert fleet.peak <= allowed


@pytest.mark.parametrize(("limit", "page_size"), [(7, 5), (3, 2000), (10, 5), (1, 50)])
def test_paginate_honours_limit(make_client, limit, page_size):
    """--limit N yields exactly the first N records."""
    fleet = Fleet(40)
    records = list(make_client(FakeJamf(api=fleet)).paginate(INVENTORY, [], page_size=page_size, limit=limit))
    assert records == fleet.records[:limit]


def test_a_small_limit_costs_one_small_request(make_client):
    """--limit 3 asks for one page of three, not five pages of 2000."""
    fleet = Fleet(40)
    list(make_client(FakeJamf(api=fleet)).paginate(INVENTORY, [], limit=3))
    assert fleet.pages == [(0, 3)]


@pytest.mark.parametrize("asked", [2001, 5000, 10**9])
def test_page_size_never_exceeds_2000(make_client, asked):
    """The server silently caps pages at 2000, so the client never asks for more."""
    fleet = Fleet(4500)
    records = list(make_client(FakeJamf(api=fleet)).paginate(INVENTORY, [], page_size=asked))
    assert len(records) == 4500
    assert {size for _, size in fleet.pages} == {2000}


def test_each_listing_carries_its_own_total_count(make_client):
    """Two listings on one client: each reports the server's totalCount of its own run (no state on the client)."""
    client = make_client(FakeJamf(api=Fleet(12)))
    first = client.paginate(INVENTORY, [], page_size=5, limit=3)
    assert first.total_count is None  # not known before the first page is read
    assert len(list(first)) == 3 and first.total_count == 12
    second = client.paginate(INVENTORY, [], page_size=5, limit=1)
    assert len(list(second)) == 1 and second.total_count == 12 and first.total_count == 12
    assert not hasattr(client, "total_count")


def test_a_client_page_size_caps_what_any_listing_asks_for(make_client):
    """JamfClient(page_size=N) (AppContext's page_size seam) lowers every page, even one asked for larger."""
    fleet = Fleet(12)
    listing = make_client(FakeJamf(api=fleet), page_size=5).paginate(INVENTORY, [], page_size=2000)
    assert list(listing) == fleet.records and {size for _, size in fleet.pages} == {5}


def test_a_listing_can_convert_its_records_and_keeps_its_total(make_client):
    """Listing.map converts records as they stream; total_count is still the server's."""
    listing = make_client(FakeJamf(api=Fleet(7))).paginate(INVENTORY, [], page_size=5, limit=3).map(lambda r: r["id"])
    assert list(listing) == ["0", "1", "2"] and listing.total_count == 7


def test_paginate_stops_by_total_count(make_client):
    """A server that keeps sending full pages past the end does not make the listing longer."""
    fleet = Fleet(10, honest=False)
    records = list(make_client(FakeJamf(api=fleet)).paginate(INVENTORY, [], page_size=5))
    assert [r["id"] for r in records] == [f"p{p}-{i}" for p in range(2) for i in range(5)]
    assert max(page for page, _ in fleet.pages) < 5  # no page beyond the first wave


def test_paginate_with_no_records(make_client):
    """totalCount 0: nothing yielded, no error."""
    fleet = Fleet(0)
    assert list(make_client(FakeJamf(api=fleet)).paginate(INVENTORY, [], page_size=5)) == []


def test_a_page_failing_mid_way_raises_after_the_earlier_records(make_client):
    """Records before the failed page are streamed out; then the error is raised (exit 1)."""
    fleet = Fleet(60, fail_page=3)
    got = []
    with pytest.raises(ServerError):
        for record in make_client(FakeJamf(api=fleet)).paginate(INVENTORY, [], page_size=5):
            got.append(record)
    assert got == fleet.records[:15]


def test_a_page_without_results_is_a_server_error(make_client):
    """A body that is not a Jamf page is reported, not silently treated as empty."""
    server = FakeJamf(api=lambda r: httpx.Response(200, json={"totalCount": 3}))
    with pytest.raises(ServerError, match="without results"):
        list(make_client(server).paginate(INVENTORY, [], page_size=5))


def test_the_token_is_refreshed_mid_way_through_paging(make_client):
    """A token revoked during a long listing is replaced and the listing completes."""
    fleet = Fleet(50)
    server = FakeJamf()

    def api(request: httpx.Request) -> httpx.Response:
        if int(request.url.params["page"]) >= 4 and request.headers["authorization"].endswith(server.issued[0]):
            return httpx.Response(401)
        return fleet(request)

    server.api = api
    assert list(make_client(server).paginate(INVENTORY, [], page_size=5)) == fleet.records
    assert len(server.issued) == 2


def test_paginate_reports_progress(make_client):
    """on_progress gets (done, wanted) after each page."""
    fleet = Fleet(12)
    seen: list[tuple[int, int]] = []
    list(make_client(FakeJamf(api=fleet)).paginate(INVENTORY, [], page_size=5, on_progress=lambda d, w: seen.append((d, w))))
    assert seen == [(5, 12), (10, 12), (12, 12)]


@pytest.mark.parametrize("token", ["tök-1234567890", "tok\r\nX-Injected: 1", "tok\x00abc", " leading-space"])
def test_a_token_that_cannot_go_in_a_header_is_a_server_error(make_client, token):
    """A token that is not printable ASCII: a plain ServerError (exit 1) that never shows the token, not a
    UnicodeEncodeError or a header injection."""
    server = FakeJamf(token_endpoint=lambda request: httpx.Response(200, json={"access_token": token, "expires_in": 60}))
    with pytest.raises(ServerError) as info:
        make_client(server).get_json(VERSION)
    assert "access token" in info.value.message and token not in info.value.message
    assert server.api_requests == []
