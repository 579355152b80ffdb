"""The privileges of each `jamfctl setup --level`, derived from the commands' own declarations.

The source is the catalogue `jamfctl commands` prints (jamfctl.cli.catalogue.entries): one row per command of
the real command tree, its privileges read from specs.RESOURCES and the generated field catalogues (reads),
specs.WRITES (writes) and jamfctl.resources.secrets (secrets on request). This module holds only the rule, so a
new command lands in a level by its declaration alone:

- read-only: every command that neither writes nor reveals a secret (`list`, `show`, `members`, pulls, diffs,
  backup): exactly what the read commands need, nothing more.
- standard: read-only, plus every declared write that is not `destructive` and does not lock a device
  (FULL_ONLY): script push, policy enable/disable, restart, shutdown, blank push, renew MDM, inventory updates.
  A mistake there is undone by the admin without the user noticing much.
- full: every command's privileges: standard plus secrets on request (FileVault keys, LAPS, lock PINs,
  recovery lock), the destructive MDM actions (erase, remove MDM, clear passcode) and device locks.

Writes without a command family count in no level: `api` and `multi` need the privileges of what they run, and
`setup` needs the admin's (creating API roles would let a client raise its own privileges). Stdlib only.
"""
from __future__ import annotations

from typing import Iterable

from jamfctl import specs

LEVELS = ("read-only", "standard", "full")
# Writes not flagged destructive that still stop a person working until IT steps in: full only.
FULL_ONLY = frozenset({"computer lock", "mobile lock", "mobile lost-mode"})


def level_of(row: dict) -> str | None:
    """The least level that includes a catalogue row's command; None if the row counts in no level."""
    if not row.get("privileges"):
        return None
    if row.get("reveals"):
        return "full"
    if not row.get("writes"):
        return "read-only"  # every read, also those of no family (computer health, report security, mcp serve)
    if not row.get("family"):
        return None  # api, multi: the privileges of what they run; setup: the admin's
    write = specs.write_for(row["command"])
    if write is None or write.destructive or row["command"] in FULL_ONLY:
        return "full"
    return "standard"


def privileges(level: str, rows: Iterable[dict]) -> list[str]:
    """The union of the privileges of every command `level` includes, sorted."""
    rank = LEVELS.index(level)
    names: set[str] = set()
    for row in rows:
        least = level_of(row)
        if least is not None and LEVELS.index(least) <= rank:
            names.update(row["privileges"])
    return sorted(names)


def needed_by(name: str, level: str, rows: Iterable[dict]) -> list[str]:
    """The commands of `level` that need privilege `name` (for a message naming why it is asked for)."""
    rank = LEVELS.index(level)
    return [row["command"] for row in rows
            if (least := level_of(row)) is not None and LEVELS.index(least) <= rank and name in row["privileges"]]
