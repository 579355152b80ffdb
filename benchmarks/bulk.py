"""Figures (k) for the bulk paths: an MDM action to many devices, backup, api --paginate, report security, multi.

Each is measured against what 5 concurrent connections allow at the sandbox's latency (the same command's
time at latency 0, plus the round trips it cannot avoid, counted from the sandbox's access log), or against
a bound (peak RSS), or against the slowest single instance (multi).
"""
from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from figures import CONNECTIONS, LIST_PATH, TOKEN_PATHS, Figure, ideal_round_trips, judged
from harness import Bench, BenchError, Sandbox, median, peak_rss_mb, run_checked, stream_run, time_once


def _env(bench: Bench, box: Sandbox) -> dict:
    """Credentials from the environment and a keychain that refuses: every run fetches its own token."""
    return bench.env(JAMF_URL=box.wait_ready(), JAMF_CLIENT_ID="jamfctl-sandbox", JAMF_CLIENT_SECRET="sandbox-secret",
                     PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")


def _timed(cmd: list[str], fast: Sandbox, slow: Sandbox, bench: Bench, n: int, warmup: int,
           ) -> tuple[float, float, list[tuple[float, str, str, int]]]:
    """Median wall seconds at latency 0 and at the slow sandbox's latency (interleaved), and the access log
    of the last slow run."""
    t0, t1, log = [], [], []
    for rep in range(-warmup, n):
        a = time_once(cmd, _env(bench, fast))
        mark = slow.mark()
        b = time_once(cmd, _env(bench, slow))
        log = slow.requests_since(mark, settle=0.15)
        if rep >= 0:
            t0.append(a)
            t1.append(b)
    return median(t0), median(t1), log


def _not_token(log: list) -> list:
    return [entry for entry in log if entry[2].split("?")[0] not in TOKEN_PATHS]


# --- k1: an MDM action to many devices ---------------------------------------------------------------------
def mdm_action(bench: Bench, fast: Sandbox, slow: Sandbox, n: int, devices: int, warmup: int = 1) -> Figure:
    """The first `devices` managed computers (an unmanaged one gets no command: the sandbox has a few)."""
    fields = "hardware.serialNumber,general.remoteManagement.managed"
    listing = run_checked([bench.jamfctl, "computer", "list", "--all", "-o", "ndjson", "--fields", fields],
                          _env(bench, slow), what="listing the serials").stdout.decode().splitlines()
    rows = [json.loads(line) for line in listing]
    serials = [r["hardware"]["serialNumber"] for r in rows if r["general"]["remoteManagement"]["managed"]][:devices]
    if len(serials) != devices:
        raise BenchError(f"expected {devices} managed computers, the sandbox has {len(serials)}")
    targets = Path(tempfile.mkdtemp(prefix="jamfctl-bench-mdm-", dir=bench.home)) / "serials.txt"
    targets.write_text("\n".join(serials) + "\n")
    cmd = [bench.jamfctl, "computer", "restart", "--from-file", str(targets), "--yes", "-o", "ndjson"]
    t0, t1, log = _timed(cmd, fast, slow, bench, n, warmup)
    sent = _not_token(log)
    lookups = sum(1 for _, method, _, _ in sent if method == "GET")
    actions = sum(1 for _, method, _, _ in sent if method == "POST")
    if actions < 1:
        raise BenchError(f"restart sent no action request for {devices} devices")
    # jamfctl sends one command for up to 2000 devices (clientData), so the counted requests are the ideal's;
    # the one-request-per-device ideal is shown too (a bar far easier to meet).
    latency = slow.latency_ms / 1000
    trips = 1 + lookups + math.ceil(actions / CONNECTIONS)  # token, each lookup in turn, then 5 at a time
    ideal = t0 + trips * latency
    per_device = t0 + (1 + lookups + math.ceil(devices / CONNECTIONS)) * latency
    return judged("k1", f"MDM restart to {devices} devices @ {slow.latency_ms} ms: ideal / measured", ideal / t1,
                  ">= 0.85", f"ideal {t0:.2f}s + (1 token + {lookups} lookup + ceil({actions} POST/5)) x "
                  f"{slow.latency_ms} ms = {ideal:.2f}s; measured {t1:.2f}s; one request per device would allow "
                  f"{per_device:.2f}s ({per_device / t1:.2f}); `jamfctl computer restart --from-file F --yes`")


# --- k2: backup of the whole instance --------------------------------------------------------------------
def backup(bench: Bench, fast: Sandbox, slow: Sandbox, n: int, warmup: int = 1) -> Figure:
    folder = Path(tempfile.mkdtemp(prefix="jamfctl-bench-backup-", dir=bench.home))
    cmd = [bench.jamfctl, "backup", str(folder / "out"), "-o", "json"]
    t0, t1, log = _timed(cmd, fast, slow, bench, n, warmup)
    sent = _not_token(log)
    # An item request names one object (its path ends in an id); everything else lists a kind (or a page).
    items = sum(1 for _, _, path, _ in sent if path.split("?")[0].rstrip("/").rsplit("/", 1)[-1].isdigit())
    lists = len(sent) - items
    trips = 1 + math.ceil(lists / CONNECTIONS) + math.ceil(items / CONNECTIONS)  # items need their list first
    latency = slow.latency_ms / 1000
    ideal = t0 + trips * latency
    return judged("k2", f"backup of the whole sandbox @ {slow.latency_ms} ms: ideal / measured", ideal / t1, ">= 0.85",
                  f"ideal {t0:.2f}s + (1 token + ceil({lists} lists/5) + ceil({items} items/5)) x {slow.latency_ms} ms"
                  f" = {ideal:.2f}s; measured {t1:.2f}s; `jamfctl backup DIR`")


# --- k3: api --paginate -------------------------------------------------------------------------------------
def api_paginate(bench: Bench, fast: Sandbox, slow: Sandbox, n: int, warmup: int = 1) -> Figure:
    """Like f1: ideal = the same command at latency 0 + token + first page + the rest 5 at a time."""
    computers = slow.computers
    cmd = [bench.jamfctl, "api", "/v4/computers-inventory", "--paginate", "-f", "section=GENERAL", "-o", "ndjson"]
    ours = [bench.jamfctl, "computer", "list", "--all", "-o", "ndjson", "--fields", "id,general"]
    t0, t1, tl = [], [], []
    for rep in range(-warmup, n):
        runs = [stream_run(cmd, _env(bench, fast), "ndjson"), stream_run(cmd, _env(bench, slow), "ndjson"),
                stream_run(ours, _env(bench, slow), "ndjson")]
        if any(r.records != computers for r in runs):
            raise BenchError(f"api --paginate / computer list listed {[r.records for r in runs]} of {computers}")
        if rep >= 0:
            t0.append(runs[0].total)
            t1.append(runs[1].total)
            tl.append(runs[2].total)
    a0, a1, lst = median(t0), median(t1), median(tl)
    trips = ideal_round_trips(computers)
    ideal = a0 + trips * slow.latency_ms / 1000
    return judged("k3", f"api --paginate, {computers} computers @ {slow.latency_ms} ms: ideal / measured", ideal / a1,
                  ">= 0.85", f"ideal {a0:.2f}s + {trips} x {slow.latency_ms} ms = {ideal:.2f}s; measured {a1:.2f}s "
                  f"(computer list --all --fields id,general: {lst:.2f}s); "
                  f"`jamfctl api {LIST_PATH.removeprefix('/api')} --paginate -f section=GENERAL -o ndjson`")


# --- k4: report security's memory ------------------------------------------------------------------------------
def report_memory(bench: Bench, big: Sandbox, n: int) -> Figure:
    cmd = [bench.jamfctl, "report", "security", "-o", "json"]
    peaks = [peak_rss_mb(cmd, _env(bench, big)) for _ in range(n)]
    value = median(peaks)
    return judged("k4", f"peak RSS, report security over {big.computers} computers", value, "<= 120",
                  f"runs: {', '.join(f'{p:.0f}' for p in peaks)} MB; `jamfctl report security -o json`", unit="MB")


# --- k5: multi over 10 profiles ------------------------------------------------------------------------------
def multi(bench: Bench, slow: Sandbox, n: int, warmup: int = 1, profiles: int = 10) -> Figure:
    """10 profiles on one sandbox (tokens cached in a file keychain by `login`), each listing one page."""
    env = bench.keyring_env()
    names = [f"multi{i}" for i in range(profiles)]
    for name in names:
        run_checked([bench.jamfctl, "login", "-p", name, "--url", slow.wait_ready(), "--client-id", "jamfctl-sandbox",
                     "--client-secret-stdin"], env, stdin=b"sandbox-secret", what=f"jamfctl login -p {name}")
    words = ["computer", "list", "--limit", "100", "-o", "json"]
    together = [bench.jamfctl, "multi", "--profiles", ",".join(names), *words]
    singles = {name: [] for name in names}
    both = []
    for rep in range(-warmup, n):
        took = time_once(together, env)
        for name in names:
            single = time_once([bench.jamfctl, "-p", name, *words], env)
            if rep >= 0:
                singles[name].append(single)
        if rep >= 0:
            both.append(took)
    slowest_name = max(singles, key=lambda k: median(singles[k]))
    slowest, all_of_them = median(singles[slowest_name]), median(both)
    return judged("k5", f"multi over {profiles} profiles / the slowest single instance, @ {slow.latency_ms} ms",
                  all_of_them / slowest, "<= 1.2", f"{all_of_them:.2f}s / {slowest:.2f}s ({slowest_name}); "
                  f"`jamfctl multi --profiles {names[0]},...,{names[-1]} {' '.join(words)}`")


def not_landed(key: str, name: str, goal: str, why: str, unit: str = "x") -> Figure:
    return Figure(key, name, None, goal, None, why, unit)
