"""Secret-leak fuzzing: random client secrets and tokens never appear anywhere jamfctl writes.

For each generated case jamfctl runs in-process against the in-process sandbox, configured to accept
the generated secret and to hand out the generated token, through login, every command, every output
format, with and without --debug, under every fault mode, with tokens expiring mid-run and with a
server that echoes the submitted secret and token in its error bodies. Neither value may appear in
stdout, stderr, any record of the "jamfctl" loggers (at any level, before redaction), the text of any
exception that reached the error reporter, or any file under HOME (the keychain is in memory).

Cases per property are in the test names; `test_zz_...` asserts the total ran (>= 1,000).

Why values must be 8+ characters and absent from a fault-free run's output: a secret such as "Mac" or
"IT-MBP-0001" legitimately appears in inventory data, so finding it in stdout would prove nothing.
The fault-free outputs of every command (plus the fixed strings around them) form a corpus, and
hypothesis.assume() discards values that already occur in it; everything else must never be seen.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

import keyring
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jamfctl.cli.app import app as typer_app
from jamfctl.sandbox import SandboxConfig
from jamfctl.sandbox import transport as sandbox_transport
from jamfctl.sandbox.app import SandboxApp, SandboxResponse, _json
from jamfctl.sandbox.transport import SandboxTransport
from support.harness import Harness, files_containing
from support.keyrings import BrokenKeyring, LockedKeyring, MemoryKeyring

URL = "https://fuzz.jamfctl.invalid"
CLIENT_ID = "fuzz-client-0001"
SEED = 5
SERIAL, NAME = "C022CAP6G58X", "mrivera-mbp"  # computer 3 of the 20-computer fleet with seed 5
FORMATS = ("table", "json", "ndjson", "csv", "yaml")
FAULTS = (None, "500:0.3", "502:0.3", "503:0.3", "429:0.3", "reset:0.3", "slow:0.3", "truncate:0.3",
          "503:0.1,429:0.1,reset:0.1,502:0.05,truncate:0.03,500:0.02")
COMMANDS = {  # every command that can see a credential, with the options that reach the most code
    "computer list": ["computer", "list", "--limit", "3"],
    "computer list --all": ["computer", "list", "--all"],
    "computer list query": ["computer", "list", "--name", "*", "--filter", "general.name==*", "--sort",
                            "general.name:desc", "--section", "SECURITY", "--fields", "id,general.name,security"],
    "computer show": ["computer", "show", SERIAL],
    "computer show --id": ["computer", "show", "--id", "2", "--section", "ALL"],
    "computer show --name": ["computer", "show", "--name", NAME],
    "computer show missing": ["computer", "show", "C02NOTHERE01"],
    "auth status --check": ["auth", "status", "--check"],
}
NO_OUTPUT_OPTION = {"completion"}  # fuzzed too, though it reads no credential
# Commands that never see a user's credential, and why.
EXEMPT = {"sandbox serve": "serves the simulator with its own fixed, fake credentials; reads no user secret"}
CASES: Counter[str] = Counter()
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
jwt_like = st.builds(lambda a, b, c: f"eyJ{a}.{b}.{c}", *[st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=4, max_size=20)] * 3)
ascii_secret = st.text(printable_ascii, min_size=8, max_size=48)
any_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), min_size=8, max_size=40)
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


@pytest.fixture
def cli(monkeypatch):
    harness = Harness(monkeypatch)
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
    args = ["completion", "bash"] if command == "completion" else [*COMMANDS[command], "-o", fmt]
    return (["--debug"] if debug else []) + args


# --- the fault-free corpus ------------------------------------------------------------------------
_CORPUS: list[str] = []
FIXED = ["<redacted>", URL, CLIENT_ID, "fuzz", "sandbox", "jamfctl", "Bearer", "Traceback"]


def corpus(cli: Harness) -> str:
    """Everything a fault-free run of every command prints with a known secret and token."""
    if not _CORPUS:
        secret, token = "baseline-secret-0000", "baseline-token-0000"
        parts = list(FIXED)
        serve(cli, secret, token)
        for command in [*COMMANDS, "completion"]:
            for fmt in FORMATS:
                for debug in (False, True):
                    parts.append(cli.run(*argv(command, fmt, debug), env=env_for(secret)).text)
        parts.append(cli.run("--debug", "login", "-p", "fz", "--url", URL, "--client-id", CLIENT_ID,
                             "--client-secret-stdin", stdin=secret).text)
        parts.append(cli.run("--debug", "-p", "fz", "auth", "status").text)
        # Files jamfctl writes (the profile config): their ordinary words are not leaks either.
        parts += [f.read_text(errors="replace") for f in Path(os.environ["HOME"]).rglob("*") if f.is_file()]
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
    assume(len(set(values)) == len(values))


def assert_no_leak(run, home, *values: str, where: str = "", codes=(0, 1, 3, 4, 6, 7)) -> None:
    for value in values:
        for name, text in (("stdout", run.stdout), ("stderr", run.stderr), ("log records", "\n".join(run.logs)),
                           ("exceptions", "\n".join(run.exceptions))):
            assert value not in text, f"{where}: {value!r} leaked into {name}:\n{text[:2000]}"
        files = files_containing(home, [value])
        assert not files, f"{where}: {value!r} written to {files}"
    assert "Traceback" not in run.stderr and "unexpected error" not in run.stderr, f"{where}: {run.stderr[:2000]}"
    assert run.exit_code in codes, f"{where}: exit {run.exit_code}: {run.stderr[:500]}"


# --- the properties -------------------------------------------------------------------------------
@settings(max_examples=650, **SETTINGS)
@given(secret=secrets_, token=tokens, command=st.sampled_from([*COMMANDS, "completion"]),
       fmt=st.sampled_from(FORMATS), debug=st.booleans(), fault=st.sampled_from(FAULTS),
       seed=st.integers(0, 2**16), wrong_secret=st.booleans(), echo=st.booleans(),
       expire_every=st.sampled_from([0, 0, 2, 3]))
def test_commands_never_leak_the_secret_or_token_650_cases(cli, isolated, tmp_path, secret, token, command, fmt,
                                                           debug, fault, seed, wrong_secret, echo, expire_every):
    """Environment credentials, any command, format, --debug, fault mode, expiry, echoing server."""
    home = tmp_path / "home"
    usable(cli, home, secret, token)
    isolated.entries.clear()  # each case starts with an empty keychain, as on a new machine
    server_secret = secret + "-not-this-one" if wrong_secret else secret
    serve(cli, server_secret, token, fault, seed, expire_every=expire_every, echo=echo)
    run = cli.run(*argv(command, fmt, debug), env=env_for(secret))
    assert_no_leak(run, home, secret, token, where=f"{command} -o {fmt} debug={debug} fault={fault}")
    if wrong_secret and command not in NO_OUTPUT_OPTION:
        assert run.exit_code in (1, 3, 6, 7)  # refused (or the token endpoint failed first)
    CASES["commands"] += 1


@settings(max_examples=250, **SETTINGS)
@given(secret=secrets_, token=tokens, command=st.sampled_from([*COMMANDS, "completion"]),
       fmt=st.sampled_from(FORMATS), debug=st.booleans(), fault=st.sampled_from(FAULTS), seed=st.integers(0, 2**16))
def test_login_profile_use_status_and_logout_never_leak_250_cases(cli, isolated, tmp_path, secret, token, command,
                                                                  fmt, debug, fault, seed):
    """login (secret on stdin) -> a command with -p -> auth status -> logout: only the keychain holds the secret."""
    home = tmp_path / "home"
    usable(cli, home, secret, token)
    isolated.entries.clear()  # each case starts with an empty keychain, as on a new machine
    serve(cli, secret, token, fault, seed)
    flags = ["--debug"] if debug else []
    login = cli.run(*flags, "login", "-p", "fz", "--url", URL, "--client-id", CLIENT_ID, "--client-secret-stdin",
                    stdin=secret)
    assert_no_leak(login, home, secret, token, where="login")
    if login.exit_code == 0:
        assert isolated.entries[("jamfctl", "fz")] == secret  # the keychain, and only the keychain
    use = cli.run(*flags, "-p", "fz", *argv(command, fmt, False))
    assert_no_leak(use, home, secret, token, where=f"-p fz {command}")
    status = cli.run(*flags, "-p", "fz", "auth", "status", "-o", fmt)
    assert_no_leak(status, home, secret, token, where="auth status")
    logout = cli.run(*flags, "logout", "-p", "fz")
    assert_no_leak(logout, home, secret, token, where="logout", codes=(0,) if login.exit_code == 0 else (2,))
    if login.exit_code == 0:
        assert secret not in isolated.entries.values()
        assert not any(token in value for value in isolated.entries.values())
    CASES["login"] += 1


@settings(max_examples=120, **SETTINGS)
@given(secret=secrets_, token=tokens, backend=st.sampled_from(["broken", "locked", "none"]), debug=st.booleans(),
       step=st.sampled_from(["login", "use", "status", "logout"]))
def test_a_failing_keychain_never_leaks_the_secret_120_cases(cli, isolated, tmp_path, secret, token, backend, debug,
                                                             step):
    """A keychain that fails (its errors even quote the secret) never makes jamfctl print or write it."""
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
    CASES["keychain"] += 1


def test_every_command_is_fuzzed_or_exempt():
    """A new command must join the fuzzing above (or say here why it never sees a credential)."""
    import typer.main

    def leaves(command, prefix=""):
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            yield prefix.strip()
            return
        for name, sub in subcommands.items():
            yield from leaves(sub, f"{prefix} {name}")

    fuzzed = {" ".join(args[:2]) for args in COMMANDS.values()} | NO_OUTPUT_OPTION | {"login", "logout"}
    for command in leaves(typer.main.get_command(typer_app)):
        assert command in fuzzed or command in EXEMPT, f"`{command}` is neither fuzzed nor exempt"


def test_no_credential_is_hardcoded_in_the_source():
    """No string literal is bound to a secret-like name, except the sandbox's documented fake secret."""
    import ast

    allowed = {("jamfctl/sandbox/__init__.py", "SANDBOX_CLIENT_SECRET")}
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
                pairs = [(k.value, v) for k, v in zip(node.keys, node.values)
                         if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            for name, value in pairs:
                if secretish.search(name) and isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                    where = (str(path.relative_to(root)), name)
                    if where not in allowed:
                        found.append(f"{where[0]}: {name} = {value.value!r}")
    assert not found, found


def test_no_option_takes_a_secret_on_the_command_line():
    """A secret on the command line would show in `ps` and shell history: only flags such as --client-secret-stdin."""
    import typer.main

    def params(command, prefix=""):
        for param in command.params:
            yield prefix, param
        for name, sub in (getattr(command, "commands", None) or {}).items():
            yield from params(sub, f"{prefix} {name}")

    for where, param in params(typer.main.get_command(typer_app)):
        names = " ".join(getattr(param, "opts", []))
        if re.search(r"secret|passw|api-?key|token(?!-ttl)", names, re.IGNORECASE):  # --token-ttl is a number
            assert getattr(param, "is_flag", False), f"{where}: {names} takes a value"


def test_zz_at_least_1000_generated_cases_ran():
    """The properties above ran >= 1,000 generated cases in total (when the whole file runs)."""
    if set(CASES) != {"commands", "login", "keychain"}:
        pytest.skip(f"only some properties ran: {dict(CASES)}")
    assert sum(CASES.values()) >= 1000, dict(CASES)
