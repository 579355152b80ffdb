"""Secret-leak fuzzing: random client secrets and tokens never appear anywhere jamfctl writes.

For each generated case jamfctl runs in-process against the in-process sandbox, configured to accept
the generated secret and to hand out the generated token, through login, every command, every output
format, with and without --debug, under every fault mode, with tokens expiring mid-run and with a
server that echoes the submitted secret and token in its error bodies. Neither value may appear in
stdout, stderr, any record of the "jamfctl" loggers (at any level, before redaction), the text of any
exception that reached the error reporter, or any file under HOME (the keychain is in memory).

Which commands: every leaf of the real command tree (tests/support/tree.py). COMMANDS below holds the
invocations that reach the most code; a data command it does not name gets one derived from the tree
(`list` -> `--limit 2`, `show`/`members` -> `--id 1`); any other new verb fails
test_every_command_is_fuzzed_or_exempt until it gets an entry here (or an exemption saying why it never
sees a credential).

Cases per property are in the test names, and each property asserts that many ran to the end: no state is
shared between tests, so this holds in any order, under -k and under xdist. Together they are >= 1,000.

Why values must be 8+ characters and absent from a fault-free run's output: a secret such as "Mac" or
"IT-MBP-0001" legitimately appears in inventory data, so finding it in stdout would prove nothing.
The fault-free outputs of every command (plus the fixed strings around them) form a corpus, and
hypothesis.assume() discards values that already occur in it; everything else must never be seen.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import keyring
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jamfctl.sandbox import SandboxConfig
from jamfctl.sandbox import transport as sandbox_transport
from jamfctl.sandbox.app import SandboxApp, SandboxResponse, _json
from jamfctl.sandbox.transport import SandboxTransport
from support import tree
from support.harness import Harness, files_containing
from support.keyrings import BrokenKeyring, LockedKeyring, MemoryKeyring

URL = "https://fuzz.jamfctl.invalid"
CLIENT_ID = "fuzz-client-0001"
SEED = 5
SERIAL, NAME = "C022CAP6G58X", "mrivera-mbp"  # computer 3 of the 20-computer fleet with seed 5
FORMATS = ("table", "json", "ndjson", "csv", "yaml")
FAULTS = (None, "500:0.3", "502:0.3", "503:0.3", "429:0.3", "reset:0.3", "slow:0.3", "truncate:0.3",
          "503:0.1,429:0.1,reset:0.1,502:0.05,truncate:0.03,500:0.02")
MOBILE_SERIAL = "39PSEEMJ7W"  # mobile device 1 of the same sandbox
COMMANDS = {  # commands with -o, with the options that reach the most code (run with -o FORMAT appended)
    "computer list": ["computer", "list", "--limit", "3"],
    "computer list --all": ["computer", "list", "--all"],
    "computer list query": ["computer", "list", "--name", "*", "--filter", "general.name==*", "--sort",
                            "general.name:desc", "--section", "SECURITY", "--fields", "id,general.name,security"],
    "computer show": ["computer", "show", SERIAL],
    "computer show --id": ["computer", "show", "--id", "2", "--section", "ALL"],
    "computer show --name": ["computer", "show", "--name", NAME],
    "computer show missing": ["computer", "show", "C02NOTHERE01"],
    "auth status --check": ["auth", "status", "--check"],
    # secrets on request: masked, and revealed (the device's secret may print; the client's never)
    "computer filevault": ["computer", "filevault", SERIAL],
    "computer filevault --reveal": ["computer", "filevault", SERIAL, "--reveal", "--yes"],
    "computer recovery-lock": ["computer", "recovery-lock", SERIAL, "--reveal", "--yes"],
    "computer lock-pin": ["computer", "lock-pin", SERIAL],
    "computer laps": ["computer", "laps", SERIAL],
    "computer laps --reveal": ["computer", "laps", SERIAL, "--account", "ladmin", "--reveal", "--yes"],
    "computer health": ["computer", "health", SERIAL, "--fail-on", "fail"],
    "report security": ["report", "security", "--group", "All Managed Clients", "--filter", "general.name==*"],
    "report security --html": ["report", "security", "--html", "{home}/report.html"],  # the page is searched too
    # MDM actions: sent (--yes) where the sandbox's fleet survives them, else shown (--dry-run)
    "computer lock": ["computer", "lock", SERIAL, "--yes"],
    "computer erase": ["computer", "erase", SERIAL, "--dry-run"],
    "computer restart": ["computer", "restart", SERIAL, "--yes"],
    "computer shutdown": ["computer", "shutdown", SERIAL, "--dry-run"],
    "computer blank-push": ["computer", "blank-push", SERIAL, "--yes"],
    "computer renew-mdm": ["computer", "renew-mdm", SERIAL, "--dry-run"],
    "computer remove-mdm": ["computer", "remove-mdm", SERIAL, "--dry-run"],
    "mobile lock": ["mobile", "lock", MOBILE_SERIAL, "--yes"],
    "mobile erase": ["mobile", "erase", MOBILE_SERIAL, "--dry-run"],
    "mobile restart": ["mobile", "restart", MOBILE_SERIAL, "--yes"],
    "mobile shutdown": ["mobile", "shutdown", MOBILE_SERIAL, "--dry-run"],
    "mobile clear-passcode": ["mobile", "clear-passcode", MOBILE_SERIAL, "--dry-run"],
    "mobile lost-mode": ["mobile", "lost-mode", "--group", "All Managed iPads", "--message", "Call IT", "--dry-run"],
    "mobile update-inventory": ["mobile", "update-inventory", MOBILE_SERIAL, "--yes"],
    "mobile remove-mdm": ["mobile", "remove-mdm", MOBILE_SERIAL, "--dry-run"],
    "policy enable": ["policy", "enable", "--id", "1", "--dry-run"],
    "policy disable": ["policy", "disable", "--id", "1", "--yes"],
    # configuration as files: written under HOME, which is searched for the secret like everything else
    "config-profile pull": ["config-profile", "pull", "--id", "1", "--dir", "{home}/pulled"],
    "script pull": ["script", "pull", "--all", "--dir", "{home}/pulled"],
    "backup": ["backup", "{home}/backup", "--only", "script,category"],  # policies: Classic, one request each
    "api": ["api", "/v1/scripts", "--paginate"],
    "api POST": ["api", "-X", "POST", "/v1/scripts", "-f", "name=Fuzz script", "-f", "scriptContents=echo fuzz",
                 "--yes"],
    # diagnostics
    "server info": ["server", "info"],
    "doctor": ["doctor"],
    "commands": ["commands"],
}
NO_OUTPUT = {  # commands without -o
    "completion": ["completion", "bash"],
    "script diff": ["script", "diff", "{home}/fuzz/new.sh"],
    "script push": ["script", "push", "{home}/fuzz/new.sh", "--dry-run"],
    "auth token": ["auth", "token"],
    "auth token --refresh": ["auth", "token", "--refresh"],
    "mcp serve": ["mcp", "serve"],  # a whole MCP session on stdin: MCP_SESSION, below
}
PROFILE_ONLY = {  # commands that name profiles: fuzzed after `login -p fz` only (with -o FORMAT appended)
    "multi": ["multi", "--profiles", "fz", "computer", "list", "--limit", "2"],
    "diff": ["diff", "fz", "fz", "--only", "script,category"],
}
FILES = {"fuzz/new.sh": "#!/bin/sh\necho fuzz\n"}  # under HOME, for script diff and push
DIFF_STYLE = {("script", "diff"), ("diff",)}  # as diff(1): exit 1 is "differences", trouble is 2 and up
READS_NO_CREDENTIAL = {"completion", "commands"}  # fuzzed too
# The one command that prints a token, by design, and only on stdout: there the token is what it must print.
PRINTS_THE_TOKEN = {("auth", "token")}
# Commands that never see a user's credential, and why.
EXEMPT = {"sandbox serve": "serves the simulator with its own fixed, fake credentials; reads no user secret"}


def in_the_tree(table: dict[str, list[str]]) -> dict[str, list[str]]:
    """The entries whose command exists: one may name a command still being written (fuzzed once it lands).
    A mistyped entry cannot hide a command: the command itself would then fail the coverage guard."""
    leaves = {path for path, _ in tree.leaf_commands()}
    return {name: args for name, args in table.items() if tree.resolve(args) in leaves}


COMMANDS, NO_OUTPUT, PROFILE_ONLY = in_the_tree(COMMANDS), in_the_tree(NO_OUTPUT), in_the_tree(PROFILE_ONLY)


def generic_invocations() -> dict[str, list[str]]:
    """Data commands no table above names, with an invocation derived from the tree: `list` with --limit 2
    (when it has --limit), `show` and `members` with --id 1. Other verbs have none: they need an entry."""
    named = {tree.resolve(args) for table in (COMMANDS, NO_OUTPUT, PROFILE_ONLY) for args in table.values()}
    derived = {}
    for path, command in tree.data_commands():
        if path in named:
            continue
        if path[-1] == "list":
            derived[tree.label(path)] = [*path, "--limit", "2"] if "--limit" in tree.options(command) else [*path]
        elif path[-1] in ("show", "members"):
            derived[tree.label(path)] = [*path, "--id", "1"]
    return derived


GENERIC = generic_invocations()
ENV_COMMANDS = [*COMMANDS, *GENERIC, *NO_OUTPUT]  # what the environment-credentials property samples
PROFILE_COMMANDS = [*ENV_COMMANDS, *PROFILE_ONLY]  # and what the login property samples
# Generated cases each property must run to the end (in its name, too); together >= 1,000.
CASES = {"commands": 650, "login": 250, "keychain": 120, "setup": 80}
# In CI the same cases run every time (no flaky surprises); locally hypothesis explores new ones.
SETTINGS = dict(deadline=None, derandomize=bool(os.environ.get("CI")), print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much])

# --- what secrets and tokens look like ------------------------------------------------------------
WORDS = ["correct", "horse", "battery", "staple", "orchard", "velvet", "lantern", "granite", "harbor", "meadow",
         "pepper", "quartz", "summer", "winter", "tiger", "falcon", "Secret", "Token", "Admin", "admin", "Welcome1"]
printable_ascii = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
words = st.builds(lambda ws, sep: sep.join(ws), st.lists(st.sampled_from(WORDS), min_size=2, max_size=4),
                  st.sampled_from(["", "-", " ", "_", "."]))
json_like = st.builds(
    lambda d: json.dumps(d, separators=(",", ":") if len(d) % 2 else (", ", ": ")),
    st.dictionaries(st.text(printable_ascii, min_size=1, max_size=8),
                    st.one_of(st.text(printable_ascii, max_size=12), st.integers(), st.booleans()),
                    min_size=1, max_size=3),
)
quoted = st.builds(lambda a, q, b: f"{a}{q}{b}", st.text(printable_ascii, min_size=3, max_size=12),
                   st.sampled_from(['"', "'", '\\"', "\\", "'\"", "%22", "&quot;"]),
                   st.text(printable_ascii, min_size=3, max_size=12))
base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
jwt_like = st.builds(lambda a, b, c: f"eyJ{a}.{b}.{c}", *[st.text(base64url, min_size=4, max_size=20)] * 3)
ascii_secret = st.text(printable_ascii, min_size=8, max_size=48)
any_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"),
                   min_size=8, max_size=40)
# A client secret may be any text a person can paste (not NUL: it cannot sit in the environment).
secrets_ = st.one_of(ascii_secret, words, json_like, quoted, any_text).filter(
    lambda s: len(s) >= 8 and s.strip() == s and s.strip("\r\n") == s)
# A token travels in an HTTP header: printable ASCII, inner spaces allowed.
tokens = st.one_of(ascii_secret, words, json_like, quoted, jwt_like).filter(
    lambda s: len(s) >= 8 and s.isascii() and s.isprintable() and s.strip() == s)


# --- the sandbox under test -----------------------------------------------------------------------
class FuzzSandbox(SandboxApp):
    """The sandbox with a chosen token, tokens that expire every few requests, and error bodies that
    echo the submitted client secret and Authorization header (as careless servers do)."""

    def __init__(self, config: SandboxConfig, token: str, *, expire_every: int = 0, echo: bool = False) -> None:
        super().__init__(config)
        self.token_value, self.expire_every, self.echo, self.requests = token, expire_every, echo, 0

    def new_token(self) -> str:
        return self.token_value

    def handle(self, method, path, query, headers, body) -> SandboxResponse:
        self.requests += 1
        if self.expire_every and self.requests % self.expire_every == 0:
            self.expire_tokens()
        response = super().handle(method, path, query, headers, body)
        if self.echo and response.status >= 400:
            form = parse_qs(body.decode("utf-8", "replace"))
            submitted = (form.get("client_secret") or [""])[0]
            said = f"rejected client_secret {submitted} with header {headers.get('authorization', '')}"
            echoed = _json(response.status, {"httpStatus": response.status, "error": said,
                                             "errors": [{"code": "ECHO", "description": said, "field": submitted}]})
            response.headers, response.body = echoed.headers, echoed.body
        return response


def _mcp_session() -> str:
    """A client's side of an MCP session, piped: every kind of tool, a bad argument, a missing computer."""
    calls = [("computer_list", {"limit": 3, "sections": ["SECURITY"]}), ("computer_show", {"serial": SERIAL}),
             ("config_profile_show", {"id": 1}), ("group_members", {"id": 1, "limit": 2}), ("script_list", {}),
             ("computer_health", {"serial": SERIAL}), ("report_security", {"flagged_limit": 2}),
             ("computer_list", {"filter": "general.name==("}), ("computer_show", {"serial": "C02NOTHERE01"})]
    init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}
    lines = [{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": init},
             {"jsonrpc": "2.0", "method": "notifications/initialized"},
             {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}]
    lines += [{"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": name, "arguments": args}}
              for i, (name, args) in enumerate(calls, 2)]
    return "".join(json.dumps(line) + "\n" for line in lines)


