"""Seeded, repeatable fault injection: `--faults 503:0.2,429:0.1,reset:0.05`."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter

FAULT_KINDS = ("500", "502", "503", "429", "reset", "slow", "truncate")
HTTP_FAULTS = {"500": 500, "502": 502, "503": 503, "429": 429}  # answered with that status instead of the real one


def parse_faults(spec: str | None) -> list[tuple[str, float]]:
    """'KIND:RATE,...' -> [(kind, rate)]; raises ValueError with a message fit for the user."""
    if spec is None or not spec.strip():
        return []
    out: list[tuple[str, float]] = []
    for item in spec.split(","):
        kind, sep, rate_text = item.strip().partition(":")
        kind = kind.strip().lower()
        if not sep:
            raise ValueError(f"bad fault {item.strip()!r}: expected KIND:RATE, e.g. 503:0.2")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}: use one of {', '.join(FAULT_KINDS)}")
        try:
            rate = float(rate_text)
        except ValueError:
            raise ValueError(f"bad rate {rate_text.strip()!r} for fault {kind!r}: use a number from 0 to 1") from None
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate {rate_text.strip()} for fault {kind!r} is outside 0..1")
        if any(k == kind for k, _ in out):
            raise ValueError(f"fault kind {kind!r} given twice")
        out.append((kind, rate))
    total = sum(rate for _, rate in out)
    if total > 1.0 + 1e-9:
        raise ValueError(f"fault rates add up to {total:g}; their total must be at most 1")
    return out


class FaultPlan:
    """Decides per request which fault (if any) to inject.

    The draw for a request depends on the seed, the request (method and target) and how many times that
    request came before, not on arrival order: a client fetching pages on five connections meets the same
    faults on every run with the same seed, whatever order its requests happen to arrive in.
    """

    def __init__(self, spec: str | None, seed: int = 42):
        self.rates = parse_faults(spec)
        self.seed = seed
        self._seen: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()  # requests arrive on many threads

    def __bool__(self) -> bool:
        return any(rate > 0 for _, rate in self.rates)

    def decide(self, method: str, target: str) -> str | None:
        if not self.rates:
            return None
        with self._lock:
            self._seen[method, target] += 1
            attempt = self._seen[method, target]
        digest = hashlib.blake2b(f"{self.seed}\0{method}\0{target}\0{attempt}".encode(), digest_size=8).digest()
        draw = int.from_bytes(digest, "big") / 2**64  # uniform in [0, 1)
        cumulative = 0.0
        for kind, rate in self.rates:
            cumulative += rate
            if draw < cumulative:
                return kind
        return None
