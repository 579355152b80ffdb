"""Benchmark plumbing: an isolated environment, `sandbox serve` processes, and the ways to time a command.

Standard library only: run.py may be started by any Python 3.11+; everything measured runs in the
benchmark venv's interpreter.
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ACCESS_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/[\d.]+" (\d{3})')


class BenchError(RuntimeError):
    """The harness could not measure something (a command failed, the sandbox did not start)."""


# --- the environment every measured process runs in --------------------------------------------------
@dataclass
class Bench:
    venv: Path
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="jamfctl-bench-")))

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    @property
    def jamfctl(self) -> str:
        return str(self.venv / "bin" / "jamfctl")

    def env(self, **extra: str) -> dict[str, str]:
        """An isolated HOME and config folder, no inherited credentials, no colour, a fixed width."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JAMF_", "JAMFCTL_", "PYTHON", "_JAMFCTL_", "_TYPER_", "VIRTUAL_ENV"))}
        home = str(self.home)
        env.update(HOME=home, XDG_CONFIG_HOME=f"{home}/.config", XDG_DATA_HOME=f"{home}/.local/share",
                   XDG_CACHE_HOME=f"{home}/.cache", JAMFCTL_CONFIG_DIR=f"{home}/.config/jamfctl",
                   NO_COLOR="1", COLUMNS="200")
        env.update(extra)
        return env

    def keyring_env(self, **extra: str) -> dict[str, str]:
        """A file keychain shared by separate jamfctl processes (tokens survive between invocations):
        the test suite's FileKeyring (tests/support/keyrings.py), never the real OS keychain."""
        return self.env(PYTHONPATH=str(ROOT / "tests"), PYTHON_KEYRING_BACKEND="support.keyrings.FileKeyring",
                        JAMFCTL_TEST_KEYRING=str(self.home / "keyring.json"), **extra)

    def cleanup(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


def check_venv(venv: Path) -> None:
    for exe in ("python", "jamfctl"):
        if not (venv / "bin" / exe).exists():
            raise BenchError(f"{venv}/bin/{exe} is missing: build the benchmark venv with `run.py --setup`")


def has_module(bench: Bench, module: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([bench.python, "-c", probe], env=bench.env()).returncode == 0


# --- CPU pinning ---------------------------------------------------------------------------------
def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


@contextmanager
def pinned(cpu_set: set[int] | None):
    """Run the block's child processes on these CPUs only (children inherit the harness's affinity)."""
    if not cpu_set or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpu_set)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# --- `jamfctl sandbox serve` ------------------------------------------------------------------------
class Sandbox:
    """One `sandbox serve` process; its access log (stderr) is read into `lines` with arrival times."""

    def __init__(self, bench: Bench, computers: int, latency_ms: int) -> None:
        self.computers, self.latency_ms = computers, latency_ms
        self.proc = subprocess.Popen(
            [bench.jamfctl, "sandbox", "serve", "--port", "0", "--computers", str(computers),
             "--latency-ms", str(latency_ms)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=bench.env(),
        )
        self.lines: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self.url: str | None = None
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        for raw in self.proc.stderr:
            with self._lock:
                self.lines.append((time.perf_counter(), raw.decode("utf-8", "replace").rstrip("\n")))

    def wait_ready(self, timeout: float = 120.0) -> str:
        if self.url:
            return self.url
        box: dict = {}
        reader = threading.Thread(target=lambda: box.setdefault("line", self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        match = re.search(rb"https?://\S+", box.get("line") or b"")
        if not match:
            self.stop()
            log = " | ".join(line for _, line in self.lines[-3:])
            raise BenchError(f"sandbox ({self.computers} computers) printed no URL in {timeout:.0f} s: {log}")
        self.url = match.group(0).decode()
        return self.url

    def pin(self, cpu_set: set[int]) -> None:
        if cpu_set and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(self.proc.pid, cpu_set)

    def mark(self) -> int:
        with self._lock:
            return len(self.lines)

    def requests_since(self, mark: int, settle: float = 0.3, timeout: float = 5.0) -> list[tuple[float, str, str, int]]:
        """Access-log entries after `mark` as (arrival time, method, target, status), once the log is quiet.

        The sandbox writes a line after it has sent the response, so the client may exit first.
        """
        deadline = time.monotonic() + timeout
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = self.mark()
            if count != seen:
                seen, quiet_since = count, time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                break
            time.sleep(0.02)
        with self._lock:
            entries = self.lines[mark:]
        out = []
        for at, line in entries:
            match = ACCESS_LINE.search(line)
            if match:
                out.append((at, match.group(1), match.group(2), int(match.group(3))))
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- timing -------------------------------------------------------------------------------------
def run_checked(cmd: list[str], env: dict, stdin: bytes | None = None, what: str = "") -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, env=env, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise BenchError(f"{what or ' '.join(cmd)} failed (exit {result.returncode}): "
                         f"{result.stderr.decode('utf-8', 'replace')[-400:]}")
    return result


def time_once(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    code = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode
    elapsed = time.perf_counter() - start
    if code != 0:
        raise BenchError(f"{' '.join(cmd[:6])} ... exited {code} while being timed")
    return elapsed


def interleaved(n: int, warmup: int, *jobs: tuple[list[str], dict]) -> list[float]:
    """Median wall seconds of each job, run in turn (a, b, a, b, ...) so that drift hits all alike."""
    for _ in range(warmup):
        for cmd, env in jobs:
            time_once(cmd, env)
    times: list[list[float]] = [[] for _ in jobs]
    for _ in range(n):
        for i, (cmd, env) in enumerate(jobs):
            times[i].append(time_once(cmd, env))
    return [statistics.median(t) for t in times]


@dataclass
class StreamRun:
    total: float  # seconds from spawn to exit
    first_record: float | None  # seconds from spawn until the first whole record was on stdout
    records: int
    started: float  # perf_counter at spawn (to compare with access-log arrival times)
    peak_mb: float  # peak RSS of the process


def stream_run(cmd: list[str], env: dict, fmt: str) -> StreamRun:
    """Run a listing, reading stdout as it comes: when was the first record complete, how many in all."""
    done_marks = (b"\n",) if fmt == "ndjson" else (b",\n", b"\n]")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first, head, newlines = None, b"", 0
    fd = proc.stdout.fileno()
    while chunk := os.read(fd, 1 << 16):
        if first is None:
            head += chunk
            if any(m in head for m in done_marks):
                first = time.perf_counter() - start
                head = b""
        newlines += chunk.count(b"\n")
    _, status, usage = os.wait4(proc.pid, 0)
    total = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise BenchError(f"{' '.join(cmd[:6])} ... exited {code}")
    records = newlines if fmt == "ndjson" else max(0, newlines - 2)  # json: "[\n", a line per record, "\n]\n"
    return StreamRun(total, first, records, start, _mb(usage.ru_maxrss))


def peak_rss_mb(cmd: list[str], env: dict) -> float:
    """Peak resident set size of one child process, in MB (from its own rusage, not the harness's)."""
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd[:6])} ... exited {proc.returncode}")
    return _mb(usage.ru_maxrss)


def cpu_seconds(cmd: list[str], env: dict) -> float:
    """User + system CPU seconds of one child process and its threads (its own rusage, os.wait4)."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a chatty child cannot block on it
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            raise BenchError(f"{' '.join(cmd[:8])} ... exited {code}: {err.read()[-300:].decode('utf-8', 'replace')}")
    return usage.ru_utime + usage.ru_stime


def _mb(maxrss: int) -> float:
    return maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)  # bytes on macOS, KiB on Linux


def median(values: list[float]) -> float:
    return statistics.median(values)
