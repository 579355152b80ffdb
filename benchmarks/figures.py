"""The figures of the issue, each measured against its reference in the same run."""
from __future__ import annotations

import json
import math
import operator
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import (
    HERE,
    Bench,
    BenchError,
    Sandbox,
    cpu_seconds,
    interleaved,
    median,
    peak_rss_mb,
    pinned,
    run_checked,
    stream_run,
)

PAGE_SIZE = 2000  # jamfctl's page size (the server's maximum)
CONNECTIONS = 5  # Jamf's guidance for one API client
LIST_PATH = "/api/v4/computers-inventory"
TOKEN_PATHS = ("/api/oauth/token", "/api/v1/oauth/token")
OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, "==": operator.eq}


@dataclass
class Figure:
    key: str
    name: str
    value: float | None
    goal: str  # "<= 1.3", ">= 0.85", "== 1", or a sentence
    ok: bool | None  # None: not measured (e.g. jamf-pro-sdk missing)
    raw: str  # the medians behind the value
    unit: str = "x"

    def to_dict(self) -> dict:
        return asdict(self)


def judged(key: str, name: str, value: float, goal: str, raw: str, unit: str = "x") -> Figure:
    op, threshold = goal.split()
    return Figure(key, name, value, goal, OPS[op](value, float(threshold)), raw, unit)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --- (a)-(d) start-up --------------------------------------------------------------------------------
def startup(bench: Bench, n: int, cpu: set[int] | None, warmup: int = 1) -> list[Figure]:
    """Interleaved pairs on one CPU: the reference, then jamfctl, n times (after one warm-up each)."""
    py, j, bare = bench.python, bench.jamfctl, str(HERE / "bare_typer_app.py")
    env = bench.env()
    complete = {"_TYPER_COMPLETE_ARGS": "jamfctl computer ", "_JAMFCTL_COMPLETE": "complete_zsh"}
    # Typer derives the bare app's completion variable from its script name (bare_typer_app.py).
    bare_complete = {"_TYPER_COMPLETE_ARGS": "bare_typer_app.py computer ",
                     "_BARE_TYPER_APP.PY_COMPLETE": "complete_zsh"}
    for cmd, extra in (([j], complete), ([py, bare], bare_complete)):  # both must really answer the request
        out = run_checked(cmd, bench.env(**extra), what="completion request").stdout.decode()
        if "show" not in out or "list" not in out:
            raise BenchError(f"completion request answered without the sub-commands: {out[:200]!r}")
    with pinned(cpu):
        base, ver = interleaved(n, warmup, ([py, "-c", "pass"], env), ([j, "--version"], env))
        bh, jh = interleaved(n, warmup, ([py, bare, "--help"], env), ([j, "--help"], env))
        bc, jc = interleaved(n, warmup, ([py, bare, "computer", "--help"], env), ([j, "computer", "--help"], env))
        bq, jq = interleaved(n, warmup, ([py, bare], bench.env(**bare_complete)), ([j], bench.env(**complete)))
    return [
        judged("a", "jamfctl --version / python -c pass", ver / base, "<= 3.0", f"{ms(ver)} / {ms(base)}"),
        judged("b", "jamfctl --help / bare Typer --help", jh / bh, "<= 1.3", f"{ms(jh)} / {ms(bh)}"),
        judged("c", "computer --help / bare computer --help", jc / bc, "<= 1.3", f"{ms(jc)} / {ms(bc)}"),
        judged("d", "completion request / bare Typer completion", jq / bq, "<= 1.3", f"{ms(jq)} / {ms(bq)}"),
    ]


