"""`computer filevault|laps|lock-pin|recovery-lock`: masked by default, one secret on --reveal, never leaked.

Every run goes through the CLI (support.harness) against one in-process sandbox per test, which records the
requests it answered, so "nothing was sent" and request counts are facts, not hopes.
"""
from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jamfctl.cli import app as app_module
from jamfctl.context import AppContext
from jamfctl.resources import secrets
from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig, laps
from jamfctl.sandbox.app import _json, api_error
from jamfctl.sandbox.sections import device_lock_pin, filevault_record, recovery_lock_password
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness, RecordingSandbox, files_containing
from test_sandbox_schema import _components, _operation_schema, validate

FORMATS = ("table", "json", "ndjson", "csv", "yaml")
KINDS = ("filevault", "recovery-lock", "lock-pin", "laps")
FLEET = SandboxConfig(computers=200, seed=7)
SECRET_PATHS = re.compile(r"/filevault$|/view-recovery-lock-password$|/view-device-lock-pin$|/password$")


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def app() -> RecordingSandbox:
    return RecordingSandbox(FLEET)


@pytest.fixture
def cli(monkeypatch, app) -> Harness:
    harness = Harness(monkeypatch)
    harness.use_transport(lambda: SandboxTransport(app))
    return harness


def sent(app, pattern: str = "") -> list[str]:
    """Paths the sandbox answered, the token request left out."""
    return [path for _, path, _, _ in app.seen if "oauth/token" not in path and re.search(pattern, path)]


def pick(app, want) -> object:
    return next(c for c in app.fleet.computers if want(c))


def laps_accounts(app, computer) -> list:
    return laps.state(app).accounts(computer)


def full_computer(app):
    """FileVault on with a valid key, recovery lock on, and an MDM plus two JMF LAPS accounts."""
    return pick(app, lambda c: c.filevault and c.recovery_lock and len(laps_accounts(app, c)) == 3
                and filevault_record(app.fleet, c)["individualRecoveryKeyValidityStatus"] == "VALID")


def single_account_computer(app):
    return pick(app, lambda c: len(laps_accounts(app, c)) == 1)


def secret_of(app, kind: str, computer, account=None) -> str:
    if kind == "laps":
        return laps.state(app).password(computer, account or laps_accounts(app, computer)[0])
    return {"filevault": lambda: filevault_record(app.fleet, computer)["personalRecoveryKey"],
            "recovery-lock": lambda: recovery_lock_password(app.fleet, computer)["recoveryLockPassword"],
            "lock-pin": lambda: device_lock_pin(app.fleet, computer)["pin"]}[kind]()


def all_secrets(app, computer) -> list[str]:
    values = [secret_of(app, k, computer) for k in ("filevault", "recovery-lock", "lock-pin")]
    return values + [laps.state(app).password(computer, a) for a in laps_accounts(app, computer)]


def args(kind: str, computer, *extra: str) -> list[str]:
    account = ["--account", "jamfadmin"] if kind == "laps" else []
    return ["-p", "sandbox", "computer", kind, computer.serial, *account, *extra]


def parsed(fmt: str, text: str):
    """One record back from any format (tables: the value column of each field row)."""
    if fmt == "json":
        return json.loads(text)
    if fmt == "ndjson":
        return json.loads(text.splitlines()[0])
    if fmt == "yaml":
        return yaml.safe_load(text)
    if fmt == "csv":
        return next(csv.DictReader(io.StringIO(text)))
    return dict(line.split(None, 1) for line in map(str.strip, text.splitlines()[1:]) if len(line.split(None, 1)) == 2)


# --- masked by default -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_masked_by_default_in_every_format_and_jamf_is_not_asked_for_the_secret(cli, app, kind, fmt):
    computer = full_computer(app)
    run = cli.run(*args(kind, computer, "-o", fmt))
    assert run.exit_code == 0, run.stderr
    for value in all_secrets(app, computer):
        assert value not in run.text
    assert "<redacted>" in run.stdout
    assert sent(app, SECRET_PATHS.pattern) == []  # masked: no secret request at all (LAPS: nothing rotates)


