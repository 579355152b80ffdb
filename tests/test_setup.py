"""`jamfctl setup`: a least-privilege API role and client from an admin's login, against the sandbox.

In-process through the harness (the real CLI, the sandbox app recording every request), and once as real
subprocesses against `jamfctl sandbox serve` over HTTP with the password on stdin.
"""
from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from jamfctl import levels
from jamfctl.sandbox import SandboxConfig, identity
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness, RecordingSandbox

URL = "https://jamf.setup.invalid"
ADMIN, PASSWORD = identity.SANDBOX_ADMIN, identity.SANDBOX_ADMIN_PASSWORD
SETUP = ("setup", "--url", URL, "--username", ADMIN, "--password-stdin")
CREATING = ("/api/v1/api-roles", "/api/v1/api-integrations")


@pytest.fixture
def cli(monkeypatch) -> Harness:
    return Harness(monkeypatch)


@pytest.fixture
def app(cli) -> RecordingSandbox:
    sandbox = RecordingSandbox(SandboxConfig(computers=20))
    cli.use_transport(lambda: SandboxTransport(sandbox))
    return sandbox


def writes(app: RecordingSandbox) -> list[tuple[str, str]]:
    """The requests that create or change a role or client (what a rerun and --dry-run must not send)."""
    return [(m, p) for m, p, _, _ in app.seen if m in ("POST", "PUT") and p.startswith(CREATING)]


def read_commands_privileges(cli: Harness) -> set[str]:
    """The union of the privileges `jamfctl commands` gives every command that neither writes nor reveals."""
    run = cli.run("commands", "-o", "json")
    assert run.exit_code == 0, run.stderr
    rows = json.loads(run.stdout)
    return {p for row in rows if row["writes"] is False and not row["reveals"] for p in row["privileges"] or ()}


def test_read_only_creates_a_role_of_exactly_the_read_commands_privileges(cli, app, keychain):
    run = cli.run(*SETUP, "--yes", stdin=PASSWORD)
    assert run.exit_code == 0, run.stderr
    ident = identity.state(app)
    [role] = ident.roles.values()
    assert role["displayName"] == "jamfctl-read-only"
    expected = read_commands_privileges(cli)
    assert set(role["privileges"]) == expected and "Read Computers" in expected and "Read Scripts" in expected
    [client] = ident.integrations.values()
    assert client["displayName"] == "jamfctl-default" and client["authorizationScopes"] == ["jamfctl-read-only"]
    assert keychain.entries[("jamfctl", "default")] == ident.client_secrets[client["clientId"]]
    for name in expected:  # the level is shown before anything is created
        assert f"    {name}\n" in run.stderr
    assert ident.user_tokens == set()  # invalidated at the end
    assert sum(1 for m, path, _, _ in app.seen if (m, path) == ("POST", "/api/v1/auth/token")) == 1  # one login
    assert ("POST", "/api/v1/auth/invalidate-token") in {(m, p) for m, p, _, _ in app.seen}
    assert PASSWORD not in run.text and ident.client_secrets[client["clientId"]] not in run.text


def test_the_levels_nest_and_keep_secrets_and_destruction_for_full(cli):
    rows = json.loads(cli.run("commands", "-o", "json").stdout)
    read_only, standard, full = (set(levels.privileges(level, rows)) for level in levels.LEVELS)
    assert read_only < standard < full
    assert {"Update Policies", "Create Scripts", "View MDM command information in Jamf Pro API"} <= standard
    destructive = {"Send Computer Remote Wipe Command", "Send Computer Unmanage Command", "View Local Admin Password",
                   "Send Computer Remote Lock Command", "View Disk Encryption Recovery Key"}
    assert not destructive & standard and destructive <= full
    assert not {p for p in full if p.startswith(("Create API", "Update API"))}  # setup's are the admin's own


def test_the_level_rule_on_rows_of_each_kind():
    def row(command, writes, privileges, family=None, reveals=False):
        return {"command": command, "writes": writes, "reveals": reveals, "family": family, "privileges": privileges}

    rows = [row("report security", False, ["Read A"]),  # a read of no family still counts
            row("computer filevault", False, ["Read A", "View K"], "computer (reveal)", reveals=True),
            row("computer restart", True, ["Send R"], "computer (writes)"),
            row("computer lock", True, ["Send L"], "computer (writes)"),  # not flagged destructive: FULL_ONLY
            row("computer erase", True, ["Send W"], "computer (writes)"),  # destructive in specs.WRITES
            row("api", True, ["as the schema names for the endpoint"]), row("setup", True, ["Create API Roles"]),
            row("undeclared thing", None, None)]
    assert levels.privileges("read-only", rows) == ["Read A"]
    assert levels.privileges("standard", rows) == ["Read A", "Send R"]
    assert levels.privileges("full", rows) == ["Read A", "Send L", "Send R", "Send W", "View K"]
    assert levels.needed_by("Read A", "full", rows) == ["report security", "computer filevault"]