MCP_SESSION = _mcp_session()


class FuzzHarness(Harness):
    """`mcp serve` reads its session from stdin: every run of it gets MCP_SESSION there."""

    def run(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None):
        serves_mcp = any(args[i:i + 2] == ("mcp", "serve") for i in range(len(args)))
        return super().run(*args, stdin=MCP_SESSION if serves_mcp and stdin is None else stdin, env=env)


@pytest.fixture
def cli(monkeypatch):
    harness = FuzzHarness(monkeypatch)
    monkeypatch.setattr(sandbox_transport, "MAX_STALL_S", 0.0)  # a `slow` fault times out at once
    return harness


def serve(cli: Harness, secret: str, token: str, fault: str | None = None, seed: int = SEED, **kwargs) -> FuzzSandbox:
    app = FuzzSandbox(SandboxConfig(computers=20, seed=SEED, faults=fault, client_id=CLIENT_ID, client_secret=secret),
                      token, **kwargs)
    app.faults = type(app.faults)(fault, seed)  # the fault sequence varies with the case, the fleet does not
    cli.use_transport(lambda: SandboxTransport(app))
    return app


def env_for(secret: str) -> dict[str, str]:
    return {"JAMF_URL": URL, "JAMF_CLIENT_ID": CLIENT_ID, "JAMF_CLIENT_SECRET": secret}


