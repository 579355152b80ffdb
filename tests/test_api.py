"""`jamfctl api`: checked against Jamf's schema before anything is sent, paged like the nouns, gated like every
write, redacted like every output; the sandbox answers every schema path it may reach.

In-process (the `jamfctl` fixture with `-p sandbox`, requests counted at the sandbox app) and over real HTTP
(jamfctl.sandbox.server.start_in_thread, requests counted in its access log)."""
from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import time
from pathlib import Path

import jsonschema
import pytest

from jamfctl import api_schema, redact
from jamfctl.cli.api import scrub_text
from jamfctl.cli.app import run
from jamfctl.context import AppContext
from jamfctl.errors import ValidationError
from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox.app import SandboxApp

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "jamf-api"
needs_schema = pytest.mark.skipif(not SHARED.exists() and not os.environ.get("CI"),
                                  reason=f"Jamf's schema files are not at {SHARED}")


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, str]]:
    """(method, path) of every request that reached the in-process sandbox, the token request included."""
    seen: list[tuple[str, str]] = []
    handle = SandboxApp.handle

    def recording(self, method, path, query, headers, body):
        seen.append((method, path))
        return handle(self, method, path, query, headers, body)

    monkeypatch.setattr(SandboxApp, "handle", recording)
    return seen


def api(jamfctl, *args, stdin=None):
    return jamfctl("-p", "sandbox", "api", *args, stdin=stdin)