@pytest.mark.parametrize("kind, facts", [
    ("filevault", ["individualRecoveryKeyValidityStatus", "institutionalRecoveryKeyPresent", "partitionFileVault2State"]),
    ("recovery-lock", ["recoveryLockEnabled"]),
    ("laps", ["username", "userSource", "guid", "clientManagementId"]),
])
def test_facts_about_the_secret_stay_visible(cli, app, kind, facts):
    computer = full_computer(app)
    run = cli.run("-p", "sandbox", "computer", kind, computer.serial, "-o", "json")
    assert run.exit_code == 0, run.stderr
    text = run.stdout
    for fact in facts:
        assert f'"{fact}"' in text
    if kind == "filevault":
        assert json.loads(text)["individualRecoveryKeyValidityStatus"] == "VALID"
    if kind == "recovery-lock":
        assert json.loads(text)["recoveryLockEnabled"] is True
    if kind == "laps":
        rows = json.loads(text)
        assert sorted((r["username"], r["userSource"]) for r in rows) == [("jamfadmin", "JMF"), ("ladmin", "JMF"),
                                                                           ("ladmin", "MDM")]


def test_no_key_to_hide_is_null_not_redacted(cli, app):
    computer = pick(app, lambda c: not c.filevault)
    record = json.loads(cli.run("-p", "sandbox", "computer", "filevault", computer.serial, "-o", "json").stdout)
    assert record["personalRecoveryKey"] is None and record["individualRecoveryKeyValidityStatus"] == "NOT_APPLICABLE"


# --- revealing ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_reveal_without_a_terminal_and_without_yes_exits_2_and_sends_nothing(cli, app, kind):
    computer = full_computer(app)
    run = cli.run(*args(kind, computer, "--reveal", "-o", "json"))
    assert run.exit_code == 2
    assert "pass --yes" in run.stderr and "nothing was sent" in run.stderr and "the sandbox" in run.stderr
    assert app.seen == []  # not even a token request


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_reveal_yes_prints_that_one_secret_in_every_format_and_nothing_else_secret(cli, app, kind, fmt):
    computer = full_computer(app)
    account = next(a for a in laps_accounts(app, computer) if a.username == "jamfadmin")
    wanted = secret_of(app, kind, computer, account)
    others = [v for v in all_secrets(app, computer) if v != wanted]
    run = cli.run(*args(kind, computer, "--reveal", "--yes", "-o", fmt))
    assert run.exit_code == 0, run.stderr
    assert parsed(fmt, run.stdout)[secrets.KINDS[kind].field] == wanted
    assert wanted not in run.stderr and wanted not in "\n".join(run.logs + run.exceptions)
    for value in others:
        assert value not in run.text


def test_a_nested_or_second_secret_in_the_answer_stays_redacted(cli, app, monkeypatch):
    """A server adding secrets beside (or inside) the one asked for: only the one asked for is printed."""
    computer = full_computer(app)
    real = filevault_record(app.fleet, computer)

    def hostile(fleet, c):
        record = filevault_record(fleet, c)
        record["bootPartitionEncryptionDetails"]["personalRecoveryKey"] = "NESTED-KEY-0001"
        return {**record, "adminPassword": "SECOND-SECRET-0001", "extra": {"pin": "999111"}}

    monkeypatch.setitem(app_module_secret_views(), "filevault", hostile)
    for fmt in FORMATS:
        run = cli.run("-p", "sandbox", "computer", "filevault", computer.serial, "--reveal", "--yes", "-o", fmt)
        assert run.exit_code == 0 and real["personalRecoveryKey"] in run.stdout
        assert "NESTED-KEY-0001" not in run.text and "SECOND-SECRET-0001" not in run.text and "999111" not in run.text


def app_module_secret_views() -> dict:
    from jamfctl.sandbox import app as sandbox_app

    return sandbox_app._SECRET_VIEWS