def argv(command: str, fmt: str, debug: bool) -> list[str]:
    """The command line of a table entry: -o FORMAT for those that have it, {home} filled in."""
    if command in NO_OUTPUT:
        args = NO_OUTPUT[command]
    else:
        args = [*{**COMMANDS, **GENERIC, **PROFILE_ONLY}[command], "-o", fmt]
    home = os.environ["HOME"]
    return (["--debug"] if debug else []) + [arg.replace("{home}", home) for arg in args]


def fresh_files(home: Path) -> None:
    """Each case starts with the same files: what earlier cases pulled or backed up is gone (each case's own
    files were searched for its secret when it ended), and the files script diff and push read are there."""
    for folder in ("pulled", "backup", "fuzz"):
        shutil.rmtree(home / folder, ignore_errors=True)
    for name, text in FILES.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text)


def prints_the_token(command: str) -> bool:
    return tree.resolve({**COMMANDS, **GENERIC, **NO_OUTPUT, **PROFILE_ONLY}[command]) in PRINTS_THE_TOKEN


def exit_codes(command: str, usual: tuple[int, ...]) -> tuple[int, ...]:
    """diff-style commands say "trouble" with 2 where the others exit 1."""
    args = {**COMMANDS, **GENERIC, **NO_OUTPUT, **PROFILE_ONLY}[command]
    return (*usual, 2) if tree.resolve(args) in DIFF_STYLE else usual


