"""Credentials and tokens: where the client secret comes from, and the OAuth token cache.

- The secret lives in the OS keychain (the `keyring` library) or in JAMF_CLIENT_SECRET; never a file.
- Tokens (OAuth2 client credentials) are reused until shortly before they expire, cached between runs
  in the keychain only, under a key that includes a one-way fingerprint of the secret (so a changed or
  wrong secret never reuses a token minted with another).
- Every secret and token is registered with jamfctl.redact so no log line or message can carry it.
- `BearerAuth` puts the token on each request (httpx's own extension point) and refreshes it once on a 401.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import httpx

from jamfctl import redact, wire
from jamfctl.errors import AuthError, KeychainError, ValidationError

log = logging.getLogger("jamfctl.auth")

SECRET_SERVICE = "jamfctl"
TOKEN_SERVICE = "jamfctl-token"
KEYCHAIN_TIMEOUT = 10.0  # seconds; a keychain that never answers must not hang a script
ENV_HINT = "set JAMF_URL, JAMF_CLIENT_ID and JAMF_CLIENT_SECRET in the environment instead"


@dataclass(frozen=True)
class Credentials:
    url: str
    client_id: str
    secret: str = field(repr=False)
    source: str  # "environment", "keychain", "sandbox"
    profile: str | None = None

    def __post_init__(self) -> None:
        redact.register_secret(self.secret)

    @property
    def cache_key(self) -> str:
        return token_cache_key(self.url, self.client_id, self.secret)


def token_cache_key(url: str, client_id: str, secret: str) -> str:
    """The key a token is cached under. One-way: identifies (server, client, secret) without revealing
    the secret, so a changed or wrong secret never finds a token minted with another."""
    material = f"{url}\0{client_id}\0{secret}".encode()
    return hashlib.sha256(material).hexdigest()[:40]


@dataclass
class Token:
    value: str = field(repr=False)
    expires_at: float  # epoch seconds
    lifetime: float

    def fresh(self, now: float | None = None) -> bool:
        """Valid for a while yet: refresh a quarter-lifetime (at most a minute) before expiry."""
        margin = min(60.0, self.lifetime * 0.25)
        return (time.time() if now is None else now) < self.expires_at - margin


# --- keychain -------------------------------------------------------------------------------------
class Keychain:
    """The OS keychain through `keyring`, with timeouts and plain errors (and no file fallback)."""

    def __init__(self, timeout: float = KEYCHAIN_TIMEOUT) -> None:
        self.timeout = timeout
        self._backend = None

    def _call(self, what: str, fn: Callable, *args):
        result: dict = {}

        def run() -> None:
            try:
                result["value"] = fn(*args)
            except BaseException as exc:  # re-raised below in the caller's thread
                result["error"] = exc

        worker = threading.Thread(target=run, name="keychain", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            raise KeychainError(f"the OS keychain did not answer within {self.timeout:.0f} s while {what}; {ENV_HINT}")
        if "error" in result:
            raise self._explain(what, result["error"]) from None
        return result.get("value")

    def _explain(self, what: str, exc: BaseException) -> KeychainError:
        from keyring import errors

        if isinstance(exc, errors.KeyringLocked):
            return KeychainError(f"the OS keychain is locked ({what}); unlock it and try again, or {ENV_HINT}")
        if isinstance(exc, errors.NoKeyringError):
            return KeychainError(f"no OS keychain is available on this machine; {ENV_HINT}")
        return KeychainError(
            f"the OS keychain ({self.backend_name()}) failed while {what}: {type(exc).__name__}; {ENV_HINT}"
        )

    @property
    def backend(self):
        if self._backend is None:
            self._backend = self._call("looking for a keychain backend", keyring_backend)
        return self._backend

    def backend_name(self) -> str:
        try:
            backend = self.backend
        except KeychainError:
            return "unavailable"
        return f"{type(backend).__module__}.{type(backend).__name__}".removeprefix("keyring.backends.")

    def usable(self) -> bool:
        from keyring.backends import chainer, fail

        try:
            backend = self.backend
        except KeychainError:
            return False
        if isinstance(backend, fail.Keyring):
            return False
        return not (isinstance(backend, chainer.ChainerBackend) and not backend.backends)

    def require(self) -> None:
        if not self.usable():
            raise KeychainError(f"no OS keychain is available on this machine (keyring backend: {self.backend_name()}); {ENV_HINT}")

    def get(self, service: str, username: str) -> str | None:
        self.require()
        return self._call("reading a secret", self.backend.get_password, service, username)

    def set(self, service: str, username: str, value: str) -> None:
        self.require()
        self._call("storing a secret", self.backend.set_password, service, username, value)

    def delete(self, service: str, username: str) -> bool:
        """True if an entry was removed, False if there was none; any other failure is a KeychainError."""
        from keyring.errors import PasswordDeleteError

        self.require()
        backend = self.backend

        def delete_if_present() -> bool:
            try:
                backend.delete_password(service, username)
            except PasswordDeleteError:  # keyring's way of saying there was nothing to delete
                return False
            return True

        return self._call("removing a secret", delete_if_present)

    # secrets per profile
    def get_secret(self, profile: str) -> str | None:
        secret = self.get(SECRET_SERVICE, profile)
        redact.register_secret(secret)
        return secret

    def set_secret(self, profile: str, secret: str) -> None:
        self.set(SECRET_SERVICE, profile, secret)

    def delete_secret(self, profile: str) -> bool:
        return self.delete(SECRET_SERVICE, profile)

    # cached tokens per (url, client id, secret fingerprint)
    def get_token(self, key: str) -> Token | None:
        raw = self.get(TOKEN_SERVICE, key)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            token = Token(value=str(data["access_token"]), expires_at=float(data["expires_at"]), lifetime=float(data["lifetime"]))
        except (ValueError, KeyError, TypeError):
            return None
        redact.register_secret(token.value)
        return token

    def set_token(self, key: str, token: Token) -> None:
        payload = {"access_token": token.value, "expires_at": token.expires_at, "lifetime": token.lifetime}
        self.set(TOKEN_SERVICE, key, json.dumps(payload))

    def delete_token(self, key: str) -> bool:
        return self.delete(TOKEN_SERVICE, key)


# The built-in keyring backends that can work on each platform; the others need a service it does not run
# (Secret Service or KWallet need D-Bus, macOS's needs Security.framework).
PLATFORM_BACKENDS = {"darwin": ("keyring.backends.macOS",), "win32": ("keyring.backends.Windows",)}
UNIX_BACKENDS = ("keyring.backends.SecretService", "keyring.backends.libsecret", "keyring.backends.kwallet")


def keyring_backend():
    """The backend `keyring.get_keyring()` would choose, without its discovery's entry-point scan and the
    import of every platform's backend (~100 ms, the macOS one even on Linux), where the result is the same.

    In keyring's own order (keyring.core): a backend already set (set_keyring), PYTHON_KEYRING_BACKEND,
    keyringrc.cfg, else the viable backend of highest priority. Only that last step is shortened, to this
    platform's built-in backends: one viable is the one keyring picks, none means keyring's fail.Keyring, and
    several (keyring would chain them) are left to keyring. A keyring plugin that is installed but not named
    in PYTHON_KEYRING_BACKEND or keyringrc.cfg is not looked for."""
    import importlib

    import keyring.core
    from keyring import backend, util
    from keyring.backends import fail

    if getattr(keyring.core, "_keyring_backend", None) is not None:  # set_keyring(): an embedding program, tests
        return keyring.core.get_keyring()
    chosen = keyring.core.load_env() or keyring.core.load_config()
    if chosen is None:
        modules = PLATFORM_BACKENDS.get(sys.platform, UNIX_BACKENDS)
        for module in modules:
            importlib.import_module(module)  # keyring's own modules import without their optional dependencies
        classes = [c for c in backend.KeyringBackend.get_viable_backends() if c.__module__ in modules]
        viable = [ring for ring in util.suppress_exceptions(classes, exceptions=TypeError) if ring.priority > 0]
        if len(viable) > 1:
            return keyring.core.get_keyring()
        chosen = viable[0] if viable else fail.Keyring()
    keyring.core.set_keyring(chosen)  # keyring.get_keyring() now agrees, for any other caller in this process
    return chosen


# --- tokens ---------------------------------------------------------------------------------------
TokenFetcher = Callable[[Credentials], tuple[str, float]]  # -> (access token, expires_in seconds)


class TokenProvider:
    """Hands out a valid bearer token, fetching or refreshing it when needed (thread-safe)."""

    def __init__(self, credentials: Credentials, fetch: TokenFetcher, keychain: Keychain | None) -> None:
        self.credentials = credentials
        self._fetch = fetch
        self._keychain = keychain
        self._token: Token | None = None
        self._lock = threading.Lock()
        self._failures = 0  # fetches that failed, so a waiter knows whether one failed while it waited
        self._failure: Exception | None = None  # how the last one failed
        self.fetched = 0  # tokens minted by this process (for --debug and tests)

    def token(self) -> str:
        seen = self._failures
        with self._lock:
            if self._token is None:
                self._token = self._load_cached()
            if self._token is None or not self._token.fresh():
                # Concurrent page requests queue here behind one fetch: if that fetch failed while they
                # waited, they share its error rather than each sending the token request again.
                if self._failures > seen and self._failure is not None:
                    raise self._failure
                try:
                    self._token = self._new_token()
                except Exception as exc:
                    self._failures, self._failure = self._failures + 1, exc
                    raise
            return self._token.value

    def current(self) -> Token | None:
        """The token in hand, if any (login caches the one it verified with)."""
        return self._token

    def invalidate(self, value: str) -> None:
        """The server refused `value` (expired early, revoked): forget it so the next call refreshes."""
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None
                self._forget_cached()

    def _new_token(self) -> Token:
        value, expires_in = self._fetch(self.credentials)
        redact.register_secret(value)
        lifetime = max(float(expires_in), 1.0)
        token = Token(value=value, expires_at=time.time() + lifetime, lifetime=lifetime)
        self.fetched += 1
        log.debug("obtained a new access token, valid for %.0f s", lifetime)
        self._store_cached(token)
        return token

    def _load_cached(self) -> Token | None:
        if self._keychain is None:
            return None
        try:
            token = self._keychain.get_token(self.credentials.cache_key)
        except KeychainError as exc:
            log.debug("token cache unavailable: %s", exc.message)
            return None
        if token and token.fresh():
            log.debug("reusing the cached access token (valid for %.0f s more)", token.expires_at - time.time())
            return token
        return None

    def _store_cached(self, token: Token) -> None:
        if self._keychain is None:
            return
        try:
            self._keychain.set_token(self.credentials.cache_key, token)
        except KeychainError as exc:
            log.debug("token not cached: %s", exc.message)

    def _forget_cached(self) -> None:
        if self._keychain is None:
            return
        try:
            self._keychain.delete_token(self.credentials.cache_key)
        except KeychainError:
            pass


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>` from the provider. On a 401 the token expired or was revoked
    between our check and the server's: forget it and send the request once more with a new one."""

    def __init__(self, tokens: TokenProvider) -> None:
        self.tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        token = self.tokens.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        wire.read_body(response)  # httpx reads a response it retries past: bounded here, not by httpx
        self.tokens.invalidate(token)
        log.debug("401 with a token: refreshing it and retrying once")
        again = httpx.Request(request.method, request.url, headers=request.headers, stream=request.stream,
                              extensions=dict(request.extensions))  # a new request: the first stays as it was sent
        again.headers["Authorization"] = f"Bearer {self.tokens.token()}"
        yield again


# --- where the credentials come from --------------------------------------------------------------
ENV_VARS = ("JAMF_URL", "JAMF_CLIENT_ID", "JAMF_CLIENT_SECRET")


def from_environment() -> tuple[str, str, str] | None:
    """JAMF_URL + JAMF_CLIENT_ID + JAMF_CLIENT_SECRET, all three, or None when none is set."""
    # Surrounding whitespace is never part of a URL or client id; a secret loses only line ends, as on stdin.
    raw = [os.environ.get(name, "") for name in ENV_VARS]
    values = [raw[0].strip(), raw[1].strip(), raw[2].strip("\r\n")]
    if all(values):
        return values[0], values[1], values[2]
    if any(values):
        blank = [n for n, r, v in zip(ENV_VARS, raw, values) if r and not v]
        if blank:  # set, but to nothing usable: a mistake in the value, not missing credentials
            raise ValidationError(f"{', '.join(blank)} is set but blank; give it a value, or unset all three")
        missing = ", ".join(n for n, v in zip(ENV_VARS, values) if not v)
        raise AuthError(f"incomplete credentials in the environment: {missing} not set (set all three, or none)")
    return None
