"""One secret of one computer, on request: FileVault personal recovery key, LAPS password, device lock PIN,
recovery lock password (endpoints and privileges: ../shared/jamf-api/api-map.md, section 1).

Masked, Jamf is never asked for the secret: the facts come from inventory sections fetched with the lookup
(DISK_ENCRYPTION, SECURITY) and, for LAPS, from the account list, so a masked view needs no secret-viewing
privilege, leaves no view in Jamf's records and never starts a LAPS rotation. Revealing is two steps, so the
CLI can confirm in between: `locate` (no secret), then `reveal` (the one secret request). Errors from a secret
request never carry the server's text (an error body could echo the secret), and a secret once read is
registered with the redaction engine, so no later log line or message can hold it.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import quote

from jamfctl import redact, validate
from jamfctl.errors import AuthError, NotFoundError, RejectedError, ServerError, UsageError, ValidationError
from jamfctl.resources import collection
from jamfctl.specs import BY_NAME

REDACTED = redact.REDACTED
COMPUTER = BY_NAME["computer"]
INVENTORY = "/api/v4/computers-inventory/{id}"
LAPS = "/api/v2/local-admin-password/{management_id}"
IDENTITY = ("computerId", "name", "serialNumber")
LAPS_SOURCES = ("MDM", "JMF")
MAX_ACCOUNT = 255
_ACCOUNT_REFUSED = set("/\\\"'`")
_MANAGEMENT_ID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


@dataclass(frozen=True)
class Kind:
    command: str  # the verb: `jamfctl computer filevault`
    what: str  # in messages and questions
    field: str  # the secret's field in Jamf's response (and in jamfctl's output)
    path: str | None  # the secret's endpoint ("{id}": inventory id); LAPS has its own two
    privilege: str  # what a 403 names (the schema's x-required-privileges)
    sections: tuple[str, ...]  # inventory sections that hold the facts around the secret (masked view)
    facts: tuple[str, ...]  # the output's other fields
    none_held: str  # what a 404 from the secret's endpoint means


KINDS: dict[str, Kind] = {
    "filevault": Kind(
        "filevault", "FileVault personal recovery key", "personalRecoveryKey", INVENTORY + "/filevault",
        "View Disk Encryption Recovery Key", ("DISK_ENCRYPTION",),
        ("individualRecoveryKeyValidityStatus", "institutionalRecoveryKeyPresent", "diskEncryptionConfigurationName",
         "bootPartitionEncryptionDetails", "bootPartitionEncryptionDetails.partitionName",
         "bootPartitionEncryptionDetails.partitionFileVault2State",
         "bootPartitionEncryptionDetails.partitionFileVault2Percent"),
        "no FileVault information (no escrowed personal recovery key)"),
    "recovery-lock": Kind(
        "recovery-lock", "recovery lock password", "recoveryLockPassword", INVENTORY + "/view-recovery-lock-password",
        "View Recovery Lock", ("SECURITY",), ("recoveryLockEnabled",), "no recovery lock password"),
    "lock-pin": Kind(
        "lock-pin", "device lock PIN", "pin", INVENTORY + "/view-device-lock-pin",
        "View Computer Device Lock Pin", (), (), "no device lock PIN (one is kept only after a Lock command)"),
    "laps": Kind(
        "laps", "LAPS password", "password", None, "View Local Admin Password", (),
        ("clientManagementId", "username", "userSource", "guid"), "no such LAPS account"),
}


@dataclass(frozen=True)
class Target:
    """The computer asked for: a serial (looked up) or an inventory id (used as it is)."""

    serial: str | None = None
    id: int | None = None

    @property
    def shown(self) -> str:
        return f"serial {self.serial}" if self.serial else f"id {self.id}"


def target(serial: str | None, ident: str | None) -> Target:
    if (serial is None) == (ident is None):
        raise UsageError("give exactly one of SERIAL or --id ID")
    if serial is not None:
        return Target(serial=validate.serial(serial))
    return Target(id=validate.object_id(ident, "computer id"))


def account_name(value: str) -> str:
    """A LAPS account's username (a macOS short name), checked before it goes into a URL path segment."""
    what = "--account"
    if not value or not value.isascii() or not value.isprintable() or any(ch.isspace() for ch in value):
        raise ValidationError(f"invalid {what} {validate.shown(value)}: a macOS account short name has printable "
                              "ASCII characters only, no spaces or control characters (e.g. ladmin)")
    if len(value) > MAX_ACCOUNT:
        raise ValidationError(f"{what} is too long ({len(value)} characters; at most {MAX_ACCOUNT})")
    bad = sorted(ch for ch in set(value) if ch in _ACCOUNT_REFUSED)
    if bad or value in (".", ".."):
        raise ValidationError(f"invalid {what} {validate.shown(value)}: an account name may not contain "
                              f"{' '.join(sorted(_ACCOUNT_REFUSED))} or be . or ..")
    return value


def account_source(value: str) -> str:
    return validate.choice(value, list(LAPS_SOURCES), "--source")


def fields(kind: Kind) -> list[str]:
    return [*IDENTITY, kind.field, *kind.facts]


