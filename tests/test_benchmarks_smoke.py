"""Smoke run of the benchmark harness (benchmarks/run.py --smoke): every figure once, at tiny sizes.

This checks that the harness works and reports every figure in the expected shape; it asserts no timing
threshold, not even on its own duration (shared CI machines are too noisy, and tiny sizes say nothing about
speed; the subprocess limit only catches a hang). The real run is `python3 benchmarks/run.py` (see
benchmarks/README.md). Marked `slow`: it takes 15-20 s.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent  # the venv running the tests, which has jamfctl installed
FIGURES = ["a", "b", "c", "d", "e1", "e2", "e3", "f1", "f2", "f3", "f4", "g1", "g2", "h1",
           "i1", "i2", "i3", "i4", "i5", "i6", "j1", "j2", "k1", "k2", "k3", "k4", "k5"]


@pytest.mark.slow
@pytest.mark.skipif(not (VENV / "bin" / "jamfctl").exists(), reason="jamfctl is not installed in this venv")
def test_smoke_run_reports_every_figure(tmp_path):
    report = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--venv", str(VENV), "--json", str(report)],
        capture_output=True, text=True, timeout=300,
    )
    # 0: every goal met, 1: some goal missed (meaningless at smoke sizes), 2: the harness itself failed
    assert result.returncode in (0, 1), result.stdout + result.stderr

    data = json.loads(report.read_text())
    assert data["mode"] == "smoke"
    figures = {f["key"]: f for f in data["figures"]}
    assert list(figures) == FIGURES
    for key, fig in figures.items():
        assert fig["name"] and fig["goal"] and fig["raw"], key
        assert fig["ok"] in (True, False, None), key
        if fig["ok"] is not None:
            assert isinstance(fig["value"], (int, float)) and fig["value"] > 0, key
    # Not timings: a cached-token `computer show` is one request, and the memory figure is in MB.
    assert figures["e2"]["value"] == 1
    assert figures["g1"]["unit"] == "MB"
    assert figures["h1"]["unit"] == "s"
    if figures["f2"]["ok"] is None:
        assert "jamf_pro_sdk" in figures["f2"]["raw"]  # skipped only when the SDK is not installed

    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("fig "))
    table = {line.split()[0] for line in lines[header + 2: header + 2 + len(FIGURES)]}
    assert table == set(FIGURES)
    assert any(word in result.stdout for word in ("PASS", "FAIL"))
