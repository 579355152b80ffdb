"""AppContext: the one place that builds clients, the one credential precedence, and the test seams
(transport_factory, retry, page_size) that replace monkeypatching."""
from __future__ import annotations

import io

import httpx
import keyring
import pytest
from keyring.backends import fail

from jamfctl import auth
from jamfctl.client import RetryPolicy
from jamfctl.context import SANDBOX_URL, AppContext, credential_source
from jamfctl.sandbox import SANDBOX_CLIENT_ID, SandboxConfig
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.transport import SandboxTransport

URL = "https://acme.jamfcloud.com"
SECRET = "Context-Test-Secret-0815"


class Jamf:
    """Token endpoint plus a paged inventory of 12 records, remembering every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/oauth/token":
            self.issued += 1
            return httpx.Response(200, json={"access_token": f"ctx-token-{self.issued}-abcdef", "expires_in": 1200})
        if request.url.path == "/api/v1/jamf-pro-version":
            return httpx.Response(200, json={"version": "11.30.1"})
        page, size = int(request.url.params["page"]), int(request.url.params["page-size"])
        records = [{"id": str(i)} for i in range(12)][page * size:(page + 1) * size]
        return httpx.Response(200, json={"totalCount": 12, "results": records})

    def page_sizes(self) -> set[str]:
        return {r.url.params["page-size"] for r in self.requests if "page-size" in r.url.params}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("JAMF_URL", URL)
    monkeypatch.setenv("JAMF_CLIENT_ID", "ctx-client")
    monkeypatch.setenv("JAMF_CLIENT_SECRET", SECRET)


def routed(server: Jamf, **options) -> AppContext:
    return AppContext(stdout=io.StringIO(), stderr=io.StringIO(), transport_factory=lambda: httpx.MockTransport(server),
                      retry=RetryPolicy(base_delay=0.001, max_delay=0.002), **options)


def test_default_construction_needs_nothing():
    """AppContext() still works as cli/app.py builds it: real network, real retries, full pages."""
    ctx = AppContext()
    assert ctx.transport_factory is None and ctx.retry is None and ctx.page_size is None
    assert ctx.profile is None and ctx.timeout == 30.0


@pytest.mark.parametrize(("sandbox", "environment", "winner"), [
    (True, True, "sandbox"), (True, False, "sandbox"), (False, True, "environment"), (False, False, "profile"),
])
def test_one_precedence_rule(sandbox, environment, winner):
    """-p sandbox beats the JAMF_* environment, which beats a profile."""
    assert credential_source(sandbox, environment) == winner


def test_the_winning_credentials_follow_the_rule(env, monkeypatch):
    assert AppContext().credentials().source == "environment"
    sandbox = AppContext(profile="sandbox").credentials()
    assert (sandbox.source, sandbox.url, sandbox.client_id) == ("sandbox", SANDBOX_URL, SANDBOX_CLIENT_ID)


def test_the_transport_seam_routes_the_client_and_its_token_request(env):
    server = Jamf()
    ctx = routed(server)
    assert ctx.client().get_json("/api/v1/jamf-pro-version") == {"version": "11.30.1"}
    assert [r.url.path for r in server.requests] == ["/api/oauth/token", "/api/v1/jamf-pro-version"]
    assert ctx.client() is ctx.client()  # one client per invocation
    assert ctx.client().label == "Jamf Pro"
    ctx.close()


def test_the_page_size_seam_caps_every_listing(env):
    """page_size lowers the largest page asked for, even when the caller asks for more."""
    server = Jamf()
    ctx = routed(server, page_size=5)
    listing = ctx.client().paginate("/api/v1/things", [], page_size=2000)
    assert [r["id"] for r in listing] == [str(i) for i in range(12)] and listing.total_count == 12
    assert server.page_sizes() == {"5"}
    ctx.close()


def test_the_retry_seam_reaches_the_client(env):
    policy = RetryPolicy(status_attempts=2)
    ctx = AppContext(transport_factory=lambda: httpx.MockTransport(Jamf()), retry=policy)
    assert ctx.client().retry is policy
    ctx.close()


def test_the_sandbox_without_a_seam_is_the_in_process_simulator():
    ctx = AppContext(profile="sandbox")
    client = ctx.client()
    assert client.label == "the sandbox" and isinstance(client._http._transport, SandboxTransport)
    assert client.get_json("/api/v1/jamf-pro-version")["version"]
    ctx.close()


def test_the_sandbox_with_a_seam_uses_the_seam():
    seen: list[str] = []

    class Counting(SandboxTransport):
        def handle_request(self, request):
            seen.append(request.url.path)
            return super().handle_request(request)

    app = SandboxApp(SandboxConfig(computers=3))
    ctx = AppContext(profile="sandbox", transport_factory=lambda: Counting(app))
    assert ctx.client().label == "the sandbox"
    assert ctx.client().get_json("/api/v1/jamf-pro-version")["version"]
    assert seen == ["/api/oauth/token", "/api/v1/jamf-pro-version"]
    ctx.close()


def test_a_fresh_token_client_never_reuses_or_stores_a_cached_token(env, keychain):
    """What login and `auth status --check` use: the server is asked for a new token, and the cache is
    the caller's business; the invocation's own client caches its token for the next run."""
    server = Jamf()
    ctx = routed(server)
    ctx.client().get_json("/api/v1/jamf-pro-version")
    cached = [key for service, key in keychain.entries if service == auth.TOKEN_SERVICE]
    assert cached == [ctx.credentials().cache_key] and server.issued == 1
    with ctx.new_client(fresh_token=True) as fresh:
        fresh.get_json("/api/v1/jamf-pro-version")
        assert fresh is not ctx.client() and fresh.tokens.current().value == "ctx-token-2-abcdef"
    assert server.issued == 2
    assert auth.TOKEN_SERVICE in {s for s, _ in keychain.entries}
    assert "ctx-token-2-abcdef" not in keychain.entries[(auth.TOKEN_SERVICE, cached[0])]
    ctx.close()


def test_environment_credentials_without_a_keychain_keep_tokens_in_memory(env, monkeypatch):
    """CI without a keychain: the command works, nothing is cached."""
    keyring.set_keyring(fail.Keyring())
    server = Jamf()
    ctx = routed(server)
    assert ctx.client().get_json("/api/v1/jamf-pro-version") == {"version": "11.30.1"}
    assert ctx.client().tokens._keychain is None
    ctx.close()
