"""`jamfctl login`, `logout` and `auth status` against the sandbox over real HTTP on 127.0.0.1.

The rules: a secret is checked before it is kept; it lives in the keychain only (never in the config
file or anywhere under HOME); status never shows a secret or token; logout forgets both; environment
credentials override profiles; no keychain means a plain error pointing at the environment variables.
"""
from __future__ import annotations

import io
import json
import os
import tomllib
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from jamfctl.auth import SECRET_SERVICE, TOKEN_SERVICE
from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.server import start_in_thread

CLOSED_URL = "http://127.0.0.1:9"  # nothing listens on the discard port


class Server:
    def __init__(self, url: str, log: io.StringIO) -> None:
        self.url = url
        self.log = log

    def requests(self) -> list[str]:
        return [line for line in self.log.getvalue().splitlines() if " HTTP/1.1\" " in line]


@pytest.fixture(scope="module")
def server():
    """One sandbox served on 127.0.0.1 for the whole module."""
    log = io.StringIO()
    url, stop = start_in_thread(SandboxConfig(computers=50), err=log)
    yield Server(url, log)
    stop()


@pytest.fixture(scope="module")
def serial(server) -> str:
    import httpx

    token = httpx.post(f"{server.url}/api/oauth/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}).json()
    page = httpx.get(f"{server.url}/api/v4/computers-inventory", params={"section": "HARDWARE", "page-size": "1"},
                     headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=5).json()
    return page["results"][0]["hardware"]["serialNumber"]


@pytest.fixture
def login(jamfctl, server):
    """login(profile, secret=..., *extra) with the secret piped on stdin."""

    def run(profile: str = "prod", secret: str = SANDBOX_CLIENT_SECRET, *extra: str, url: str | None = None):
        return jamfctl("login", "-p", profile, "--url", url or server.url, "--client-id", SANDBOX_CLIENT_ID,
                       "--client-secret-stdin", *extra, stdin=secret + "\n")

    return run


def config_file() -> Path:
    return Path(os.environ["JAMFCTL_CONFIG_DIR"]) / "config.toml"


def config() -> dict:
    return tomllib.loads(config_file().read_text())


def files_containing(root: Path, needle: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle.encode() in path.read_bytes():
            hits.append(path)
    return hits


def token_values(keychain) -> list[str]:
    return [json.loads(v)["access_token"] for (service, _), v in keychain.entries.items() if service == TOKEN_SERVICE]


# --- login ----------------------------------------------------------------------------------------------
def test_login_keeps_the_secret_in_the_keychain_only(login, keychain):
    """A checked login stores the secret in the keychain, URL and client id in the TOML config, and
    the secret in no file under HOME."""
    result = login("prod")
    assert result.exit_code == 0, result.stderr
    assert keychain.entries[(SECRET_SERVICE, "prod")] == SANDBOX_CLIENT_SECRET
    profile = config()["profiles"]["prod"]
    assert profile["url"].startswith("http://127.0.0.1:")
    assert profile["client_id"] == SANDBOX_CLIENT_ID
    assert SANDBOX_CLIENT_SECRET not in config_file().read_text()
    assert files_containing(Path(os.environ["HOME"]), SANDBOX_CLIENT_SECRET) == []


def test_login_prints_the_jamf_pro_version(login):
    """login reports the server's Jamf Pro version (read from /api/v1/jamf-pro-version)."""
    from jamfctl.sandbox import JAMF_PRO_VERSION

    result = login("prod")
    assert f"Jamf Pro {JAMF_PRO_VERSION}" in result.stdout
    assert SANDBOX_CLIENT_SECRET not in result.stdout + result.stderr


def test_login_caches_the_token_it_verified_with(login, keychain):
    """The fresh token from login is cached in the keychain, so the next command need not mint one."""
    login("prod")
    tokens = token_values(keychain)
    assert len(tokens) == 1 and tokens[0]


def test_wrong_secret_exits_3_and_stores_nothing(login, keychain, server):
    """A refused secret: exit 3, no keychain entry, no profile, no config file."""
    before = len(server.requests())
    result = login("bad", "not-the-secret")
    assert result.exit_code == 3
    assert "not-the-secret" not in result.stdout + result.stderr
    assert keychain.entries == {}
    assert not config_file().exists()
    assert len(server.requests()) > before  # it really asked the server


def test_failed_relogin_keeps_the_working_secret(login, keychain):
    """Logging in again with a wrong secret leaves the stored, working one in place."""
    login("prod")
    assert login("prod", "typo-secret").exit_code == 3
    assert keychain.entries[(SECRET_SERVICE, "prod")] == SANDBOX_CLIENT_SECRET


def test_login_refuses_the_sandbox_profile(jamfctl, keychain):
    """`sandbox` is built in and needs no login: exit 2, nothing stored."""
    result = jamfctl("login", "-p", "sandbox", "--url", "https://x.example.com", "--client-id", "a",
                     "--client-secret-stdin", stdin="s\n")
    assert result.exit_code == 2
    assert "sandbox" in result.stderr
    assert keychain.entries == {}


def test_login_without_url_and_without_a_terminal_exits_2(jamfctl, keychain, server):
    """No --url and no TTY to ask on: exit 2 naming --url, nothing sent or stored."""
    before = len(server.requests())
    result = jamfctl("login", "-p", "prod", "--client-id", SANDBOX_CLIENT_ID, "--client-secret-stdin",
                     stdin=SANDBOX_CLIENT_SECRET)
    assert result.exit_code == 2
    assert "--url" in result.stderr
    assert keychain.entries == {}
    assert len(server.requests()) == before


def test_login_rejects_plain_http_to_a_remote_host(jamfctl, keychain):
    """http:// is only for loopback: a remote http URL is refused before sending (exit 2)."""
    result = jamfctl("login", "-p", "prod", "--url", "http://jamf.example.com", "--client-id", "a",
                     "--client-secret-stdin", stdin="s\n")
    assert result.exit_code == 2
    assert keychain.entries == {}


def test_login_to_a_closed_port_exits_7(login, keychain):
    """Nobody listening: a network error (exit 7), nothing stored."""
    result = login("prod", url=CLOSED_URL)
    assert result.exit_code == 7
    assert keychain.entries == {}


def test_profile_works_after_login(login, jamfctl, serial):
    """After login, `-p NAME computer show SERIAL` finds the computer."""
    login("prod")
    result = jamfctl("-p", "prod", "computer", "show", serial, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["hardware"]["serialNumber"] == serial


def test_cached_token_is_reused(login, jamfctl, serial, server):
    """With a cached token, `computer show` sends exactly one request (no new token)."""
    login("prod")
    before = len(server.requests())
    assert jamfctl("-p", "prod", "computer", "show", serial, "-o", "json").exit_code == 0
    sent = server.requests()[before:]
    assert len(sent) == 1 and "computers-inventory" in sent[0]


# --- auth status ----------------------------------------------------------------------------------------
def test_status_lists_profiles_without_secrets(login, jamfctl, keychain):
    """auth status shows each profile's URL, client id and where the secret lives; never the secret or token."""
    login("prod")
    login("stage")
    result = jamfctl("auth", "status", "-o", "json")
    assert result.exit_code == 0
    rows = {row["profile"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {"prod", "stage"}
    assert rows["prod"]["client_id"] == SANDBOX_CLIENT_ID
    assert rows["prod"]["secret_store"].startswith("keychain")
    assert rows["prod"]["token_status"].startswith("valid until")
    table = jamfctl("auth", "status", "-o", "table").stdout
    assert "prod" in table and "stage" in table
    for text in (result.stdout, result.stderr, table):
        assert SANDBOX_CLIENT_SECRET not in text
        for token in token_values(keychain):
            assert token not in text


def test_status_without_a_cached_token_says_so(login, jamfctl, keychain):
    """Once the cached token is gone, status says no token is cached (not 'valid')."""
    login("prod")
    for key in [k for k in keychain.entries if k[0] == TOKEN_SERVICE]:
        del keychain.entries[key]
    rows = json.loads(jamfctl("auth", "status", "-o", "json").stdout)
    assert rows[0]["token_status"] == "none cached"


def test_status_with_no_profiles_says_how_to_start(jamfctl):
    """No profiles at all: a hint to login, use the environment, or the sandbox."""
    result = jamfctl("auth", "status", "-o", "table")
    assert result.exit_code == 0
    assert "jamfctl login" in result.stderr and "JAMF_URL" in result.stderr
    assert result.stdout == ""  # a note, not data


def test_status_check_passes_for_working_credentials(login, jamfctl):
    """auth status --check exits 0 when the active profile can get a token."""
    login("prod")
    result = jamfctl("auth", "status", "--check", "-o", "json")
    assert result.exit_code == 0, result.stderr


def test_status_check_exits_3_when_the_profile_cannot_authenticate(login, jamfctl, keychain):
    """--check exits 3 when the active profile's secret no longer works."""
    login("prod")
    keychain.entries[(SECRET_SERVICE, "prod")] = "rotated-away"
    result = jamfctl("auth", "status", "--check", "-o", "json")
    assert result.exit_code == 3
    assert "rotated-away" not in result.stdout + result.stderr


# --- logout ---------------------------------------------------------------------------------------------
def test_logout_removes_secret_and_token(login, jamfctl, keychain, serial):
    """logout -p NAME removes the secret and the cached token; afterwards the profile exits 3."""
    login("prod")
    login("stage")
    assert len(token_values(keychain)) == 1  # same server, client and secret: one shared cache entry
    result = jamfctl("logout", "-p", "prod")
    assert result.exit_code == 0
    assert (SECRET_SERVICE, "prod") not in keychain.entries
    assert (SECRET_SERVICE, "stage") in keychain.entries  # other profiles keep their secret
    assert token_values(keychain) == []
    assert "prod" not in config()["profiles"]
    assert "stage" in config()["profiles"]
    after = jamfctl("-p", "prod", "computer", "show", serial, "-o", "json")
    assert after.exit_code == 3
    assert "login" in after.stderr


def test_logout_all(login, jamfctl, keychain):
    """logout --all empties the keychain of jamfctl entries and the config of profiles."""
    login("prod")
    login("stage")
    assert jamfctl("logout", "--all").exit_code == 0
    assert keychain.entries == {}
    assert config()["profiles"] == {}


def test_logout_of_an_unknown_profile_is_a_usage_error(jamfctl):
    """logout -p NAME for a profile that does not exist: exit 2."""
    assert jamfctl("logout", "-p", "ghost").exit_code == 2


# --- profile selection and the environment --------------------------------------------------------------
def test_environment_overrides_profiles(login, jamfctl, monkeypatch, server, serial):
    """JAMF_URL + JAMF_CLIENT_ID + JAMF_CLIENT_SECRET win over a stored profile (which points nowhere)."""
    login("prod")
    cfg = config_file().read_text().replace(server.url, CLOSED_URL)
    config_file().write_text(cfg)
    assert jamfctl("computer", "show", serial, "-o", "json").exit_code == 7  # the profile alone fails
    monkeypatch.setenv("JAMF_URL", server.url)
    monkeypatch.setenv("JAMF_CLIENT_ID", SANDBOX_CLIENT_ID)
    monkeypatch.setenv("JAMF_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    result = jamfctl("--debug", "computer", "show", serial, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "credentials from environment" in result.stderr
    assert SANDBOX_CLIENT_SECRET not in result.stdout + result.stderr
    status = json.loads(jamfctl("auth", "status", "-o", "json").stdout)
    active = [row["profile"] for row in status if row["active"]]
    assert active == ["(environment)"]


def test_environment_credentials_need_no_login(jamfctl, monkeypatch, server, serial, keychain):
    """CI: the three variables alone are enough; nothing is written to the config."""
    monkeypatch.setenv("JAMF_URL", server.url)
    monkeypatch.setenv("JAMF_CLIENT_ID", SANDBOX_CLIENT_ID)
    monkeypatch.setenv("JAMF_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    result = jamfctl("computer", "show", serial, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert not config_file().exists()
    assert (SECRET_SERVICE, "default") not in keychain.entries


@pytest.mark.parametrize("missing", ["JAMF_URL", "JAMF_CLIENT_ID", "JAMF_CLIENT_SECRET"])
def test_partial_environment_is_a_clear_error(jamfctl, monkeypatch, server, missing):
    """Two of the three variables: exit 3 naming the missing one (no silent fallback)."""
    values = {"JAMF_URL": server.url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": SANDBOX_CLIENT_SECRET}
    for name, value in values.items():
        if name != missing:
            monkeypatch.setenv(name, value)
    result = jamfctl("computer", "show", "C02XK1JMJG5H", "-o", "table")
    assert result.exit_code == 3
    assert missing in result.stderr
    assert SANDBOX_CLIENT_SECRET not in result.stderr


def test_environment_values_lose_surrounding_whitespace(jamfctl, monkeypatch, server, serial):
    """`JAMF_CLIENT_SECRET="$(cat secret.txt)"`-style values: spaces around the URL and id, and line ends around
    the secret, are not part of them; an id of only spaces is a usage error (exit 2, nothing is sent)."""
    monkeypatch.setenv("JAMF_URL", f"  {server.url}\n")
    monkeypatch.setenv("JAMF_CLIENT_ID", f" {SANDBOX_CLIENT_ID} ")
    monkeypatch.setenv("JAMF_CLIENT_SECRET", SANDBOX_CLIENT_SECRET + "\r\n")
    assert jamfctl("computer", "show", serial, "-o", "json").exit_code == 0
    monkeypatch.setenv("JAMF_CLIENT_ID", "   ")
    before = len(server.requests())
    result = jamfctl("computer", "show", serial, "-o", "json")
    assert result.exit_code == 2 and "JAMF_CLIENT_ID is set but blank" in result.stderr
    assert len(server.requests()) == before


def test_status_with_a_partial_environment_still_lists_profiles(login, jamfctl, monkeypatch):
    """`auth status` is a diagnostic: with only JAMF_URL set it warns (naming what is missing) and still lists
    the profiles; only `--check`, which must authenticate, exits 3."""
    login("prod")
    monkeypatch.setenv("JAMF_URL", "https://jamf.example.com")
    result = jamfctl("auth", "status", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert [row["profile"] for row in json.loads(result.stdout)] == ["prod"]
    assert "JAMF_CLIENT_ID" in result.stderr and "JAMF_CLIENT_SECRET" in result.stderr
    assert jamfctl("auth", "status", "--check", "-o", "json").exit_code == 3


def test_wrong_environment_secret_exits_3(jamfctl, monkeypatch, server):
    """A wrong JAMF_CLIENT_SECRET: exit 3, the value never echoed."""
    monkeypatch.setenv("JAMF_URL", server.url)
    monkeypatch.setenv("JAMF_CLIENT_ID", SANDBOX_CLIENT_ID)
    monkeypatch.setenv("JAMF_CLIENT_SECRET", "wrong-env-secret")
    result = jamfctl("--debug", "computer", "show", "C02XK1JMJG5H", "-o", "json")
    assert result.exit_code == 3
    assert "wrong-env-secret" not in result.stdout + result.stderr


def test_default_profile_and_jamfctl_profile(login, jamfctl, monkeypatch, serial):
    """Selection: -p, else JAMFCTL_PROFILE, else the default profile (the first login, or --default)."""
    login("prod")
    login("stage")
    assert config()["default_profile"] == "prod"

    def used(*args: str) -> str:
        result = jamfctl("--debug", *args, "computer", "show", serial, "-o", "json")
        assert result.exit_code == 0, result.stderr
        return result.stderr

    assert "(profile prod)" in used()
    monkeypatch.setenv("JAMFCTL_PROFILE", "stage")
    assert "(profile stage)" in used()
    assert "(profile prod)" in used("-p", "prod")
    monkeypatch.delenv("JAMFCTL_PROFILE")
    login("stage", SANDBOX_CLIENT_SECRET, "--default")
    assert config()["default_profile"] == "stage"
    assert "(profile stage)" in used()


def test_no_credentials_at_all_exits_3_with_the_ways_out(jamfctl):
    """No profile, no environment: exit 3 naming login, the variables and the sandbox."""
    result = jamfctl("computer", "show", "C02XK1JMJG5H", "-o", "table")
    assert result.exit_code == 3
    for hint in ("jamfctl login", "JAMF_CLIENT_SECRET", "-p sandbox"):
        assert hint in result.stderr


# --- no keychain ----------------------------------------------------------------------------------------
def test_login_without_a_keychain_points_to_the_environment(login, server):
    """No keyring backend: login fails plainly, names the environment variables, writes nothing under
    HOME and sends nothing."""
    keyring.set_keyring(fail.Keyring())  # the autouse fixture restores the previous backend
    before = len(server.requests())
    result = login("prod")
    assert result.exit_code != 0
    assert "JAMF_URL" in result.stderr and "JAMF_CLIENT_SECRET" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p for p in Path(os.environ["HOME"]).rglob("*") if p.is_file()] == []
    assert len(server.requests()) == before


def test_environment_credentials_work_without_a_keychain(jamfctl, monkeypatch, server, serial):
    """Headless CI: with no keychain, environment credentials still work (tokens in memory only)."""
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("JAMF_URL", server.url)
    monkeypatch.setenv("JAMF_CLIENT_ID", SANDBOX_CLIENT_ID)
    monkeypatch.setenv("JAMF_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    result = jamfctl("computer", "show", serial, "-o", "json")
    assert result.exit_code == 0, result.stderr


# --- auth status --check really logs in -----------------------------------------------------------------
def test_status_check_asks_the_server_even_with_a_cached_token(login, jamfctl, keychain, server):
    """--check proves the credentials work now: it gets a new token from the server (not the cached one)
    and reads /api/v1/jamf-pro-version with it, as login does. The new token may replace the cached one."""
    login("prod")
    assert len(token_values(keychain)) == 1  # a valid cached token that --check must not trust
    before = len(server.requests())
    result = jamfctl("auth", "status", "--check", "-o", "json")
    assert result.exit_code == 0, result.stderr
    sent = server.requests()[before:]
    assert any("POST /api/oauth/token" in line for line in sent), sent
    assert any("GET /api/v1/jamf-pro-version" in line for line in sent), sent
    assert "credentials for profile 'prod' work" in result.stderr
    tokens = token_values(keychain)
    assert len(tokens) == 1  # the fresh token replaced the cached one under the same key
    for text in (result.stdout, result.stderr):
        assert SANDBOX_CLIENT_SECRET not in text and tokens[0] not in text


def test_status_check_exits_7_when_the_server_is_gone(login, jamfctl, keychain):
    """A stopped server: --check exits 7 (network), like any other command, even though a cached token
    is still valid; plain status (no --check) still exits 0 and lists the profile."""
    url, stop = start_in_thread(SandboxConfig(computers=1), err=io.StringIO())
    try:
        assert login("gone", url=url).exit_code == 0
    finally:
        stop()
    assert token_values(keychain)
    result = jamfctl("auth", "status", "--check", "-o", "json")
    assert result.exit_code == 7, result.stderr
    assert "credentials for" not in result.stderr
    assert jamfctl("computer", "list", "-o", "json").exit_code == 7  # the same verdict as a real command
    assert jamfctl("auth", "status", "-o", "json").exit_code == 0
    assert SANDBOX_CLIENT_SECRET not in result.stdout + result.stderr


def test_status_check_exits_3_when_the_server_revoked_the_client(monkeypatch, keychain):
    """The server no longer accepts the stored secret (rotated in Jamf Pro), while the keychain still
    holds a valid-looking token for it: --check exits 3 and says the credentials were refused."""
    from support.harness import Harness, RecordingSandbox
    from jamfctl.sandbox.transport import SandboxTransport

    cli = Harness(monkeypatch)
    cli.app = RecordingSandbox(SandboxConfig(computers=1))
    cli.use_transport(lambda: SandboxTransport(cli.app))
    assert cli.run("login", "-p", "prod", "--url", "https://jamf.example.com", "--client-id", SANDBOX_CLIENT_ID,
                   "--client-secret-stdin", stdin=SANDBOX_CLIENT_SECRET).exit_code == 0
    cli.app = RecordingSandbox(SandboxConfig(computers=1, client_secret="rotated-in-jamf-pro"))
    run = cli.run("auth", "status", "--check", "-o", "json")
    assert run.exit_code == 3, run.stderr
    assert "refused the API client credentials" in run.stderr
    assert cli.app.count("/api/oauth/token") >= 1
    assert SANDBOX_CLIENT_SECRET not in run.text
    for token in token_values(keychain):
        assert token not in run.text


def test_status_check_with_environment_credentials(jamfctl, monkeypatch, server):
    """With JAMF_* set, --check checks those (the source that wins) and says so."""
    monkeypatch.setenv("JAMF_URL", server.url)
    monkeypatch.setenv("JAMF_CLIENT_ID", SANDBOX_CLIENT_ID)
    monkeypatch.setenv("JAMF_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    result = jamfctl("auth", "status", "--check", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert "credentials for the environment (JAMF_*) work" in result.stderr
    monkeypatch.setenv("JAMF_CLIENT_SECRET", "wrong-env-secret")
    refused = jamfctl("auth", "status", "--check", "-o", "json")
    assert refused.exit_code == 3
    assert "wrong-env-secret" not in refused.stdout + refused.stderr


def test_status_check_help_says_what_it_does(jamfctl):
    """The help of --check says it gets a new token from the server, reads the version, and the exit codes."""
    text = " ".join(jamfctl("auth", "status", "--help").stdout.split())
    for words in ("new token", "not the cached one", "Jamf Pro version", "Exit 3", "7"):
        assert words in text, text


# --- logout picks the profile like every other command ---------------------------------------------------
def test_logout_picks_the_profile_like_other_commands(login, jamfctl, monkeypatch, keychain):
    """logout without -p: the global -p, else JAMFCTL_PROFILE, else the default profile; its help says so."""
    login("prod")  # the first login becomes the default
    login("stage")
    login("qa")
    assert jamfctl("-p", "qa", "logout").exit_code == 0
    assert "qa" not in config()["profiles"]
    monkeypatch.setenv("JAMFCTL_PROFILE", "stage")
    result = jamfctl("logout")
    assert result.exit_code == 0 and "'stage'" in result.stdout
    assert set(config()["profiles"]) == {"prod"}
    monkeypatch.delenv("JAMFCTL_PROFILE")
    result = jamfctl("logout")
    assert result.exit_code == 0 and "'prod'" in result.stdout
    assert config()["profiles"] == {} and keychain.entries == {}
    help_text = " ".join(jamfctl("logout", "--help").stdout.split())
    assert "the global -p, else JAMFCTL_PROFILE, else the default profile" in help_text
    assert "else 'default'" not in help_text


def test_login_help_says_which_profile_it_saves(jamfctl):
    """login without -p saves the global -p / JAMFCTL_PROFILE, else a profile named 'default'."""
    help_text = " ".join(jamfctl("login", "--help").stdout.split())
    assert "the global -p, else JAMFCTL_PROFILE, else 'default'" in help_text


# --- auth status rows, columns and --fields -------------------------------------------------------------
STATUS_KEYS = {"profile", "url", "client_id", "secret_store", "token_status", "active", "default", "read_only"}


def test_status_rows_all_have_the_same_keys(login, jamfctl, monkeypatch, server, keychain):
    """Every row (the environment's and each profile's) has the same keys, so CSV has every column,
    including `default`, for every row."""
    login("prod")
    monkeypatch.setenv("JAMF_URL", server.url)
    monkeypatch.setenv("JAMF_CLIENT_ID", SANDBOX_CLIENT_ID)
    monkeypatch.setenv("JAMF_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    rows = json.loads(jamfctl("auth", "status", "-o", "json").stdout)
    assert [row["profile"] for row in rows] == ["(environment)", "prod"]
    assert all(set(row) == STATUS_KEYS for row in rows), rows
    assert [row["default"] for row in rows] == [False, True]
    result = jamfctl("auth", "status", "-o", "csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split(",") == ["profile", "url", "client_id", "secret_store", "token_status", "active", "default",
                                   "read_only"]
    assert lines[1].endswith(",true,false,false") and lines[2].endswith(",false,true,false")
    for token in token_values(keychain):
        assert token not in result.stdout
    assert SANDBOX_CLIENT_SECRET not in result.stdout + result.stderr


def test_status_table_shows_which_profile_is_the_default(login, jamfctl):
    """The table has a Default column: yes for the default profile, no for the others."""
    login("prod")
    login("stage")
    table = jamfctl("auth", "status", "-o", "table").stdout
    header, *body = [line.split() for line in table.splitlines() if line.strip()]
    assert header[-2:] == ["Default", "Read-only"]
    assert {row[0]: row[-2] for row in body} == {"prod": "yes", "stage": "no"}


def test_status_takes_fields(login, jamfctl, keychain):
    """auth status prints data, so it takes --fields after the command, like every data command."""
    login("prod")
    rows = json.loads(jamfctl("auth", "status", "-o", "json", "--fields", "profile,default").stdout)
    assert rows == [{"profile": "prod", "default": True}]
    csv_out = jamfctl("auth", "status", "-o", "csv", "--fields", "url,profile").stdout.splitlines()
    assert csv_out[0] == "url,profile" and csv_out[1].endswith(",prod")
    table = jamfctl("auth", "status", "-o", "table", "--fields", "profile,token_status").stdout
    assert "prod" in table and "valid until" in table and SANDBOX_CLIENT_ID not in table
    for text in (csv_out[1], table):
        assert SANDBOX_CLIENT_SECRET not in text
        assert all(token not in text for token in token_values(keychain))


def test_status_unknown_field_exits_2_listing_the_valid_ones(login, jamfctl):
    """An unknown --fields name: exit 2, nothing printed on stdout, and the valid names listed."""
    login("prod")
    result = jamfctl("auth", "status", "-o", "table", "--fields", "profile,secret")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "'secret'" in result.stderr
    for name in STATUS_KEYS:
        assert name in result.stderr


# --- login stores everything or nothing -----------------------------------------------------------------
def test_login_that_cannot_write_the_config_keeps_no_secret(login, jamfctl, keychain, monkeypatch):
    """The config file cannot be written (full disk, read-only folder): exit 1 with a plain message naming
    the file, and nothing half-stored - no secret or token left in the keychain, no profile."""
    import errno
    import tempfile

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full_disk)
    result = login("prod")
    assert result.exit_code == 1, result.stderr
    assert f"cannot write the config file {config_file()}: No space left on device" in result.stderr
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr
    assert keychain.entries == {}
    assert SANDBOX_CLIENT_SECRET not in result.stdout + result.stderr
    monkeypatch.undo()
    assert jamfctl("logout", "-p", "prod").exit_code == 2  # nothing to log out of: nothing was kept


def test_relogin_that_cannot_write_the_config_keeps_the_working_profile(login, keychain, monkeypatch):
    """Logging in again when the config cannot be written leaves the earlier profile and secret as they were."""
    import tempfile

    login("prod")
    before_file, before_keys = config_file().read_bytes(), dict(keychain.entries)

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = login("prod", SANDBOX_CLIENT_SECRET, "--default")
    assert result.exit_code == 1
    assert "Permission denied" in result.stderr
    assert config_file().read_bytes() == before_file
    assert keychain.entries == before_keys


def test_login_with_an_unreadable_config_fails_before_sending(login, keychain, server):
    """A config that cannot be read (here: a folder where the file should be): exit 1 with a plain
    message naming it, before anything is sent or stored."""
    config_file().mkdir(parents=True)
    before = len(server.requests())
    result = login("prod")
    assert result.exit_code == 1, result.stderr
    assert f"cannot read the config file {config_file()}" in result.stderr
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr
    assert len(server.requests()) == before
    assert keychain.entries == {}


def _process_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A real jamfctl process with the file keychain of the tests (never the OS keychain)."""
    tests = Path(__file__).resolve().parent
    path = os.pathsep.join(p for p in (str(tests), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "PYTHON_KEYRING_BACKEND": "support.keyrings.FileKeyring",
            "JAMFCTL_TEST_KEYRING": str(tmp_path / "keyring.json"), **extra}


def _jamfctl_process(env: dict[str, str], *args: str, stdin: str = ""):
    import subprocess
    import sys

    return subprocess.run([str(Path(sys.executable).parent / "jamfctl"), *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=60)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux) for a folder nobody can create")
def test_installed_cli_login_with_an_uncreatable_config_folder_keeps_no_secret(server, tmp_path):
    """The console script, config folder impossible to create: exit 1, 'cannot write the config file',
    no secret in the keychain, and logout has nothing to remove."""
    env = _process_env(tmp_path, JAMFCTL_CONFIG_DIR="/proc/jamfctl-no-such-folder")
    result = _jamfctl_process(env, "login", "-p", "orphan", "--url", server.url, "--client-id", SANDBOX_CLIENT_ID,
                              "--client-secret-stdin", stdin=SANDBOX_CLIENT_SECRET)
    assert result.returncode == 1, result.stderr
    assert "cannot write the config file /proc/jamfctl-no-such-folder/config.toml" in result.stderr
    assert "unexpected error" not in result.stderr
    assert SANDBOX_CLIENT_SECRET not in result.stdout + result.stderr
    keyring_file = tmp_path / "keyring.json"
    assert not keyring_file.exists() or SANDBOX_CLIENT_SECRET not in keyring_file.read_text()


def test_installed_cli_status_check_fails_when_the_server_is_gone(tmp_path):
    """The console script: after the server stops, `auth status --check` exits 7 (the cached token is no proof)."""
    url, stop = start_in_thread(SandboxConfig(computers=1), err=io.StringIO())
    env = _process_env(tmp_path)
    try:
        login = _jamfctl_process(env, "login", "-p", "prod", "--url", url, "--client-id", SANDBOX_CLIENT_ID,
                                 "--client-secret-stdin", stdin=SANDBOX_CLIENT_SECRET)
        assert login.returncode == 0, login.stderr
        assert _jamfctl_process(env, "auth", "status", "--check").returncode == 0
    finally:
        stop()
    result = _jamfctl_process(env, "auth", "status", "--check")
    assert result.returncode == 7, result.stderr
    assert "cannot connect" in result.stderr and "credentials for" not in result.stderr
    assert SANDBOX_CLIENT_SECRET not in result.stdout + result.stderr


# --- answering a prompt with Ctrl-C or Ctrl-D ------------------------------------------------------
@pytest.mark.parametrize("key, code, words", [("ctrl-c", 130, "interrupted"), ("ctrl-d", 2, "no answer")])
def test_ctrl_c_or_ctrl_d_at_a_login_prompt(tmp_path, key, code, words):
    """At `login`'s questions, Ctrl-C exits 130 and Ctrl-D exits 2 (not Typer's "Aborted." and 1), nothing stored."""
    import pty
    import select
    import signal
    import subprocess
    import sys
    import time

    master, slave = pty.openpty()  # a terminal as stdin, so login asks its questions
    env = {**os.environ, "HOME": str(tmp_path), "JAMFCTL_CONFIG_DIR": str(tmp_path / "cfg"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "jamfctl"), "login", "-p", "asked"], stdin=slave,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    try:
        shown, deadline = b"", time.monotonic() + 30
        while b"URL" not in shown and time.monotonic() < deadline:  # the first question, on stdout
            if select.select([proc.stdout], [], [], 0.2)[0]:
                shown += os.read(proc.stdout.fileno(), 1024)
        assert b"URL" in shown, shown
        if key == "ctrl-c":
            proc.send_signal(signal.SIGINT)  # what the terminal sends for ^C
        else:
            os.write(master, b"\x04")  # the terminal's end-of-file character, ^D
        _, err = proc.communicate(timeout=20)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = err.decode()
    assert proc.returncode == code, err
    assert words in err and "Aborted" not in err and "Traceback" not in err
    assert not (tmp_path / "cfg" / "config.toml").exists()


def test_a_read_only_login_shows_in_status(login, jamfctl, server):
    """`login --read-only` keeps the mark in the config; `auth status` shows it (the secret stays in the keychain)."""
    result = jamfctl("login", "-p", "audit", "--url", server.url, "--client-id", SANDBOX_CLIENT_ID,
                     "--client-secret-stdin", "--read-only", stdin=SANDBOX_CLIENT_SECRET)
    assert result.exit_code == 0, result.stderr
    assert "'audit' is read-only" in result.stdout
    rows = {row["profile"]: row for row in json.loads(jamfctl("auth", "status", "-o", "json").stdout)}
    assert rows["audit"]["read_only"] is True