def segment(value: str) -> str:
    """One URL path segment: every reserved character percent-encoded (the value was checked to hold no '/')."""
    return quote(value, safe="")


# --- what is printed --------------------------------------------------------------------------------------------
def shown(kind: Kind, record: dict, revealed: bool) -> dict:
    """The record as printed: every other secret-bearing value redacted here, at any depth (so that revealing
    the secret's field by name cannot reveal a same-named field a server nested elsewhere), the secret itself
    only when revealed, and masked as <redacted> (or null where the facts say there is none)."""
    rest = redact.redact({k: v for k, v in record.items() if k != kind.field})
    value = record.get(kind.field)
    out: dict[str, Any] = {k: rest.get(k) for k in IDENTITY}
    out[kind.field] = value if revealed else (REDACTED if value is not None else None)
    out.update((k, v) for k, v in rest.items() if k not in IDENTITY)
    return out


def title(record: dict) -> str | None:
    name, serial, ident = record.get("name"), record.get("serialNumber"), record.get("computerId")
    key = ", ".join(str(part) for part in (serial, f"id {ident}" if ident is not None else None) if part)
    return f"{name} ({key})" if name else (f"computer {key}" if key else None)


def device(record: dict | None, where: Target) -> str:
    """The computer as a question or message names it."""
    if not record:
        return f"computer {where.shown}"
    return f"computer {title(record)}"


# --- the lookup -------------------------------------------------------------------------------------------------
def computer(client, where: Target, sections: list[str]) -> dict:
    """The inventory record (GENERAL and `sections`) by serial, or by id; one request either way."""
    wanted = list(dict.fromkeys(["GENERAL", *sections] + ([] if where.serial else ["HARDWARE"])))
    if where.serial:
        return collection.by_key(client, COMPUTER, where.serial, wanted)
    return collection.by_id(client, COMPUTER, where.id, wanted)


def identity(record: dict, where: Target) -> dict:
    hardware = record.get("hardware") or {}
    return {"computerId": str(record.get("id")), "name": collection.get_path(record, "general.name"),
            "serialNumber": hardware.get("serialNumber") or where.serial}


def masked(client, kind: Kind, where: Target) -> dict:
    """The facts around the secret, from inventory, and the secret's field masked: Jamf is not asked for it."""
    record = computer(client, where, list(kind.sections))
    out = identity(record, where)
    facts: dict[str, Any] = {}
    for section in kind.sections:
        facts.update(_section(record, section))
    secret: Any = REDACTED
    if kind.command == "filevault" and facts.get("individualRecoveryKeyValidityStatus") == "NOT_APPLICABLE":
        secret = None  # FileVault is off: there is no personal recovery key to hide
    if kind.command == "recovery-lock" and facts.get("recoveryLockEnabled") is False:
        secret = None
    out[kind.field] = secret
    out.update((k, facts.get(k)) for k in kind.facts if "." not in k)
    return out


def _section(record: dict, section: str) -> dict:
    key = {"DISK_ENCRYPTION": "diskEncryption", "SECURITY": "security"}[section]
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def locate(client, kind: Kind, where: Target) -> dict | None:
    """What a reveal needs before the secret: the computer's record (None with --id: the secret's endpoint
    takes the id as it is, so the reveal is one request)."""
    if where.id is not None:
        return None
    return computer(client, where, list(kind.sections))


def reveal(client, kind: Kind, where: Target, located: dict | None) -> dict:
    """The one secret request; the record as printed before `shown`."""
    ident = where.id if located is None else located.get("id")
    out = identity(located, where) if located else {"computerId": str(ident), "name": None, "serialNumber": None}
    if located:
        for section in kind.sections:
            facts = _section(located, section)
            out.update((k, facts.get(k)) for k in kind.facts if "." not in k and k in facts)
    path = kind.path.format(id=segment(str(ident)))
    with withheld(client, kind, device(out if located else None, where)):
        body = client.get_json(path, privilege=kind.privilege)
    if not isinstance(body, dict):
        raise ServerError(f"{client.label} sent an unexpected answer to GET {path}")
    secret = _secret(client, kind, body.get(kind.field), out, where)
    server = {k: v for k, v in body.items() if k != kind.field}
    if server.get("computerId") is not None:
        server["computerId"] = str(server["computerId"])
    return {**out, **{k: v for k, v in server.items() if v is not None or k not in out}, kind.field: secret}


def _secret(client, kind: Kind, value: Any, record: dict, where: Target) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is not None and not isinstance(value, str):
        raise ServerError(f"{client.label} sent a {kind.what} jamfctl cannot read")
    if not value:
        raise NotFoundError(f"{client.label} holds {kind.none_held} for {device(record, where)}")
    redact.register_secret(value)  # from here on, no log line or message can carry it
    return value


