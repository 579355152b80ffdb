"""A file keychain for benchmark runs only (PYTHON_KEYRING_BACKEND=benchkeyring.FileKeyring).

Separate jamfctl processes share it, so a token cached by one invocation is reused by the next, as the
OS keychain does on a Mac. The file lives in the run's temporary HOME and is deleted with it.
"""
import json
import os

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1

    def _load(self):
        try:
            with open(os.environ["BENCH_KEYRING_FILE"]) as fh:
                return json.load(fh)
        except FileNotFoundError:
            return {}

    def _save(self, data):
        with open(os.environ["BENCH_KEYRING_FILE"], "w") as fh:
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