# --- (e) one round trip with a cached token ------------------------------------------------------------
def one_request(bench: Bench, sandbox: Sandbox, n: int, cpu: set[int] | None,
                server_cpus: set[int] | None, warmup: int = 1) -> list[Figure]:
    url = sandbox.wait_ready()
    if server_cpus:
        sandbox.pin(server_cpus)  # the server on the other CPU(s), the clients on `cpu`
    env = bench.keyring_env()
    j = bench.jamfctl
    run_checked([j, "login", "-p", "bench", "--url", url, "--client-id", "jamfctl-sandbox", "--client-secret-stdin"],
                env, stdin=b"sandbox-secret", what="jamfctl login")
    listing = run_checked([j, "-p", "bench", "computer", "list", "--limit", "1", "-o", "json"], env).stdout
    serial = json.loads(listing)[0]["hardware"]["serialNumber"]
    show = [j, "-p", "bench", "computer", "show", serial]
    run_checked(show, env, what="computer show")  # warm: the token is cached from login; this proves it
    mark = sandbox.mark()
    body = run_checked(show, env, what="computer show").stdout
    sent = sandbox.requests_since(mark)
    if len(sent) != 1 or sent[0][1] != "GET":
        raise BenchError(f"cached-token show sent {len(sent)} requests: {[s[1:3] for s in sent]}")
    if json.loads(body).get("hardware", {}).get("serialNumber") != serial:
        raise BenchError("computer show did not print the computer")
    target = url + sent[0][2]  # exactly what jamfctl asked for
    token = _cached_token(bench)
    bare = [bench.python, str(HERE / "bare_httpx_get.py"), target]
    bare_env = bench.env(BENCH_TOKEN=token)
    if serial not in run_checked(bare, bare_env, what="bare httpx GET").stdout.decode():
        raise BenchError("the bare httpx GET did not return the computer")
    typer_httpx = [bench.python, str(HERE / "bare_typer_httpx.py"), "computer", "show", serial]
    typer_env = bench.env(BENCH_TOKEN=token, BENCH_URL=target)
    if serial not in run_checked(typer_httpx, typer_env, what="bare Typer + httpx show").stdout.decode():
        raise BenchError("the bare Typer + httpx show did not return the computer")
    mark = sandbox.mark()
    with pinned(cpu):
        tb, tt, tj = interleaved(n, warmup, (bare, bare_env), (typer_httpx, typer_env), (show, env))
    during = sandbox.requests_since(mark)
    tokens = sum(1 for _, method, path, _ in during if path.split("?")[0] in TOKEN_PATHS)
    gets = sum(1 for _, method, _, _ in during if method == "GET")
    return [
        judged("e1", f"computer show, cached token, {sandbox.latency_ms} ms / bare httpx GET", tj / tb, "<= 1.3",
               f"{ms(tj)} / {ms(tb)}"),
        judged("e2", "HTTP requests sent by one cached-token show", len(sent), "== 1",
               f"access log: {sent[0][1]} {LIST_PATH}?...; token requests in {3 * (n + warmup)} runs: {tokens}"
               f" ({gets} GETs)", unit=""),
        Figure("e3", "computer show / bare Typer app whose show does that GET (diagnostic)", tj / tt, "info", None,
               f"{ms(tj)} / {ms(tt)}"),
    ]


def _cached_token(bench: Bench) -> str:
    data = json.loads(Path(bench.home / "keyring.json").read_text())
    tokens = [json.loads(v)["access_token"] for k, v in data.items() if k.startswith("jamfctl-token\0")]
    if len(tokens) != 1:
        raise BenchError(f"expected one cached token in the benchmark keychain, found {len(tokens)}")
    return tokens[0]


# --- (f) concurrent, streaming paging -----------------------------------------------------------------
def ideal_round_trips(computers: int) -> int:
    """What 5 connections allow: the token, the first page (to learn totalCount), then the rest 5 at a time."""
    pages = max(1, math.ceil(computers / PAGE_SIZE))
    return 1 + 1 + math.ceil((pages - 1) / CONNECTIONS)