@contextlib.contextmanager
def withheld(client, kind: Kind, who: str, missing: str | None = None) -> Iterator[None]:
    """Errors of a secret request in jamfctl's own words: the server's error text is dropped, since a server
    may echo the secret in it. The exit code stays that of the error (403 keeps naming the privilege)."""
    missing = missing or f"{client.label} holds {kind.none_held} for {who}"
    try:
        yield
    except NotFoundError:
        raise NotFoundError(f"{missing} (404)") from None
    except RejectedError as exc:
        status = _REJECTED.search(exc.message)
        code = status.group(1) if status else "4xx"
        if kind.command == "laps" and code == "400":  # LAPS documents no 404: an unknown device or account is a 400
            raise NotFoundError(f"{missing}, or LAPS is not enabled for it (400)") from None
        raise RejectedError(f"{client.label} refused to give the {kind.what} of {who} ({code})") from None
    except AuthError:
        raise AuthError(f"{client.label} refused the access token (401); run `jamfctl login` again") from None


_REJECTED = re.compile(r"rejected the request \((\d{3})\)")  # JamfClient's own wording, never the server's


# --- LAPS --------------------------------------------------------------------------------------------------------
def laps_computer(client, where: Target) -> dict:
    """The computer's identity and its managementId (LAPS's clientManagementId), from one inventory request."""
    record = computer(client, where, [])
    out = identity(record, where)
    management_id = collection.get_path(record, "general.managementId")
    if not management_id:
        raise NotFoundError(f"{device(out, where)} has no management id (it is not managed), so it has no "
                            "LAPS accounts")
    if not isinstance(management_id, str) or not _MANAGEMENT_ID.fullmatch(management_id):
        raise ServerError(f"{client.label} sent a management id jamfctl cannot use for {device(out, where)}")
    out["clientManagementId"] = management_id
    return out


def laps_accounts(client, computer_: dict, where: Target) -> list[dict]:
    """The computer's LAPS accounts as printed (masked): one row each."""
    kind = KINDS["laps"]
    path = LAPS.format(management_id=computer_["clientManagementId"]) + "/accounts"
    who = device(computer_, where)
    with withheld(client, kind, who, f"{client.label} has no LAPS information for {who}"):
        body = client.get_json(path, privilege=kind.privilege)
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise ServerError(f"{client.label} sent an unexpected answer to GET {path}")
    rows = []
    for result in results:
        username, guid, source = result.get("username"), result.get("guid"), result.get("userSource")
        if not isinstance(username, str) or not username or guid is not None and not isinstance(guid, str):
            raise ServerError(f"{client.label} sent a LAPS account jamfctl cannot read")
        rows.append({**computer_, "username": username, "userSource": source, "guid": guid, "password": REDACTED})
    return rows


def laps_pick(accounts: list[dict], computer_: dict, where: Target, account: str | None,
              source: str | None) -> list[dict]:
    """The accounts matching --account and --source (all of them without either)."""
    picked = [a for a in accounts if (account is None or a["username"] == account)
              and (source is None or a["userSource"] == source)]
    if (account or source) and not picked:
        wanted = " ".join(part for part in (f"named {account!r}" if account else "", f"from {source}" if source else "")
                          if part)
        raise NotFoundError(f"{device(computer_, where)} has no LAPS account {wanted}; it has: "
                            f"{_listing(accounts) or 'none'}")
    return picked


def laps_choice(client, computer_: dict, where: Target, account: str | None, source: str | None) -> dict:
    """The one account a reveal reads. With --account alone no list is fetched (Jamf picks the MDM account
    when an MDM and a JMF account share the name); otherwise the list decides, and the guid names the account."""
    if account is not None and source is None:
        return {**computer_, "username": account, "userSource": None, "guid": None}
    picked = laps_pick(laps_accounts(client, computer_, where), computer_, where, account, source)
    if not picked:
        raise NotFoundError(f"{device(computer_, where)} has no LAPS accounts")
    if len(picked) > 1:
        raise UsageError(f"{device(computer_, where)} has {len(picked)} LAPS accounts ({_listing(picked)}); "
                         "choose one with --account NAME, and --source MDM|JMF when two share a name")
    return {k: v for k, v in picked[0].items() if k != "password"}


def laps_reveal(client, choice: dict, where: Target) -> dict:
    """The password of the chosen account (viewing it starts Jamf's rotation clock)."""
    kind = KINDS["laps"]
    base = LAPS.format(management_id=choice["clientManagementId"])
    guid = choice.get("guid")
    if guid is not None and ("/" in guid or not guid.isprintable()):
        raise ServerError(f"{client.label} sent a LAPS account guid jamfctl cannot use")
    path = f"{base}/account/{segment(choice['username'])}" + (f"/{segment(guid)}" if guid else "") + "/password"
    who = device(choice, where)
    with withheld(client, kind, who, f"{client.label} has no LAPS account {choice['username']!r} for {who}"):
        body = client.get_json(path, privilege=kind.privilege)
    if not isinstance(body, dict):
        raise ServerError(f"{client.label} sent an unexpected answer to the LAPS password request")
    password = _secret(client, kind, body.get(kind.field), choice, where)
    extra = {k: v for k, v in body.items() if k != kind.field and k not in choice}
    return {**choice, **extra, kind.field: password}


def _listing(accounts: list[dict]) -> str:
    return ", ".join(f"{a['username']} ({a.get('userSource') or '?'})" for a in accounts)