# --- the shipped index ------------------------------------------------------------------------------------------------
def load_script():
    spec = importlib.util.spec_from_file_location("generate_api_index", REPO / "scripts" / "generate_api_index.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_schema
def test_the_shipped_index_and_sandbox_routes_equal_a_fresh_build():
    script = load_script()
    built = script.build(SHARED)
    assert script.INDEX_OUT.read_text() == script.dumps(built["api_index"]), "rerun scripts/generate_api_index.py"
    assert script.SANDBOX_OUT.read_text() == script.dumps(built["sandbox"]), "rerun scripts/generate_api_index.py"
    assert len(built["api_index"]["modern"]) == 547 and len(built["api_index"]["classic"]) == 273


def test_the_index_is_small_and_loads_fast():
    assert api_schema.INDEX.stat().st_size < 110 * 1024
    api_schema._index.cache_clear()
    api_schema._buckets.cache_clear()
    api_schema._routes.cache_clear()
    started = time.perf_counter()
    api_schema.match("GET", "/v1/scripts")
    assert time.perf_counter() - started < 0.05  # about 2 ms on a laptop; generous for a busy CI runner


# --- matching ---------------------------------------------------------------------------------------------------------
def overlapping_prefixes(templates: list[str]) -> set[tuple[str, str]]:
    """(literal, parameter) prefixes: equal up to a depth where one has a literal segment and the other a `{param}`
    (e.g. /v4/computers-inventory/filevault and /v4/computers-inventory/{id})."""
    pairs = set()
    for a in templates:
        for b in templates:
            x, y = a.split("/"), b.split("/")
            depth = next((i for i, (s, t) in enumerate(zip(x, y)) if s != t), None)
            if depth is not None and "{" not in x[depth] and y[depth].startswith("{"):
                pairs.add(("/".join(x[:depth + 1]), "/".join(y[:depth + 1])))
    return pairs


def test_literal_segments_win_over_parameters_in_every_overlapping_pair():
    templates = list(api_schema._index()["modern"])
    assert len(overlapping_prefixes(templates)) >= 60
    for template in templates:  # each template, made concrete, is matched by itself (not by a {param} sibling)
        concrete = re.sub(r"\{[^}]+\}", "7", template)
        found, _ = api_schema._lookup(tuple(concrete[1:].split("/")), classic=False)
        assert re.sub(r"\{[^}]+\}", "{}", found) == re.sub(r"\{[^}]+\}", "{}", template), (template, found)


def test_a_path_matches_with_or_without_api_and_fills_its_template():
    op = api_schema.match("get", "/api/v4/computers-inventory/42")
    assert (op.template, op.values, op.path()) == ("/v4/computers-inventory/{id}", {"id": "42"},
                                                   "/api/v4/computers-inventory/42")
    assert api_schema.match("GET", "v1/scripts").pages
    classic = api_schema.match("GET", "/JSSResource/computerapplicationusage/id/5/2024-01-01_2024-02-01")
    assert classic.classic and classic.values == {"id": "5", "start_date": "2024-01-01", "end_date": "2024-02-01"}
    assert api_schema.match("GET", "/computers/id/5", classic=True).path() == "/JSSResource/computers/id/5"


@pytest.mark.parametrize("method, path, message", [
    ("GET", "/v1/scriptz", "nearest: /v1/scripts"),
    ("PATCH", "/v1/jamf-pro-version", "has no PATCH in the schema; it takes GET"),
    ("GET", "/v1/static-user-groups/abc", "{id} in /v1/static-user-groups/{id} must be a whole number"),
    ("GET", "/JSSResource/computers/id/abc", "must be a whole number"),
    ("POST", "/api/oauth/token", "mints or ends access tokens"),
    ("POST", "/v1/oauth/token", "`jamfctl auth token`"),
    ("POST", "/v1/auth/invalidate-token", "mints or ends access tokens"),
    ("GET", "/v1/scripts/../../oauth/token", "'..'"),
    ("GET", "https://evil.example.com/api/v1/scripts", "not a URL"),
    ("GET", "/v1//scripts", "empty segment"),
    ("GET", "/v1/scripts/a%2Fb", "has 'a/b' in it"),
])
def test_refusals_name_what_is_valid(method, path, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        api_schema.match(method, path)


def test_suggestions_are_the_nearest_templates():
    assert api_schema.suggest("/v1/scriptz")[0] == "/v1/scripts"
    assert "/v4/computers-inventory/{id}" in api_schema.suggest("/v4/computer-inventory/5")
    assert api_schema.suggest("/zzzzzzzzzzzzzzzzzzzzzz") == []


def test_privileges_for_is_cheap_and_never_raises():
    assert api_schema.privileges_for("GET", "/api/v1/scripts/7") == ["Read Scripts"]
    assert api_schema.privileges_for("delete", "/api/v1/scripts/7") == ["Delete Scripts"]
    assert api_schema.privileges_for("GET", "https://x.jamfcloud.com/api/v4/computers-inventory?page=0") == ["Read Computers"]
    for method, path in [("GET", "/api/nope"), ("PATCH", "/api/v1/scripts"), ("GET", "/JSSResource/policies"),
                         ("GET", ""), ("GET", "/../.."), (None, "/api/v1/scripts"), ("GET", None), ("GET", "x" * 10000)]:
        assert api_schema.privileges_for(method, path) == []
    started = time.perf_counter()
    for _ in range(200):
        api_schema.privileges_for("GET", "/api/v2/mobile-devices/3/detail")
    assert (time.perf_counter() - started) / 200 < 0.002


def test_query_and_body_checks():
    inventory = api_schema.match("GET", "/v4/computers-inventory")
    api_schema.check_query(inventory, [("section", "GENERAL"), ("section", "HARDWARE,SECURITY"), ("page-size", "5")])
    for pairs, message in [([("sectoin", "GENERAL")], "Did you mean section?"), ([("page", "x")], "whole number"),
                           ([("section", "NOPE")], "one of GENERAL"), ([("page", "1"), ("page", "2")], "more than once")]:
        with pytest.raises(ValidationError, match=re.escape(message)):
            api_schema.check_query(inventory, pairs)
    category = api_schema.match("POST", "/v1/categories")
    api_schema.check_body(category, {"name": "Security", "priority": 9})
    for body, message in [({"name": "x"}, "needs priority"), ({"nam": "x", "priority": 1}, "Did you mean name?"),
                          ({"name": "x", "priority": "9"}, "must be a whole number"), ([], "must be a JSON object")]:
        with pytest.raises(ValidationError, match=re.escape(message)):
            api_schema.check_body(category, body)


def test_completion_follows_the_schema_and_keeps_typed_values():
    assert "/v1/scripts" in api_schema.complete("/v1/scri")
    assert api_schema.complete("/v1/scripts/5/") == ["/v1/scripts/5/download", "/v1/scripts/5/history"]
    assert all(p.startswith("/api/v4/computers-inventory") for p in api_schema.complete("/api/v4/computers-inv"))
    assert "/JSSResource/computergroups/id/{id}" in api_schema.complete("/JSSResource/computergroups/id/")


# --- the command: nothing is sent when it refuses ---------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["/v1/scriptz"], "/v1/scripts"),
    (["-X", "PATCH", "/v1/jamf-pro-version"], "it takes GET"),
    (["-X", "DELETE", "/v1/scripts/1"], "pass --yes; nothing was sent"),
    (["/v4/computers-inventory", "-f", "sectoin=GENERAL"], "Did you mean section?"),
    (["/v4/computers-inventory", "-f", "page-size=lots"], "whole number"),
    (["/v1/static-user-groups/abc"], "must be a whole number"),
    (["/v1/static-user-groups/{id}", "-f", "id=abc"], "must be a whole number"),
    (["/v1/scripts/{id}"], "-f id=VALUE"),
    (["-X", "POST", "/v1/categories", "-f", "name=x", "-f", "priority=9"], "must be a whole number"),
    (["-X", "POST", "/v1/categories", "-f", "nmae=x", "-F", "priority=9"], "Did you mean name?"),
    (["-X", "POST", "/v1/categories"], "needs a body"),
    (["-X", "POST", "/v1/categories", "--input", "-"], "not valid JSON"),
    (["/v1/jamf-pro-version", "--paginate"], "does not page"),
    (["/v1/scripts", "--paginate", "-f", "page=2"], "set by --paginate"),
    (["/v1/scripts", "--xml"], "--xml is for the Classic API"),
    (["-X", "POST", "/api/oauth/token"], "jamfctl auth token"),
    (["-X", "HEAD", "/v1/scripts"], "unknown method"),
    (["/v1/scripts/../oauth/token"], "'..'"),
])
def test_each_refusal_exits_2_and_sends_nothing(jamfctl, sent, args, message):
    result = api(jamfctl, *args, stdin="{not json")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert sent == []