# --- the fault-free corpus ------------------------------------------------------------------------
_CORPUS: list[str] = []
FIXED = ["<redacted>", URL, CLIENT_ID, "fuzz", "sandbox", "jamfctl", "Bearer", "Traceback"]


def corpus(cli: Harness) -> str:
    """Everything a fault-free run of every command prints with a known secret and token."""
    if not _CORPUS:
        secret, token = "baseline-secret-0000", "baseline-token-0000"
        parts, files = list(FIXED), set()
        home = Path(os.environ["HOME"])
        serve(cli, secret, token)
        # Every format with --debug (its text holds the run's stdout, log records and stderr), and once without.
        runs = [(fmt, True) for fmt in FORMATS] + [("json", False)]
        for command in ENV_COMMANDS:
            for fmt, debug in runs if command not in NO_OUTPUT else [("json", True), ("json", False)]:
                fresh_files(home)
                text = cli.run(*argv(command, fmt, debug), env=env_for(secret)).text
                parts.append(text.replace(token, "") if prints_the_token(command) else text)
                files.update(f.read_text(errors="replace") for f in home.rglob("*") if f.is_file())
        parts.append(cli.run("--debug", "login", "-p", "fz", "--url", URL, "--client-id", CLIENT_ID,
                             "--client-secret-stdin", stdin=secret).text)
        parts.append(cli.run("--debug", "-p", "fz", "auth", "status").text)
        for command in PROFILE_ONLY:
            for fmt, debug in runs:
                parts.append(cli.run(*argv(command, fmt, debug)).text)
        # Files jamfctl writes (the profile config, pulled files): their ordinary words are not leaks either.
        files.update(f.read_text(errors="replace") for f in home.rglob("*") if f.is_file())
        parts += sorted(files)
        parts.append(cli.run("--debug", "logout", "-p", "fz").text)
        serve(cli, secret + "-other", token)
        parts.append(cli.run("--debug", *COMMANDS["computer show"], env=env_for(secret)).text)  # refused
        text = "\n".join(parts)
        assert "baseline-secret-0000" not in text and "baseline-token-0000" not in text
        _CORPUS.append(text)
    return _CORPUS[0]


