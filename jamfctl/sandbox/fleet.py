"""A deterministic, seeded synthetic fleet of Macs.

Only a compact core per computer is kept in memory (100k computers build in well under a second or two);
inventory sections are built on demand by sandbox.sections from that core.
"""

from __future__ import annotations

import calendar
import random
import time
import unicodedata
import uuid
from array import array
from bisect import bisect
from hashlib import blake2b
from itertools import accumulate
from typing import Callable

from . import catalog

# All dates are relative to this instant, never the wall clock, so a seed always yields the same fleet.
REFERENCE_EPOCH = calendar.timegm((2026, 11, 30, 12, 0, 0))
DAY = 86400
SERIAL_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # Apple serials avoid I and O


class Computer:
    """The compact core of one computer; everything else derives from it (and `bits`)."""

    __slots__ = ("id", "serial", "name", "model", "os", "first", "last", "username",
                 "dept", "building", "contact", "report", "enrolled", "bits")

    def __init__(self, id, serial, name, model, os, first, last, username, dept, building,
                 contact, report, enrolled, bits):
        self.id = id
        self.serial = serial
        self.name = name
        self.model = model
        self.os = os
        self.first = first
        self.last = last
        self.username = username
        self.dept = dept
        self.building = building
        self.contact = contact
        self.report = report
        self.enrolled = enrolled
        self.bits = bits

    # --- facts derived from independent 8-bit slices of `bits` (cheap, no RNG needed) ---
    def _slice(self, n: int) -> int:
        return (self.bits >> (8 * n)) & 0xFF

    @property
    def managed(self) -> bool:
        return self._slice(0) < 243  # ~95 %

    @property
    def supervised(self) -> bool:
        return self._slice(1) < 218  # ~85 %, the ones enrolled through ADE

    @property
    def filevault(self) -> bool:
        return self._slice(2) < 236  # ~92 %

    @property
    def firewall(self) -> bool:
        return self._slice(3) < 192  # ~75 %

    @property
    def sip(self) -> bool:
        return self._slice(4) < 251

    @property
    def gatekeeper(self) -> bool:
        return self._slice(5) < 248

    @property
    def bootstrap_escrowed(self) -> bool:
        return self._slice(6) < 230

    @property
    def recovery_lock(self) -> bool:
        return self._slice(7) < 100 and catalog.MODELS[self.model].apple_silicon

    @property
    def checkin(self) -> int:
        return self.contact - (self.bits >> 8) % 900  # the binary's check-in, shortly before the last MDM contact

    @property
    def model_info(self) -> catalog.Model:
        return catalog.MODELS[self.model]

    @property
    def os_info(self) -> catalog.OsRelease:
        return catalog.OS_RELEASES[self.os]

    @property
    def realname(self) -> str:
        return f"{catalog.FIRST_NAMES[self.first]} {catalog.LAST_NAMES[self.last]}"

    @property
    def email(self) -> str:
        return f"{self.username}@{catalog.EMAIL_DOMAIN}"


