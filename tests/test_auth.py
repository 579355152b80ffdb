"""Credentials and tokens: the secret stays hidden, tokens are reused until shortly before expiry,
cached in the keychain only, and a missing keychain says what to do instead."""
from __future__ import annotations

import json
import threading

import httpx
import keyring
import pytest
from keyring.backends import fail
from keyring.errors import PasswordDeleteError

from jamfctl import auth, redact, wire
from jamfctl.auth import BearerAuth, Credentials, Keychain, Token, TokenProvider
from jamfctl.errors import AuthError, ExitCode, KeychainError, NetworkError
from support.keyrings import BrokenKeyring, LockedKeyring, MemoryKeyring

SECRET = "Sup3r-S3cret-Client-Value"
URL = "https://acme.jamfcloud.com"


def creds(secret: str = SECRET, url: str = URL, client_id: str = "1a2b3c") -> Credentials:
    return Credentials(url, client_id, secret, "keychain", "prod")


class Fetcher:
    """A token endpoint stand-in that counts how often it is asked."""

    def __init__(self, expires_in: float = 1200) -> None:
        self.calls = 0
        self.expires_in = expires_in

    def __call__(self, credentials: Credentials) -> tuple[str, float]:
        self.calls += 1
        return f"token-number-{self.calls}", self.expires_in