def usable(cli: Harness, home, *values: str) -> None:
    """Discard values that occur in normal output anyway (they could not be told apart from a leak)."""
    text = corpus(cli)
    for value in values:
        assume(value not in text and value not in str(home))
        assume(not re.search(r"\d+ ms|\d\.\d\d s|retry \d", value))  # log lines vary in these
    # Distinct, and neither inside the other: `auth token` prints the token, which must not count as the secret.
    assume(all(i == j or a not in b for i, a in enumerate(values) for j, b in enumerate(values)))


USUAL_CODES = (0, 1, 3, 4, 6, 7, 8)  # 8: a bulk action where some devices failed


def assert_no_leak(run, home, *values: str, where: str = "", codes=USUAL_CODES, on_stdout: str | None = None) -> None:
    """None of `values` anywhere; `on_stdout`, one of them, is allowed on stdout (and only there)."""
    for value in values:
        streams = [("stderr", run.stderr), ("log records", "\n".join(run.logs)),
                   ("exceptions", "\n".join(run.exceptions))]
        for name, text in streams if value == on_stdout else [("stdout", run.stdout), *streams]:
            assert value not in text, f"{where}: {value!r} leaked into {name}:\n{text[:2000]}"
        files = files_containing(home, [value])
        assert not files, f"{where}: {value!r} written to {files}"
    assert "Traceback" not in run.stderr and "unexpected error" not in run.stderr, f"{where}: {run.stderr[:2000]}"
    assert run.exit_code in codes, f"{where}: exit {run.exit_code}: {run.stderr[:500]}"


# --- the properties -------------------------------------------------------------------------------
# Each property is a hypothesis function called by a plain test, which passes it a list to tick (`ran`) and
# then asserts how many generated cases ran to the end. Why not one `test_zz_...` checking a module-level
# counter: that depends on running after the others, in the same process, and became a skip under random
# order, -k or xdist. Here each test checks itself, whatever ran before, beside or not at all.
def assert_cases_ran(prop, expected: int, **fixtures) -> None:
    ran: list[int] = []
    prop(ran=ran, **fixtures)
    assert len(ran) >= expected, f"only {len(ran)} of {expected} generated cases ran to the end"


@settings(max_examples=CASES["commands"], **SETTINGS)
@given(secret=secrets_, token=tokens, command=st.sampled_from(ENV_COMMANDS),
       fmt=st.sampled_from(FORMATS), debug=st.booleans(), fault=st.sampled_from(FAULTS),
       seed=st.integers(0, 2**16), wrong_secret=st.booleans(), echo=st.booleans(),
       expire_every=st.sampled_from([0, 0, 2, 3]))
