"""Profiles: URL and client id in a TOML file readable by the owner only; secrets never in it."""
from __future__ import annotations

import io
import os
import stat
import sys

import httpx
import pytest

from jamfctl import config
from jamfctl.cli.app import run
from jamfctl.client import RetryPolicy
from jamfctl.config import Config, Profile
from jamfctl.context import AppContext
from jamfctl.errors import ConfigError, ConfigFileError, ExitCode, JamfctlError

PROD = Profile(name="prod", url="https://acme.jamfcloud.com", client_id="1a2b3c")
LAB = Profile(name="lab", url="https://lab.example.org:8443", client_id="lab-client")


def test_no_config_file_means_no_profiles():
    """A fresh machine has no profiles and no default, and that is not an error."""
    loaded = config.load()
    assert loaded.profiles == {} and loaded.default_profile is None


def test_profiles_and_default_round_trip():
    """What save() writes, load() reads back unchanged."""
    config.save(Config(default_profile="prod", profiles={"prod": PROD, "lab": LAB}))
    loaded = config.load()
    assert loaded.default_profile == "prod"
    assert loaded.profiles == {"prod": PROD, "lab": LAB}


def test_saving_again_replaces_the_previous_content():
    """Removing a profile and the default sticks."""
    config.save(Config(default_profile="prod", profiles={"prod": PROD, "lab": LAB}))
    config.save(Config(default_profile=None, profiles={"lab": LAB}))
    loaded = config.load()
    assert loaded.profiles == {"lab": LAB} and loaded.default_profile is None


