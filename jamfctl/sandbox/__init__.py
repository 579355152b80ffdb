"""The built-in Jamf Pro API simulator ("sandbox"): a synthetic fleet served in-process or over loopback HTTP.

Kept tiny: importing this package must not pull in httpx or build a fleet (CLI start-up time).
"""

from __future__ import annotations

from dataclasses import dataclass

# Fake, documented credentials: the sandbox accepts only these and holds no real secret.
SANDBOX_CLIENT_ID = "jamfctl-sandbox"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
JAMF_PRO_VERSION = "11.30.1-t1784555528405"


@dataclass(frozen=True)
class SandboxConfig:
    computers: int = 500
    seed: int = 42
    latency_ms: int = 0
    faults: str | None = None  # SPEC such as "503:0.2,429:0.1,reset:0.05"; see sandbox.faults
    retry_after: float | None = None  # seconds sent as Retry-After on injected 429/503
    token_ttl: int = 1200  # seconds an access token stays valid (Jamf's default lifetime)
    client_id: str = SANDBOX_CLIENT_ID  # the one API client accepted (tests may choose their own)
    client_secret: str = SANDBOX_CLIENT_SECRET
    denied_privileges: frozenset[str] = frozenset()  # privilege names the API role lacks: their endpoints answer 403


__all__ = ["JAMF_PRO_VERSION", "SANDBOX_CLIENT_ID", "SANDBOX_CLIENT_SECRET", "SandboxConfig"]
