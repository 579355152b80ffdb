"""RetryPolicy.next_wait decides every retry: a pure function of (kind, failures, elapsed, Retry-After),
tested here without a clock. The client's side of the contract (what counts as which kind, what a
non-idempotent request may repeat) is tested through JamfClient at the transport."""
from __future__ import annotations

import httpx
import pytest

from jamfctl.auth import Credentials
from jamfctl.client import JamfClient, RetryPolicy
from jamfctl.errors import NetworkError

KINDS = ("status", "broken", "connect", "timeout")


def highest(low: float, high: float) -> float:
    return high


def lowest(low: float, high: float) -> float:
    return low


def policy(**options) -> RetryPolicy:
    """The default policy with jitter pinned to the top of its range, so that waits are exact."""
    return RetryPolicy(jitter=highest, **options)


# --- attempts -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_gives_up_at_its_own_cap(kind):
    """The n-th failure of a kind with a cap of n is the last try: None, whatever else is left."""
    p = policy(status_attempts=4, broken_attempts=5, connect_attempts=3, timeout_attempts=2, total_attempts=50,
               total_budget=10**6)
    cap = p.attempts(kind)
    for failures in range(1, cap):
        assert p.next_wait(kind, {kind: failures}, 0.0, None) is not None
    assert p.next_wait(kind, {kind: cap}, 0.0, None) is None


def test_the_defaults_per_kind():
    """8 for statuses and broken connections, 3 when nothing listens, 2 timeouts (each a full --timeout)."""
    assert [RetryPolicy().attempts(kind) for kind in KINDS] == [8, 8, 3, 2]
    with pytest.raises(KeyError):
        RetryPolicy().attempts("teapot")


def test_all_kinds_together_share_one_cap():
    """Each kind under its own cap, but 8 failures in all: give up."""
    p = policy(total_budget=10**6)
    assert p.next_wait("status", {"status": 3, "broken": 3, "timeout": 1}, 0.0, None) is not None
    assert p.next_wait("status", {"status": 4, "broken": 3, "timeout": 1}, 0.0, None) is None


# --- waits ----------------------------------------------------------------------------------------
def test_backoff_doubles_from_base_delay_up_to_max_delay():
    """Retry n waits base_delay * 2**(n-1), at most max_delay: the top of the jitter range here."""
    p = policy(base_delay=1.0, max_delay=4.0, status_attempts=100, total_attempts=100, total_budget=10**6)
    waits = [p.next_wait("status", {"status": n}, 0.0, None) for n in range(1, 7)]
    assert waits == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


def test_jitter_spans_the_upper_half_of_the_backoff():
    """The wait is drawn from [ceiling/2, ceiling]; the real jitter stays inside it."""
    assert RetryPolicy(jitter=lowest, base_delay=2.0).next_wait("broken", {"broken": 2}, 0.0, None) == 2.0
    assert RetryPolicy(jitter=highest, base_delay=2.0).next_wait("broken", {"broken": 2}, 0.0, None) == 4.0
    for _ in range(200):
        assert 2.0 <= RetryPolicy(base_delay=2.0).next_wait("broken", {"broken": 2}, 0.0, None) <= 4.0


def test_retry_after_is_honoured_when_longer_than_the_backoff():
    p = policy(base_delay=0.25)
    assert p.next_wait("status", {"status": 1}, 0.0, 3.0) == 3.0
    assert p.next_wait("status", {"status": 1}, 0.0, 0.1) == 0.25  # the backoff is longer: it wins
    assert p.next_wait("status", {"status": 1}, 0.0, 0.0) == 0.25


def test_retry_after_is_capped():
    """A server asking for an hour gets max_retry_after."""
    assert policy().next_wait("status", {"status": 1}, 0.0, 3600.0) == 60.0
    assert policy(max_retry_after=5).next_wait("status", {"status": 1}, 0.0, float("inf")) == 5


def test_no_wait_may_cross_the_total_budget():
    """elapsed + wait past total_budget: give up now rather than sleep past it."""
    p = policy(total_budget=10.0)
    assert p.next_wait("status", {"status": 1}, 6.0, 4.0) == 4.0  # lands exactly on the budget
    assert p.next_wait("status", {"status": 1}, 6.5, 4.0) is None
    assert p.next_wait("status", {"status": 1}, 9.9, None) is None  # even a short backoff


def test_next_wait_is_pure():
    """Same arguments, same answer; the failure counts are read, never changed."""
    p = policy()
    failures = {"status": 2, "broken": 1}
    assert p.next_wait("status", failures, 1.0, 2.0) == p.next_wait("status", failures, 1.0, 2.0)
    assert failures == {"status": 2, "broken": 1}


# --- the client's side ----------------------------------------------------------------------------
URL = "https://acme.jamfcloud.com"
QUICK = RetryPolicy(base_delay=0.0005, max_delay=0.002)


class Server:
    """Answers the token endpoint; API requests get `steps` in turn (an exception class is raised)."""

    def __init__(self, *steps) -> None:
        self.steps, self.api = list(steps), []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth/token":
            return httpx.Response(200, json={"access_token": "tok-retry-policy-0001", "expires_in": 600})
        self.api.append(request)
        step = self.steps[min(len(self.api), len(self.steps)) - 1]
        if isinstance(step, type):
            raise step("simulated", request=request)
        return step


def client(server: Server) -> JamfClient:
    creds = Credentials(URL, "client", "Retry-Policy-Secret-77", "keychain", "prod")
    return JamfClient(URL, transport=httpx.MockTransport(server), retry=QUICK, credentials=creds)


@pytest.mark.parametrize("exc", [httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout])
def test_a_post_that_may_have_reached_the_server_is_never_sent_twice(exc):
    """A reset or a timeout after sending: the POST may have done its work, so it is not repeated."""
    server = Server(exc, httpx.Response(200, json={}))
    with client(server) as jamf, pytest.raises(NetworkError):
        jamf._send("POST", "/api/v2/mdm/commands", idempotent=False)
    assert len(server.api) == 1


def test_a_post_is_retried_after_a_connect_error():
    """Nothing was sent when the connection failed, so a POST may be tried again."""
    server = Server(httpx.ConnectError, httpx.Response(201, json={}))
    with client(server) as jamf:
        assert jamf._send("POST", "/api/v2/mdm/commands", idempotent=False).status_code == 201
    assert len(server.api) == 2


def test_a_retry_after_that_is_not_a_number_falls_back_to_the_backoff():
    """'nan' parses as a float; it must not reach time.sleep (which refuses it)."""
    server = Server(httpx.Response(503, headers={"Retry-After": "nan"}), httpx.Response(200, json={"ok": True}))
    with client(server) as jamf:
        assert jamf.get_json("/api/v1/jamf-pro-version") == {"ok": True}
    assert len(server.api) == 2