def test_config_lives_in_jamfctl_config_dir(tmp_path, monkeypatch):
    """JAMFCTL_CONFIG_DIR overrides the platform folder."""
    monkeypatch.setenv("JAMFCTL_CONFIG_DIR", str(tmp_path / "elsewhere"))
    path = config.save(Config(profiles={"prod": PROD}))
    assert path == tmp_path / "elsewhere" / "config.toml"
    assert path.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_config_file_is_readable_by_the_owner_only():
    """Mode 0600 on the file (and no temporary files left beside it)."""
    path = config.save(Config(default_profile="prod", profiles={"prod": PROD}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_overwriting_a_loose_file_makes_it_0600_again():
    """A config someone chmod-ed 0644 is tightened on the next save."""
    path = config.save(Config(profiles={"prod": PROD}))
    path.chmod(0o644)
    config.save(Config(profiles={"prod": PROD, "lab": LAB}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "broken",
    [
        'default_profile = "prod\n[profiles.prod]\nurl = "https://x"\nclient_secret = "oops-Pasted-S3cret',
        "[profiles.prod\nurl=1",
        "this is not toml = = =",
    ],
)
def test_corrupt_config_is_a_plain_config_error(broken):
    """A broken file exits 2 with one plain line: no traceback, no parser position, no file content."""
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(broken)
    with pytest.raises(ConfigError) as info:
        config.load()
    error = info.value
    assert error.exit_code == ExitCode.USAGE == 2
    assert "\n" not in error.message
    assert "Traceback" not in error.message and "line " not in error.message
    assert "oops-Pasted-S3cret" not in error.message
    assert "jamfctl login" in error.message  # says what to do
    assert error.__cause__ is None and error.__suppress_context__


def test_non_utf8_config_is_a_config_error():
    """Binary garbage is reported the same way."""
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError):
        config.load()


def test_malformed_entries_are_skipped():
    """A profile without a string url and client_id is ignored; a non-string default is dropped."""
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'default_profile = 5\n'
        '[profiles.good]\nurl = "https://a.example"\nclient_id = "c"\n'
        '[profiles.nourl]\nclient_id = "c"\n'
        '[profiles.numeric]\nurl = 1\nclient_id = "c"\n'
    )
    loaded = config.load()
    assert list(loaded.profiles) == ["good"]
    assert loaded.default_profile is None


def test_corrupt_config_on_the_command_line_exits_2_without_a_traceback(jamfctl):
    """The user sees one plain error line, not a Python stack."""
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[[[")
    result = jamfctl("auth", "status")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr
    assert "config" in result.stderr


# --- the secret stays out of the file -------------------------------------------------------------
SECRET = "Cl13nt-S3cret-Never-In-Files"


def test_profile_has_no_place_for_a_secret():
    """The config's data model cannot even hold a secret."""
    with pytest.raises(TypeError):
        Profile(name="prod", url="https://a.example", client_id="c", secret=SECRET)  # type: ignore[call-arg]


def test_login_puts_the_secret_in_the_keychain_and_not_in_the_config_file(keychain, monkeypatch):
    """After `jamfctl login`, the TOML file has URL and client id only; the secret is in the keychain."""

    def fake_jamf(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth/token":
            return httpx.Response(200, json={"access_token": "tok-abcdefgh-1234", "expires_in": 1200})
        assert request.headers["authorization"] == "Bearer tok-abcdefgh-1234"
        return httpx.Response(200, json={"version": "11.30.1"})

    out, err = io.StringIO(), io.StringIO()
    app_ctx = AppContext(stdout=out, stderr=err, transport_factory=lambda: httpx.MockTransport(fake_jamf),
                         retry=RetryPolicy(base_delay=0.001, max_delay=0.01))
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
    code = run(["login", "-p", "prod", "--url", "https://acme.jamfcloud.com", "--client-id", "1a2b3c",
                "--client-secret-stdin"], app_ctx)
    assert code == 0, err.getvalue()
    assert "11.30.1" in out.getvalue()
    text = config.config_path().read_text()
    assert SECRET not in text
    assert "tok-abcdefgh-1234" not in text
    assert "https://acme.jamfcloud.com" in text and "1a2b3c" in text
    assert keychain.entries[("jamfctl", "prod")] == SECRET
    assert SECRET not in out.getvalue() + err.getvalue()
    assert config.load().profiles == {"prod": PROD}
    assert config.load().default_profile == "prod"  # the first login becomes the default


# --- I/O failures are plain errors (exit 1), never "unexpected error" ----------------------------------
def test_config_file_error_lives_in_the_one_error_map():
    """ConfigFileError is defined in jamfctl.errors with every other error (exit 1), and config uses it."""
    assert ConfigFileError.__module__ == "jamfctl.errors"
    assert issubclass(ConfigFileError, JamfctlError) and ConfigFileError.exit_code == ExitCode.ERROR
    assert not issubclass(ConfigFileError, ConfigError)  # an I/O failure is not a usage error (exit 2)


def test_unreadable_config_is_a_plain_io_error(jamfctl):
    """A config that cannot be read (here a folder where the file should be): ConfigFileError, exit 1,
    one plain line naming the file and the OS's reason; on the command line no traceback."""
    path = config.config_path()
    path.mkdir(parents=True)
    with pytest.raises(ConfigFileError) as info:
        config.load()
    error = info.value
    assert error.exit_code == ExitCode.ERROR == 1
    assert error.message.startswith(f"cannot read the config file {path}: Is a directory")
    assert "\n" not in error.message and error.__cause__ is None
    result = jamfctl("auth", "status")
    assert result.exit_code == 1
    assert "cannot read the config file" in result.stderr
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr


def test_unwritable_config_folder_is_a_plain_io_error(tmp_path, monkeypatch):
    """The config folder cannot be created (its parent is a file): ConfigFileError, exit 1,
    'cannot write the config file <path>: <reason>'."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("JAMFCTL_CONFIG_DIR", str(blocker / "jamfctl"))
    with pytest.raises(ConfigFileError) as info:
        config.save(Config(profiles={"prod": PROD}))
    error = info.value
    assert error.exit_code == 1
    assert error.message == f"cannot write the config file {blocker / 'jamfctl' / 'config.toml'}: Not a directory"
    assert error.__cause__ is None and error.__suppress_context__


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(monkeypatch):
    """The write is atomic: when the final rename fails, the old config is intact and no temp file stays."""
    path = config.save(Config(default_profile="prod", profiles={"prod": PROD}))
    before = path.read_bytes()

    def no_rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(ConfigFileError, match="No space left on device"):
        config.save(Config(profiles={"lab": LAB}))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]


def test_snapshot_and_restore_put_back_exactly_what_was_there():
    """restore(snapshot()) undoes a save: the same bytes, or no file if there was none."""
    assert config.snapshot() is None
    config.save(Config(profiles={"prod": PROD}))
    config.restore(None)
    assert not config.config_path().exists()
    config.save(Config(default_profile="prod", profiles={"prod": PROD}))
    saved = config.snapshot()
    config.save(Config(profiles={"lab": LAB}))
    config.restore(saved)
    assert config.config_path().read_bytes() == saved
    assert config.load().profiles == {"prod": PROD}