def test_a_second_run_creates_nothing(cli, app, keychain):
    assert cli.run(*SETUP, "--yes", stdin=PASSWORD).exit_code == 0
    secret = keychain.entries[("jamfctl", "default")]
    assert len(writes(app)) == 3  # role, client, client credentials
    app.seen.clear()
    again = cli.run(*SETUP, "--yes", stdin=PASSWORD)
    assert again.exit_code == 0, again.stderr
    assert writes(app) == [] and "Nothing created" in again.stdout
    assert keychain.entries[("jamfctl", "default")] == secret  # not rotated
    assert len(identity.state(app).roles) == 1 and len(identity.state(app).integrations) == 1
    other = cli.run(*SETUP, "-p", "other", "--yes", stdin=PASSWORD)  # a second profile: its own client, same role
    assert other.exit_code == 0 and len(identity.state(app).integrations) == 2 and len(identity.state(app).roles) == 1
    made_default = cli.run(*SETUP, "--yes", "--default", stdin=PASSWORD)  # nothing to create, but --default is kept
    assert made_default.exit_code == 0 and "'default' is the default profile" in made_default.stdout
    status = json.loads(cli.run("auth", "status", "-o", "json").stdout)
    assert [row["profile"] for row in status if row["default"]] == ["default"]


def test_a_lost_secret_is_replaced_and_the_old_one_stops_working(cli, app, keychain):
    assert cli.run(*SETUP, "--yes", stdin=PASSWORD).exit_code == 0
    old = keychain.entries.pop(("jamfctl", "default"))  # another machine: the profile holds no secret
    app.seen.clear()
    assert cli.run(*SETUP, "--yes", stdin=PASSWORD).exit_code == 0
    assert writes(app) == [("POST", "/api/v1/api-integrations/1/client-credentials")]
    client_id = next(iter(identity.state(app).integrations.values()))["clientId"]
    env = {"JAMF_URL": URL, "JAMF_CLIENT_ID": client_id, "JAMF_CLIENT_SECRET": old}
    assert cli.run("auth", "status", "--check", env=env).exit_code == 3  # a new token with it: refused
    env["JAMF_CLIENT_SECRET"] = keychain.entries[("jamfctl", "default")]
    assert cli.run("auth", "status", "--check", env=env).exit_code == 0


def test_the_stored_profile_reads_and_is_refused_what_its_level_lacks(cli, app):
    assert cli.run(*SETUP, "--yes", stdin=PASSWORD).exit_code == 0
    listed = cli.run("computer", "list", "--limit", "2", "-o", "json")
    assert listed.exit_code == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 2
    serial = json.loads(listed.stdout)[0]["hardware"]["serialNumber"]
    restart = cli.run("computer", "restart", serial, "--yes", "-o", "json")
    assert restart.exit_code == 5 and "View MDM command information" in restart.stdout  # the sandbox follows the role
    assert cli.run("computer", "filevault", serial, "--reveal", "--yes").exit_code == 5


def test_moving_a_profile_to_another_level_updates_its_client_and_keeps_its_secret(cli, app, keychain):
    assert cli.run(*SETUP, "--yes", stdin=PASSWORD).exit_code == 0
    secret = keychain.entries[("jamfctl", "default")]
    serial = json.loads(cli.run("computer", "list", "--limit", "1", "-o", "json").stdout)[0]["hardware"]["serialNumber"]
    assert cli.run("computer", "restart", serial, "--yes").exit_code == 5
    app.seen.clear()
    run = cli.run(*SETUP, "--level", "standard", "--yes", stdin=PASSWORD)
    assert run.exit_code == 0, run.stderr
    assert writes(app) == [("POST", "/api/v1/api-roles"), ("PUT", "/api/v1/api-integrations/1")]
    assert identity.state(app).integrations[1]["authorizationScopes"] == ["jamfctl-standard"]
    assert keychain.entries[("jamfctl", "default")] == secret
    assert cli.run("computer", "restart", serial, "--yes").exit_code == 0  # the sandbox follows the new role
    assert cli.run("computer", "erase", serial, "--yes").exit_code == 5  # erase is full only