@pytest.mark.parametrize("kind, argv, expected", [
    ("filevault", ["SERIAL", "--reveal", "--yes"], 2), ("filevault", ["--id", "ID", "--reveal", "--yes"], 1),
    ("lock-pin", ["--id", "ID", "--reveal", "--yes"], 1), ("recovery-lock", ["SERIAL", "--reveal", "--yes"], 2),
    ("filevault", ["SERIAL"], 1), ("lock-pin", ["--id", "ID"], 1),
    ("laps", ["SERIAL", "--account", "ladmin", "--reveal", "--yes"], 2), ("laps", ["SERIAL", "--reveal", "--yes"], 3),
    ("laps", ["SERIAL"], 2), ("laps", ["--id", "ID", "--account", "jamfadmin", "--reveal", "--yes"], 2),
])
def test_requests_as_the_map_says(cli, app, kind, argv, expected):
    computer = single_account_computer(app) if kind == "laps" else full_computer(app)
    if "--account" in argv:
        argv = [a.replace("ladmin", laps_accounts(app, computer)[0].username) for a in argv]
    argv = [computer.serial if a == "SERIAL" else str(computer.id) if a == "ID" else a for a in argv]
    run = cli.run("-p", "sandbox", "computer", kind, *argv, "-o", "json")
    assert run.exit_code == 0, run.stderr
    assert len(sent(app)) == expected, sent(app)


def test_reveal_with_debug_keeps_the_secret_out_of_stderr_and_logs(cli, app):
    computer = full_computer(app)
    for kind in KINDS:
        run = cli.run("--debug", *args(kind, computer, "--reveal", "--yes", "-o", "json"))
        assert run.exit_code == 0 and "debug (sandbox): GET" in run.stderr
        wanted = secret_of(app, kind, computer, next(a for a in laps_accounts(app, computer) if a.username == "jamfadmin"))
        # LAPS: viewing rotates nothing yet (the rotation time has not passed), so the value is still the current one
        assert wanted in run.stdout
        assert wanted not in run.stderr and not any(wanted in line for line in run.logs + run.exceptions)


def test_the_secret_is_never_written_under_home(cli, app, tmp_path):
    computer = full_computer(app)
    for kind in KINDS:
        assert cli.run("--debug", *args(kind, computer, "--reveal", "--yes")).exit_code == 0
        assert cli.run(*args(kind, computer)).exit_code == 0
    assert files_containing(tmp_path / "home", all_secrets(app, computer)) == []


class EchoingSandbox(RecordingSandbox):
    """Answers a secret request with an error whose body quotes the secret (as a careless server might)."""

    status = 400

    def handle(self, method, path, query, headers, body):
        response = super().handle(method, path, query, headers, body)
        if SECRET_PATHS.search(path) and response.status == 200:
            data = json.loads(response.body)
            value = next(data[k] for k in ("personalRecoveryKey", "recoveryLockPassword", "pin", "password") if k in data)
            said = f"cannot give {value} now; password={value}"
            echoed = api_error(self.status, "ECHO", said, value)
            echoed.body = echoed.body[:-1] + f',"error":"{value}"}}'.encode()
            return echoed
        return response


@pytest.mark.parametrize("status, code", [(400, None), (404, 4), (401, 3), (500, 1), (409, 1), (422, 1)])
@pytest.mark.parametrize("kind", KINDS)
def test_an_error_body_echoing_the_secret_never_reaches_a_message(monkeypatch, status, code, kind):
    app = EchoingSandbox(FLEET)
    app.status = status
    cli = Harness(monkeypatch)
    cli.use_transport(lambda: SandboxTransport(app))
    computer = full_computer(app)
    for debug in ([], ["--debug"]):
        run = cli.run(*debug, *args(kind, computer, "--reveal", "--yes", "-o", "json"))
        expected = code or (4 if kind == "laps" else 1)  # LAPS: a 400 means no such account (it has no 404)
        assert run.exit_code == expected, run.stderr
        for value in all_secrets(app, computer):
            assert value not in run.text, run.text
        assert "Traceback" not in run.stderr


# --- the confirmation on a terminal ---------------------------------------------------------------------------
def on_terminal(app, answer: str, *argv: str):
    out, err = io.StringIO(), io.StringIO()
    ctx = AppContext(stdout=out, stderr=err, stdin=TTY(answer), transport_factory=lambda: SandboxTransport(app))
    return app_module.run(list(argv), ctx), out.getvalue(), err.getvalue()


