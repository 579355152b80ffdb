"""Writes as data: a `Request` is what a command would send, built before anything is sent.

Because a writing command first builds its Requests, `--dry-run` prints exactly what would go out,
`--debug` logs it redacted, tests assert on data, and the client sends each one once (a POST is never
retried once it may have reached the server; see JamfClient.send).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jamfctl import redact

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # under the server URL, e.g. "/api/v2/mdm/commands"
    json: Any = None  # a JSON body
    content: bytes | None = None  # or a raw body (Classic XML), with its type
    content_type: str | None = None
    params: tuple[tuple[str, str], ...] = field(default=())
    privilege: str | None = None  # what a 403 names

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT

    def body(self) -> tuple[bytes, str] | None:
        if self.json is not None:
            return json.dumps(self.json, separators=(",", ":")).encode(), "application/json"
        if self.content is not None:
            return self.content, self.content_type or "application/octet-stream"
        return None

    def shown(self) -> str:
        """One line for --dry-run and --debug: method, path and the body with secrets redacted."""
        query = "?" + "&".join(f"{k}={v}" for k, v in self.params) if self.params else ""
        line = f"{self.method} {self.path}{query}"
        if self.json is not None:
            line += " " + json.dumps(redact.redact(self.json), separators=(",", ":"), ensure_ascii=False)
        elif self.content is not None:
            line += " " + redact.scrub(self.content.decode("utf-8", "replace"))
        return redact.scrub(line)