def test_dry_run_reads_but_creates_and_stores_nothing(cli, app, keychain):
    run = cli.run(*SETUP, "--dry-run", stdin=PASSWORD)
    assert run.exit_code == 0, run.stderr
    assert writes(app) == []
    sent = [line for line in run.stdout.splitlines() if line.startswith("would send: ")]
    assert [line.split()[2:4] for line in sent] == [
        ["POST", "/api/v1/api-roles"], ["POST", "/api/v1/api-integrations"],
        ["POST", "/api/v1/api-integrations/{id}/client-credentials"]]
    assert not keychain.entries and identity.state(app).roles == {} and identity.state(app).user_tokens == set()


def test_without_a_terminal_or_yes_nothing_is_sent(cli, app):
    run = cli.run(*SETUP, stdin=PASSWORD)
    assert run.exit_code == 2 and "--yes" in run.stderr
    assert app.seen == []


@pytest.mark.parametrize("args", [("--level", "admin"), ("--token-lifetime", "5"), ("--role-name", 'a"b'),
                                  ("--url", "http://jamf.example.com"), ("--username", "a:b")])
def test_bad_input_exits_2_and_sends_nothing(cli, app, args):
    run = cli.run(*SETUP, "--yes", *args, stdin=PASSWORD)
    assert run.exit_code == 2, run.stderr
    assert app.seen == []


def test_a_wrong_password_exits_3_and_never_shows_it(cli, app, keychain):
    wrong = "not-the-admin-password-7731"
    run = cli.run("--debug", *SETUP, "--yes", stdin=wrong)
    assert run.exit_code == 3 and "refused the username or password" in run.stderr
    assert wrong not in run.text and not keychain.entries and writes(app) == []


def test_a_read_only_profile_refuses_setup(cli, app, keychain):
    login = cli.run("login", "-p", "audit", "--url", URL, "--client-id", "jamfctl-sandbox", "--client-secret-stdin",
                    "--read-only", stdin="sandbox-secret")
    assert login.exit_code == 0, login.stderr
    app.seen.clear()
    run = cli.run(*SETUP, "-p", "audit", "--yes", stdin=PASSWORD)
    assert run.exit_code == 2 and "read-only" in run.stderr
    assert app.seen == []


def test_a_privilege_the_server_does_not_know_stops_before_anything_is_created(cli, app):
    identity.forget_privileges(app, {"Read Sites"})
    run = cli.run(*SETUP, "--yes", stdin=PASSWORD)
    assert run.exit_code == 1
    assert "'Read Sites'" in run.stderr and "site list" in run.stderr
    assert writes(app) == [] and identity.state(app).user_tokens == set()  # the user token was invalidated anyway


def test_a_role_of_that_name_with_other_privileges_is_updated_to_the_level(cli, app):
    assert cli.run(*SETUP, "--role-name", "jamfctl", "--yes", stdin=PASSWORD).exit_code == 0
    app.seen.clear()
    run = cli.run(*SETUP, "--role-name", "jamfctl", "--level", "standard", "--yes", stdin=PASSWORD)
    assert run.exit_code == 0, run.stderr
    assert writes(app) == [("PUT", "/api/v1/api-roles/3")]
    assert "update (id 3): add " in run.stderr
    rows = json.loads(cli.run("commands", "-o", "json").stdout)
    assert identity.state(app).roles["3"]["privileges"] == levels.privileges("standard", rows)


def test_a_new_secret_that_does_not_work_is_not_stored_and_the_rerun_replaces_it(monkeypatch, keychain):
    from jamfctl.sandbox.app import _oauth_error

    class RefusingTokens(RecordingSandbox):
        refuse = True

        def handle(self, method, path, query, headers, body):
            if path == "/api/oauth/token" and self.refuse:
                return _oauth_error(401, "invalid_client", "Client authentication failed")
            return super().handle(method, path, query, headers, body)

    cli = Harness(monkeypatch)
    app = RefusingTokens(SandboxConfig(computers=5))
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run(*SETUP, "--yes", stdin=PASSWORD)
    assert run.exit_code == 3 and "run setup again to give it a new secret" in run.stderr
    assert not keychain.entries and cli.run("auth", "status", "-o", "json").stdout.strip() == "[]"
    app.refuse = False
    app.seen.clear()
    assert cli.run(*SETUP, "--yes", stdin=PASSWORD).exit_code == 0
    assert writes(app) == [("POST", "/api/v1/api-integrations/1/client-credentials")]  # role and client reused


