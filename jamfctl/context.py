"""One context per invocation: options, streams, TTY facts, credentials and a lazily built client.

Commands receive it from Typer (`ctx.obj`); tests build one directly with their own streams, and
route every client it builds to a transport of theirs (`transport_factory`, `retry`, `page_size`).
"""
from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, TextIO

from jamfctl.errors import AuthError

if TYPE_CHECKING:
    import httpx

    from jamfctl.auth import Credentials, Keychain
    from jamfctl.client import JamfClient, RetryPolicy

SANDBOX_PROFILE = "sandbox"
SANDBOX_URL = "https://sandbox.jamfctl.invalid"


class RedactingFormatter(logging.Formatter):
    """Log lines pass through the redaction engine: no secret or token at any verbosity."""

    def format(self, record: logging.LogRecord) -> str:
        from jamfctl import redact

        return redact.scrub(super().format(record))


def configure_logging(debug: bool, stream: TextIO, sandbox: bool = False) -> None:
    logger = logging.getLogger("jamfctl")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = False
    if not debug:
        logger.setLevel(logging.WARNING)
        logger.addHandler(logging.NullHandler())
        return
    handler = logging.StreamHandler(stream)
    prefix = "debug (sandbox)" if sandbox else "debug"
    handler.setFormatter(RedactingFormatter(f"{prefix}: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def credential_source(sandbox: bool, environment: bool) -> str:
    """Which credentials win, the one precedence rule: -p sandbox, then all three JAMF_* variables, then
    the profile (-p, else JAMFCTL_PROFILE, else the default). Returns "sandbox", "environment" or "profile"."""
    if sandbox:
        return "sandbox"
    return "environment" if environment else "profile"


@dataclass
class AppContext:
    profile: str | None = None  # the raw -p/JAMFCTL_PROFILE value; `profile_name` resolves it (default profile)
    timeout: float = 30.0
    debug: bool = False
    color: bool = True
    ca_bundle: str | None = None
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)  # confirmations and `-` target lists
    keychain: Keychain | None = None
    output_format: str | None = None  # set once a command has chosen its format (errors follow it)
    prints_data: bool = False  # the command has -o: piped, its errors get the JSON line too
    max_connections: int = 5  # JAMFCTL_MAX_CONNECTIONS lowers it; nothing raises it past Jamf's 5
    # Test seams: every client talks to transport_factory() (not the network or the sandbox), with this
    # retry policy and page size; None means the real thing.
    transport_factory: Callable[[], httpx.BaseTransport] | None = None
    retry: RetryPolicy | None = None
    page_size: int | None = None
    _client: JamfClient | None = None
    _credentials: Credentials | None = None

    # --- streams ----------------------------------------------------------------------------------
    @property
    def stdout_is_tty(self) -> bool:
        return _isatty(self.stdout)

    @property
    def stderr_is_tty(self) -> bool:
        return _isatty(self.stderr)

    # --- profile and credentials ------------------------------------------------------------------
    @property
    def profile_name(self) -> str | None:
        """-p, else JAMFCTL_PROFILE, else the config's default profile (None if there is none)."""
        name = self.profile or os.environ.get("JAMFCTL_PROFILE") or None
        if name is None:
            from jamfctl import config

            name = config.load().default_profile
        from jamfctl import validate  # here, not at the top: `--help` needs no validation (nor its regexes)

        return validate.profile_name(name) if name else None

    @property
    def is_sandbox(self) -> bool:
        return (self.profile or os.environ.get("JAMFCTL_PROFILE")) == SANDBOX_PROFILE

    @property
    def read_only(self) -> bool:
        """Whether writing commands must refuse: the profile says so (`login --read-only`), or, for
        credentials from the environment, JAMFCTL_READ_ONLY=1. Read from the config, never from the server."""
        from jamfctl import auth, config

        if self.is_sandbox or auth.from_environment():
            return os.environ.get("JAMFCTL_READ_ONLY", "").strip().lower() in ("1", "true", "yes")
        name = self.profile_name
        profile = config.load().profiles.get(name) if name else None
        return bool(profile and profile.read_only)

    def get_keychain(self) -> Keychain:
        if self.keychain is None:
            from jamfctl.auth import Keychain

            self.keychain = Keychain()
        return self.keychain

    def credentials(self) -> Credentials:
        """The credentials that win (see credential_source), read once per invocation."""
        if self._credentials is not None:
            return self._credentials
        from jamfctl import auth, validate

        env = None if self.is_sandbox else auth.from_environment()
        source = credential_source(self.is_sandbox, env is not None)
        if source == "sandbox":
            from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

            creds = auth.Credentials(SANDBOX_URL, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, "sandbox", SANDBOX_PROFILE)
        elif env is not None:
            url, client_id, secret = env
            creds = auth.Credentials(validate.url(url, "JAMF_URL"), client_id.strip(), secret, "environment")
        else:
            creds = self._profile_credentials()
        logging.getLogger("jamfctl").debug(
            "credentials from %s%s, server %s", creds.source, f" (profile {creds.profile})" if creds.profile else "", creds.url
        )
        self._credentials = creds
        return creds

    def _profile_credentials(self) -> Credentials:
        from jamfctl import auth, config, validate

        name = self.profile_name
        if name is None:
            raise AuthError(
                "no credentials: run `jamfctl login`, or set JAMF_URL, JAMF_CLIENT_ID and "
                "JAMF_CLIENT_SECRET, or try the built-in sandbox with `jamfctl -p sandbox ...`"
            )
        profile = config.load().profiles.get(name)
        if profile is None:
            raise AuthError(f"no profile named {name!r}: run `jamfctl login -p {name}` first")
        url = validate.url(profile.url)
        secret = self.get_keychain().get_secret(name)
        if not secret:
            raise AuthError(f"no secret for profile {name!r} in the keychain: run `jamfctl login -p {name}` again")
        return auth.Credentials(url, profile.client_id, secret, "keychain", name)

    # --- clients ----------------------------------------------------------------------------------
    def client(self) -> JamfClient:
        """The one client of this invocation, for the winning credentials; closed with the context."""
        if self._client is None:
            self._client = self.new_client()
        return self._client

    def new_client(self, credentials: Credentials | None = None, *, fresh_token: bool = False) -> JamfClient:
        """The one recipe for an authenticated client; the caller closes it (it is a context manager).

        `credentials` default to the winning ones. `fresh_token`: neither read nor write the token cache,
        so the server is asked for a new token (login and `auth status --check` prove credentials so)."""
        from jamfctl.client import JamfClient

        creds = credentials or self.credentials()
        sandbox = creds.source == "sandbox"
        transport = self.transport_factory() if self.transport_factory is not None else None
        if transport is None and sandbox:
            transport = _sandbox_transport()
        return JamfClient(creds.url, credentials=creds, keychain=None if fresh_token else self._token_cache(creds),
                          timeout=self.timeout, transport=transport, ca_bundle=self.ca_bundle,
                          max_connections=self.max_connections, retry=self.retry, page_size=self.page_size,
                          label="the sandbox" if sandbox else "Jamf Pro")

    def _token_cache(self, creds: Credentials) -> Keychain | None:
        if creds.source == "sandbox":  # the simulator's tokens are worth nothing between runs
            return None
        keychain = self.get_keychain()
        if creds.source == "environment" and not keychain.usable():
            return None  # CI without a keychain: tokens live in memory only
        return keychain

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _sandbox_transport() -> httpx.BaseTransport:
    """The built-in simulator, in-process (imported only in sandbox mode)."""
    from jamfctl.sandbox import SandboxConfig
    from jamfctl.sandbox.app import SandboxApp
    from jamfctl.sandbox.transport import SandboxTransport

    return SandboxTransport(SandboxApp(SandboxConfig()))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

