"""The `report security --html` page in a real browser: headless Chromium (Debian's `chromium` package) renders
it, the charts are in its DOM, the numbers a reader sees are the JSON report's, and a screenshot is not blank.

The report comes from real processes over real HTTP: `jamfctl sandbox serve` (2,500 computers: two pages of
2,000) and `jamfctl report security --html FILE -o json` (one run writes both, so they cannot disagree).
Chromium is driven by scripts/screenshot_report.py's functions, so that script is tested here too.
Without chromium the browser tests skip, except under CI (CI=true), where a missing browser is a failure
(.ci/run installs it); the numbers over HTTP are checked either way.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import select
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from jamfctl.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
JAMFCTL = Path(sys.executable).parent / "jamfctl"
COMPUTERS, SEED = 2500, 3


def _load_script():
    spec = importlib.util.spec_from_file_location("screenshot_report", REPO / "scripts" / "screenshot_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shots = _load_script()


@pytest.fixture(scope="module")
def browser() -> str:
    binary = shots.chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI runs these tests")
    return binary


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAMF_", "JAMFCTL_", "PYTHON_KEYRING"))}
    return env | {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                  "JAMFCTL_CONFIG_DIR": str(home / ".config" / "jamfctl"),
                  "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}  # tokens in memory only


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[dict, Path]:
    """(the JSON report, the HTML page) from one `report security` run against `sandbox serve` over HTTP."""
    work = tmp_path_factory.mktemp("report")
    (work / "home").mkdir()
    env = _env(work / "home")
    with open(work / "access.log", "w") as log:
        server = subprocess.Popen([str(JAMFCTL), "sandbox", "serve", "--port", "0", "--computers", str(COMPUTERS),
                                   "--seed", str(SEED)], stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 30)
        assert ready, "sandbox serve printed no URL within 30 s"
        url = server.stdout.readline().strip()
        page = work / "report.html"
        creds = {"JAMF_URL": url, "JAMF_CLIENT_ID": SANDBOX_CLIENT_ID, "JAMF_CLIENT_SECRET": SANDBOX_CLIENT_SECRET}
        done = subprocess.run([str(JAMFCTL), "report", "security", "--html", str(page), "-o", "json"],
                              env=env | creds, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert SANDBOX_CLIENT_SECRET not in done.stdout + done.stderr + page.read_text()
        inventory = [line for line in (work / "access.log").read_text().splitlines() if "computers-inventory" in line]
        assert len(inventory) == 5  # the pager's first wave (2 pages hold the fleet), each page asked for once
        yield json.loads(done.stdout), page
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


def visible_text(dom: str) -> str:
    dom = re.sub(r"(?is)<(style|title)\b.*?</\1>", " ", dom)
    return re.sub(r"<[^>]+>", " ", dom)


def integers(value) -> list[int]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in integers(v)]
    if isinstance(value, list):
        return [n for v in value for n in integers(v)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def test_over_http_the_numbers_are_the_served_fleets(report):
    """No browser needed: the JSON of the subprocess run against the served fleet, rebuilt here from its seed."""
    from datetime import datetime

    from test_report import expected, spread

    from jamfctl.sandbox.fleet import Fleet
    from jamfctl.sandbox.sections import ALL_SECTIONS

    document, _ = report
    served = Fleet(COMPUTERS, SEED)
    records = [served.record(c.id, ALL_SECTIONS) for c in served.computers]
    now = datetime.fromisoformat(document["summary"]["generated_at"].replace("Z", "+00:00")).timestamp()
    want = expected(records, now)
    assert {key: document["summary"][key] for key in want} == want
    assert ({r["major"]: r["computers"] for r in document["os"]["by_major"]},
            {r["version"]: r["computers"] for r in document["os"]["by_minor"]}) == spread(records)


def test_chromium_renders_the_page_with_its_charts_and_the_json_numbers(browser, report):
    document, page = report
    dom = shots.dump_dom(browser, page)
    assert "<h1>Fleet security report</h1>" in dom
    charts = re.findall(r'<svg id="(chart-[a-z-]+)"', dom)
    assert charts == ["chart-checks", "chart-os-major", "chart-os-minor"]
    checks_chart = dom.split('id="chart-checks"', 1)[1].split("</svg>", 1)[0]
    assert checks_chart.count("<rect") >= len(document["checks"])  # at least one bar segment per check
    assert len(re.findall(r"<rect", dom.split('id="chart-os-minor"', 1)[1].split("</svg>", 1)[0])) == \
        len(document["os"]["by_minor"])
    text = visible_text(dom)
    assert document["summary"]["computers"] == COMPUTERS
    numbers = integers({k: document[k] for k in ("summary", "checks", "os")})
    missing = [n for n in numbers if not re.search(rf"(?<![0-9.,])({n:,}|{n})(?![0-9])", text)]
    assert missing == []
    first = document["flagged"][0]
    assert first["serialNumber"] in text and first["name"] in text
    assert not re.search(r"""(?i)(src|href)\s*=\s*["']?\s*(https?:)?//""", dom)


def png_facts(png: Path) -> tuple[int, int, float]:
    """(width, height, share of non-zero bytes in the filtered image data): a blank page's rows filter to zeros."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    width = height = 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            chunks.append(body)
        at += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    return width, height, 1 - raw.count(0) / len(raw)


def test_the_screenshot_shows_the_page_not_a_blank(browser, report, tmp_path):
    _, page = report
    png = shots.screenshot(browser, page, tmp_path / "report.png", 1200, 2000)
    width, height, busy = png_facts(png)
    blank_page = tmp_path / "blank.html"
    blank_page.write_text("<!DOCTYPE html><html><body></body></html>")
    _, _, blank = png_facts(shots.screenshot(browser, blank_page, tmp_path / "blank.png", 1200, 2000))
    assert (width, height) == (1200, 2000)
    assert blank < 0.005 and busy > 0.02 and busy > 20 * blank, (busy, blank)  # measured: 0.0003 and 0.04


def test_the_screenshot_script_writes_a_page_and_a_png(browser, tmp_path, monkeypatch):
    monkeypatch.setenv("JAMFCTL_CONFIG_DIR", str(tmp_path / "config"))
    assert shots.main(["--out", str(tmp_path / "shot"), "--width", "800", "--height", "600"]) == 0
    page, png = tmp_path / "shot" / "report.html", tmp_path / "shot" / "report.png"
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert png_facts(png)[:2] == (800, 600)