def test_an_answer_setup_cannot_read_is_exit_1_without_a_traceback(monkeypatch):
    from jamfctl.sandbox.app import _json

    class Odd(RecordingSandbox):
        def handle(self, method, path, query, headers, body):
            if path == "/api/v1/api-role-privileges":
                return _json(200, ["Read Computers"])
            return super().handle(method, path, query, headers, body)

    cli = Harness(monkeypatch)
    app = Odd(SandboxConfig(computers=5))
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run(*SETUP, "--yes", stdin=PASSWORD)
    assert run.exit_code == 1 and "cannot read" in run.stderr and "Traceback" not in run.text
    assert writes(app) == [] and identity.state(app).user_tokens == set()


def test_an_admin_without_create_api_roles_gets_the_privilege_named(monkeypatch):
    cli = Harness(monkeypatch)
    app = RecordingSandbox(SandboxConfig(computers=5, denied_privileges=frozenset({"Create API Roles"})))
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run(*SETUP, "--yes", stdin=PASSWORD)
    assert run.exit_code == 5 and "Create API Roles" in run.stderr
    assert identity.state(app).user_tokens == set()


# --- the sandbox's endpoints, on the wire --------------------------------------------------------------------
def test_the_sandbox_speaks_jamfs_status_codes_and_schema_for_setup():
    from test_sandbox_schema import SCHEMA_PATH, _operation_schema, validate

    if not SCHEMA_PATH.is_file():
        pytest.skip("Jamf's OpenAPI schema is not beside the checkout")
    from jamfctl.sandbox.app import SandboxApp

    app = SandboxApp(SandboxConfig(computers=3))
    with httpx.Client(transport=SandboxTransport(app), base_url="https://sandbox.invalid") as http:
        assert http.post("/api/v1/auth/token", auth=(ADMIN, "wrong-password")).status_code == 401
        assert http.get("/api/v1/auth/token", auth=(ADMIN, PASSWORD)).status_code == 405
        answer = http.post("/api/v1/auth/token", auth=(ADMIN, PASSWORD))
        assert answer.status_code == 200
        validate(answer.json(), _operation_schema("/v1/auth/token", "post", "200"))
        http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        role = http.post("/api/v1/api-roles", json={"displayName": "r", "privileges": ["Read Computers"]})
        assert role.status_code == 200  # Jamf's, not 201
        validate(role.json(), _operation_schema("/v1/api-roles", "post", "200"))
        for bad in ({"displayName": "r", "privileges": []}, {"displayName": "s", "privileges": ["Read Nothing"]},
                    {"privileges": []}):
            refused = http.post("/api/v1/api-roles", json=bad)
            assert refused.status_code == 400
            validate(refused.json(), "ApiError")
        assert "Read Nothing" in http.post("/api/v1/api-roles", json={"displayName": "s", "privileges": [
            "Read Nothing"]}).json()["errors"][0]["description"]
        client = http.post("/api/v1/api-integrations", json={"authorizationScopes": ["r"], "displayName": "c"})
        assert client.status_code == 201 and isinstance(client.json()["id"], int)
        validate(client.json(), _operation_schema("/v1/api-integrations", "post", "201"))
        assert http.post("/api/v1/api-integrations", json={"authorizationScopes": ["nope"], "displayName": "d"}
                         ).status_code == 400
        listed = http.get("/api/v1/api-integrations", params={"filter": 'displayName=="c"', "sort": "id:desc"})
        validate(listed.json(), _operation_schema("/v1/api-integrations", "get", "200"))
        assert listed.json()["totalCount"] == 1
        path = f"/api/v1/api-integrations/{client.json()['id']}/client-credentials"
        first, second = http.post(path), http.post(path)
        assert first.status_code == second.status_code == 200
        validate(first.json(), _operation_schema("/v1/api-integrations/{id}/client-credentials", "post", "200"))
        assert first.json()["clientSecret"] != second.json()["clientSecret"]

        def token_for(secret: str) -> httpx.Response:
            return http.post("/api/oauth/token", data={"grant_type": "client_credentials",
                                                       "client_id": first.json()["clientId"], "client_secret": secret})

        assert token_for(first.json()["clientSecret"]).status_code == 401  # rotated: the old secret is dead
        issued = token_for(second.json()["clientSecret"]).json()
        assert issued["scope"] == f"api-role:{role.json()['id']}"
        assert http.post("/api/v1/auth/invalidate-token").status_code == 204
        assert http.get("/api/v1/api-roles").status_code == 401  # the user token is dead
        http.headers["Authorization"] = f"Bearer {issued['access_token']}"
        assert http.get("/api/v4/computers-inventory").status_code == 200  # Read Computers: the role has it
        assert http.get("/api/v1/scripts").status_code == 403  # Read Scripts: it does not
        assert http.post("/api/v1/api-roles", json={"displayName": "x", "privileges": []}).status_code == 403


