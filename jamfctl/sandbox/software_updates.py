"""GET /api/v1/managed-software-updates/available-updates (AvailableOsUpdates), an extension of sandbox.resources.

What Apple offers as updates, newest first: here the newest point release of each major the sandbox's
catalogue knows (so the list is the same for every seed, as Apple's is for every server). The schema names no
privilege for it; like every sandbox route it needs a token.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from . import catalog

if TYPE_CHECKING:
    from .app import SandboxApp, SandboxResponse

PATH = ("api", "v1", "managed-software-updates", "available-updates")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _newest_per_major(versions) -> list[str]:
    newest: dict[int, str] = {}
    for version in versions:
        major = _key(version)[0]
        if major not in newest or _key(version) > _key(newest[major]):
            newest[major] = version
    return sorted(newest.values(), key=_key, reverse=True)


@lru_cache(maxsize=1)
def available_updates() -> dict:
    return {"availableUpdates": {
        "macOS": _newest_per_major(r.version for r in catalog.OS_RELEASES),
        "iOS": _newest_per_major(v[0] for v in catalog.MOBILE_OS_RELEASES["ios"]),
    }}


def answer(app: SandboxApp, method: str, segments: tuple[str, ...], query, headers, body) -> SandboxResponse | None:
    if segments != PATH:
        return None
    from .app import _json

    return app._only_get(method) or _json(200, available_updates())
