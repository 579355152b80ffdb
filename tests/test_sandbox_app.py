"""SandboxApp behaviour through the in-process httpx transport: auth, paging, sorting, filters, faults."""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Iterator

import httpx
import pytest

from jamfctl.sandbox import JAMF_PRO_VERSION, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxConfig
from jamfctl.sandbox import app as app_module
from jamfctl.sandbox import transport as transport_module
from jamfctl.sandbox.app import SandboxApp
from jamfctl.sandbox.faults import FaultPlan, parse_faults
from jamfctl.sandbox.fleet import Fleet
from jamfctl.sandbox.transport import SandboxTransport

CREDENTIALS = {"grant_type": "client_credentials", "client_id": SANDBOX_CLIENT_ID,
               "client_secret": SANDBOX_CLIENT_SECRET}
INVENTORY = "/api/v4/computers-inventory"


@contextmanager
def make_client(app: SandboxApp, login: bool = True, **kwargs) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid", **kwargs) as client:
        if login:
            token = client.post("/api/oauth/token", data=CREDENTIALS).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.fixture(scope="module")
def app() -> SandboxApp:
    return SandboxApp(SandboxConfig(computers=2500, seed=11))


@pytest.fixture(scope="module")
def client(app):
    with make_client(app) as c:
        yield c


# --- fleet ---
def test_fleet_is_deterministic_and_realistic():
    a, b = Fleet(300, seed=5), Fleet(300, seed=5)
    assert a.ids == b.ids and [a.detail(i) for i in a.ids[:20]] == [b.detail(i) for i in b.ids[:20]]
    assert Fleet(300, seed=6).detail(1) != a.detail(1)
    serials = [c.serial for c in a.computers]
    assert len(set(serials)) == 300 and all(re.fullmatch(r"[A-Z0-9]{12}", s) for s in serials)
    assert a.ids == sorted(a.ids) and a.ids[-1] > 300  # gaps, as on a real server
    record = a.detail(a.ids[0])
    assert record["id"] == str(a.ids[0]) and re.fullmatch(r"[0-9A-F-]{36}", record["udid"])
    assert record["operatingSystem"]["version"].split(".")[0] in {"13", "14", "15", "26"}
    assert record["hardware"]["serialNumber"] == a.computers[0].serial
    managed = sum(a.detail(i)["general"]["remoteManagement"]["managed"] for i in a.ids)
    assert 240 < managed < 300  # most, not all


def test_fleet_of_100k_builds():
    """A 100,000-computer fleet (the memory benchmark's size) builds and serves its last computer. How fast it
    builds is a speed goal, so it is a benchmark figure (benchmarks/run.py, h1), not a timed assertion here."""
    fleet = Fleet(100_000, seed=1)
    assert len(fleet.computers) == 100_000 and fleet.record(fleet.ids[-1], ["GENERAL"])["general"]["name"]