def test_a_read_only_profile_refuses_writes_before_anything(jamfctl, sent, monkeypatch):
    monkeypatch.setenv("JAMFCTL_READ_ONLY", "1")
    result = api(jamfctl, "-X", "POST", "/v1/categories", "-f", "name=x", "-F", "priority=1", "--yes")
    assert result.exit_code == 2 and "read-only" in result.stderr and sent == []
    assert api(jamfctl, "/v1/jamf-pro-version").exit_code == 0  # reads still work


# --- paging -----------------------------------------------------------------------------------------------------------
def test_paginate_gives_what_the_noun_lists(jamfctl):
    scripts = json.loads(api(jamfctl, "/v1/scripts", "--paginate").stdout)
    listed = json.loads(jamfctl("-p", "sandbox", "script", "list", "--all", "-o", "json").stdout)
    assert len(scripts) == len(listed) > 0
    assert {s["id"] for s in scripts} == {s["id"] for s in listed}


def test_paginate_walks_pages_and_streams_ndjson(jamfctl, sent):
    result = api(jamfctl, "/v4/computers-inventory", "--paginate", "-f", "section=GENERAL", "-f", "page-size=120",
                 "-o", "ndjson")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and len(lines) == 500  # the default sandbox fleet
    assert len({json.loads(line)["id"] for line in lines}) == 500
    pages = [p for m, p in sent if p == "/api/v4/computers-inventory"]
    assert len(pages) == 5  # ceil(500 / 120), page-size honoured


def test_a_path_template_is_filled_from_a_field(jamfctl):
    by_template = api(jamfctl, "/v1/scripts/{id}", "-f", "id=1")
    assert by_template.exit_code == 0, by_template.stderr
    assert json.loads(by_template.stdout) == json.loads(api(jamfctl, "/api/v1/scripts/1").stdout)


