"""Keyring backends for tests only: jamfctl's tests never touch the real OS keychain."""
from __future__ import annotations

import json
import os

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError, PasswordSetError


class MemoryKeyring(KeyringBackend):
    """In-process keychain; `entries` lets a test see exactly what was stored."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class FileKeyring(KeyringBackend):
    """Shared between jamfctl subprocesses of one test (path in JAMFCTL_TEST_KEYRING)."""

    priority = 1

    def _path(self) -> str:
        return os.environ["JAMFCTL_TEST_KEYRING"]

    def _load(self) -> dict:
        try:
            with open(self._path()) as fh:
                return json.load(fh)
        except FileNotFoundError:
            return {}

    def _save(self, data: dict) -> None:
        with open(self._path(), "w") as fh:
            json.dump(data, fh)

    def get_password(self, service, username):
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._save(data)

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._save(data)


class LockedKeyring(KeyringBackend):
    """A keychain that is locked: every call refuses."""

    priority = 1

    def get_password(self, service, username):
        raise KeyringLocked("locked")

    def set_password(self, service, username, password):
        raise KeyringLocked("locked")

    def delete_password(self, service, username):
        raise KeyringLocked("locked")


class BrokenKeyring(KeyringBackend):
    """A keychain whose calls fail with an error that carries the secret (it must not leak)."""

    priority = 1

    def get_password(self, service, username):
        raise RuntimeError(f"backend exploded reading {service}/{username}")

    def set_password(self, service, username, password):
        raise PasswordSetError(f"could not store {password}")

    def delete_password(self, service, username):
        raise RuntimeError("backend exploded deleting")
