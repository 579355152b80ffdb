"""Profiles: the non-secret parts of a login (URL, client id) in a TOML file.

The file lives in the platform's config folder (platformdirs: ~/Library/Application Support/jamfctl
on macOS, $XDG_CONFIG_HOME/jamfctl on Linux); JAMFCTL_CONFIG_DIR overrides it. Secrets never go here:
they live in the OS keychain (jamfctl.auth).
"""
from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from jamfctl.errors import ConfigError

CONFIG_FILE = "config.toml"


@dataclass(frozen=True)
class Profile:
    name: str
    url: str
    client_id: str


@dataclass
class Config:
    default_profile: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)


def config_dir() -> Path:
    override = os.environ.get("JAMFCTL_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs  # deferred: only commands that read profiles pay for it

    return Path(platformdirs.user_config_dir("jamfctl", appauthor=False))


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


def load() -> Config:
    path = config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"cannot read the jamfctl config file {path.name} in {path.parent}: {type(exc).__name__}; "
            "fix or remove it and run `jamfctl login` again"
        ) from None
    profiles = {}
    for name, entry in (raw.get("profiles") or {}).items():
        if isinstance(entry, dict) and isinstance(entry.get("url"), str) and isinstance(entry.get("client_id"), str):
            profiles[name] = Profile(name=name, url=entry["url"], client_id=entry["client_id"])
    default = raw.get("default_profile")
    return Config(default_profile=default if isinstance(default, str) else None, profiles=profiles)


def save(config: Config) -> Path:
    """Write the config atomically, readable by the owner only."""
    import tomli_w

    data: dict = {}
    if config.default_profile:
        data["default_profile"] = config.default_profile
    data["profiles"] = {
        p.name: {"url": p.url, "client_id": p.client_id} for p in sorted(config.profiles.values(), key=lambda p: p.name)
    }
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            tomli_w.dump(data, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