def test_a_terminal_is_asked_naming_server_and_device_and_no_means_no_secret_request(app):
    computer = full_computer(app)
    code, out, err = on_terminal(app, "n\n", *args("filevault", computer, "--reveal"))
    assert code == 2 and "not confirmed" in err
    assert f"Reveal the FileVault personal recovery key of computer {computer.name} ({computer.serial}, id " \
           f"{computer.id}) on the sandbox? [y/N]" in err
    assert sent(app, SECRET_PATHS.pattern) == [] and secret_of(app, "filevault", computer) not in out + err
    code, out, _ = on_terminal(app, "y\n", *args("filevault", computer, "--reveal", "-o", "json"))
    assert code == 0 and json.loads(out)["personalRecoveryKey"] == secret_of(app, "filevault", computer)


def test_laps_says_that_viewing_starts_the_rotation_and_rotation_happens(cli, app):
    computer = single_account_computer(app)
    account = laps_accounts(app, computer)[0]
    code, _, err = on_terminal(app, "n\n", "-p", "sandbox", "computer", "laps", computer.serial, "--reveal")
    assert code == 2 and "start rotating" in err
    masked = cli.run("-p", "sandbox", "computer", "laps", computer.serial)
    assert "rotates" not in masked.stderr
    first = cli.run("-p", "sandbox", "computer", "laps", computer.serial, "--reveal", "--yes", "-o", "json")
    assert first.exit_code == 0 and "rotates a LAPS password once it has been viewed" in first.stderr
    password = json.loads(first.stdout)["password"]
    assert password == laps.state(app).password(computer, account) and password not in first.stderr
    again = json.loads(cli.run(*args("laps", computer, "--reveal", "--yes", "-o", "json")).stdout)["password"]
    assert again == password  # within the rotation time: the same password
    laps.state(app).advance(laps.ROTATION_SECONDS + 1)
    rotated = json.loads(cli.run(*args("laps", computer, "--reveal", "--yes", "-o", "json")).stdout)["password"]
    assert rotated != password
    history = raw_get(app, f"/api/v2/local-admin-password/{app.fleet.management_id(computer)}/history")
    assert [e["eventType"] for e in history["results"]] == ["VIEWED", "PENDING", "VIEWED", "COMPLETED", "VIEWED",
                                                            "PENDING"]


# --- bad input: refused before any request ---------------------------------------------------------------------
BAD = [
    ["computer", "filevault", "C02;DROP TABLE"], ["computer", "lock-pin", ""], ["computer", "filevault", "ſ02XK1JMJG5H"],
    ["computer", "recovery-lock", 'C02XK1JMJG5H"'], ["computer", "laps", "C02XK1\x1b[2JJMJG5H"],
    ["computer", "filevault", "--id", "0"], ["computer", "filevault", "--id", "-3"], ["computer", "lock-pin", "--id", "2147483648"],
    ["computer", "filevault", "--id", "１２"], ["computer", "filevault"], ["computer", "filevault", "C02XK1JMJG5H", "--id", "3"],
    ["computer", "filevault", "C02XK1JMJG5H", "--fields", "nope"], ["computer", "filevault", "C02XK1JMJG5H", "-o", "xml"],
    *[["computer", "laps", "C02XK1JMJG5H", "--account", name] for name in
      ["a/b", "../etc", "..", ".", 'a"b', "a'b", "a\\b", "a`b", "a\x00b", "a\nb", "a\tb", "a b", "ádmin", "x" * 256,
       "a\u202eb", "a\u200bb", ""]],
    ["computer", "laps", "C02XK1JMJG5H", "--source", "LDAP"],
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: validate_id(a))
def test_bad_input_exits_2_before_any_request(cli, app, argv):
    run = cli.run("-p", "sandbox", *argv, "--reveal", "--yes")
    assert run.exit_code == 2, run.stderr
    assert app.seen == []
    assert "Traceback" not in run.stderr and not any(ch in run.stderr for ch in "\x00\x1b\u202e\u200b")
    if "--account" in argv:
        assert "--account" in run.stderr


