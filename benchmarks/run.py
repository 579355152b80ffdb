#!/usr/bin/env python3
"""jamfctl benchmarks: every figure of the speed issue, as a ratio to its reference measured in the same run.

    python3 benchmarks/run.py            # full run (~4-5 min); builds benchmarks/.venv on first use
    python3 benchmarks/run.py --quick    # fewer repetitions
    python3 benchmarks/run.py --smoke    # each figure once at tiny sizes (checks the harness, not speed)

See benchmarks/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bulk  # noqa: E402
import figures  # noqa: E402
from harness import HERE, ROOT, Bench, BenchError, Sandbox, check_venv, cpus, has_module  # noqa: E402

DEFAULT_VENV = HERE / ".venv"
GROUPS = ("startup", "show", "paging", "memory", "sandbox", "cpu", "sdk", "bulk")


@dataclass(frozen=True)
class Plan:
    warmup: int = 1  # untimed runs of every command before the timed ones
    startup_reps: int = 15
    show_reps: int = 15
    show_latency_ms: int = 50
    paging_reps: int = 5
    paging_computers: int = 20_000
    paging_latency_ms: int = 200
    memory_reps: int = 3
    memory_small: int = 10_000
    memory_big: int = 100_000
    fleet_reps: int = 5
    fleet_computers: int = 100_000
    cpu_reps: int = 3
    cpu_computers: int = 20_000
    bulk_reps: int = 3
    bulk_devices: int = 1000  # MDM action targets (and the size of the backup / multi sandbox)
    bulk_latency_ms: int = 200
    bulk_profiles: int = 10  # multi's instances


PLANS = {
    "full": Plan(),
    "quick": Plan(startup_reps=7, show_reps=7, paging_reps=2, memory_reps=1, fleet_reps=3, cpu_reps=1, bulk_reps=1),
    "smoke": Plan(warmup=0, startup_reps=1, show_reps=1, show_latency_ms=10, paging_reps=1, paging_computers=2500,
                  paging_latency_ms=20, memory_reps=1, memory_small=500, memory_big=2500, fleet_reps=1,
                  fleet_computers=2500, cpu_reps=1, cpu_computers=2500, bulk_reps=1, bulk_devices=100,
                  bulk_latency_ms=20, bulk_profiles=3),
}


def setup(venv: Path) -> None:
    """benchmarks/.venv: jamfctl (editable, so it measures this checkout) and jamf-pro-sdk, for benchmarks only."""
    print(f"building {venv} (jamfctl from {ROOT}, jamf-pro-sdk) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e", str(ROOT), "jamf-pro-sdk"],
                   check=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="jamfctl benchmarks (ratios against references, same run)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer repetitions (noisier medians)")
    mode.add_argument("--smoke", action="store_true", help="each figure once at tiny sizes (harness check only)")
    parser.add_argument("--setup", action="store_true", help=f"(re)build the benchmark venv ({DEFAULT_VENV})")
    parser.add_argument("--venv", type=Path, help="venv with jamfctl (and jamf-pro-sdk) to measure "
                        f"(default {DEFAULT_VENV}, built on first use)")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated subset of {','.join(GROUPS)}")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    args.groups = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown --only group(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    venv = (args.venv or DEFAULT_VENV).absolute()  # not resolve(): a venv's python is a symlink
    if args.setup or (args.venv is None and not (venv / "bin" / "jamfctl").exists()):
        setup(venv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    plan = PLANS[mode]
    try:
        check_venv(venv)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bench = Bench(venv)
    started = time.perf_counter()
    all_cpus = cpus()
    client_cpu = {all_cpus[0]} if all_cpus else None
    server_cpus = set(all_cpus[1:]) or client_cpu
    sdk = has_module(bench, "jamf_pro_sdk")
    print(f"jamfctl benchmarks ({mode}): {bench.jamfctl}, Python {platform.python_version()}, "
          f"{len(all_cpus) or '?'} CPUs, jamf-pro-sdk {'yes' if sdk else 'not installed'}", flush=True)
    sandboxes: list[Sandbox] = []

    def sandbox(computers: int, latency_ms: int) -> Sandbox:
        box = Sandbox(bench, computers, latency_ms)
        sandboxes.append(box)
        return box

    results: list[figures.Figure] = []
    try:
        # All sandboxes start (and build their fleets) first, so nothing else runs while start-up is timed.
        show_box = sandbox(500, plan.show_latency_ms) if "show" in args.groups else None
        fast = sandbox(plan.paging_computers, 0) if {"paging", "bulk"} & set(args.groups) else None
        slow = sandbox(plan.paging_computers, plan.paging_latency_ms) if {"paging", "sdk", "bulk"} & set(args.groups) \
            else None
        small = sandbox(plan.memory_small, 0) if "memory" in args.groups else None
        big = sandbox(plan.memory_big, 0) if {"memory", "bulk"} & set(args.groups) else None
        # A tenth more computers than MDM targets: the sandbox leaves a few unmanaged (they get no command).
        bulk_size = plan.bulk_devices + plan.bulk_devices // 10
        bulk_fast = sandbox(bulk_size, 0) if "bulk" in args.groups else None
        bulk_slow = sandbox(bulk_size, plan.bulk_latency_ms) if "bulk" in args.groups else None
        cpu_box = sandbox(plan.cpu_computers, 0) if "cpu" in args.groups else None
        for box in sandboxes:
            box.wait_ready()
        steps = [
            ("startup", lambda: figures.startup(bench, plan.startup_reps, client_cpu, plan.warmup)),
            ("show", lambda: figures.one_request(bench, show_box, plan.show_reps, client_cpu, server_cpus,
                                                       plan.warmup)),
            ("paging", lambda: figures.paging(bench, fast, slow, plan.paging_reps, sdk, plan.warmup)),
            ("memory", lambda: figures.memory(bench, small, big, plan.memory_reps)),
            ("sandbox", lambda: figures.fleet_build(bench, plan.fleet_computers, plan.fleet_reps, client_cpu,
                                                    plan.warmup)),
            ("cpu", lambda: figures.cpu_per_record(bench, cpu_box, plan.cpu_reps, client_cpu, server_cpus,
                                                   plan.warmup)),
            ("sdk", lambda: figures.sdk_race(bench, slow, plan.paging_reps, sdk, plan.warmup)),
            ("bulk", lambda: bulk_figures(bench, plan, fast, slow, big, bulk_fast, bulk_slow)),
        ]
        for group, step in steps:
            if group in args.groups:
                t = time.perf_counter()
                print(f"  {group} ...", end="", flush=True)
                results += step()
                print(f" {time.perf_counter() - t:.0f} s", flush=True)
    except BenchError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    finally:
        for box in sandboxes:
            box.stop()
        bench.cleanup()
    elapsed = time.perf_counter() - started
    print_table(results, plan, mode, elapsed)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"mode": mode, "plan": plan.__dict__, "seconds": round(elapsed, 1),
                   "python": platform.python_version(),
                   "cpus": len(all_cpus), "figures": [f.to_dict() for f in results]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 1 if any(f.ok is False for f in results) else 0


def bulk_figures(bench: Bench, plan: Plan, fast: Sandbox, slow: Sandbox, big: Sandbox, bulk_fast: Sandbox,
                 bulk_slow: Sandbox) -> list[figures.Figure]:
    n, warmup = plan.bulk_reps, plan.warmup
    out = [bulk.mdm_action(bench, bulk_fast, bulk_slow, n, plan.bulk_devices, warmup),
           bulk.backup(bench, bulk_fast, bulk_slow, n, warmup), bulk.api_paginate(bench, fast, slow, n, warmup)]
    landed = subprocess.run([bench.jamfctl, "report", "security", "--help"], env=bench.env(), capture_output=True)
    if landed.returncode == 0:
        out.append(bulk.report_memory(bench, big, n))
    else:
        out.append(bulk.not_landed("k4", f"peak RSS, report security over {big.computers} computers", "<= 120",
                                   "not landed: `jamfctl report security --help` fails on this checkout", unit="MB"))
    out.append(bulk.multi(bench, bulk_slow, n, warmup, plan.bulk_profiles))
    return out


def fmt_value(fig: figures.Figure) -> str:
    if fig.value is None:
        return "-"
    if fig.unit == "x":
        return f"{fig.value:.2f}x" if fig.value >= 0.1 else f"{fig.value:.3f}x"
    if fig.unit == "MB":
        return f"{fig.value:.1f} MB"
    if fig.unit == "s":
        return f"{fig.value:.2f} s"
    return f"{fig.value:g}"


def print_table(results: list[figures.Figure], plan: Plan, mode: str, elapsed: float) -> None:
    rows = [("fig", "measure", "value", "goal", "result", "raw medians")]
    for f in results:
        verdict = "info" if f.goal == "info" else "skipped" if f.ok is None else "PASS" if f.ok else "FAIL"
        rows.append((f.key, f.name, fmt_value(f), f.goal, verdict, f.raw))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    print()
    for i, row in enumerate(rows):  # the last cell (raw medians) has no width: zip stops before it
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[5])
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * 11)
    print(f"\n{mode} run in {elapsed:.0f} s: medians of {plan.startup_reps} (start-up), {plan.show_reps} (show), "
          f"{plan.paging_reps} (paging), {plan.memory_reps} (memory), {plan.fleet_reps} (sandbox), "
          f"{plan.cpu_reps} (cpu), {plan.bulk_reps} (bulk) runs; start-up, show and cpu clients pinned to one CPU.")


if __name__ == "__main__":
    sys.exit(main())
