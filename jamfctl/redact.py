"""One redaction engine for every output format and every log line.

Two complementary rules:
- by field name: values of secret-bearing fields, at any depth, become `<redacted>`. The names come
  from Jamf's schema (`writeOnly` / `format: password`) and from meaning (tokens, keys, PINs). Facts
  *about* secrets (`bootstrapTokenEscrowedStatus`, `passwordMinLength`, ...) stay visible, so matching
  is by exact name or a narrow suffix, never by substring.
- by value: the client secret and every token this process has seen are registered here and scrubbed
  from any text (log lines, error messages), whatever field or sentence carries them.
"""
from __future__ import annotations

import re
import threading
from typing import Any

REDACTED = "<redacted>"

# Lower-cased exact names (see ../shared/jamf-api/README.md, "Secret-bearing fields").
SECRET_FIELDS = frozenset(
    name.lower()
    for name in """
    accessKeyID adminPassword airPlayPassword airplayPassword clientSecret client_secret currentPassword
    httpsPassword identityKeystore keystoreBytes keystorePassword newPassword password plainPassword
    readOnlyPassword readWritePassword recoveryLockPassword refreshToken refresh_token secretAccessKey
    sshPassword token accessToken access_token idToken id_token sessionToken serviceToken encodedToken
    unlockToken bootstrapToken personalRecoveryKey recoveryKey pin privateKey basicAuthCredentials
    googleMailCredentials graphApiCredentials lapsUserPasswordList secret apiKey api_key authorization
    passcode deviceLockPin lockPin
    """.split()
)
# Classic API and future fields: a name that *ends* in one of these is a value, not a fact about one.
SECRET_SUFFIXES = ("password", "secret", "privatekey", "accesstoken", "refreshtoken", "recoverykey")


_decisions: dict[str, bool] = {}  # field names repeat in every record: decide each once
# The names decided not secret, as a set: a dict whose keys all are in it is cleared by one C-level subset
# test, and only its containers are looked into (no decision per key per record in a long listing).
_plain: set[str] = set()


def is_secret_field(name: str) -> bool:
    decision = _decisions.get(name)
    if decision is None:
        key = name.lower()
        decision = key in SECRET_FIELDS or key.endswith(SECRET_SUFFIXES)
        if len(_decisions) < 4096:  # a hostile server inventing names must not grow this forever
            _decisions[name] = decision
            if not decision:
                _plain.add(name)
    return decision


MAX_DEPTH = 200  # hostile nesting: below this, a whole subtree is withheld rather than walked


def redact(data: Any, *, reveal: frozenset[str] = frozenset()) -> Any:
    """`data` with secret-bearing values replaced by REDACTED; `reveal` names fields to leave alone.

    Copy-on-write: containers without a secret come back as the same object, so the common case
    (inventory with nothing to hide) costs one walk and no copies. Callers must not mutate the result.
    """
    if isinstance(data, dict):
        return _redact_dict(data, reveal, 0)
    if isinstance(data, list):
        return _redact_list(data, reveal, 0)
    return data


def _redact_dict(data: dict, reveal: frozenset[str], depth: int) -> Any:
    if depth > MAX_DEPTH:
        return REDACTED
    if data.keys() <= _plain:  # the usual object: no secret name among its keys
        return _redact_containers(data, reveal, depth)
    out = None
    decisions = _decisions
    for key, value in data.items():
        kind = type(value)
        secret = decisions.get(key) if type(key) is str else False
        if secret is None:
            secret = is_secret_field(key)
        if secret and key not in reveal:
            # Facts stay visible: a boolean or a missing value says nothing secret.
            if value is None or kind is bool:
                continue
            new = REDACTED
        elif kind is dict:
            new = _redact_dict(value, reveal, depth + 1)
        elif kind is list:
            new = _redact_list(value, reveal, depth + 1)
        else:
            continue
        if new is not value:
            if out is None:
                out = dict(data)
            out[key] = new
    return data if out is None else out


def _redact_containers(data: dict, reveal: frozenset[str], depth: int) -> dict:
    """A dict without secret names: only its objects and lists are looked into."""
    out = None
    for key, value in data.items():
        kind = type(value)
        if kind is dict:
            new = _redact_dict(value, reveal, depth + 1)
        elif kind is list and value:
            new = _redact_list(value, reveal, depth + 1)
        else:
            continue
        if new is not value:
            if out is None:
                out = dict(data)
            out[key] = new
    return data if out is None else out


def _redact_list(data: list, reveal: frozenset[str], depth: int) -> Any:
    if depth > MAX_DEPTH:
        return REDACTED
    out = None
    for index, value in enumerate(data):
        kind = type(value)
        if kind is dict:
            new = _redact_dict(value, reveal, depth + 1)
        elif kind is list:
            new = _redact_list(value, reveal, depth + 1)
        else:
            continue
        if new is not value:
            if out is None:
                out = list(data)
            out[index] = new
    return data if out is None else out


# --- secret values seen at run time -----------------------------------------------------------------
_known: set[str] = set()
_known_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None
# Shapes that are secrets whatever field carries them (Authorization headers, token bodies).
_SHAPES = re.compile(
    r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|((?:client_secret|access_token|refresh_token|password)[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
)


def register_secret(value: str | None) -> None:
    """Remember a secret value (client secret, token) so that scrub() removes it from any text."""
    global _pattern
    if not value or len(value) < 4:  # too short to scrub without mangling ordinary text
        return
    with _known_lock:
        if value in _known:
            return
        _known.add(value)
        ordered = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(v) for v in ordered))


def scrub(text: str) -> str:
    """Remove registered secret values and secret-shaped substrings from free text."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return _SHAPES.sub(lambda m: (m.group(1) or m.group(2) or "") + REDACTED, text)


def forget_secrets() -> None:
    """For tests: start again with no registered values."""
    global _pattern
    with _known_lock:
        _known.clear()
        _pattern = None