def validate_id(argv: list[str]) -> str:
    return " ".join(argv[1:]).encode("unicode_escape").decode()[:40]


def test_an_account_name_is_one_encoded_path_segment(cli, app):
    computer = single_account_computer(app)
    odd = "it+adm%in?x#y;z@corp:1&2=3"
    laps.state(app).accounts(computer)[0].username = odd
    run = cli.run("-p", "sandbox", "computer", "laps", computer.serial, "--account", odd, "--reveal", "--yes",
                  "-o", "json")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["username"] == odd
    [path] = sent(app, "/password$")
    assert path.endswith("/account/it%2Badm%25in%3Fx%23y%3Bz%40corp%3A1%262%3D3/password")


def test_several_accounts_need_a_choice_and_the_guid_form_picks_the_jmf_one(cli, app):
    computer = full_computer(app)
    run = cli.run("-p", "sandbox", "computer", "laps", computer.serial, "--reveal", "--yes")
    assert run.exit_code == 2 and "3 LAPS accounts" in run.stderr and "--account" in run.stderr
    assert sent(app, "/password$") == []
    jmf = next(a for a in laps_accounts(app, computer) if a.username == "ladmin" and a.source == "JMF")
    run = cli.run("-p", "sandbox", "computer", "laps", computer.serial, "--account", "ladmin", "--source", "JMF",
                  "--reveal", "--yes", "-o", "json")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["password"] == laps.state(app).password(computer, jmf)
    assert sent(app, "/password$")[-1].endswith(f"/account/ladmin/{jmf.guid}/password")
    missing = cli.run("-p", "sandbox", "computer", "laps", computer.serial, "--account", "nobody", "--reveal", "--yes")
    assert missing.exit_code == 4 and "has no LAPS account 'nobody'" in missing.stderr


# --- privileges: the map's, named by a 403 ----------------------------------------------------------------------
def test_privileges_are_the_schemas():
    paths = _components()["_raw"]["paths"]
    for kind in secrets.KINDS.values():
        path = kind.path or "/api/v2/local-admin-password/{clientManagementId}/account/{username}/password"
        assert paths[path.removeprefix("/api")]["get"]["x-required-privileges"] == [kind.privilege], kind.command


class DenyingSandbox(RecordingSandbox):
    def handle(self, method, path, query, headers, body):
        if SECRET_PATHS.search(path):
            return api_error(403, "INVALID_PRIVILEGE", "Forbidden")
        return super().handle(method, path, query, headers, body)


@pytest.mark.parametrize("kind", KINDS)
def test_a_403_names_the_privilege(monkeypatch, kind):
    app = DenyingSandbox(FLEET)
    cli = Harness(monkeypatch)
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run(*args(kind, full_computer(app), "--reveal", "--yes"))
    assert run.exit_code == 5 and f"'{secrets.KINDS[kind].privilege}'" in run.stderr


def test_laps_in_the_sandbox_refuses_without_its_privilege(monkeypatch):
    app = RecordingSandbox(SandboxConfig(computers=200, seed=7, denied_privileges=frozenset({laps.VIEW})))
    cli = Harness(monkeypatch)
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run("-p", "sandbox", "computer", "laps", app.fleet.computers[0].serial)
    assert run.exit_code == 5 and "'View Local Admin Password'" in run.stderr


# --- the sandbox's LAPS answers follow Jamf's schema -------------------------------------------------------------
def raw_get(app, path: str, status: int = 200):
    with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid") as client:
        token = client.post("/api/oauth/token", data={"grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID,
                                                      "client_secret": SANDBOX_CLIENT_SECRET}).json()["access_token"]
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.text
    return response.json()