# --- writes ---------------------------------------------------------------------------------------------------------
class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_with(args: list[str], stdin) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["-p", "sandbox", "api", *args], AppContext(stdin=stdin, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def test_delete_asks_on_a_terminal_and_yes_sends_it_once(sent):
    code, _, err = run_with(["-X", "DELETE", "/v1/dock-items/3"], TTY("n\n"))
    assert code == 2 and "DELETE /api/v1/dock-items/3 on the sandbox? [y/N]" in err and sent == []
    code, out, err = run_with(["-X", "DELETE", "/v1/dock-items/3"], TTY("y\n"))
    assert code == 0, err
    assert [r for r in sent if r[0] == "DELETE"] == [("DELETE", "/api/v1/dock-items/3")]
    code, _, err = run_with(["-X", "DELETE", "/v1/dock-items/3", "--yes"], io.StringIO(""))
    assert code == 0, err


def test_post_is_sent_once_and_its_answer_rendered(jamfctl, sent):
    result = api(jamfctl, "-X", "POST", "/v1/dock-items", "-f", "name=Safari", "-f", "path=/Applications/Safari.app",
                 "-f", "type=APP")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "1"  # HrefResponse, in Jamf's shape
    assert [r for r in sent if r[0] == "POST" and "token" not in r[1]] == [("POST", "/api/v1/dock-items")]


def test_dry_run_prints_the_request_redacted_and_sends_nothing(jamfctl, sent):
    result = api(jamfctl, "-X", "POST", "/v1/api-integrations", "-f", "displayName=ci", "-F", "enabled=true",
                 "-F", "accessTokenLifetimeSeconds=300", "-f", "authorizationScopes[]=role", "--dry-run")
    assert result.exit_code == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("would send: POST /api/v1/api-integrations {")
    body = json.loads(line.split(" ", 4)[4])
    assert body == {"displayName": "ci", "enabled": True, "accessTokenLifetimeSeconds": 300,
                    "authorizationScopes": ["role"]}
    assert sent == []
    secret = api(jamfctl, "-X", "POST", "/v1/supervision-identities", "-f", "displayName=ci", "-f", "password=hunter22",
                 "--dry-run")
    assert secret.exit_code == 0, secret.stderr
    assert "hunter22" not in secret.stdout and '"password":"<redacted>"' in secret.stdout


def test_input_from_stdin_is_checked_and_fields_go_to_the_query(jamfctl, sent):
    result = api(jamfctl, "-X", "POST", "/v1/dock-items", "--input", "-", "--dry-run",
                 stdin='{"name": "Mail", "path": "/Applications/Mail.app", "type": "APP"}')
    assert result.exit_code == 0 and '"name":"Mail"' in result.stdout
    missing = api(jamfctl, "-X", "POST", "/v1/dock-items", "--input", "-", stdin='{"name": "Mail"}')
    assert missing.exit_code == 2 and "needs path, type" in missing.stderr and sent == []


def test_a_multipart_upload_sends_the_file(jamfctl, sent, tmp_path):
    icon = tmp_path / "icon.png"
    icon.write_bytes(b"\x89PNG fake")
    result = api(jamfctl, "-X", "POST", "/v1/icon", "-F", f"file=@{icon}")
    assert result.exit_code == 0, result.stderr
    assert ("POST", "/api/v1/icon") in sent
    dry = api(jamfctl, "-X", "POST", "/v1/icon", "-F", f"file=@{icon}", "--dry-run")
    assert "multipart/form-data" in dry.stdout and "PNG" not in dry.stdout


# --- output -----------------------------------------------------------------------------------------------------------
def test_secrets_in_answers_are_redacted(jamfctl):
    vault = api(jamfctl, "/v4/computers-inventory/1/filevault")
    assert vault.exit_code == 0, vault.stderr
    assert json.loads(vault.stdout)["personalRecoveryKey"] == "<redacted>"
    tokens = api(jamfctl, "/v1/oauth2/session-tokens")
    assert json.loads(tokens.stdout) == {"accessToken": "<redacted>", "idToken": "<redacted>"}


def test_text_answers_are_scrubbed_and_xml_secret_elements_redacted():
    redact.register_secret("s3cr3t-value")
    xml = "<account><name>admin</name><password_sha256>ab12</password_sha256><password>pw1</password>" \
          "<note>s3cr3t-value</note></account>"
    assert scrub_text(xml, xml=True) == ("<account><name>admin</name><password_sha256>ab12</password_sha256>"
                                         "<password><redacted></password><note><redacted></note></account>")


def test_classic_answers_json_or_xml(jamfctl):
    listed = api(jamfctl, "--classic", "/buildings")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == {"buildings": []}
    xml = api(jamfctl, "/JSSResource/buildings", "--xml")
    assert xml.exit_code == 0 and xml.stdout.strip().endswith("<buildings><size>0</size></buildings>")
    missing = api(jamfctl, "--classic", "/buildings/id/9")
    assert missing.exit_code == 4


def test_deprecated_paths_say_so_on_stderr(jamfctl):
    result = api(jamfctl, "/v1/computers-inventory", "-f", "page-size=1")
    assert result.exit_code == 0 and "deprecated since 2025-06-30" in result.stderr


# --- start-up stays light ---------------------------------------------------------------------------------------------
def test_help_and_completion_do_not_load_the_schema_index(tmp_path):
    from test_imports import NEVER_FOR_HELP, imported, offenders

    for argv in (["--help"], ["api", "--help"]):
        modules, stdout = imported(tmp_path, argv)
        assert "Usage" in stdout and "jamfctl.api_schema" not in modules, argv
    modules, stdout = imported(tmp_path, [], _JAMFCTL_COMPLETE="complete_zsh",
                               _TYPER_COMPLETE_ARGS="jamfctl api /v1/scri")
    assert "/v1/scripts" in stdout and "/v1/scripts/{id}/history" in stdout
    assert offenders(modules, NEVER_FOR_HELP) == []


# --- the sandbox answers every path `api` can reach --------------------------------------------------------------------
@pytest.fixture(scope="module")
def sandbox():
    import httpx

    from jamfctl.sandbox.transport import SandboxTransport

    app = SandboxApp(SandboxConfig(computers=20, seed=1))
    with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid") as client:
        token = client.post("/api/oauth/token", data={"grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID,
                                                      "client_secret": SANDBOX_CLIENT_SECRET}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.mark.parametrize("method, path, kwargs, status", [
    ("PATCH", "/api/v1/dock-items/1", {}, 405),
    ("GET", "/api/v1/no-such-thing", {}, 404),
    ("GET", "/api/v1/static-user-groups/abc", {}, 400),
    ("GET", "/api/v1/computer-inventory-collection-settings", {}, 200),
    ("POST", "/api/v1/dock-items", {"json": {"name": "x"}}, 400),
    ("POST", "/api/v1/dock-items", {"content": b"{oops", "headers": {"Content-Type": "application/json"}}, 400),
    ("POST", "/api/v1/dock-items", {"json": {"name": "x", "path": "/x", "type": "APP"}}, 201),
    ("DELETE", "/api/v1/dock-items/1", {}, 204),
    ("GET", "/api/v1/dock-items/1", {"params": {"page": "x"}}, 200),  # not a parameter of it: ignored, as Jamf does
    ("GET", "/api/v2/mdm/commands", {"params": {"page": "x"}}, 400),
    ("GET", "/api/v1/computer-extension-attributes/templates", {}, 200),  # a literal, not ext-attr "templates"
    ("POST", "/JSSResource/buildings/id/0", {"content": b"<building><name>x</name></building>"}, 201),
    ("PATCH", "/JSSResource/buildings/id/1", {}, 405),
    ("GET", "/JSSResource/nothing", {}, 404),
])
def test_generic_answers_and_errors(sandbox, method, path, kwargs, status):
    response = sandbox.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    if status == 405:
        assert response.headers["Allow"]


def _open_schemas():
    """Jamf's schemas as JSON Schema with OpenAPI's response rules: writeOnly properties are never required in an
    answer. Objects stay open here (Jamf's allOf compositions cannot be closed part by part); `_closed` checks keys."""
    from test_sandbox_schema import _components

    raw = _components()["_raw"]["components"]["schemas"]

    def relax(raw_node, node):
        if isinstance(node, dict):
            node.pop("additionalProperties", None) if node.get("additionalProperties") is False else None
            props = raw_node.get("properties", {}) if isinstance(raw_node, dict) else {}
            if "required" in node and props:
                node["required"] = [r for r in node["required"] if not props.get(r, {}).get("writeOnly")]
            for key, value in node.items():
                relax(raw_node.get(key) if isinstance(raw_node, dict) else None, value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                relax(raw_node[i] if isinstance(raw_node, list) and i < len(raw_node) else None, value)

    schemas = json.loads(json.dumps(_components()["schemas"]))
    for name, schema in schemas.items():
        relax(raw[name], schema)
    return raw, schemas


def _resolved(raw: dict, node: dict) -> dict:
    while "$ref" in node:
        node = raw[node["$ref"].rsplit("/", 1)[1]]
    return node


def _properties(raw: dict, node: dict) -> dict:
    """The properties an object may have: its own and those of every allOf/oneOf/anyOf part, at any depth."""
    node = _resolved(raw, node)
    props = {name: {} for name in node.get("required", [])}  # GsxKeystore requires `keystore` without describing it
    props.update(node.get("properties", {}))
    for part in node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", []):
        props.update(_properties(raw, part))
    return props


def _closed(raw: dict, node: dict, value, where: str) -> None:
    """Every key of `value`, at any depth, is a property the schema declares."""
    node = _resolved(raw, node)
    props = _properties(raw, node)
    if isinstance(value, dict) and props:
        for key, item in value.items():
            assert key in props, f"{where}: {key} is not in the schema"
            _closed(raw, props[key], item, f"{where}.{key}")
    if isinstance(value, list) and "items" in node:
        for item in value:
            _closed(raw, node["items"], item, where)


@needs_schema
def test_every_generic_get_answer_is_schema_valid(sandbox, monkeypatch):
    from test_sandbox_schema import _components, _format_checker

    from jamfctl.sandbox import generic

    answered: list[str] = []
    modern = generic._modern
    monkeypatch.setattr(generic, "_modern", lambda *a: (answered.append(a[1]), modern(*a))[1])
    raw, schemas = _open_schemas()
    document = _components()["_raw"]
    checked = 0
    for template, item in document["paths"].items():
        op = item.get("get")
        if op is None:
            continue
        required = {p["name"]: (p["schema"].get("enum") or ["1"])[0] for p in op.get("parameters", [])
                    if "$ref" not in p and p.get("required") and p["in"] == "query"}
        answered.clear()
        response = sandbox.get("/api" + re.sub(r"\{[^}]+\}", "1", template), params=required)
        if not answered:
            continue  # a route with a store answered; tests/test_sandbox_schema.py covers those
        assert response.status_code < 300, (template, response.text)
        content = op["responses"][str(response.status_code)].get("content") or {}
        schema = next((c["schema"] for kind, c in content.items() if "json" in kind), None)
        if schema is None:
            continue
        body = response.json()
        jsonschema.Draft202012Validator({**schema, "components": {"schemas": schemas}},
                                        format_checker=_format_checker()).validate(body)
        _closed(raw, schema, body, template)
        checked += 1
    assert checked > 300


# --- over HTTP, as the acceptance check does --------------------------------------------------------------------------
def test_over_http_paginates_all_300_and_sends_no_refused_request(jamfctl, monkeypatch):
    from jamfctl.sandbox.server import start_in_thread

    log = io.StringIO()
    url, stop = start_in_thread(SandboxConfig(computers=300), err=log)
    try:
        monkeypatch.setenv("JAMF_URL", url)
        monkeypatch.setenv("JAMF_CLIENT_ID", SANDBOX_CLIENT_ID)
        monkeypatch.setenv("JAMF_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
        result = jamfctl("api", "/v4/computers-inventory", "--paginate", "-f", "section=GENERAL")
        assert result.exit_code == 0, result.stderr
        assert len(json.loads(result.stdout)) == 300
        before = log.getvalue()
        assert jamfctl("api", "/v1/scriptz").exit_code == 2
        assert jamfctl("api", "-X", "PATCH", "/v1/jamf-pro-version").exit_code == 2
        assert jamfctl("api", "-X", "DELETE", "/v1/scripts/1", stdin="").exit_code == 2
        time.sleep(0.2)
        assert log.getvalue() == before
    finally:
        stop()