def commands_never_leak(cli, isolated, tmp_path, ran, secret, token, command, fmt, debug, fault, seed, wrong_secret,
                        echo, expire_every):
    home = tmp_path / "home"
    usable(cli, home, secret, token)
    isolated.entries.clear()  # each case starts with an empty keychain, as on a new machine
    fresh_files(home)
    server_secret = secret + "-not-this-one" if wrong_secret else secret
    serve(cli, server_secret, token, fault, seed, expire_every=expire_every, echo=echo)
    run = cli.run(*argv(command, fmt, debug), env=env_for(secret))
    on_stdout = token if prints_the_token(command) else None
    assert_no_leak(run, home, secret, token, where=f"{command} -o {fmt} debug={debug} fault={fault}",
                   codes=exit_codes(command, USUAL_CODES), on_stdout=on_stdout)
    if on_stdout and run.exit_code == 0:
        assert json.loads(run.stdout)["token"] == token  # printed whole, on stdout, and nowhere else
    if wrong_secret and command not in READS_NO_CREDENTIAL:
        assert run.exit_code in exit_codes(command, (1, 3, 6, 7)), run.stderr  # refused (or the token request failed)
    ran.append(1)


@pytest.mark.slow
def test_commands_never_leak_the_secret_or_token_650_cases(cli, isolated, tmp_path):
    """Environment credentials, any command, format, --debug, fault mode, expiry, echoing server."""
    assert_cases_ran(commands_never_leak, CASES['commands'], cli=cli, isolated=isolated, tmp_path=tmp_path)


@settings(max_examples=CASES["login"], **SETTINGS)
@given(secret=secrets_, token=tokens, command=st.sampled_from(PROFILE_COMMANDS),
       fmt=st.sampled_from(FORMATS), debug=st.booleans(), fault=st.sampled_from(FAULTS), seed=st.integers(0, 2**16))
def login_use_status_logout_never_leak(cli, isolated, tmp_path, ran, secret, token, command, fmt, debug, fault,
                                       seed):
    home = tmp_path / "home"
    usable(cli, home, secret, token)
    isolated.entries.clear()  # each case starts with an empty keychain, as on a new machine
    fresh_files(home)
    serve(cli, secret, token, fault, seed)
    flags = ["--debug"] if debug else []
    login = cli.run(*flags, "login", "-p", "fz", "--url", URL, "--client-id", CLIENT_ID, "--client-secret-stdin",
                    stdin=secret)
    assert_no_leak(login, home, secret, token, where="login")
    if login.exit_code == 0:
        assert isolated.entries[("jamfctl", "fz")] == secret  # the keychain, and only the keychain
    use = cli.run(*flags, "-p", "fz", *argv(command, fmt, False))
    codes = exit_codes(command, USUAL_CODES)
    if login.exit_code != 0 and command == "multi":
        codes = (*codes, 2)  # `--profiles fz` naming no profile is bad input (as -p fz alone is a missing login: 3)
    assert_no_leak(use, home, secret, token, where=f"-p fz {command}", codes=codes,
                   on_stdout=token if prints_the_token(command) else None)
    status = cli.run(*flags, "-p", "fz", "auth", "status", "-o", fmt)
    assert_no_leak(status, home, secret, token, where="auth status")
    logout = cli.run(*flags, "logout", "-p", "fz")
    assert_no_leak(logout, home, secret, token, where="logout", codes=(0,) if login.exit_code == 0 else (2,))
    if login.exit_code == 0:
        assert secret not in isolated.entries.values()
        assert not any(token in value for value in isolated.entries.values())
    ran.append(1)


@pytest.mark.slow
def test_login_profile_use_status_and_logout_never_leak_250_cases(cli, isolated, tmp_path):
    """login (secret on stdin) -> a command with -p -> auth status -> logout: only the keychain holds the secret."""
    assert_cases_ran(login_use_status_logout_never_leak, CASES['login'], cli=cli, isolated=isolated, tmp_path=tmp_path)


@settings(max_examples=CASES["keychain"], **SETTINGS)
@given(secret=secrets_, token=tokens, backend=st.sampled_from(["broken", "locked", "none"]), debug=st.booleans(),
       step=st.sampled_from(["login", "use", "status", "logout"]))