def test_sandbox_laps_bodies_validate_against_the_schema(app):
    computer = full_computer(app)
    base = "/v2/local-admin-password/{clientManagementId}"
    mid = app.fleet.management_id(computer)
    guid = laps_accounts(app, computer)[0].guid
    for template in ("/accounts", "/account/{username}/password", "/account/{username}/{guid}/password", "/history",
                     "/account/{username}/history", "/account/{username}/{guid}/history"):
        path = (base + template).replace("{clientManagementId}", mid).replace("{username}", "ladmin").replace("{guid}", guid)
        validate(raw_get(app, "/api" + path), _operation_schema(base + template, "get", "200"))
    laps.state(app).advance(laps.ROTATION_SECONDS + 5)
    validate(raw_get(app, f"/api/v2/local-admin-password/{mid}/account/ladmin/history"), "LapsHistoryResponse")
    validate(raw_get(app, "/api/v2/local-admin-password/settings"), "LapsSettingsResponseV2")
    validate(raw_get(app, "/api/v2/local-admin-password/pending-rotations"), "LapsPendingRotationResponse")
    for bad in (f"/api/v2/local-admin-password/{mid}/account/nobody/password", "/api/v2/local-admin-password/nope/accounts",
                f"/api/v2/local-admin-password/{mid}/account/ladmin/{'0' * 8}/password"):
        validate(raw_get(app, bad, status=400), "ApiError")  # LAPS documents no 404


# --- property: random secrets the server sends never leak without --reveal ----------------------------------------
secret_text = st.text(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_.+/=:@#%"),
                      min_size=8, max_size=40)


class SecretSprinkler(RecordingSandbox):
    """Serves chosen values under every secret-bearing name, in every answer a secrets command reads."""

    values: dict[str, str] = {}

    def handle(self, method, path, query, headers, body):
        response = super().handle(method, path, query, headers, body)
        if response.status != 200 or "oauth" in path:
            return response
        data, v = json.loads(response.body), self.values
        if SECRET_PATHS.search(path):
            data = {**data, **{k: v[k] for k in ("personalRecoveryKey", "recoveryLockPassword", "pin", "password")
                                if k in data}, "adminPassword": v["other"]}
        for row in data.get("results", []) if isinstance(data, dict) else []:
            row["password"] = v["password"]
            for section, key in (("diskEncryption", "personalRecoveryKey"), ("security", "recoveryLockPassword"),
                                 ("general", "pin")):
                if isinstance(row.get(section), dict):
                    row[section][key] = v[key]
        return _json(200, data)


_CORPUS: list[str] = []


def corpus(cli: Harness) -> str:
    """What these commands print anyway (names, ids, field names, log lines): a value found there is no leak."""
    if not _CORPUS:
        app = RecordingSandbox(FLEET)
        cli.use_transport(lambda: SandboxTransport(app))
        computer = full_computer(app)
        runs = [cli.run(*debug, *args(kind, computer, *reveal, "-o", fmt)) for kind in KINDS for fmt in FORMATS
                for debug in ([], ["--debug"]) for reveal in ([], ["--reveal", "--yes"])]
        _CORPUS.append("\n".join(run.text for run in runs) + " <redacted> sandbox jamfctl")
    return _CORPUS[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({k: secret_text for k in
                                     ("personalRecoveryKey", "recoveryLockPassword", "pin", "password", "other")}),
       kind=st.sampled_from(KINDS), fmt=st.sampled_from(FORMATS), debug=st.booleans())
def test_random_secrets_served_never_leak_without_reveal_and_reveal_prints_only_one(cli, values, kind, fmt, debug):
    """Every answer a secrets command reads carries generated values under secret-bearing names (also where
    Jamf sends none, as a future or hostile server might): masked, none is seen anywhere; revealed, only the one."""
    assume(len(set(values.values())) == len(values))
    text = corpus(cli)
    assume(not any(v in text or v in other for v in values.values() for other in values.values() if other != v))
    app = SecretSprinkler(FLEET)
    app.values = values
    computer = full_computer(app)
    cli.use_transport(lambda: SandboxTransport(app))
    flags = ["--debug"] if debug else []
    run = cli.run(*flags, *args(kind, computer, "-o", fmt))
    assert run.exit_code == 0, run.stderr
    for value in values.values():
        assert value not in run.text
    shown = cli.run(*flags, *args(kind, computer, "--reveal", "--yes", "-o", fmt))
    assert shown.exit_code == 0, shown.stderr
    field = secrets.KINDS[kind].field
    assert values[field] in shown.stdout and values[field] not in shown.stderr
    for name, value in values.items():
        if name != field:
            assert value not in shown.text