class Clock:
    """Stands in for the `time` module inside jamfctl.auth: time.time() under the test's control."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(auth, "time", fake)
    return fake


# --- credentials ----------------------------------------------------------------------------------
def test_credentials_repr_hides_the_secret():
    """Printing credentials (in a debugger, a log, a traceback) shows no secret."""
    c = creds()
    assert SECRET not in repr(c) and SECRET not in str(c)
    assert "1a2b3c" in repr(c)


def test_credentials_register_their_secret_for_scrubbing():
    """Creating credentials is enough for the secret to be scrubbed from any later text."""
    creds()
    assert SECRET not in redact.scrub(f"oops {SECRET}")


def test_cache_key_is_one_way_and_changes_with_the_secret():
    """A changed or wrong secret never reuses a token minted with another."""
    key = creds().cache_key
    assert SECRET not in key and SECRET.lower() not in key
    assert key == creds().cache_key  # stable between runs
    assert key != creds(secret=SECRET + "x").cache_key
    assert key != creds(url="https://other.jamfcloud.com").cache_key
    assert key != creds(client_id="another").cache_key


# --- token freshness ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lifetime", "fresh_until_before_expiry"),
    [(2, 0.5), (60, 15), (240, 60), (3600, 60)],
)
def test_token_is_refreshed_a_quarter_lifetime_at_most_a_minute_before_expiry(lifetime, fresh_until_before_expiry):
    """2 s tokens refresh in the last 0.5 s; an hour-long token in the last 60 s."""
    token = Token("t", expires_at=10_000.0, lifetime=lifetime)
    margin = fresh_until_before_expiry
    assert token.fresh(now=10_000.0 - margin - 0.01)
    assert not token.fresh(now=10_000.0 - margin + 0.01)
    assert not token.fresh(now=10_001.0)


def test_token_repr_hides_its_value():
    """A token in a repr or log is not the token."""
    assert "tok-secret-value" not in repr(Token("tok-secret-value", 1.0, 1.0))


# --- the provider ---------------------------------------------------------------------------------
def test_provider_fetches_once_and_reuses_the_token(clock):
    """Many requests, one token request."""
    fetch = Fetcher()
    provider = TokenProvider(creds(), fetch, None)
    assert {provider.token() for _ in range(50)} == {"token-number-1"}
    assert fetch.calls == 1 and provider.fetched == 1


def test_provider_is_safe_across_threads(clock):
    """Five paging threads asking at once still cause one fetch."""
    fetch = Fetcher()
    provider = TokenProvider(creds(), fetch, None)
    threads = [threading.Thread(target=provider.token) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fetch.calls == 1


def test_threads_waiting_on_a_failed_fetch_share_its_error(clock):
    """Five paging threads queue behind one token request that times out: they get its error, and the token
    request is not sent again by each of them (the server that stalled it is not asked five more times).
    A later call, after the failure, may try again."""
    entered, release = threading.Event(), threading.Event()
    calls = []

    def fetch(_credentials):
        calls.append(1)
        if len(calls) == 1:
            entered.set()
            release.wait(5)
            raise NetworkError("did not answer within the timeout")
        return "token-after-the-failure", 3600.0

    class CountingLock:  # tells the test when every thread is queued on the provider's lock
        def __init__(self):
            self.lock, self.arrived = threading.Lock(), 0

        def __enter__(self):
            self.arrived += 1
            self.lock.acquire()

        def __exit__(self, *exc):
            self.lock.release()

    provider = TokenProvider(creds(), fetch, None)
    provider._lock = lock = CountingLock()
    errors: list[Exception] = []

    def ask():
        try:
            provider.token()
        except NetworkError as exc:
            errors.append(exc)

    first = threading.Thread(target=ask)
    first.start()
    assert entered.wait(5)
    waiters = [threading.Thread(target=ask) for _ in range(4)]
    for t in waiters:
        t.start()
    while lock.arrived < 5:  # the four are queued behind the fetch in progress
        threading.Event().wait(0.001)
    release.set()
    for t in [first, *waiters]:
        t.join(5)
    assert len(errors) == 5 and len(calls) == 1
    assert provider.token() == "token-after-the-failure" and len(calls) == 2


def test_provider_refreshes_a_stale_token(clock):
    """Shortly before expiry (here: 30 s before a one-hour token ends) a new token is fetched."""
    fetch = Fetcher(expires_in=3600)
    provider = TokenProvider(creds(), fetch, None)
    assert provider.token() == "token-number-1"
    clock.now += 3600 - 61
    assert provider.token() == "token-number-1"
    clock.now += 31
    assert provider.token() == "token-number-2"
    assert fetch.calls == 2


def test_invalidate_forces_a_refetch(clock):
    """A token the server refused (revoked early) is dropped and replaced on the next call."""
    fetch = Fetcher()
    provider = TokenProvider(creds(), fetch, None)
    first = provider.token()
    provider.invalidate(first)
    assert provider.token() == "token-number-2"


def test_invalidate_of_an_older_token_keeps_the_current_one(clock):
    """A late 401 for a token already replaced must not throw away the new one."""
    fetch = Fetcher()
    provider = TokenProvider(creds(), fetch, None)
    provider.token()
    provider.invalidate("token-number-1")
    provider.token()
    provider.invalidate("token-number-1")
    assert provider.token() == "token-number-2"
    assert fetch.calls == 2


def test_fetched_tokens_are_registered_for_scrubbing(clock):
    """A token, once seen, is scrubbed from any text."""
    TokenProvider(creds(), Fetcher(), None).token()
    assert redact.scrub("Authorization is token-number-1") == f"Authorization is {redact.REDACTED}"


# --- the keychain token cache ---------------------------------------------------------------------
def test_new_token_is_stored_in_the_keychain_under_the_cache_key(clock, keychain):
    """The token (with its expiry) is cached in the keychain, keyed by the credentials fingerprint."""
    c = creds()
    TokenProvider(c, Fetcher(expires_in=1200), Keychain()).token()
    stored = json.loads(keychain.entries[(auth.TOKEN_SERVICE, c.cache_key)])
    assert stored["access_token"] == "token-number-1"
    assert stored["expires_at"] == pytest.approx(clock.now + 1200)
    assert all(SECRET not in k and SECRET not in v for k, v in keychain.entries)


def test_next_invocation_reuses_the_cached_token(clock, keychain):
    """A second run with the same credentials asks the server for nothing."""
    TokenProvider(creds(), Fetcher(), Keychain()).token()
    fetch = Fetcher()
    assert TokenProvider(creds(), fetch, Keychain()).token() == "token-number-1"
    assert fetch.calls == 0


def test_a_different_secret_never_reuses_the_cached_token(clock, keychain):
    """Same server and client id, other secret: a fresh token."""
    TokenProvider(creds(), Fetcher(), Keychain()).token()
    fetch = Fetcher()
    TokenProvider(creds(secret="a-different-secret"), fetch, Keychain()).token()
    assert fetch.calls == 1


def test_a_stale_cached_token_is_not_reused(clock, keychain):
    """An expired (or nearly expired) cached token is replaced."""
    TokenProvider(creds(), Fetcher(expires_in=600), Keychain()).token()
    clock.now += 600
    fetch = Fetcher()
    TokenProvider(creds(), fetch, Keychain()).token()
    assert fetch.calls == 1


def test_invalidate_removes_the_cached_token(clock, keychain):
    """A refused token is also removed from the keychain, so no later run reuses it."""
    c = creds()
    provider = TokenProvider(c, Fetcher(), Keychain())
    provider.invalidate(provider.token())
    assert (auth.TOKEN_SERVICE, c.cache_key) not in keychain.entries


def test_garbage_in_the_cache_is_ignored(clock, keychain):
    """A corrupt cache entry means a fresh token, not a crash."""
    c = creds()
    keychain.entries[(auth.TOKEN_SERVICE, c.cache_key)] = "{not json"
    fetch = Fetcher()
    assert TokenProvider(c, fetch, Keychain()).token() == "token-number-1"
    assert fetch.calls == 1


@pytest.mark.parametrize("backend", [LockedKeyring, BrokenKeyring, fail.Keyring])
def test_a_failing_keychain_does_not_stop_tokens(clock, backend):
    """The cache is an optimisation: a locked or broken keychain only costs a token request."""
    keyring.set_keyring(backend())
    fetch = Fetcher()
    provider = TokenProvider(creds(), fetch, Keychain())
    assert provider.token() == "token-number-1"
    assert provider.token() == "token-number-1"
    assert fetch.calls == 1


# --- the keychain itself --------------------------------------------------------------------------
def test_secret_round_trip_through_the_keychain(keychain):
    """set_secret / get_secret / delete_secret per profile."""
    kc = Keychain()
    kc.set_secret("prod", SECRET)
    assert keychain.entries[(auth.SECRET_SERVICE, "prod")] == SECRET
    assert kc.get_secret("prod") == SECRET
    assert kc.delete_secret("prod") is True
    assert kc.get_secret("prod") is None
    assert kc.delete_secret("prod") is False  # nothing left to delete is not an error


@pytest.mark.parametrize("backend", [LockedKeyring, BrokenKeyring, fail.Keyring])
@pytest.mark.parametrize("action", ["get", "set", "delete"])
def test_unusable_keychain_is_a_keychain_error_pointing_to_the_environment(backend, action):
    """Locked, broken or absent keychain: exit 3, a plain message naming the JAMF_* variables, no secret."""
    keyring.set_keyring(backend())
    kc = Keychain()
    with pytest.raises(KeychainError) as info:
        if action == "get":
            kc.get_secret("prod")
        elif action == "set":
            kc.set_secret("prod", SECRET)
        else:
            kc.delete_secret("prod")
    error = info.value
    assert error.exit_code == ExitCode.AUTH == 3
    for name in ("JAMF_URL", "JAMF_CLIENT_ID", "JAMF_CLIENT_SECRET"):
        assert name in error.message
    assert SECRET not in error.message and SECRET not in str(error) and SECRET not in (error.detail or "")
    assert error.__cause__ is None


def test_locked_keychain_says_it_is_locked():
    """The message tells the admin to unlock it."""
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeychainError, match="locked"):
        Keychain().get_secret("prod")


def test_no_keychain_backend_is_reported_as_unavailable():
    """Headless Linux: say so plainly; never fall back to a file."""
    keyring.set_keyring(fail.Keyring())
    kc = Keychain()
    assert kc.usable() is False
    with pytest.raises(KeychainError, match="no OS keychain"):
        kc.require()


def test_a_hanging_keychain_times_out():
    """A keychain that never answers must not hang a script."""
    release = threading.Event()

    class HangingKeyring(LockedKeyring):
        def get_password(self, service, username):
            release.wait(5)
            return None

    keyring.set_keyring(HangingKeyring())
    try:
        with pytest.raises(KeychainError, match="did not answer"):
            Keychain(timeout=0.2).get_secret("prod")
    finally:
        release.set()


# --- the environment ------------------------------------------------------------------------------
def test_environment_with_all_three_variables(monkeypatch):
    """JAMF_URL + JAMF_CLIENT_ID + JAMF_CLIENT_SECRET together are credentials."""
    monkeypatch.setenv("JAMF_URL", URL)
    monkeypatch.setenv("JAMF_CLIENT_ID", "ci-client")
    monkeypatch.setenv("JAMF_CLIENT_SECRET", SECRET)
    assert auth.from_environment() == (URL, "ci-client", SECRET)


def test_environment_with_none_of_them():
    """No variables: no environment credentials (profiles decide)."""
    assert auth.from_environment() is None


@pytest.mark.parametrize(
    "present",
    [("JAMF_URL",), ("JAMF_CLIENT_SECRET",), ("JAMF_URL", "JAMF_CLIENT_ID"), ("JAMF_CLIENT_ID", "JAMF_CLIENT_SECRET")],
)
def test_environment_with_some_of_them_is_an_error_naming_the_missing_ones(monkeypatch, present):
    """A half-configured CI job fails loudly (exit 3) instead of quietly using a profile."""
    values = {"JAMF_URL": URL, "JAMF_CLIENT_ID": "ci-client", "JAMF_CLIENT_SECRET": SECRET}
    for name in present:
        monkeypatch.setenv(name, values[name])
    with pytest.raises(AuthError) as info:
        auth.from_environment()
    assert info.value.exit_code == 3
    for name in values:
        assert (name in info.value.message) == (name not in present)
    assert SECRET not in info.value.message


# --- deleting: "not found" is told by its type ----------------------------------------------------
class NothingThere(PasswordDeleteError):
    """A backend's own "no such item" (keyring's contract: a PasswordDeleteError), with its own name."""


class DeleteRaises(MemoryKeyring):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def delete_password(self, service, username):
        raise self.error


def test_delete_of_a_missing_entry_is_false_whatever_the_error_is_called():
    """Any PasswordDeleteError, subclass included, means nothing was there: False, not an error."""
    keyring.set_keyring(DeleteRaises(NothingThere("item not found in keychain")))
    assert Keychain().delete_secret("prod") is False
    assert Keychain().delete_token("some-key") is False


def test_delete_failing_otherwise_is_a_keychain_error_even_if_its_text_says_delete_error():
    """Only the type decides: an error whose message merely mentions PasswordDeleteError still fails."""
    keyring.set_keyring(DeleteRaises(RuntimeError("PasswordDeleteError: backend exploded")))
    with pytest.raises(KeychainError, match="removing a secret"):
        Keychain().delete_secret("prod")


def test_the_token_cache_key_is_one_function():
    """The key logout and auth status look tokens up under is the one the provider stored them under."""
    c = creds()
    assert auth.token_cache_key(c.url, c.client_id, SECRET) == c.cache_key
    assert SECRET not in auth.token_cache_key(c.url, c.client_id, SECRET)


# --- the bearer header and the refresh on a 401 ---------------------------------------------------
def bearer_client(api) -> tuple[httpx.Client, Fetcher]:
    fetch = Fetcher()
    return httpx.Client(transport=httpx.MockTransport(api), auth=BearerAuth(TokenProvider(creds(), fetch, None))), fetch


def test_bearer_auth_adds_the_providers_token(clock):
    seen = []
    client, fetch = bearer_client(lambda request: seen.append(request.headers["authorization"]) or httpx.Response(200))
    with client:
        client.get("https://acme.jamfcloud.com/a")
        client.get("https://acme.jamfcloud.com/b")
    assert seen == ["Bearer token-number-1"] * 2 and fetch.calls == 1


def test_bearer_auth_refreshes_once_on_a_401_and_then_gives_the_401_back(clock):
    """One refresh per request: a token refused twice is the server's answer, not a loop."""
    seen = []

    def api(request):
        seen.append(request.headers["authorization"])
        return httpx.Response(401)

    client, fetch = bearer_client(api)
    with client:
        assert client.get("https://acme.jamfcloud.com/a").status_code == 401
    assert seen == ["Bearer token-number-1", "Bearer token-number-2"] and fetch.calls == 2


def test_bearer_auth_reads_a_401_body_within_the_bound(clock, monkeypatch):
    """httpx reads a response it retries past; jamfctl reads it first, bounded like every other body."""
    monkeypatch.setattr(wire, "MAX_RESPONSE_BYTES", 16)
    client, fetch = bearer_client(lambda request: httpx.Response(401, stream=httpx.ByteStream(b"x" * 64)))
    with client, pytest.raises(wire.ResponseTooLarge):
        client.get("https://acme.jamfcloud.com/a")
    assert fetch.calls == 1
