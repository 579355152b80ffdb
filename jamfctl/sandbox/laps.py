"""LAPS in the sandbox: `/api/v2/local-admin-password/...` for the fleet's computers (an extension module of
sandbox.resources).

Each managed computer has a few LAPS accounts (userSource MDM and JMF; on some, an MDM and a JMF account
share a username, which only the `{guid}` form tells apart). As on Jamf Pro, viewing a password starts its
rotation clock: once the rotation time (LapsSettingsResponseV2.passwordRotationTime) has passed, the account
has a new password, and the history endpoints show VIEWED, PENDING and COMPLETED events. The state lives in
the app (`state(app)`); its clock is the fleet's reference instant plus the time the app has run, which tests
can move on with `state(app).advance(seconds)`. LAPS documents no 404: an unknown device or account is a 400.
"""
from __future__ import annotations

import threading
import time
from hashlib import blake2b
from typing import TYPE_CHECKING

from .fleet import REFERENCE_EPOCH, Computer, derived_uuid

if TYPE_CHECKING:
    from .app import SandboxApp, SandboxResponse

ROOT = ("api", "v2", "local-admin-password")
VIEW = "View Local Admin Password"
AUDIT = "View Local Admin Password Audit History"
SETTINGS_READ = ("Read User-Initiated Enrollment", "Update Local Admin Password Settings")
ROTATION_SECONDS = 3600  # Jamf's default passwordRotationTime: one hour after a view
AUTO_ROTATE_SECONDS = 7776000  # autoRotateExpirationTime (off in the sandbox)
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
_creating = threading.Lock()


class Account:
    """One LAPS account of one computer: which password generation is current, and what happened to it."""

    __slots__ = ("source", "username", "guid", "generation", "created", "viewed_at", "last_seen", "past", "events")

    def __init__(self, source: str, username: str, guid: str, created: float) -> None:
        self.source, self.username, self.guid = source, username, guid
        self.generation = 0
        self.created = created
        self.viewed_at: float | None = None  # the first view of the current password: its rotation clock
        self.last_seen: float | None = None
        self.past: list[tuple[float, float | None, float]] = []  # (created, last seen, rotated) per old password
        self.events: list[tuple[str, float, str | None]] = []  # (eventType, time, viewedBy)


class LapsState:
    def __init__(self, app: SandboxApp) -> None:
        self.fleet = app.fleet
        self.rotation_seconds = ROTATION_SECONDS
        self._started = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()
        self._by_management_id: dict[str, Computer] | None = None
        self._accounts: dict[int, list[Account]] = {}

    # --- the sandbox's clock ------------------------------------------------------------------------------------
    def now(self) -> float:
        return REFERENCE_EPOCH + (time.monotonic() - self._started) + self._offset

    def advance(self, seconds: float) -> None:
        """Test hook: let `seconds` pass (rotations fall due as they would)."""
        with self._lock:
            self._offset += seconds

    # --- devices and accounts -----------------------------------------------------------------------------------
    def computer(self, management_id: str) -> Computer | None:
        if self._by_management_id is None:
            index = {self.fleet.management_id(c): c for c in self.fleet.computers}
            with self._lock:
                self._by_management_id = index
        return self._by_management_id.get(management_id.lower())

    def accounts(self, computer: Computer) -> list[Account]:
        """The computer's accounts (none unless managed), rotated where a viewed password fell due."""
        with self._lock:
            found = self._accounts.get(computer.id)
            if found is None:
                found = self._accounts[computer.id] = self._initial(computer)
            now = self.now()
            for account in found:
                self._rotate_if_due(account, now)
            return list(found)

    def _initial(self, c: Computer) -> list[Account]:
        if not c.managed:
            return []
        seed = self.fleet.seed
        wanted = [("JMF", "jamfadmin")]
        if c.supervised:  # the managed local administrator an ADE prestage creates
            wanted.insert(0, ("MDM", "ladmin"))
            if (c.bits >> 44) % 4 == 0:  # an older JMF account of the same name: only its guid tells it apart
                wanted.append(("JMF", "ladmin"))
        created = REFERENCE_EPOCH - (3 + (c.bits >> 46) % 40) * 86400
        return [Account(source, name, derived_uuid(seed, c.id, f"laps:{source}:{name}").upper(), created)
                for source, name in wanted]

    def _rotate_if_due(self, account: Account, now: float) -> None:
        if account.viewed_at is None:
            return
        due = account.viewed_at + self.rotation_seconds
        if now < due:
            return
        account.past.append((account.created, account.last_seen, due))
        account.generation += 1
        account.created, account.viewed_at, account.last_seen = due, None, None
        account.events.append(("COMPLETED", due, None))

    def password(self, computer: Computer, account: Account) -> str:
        digest = blake2b(f"{self.fleet.seed}:{computer.id}:{account.guid}:{account.generation}".encode(),
                         digest_size=20).digest()
        chars = "".join(PASSWORD_ALPHABET[b % len(PASSWORD_ALPHABET)] for b in digest)
        return "-".join(chars[i:i + 5] for i in range(0, 20, 5))

    def view(self, computer: Computer, account: Account, viewer: str) -> str:
        """The current password; the first view starts the rotation clock."""
        with self._lock:
            now = self.now()
            self._rotate_if_due(account, now)
            account.events.append(("VIEWED", now, viewer))
            if account.viewed_at is None:
                account.viewed_at = now
                account.events.append(("PENDING", now, None))
            account.last_seen = now
            return self.password(computer, account)


