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
from typing import Any

from jamfctl.errors import ConfigError, ConfigFileError

CONFIG_FILE = "config.toml"


def _reason(exc: BaseException) -> str:
    """A short, path-free reason: 'Permission denied', 'No such file or directory', or the error's type."""
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else None) or type(exc).__name__


@dataclass(frozen=True)
class Profile:
    name: str
    url: str
    client_id: str
    read_only: bool = False  # every writing command refuses (exit 2) before sending anything


@dataclass
class Config:
    default_profile: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    # The [health] table as written (thresholds of `computer health` and the report), kept by save(); checked
    # only by its reader (jamfctl.insight.checks.load_thresholds), so a bad one fails those commands alone.
    health: Any = field(default_factory=dict)


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
    except OSError as exc:
        raise _read_error(path, exc) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # The type only: the parser's message quotes the file (which may hold a pasted secret).
        raise ConfigError(
            f"cannot read the jamfctl config file {path.name} in {path.parent}: {type(exc).__name__}; "
            "fix or remove it and run `jamfctl login` again"
        ) from None
    profiles = {}
    for name, entry in (raw.get("profiles") or {}).items():
        if isinstance(entry, dict) and isinstance(entry.get("url"), str) and isinstance(entry.get("client_id"), str):
            profiles[name] = Profile(name=name, url=entry["url"], client_id=entry["client_id"],
                                     read_only=entry.get("read_only") is True)
    default = raw.get("default_profile")
    return Config(default_profile=default if isinstance(default, str) else None, profiles=profiles,
                  health=raw.get("health", {}))


def save(config: Config) -> Path:
    """Write the config atomically, readable by the owner only.

    An I/O failure (read-only or missing folder, full disk, ...) raises ConfigFileError naming the file."""
    import tomli_w

    data: dict = {}
    if config.default_profile:
        data["default_profile"] = config.default_profile
    data["profiles"] = {
        p.name: {"url": p.url, "client_id": p.client_id, **({"read_only": True} if p.read_only else {})}
        for p in sorted(config.profiles.values(), key=lambda p: p.name)
    }
    if config.health:
        data["health"] = config.health
    path = config_path()
    _write(path, tomli_w.dumps(data).encode("utf-8"))
    return path


def snapshot() -> bytes | None:
    """The config file's exact bytes (None if there is none), for `restore` if a later step fails."""
    try:
        return config_path().read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _read_error(config_path(), exc) from None


def restore(previous: bytes | None) -> None:
    """Put back what `snapshot` saw: the old bytes, or no file at all."""
    path = config_path()
    if previous is None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise ConfigFileError(f"cannot write the config file {path}: {_reason(exc)}") from None
    else:
        _write(path, previous)


def _read_error(path: Path, exc: OSError) -> ConfigFileError:
    return ConfigFileError(f"cannot read the config file {path}: {_reason(exc)}; fix or remove it")


def _write(path: Path, content: bytes) -> None:
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            try:
                Path(tmp).unlink(missing_ok=True)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise ConfigFileError(f"cannot write the config file {path}: {_reason(exc)}") from None
        raise
