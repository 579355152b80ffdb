"""One context per invocation: options, streams, TTY facts, credentials and a lazily built client.

Commands receive it from Typer (`ctx.obj`); tests build one directly with their own streams.
"""
from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from jamfctl import redact, validate
from jamfctl.errors import AuthError

if TYPE_CHECKING:
    from jamfctl.auth import Credentials, Keychain
    from jamfctl.client import JamfClient

SANDBOX_PROFILE = "sandbox"
SANDBOX_URL = "https://sandbox.jamfctl.invalid"


class RedactingFormatter(logging.Formatter):
    """Log lines pass through the redaction engine: no secret or token at any verbosity."""

    def format(self, record: logging.LogRecord) -> str:
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


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass
class AppContext:
    profile: str | None = None
    timeout: float = 30.0
    debug: bool = False
    color: bool = True
    ca_bundle: str | None = None
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    keychain: Keychain | None = None
    output_format: str | None = None  # set once a command has chosen its format (errors follow it)
    prints_data: bool = False  # the command has -o: piped, its errors get the JSON line too
    max_connections: int = 5  # JAMFCTL_MAX_CONNECTIONS lowers it; nothing raises it past Jamf's 5
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
        return validate.profile_name(name) if name else None

    @property
    def is_sandbox(self) -> bool:
        return (self.profile or os.environ.get("JAMFCTL_PROFILE")) == SANDBOX_PROFILE

    def get_keychain(self) -> Keychain:
        if self.keychain is None:
            from jamfctl.auth import Keychain

            self.keychain = Keychain()
        return self.keychain

    def credentials(self) -> Credentials:
        """Environment (all three JAMF_* variables) > profile from -p/JAMFCTL_PROFILE/default."""
        if self._credentials is not None:
            return self._credentials
        from jamfctl import auth, config

        if self.is_sandbox:
            from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

            creds = auth.Credentials(SANDBOX_URL, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, "sandbox", SANDBOX_PROFILE)
        elif env := auth.from_environment():
            url, client_id, secret = env
            creds = auth.Credentials(validate.url(url, "JAMF_URL"), client_id.strip(), secret, "environment")
        else:
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
            creds = auth.Credentials(url, profile.client_id, secret, "keychain", name)
        logging.getLogger("jamfctl").debug(
            "credentials from %s%s, server %s", creds.source, f" (profile {creds.profile})" if creds.profile else "", creds.url
        )
        self._credentials = creds
        return creds

    # --- client -----------------------------------------------------------------------------------
    def make_client(self, url: str, *, sandbox: bool = False) -> JamfClient:
        from jamfctl.client import JamfClient

        if sandbox:
            from jamfctl.sandbox import SandboxConfig
            from jamfctl.sandbox.app import SandboxApp
            from jamfctl.sandbox.transport import SandboxTransport

            transport = SandboxTransport(SandboxApp(SandboxConfig()))
            return JamfClient(url, timeout=self.timeout, transport=transport, label="the sandbox",
                              max_connections=self.max_connections)
        return JamfClient(url, timeout=self.timeout, ca_bundle=self.ca_bundle, max_connections=self.max_connections)

    def client(self) -> JamfClient:
        """The one client of this invocation, authenticated through the token provider."""
        if self._client is None:
            from jamfctl.auth import TokenProvider

            creds = self.credentials()
            client = self.make_client(creds.url, sandbox=creds.source == "sandbox")
            keychain = None
            if creds.source != "sandbox":
                keychain = self.get_keychain()
                if creds.source == "environment" and not keychain.usable():
                    keychain = None  # CI without a keychain: tokens live in memory only
            client.tokens = TokenProvider(creds, client.request_token, keychain)
            self._client = client
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

