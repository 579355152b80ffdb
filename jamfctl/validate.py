"""Input validation: every argument is checked here before any request is sent.

Each function returns the normalised value or raises ValidationError (exit 2) with a message that
quotes the input only in a safe, shortened form.
"""
from __future__ import annotations

import ipaddress
import re
import uuid
from urllib.parse import urlsplit

from jamfctl import rsql
from jamfctl.errors import ValidationError

SERIAL_RE = re.compile(r"[A-Z0-9]{8,20}")
PROFILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
FIELD_PATH_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
HOST_LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
MAX_ID = 2**31 - 1
MAX_NAME = 255
MAX_URL = 2048


def shown(value: str, limit: int = 40) -> str:
    """A printable, shortened rendering of user input for error messages."""
    text = value.encode("unicode_escape").decode("ascii")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def serial(value: str) -> str:
    """An Apple serial number: 8–20 ASCII letters and digits (Apple's own are 10–12)."""
    normalised = value.strip()
    # ASCII before upper-casing: 'ſ'.upper() is 'S' and 'ﬁ'.upper() is 'FI', look-alikes that would pass.
    normalised = normalised.upper() if normalised.isascii() else ""
    if not SERIAL_RE.fullmatch(normalised):
        raise ValidationError(
            f"invalid serial number {shown(value)}: expected 8-20 letters A-Z and digits 0-9, "
            "for example C02XK1JMJG5H"
        )
    return normalised