def failing_keychain_never_leaks(cli, isolated, tmp_path, ran, secret, token, backend, debug, step):
    from keyring.backends import fail

    home = tmp_path / "home"
    usable(cli, home, secret, token)
    isolated.entries.clear()  # each case starts with an empty keychain, as on a new machine
    serve(cli, secret, token)
    flags = ["--debug"] if debug else []
    good = MemoryKeyring()
    keyring.set_keyring(good)
    if step != "login":  # a profile exists, then the keychain breaks
        assert cli.run("login", "-p", "fz", "--url", URL, "--client-id", CLIENT_ID, "--client-secret-stdin",
                       stdin=secret).exit_code == 0
    keyring.set_keyring({"broken": BrokenKeyring, "locked": LockedKeyring, "none": fail.Keyring}[backend]())
    try:
        args = {"login": ["login", "-p", "fz", "--url", URL, "--client-id", CLIENT_ID, "--client-secret-stdin"],
                "use": ["-p", "fz", *COMMANDS["computer list"]], "status": ["auth", "status", "-o", "json"],
                "logout": ["logout", "-p", "fz"]}[step]
        run = cli.run(*flags, *args, stdin=secret)
    finally:
        keyring.set_keyring(isolated)
    assert_no_leak(run, home, secret, token, where=f"{step} with a {backend} keychain")
    if step != "status":
        assert run.exit_code == 3 and "JAMF_CLIENT_SECRET" in run.stderr
    ran.append(1)


@pytest.mark.slow
def test_a_failing_keychain_never_leaks_the_secret_120_cases(cli, isolated, tmp_path):
    """A keychain that fails (its errors even quote the secret) never makes jamfctl print or write it."""
    assert_cases_ran(failing_keychain_never_leaks, CASES['keychain'], cli=cli, isolated=isolated, tmp_path=tmp_path)


# --- setup: the admin's password, the user token and the generated client secret ---------------------------------
SETUP_ADMIN = "fuzz-admin-0001"
_SETUP_CORPUS: list[str] = []


def setup_corpus(cli: Harness) -> str:
    """What fault-free setup runs print with known values (dry run, create, rerun, a wrong password)."""
    if not _SETUP_CORPUS:
        from jamfctl.sandbox import identity

        password, secret, token = "baseline-password-0000", "baseline-secret-0000", "baseline-token-0000"
        app = serve(cli, "baseline-unused-0000", token)
        identity.set_admin(app, SETUP_ADMIN, password)
        identity.state(app).new_secret = lambda: secret
        args = ["--debug", "setup", "--url", URL, "--username", SETUP_ADMIN, "--password-stdin"]
        texts = [cli.run(*args, *more, stdin=given).text
                 for more, given in ((["--dry-run"], password), (["--yes"], password), (["--yes"], password),
                                     (["--yes", "--level", "full"], password), (["--yes"], password + "-wrong"))]
        texts.append(cli.run("--debug", "computer", "list", "--limit", "2").text)
        text = "\n".join(texts)
        assert not any(value in text for value in (password, secret, token)), text[:2000]
        _SETUP_CORPUS.append(text)
    return _SETUP_CORPUS[0]


@settings(max_examples=CASES["setup"], **SETTINGS)
@given(password=secrets_, client_secret=tokens, token=tokens, debug=st.booleans(),
       fault=st.sampled_from([None, *FAULTS]),  # FAULTS has one None already: a fault-free run, 2 in 10
       seed=st.integers(0, 2**16), wrong_password=st.booleans(), echo=st.booleans(), dry_run=st.booleans())
def setup_never_leaks(cli, isolated, tmp_path, ran, password, client_secret, token, debug, fault, seed,
                      wrong_password, echo, dry_run):
    from jamfctl.sandbox import identity

    home = tmp_path / "home"
    usable(cli, home, password, client_secret, token)
    text = setup_corpus(cli)
    assume(all(value not in text for value in (password, client_secret, token)))
    isolated.entries.clear()
    app = serve(cli, "fuzz-unused-secret-0000", token, fault, seed, echo=echo)
    identity.set_admin(app, SETUP_ADMIN, password + "-not-this-one" if wrong_password else password)
    identity.state(app).new_secret = lambda: client_secret
    flags = ["--debug"] if debug else []
    run = cli.run(*flags, "setup", "--url", URL, "--username", SETUP_ADMIN, "--password-stdin",
                  "--dry-run" if dry_run else "--yes", stdin=password)
    values = (password, client_secret, token)
    assert_no_leak(run, home, *values, where=f"setup debug={debug} fault={fault} dry_run={dry_run}")
    if wrong_password:
        assert run.exit_code in (1, 3, 6, 7), run.stderr
    if run.exit_code == 0 and not dry_run:
        assert isolated.entries[("jamfctl", "default")] == client_secret  # the keychain, and only the keychain
        use = cli.run(*flags, "computer", "list", "--limit", "2", "-o", "json")
        assert_no_leak(use, home, *values, where="computer list after setup")
    ran.append(1)


