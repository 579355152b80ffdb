"""Typed errors and the one map from error to exit code (see PRODUCT.md, "Errors and exit codes").

Code below the CLI raises these; the CLI's error reporter (`jamfctl.cli.app.report`) turns them into a
message and an exit status.
"""
from __future__ import annotations


class ExitCode:
    OK = 0
    ERROR = 1
    USAGE = 2
    AUTH = 3
    NOT_FOUND = 4
    FORBIDDEN = 5
    UNAVAILABLE = 6
    NETWORK = 7
    PARTIAL = 8
    INTERRUPTED = 130


class JamfctlError(Exception):
    """An error with a message fit for a user: one or two plain lines, no secrets, no internals."""

    exit_code = ExitCode.ERROR
    kind = "error"

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Extra context shown only with --debug (still redacted).
        self.detail = detail


class UsageError(JamfctlError):
    exit_code = ExitCode.USAGE
    kind = "usage"


class ValidationError(UsageError):
    kind = "invalid_input"


class ConfigError(UsageError):
    kind = "config"


class ConfigFileError(JamfctlError):
    """The config file could not be read or written (an I/O failure: exit 1). A file that reads but does
    not parse is a ConfigError (exit 2)."""

    kind = "config"


class AuthError(JamfctlError):
    exit_code = ExitCode.AUTH
    kind = "auth"


class KeychainError(AuthError):
    """No working OS keychain, or it refused: never fall back to a file."""

    kind = "keychain"


class NotFoundError(JamfctlError):
    exit_code = ExitCode.NOT_FOUND
    kind = "not_found"


class ForbiddenError(JamfctlError):
    exit_code = ExitCode.FORBIDDEN
    kind = "forbidden"


class UnavailableError(JamfctlError):
    exit_code = ExitCode.UNAVAILABLE
    kind = "unavailable"


class NetworkError(JamfctlError):
    exit_code = ExitCode.NETWORK
    kind = "network"


class ServerError(JamfctlError):
    """The server answered with something we cannot use (5xx after retries, broken JSON, ...)."""

    exit_code = ExitCode.ERROR
    kind = "server"


class RejectedError(JamfctlError):
    """The server refused the request as sent (a 4xx other than 401/403/404/429). Exit 1, not 2: the
    request went out, and 2 promises that nothing was sent."""

    exit_code = ExitCode.ERROR
    kind = "rejected"


class Interrupted(JamfctlError):
    exit_code = ExitCode.INTERRUPTED
    kind = "interrupted"