# --- over real HTTP -----------------------------------------------------------------------------------------
JAMFCTL = Path(sys.executable).parent / "jamfctl"
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_setup_against_sandbox_serve_with_the_password_on_stdin(tmp_path):
    """The acceptance: `setup --level read-only` over HTTP creates the role, a second run creates nothing."""
    home = tmp_path / "home"  # the autouse fixture made it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAMF_", "JAMFCTL_", "PYTHON_KEYRING"))}
    env |= {"HOME": str(home), "JAMFCTL_CONFIG_DIR": str(home / "cfg"), "PYTHONPATH": str(REPO / "tests"),
            "PYTHON_KEYRING_BACKEND": "support.keyrings.FileKeyring", "JAMFCTL_TEST_KEYRING": str(tmp_path / "kr.json")}
    log = tmp_path / "access.log"
    with open(log, "w") as err:
        server = subprocess.Popen([str(JAMFCTL), "sandbox", "serve", "--port", "0", "--computers", "10"],
                                  stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    try:
        assert select.select([server.stdout], [], [], 20)[0], "sandbox serve printed no URL"
        url = server.stdout.readline().strip()

        def jamfctl(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
            return subprocess.run([str(JAMFCTL), *args], input=stdin, capture_output=True, text=True, env=env,
                                  timeout=60)

        args = ("setup", "--url", url, "--username", ADMIN, "--password-stdin", "--level", "read-only", "--yes")
        first = jamfctl("--debug", *args, stdin=PASSWORD)
        assert first.returncode == 0, first.stderr
        assert PASSWORD not in first.stdout + first.stderr
        keyring = json.loads((tmp_path / "kr.json").read_text())
        secret = keyring["jamfctl\0default"]
        assert secret not in first.stdout + first.stderr
        second = jamfctl(*args, stdin=PASSWORD)
        assert second.returncode == 0 and "Nothing created" in second.stdout, second.stderr
        listed = jamfctl("computer", "list", "--limit", "1", "-o", "json")
        assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1, listed.stderr
        creating = re.findall(r'"(POST|PUT) (/api/v1/api-(?:roles|integrations)\S*) HTTP', log.read_text())
        assert [m for m, _ in creating] == ["POST", "POST", "POST"], creating  # all from the first run
        assert jamfctl("api", "/v1/api-roles/3").returncode == 5  # the new read-only client may not read roles
        token = httpx.post(f"{url}/api/v1/auth/token", auth=(ADMIN, PASSWORD), timeout=10).json()["token"]
        role = httpx.get(f"{url}/api/v1/api-roles/3", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        rows = json.loads(jamfctl("commands", "-o", "json").stdout)
        read = {p for row in rows if row["writes"] is False and not row["reveals"] for p in row["privileges"] or ()}
        assert role["displayName"] == "jamfctl-read-only" and set(role["privileges"]) == read
        # On a terminal: the password is asked for hidden, then the plan is confirmed; the role is reused. The
        # answer waits for getpass's own " " (written once echo is off: typed before, it would be flushed).
        screen = on_terminal([str(JAMFCTL), "setup", "--url", url, "--username", ADMIN, "-p", "tty"], env,
                             {b"password: ": PASSWORD.encode() + b"\n", b"[y/n]": b"y\n"})
        assert "API client 'jamfctl-tty'" in screen and "works" in screen, screen
        assert PASSWORD not in screen and "reuse (id 3)" in screen
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def on_terminal(argv: list[str], env: dict, answers: dict[bytes, bytes], timeout: float = 60) -> str:
    """Run argv on a pseudo-terminal, typing each answer once its (lower-case) prompt shows; what it showed."""
    import pty
    import time

    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    seen, pending, deadline = b"", dict(answers), time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal closed: the process is done
                    break
                if not chunk:
                    break
                seen += chunk
                for prompt in [p for p in pending if p in seen.lower()]:
                    os.write(leader, pending.pop(prompt))
            elif proc.poll() is not None:
                break
        assert proc.wait(timeout=10) == 0, seen.decode(errors="replace")
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return seen.decode(errors="replace")