# --- auth ---
def test_token_and_auth(app):
    with make_client(app, login=False) as c:
        token_response = c.post("/api/v1/oauth/token", data=CREDENTIALS)
        body = token_response.json()
        assert token_response.status_code == 200
        assert body["token_type"] == "Bearer" and body["expires_in"] == 1200 and body["scope"] == "api-role:1"
        assert len(body["access_token"]) >= 40
        assert c.get("/api/v1/jamf-pro-version").status_code == 401
        wrong = c.get("/api/v1/jamf-pro-version", headers={"Authorization": "Bearer not-a-token"})
        assert wrong.status_code == 401 and wrong.json()["errors"][0]["code"] == "INVALID_TOKEN"
        ok = c.get("/api/v1/jamf-pro-version", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert ok.json() == {"version": JAMF_PRO_VERSION}


@pytest.mark.parametrize("form, status, error", [
    ({**CREDENTIALS, "client_secret": "nope"}, 401, "invalid_client"),
    ({**CREDENTIALS, "client_id": "someone"}, 401, "invalid_client"),
    ({"client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}, 400, "invalid_request"),
    ({**CREDENTIALS, "grant_type": "password"}, 400, "unsupported_grant_type"),
])
def test_token_errors(app, form, status, error):
    with make_client(app, login=False) as c:
        response = c.post("/api/oauth/token", data=form)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]
    assert SANDBOX_CLIENT_SECRET not in response.text


def test_tokens_expire(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(app_module.time, "monotonic", lambda: clock[0])
    app = SandboxApp(SandboxConfig(computers=3, token_ttl=2))
    with make_client(app) as c:
        assert c.get("/api/v1/jamf-pro-version").status_code == 200
        clock[0] += 1.9
        assert c.get("/api/v1/jamf-pro-version").status_code == 200
        clock[0] += 0.2
        assert c.get("/api/v1/jamf-pro-version").status_code == 401


# --- inventory ---
def test_default_paging_and_sort(client, app):
    body = client.get(INVENTORY).json()
    assert body["totalCount"] == 2500 and len(body["results"]) == 100  # default page-size 100
    names = [r["general"]["name"].lower() for r in body["results"]]
    assert names == sorted(names)  # default sort general.name:asc
    first = body["results"][0]
    assert first["general"] is not None and first["hardware"] is None  # default section GENERAL only
    seen = set()
    for page in range(3):
        chunk = client.get(INVENTORY, params={"page": page, "page-size": 1000}).json()["results"]
        seen.update(r["id"] for r in chunk)
    assert seen == {str(i) for i in app.fleet.ids}


def test_page_size_is_capped_and_validated(app):
    big = SandboxApp(SandboxConfig(computers=4500))
    with make_client(big) as c:
        assert len(c.get(INVENTORY, params={"page-size": 5000}).json()["results"]) == 2000
        assert c.get(INVENTORY, params={"page": 99, "page-size": 2000}).json() == {"totalCount": 4500, "results": []}
        for bad in ({"page-size": "0"}, {"page-size": "x"}, {"page": "-1"}):
            response = c.get(INVENTORY, params=bad)
            assert response.status_code == 400 and response.json()["errors"][0]["field"] in bad


@pytest.mark.parametrize("sort, key", [
    ("id:asc", lambda r: int(r["id"])),
    ("id:desc", lambda r: -int(r["id"])),
    ("general.lastContact:desc", lambda r: [-ord(ch) for ch in r["general"]["lastContact"]]),
])
def test_sort(client, sort, key):
    results = client.get(INVENTORY, params={"sort": sort, "page-size": 500}).json()["results"]
    assert results == sorted(results, key=key)


def test_multi_key_sort(client):
    params = {"sort": "operatingSystem.version:desc,general.name:asc", "section": ["GENERAL", "OPERATING_SYSTEM"],
              "page-size": 2000}
    results = client.get(INVENTORY, params=params).json()["results"]
    versions = [tuple(int(p) for p in r["operatingSystem"]["version"].split(".")) for r in results]
    assert versions == sorted(versions, reverse=True)
    top = results[0]["operatingSystem"]["version"]
    same = [r["general"]["name"].lower() for r in results if r["operatingSystem"]["version"] == top]
    assert same == sorted(same)


def test_sections_and_unknown_section(client, app):
    params = {"section": ["hardware", "SECURITY", "DISK_ENCRYPTION"], "page-size": 5}
    record = client.get(INVENTORY, params=params).json()["results"][0]
    assert record["general"] is None and record["hardware"]["serialNumber"]
    for fact in ("sipStatus", "gatekeeperStatus", "firewallEnabled", "bootstrapTokenAllowed",
                 "bootstrapTokenEscrowedStatus", "recoveryLockEnabled"):
        assert fact in record["security"]
    assert {"fileVault2Enabled", "individualRecoveryKeyValidityStatus",
            "institutionalRecoveryKeyPresent"} <= set(record["diskEncryption"])
    bad = client.get(INVENTORY, params={"section": "BOGUS"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "INVALID_SECTION"


def test_filter_by_serial_and_others(client, app):
    target = app.fleet.computers[1234]
    body = client.get(INVENTORY, params={"filter": f'hardware.serialNumber=="{target.serial}"',
                                         "section": "HARDWARE"}).json()
    assert body["totalCount"] == 1 and body["results"][0]["id"] == str(target.id)
    managed = client.get(INVENTORY, params={"filter": "general.remoteManagement.managed==false",
                                            "page-size": 2000}).json()
    assert 0 < managed["totalCount"] < 2500
    assert all(r["general"]["remoteManagement"]["managed"] is False for r in managed["results"])
    recent = client.get(INVENTORY, params={
        "filter": "general.lastContact=gt=2026-11-29T00:00:00Z;operatingSystem.version=ge=15",
        "section": ["GENERAL", "OPERATING_SYSTEM"], "page-size": 2000}).json()
    assert recent["totalCount"] > 0
    for r in recent["results"]:
        assert r["general"]["lastContact"] > "2026-11-29T00:00:00Z"
        assert int(r["operatingSystem"]["version"].split(".")[0]) >= 15
    no_firewall = client.get(INVENTORY, params={"filter": "security.firewallEnabled==false",
                                                "section": "SECURITY"}).json()
    assert no_firewall["totalCount"] > 0
    assert all(r["security"]["firewallEnabled"] is False for r in no_firewall["results"])
    wildcard = client.get(INVENTORY, params={"filter": 'general.name=="eng-*"', "page-size": 2000}).json()
    assert wildcard["totalCount"] > 0 and all(r["general"]["name"].startswith("ENG-") for r in wildcard["results"])


@pytest.mark.parametrize("params, code", [
    ({"filter": 'hardware.serialNumber=="C02'}, "INVALID_RSQL_FILTER"),
    ({"filter": "general.colour==red"}, "INVALID_FIELD"),
    ({"sort": "general.colour:asc"}, "INVALID_FIELD"),
    ({"sort": "general.name:sideways"}, "INVALID_SORT_DIRECTION"),
])
def test_query_errors(client, params, code):
    response = client.get(INVENTORY, params=params)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == code


def test_record_by_id_and_detail(client, app):
    computer_id = app.fleet.ids[42]
    general = client.get(f"{INVENTORY}/{computer_id}").json()
    assert general["id"] == str(computer_id) and general["general"] and general["security"] is None
    detail = client.get(f"/api/v4/computers-inventory-detail/{computer_id}").json()
    assert all(v is not None for v in detail.values())
    assert detail["general"] == general["general"]
    for missing in ("0", "99999999", "abc"):
        assert client.get(f"{INVENTORY}/{missing}").status_code == 404
    assert client.get("/api/v2/unknown").status_code == 404
    assert client.post(INVENTORY, json={}).status_code == 405


# --- faults and latency ---
def test_fault_spec_parsing():
    assert parse_faults("503:0.2, 429:0.1,reset:0.05") == [("503", 0.2), ("429", 0.1), ("reset", 0.05)]
    assert parse_faults(None) == [] and parse_faults("") == []
    for bad, words in [("503", "KIND:RATE"), ("404:0.1", "unknown fault kind"), ("503:x", "bad rate"),
                       ("503:1.5", "outside 0..1"), ("503:0.6,500:0.6", "at most 1"), ("503:0.1,503:0.1", "twice")]:
        with pytest.raises(ValueError, match=words):
            parse_faults(bad)


def test_fault_sequence_repeats_for_a_seed():
    spec = "503:0.2,429:0.1,reset:0.05"
    requests = [("GET", f"/api/v4/computers-inventory?page={n % 400}&page-size=5") for n in range(2000)]

    def sequence(seed: int, order=requests) -> list:
        plan = FaultPlan(spec, seed=seed)
        return [plan.decide(*request) for request in order]

    seq_a = sequence(7)
    assert seq_a == sequence(7)
    assert seq_a != sequence(8)
    assert 300 < seq_a.count("503") < 500 and 130 < seq_a.count("429") < 270 and 40 < seq_a.count("reset") < 160


def test_a_request_meets_the_same_fault_whatever_order_requests_arrive_in():
    """Concurrent paging sends pages in a different order on every run: each page's fate must not change."""
    spec = "503:0.3,reset:0.1"
    pages = [("GET", f"/api/v4/computers-inventory?page={n}&page-size=100") for n in range(50)] * 3  # 3 tries each
    shuffled = pages[::-1]

    def fates(order) -> dict:
        plan, seen, out = FaultPlan(spec, seed=11), {}, {}
        for request in order:
            seen[request] = seen.get(request, 0) + 1
            out[request, seen[request]] = plan.decide(*request)
        return out

    assert fates(pages) == fates(shuffled)
    assert len(set(fates(pages).values())) == 3  # 503, reset and no fault all occur


def test_http_faults_and_retry_after():
    app = SandboxApp(SandboxConfig(computers=3, faults="429:0.5,503:0.5", retry_after=1.0))
    with make_client(app, login=False) as c:
        statuses = set()
        for _ in range(20):
            response = c.post("/api/oauth/token", data=CREDENTIALS)  # faults hit the token endpoint too
            statuses.add(response.status_code)
            assert response.headers["Retry-After"] == "1"
            assert response.json()["httpStatus"] == response.status_code
    assert statuses == {429, 503}


@pytest.mark.parametrize("kind, error, stalls", [("reset", httpx.ReadError, []), ("slow", httpx.ReadTimeout, [0.2])])
def test_transport_realises_connection_faults(monkeypatch, kind, error, stalls):
    """A reset fails at once; a slow answer stalls exactly as long as the client's read timeout (not the
    transport's 60 s cap), then times out. The stall is recorded, not timed."""
    slept: list[float] = []
    monkeypatch.setattr(transport_module, "time", SimpleNamespace(sleep=slept.append))
    app = SandboxApp(SandboxConfig(computers=3, faults=f"{kind}:1.0"))
    with make_client(app, login=False, timeout=httpx.Timeout(5, read=0.2)) as c:
        with pytest.raises(error):
            c.get("/api/v1/jamf-pro-version")
    assert slept == stalls


def test_transport_truncates_with_matching_length():
    app = SandboxApp(SandboxConfig(computers=50, faults="truncate:1.0"))
    with make_client(app, login=False) as c:
        response = c.post("/api/oauth/token", data=CREDENTIALS)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content) > 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_transport_applies_latency():
    app = SandboxApp(SandboxConfig(computers=3, latency_ms=150))
    with make_client(app, login=False) as c:
        started = time.perf_counter()
        c.get("/api/v1/jamf-pro-version")
        assert time.perf_counter() - started >= 0.15


# --- wildcards on typed fields, nesting, unexpected errors ---
@pytest.mark.parametrize("field, pattern, served", [
    ("operatingSystem.version", "14*", lambda r: r["operatingSystem"]["version"].startswith("14")),
    ("operatingSystem.version", "14.7.*", lambda r: r["operatingSystem"]["version"].startswith("14.7.")),
    ("general.jamfBinaryVersion", "11*", lambda r: r["general"]["jamfBinaryVersion"].startswith("11")),
    ("general.jamfBinaryVersion", "*-t1780072496315",
     lambda r: r["general"]["jamfBinaryVersion"].endswith("-t1780072496315")),
    ("general.lastContact", "2026-11-2*", lambda r: r["general"]["lastContact"].startswith("2026-11-2")),
    ("id", "12*", lambda r: r["id"].startswith("12")),
])
def test_wildcards_on_version_date_and_number_fields(client, field, pattern, served):
    """`operatingSystem.version=="14*"` finds every 14.x: a `*` matches the field's value as the record serves it,
    whatever the field's type (versions, dates and numbers as well as strings)."""
    sections = ["GENERAL", "OPERATING_SYSTEM"]
    everything = client.get(INVENTORY, params={"section": sections, "page-size": 2000, "page": 0}).json()["results"]
    everything += client.get(INVENTORY, params={"section": sections, "page-size": 2000, "page": 1}).json()["results"]
    expected = {r["id"] for r in everything if served(r)}
    assert expected  # "11*" is every computer (all binaries are 11.x); the others are a part of the fleet
    body = client.get(INVENTORY, params={"filter": f'{field}=="{pattern}"', "page-size": 2000}).json()
    assert body["totalCount"] == len(expected) and {r["id"] for r in body["results"]} <= expected
    negated = client.get(INVENTORY, params={"filter": f'{field}!="{pattern}"', "page-size": 1}).json()
    assert negated["totalCount"] == 2500 - len(expected)


def test_text_a_wildcard_matches_is_what_the_record_serves(app):
    """The resolver's text form of every filterable field equals the served value, so a glob written against what
    `computer show` prints matches (fast paths that skip building sections must not drift from the record)."""
    from jamfctl.sandbox.query import FILTER_FIELDS, RECORD_PATH
    from jamfctl.sandbox.rsql import STRING

    for computer in app.fleet.computers[:60]:
        record = app.fleet.detail(computer.id)
        for name, kind in FILTER_FIELDS.items():
            spec = app.resolver.filter_spec(name)
            text = spec.getter(computer) if kind == STRING else spec.text(computer)
            value: object = record
            for key in RECORD_PATH.get(name, name).split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, bool):
                value = "true" if value else "false"
            expected = None if value is None or (value == "" and kind != STRING) else str(value)
            assert text == expected, (name, computer.id)


@pytest.mark.parametrize("filter_text", ['operatingSystem.version=gt="14*"', "id=le=1*", 'general.name=ge="a*"',
                                         "general.lastContact=lt=2026-*"])
def test_wildcard_in_a_comparison_is_a_400(client, filter_text):
    """A `*` in an =lt=/=le=/=gt=/=ge= value is a 400 INVALID_RSQL_FILTER saying so, not an empty result."""
    response = client.get(INVENTORY, params={"filter": filter_text})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "INVALID_RSQL_FILTER" and "wildcard" in error["description"] and error["field"] == "filter"


def test_deeply_nested_filter_is_a_400(client):
    """400 parentheses deep is an INVALID_RSQL_FILTER in Jamf's error shape, not a RecursionError."""
    response = client.get(INVENTORY, params={"filter": "(" * 400 + "id==1" + ")" * 400})
    assert response.status_code == 400
    cause = response.json()["errors"][0]
    assert cause == {"code": "INVALID_RSQL_FILTER", "description": cause["description"], "id": "0", "field": "filter"}
    assert "nested" in response.json()["errors"][0]["description"]


def test_an_unexpected_error_is_a_500_in_jamfs_shape(monkeypatch):
    """A bug in a handler answers 500 with Jamf's error body (and says what went wrong to the server's log),
    instead of escaping to the adapter, which would drop the connection."""
    app = SandboxApp(SandboxConfig(computers=5))

    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    with make_client(app) as c:
        monkeypatch.setattr(app, "_inventory_list", broken)
        response = c.get(INVENTORY)
        assert response.status_code == 500
        assert response.json() == {"httpStatus": 500, "errors": [
            {"code": "INTERNAL_SERVER_ERROR", "description": "Internal Server Error", "id": "0", "field": None}]}
        assert c.get("/api/v1/jamf-pro-version").status_code == 200  # the app keeps serving
    raw = app.handle("GET", INVENTORY, [], {}, b"")  # unauthenticated: the 401 comes before the broken handler
    assert raw.status == 401 and raw.error is None
    form = "&".join(f"{k}={v}" for k, v in CREDENTIALS.items()).encode()
    token = app.handle("POST", "/api/oauth/token", [], {}, form)
    bearer = {"authorization": f"Bearer {json.loads(token.body)['access_token']}"}
    assert app.handle("GET", INVENTORY, [], bearer, b"").error == "RecursionError: maximum recursion depth exceeded"


# --- OAuth scope ---
@pytest.mark.parametrize("scope, status, granted", [
    (None, 200, "api-role:1"),  # no scope: every role the client has
    ("", 200, "api-role:1"),
    ("api-role:1", 200, "api-role:1"),
    ("api-role:1 api-role:1", 200, "api-role:1"),
    ("api-role:99", 400, None),
    ("api-role:1 api-role:2", 400, None),  # one role too many is enough to refuse
    ("API-ROLE:1", 400, None),  # RFC 6749 scope tokens are case-sensitive
])
def test_token_scope(app, scope, status, granted):
    """`scope` (space-delimited API roles, OAuthTokenRequest) may narrow the token to roles the client has; asking for
    a role it does not have is RFC 6749's 400 invalid_scope, not a token."""
    form = CREDENTIALS if scope is None else {**CREDENTIALS, "scope": scope}
    with make_client(app, login=False) as c:
        response = c.post("/api/v1/oauth/token", data=form)
    assert response.status_code == status
    if granted:
        assert response.json()["scope"] == granted
    else:
        assert response.json() == {"error": "invalid_scope", "error_description": "OAuth 2.0 Parameter: scope"}
        assert response.headers["Cache-Control"] == "no-store"


def test_bad_client_is_refused_before_its_scope_is_looked_at(app):
    """Client authentication comes first: wrong secret plus unknown scope is 401 invalid_client."""
    with make_client(app, login=False) as c:
        response = c.post("/api/oauth/token", data={**CREDENTIALS, "client_secret": "nope", "scope": "api-role:99"})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


# --- strict integers ---
@pytest.mark.parametrize("name, value", [
    ("page-size", "1_0"), ("page-size", "2147483648"), ("page", "99999999999999999999"), ("page", "9" * 5000),
    ("page", "+1"), ("page", " 1"), ("page", "1 "), ("page", "1.0"), ("page", "\u0661"), ("page-size", "0x10"),
    ("page", ""), ("page", "-2147483649"),
])
def test_query_integers_are_parsed_strictly(client, name, value):
    """page and page-size are Java ints on Jamf's side: ASCII digits only (Python's int() would also take '1_0',
    ' 1', '+1' and Arabic-Indic digits) and within int32; anything else is a 400 naming the parameter."""
    response = client.get(INVENTORY, params={name: value})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "INVALID_PARAMETER" and error["field"] == name and error["id"] == "0"


def test_query_integers_at_the_int32_limit_are_fine(client):
    """The largest int32 is still a page number (an empty page) and a page-size (capped at 2000)."""
    assert client.get(INVENTORY, params={"page": "2147483647"}).json() == {"totalCount": 2500, "results": []}
    assert len(client.get(INVENTORY, params={"page-size": "2147483647"}).json()["results"]) == 2000
    assert client.get(INVENTORY, params={"page": "-1"}).json()["errors"][0]["description"] == "page must be at least 0"
    leading_zeros = client.get(INVENTORY, params={"page": "0" * 30 + "1", "page-size": "0" * 30 + "5"}).json()
    assert leading_zeros["results"] == client.get(INVENTORY, params={"page": 1, "page-size": 5}).json()["results"]


@pytest.mark.parametrize("raw_id", ["\u0661", "+1", "1_0", " 1", "2147483648", "99999999999999999999", "-1",
                                    "9" * 5000])
@pytest.mark.parametrize("path", ["{inv}/{id}", "{inv}/{id}/filevault", "{inv}/{id}/view-recovery-lock-password",
                                  "{inv}/{id}/view-device-lock-pin", "/api/v4/computers-inventory-detail/{id}"])
def test_path_ids_are_parsed_strictly(client, raw_id, path):
    """A path id that is not an int32 of ASCII digits is no computer: 404 INVALID_ID, whichever view is asked for
    (`/computers-inventory/١` used to answer computer 1)."""
    response = client.get(path.format(inv=INVENTORY, id=raw_id))
    assert response.status_code == 404
    error = response.json()["errors"][0]
    assert error["code"] == "INVALID_ID" and error["id"] == raw_id


def test_error_id_is_the_requested_id(client):
    """ApiErrorCause.id is the id of the object with the error: the requested id on a 404, "0" when there is none."""
    missing = client.get(f"{INVENTORY}/99999").json()
    assert missing == {"httpStatus": 404, "errors": [{"code": "INVALID_ID",
                                                      "description": "Computer with id 99999 not found",
                                                      "id": "99999", "field": "id"}]}
    assert client.get("/api/v4/computers-inventory-detail/99999").json()["errors"][0]["id"] == "99999"
    assert client.get(f"{INVENTORY}/99999/filevault").json()["errors"][0]["id"] == "99999"
    assert client.get(INVENTORY, params={"filter": "nope==1"}).json()["errors"][0]["id"] == "0"


# --- routing on the raw path ---
@pytest.mark.parametrize("path", ["/api/v4/computers-inventory%2F1", "/api/v4/computers-inventory%2f1",
                                  "/api/v4/computers-inventory/1%2Ffilevault", "/api%2Fv1%2Fjamf-pro-version"])
def test_an_encoded_slash_never_makes_a_path_segment(client, path):
    """Routing splits the raw path on '/' before decoding, and an encoded '/' is refused (400, as Tomcat under Jamf
    does) rather than decoded into a new segment that reaches a computer."""
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_PATH" and "results" not in response.text


def test_percent_encoded_characters_within_a_segment_still_route(client, app):
    """Decoding happens per segment, so an encoded ordinary character is the same path (URL equivalence)."""
    computer_id = app.fleet.ids[0]
    encoded = "".join(f"%{ord(ch):02X}" for ch in str(computer_id))
    assert client.get(f"{INVENTORY}/{encoded}").json()["id"] == str(computer_id)
    assert client.get("/api/v1/jamf-pro-%76ersion").status_code == 200


# --- FileVault inventory of all computers ---
def test_filevault_list_pages_every_computer(client, app):
    """GET /v4/computers-inventory/filevault (ComputerInventoryFileVaultSearchResults): every computer's FileVault
    record, the same (fake) ones the per-id endpoint serves, in id order, paged by page/page-size with totalCount."""
    first = client.get(f"{INVENTORY}/filevault", params={"page-size": 7})
    assert first.status_code == 200
    body = first.json()
    assert body["totalCount"] == 2500
    assert [r["computerId"] for r in body["results"]] == [str(i) for i in app.fleet.ids[:7]]
    assert body["results"][3] == client.get(f"{INVENTORY}/{app.fleet.ids[3]}/filevault").json()
    assert len(client.get(f"{INVENTORY}/filevault").json()["results"]) == 100  # default page-size
    last = client.get(f"{INVENTORY}/filevault", params={"page": 1, "page-size": 2000}).json()
    assert len(last["results"]) == 500 and last["results"][-1]["computerId"] == str(app.fleet.ids[-1])
    assert client.get(f"{INVENTORY}/filevault", params={"page-size": 5000}).json()["results"][1999]  # capped at 2000
    bad = client.get(f"{INVENTORY}/filevault", params={"page": "x"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "page"


# --- methods ---
@pytest.mark.parametrize("method, path", [("POST", INVENTORY), ("DELETE", f"{INVENTORY}/1"),
                                          ("PATCH", "/api/v4/computers-inventory-detail/1")])
def test_writes_jamf_has_are_405_not_implemented(client, method, path):
    """Jamf serves these writes (the schema lists them); the read-only sandbox answers 405 with Allow: GET and says
    that it is the sandbox that does not implement the method."""
    response = client.request(method, path)
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    error = response.json()["errors"][0]
    assert error["code"] == "METHOD_NOT_ALLOWED" and "sandbox does not implement" in error["description"]


@pytest.mark.parametrize("method, path", [("PUT", INVENTORY), ("POST", f"{INVENTORY}/1"),
                                          ("DELETE", f"{INVENTORY}/filevault"), ("POST", f"{INVENTORY}/1/filevault"),
                                          ("DELETE", "/api/v1/jamf-pro-version")])
def test_methods_jamf_does_not_have_are_plain_405(client, method, path):
    """A method the schema does not list for the path is refused as Jamf would refuse it."""
    response = client.request(method, path)
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    assert response.json()["errors"][0]["description"] == f"Method {method} is not allowed"