def state(app: SandboxApp) -> LapsState:
    """The app's LAPS state, made on first use."""
    found = app.__dict__.get("_laps_state")
    if found is None:
        with _creating:
            found = app.__dict__.setdefault("_laps_state", LapsState(app))
    return found


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


# --- routes ---------------------------------------------------------------------------------------------------
def answer(app: SandboxApp, method: str, segments: tuple[str, ...], query, headers, body) -> SandboxResponse | None:
    if segments[:3] != ROOT or len(segments) < 4:
        return None
    from .app import _json, api_error

    rest = segments[3:]
    if rest == ("settings",):
        return _guard(app, method, SETTINGS_READ, writes="PUT") or _json(200, _settings(state(app)))
    if rest == ("pending-rotations",):
        return _guard(app, method, (VIEW,)) or _json(200, _pending(app))
    laps = state(app)
    if rest[1:] == ("set-password",):
        return _guard(app, method, ("Send Local Admin Password Command",), writes="PUT")
    needed = (AUDIT,) if rest[-1] in ("history", "audit") else (VIEW,)
    denied = _guard(app, method, needed)
    if denied is not None:
        return denied
    computer = laps.computer(rest[0])
    if computer is None:
        return api_error(400, "INVALID_CLIENT_MANAGEMENT_ID", f"No LAPS capable device with management id {rest[0]}",
                         "clientManagementId")
    accounts = laps.accounts(computer)
    if rest[1:] == ("accounts",):
        results = [_user(rest[0], a) for a in accounts]
        return _json(200, {"totalCount": len(results), "results": results})
    if rest[1:] == ("history",):
        events = sorted(((e, a) for a in accounts for e in a.events), key=lambda pair: pair[0][1])
        results = [{"username": a.username, "eventType": kind, "eventTime": _iso(when), "viewedBy": viewer,
                    "userSource": a.source} for (kind, when, viewer), a in events]
        return _json(200, {"totalCount": len(results), "results": results})
    if len(rest) in (4, 5) and rest[1] == "account" and rest[-1] in ("password", "history"):
        account = _pick(accounts, rest[2], rest[3] if len(rest) == 5 else None)
        if account is None:
            return api_error(400, "INVALID_USERNAME", f"No LAPS account {rest[2]} on this device", "username")
        if rest[-1] == "history":
            return _json(200, _account_history(laps, account))
        viewer = app.config.client_id
        return _json(200, {"password": laps.view(computer, account, viewer)})
    return None


def _guard(app: SandboxApp, method: str, needed: tuple[str, ...], writes: str | None = None) -> SandboxResponse | None:
    from .app import api_error

    refused = app._only_get(method, jamf_also=writes)
    if refused is not None:
        return refused
    missing = [name for name in needed if name in app.config.denied_privileges]
    if missing:
        return api_error(403, "INVALID_PRIVILEGE", f"Forbidden: the API role lacks {missing[0]}")
    return None


def _pick(accounts: list[Account], username: str, guid: str | None) -> Account | None:
    """By username (the MDM account when an MDM and a JMF account share it, as Jamf documents) or by guid."""
    named = [a for a in accounts if a.username == username]
    if guid is not None:
        return next((a for a in named if a.guid.lower() == guid.lower()), None)
    return next((a for a in named if a.source == "MDM"), named[0] if named else None)


def _user(management_id: str, account: Account) -> dict:
    return {"clientManagementId": management_id, "guid": account.guid, "username": account.username,
            "userSource": account.source}


def _account_history(laps: LapsState, account: Account) -> dict:
    rows = [{"createdDate": _iso(created), "dateLastSeen": _iso(seen), "expirationTime": _iso(rotated),
             "rotationStatus": "COMPLETED"} for created, seen, rotated in account.past]
    pending = account.viewed_at is not None
    rows.append({"createdDate": _iso(account.created), "dateLastSeen": _iso(account.last_seen),
                 "expirationTime": _iso(account.viewed_at + laps.rotation_seconds) if pending else None,
                 "rotationStatus": "PENDING" if pending else "COMPLETED"})
    return {"totalCount": len(rows), "results": rows}


def _settings(laps: LapsState) -> dict:
    return {"autoDeployEnabled": False, "passwordRotationTime": int(laps.rotation_seconds),
            "autoRotateEnabled": False, "autoRotateExpirationTime": AUTO_ROTATE_SECONDS}


def _pending(app: SandboxApp) -> dict:
    laps = state(app)
    with laps._lock:
        known = dict(laps._accounts)
    results = []
    for computer_id, accounts in sorted(known.items()):
        computer = app.fleet.get(computer_id)
        for account in laps.accounts(computer):
            if account.viewed_at is not None:
                results.append({"lapsUser": _user(app.fleet.management_id(computer), account),
                                "createdDate": _iso(account.viewed_at)})
    return {"totalCount": len(results), "results": results}
