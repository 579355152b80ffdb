#!/usr/bin/env python3
"""Write `jamfctl report security --html` from the built-in sandbox and a PNG screenshot of it, so a person can look.

    .venv/bin/python scripts/screenshot_report.py [--out DIR] [--width 1200] [--height 2000]

Writes DIR/report.html (default: ./report-screenshot/) and DIR/report.png, taken by headless Chromium
(Debian's `chromium` package: `apt-get install chromium`). No network: the sandbox runs in-process and the
page loads nothing. tests/test_report_browser.py drives Chromium through the same functions.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Headless, offline, no first-run work, a throwaway profile: what the browser test runs too.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")
TIMEOUT_S = 120


def chromium() -> str | None:
    """The Chromium binary on PATH (Debian names it chromium), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(binary: str, page: Path, *extra: str) -> subprocess.CompletedProcess:
    """One headless Chromium run on a local file, with its own profile folder (removed after)."""
    with tempfile.TemporaryDirectory(prefix="jamfctl-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()]
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)


def dump_dom(binary: str, page: Path) -> str:
    """The page's DOM after Chromium loaded and laid it out (`--dump-dom`)."""
    done = run_chromium(binary, page, "--dump-dom")
    if done.returncode != 0:
        raise RuntimeError(f"chromium --dump-dom exited {done.returncode}: {done.stderr[-500:]}")
    return done.stdout


def screenshot(binary: str, page: Path, png: Path, width: int = 1200, height: int = 2000) -> Path:
    done = run_chromium(binary, page, f"--screenshot={png.resolve()}", f"--window-size={width},{height}")
    if done.returncode != 0 or not png.exists():
        raise RuntimeError(f"chromium --screenshot exited {done.returncode}: {done.stderr[-500:]}")
    return png


def write_report(page: Path, *args: str) -> int:
    """`jamfctl -p sandbox report security --html PAGE ARGS...`, in this process; its exit code."""
    from jamfctl.cli.app import run

    return run(["-p", "sandbox", "report", "security", "--html", str(page), *args])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="report-screenshot", help="folder for report.html and report.png")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=2000)
    args = parser.parse_args(argv)
    binary = chromium()
    if binary is None:
        print("chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    page, png = out / "report.html", out / "report.png"
    code = write_report(page)
    if code != 0:
        return code
    screenshot(binary, page, png, args.width, args.height)
    print(f"{page}\n{png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
