#!/usr/bin/env python3
"""Where a cached-token `jamfctl computer show SERIAL -o json` spends its time, and its two goal ratios, in one run.

    python3 benchmarks/show_path.py                  # the benchmark venv (see run.py), 50 ms sandbox latency
    python3 benchmarks/show_path.py --latency-ms 0 --reps 21
    python3 benchmarks/show_path.py --source DIR     # measure the jamfctl package in DIR (a git worktree of
                                                     # an older commit) with the same venv: before/after

Three measurements, each from the same sandbox and keychain (tests/support/keyrings.py FileKeyring):
- wall time, interleaved, on one CPU: `python -c pass`, bare_httpx_get.py, bare_typer_keyring_httpx.py, jamfctl;
- imports: `python -X importtime` of the show, each module's own time charged to its package, and a standard
  library module to the nearest package above it that imported it (ssl under httpx is httpx's cost);
- run phases: the show in-process with every module it imports already imported, the functions of each
  phase timed (exclusive of the phases inside them): keychain, config, TLS, client, the request, check, output.
Plus keyring's backend discovery against jamfctl's (no keyring configuration, this platform).
Prints a markdown table (the one in benchmarks/README.md); exit 0 when the <= 1.1x goal is met, 1 if not.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import HERE, Bench, BenchError, Sandbox, check_venv, cpus, interleaved, pinned, run_checked  # noqa: E402

COMPONENTS = {  # top-level package -> the component it is charged to
    **dict.fromkeys(("typer", "click", "shellingham", "annotated_doc"), "Typer"),
    **dict.fromkeys(("keyring", "jaraco", "importlib_metadata", "more_itertools", "backports", "zipp",
                     "secretstorage", "jeepney", "cryptography", "support"), "keyring (+ test FileKeyring)"),
    **dict.fromkeys(("httpx", "httpcore", "h11", "h2", "hpack", "hyperframe", "anyio", "sniffio", "idna",
                     "certifi", "socksio"), "httpx"),
    "truststore": "TLS (truststore)",
    **dict.fromkeys(("pydantic", "pydantic_core", "annotated_types", "typing_inspection"), "pydantic"),
    **dict.fromkeys(("rich", "markdown_it", "mdurl", "pygments"), "rich"),
    "jamfctl": "jamfctl's own modules",
    "yaml": "yaml",
}
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \| ( *)(\S+)")

PHASE_PROBE = r"""
import functools, importlib, json, os, sys, time
for name in ["jamfctl.cli.app", *json.loads(os.environ["SHOW_PRELOAD"])]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
totals, stack = {}, []

def timed(label, owner, attr):
    fn = getattr(owner, attr, None)
    if fn is None:
        return
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        stack.append(0.0)
        try:
            return fn(*args, **kwargs)
        finally:
            inner, spent = stack.pop(), time.perf_counter() - start
            totals[label] = totals.get(label, 0.0) + spent - inner
            if stack:
                stack[-1] += spent
    setattr(owner, attr, wrapper)

import keyring, typer.core, jamfctl.auth, jamfctl.client, jamfctl.config, jamfctl.entry, jamfctl.output
import jamfctl.resources.computers as computers
timed("Typer: pydantic TypeAdapters", typer.core, "build_runtime_param")
timed("keyring: backend resolution", keyring, "get_keyring")
timed("keyring: backend resolution", jamfctl.auth, "keyring_backend")
timed("keyring: the lookups (secret, token)", jamfctl.auth.Keychain, "get")
timed("config file", jamfctl.config, "load")
timed("TLS context", jamfctl.client, "ssl_context")
timed("TLS context", jamfctl.client, "no_tls_context")
timed("httpx client set-up", jamfctl.client.JamfClient, "__init__")
timed("the request (round trip)", jamfctl.client.JamfClient, "_attempt")
timed("record check (pydantic before)", computers, "check_record")
timed("output (JSON)", jamfctl.output.Renderer, "one")
timed("Typer parsing, dispatch, jamfctl glue", jamfctl.entry, "main")
try:
    jamfctl.entry.main(json.loads(os.environ["SHOW_ARGV"]))
except SystemExit as exc:
    assert not exc.code, exc.code
with open(os.environ["SHOW_OUT"], "w") as fh:
    json.dump({k: v * 1000 for k, v in totals.items()}, fh)
"""

KEYRING_PROBE = r"""
import json, sys, time
import keyring.core, keyring.backend
if sys.argv[1] == "jamfctl":
    import jamfctl.auth
    resolve = getattr(jamfctl.auth, "keyring_backend", None) or keyring.get_keyring
else:
    resolve = keyring.get_keyring