def derived_uuid(seed: int, computer_id: int, tag: str) -> str:
    """A UUID that depends only on (seed, id, tag): stable across runs and processes."""
    digest = blake2b(f"{seed}:{computer_id}:{tag}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def iso_date(epoch: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Fleet:
    """`count` computers generated from `seed`; ids start at 1 and have a few gaps, as a real server's do."""

    def __init__(self, count: int, seed: int = 42):
        if count < 0:
            raise ValueError("computer count must be >= 0")
        self.count = count
        self.seed = seed
        self.computers: list[Computer] = []
        self._index_by_id: dict[int, int] = {}
        # What MDM commands changed (sandbox.mdm sets it): computer -> {record key: fields over the built ones}
        self.changes: Callable[[Computer], dict | None] | None = None
        self._build()
        # The default sort (general.name:asc) is precomputed so that paging it costs no sorting.
        self.order_by_name = array("I", sorted(range(count), key=lambda i: (self.computers[i].name.lower(), self.computers[i].id)))

    @property
    def ids(self) -> list[int]:
        return [c.id for c in self.computers]

    def get(self, computer_id: int | str) -> Computer | None:
        try:
            index = self._index_by_id.get(int(computer_id))
        except (TypeError, ValueError):
            return None
        return None if index is None else self.computers[index]

    def udid(self, computer: Computer) -> str:
        return derived_uuid(self.seed, computer.id, "udid").upper()

    def management_id(self, computer: Computer) -> str:
        return derived_uuid(self.seed, computer.id, "management")

    def record(self, computer_id: int | str, sections) -> dict | None:
        """The ComputerInventoryV4 record with only `sections` (ComputerSectionV4 names) filled in."""
        from .sections import build_record

        computer = self.get(computer_id)
        return None if computer is None else build_record(self, computer, sections)

    def detail(self, computer_id: int | str) -> dict | None:
        from .sections import ALL_SECTIONS

        return self.record(computer_id, ALL_SECTIONS)

    # --- generation ---
    def _build(self) -> None:
        rng = random.Random(self.seed)
        rand, randrange, choices = rng.random, rng.randrange, rng.choices
        models, releases = catalog.MODELS, catalog.OS_RELEASES
        model_cum = list(accumulate(m.weight for m in models))
        # per model: the OS releases it can run, with cumulative weights
        os_options = []
        for m in models:
            eligible = [i for i, r in enumerate(releases) if r.major >= m.min_os]
            os_options.append((eligible, list(accumulate(releases[i].weight for i in eligible))))
        dept_cum = list(accumulate(catalog.DEPARTMENT_WEIGHTS))
        bld_cum = list(accumulate(catalog.BUILDING_WEIGHTS))
        n_first, n_last = len(catalog.FIRST_NAMES), len(catalog.LAST_NAMES)
        first_ascii = [_ascii(f) for f in catalog.FIRST_NAMES]
        last_ascii = [_ascii(n) for n in catalog.LAST_NAMES]
        serials: set[str] = set()
        username_counts: dict[str, int] = {}
        computers, index_by_id = self.computers, self._index_by_id
        next_id = 1
        for index in range(self.count):
            computer_id = next_id
            next_id += 1 if rand() < 0.96 else 2 + randrange(3)  # deleted records leave gaps
            model_i = bisect(model_cum, rand() * model_cum[-1])
            model = models[model_i]
            eligible, os_cum = os_options[model_i]
            os_i = eligible[bisect(os_cum, rand() * os_cum[-1])]
            prefix = model.serial_prefixes[randrange(len(model.serial_prefixes))]
            serial = prefix + "".join(choices(SERIAL_ALPHABET, k=9))
            while serial in serials:
                serial = prefix + "".join(choices(SERIAL_ALPHABET, k=9))
            serials.add(serial)
            first_i, last_i = randrange(n_first), randrange(n_last)
            base = first_ascii[first_i][0] + last_ascii[last_i]
            seen = username_counts.get(base, 0) + 1
            username_counts[base] = seen
            username = base if seen == 1 else f"{base}{seen}"
            dept_i = bisect(dept_cum, rand() * dept_cum[-1])
            bld_i = bisect(bld_cum, rand() * bld_cum[-1])
            style = rand()
            if style < 0.45:
                name = f"{catalog.DEPARTMENTS[dept_i].code}-{model.kind}-{computer_id:04d}"
            elif style < 0.8:
                name = f"{username}-{model.kind.lower()}"
            else:
                family = model.name.split(" (")[0]
                name = f"{catalog.FIRST_NAMES[first_i]}'s {family}"
            age = rand()  # most Macs checked in recently; a tail is stale, up to ~60 days
            if age < 0.7:
                contact_age = int(rand() * 2 * DAY)
            elif age < 0.9:
                contact_age = int((2 + rand() * 12) * DAY)
            else:
                contact_age = int((14 + rand() * 46) * DAY)
            contact = REFERENCE_EPOCH - contact_age
            report = contact - int(rand() * DAY)
            enrolled = REFERENCE_EPOCH - int((62 + rand() * 1400) * DAY)  # always before the oldest report
            bits = rng.getrandbits(64)
            computers.append(Computer(computer_id, serial, name, model_i, os_i, first_i, last_i, username,
                                      dept_i, bld_i, contact, report, enrolled, bits))
            index_by_id[computer_id] = index