def object_id(value: str | int, what: str = "id") -> int:
    """A Jamf object id: a whole number from 1 to 2^31-1."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 1 <= int(text) <= MAX_ID:
        raise ValidationError(f"invalid {what} {shown(text)}: expected a whole number from 1 to {MAX_ID}")
    return int(text)


def uuid_value(value: str, what: str = "UUID") -> str:
    text = value.strip()
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        raise ValidationError(f"invalid {what} {shown(text)}: expected a UUID like 2E2C2BB5-8A53-4A3E-9C15-2D1C7C4A3B9E") from None
    if len(text) != 36:
        raise ValidationError(f"invalid {what} {shown(text)}: expected the 36-character form")
    return str(parsed).upper()


def _printable(value: str, what: str, *, wildcard: bool) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(f"{what} must not be empty")
    if len(text) > MAX_NAME:
        raise ValidationError(f"{what} is too long ({len(text)} characters; at most {MAX_NAME})")
    if not text.isprintable():
        raise ValidationError(f"{what} {shown(text)} contains control or invisible characters")
    # Quotes and backslashes would change the meaning of the RSQL filter the name is placed into.
    bad = set('"\\') | (set() if wildcard else {"*"})
    if any(ch in bad for ch in text):
        allowed = "" if not wildcard else " (use * as a wildcard)"
        raise ValidationError(f"{what} {shown(text)} may not contain {' '.join(sorted(bad))}{allowed}")
    return text


def name(value: str, what: str = "name") -> str:
    """An exact object name (printable, bounded, no quoting characters, no wildcard)."""
    return _printable(value, what, wildcard=False)


def name_glob(value: str, what: str = "name pattern") -> str:
    """A name pattern where * matches any run of characters."""
    return _printable(value, what, wildcard=True)


def profile_name(value: str) -> str:
    if not PROFILE_RE.fullmatch(value):
        raise ValidationError(
            f"invalid profile name {shown(value)}: use letters, digits, '.', '_' or '-' (at most 64)"
        )
    return value


def _number_text(value: str, pattern: str) -> str | None:
    """Plain ASCII digits only: int() and float() also take '１０', '1_000', ' nan', 'inf' and '1e3'."""
    text = value.strip()
    return text if re.fullmatch(pattern, text) else None


def limit(value: int | str) -> int:
    if isinstance(value, str):
        text = _number_text(value, r"[0-9]{1,20}")
        if text is None:
            raise ValidationError(f"invalid --limit {shown(value)}: expected a whole number from 1 to 1000000 (or --all)")
        value = int(text)
    if not 1 <= value <= 1_000_000:
        raise ValidationError(f"invalid --limit {value}: expected 1 to 1000000 (or --all)")
    return value


def timeout(value: float | str) -> float:
    if isinstance(value, str):
        text = _number_text(value, r"[0-9]{1,6}(?:\.[0-9]{1,6})?|\.[0-9]{1,6}")
        if text is None:
            raise ValidationError(f"invalid timeout {shown(value)}: expected a number of seconds from 0.1 to 600")
        value = float(text)
    if not 0.1 <= value <= 600:
        raise ValidationError(f"invalid timeout {value:g}: expected 0.1 to 600 seconds")
    return value


def max_connections(value: str) -> int:
    """JAMFCTL_MAX_CONNECTIONS: 1 to 5. Jamf asks API clients for at most 5 at once; lower is allowed."""
    text = _number_text(value, r"[0-9]{1,2}")
    if text is None or not 1 <= int(text) <= 5:
        raise ValidationError(f"invalid JAMFCTL_MAX_CONNECTIONS {shown(value)}: expected 1 to 5 "
                              "(Jamf asks for at most 5 connections at once)")
    return int(text)


def is_loopback(host: str) -> bool:
    """localhost or a loopback address; IPv6 also in the brackets of a URL (`[::1]`)."""
    if host == "localhost":
        return True
    try:
        if host.startswith("[") and host.endswith("]"):  # brackets hold IPv6 only
            return ipaddress.IPv6Address(host[1:-1]).is_loopback
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url(value: str, what: str = "Jamf Pro URL") -> str:
    """A Jamf Pro server URL: https (http only for loopback), no credentials, no query or fragment."""
    text = value.strip()
    hint = "expected something like https://yourcompany.jamfcloud.com"
    if "@" in text:  # checked first so that no message echoes an embedded password
        raise ValidationError(f"invalid {what}: it must not contain a user name or password")
    if not text or len(text) > MAX_URL or not text.isascii() or not text.isprintable() or " " in text:
        raise ValidationError(f"invalid {what} {shown(text)}: {hint} (ASCII, no spaces)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"invalid {what} {shown(text)}: {hint}") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http"):
        raise ValidationError(f"invalid {what} {shown(text)}: only https:// is supported ({hint})")
    if not host:
        raise ValidationError(f"invalid {what} {shown(text)}: no host name ({hint})")
    if parts.scheme == "http" and not is_loopback(host):
        raise ValidationError(
            f"refusing {what} {shown(text)}: plain http:// is allowed only for localhost; use https://"
        )
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValidationError(f"invalid {what} {shown(text)}: it must not carry a query or fragment")
    if not _valid_host(host):
        raise ValidationError(f"invalid {what} {shown(text)}: {shown(host)} is not a valid host name")
    if port == 0:
        raise ValidationError(f"invalid {what} {shown(text)}: port 0")
    path = parts.path.rstrip("/")
    if path and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", path) or ".." in path:
        raise ValidationError(f"invalid {what} {shown(text)}: unexpected path {shown(path)}")
    # An API path pasted from the docs (…/api, …/api/v1/…, …/JSSResource) would be doubled on every request.
    api = re.search(r"/(?:api|uapi|JSSResource)(?:/|$)", path + "/", re.IGNORECASE)
    if api:
        base = f"{parts.scheme}://{parts.netloc.lower()}{path[:api.start()]}"
        raise ValidationError(f"invalid {what} {shown(text)}: give the server's address without the API path, "
                              f"e.g. {shown(base)}")
    netloc = parts.netloc.lower()
    return f"{parts.scheme}://{netloc}{path}"


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    # Punycode labels are refused: an IDN host is a classic look-alike trick and no Jamf server needs one.
    return all(HOST_LABEL_RE.fullmatch(label) and not label.startswith("xn--") for label in labels)


def field_paths(value: str) -> list[str]:
    """A comma-separated list of dot paths, e.g. `id,hardware.serialNumber`."""
    paths = [p.strip() for p in value.split(",") if p.strip()]
    if not paths:
        raise ValidationError("--fields needs at least one field, e.g. --fields id,general.name")
    if len(paths) > 200:
        raise ValidationError("--fields names too many fields (at most 200)")
    for path in paths:
        if len(path) > 200 or not FIELD_PATH_RE.fullmatch(path):
            raise ValidationError(f"invalid field {shown(path)}: expected a dot path like general.name")
    return list(dict.fromkeys(paths))


def choice(value: str, allowed: list[str], what: str) -> str:
    """Case-insensitive pick from a fixed list (dashes read as underscores)."""
    key = value.strip()
    key = key.upper().replace("-", "_") if key.isascii() else ""  # 'ſecurity'.upper() is 'SECURITY'
    if key not in allowed:
        raise ValidationError(f"unknown {what} {shown(value)}; valid: {', '.join(allowed)}")
    return key


def sort_spec(value: str, allowed: list[str]) -> str:
    """`field:asc|desc[,field:asc|desc]` over the fields Jamf allows."""
    try:
        keys = rsql.parse_sort(value)
    except rsql.RsqlError as exc:
        raise ValidationError(_sort_refusal(exc.code, exc.found or "", allowed)) from None
    for field, _ in keys:
        if field not in allowed:
            raise ValidationError(_sort_refusal("INVALID_FIELD", field, allowed))
    return ",".join(f"{field}:{'desc' if descending else 'asc'}" for field, descending in keys)


def _sort_refusal(code: str, found: str, allowed: list[str]) -> str:
    if code == "INVALID_SORT_DIRECTION":
        return f"invalid sort direction {shown(found)}: use asc or desc"
    return f"cannot sort by {shown(found)}; sortable fields: {', '.join(allowed)}"


def rsql_filter(value: str, allowed_fields: list[str]) -> str:
    """Check an RSQL filter: its grammar (jamfctl.rsql) and that Jamf allows filtering on every field it names.

    The client only checks; the server evaluates. Returns the filter, stripped."""
    text = value.strip()
    if not text:
        raise ValidationError("--filter must not be empty")
    try:
        tree = rsql.parse(text)
    except rsql.RsqlError as exc:
        raise ValidationError(_filter_refusal(exc)) from None
    for comparison in rsql.comparisons(tree):
        if comparison.field not in allowed_fields:
            allowed = ", ".join(allowed_fields)
            raise ValidationError(f"cannot filter on {shown(comparison.field)}; Jamf allows: {allowed}")
    return text


def _filter_refusal(exc: rsql.RsqlError) -> str:
    """`invalid filter: <reason>`, followed by what was found there: the input (shortened) or "the end"."""
    if exc.found is None:
        return f"invalid filter: {exc.reason}"
    return f"invalid filter: {exc.reason} {shown(exc.found, 20) if exc.found else 'the end'}"


def rsql_quote(value: str) -> str:
    """Quote a validated value for an RSQL comparison."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