start = time.perf_counter()
ring = resolve()
name = type(ring).__module__ + "." + type(ring).__name__
print(json.dumps({"ms": (time.perf_counter() - start) * 1000, "backend": name}))
"""


@dataclass
class Show:
    """The commands of one run, ready to time: each with its environment."""
    jamfctl: tuple[list[str], dict]
    typer_keyring: tuple[list[str], dict]
    bare_httpx: tuple[list[str], dict]
    python: tuple[list[str], dict]
    argv: list[str]


def prepare(bench: Bench, sandbox: Sandbox, source: Path | None) -> Show:
    """Log in once (the token is cached in the file keychain), find a serial, and take the exact URL of a show."""
    url = sandbox.wait_ready()
    env = bench.keyring_env()
    if source is not None:
        env["PYTHONPATH"] = f"{source}{os.pathsep}{env['PYTHONPATH']}"
    j = bench.jamfctl
    run_checked([j, "login", "-p", "bench", "--url", url, "--client-id", "jamfctl-sandbox", "--client-secret-stdin"],
                env, stdin=b"sandbox-secret", what="jamfctl login")
    listing = run_checked([j, "-p", "bench", "computer", "list", "--limit", "1", "-o", "json"], env).stdout
    serial = json.loads(listing)[0]["hardware"]["serialNumber"]
    argv = ["-p", "bench", "computer", "show", serial, "-o", "json"]
    run_checked([j, *argv], env, what="computer show")
    mark = sandbox.mark()
    body = run_checked([j, *argv], env, what="computer show").stdout
    sent = sandbox.requests_since(mark)
    if len(sent) != 1 or sent[0][1] != "GET" or json.loads(body)["hardware"]["serialNumber"] != serial:
        raise BenchError(f"a cached-token show sent {[s[1:3] for s in sent]}, not one GET of the computer")
    target = url + sent[0][2]
    stored = json.loads((bench.home / "keyring.json").read_text())
    keys = [k.split("\0", 1)[1] for k in stored if k.startswith("jamfctl-token\0")]
    if len(keys) != 1:
        raise BenchError(f"expected one cached token in the benchmark keychain, found {len(keys)}")
    token = json.loads(stored[f"jamfctl-token\0{keys[0]}"])["access_token"]
    bare = str(HERE / "bare_typer_keyring_httpx.py")
    typer_keyring = ([bench.python, bare, "computer", "show", serial, "-o", "json"],
                     bench.keyring_env(BENCH_URL=target, BENCH_PROFILE="bench", BENCH_TOKEN_KEY=keys[0]))
    bare_httpx = ([bench.python, str(HERE / "bare_httpx_get.py"), target], bench.env(BENCH_TOKEN=token))
    for cmd, cmd_env in (typer_keyring, bare_httpx):
        if serial not in run_checked(cmd, cmd_env, what=Path(cmd[1]).name).stdout.decode():
            raise BenchError(f"{Path(cmd[1]).name} did not print the computer")
    return Show(([j, *argv], env), typer_keyring, bare_httpx, ([bench.python, "-c", "pass"], bench.env()), argv)


# --- imports -------------------------------------------------------------------------------------------
def charge_imports(text: str) -> tuple[dict[str, float], list[str]]:
    """ms per component from `-X importtime` output, and the top-level modules imported (in order).

    A line's own time goes to its package's component; a standard-library module's (or typing_extensions',
    or an optional import's that failed) to the nearest importer above it that has one. Modules imported
    before jamfctl's first are the interpreter's."""
    rows = [(len(m.group(2)) // 2, m.group(3), int(m.group(1)) / 1000)
            for m in map(IMPORT_LINE.match, text.splitlines()) if m]
    first_jamfctl = next((i for i, (_, name, _) in enumerate(rows) if name.split(".")[0] == "jamfctl"), 0)
    # importtime prints a module after its imports: read backwards, each line's importers come before it
    charged: dict[str, float] = {}
    above: list[str | None] = []
    for index in range(len(rows) - 1, -1, -1):
        depth, name, ms = rows[index]
        top = name.split(".")[0]
        own = COMPONENTS.get(top)  # anything else (stdlib, shared, an optional import that failed): its importer's
        del above[depth:]
        above.append(own)
        if index < first_jamfctl and depth == 0 or (own is None and not any(above)):
            component = "interpreter start-up (in python -c pass)" if index < first_jamfctl else \
                "standard library, imported by the entry point"
        else:
            component = own or next(c for c in reversed(above) if c)
        charged[component] = charged.get(component, 0.0) + ms
    tops = [name for depth, name, _ in rows[first_jamfctl:] if depth == 0]
    return charged, tops


def imports(bench: Bench, show: Show, reps: int) -> tuple[dict[str, float], list[str]]:
    _, env = show.jamfctl
    runs, tops = [], []
    for _ in range(reps):
        out = subprocess.run([bench.python, "-X", "importtime", "-m", "jamfctl", *show.argv],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if out.returncode != 0:
            raise BenchError(f"importtime run failed: {out.stderr.decode()[-300:]}")
        charged, tops = charge_imports(out.stderr.decode())
        runs.append(charged)
    return median_of(runs), tops


# --- run phases -----------------------------------------------------------------------------------------
def phases(bench: Bench, show: Show, preload: list[str], reps: int) -> dict[str, float]:
    _, env = show.jamfctl
    out = bench.home / "phases.json"
    runs = []
    for _ in range(reps):
        run_checked([bench.python, "-c", PHASE_PROBE],
                    dict(env, SHOW_PRELOAD=json.dumps(preload), SHOW_ARGV=json.dumps(show.argv), SHOW_OUT=str(out)),
                    what="phase probe")
        runs.append(json.loads(out.read_text()))
    return median_of(runs)


def keyring_discovery(bench: Bench, source: Path | None, reps: int) -> dict[str, tuple[float, str]]:
    """Backend resolution with no keyring configuration at all (what an OS keychain user gets)."""
    env = bench.env() if source is None else bench.env(PYTHONPATH=str(source))
    found = {}
    for who in ("keyring", "jamfctl"):
        runs = [json.loads(run_checked([bench.python, "-c", KEYRING_PROBE, who], env).stdout) for _ in range(reps)]
        found[who] = (statistics.median(r["ms"] for r in runs), runs[0]["backend"])
    return found


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = {k for run in runs for k in run}
    return {k: statistics.median(run.get(k, 0.0) for run in runs) for k in keys}


# --- report ------------------------------------------------------------------------------------------------
def report(walls: dict[str, float], charged: dict[str, float], run: dict[str, float],
           discovery: dict[str, tuple[float, str]], latency_ms: int) -> str:
    ms = {k: v * 1000 for k, v in walls.items()}
    lines = ["| component | ms |", "|---|---:|",
             f"| interpreter start (`python -c pass`, wall) | {ms['python']:.1f} |"]
    lines += [f"| import: {name} | {value:.1f} |" for name, value in sorted(charged.items(), key=lambda kv: -kv[1])
              if not name.startswith("interpreter")]
    lines += [f"| run: {name} | {value:.1f} |" for name, value in sorted(run.items(), key=lambda kv: -kv[1])]
    imported = sum(v for k, v in charged.items() if not k.startswith("interpreter"))
    total = ms["python"] + imported + sum(run.values())
    lines += [f"| **sum** (start + imports + run) | {total:.1f} |",
              f"| the rest: interpreter exit, start-up beyond `python -c pass`, noise | {ms['jamfctl'] - total:.1f} |",
              f"| **measured** `computer show -o json`, wall | {ms['jamfctl']:.1f} |", ""]
    lines += ["| keyring backend resolution, no configuration | ms | backend |", "|---|---:|---|"]
    lines += [f"| {who} | {value:.1f} | `{backend}` |" for who, (value, backend) in discovery.items()]
    goal = walls["jamfctl"] / walls["typer_keyring"]
    lines += ["", f"| ratio (sandbox latency {latency_ms} ms; medians of interleaved runs) | value | goal |",
              "|---|---:|---|",
              f"| jamfctl show / bare Typer + keyring + httpx ({ms['jamfctl']:.0f} / {ms['typer_keyring']:.0f} ms)"
              f" | {goal:.2f}x | <= 1.1x |",
              f"| jamfctl show / bare httpx GET ({ms['jamfctl']:.0f} / {ms['bare_httpx']:.0f} ms)"
              f" | {walls['jamfctl'] / walls['bare_httpx']:.2f}x | as low as Typer allows |",
              f"| bare Typer + keyring + httpx / bare httpx GET: the floor Typer and keyring set"
              f" | {walls['typer_keyring'] / walls['bare_httpx']:.2f}x | (reference) |"]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venv", type=Path, default=HERE / ".venv",
                        help="venv with jamfctl (run.py --setup builds it)")
    parser.add_argument("--source", type=Path, help="measure the jamfctl package in this folder instead (PYTHONPATH)")
    parser.add_argument("--reps", type=int, default=15, help="interleaved wall-time runs of each command")
    parser.add_argument("--profile-reps", type=int, default=5, help="importtime and phase runs")
    parser.add_argument("--latency-ms", type=int, default=50, help="the sandbox's latency per request")
    args = parser.parse_args(argv)
    args.source = args.source.resolve() if args.source else None
    check_venv(args.venv)
    bench = Bench(args.venv)
    os.chdir(bench.home)  # `python -c` and `-m` put the working folder first on sys.path: not a checkout's jamfctl
    sandbox = Sandbox(bench, computers=50, latency_ms=args.latency_ms)
    try:
        show = prepare(bench, sandbox, args.source)
        available = cpus()
        cpu = {available[0]} if len(available) > 1 else None
        if cpu:
            sandbox.pin(set(available[1:]))
        with pinned(cpu):
            order = ("python", "bare_httpx", "typer_keyring", "jamfctl")
            walls = dict(zip(order, interleaved(args.reps, 1, *(getattr(show, name) for name in order)), strict=True))
            charged, tops = imports(bench, show, args.profile_reps)
            run = phases(bench, show, tops, args.profile_reps)
            discovery = keyring_discovery(bench, args.source, args.profile_reps)
    except BenchError as exc:
        print(f"show_path: {exc}", file=sys.stderr)
        return 2
    finally:
        sandbox.stop()
        bench.cleanup()
    source = f" (jamfctl from {args.source})" if args.source else ""
    print(f"computer show, cached token{source}, {args.reps} interleaved runs, {args.profile_reps} profiles\n")
    print(report(walls, charged, run, discovery, args.latency_ms))
    return 0 if walls["jamfctl"] / walls["typer_keyring"] <= 1.1 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