def paging(bench: Bench, fast: Sandbox, slow: Sandbox, n: int, sdk: bool, warmup: int = 1) -> list[Figure]:
    """jamfctl at latency 0 and at the injected latency, jamf-pro-sdk and `-o json` at that latency, in turn.

    Tokens are not cached between runs here (a keychain that refuses), so every run pays for its token,
    as the SDK does.
    """
    computers, latency = slow.computers, slow.latency_ms / 1000
    env0 = bench.env(JAMF_URL=fast.wait_ready(), JAMF_CLIENT_ID="jamfctl-sandbox", JAMF_CLIENT_SECRET="sandbox-secret",
                     PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env1 = dict(env0, JAMF_URL=slow.wait_ready())
    ndjson = [bench.jamfctl, "computer", "list", "--all", "-o", "ndjson"]
    as_json = [bench.jamfctl, "computer", "list", "--all", "-o", "json"]
    sdk_cmd = [bench.python, str(HERE / "sdk_paginator.py"), slow.url]
    jobs = [("t0", fast, ndjson, env0, "ndjson"), ("t1", slow, ndjson, env1, "ndjson"),
            ("json", slow, as_json, env1, "json")]
    if sdk:
        jobs.append(("sdk", slow, sdk_cmd, bench.env(), "ndjson"))
    runs: dict[str, list] = {name: [] for name, *_ in jobs}
    for rep in range(-warmup, n):  # warm-up rounds are not counted
        for name, box, cmd, env, fmt in jobs:
            mark = box.mark()
            result = stream_run(cmd, env, fmt)
            log = box.requests_since(mark, settle=0.15)
            if result.records != computers:
                raise BenchError(f"{name}: listed {result.records} of {computers} computers")
            pages = [at - result.started for at, method, path, _ in log if path.startswith(LIST_PATH)]
            if rep >= 0:
                runs[name].append((result, max(pages), len(log)))
    t0 = median([r.total for r, _, _ in runs["t0"]])
    t1 = median([r.total for r, _, _ in runs["t1"]])
    trips = ideal_round_trips(computers)
    ideal = t0 + trips * latency
    strict = 1 + math.ceil(math.ceil(computers / PAGE_SIZE) / CONNECTIONS)  # token + all pages 5 at a time
    figures = [judged(
        "f1", f"paging {computers} @ {slow.latency_ms} ms: ideal / measured", ideal / t1, ">= 0.85",
        f"ideal {t0:.2f}s + {trips} x {slow.latency_ms} ms = {ideal:.2f}s; measured {t1:.2f}s "
        f"(latency added {(t1 - t0) / latency:.2f} round trips; requests/run {runs['t1'][0][2]}); "
        f"vs token + ceil(pages/5) = {strict} round trips: {(t0 + strict * latency) / t1:.2f}")]
    if sdk:
        ts = median([r.total for r, _, _ in runs["sdk"]])
        peak_j = median([r.peak_mb for r, _, _ in runs["t1"]])
        peak_s = median([r.peak_mb for r, _, _ in runs["sdk"]])
        figures.append(judged("f2", f"jamfctl / jamf-pro-sdk Paginator, {computers} @ {slow.latency_ms} ms",
                              t1 / ts, "< 1.0", f"{t1:.2f}s / {ts:.2f}s; peak RSS {peak_j:.0f} / {peak_s:.0f} MB"))
    else:
        figures.append(Figure("f2", "jamfctl / jamf-pro-sdk Paginator", None, "< 1.0", None,
                              "skipped: jamf_pro_sdk is not installed in the benchmark venv (run.py --setup)"))
    for key, name in (("f3", "t1"), ("f4", "json")):
        rows = runs[name]
        first = median([r.first_record for r, _, _ in rows])
        last_page = median([lp for _, lp, _ in rows])
        total = median([r.total for r, _, _ in rows])
        early = sum(1 for r, lp, _ in rows if r.first_record is not None and r.first_record < lp)
        fmt = "ndjson" if name == "t1" else "json"
        figures.append(Figure(
            key, f"-o {fmt}: first record / total (first record before the last page?)", first / total,
            "before last page", early == len(rows),
            f"first record {first:.2f}s, last page in {last_page:.2f}s, total {total:.2f}s; "
            f"earlier in {early}/{len(rows)} runs"))
    return figures


# --- (g) flat memory ----------------------------------------------------------------------------------
def memory(bench: Bench, small: Sandbox, big: Sandbox, n: int) -> list[Figure]:
    cmd = [bench.jamfctl, "computer", "list", "--all", "-o", "ndjson"]
    env = bench.env(JAMF_CLIENT_ID="jamfctl-sandbox", JAMF_CLIENT_SECRET="sandbox-secret",
                    PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    peaks: dict[int, list[float]] = {small.computers: [], big.computers: []}
    for _ in range(n):
        for box in (small, big):
            peaks[box.computers].append(peak_rss_mb(cmd, dict(env, JAMF_URL=box.wait_ready())))
    ps, pb = median(peaks[small.computers]), median(peaks[big.computers])
    each = ", ".join(f"{p:.0f}" for p in peaks[big.computers])
    return [
        judged("g1", f"peak RSS, {big.computers} computers to NDJSON", pb, "<= 120", f"runs: {each} MB", unit="MB"),
        judged("g2", f"peak RSS {big.computers} / {small.computers} computers", pb / ps, "<= 1.3",
               f"{pb:.1f} MB / {ps:.1f} MB"),
    ]


# --- (h) the sandbox ------------------------------------------------------------------------------------
# Run in the benchmark venv's interpreter: times only the fleet's construction (not the imports before it).
FLEET_PROBE = """
import sys, time
from jamfctl.sandbox.fleet import Fleet
computers = int(sys.argv[1])
started = time.perf_counter()
fleet = Fleet(computers, seed=1)
took = time.perf_counter() - started
assert len(fleet.computers) == computers and fleet.record(fleet.ids[-1], ["GENERAL"])["general"]["name"]
print(took)
"""


def fleet_build(bench: Bench, computers: int, n: int, cpu: set[int] | None, warmup: int = 1) -> list[Figure]:
    """Seconds to build a sandbox fleet: what `sandbox serve --computers N` does before it prints its URL (and
    what every test sandbox of that size costs). Each run in a fresh interpreter, on one CPU; the median."""
    cmd = [bench.python, "-c", FLEET_PROBE, str(computers)]
    runs = []
    with pinned(cpu):
        for rep in range(-warmup, n):
            took = float(run_checked(cmd, bench.env(), what=f"building a {computers}-computer fleet").stdout)
            if rep >= 0:
                runs.append(took)
    value = median(runs)
    each = ", ".join(f"{t:.2f}" for t in runs)
    return [judged("h1", f"sandbox fleet of {computers} computers: build time", value, "<= 5.0",
                   f"runs: {each} s ({value / computers * 1e6:.0f} us per computer)", unit="s")]


# --- (i) listing CPU per record against the JSON floor -------------------------------------------------
DEFAULT_SECTIONS = ("GENERAL", "HARDWARE", "OPERATING_SYSTEM", "USER_AND_LOCATION")  # computer list's default
CPU_CASES = (  # (figure, format, --fields, the sections the server is asked for, goal)
    ("i1", "ndjson", "id,general", ("GENERAL",), "<= 1.2"),
    ("i2", "json", "id,general", ("GENERAL",), "<= 1.2"),
    ("i3", "csv", "id,general", ("GENERAL",), "<= 1.5"),
    ("i4", "ndjson", None, DEFAULT_SECTIONS, "<= 1.2"),
    ("i5", "json", None, DEFAULT_SECTIONS, "<= 1.2"),
    ("i6", "csv", None, DEFAULT_SECTIONS, "<= 1.5"),
)


def cpu_per_record(bench: Bench, box: Sandbox, n: int, cpu: set[int] | None, server_cpus: set[int] | None,
                   warmup: int = 1) -> list[Figure]:
    """Client CPU (user + sys, the child's rusage) that `computer list --all` spends per record, over the floor.

    Per record: the CPU of the --all run minus that of the same command with --limit 1 (start-up, imports, the
    token, one request: the fixed costs), over the computers listed. Floor: cpu_floor.py's timed part for the
    same sections (json.loads of each page as served + json.dumps of each record), over the same count."""
    url = box.wait_ready()
    if server_cpus:
        box.pin(server_cpus)
    env = bench.env(JAMF_URL=url, JAMF_CLIENT_ID="jamfctl-sandbox", JAMF_CLIENT_SECRET="sandbox-secret",
                    PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    jobs = []
    for key, fmt, fields, sections, goal in CPU_CASES:
        base = [bench.jamfctl, "computer", "list", "-o", fmt, *(["--fields", fields] if fields else [])]
        jobs.append((key, fmt, fields, sections, goal, [*base[:3], "--all", *base[3:]],
                     [*base[:3], "--limit", "1", *base[3:]]))
    floors: dict[tuple, list[float]] = {s: [] for s in {case[3] for case in CPU_CASES}}
    runs: dict[str, list[tuple[float, float]]] = {case[0]: [] for case in CPU_CASES}
    with pinned(cpu):
        for rep in range(-warmup, n):
            for sections in floors:
                out = run_checked([bench.python, str(HERE / "cpu_floor.py"), url, str(box.computers), *sections],
                                  bench.env(), what="cpu_floor.py").stdout
                if rep >= 0:
                    floors[sections].append(float(out))
            for key, _, _, _, _, listing, one in jobs:
                spent = cpu_seconds(listing, env)
                fixed = cpu_seconds(one, env)
                if rep >= 0:
                    runs[key].append((spent, fixed))
    figures = []
    for key, fmt, fields, sections, goal, _, _ in jobs:
        floor = median(floors[sections])
        spent, fixed = median([s for s, _ in runs[key]]), median([f for _, f in runs[key]])
        per_record = max(spent - fixed, 0.0) / box.computers
        shown = f"--fields {fields}" if fields else "default sections"
        figures.append(judged(
            key, f"CPU per record / JSON floor: computer list --all -o {fmt} {shown}", per_record * box.computers
            / floor, goal, f"({spent:.2f}s - {fixed:.2f}s --limit 1) / {box.computers} = {per_record * 1e6:.0f} us; "
            f"floor {floor / box.computers * 1e6:.0f} us (json loads+dumps, {'+'.join(s[:3] for s in sections)})"))
    return figures


# --- (j) jamfctl against jamf-pro-sdk at its fastest -----------------------------------------------------
def sdk_race(bench: Bench, slow: Sandbox, n: int, sdk: bool, warmup: int = 1) -> list[Figure]:
    """Wall time of `computer list --all -o ndjson` against the SDK Paginator with return_model=None (raw
    dicts, json.dumps per record), the same sections asked for, interleaved at the sandbox's latency."""
    cases = (("j1", "GENERAL", ["--fields", "id,general"]), ("j2", ",".join(DEFAULT_SECTIONS), []))
    if not sdk:
        return [Figure(key, f"jamfctl / jamf-pro-sdk Paginator(return_model=None), {sections}", None, "<= 1.0", None,
                       "skipped: jamf_pro_sdk is not installed in the benchmark venv (run.py --setup)")
                for key, sections, _ in cases]
    computers, url = slow.computers, slow.wait_ready()
    env = bench.env(JAMF_URL=url, JAMF_CLIENT_ID="jamfctl-sandbox", JAMF_CLIENT_SECRET="sandbox-secret",
                    PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    figures = []
    for key, sections, extra in cases:
        ours = [bench.jamfctl, "computer", "list", "--all", "-o", "ndjson", *extra]
        theirs = [bench.python, str(HERE / "sdk_paginator.py"), url, "--raw", "--sections", sections]
        times: dict[str, list[float]] = {"jamfctl": [], "sdk": []}
        for rep in range(-warmup, n):
            for name, cmd, cmd_env in (("sdk", theirs, bench.env()), ("jamfctl", ours, env)):
                result = stream_run(cmd, cmd_env, "ndjson")
                if result.records != computers:
                    raise BenchError(f"{name} listed {result.records} of {computers} computers ({sections})")
                if rep >= 0:
                    times[name].append(result.total)
        tj, ts = median(times["jamfctl"]), median(times["sdk"])
        shown = "GENERAL (jamfctl --fields id,general)" if extra else "the 4 default sections"
        figures.append(judged(
            key, f"jamfctl / jamf-pro-sdk Paginator(return_model=None), {computers} @ {slow.latency_ms} ms, {shown}",
            tj / ts, "<= 1.0", f"{tj:.2f}s / {ts:.2f}s; `{' '.join(['jamfctl', *ours[1:]])}`"))
    return figures