@pytest.mark.slow
def test_setup_never_leaks_the_password_token_or_client_secret_80_cases(cli, isolated, tmp_path):
    """setup (password on stdin, or a wrong one), --dry-run or --yes, --debug, faults, an echoing server: the
    admin's password, the user token and the generated client secret appear nowhere; the secret is in the keychain."""
    assert_cases_ran(setup_never_leaks, CASES["setup"], cli=cli, isolated=isolated, tmp_path=tmp_path)


def test_the_properties_run_at_least_1000_cases_together():
    """The promise in SECURITY.md: >= 1,000 generated cases; each property asserts that its share ran."""
    assert sum(CASES.values()) >= 1000, CASES


def test_every_command_is_fuzzed_or_exempt():
    """Every leaf of the command tree is fuzzed above, by an entry of its own or a generic invocation derived
    from the tree (a data command's `list`, `show` or `members`), or is exempt with the reason it never sees a
    credential. So a new noun's list/show is fuzzed at once, and a new verb fails here until it gets an entry."""
    leaves = {path for path, _ in tree.leaf_commands()}
    tables = {"COMMANDS": COMMANDS, "NO_OUTPUT": NO_OUTPUT, "PROFILE_ONLY": PROFILE_ONLY, "GENERIC": GENERIC}
    for table, entries in tables.items():
        for name, args in entries.items():
            assert tree.resolve(args) in leaves, f"{table}[{name!r}] runs no command: {args}"
    for name in EXEMPT:
        assert tuple(name.split()) in leaves, f"EXEMPT names no command: {name!r}"
    fuzzed = {tree.resolve(args) for entries in tables.values() for args in entries.values()}
    fuzzed |= {("login",), ("logout",), ("setup",)}  # the login and setup properties run these in every case
    missing = sorted(tree.label(path) for path in leaves - fuzzed if tree.label(path) not in EXEMPT)
    assert missing == [], (
        f"neither fuzzed nor exempt: {missing}; add an invocation to COMMANDS (NO_OUTPUT without -o, "
        "PROFILE_ONLY if it names profiles), or to EXEMPT with the reason it never sees a credential")


def test_no_credential_is_hardcoded_in_the_source():
    """No string literal is bound to a secret-like name, except the sandbox's documented fake secret."""
    import ast

    allowed = {
        ("jamfctl/sandbox/__init__.py", "SANDBOX_CLIENT_SECRET"),  # the documented fake sandbox secret
        ("jamfctl/sandbox/classic_data.py", "Password"),  # a sandbox profile's fake Wi-Fi password (pulls redact it)
        ("jamfctl/sandbox/app.py", "view-recovery-lock-password"),  # a route's name; its value names a privilege
        ("jamfctl/sandbox/catalog.py", "com.1password"),  # a bundle id prefix; its value is an app category
        ("jamfctl/sandbox/identity.py", "SANDBOX_ADMIN_PASSWORD"),  # the documented fake sandbox admin's password
    }
    secretish = re.compile(r"(secret|password|passwd|api_?key|access_?token|bearer)$", re.IGNORECASE)
    root = Path(__file__).resolve().parents[1]
    found = []
    for path in sorted((root / "jamfctl").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            pairs = []
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                pairs = [(t.id if isinstance(t, ast.Name) else getattr(t, "attr", ""), node.value) for t in targets]
            elif isinstance(node, ast.keyword):
                pairs = [(node.arg or "", node.value)]
            elif isinstance(node, ast.Dict):
                pairs = [(k.value, v) for k, v in zip(node.keys, node.values, strict=True)
                         if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            for name, value in pairs:
                literal = isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value
                if secretish.search(name) and literal:
                    where = (str(path.relative_to(root)), name)
                    if where not in allowed:
                        found.append(f"{where[0]}: {name} = {value.value!r}")
    assert not found, found


def test_no_option_takes_a_secret_on_the_command_line():
    """A secret on the command line would show in `ps` and shell history: only flags such as --client-secret-stdin."""
    for path, command in tree.walk():
        for param in command.params:
            names = " ".join(getattr(param, "opts", []))
            if re.search(r"secret|passw|api-?key|token(?!-ttl|-lifetime)", names, re.IGNORECASE):  # numbers
                assert getattr(param, "is_flag", False), f"{tree.label(path)}: {names} takes a value"
