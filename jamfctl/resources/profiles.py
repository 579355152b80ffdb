"""What configuration profiles have beyond their declaration: the payload shown as the plist it is.

Jamf sends a profile's payloads as one XML-escaped plist string. Decoded, it reads as the profile a person
wrote, and the redaction of secret-bearing keys (a Wi-Fi `Password`, a certificate's) reaches inside it,
which it cannot do while the payload is one opaque string.
"""
from __future__ import annotations

import base64
import datetime
import plistlib


def shown(record: dict) -> dict:
    general = record.get("general")
    payload = general.get("payloads") if isinstance(general, dict) else None
    decoded = decode_payload(payload) if isinstance(payload, str) else None
    if decoded is None:
        return record
    return {**record, "general": {**general, "payloads": decoded}}


def decode_payload(text: str):
    """The plist as plain data (bytes as base64, dates as ISO 8601), or None when it is not a plist.
    plistlib refuses entity declarations, so a hostile payload cannot expand or fetch entities."""
    try:
        return _plain(plistlib.loads(text.encode("utf-8"), fmt=plistlib.FMT_XML))
    except (plistlib.InvalidFileException, ValueError, TypeError, OverflowError, RecursionError):
        return None


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value
