"""`jamfctl doctor` and `jamfctl server info`, and the 403 messages that name what to grant.

doctor: one line per check, a fix for each failure, exit 0 only when all pass. Proven against the sandbox
served over real HTTP (and https with a test CA) and in-process, in each failure mode: a closed port, a
certificate that does not verify (and the TLS-inspection hint naming its issuer), a secret the server refuses,
a missing privilege, an unreadable role, a skewed server clock.
"""
from __future__ import annotations

import datetime
import json
import socket

import httpx
import pytest

from jamfctl.auth import Credentials
from jamfctl.client import JamfClient
from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.identity import all_privileges, skew_clock
from jamfctl.sandbox.server import start_in_thread
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness

URL = "https://jamf.example.com"


@pytest.fixture
def cli(monkeypatch):
    return Harness(monkeypatch)


@pytest.fixture
def served():
    url, stop = start_in_thread(SandboxConfig(computers=5))
    yield url
    stop()


def env(url: str, secret: str = SANDBOX_CLIENT_SECRET, **extra: str) -> dict[str, str]:
    return {"JAMF_URL": url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": secret, **extra}


def in_process(cli: Harness, **config) -> SandboxApp:
    app = SandboxApp(SandboxConfig(computers=5, **config))
    cli.use_transport(lambda: SandboxTransport(app))
    return app


def lines(run) -> dict[str, str]:
    """check name -> its whole line; every stdout line is one check."""
    out = {}
    for line in run.stdout.splitlines():
        status, name, _ = (line[:4].strip(), line[6:40].strip(), line[40:])
        assert status in ("ok", "FAIL", "warn", "skip"), line
        out[name] = line
    return out


def status(run, name: str) -> str:
    return lines(run)[name][:4].strip()


def assert_plain(run) -> None:
    assert "Traceback" not in run.stderr and 'File "' not in run.stderr
    assert SANDBOX_CLIENT_SECRET not in run.stdout + run.stderr


# --- doctor: passing ---------------------------------------------------------------------------------------------
def test_doctor_passes_against_sandbox_serve(cli, served):
    run = cli.run("doctor", env=env(served))
    assert run.exit_code == 0, run.stdout + run.stderr
    checks = lines(run)
    for name in ("url", "dns", "tcp", "http", "credentials", "token", "clock", "keychain", "roles",
                 "privileges: computer", "privileges: computer (writes)", "privileges: mobile (writes)"):
        assert checks[name].startswith("ok"), checks
    assert "tls" not in checks  # plain http on loopback: nothing to check
    assert "FAIL" not in run.stdout and run.stderr == ""
    assert "roles: api-role:1" in checks["credentials"] and "jamfctl sandbox (api-role:1)" in checks["roles"]
    assert_plain(run)


def test_doctor_passes_in_the_in_process_sandbox(cli):
    run = cli.run("-p", "sandbox", "doctor")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert status(run, "network") == "skip" and status(run, "keychain") == "skip"
    assert status(run, "token") == "ok" and "Jamf Pro 11.30" in lines(run)["token"]


def test_doctor_as_json_is_one_row_per_check(cli, served):
    run = cli.run("doctor", "-o", "json", env=env(served))
    assert run.exit_code == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [set(r) for r in rows] == [{"check", "status", "detail", "fix"}] * len(rows)
    assert {r["check"] for r in rows} >= {"url", "dns", "tcp", "http", "credentials", "token", "clock"}
    fields = cli.run("doctor", "-o", "csv", "--fields", "check,status", env=env(served))
    assert fields.stdout.splitlines()[0] == "check,status"
    assert cli.run("doctor", "-o", "json", "--fields", "nope", env=env(served)).exit_code == 2


# --- doctor: each failure mode, with its fix -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_doctor_on_a_closed_port_fails_at_tcp_with_a_fix(cli):
    run = cli.run("doctor", env=env(f"http://127.0.0.1:{free_port()}"))
    assert run.exit_code == 7, run.stdout + run.stderr
    checks = lines(run)
    assert checks["dns"].startswith("ok") and checks["tcp"].startswith("FAIL")
    assert "refused" in checks["tcp"] and "fix: nothing listens there" in checks["tcp"]
    assert status(run, "credentials") == "skip" and "http" not in checks
    assert "1 of" in run.stderr and "(tcp)" in run.stderr
    assert_plain(run)


def test_doctor_with_a_refused_secret_fails_at_credentials_without_printing_it(cli, served):
    secret = "not-the-sandbox-secret-7f3a"
    run = cli.run("--debug", "doctor", env=env(served, secret))
    assert run.exit_code == 3, run.stdout + run.stderr
    checks = lines(run)
    assert checks["http"].startswith("ok") and checks["credentials"].startswith("FAIL")
    assert "refused the API client credentials" in checks["credentials"]
    assert "fix: check JAMF_CLIENT_ID and JAMF_CLIENT_SECRET" in checks["credentials"]
    assert status(run, "token") == "skip"
    assert secret not in run.text


def test_doctor_names_a_missing_privilege_and_what_to_grant(cli):
    in_process(cli, denied_privileges=frozenset({"Read Computers", "Send Mobile Device Lost Mode Command"}))
    run = cli.run("doctor", env=env(URL))
    assert run.exit_code == 5, run.stdout + run.stderr
    checks = lines(run)
    assert "missing 'Read Computers' (for list, show)" in checks["privileges: computer"]
    assert "fix: grant 'Read Computers' to API role 'jamfctl sandbox'" in checks["privileges: computer"]
    assert "Send Mobile Device Lost Mode Command" in checks["privileges: mobile (writes)"]
    assert "--read-only" in checks["privileges: mobile (writes)"]  # a write family: or say the client only reads
    assert checks["privileges: user"].startswith("ok") and checks["token"].startswith("ok")
    assert "(privileges: computer, " in run.stderr


def test_a_read_only_profile_needs_no_write_privileges(cli):
    in_process(cli, denied_privileges=frozenset({"Send Mobile Device Lost Mode Command"}))
    run = cli.run("doctor", env=env(URL, JAMFCTL_READ_ONLY="1"))
    assert run.exit_code == 0, run.stdout
    check = lines(run)["privileges: mobile (writes)"]
    assert check.startswith("skip") and "read-only" in check


def test_unreadable_roles_are_a_warning_not_a_failure(cli):
    in_process(cli, denied_privileges=frozenset({"Read API Roles"}))
    run = cli.run("doctor", env=env(URL))
    assert run.exit_code == 0, run.stdout
    assert status(run, "roles") == "warn" and "'Read API Roles'" in lines(run)["roles"]
    assert not any(name.startswith("privileges:") for name in lines(run))


@pytest.mark.parametrize("skew, code", [(3 * 3600 + 61, 1), (-400, 1), (20, 0)])
def test_a_skewed_server_clock_is_found(cli, skew, code):
    skew_clock(in_process(cli), skew)
    run = cli.run("doctor", env=env(URL))
    assert run.exit_code == code, run.stdout + run.stderr
    clock = lines(run)["clock"]
    if code:
        assert clock.startswith("FAIL") and "fix: set both clocks from the network" in clock
        assert ("3 h 1 min" in clock and "ahead of" in clock) if skew > 0 else ("6 min 40 s behind" in clock)
    else:
        assert clock.startswith("ok")


@pytest.fixture
def tls(tmp_path):
    from test_tls import TLSSandbox, make_certificate

    cert, key = make_certificate(tmp_path)
    server = TLSSandbox(cert, key)
    server.cert = cert
    yield server
    server.stop()


def test_an_untrusted_certificate_fails_at_tls_naming_its_issuer(cli, tls):
    run = cli.run("doctor", env=env(tls.url))
    assert run.exit_code == 7, run.stdout + run.stderr
    check = lines(run)["tls"]
    assert check.startswith("FAIL") and "does not verify" in check and "issued by 'jamfctl test CA'" in check
    assert "if your network inspects TLS, 'jamfctl test CA' is its CA" in check and "--ca-bundle" in check
    assert "JAMFCTL_CA_BUNDLE" in check and lines(run)["tcp"].startswith("ok")


def test_with_its_ca_the_same_server_passes(cli, tls):
    run = cli.run("--ca-bundle", str(tls.cert), "doctor", env=env(tls.url))
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "issued by 'jamfctl test CA' verifies" in lines(run)["tls"]


def test_a_tls_inspecting_proxy_is_named(cli, tmp_path):
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from test_tls import TLSSandbox

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Zscaler Inc."),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Zscaler Intermediate Root CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    server = TLSSandbox(tmp_path / "c.pem", tmp_path / "k.pem")
    try:
        run = cli.run("doctor", env=env(server.url))
    finally:
        server.stop()
    assert "'Zscaler Intermediate Root CA' looks like a TLS-inspecting proxy (zscaler)" in lines(run)["tls"]


def test_a_bad_url_fails_first(cli):
    run = cli.run("doctor", env=env("ftp://jamf.example.com"))
    assert run.exit_code == 2 and lines(run)["url"].startswith("FAIL")
    assert "fix: give the server's https address" in run.stdout


def test_no_credentials_fail_with_the_ways_to_give_them(cli):
    run = cli.run("doctor")
    assert run.exit_code == 3 and "fix: run `jamfctl login`" in lines(run)["credentials"]


# --- server info ---------------------------------------------------------------------------------------------------
def test_server_info_names_version_roles_privileges_and_families(cli):
    in_process(cli, denied_privileges=frozenset({"Read Computers"}))
    run = cli.run("server", "info", "-o", "json", env=env(URL))
    assert run.exit_code == 0, run.stderr
    info = json.loads(run.stdout)
    assert info["url"] == URL and info["version"].startswith("11.30") and info["client_id"] == SANDBOX_CLIENT_ID
    [role] = info["roles"]
    assert role["id"] == "1" and role["displayName"] == "jamfctl sandbox" and "Read Computers" not in role["privileges"]
    assert "Send Mobile Device Lost Mode Command" in role["privileges"] and info["roles_note"] is None
    families = {f["family"]: f for f in info["families"]}
    assert families["computer"]["allowed"] is False and families["computer"]["missing"] == ["Read Computers"]
    assert families["user"]["allowed"] is True and families["mobile (writes)"]["allowed"] is True
    assert info["features"]["patchEnabled"] is True and info["cloud"]["cloudInstance"] is False


def test_server_info_without_read_api_roles_names_the_roles_only(cli):
    in_process(cli, denied_privileges=frozenset({"Read API Roles"}))
    run = cli.run("server", "info", "-o", "json", env=env(URL))
    assert run.exit_code == 0, run.stderr
    info = json.loads(run.stdout)
    assert info["roles"] == [{"id": "1", "displayName": None, "privileges": None}]
    assert "'Read API Roles'" in info["roles_note"] and {f["allowed"] for f in info["families"]} == {None}


def test_server_info_for_people(cli):
    run = cli.run("-p", "sandbox", "server", "info", "-o", "table")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("Jamf Pro 11.30") and "jamfctl sandbox (api-role:1, " in run.stdout
    assert "Family" in run.stdout and "mobile (writes)" in run.stdout
    chosen = cli.run("-p", "sandbox", "server", "info", "-o", "json", "--fields", "version,roles")
    assert set(json.loads(chosen.stdout)) == {"version", "roles"}


def test_server_info_with_a_refused_secret_is_exit_3(cli):
    in_process(cli)
    run = cli.run("server", "info", env=env(URL, "nope-nope"))
    assert run.exit_code == 3 and run.stdout == "" and "nope-nope" not in run.text


# --- 403 messages name what to grant ---------------------------------------------------------------------------------
def client_for(app: SandboxApp) -> JamfClient:
    creds = Credentials(URL, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, "environment")
    return JamfClient(URL, transport=SandboxTransport(app), credentials=creds)


def forbidden_message(client: JamfClient, call) -> str:
    from jamfctl.errors import ForbiddenError

    with pytest.raises(ForbiddenError) as caught:
        call(client)
    return caught.value.message


def test_a_403_without_a_named_privilege_names_the_schemas():
    app = SandboxApp(SandboxConfig(computers=3, denied_privileges=frozenset({"Read Buildings"})))
    with client_for(app) as client:
        message = forbidden_message(client, lambda c: c.get_json("/api/v1/buildings/1"))
    assert message.endswith("(403): the API role needs the 'Read Buildings' privilege")


def test_a_403_on_an_mdm_command_checks_jamfs_privilege_names_with_the_server():
    """The schema names only 'View MDM command information...' for /v2/mdm/commands: a per-command name the
    caller gives is looked up in the server's own list, and one it does not list is said to be so."""
    def mdm(privilege):
        return lambda c: c._raise_for_status(httpx.Response(403), "POST", "/api/v2/mdm/commands", privilege=privilege)

    view = "View MDM command information in Jamf Pro API"
    with client_for(SandboxApp(SandboxConfig(computers=3))) as client:
        client.tokens.token()
        known = forbidden_message(client, mdm(f"{view}' and 'Send Mobile Device Lost Mode Command"))
        unknown = forbidden_message(client, mdm(f"{view}' and 'Send Mobile Device Teleport Command"))
    assert known.endswith(f"needs the '{view}' and 'Send Mobile Device Lost Mode Command' privilege")
    assert "this server lists no privilege named 'Send Mobile Device Teleport Command'" in unknown
    with client_for(SandboxApp(SandboxConfig(computers=3, denied_privileges=frozenset({"Read API Roles"})))) as client:
        client.tokens.token()
        unreadable = forbidden_message(client, mdm(f"{view}' and 'Send Mobile Device Teleport Command"))
    assert unreadable.endswith("Teleport Command' privilege")  # nothing to check against: the names as given


def test_an_mdm_write_denied_in_the_cli_names_its_send_privilege(cli):
    in_process(cli, denied_privileges=frozenset({"View MDM command information in Jamf Pro API"}))
    serial = json.loads(cli.run("computer", "list", "--limit", "1", "-o", "json", env=env(URL)).stdout)[0]
    run = cli.run("computer", "lock", serial["hardware"]["serialNumber"], "--yes", env=env(URL))
    assert run.exit_code in (5, 8), run.stderr
    assert "View MDM command information in Jamf Pro API" in run.stderr + run.stdout


# --- the sandbox's identity endpoints are schema-valid -----------------------------------------------------------
@pytest.fixture(scope="module")
def http():
    app = SandboxApp(SandboxConfig(computers=3, denied_privileges=frozenset({"Read Computers"})))
    with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid") as client:
        form = {"grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET}
        token = client.post("/api/oauth/token", data=form).json()
        assert token["scope"] == "api-role:1"
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield client


@pytest.mark.parametrize("path, component", [
    ("/api/v1/api-roles", "ApiRoleResult"), ("/api/v1/api-roles/1", "ApiRole"), ("/api/v1/api-roles/2", "ApiRole"),
    ("/api/v1/api-role-privileges", "ApiRolePrivileges"),
    ("/api/v1/api-role-privileges/search?name=Send", "ApiRolePrivileges"),
    ("/api/v1/auth", "AuthorizationV1"), ("/api/v2/jamf-pro-information", "JamfProInformationV2"),
    ("/api/v1/cloud-information", "CloudResponse"), ("/api/v1/api-roles/99", "ApiError")])
def test_identity_endpoints_follow_the_schema(http, path, component):
    from test_sandbox_schema import validate

    response = http.get(path)
    assert response.status_code == (404 if component == "ApiError" else 200)
    validate(response.json(), component)


def test_roles_page_filter_and_leave_out_denied_privileges(http):
    second = http.get("/api/v1/api-roles", params={"page-size": 1, "page": 1}).json()["results"]
    assert [r["id"] for r in second] == ["2"]
    found = http.get("/api/v1/api-roles", params={"filter": 'displayName=="jamfctl*"'}).json()
    assert found["totalCount"] == 1 and "Read Computers" not in found["results"][0]["privileges"]
    assert http.get("/api/v1/api-roles", params={"sort": "displayName:desc"}).json()["results"][0]["id"] == "1"
    assert http.get("/api/v1/api-roles", params={"filter": "privileges==x"}).status_code == 400
    assert "Read Computers" in http.get("/api/v1/api-role-privileges").json()["privileges"]  # the server knows it
    some = http.get("/api/v1/api-role-privileges/search", params={"name": "send", "limit": "3"}).json()
    assert len(some["privileges"]) == 3
    assert http.get("/api/v1/api-role-privileges/search").status_code == 400
    assert http.get("/api/v1/health-check").status_code == 204
    assert http.delete("/api/v1/api-roles").status_code == 405  # POST creates a role now (tests/test_setup.py)


def test_the_sandbox_role_holds_the_mdm_privileges_the_writes_declare():
    from jamfctl import specs

    for write in specs.WRITES:
        if write.command.split()[0] in ("computer", "mobile"):
            assert set(write.privileges) <= set(all_privileges()), write.command
