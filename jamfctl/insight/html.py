"""The fleet security report as one self-contained HTML page: inline CSS, inline SVG bar charts, no script.

Nothing is loaded from anywhere (no font, image, stylesheet or script URL), so the page works offline and
from an e-mail attachment; `@media print` keeps the charts' colours and avoids breaking a card across pages.
Every chart has its numbers as text beside it. Everything that came from the server (device names above all:
end users name their Macs) goes through `html.escape`.
"""
from __future__ import annotations

from html import escape
from typing import Iterable

from jamfctl.insight.report import Flagged, Report, flagged_row

FLAGGED_LIMIT = 500  # rows in the page's table; the JSON and CSV have them all
COLOURS = {"ok": "#2e7d32", "unknown": "#9e9e9e", "warn": "#ef9f00", "fail": "#c62828"}
VERDICTS = ("ok", "unknown", "warn", "fail")
CHECK_TITLES = {"check-in": "Check-in", "inventory": "Inventory update", "os-version": "macOS version",
                "filevault": "FileVault", "sip": "SIP", "gatekeeper": "Gatekeeper", "firewall": "Firewall",
                "disk-free": "Free disk", "mdm-profile": "MDM profile"}
BAR_WIDTH = 460  # px of the longest bar
ROW = 26  # px per bar row

STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1b1b1b; background: #fff;
       margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 0 0 10px; }
.meta { color: #555; margin: 0 0 18px; } .meta span { display: inline-block; margin-right: 18px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 18px; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; min-width: 130px; }
.card b { display: block; font-size: 22px; } .card small { color: #555; }
section { border: 1px solid #ddd; border-radius: 8px; padding: 14px 16px; margin-bottom: 18px; }
.chart { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
svg { max-width: 100%; height: auto; }  /* the viewBox scales a chart to a narrow window or page */
svg text { font: 12px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #1b1b1b; }
table { border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.legend span { display: inline-block; margin-right: 14px; } .legend i { display: inline-block; width: 11px;
       height: 11px; margin-right: 4px; vertical-align: -1px; }
.v-fail { color: #c62828; font-weight: 600; } .v-warn { color: #a86a00; font-weight: 600; }
.note { color: #555; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section, .card, tr { break-inside: avoid; page-break-inside: avoid; }
  section { border-color: #999; }
}
"""


def _n(value: int) -> str:
    return f"{value:,}"


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def page(report: Report) -> str:
    """The whole page as text."""
    s = report.summary
    title = "Fleet security report"
    scope = [f"group {_e(s.get('group'))}" if s.get("group") else "",
             f"filter {_e(s.get('filter'))}" if s.get("filter") else ""]
    meta = [f"<span>Server: {_e(s.get('server'))}</span>", f"<span>Generated: {_e(s.get('generated_at'))}</span>",
            f"<span>Scope: {' and '.join(x for x in scope if x) or 'every computer'}</span>",
            f"<span>Newest macOS: {_e(s.get('newest_macos'))} (release table as of {_e(s.get('releases_as_of'))})"
            "</span>"]
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title} - {_e(s.get('server'))}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
        f"<h1>{title}</h1>", f'<p class="meta">{"".join(meta)}</p>',
        _cards(s), _checks_section(report.checks, s["computers"]),
        _os_section("macOS by major version", [(f"macOS {r['major']} {r['name']}" if r["major"] != "unknown"
                                                 else "not collected", r["computers"], r["percent"])
                                                for r in report.os["by_major"]], "os-major"),
        _os_section("macOS by major.minor version", [(r["version"], r["computers"], r["percent"])
                                                      for r in report.os["by_minor"]], "os-minor"),
        _flagged_section(report.flagged, s["flagged"]),
        "</body>", "</html>", "",
    ]
    return "\n".join(parts)


def _cards(s: dict) -> str:
    total = s["computers"]
    cards = [("Computers", total, f"{_n(s['managed'])} managed"),
             ("Flagged", s["flagged"], f"{_n(s['failing'])} with a failing check"),
             ("FileVault on", s["filevault_on"], _rate(s["filevault_on"], total)),
             ("SIP on", s["sip_on"], _rate(s["sip_on"], total)),
             ("Gatekeeper on", s["gatekeeper_on"], _rate(s["gatekeeper_on"], total)),
             ("Firewall on", s["firewall_on"], _rate(s["firewall_on"], total)),
             ("macOS current", s["os_current"], _rate(s["os_current"], total)),
             ("Stale check-ins", s["stale_checkins"], _rate(s["stale_checkins"], total)),
             ("MDM profile expiring", s["mdm_profile_expiring"],
              f"{_n(s['mdm_profile_expired_or_missing'])} expired or missing")]
    body = "".join(f'<div class="card"><small>{label}</small><b>{_n(value)}</b><small>{note}</small></div>'
                   for label, value, note in cards)
    return f'<div class="cards">{body}</div>'


def _rate(part: int, total: int) -> str:
    return f"{100.0 * part / total:.1f} % of all" if total else "no computers"


def _checks_section(rows: list[dict], total: int) -> str:
    """One stacked bar per check (ok, unknown, warn, fail), with the counts in a table beside it."""
    height = ROW * len(rows) + 8
    label_w = 130
    bars = []
    for i, row in enumerate(rows):
        y = 4 + i * ROW
        name = CHECK_TITLES.get(row["check"], row["check"])
        bars.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_e(name)}</text>')
        x = float(label_w)
        for verdict in VERDICTS:
            width = BAR_WIDTH * row[verdict] / total if total else 0
            if width > 0:
                bars.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{ROW - 8}" '
                            f'fill="{COLOURS[verdict]}"><title>{_e(name)}: {row[verdict]} {verdict}</title></rect>')
            x += width
        bars.append(f'<text x="{label_w + BAR_WIDTH + 6}" y="{y + 15}">{row["ok_percent"]:.1f} % ok</text>')
    svg = (f'<svg id="chart-checks" role="img" aria-label="Checks by verdict" width="{label_w + BAR_WIDTH + 80}" '
           f'height="{height}" viewBox="0 0 {label_w + BAR_WIDTH + 80} {height}">'
           f'{"".join(bars)}</svg>')
    legend = "".join(f'<span><i style="background:{COLOURS[v]}"></i>{v}</span>' for v in VERDICTS)
    head = "".join(f'<th class="n">{v}</th>' for v in VERDICTS)
    body = "".join(f'<tr><td>{_e(CHECK_TITLES.get(r["check"], r["check"]))}</td>'
                   + "".join(f'<td class="n">{_n(r[v])}</td>' for v in VERDICTS)
                   + f'<td class="n">{r["ok_percent"]:.1f} %</td></tr>' for r in rows)
    table = f'<table id="table-checks"><tr><th>Check</th>{head}<th class="n">ok rate</th></tr>{body}</table>'
    return (f'<section><h2>Checks across {_n(total)} computers</h2><p class="legend">{legend}</p>'
            f'<div class="chart">{svg}{table}</div></section>')


def _os_section(title: str, rows: list[tuple[str, int, float]], key: str) -> str:
    """A bar per OS version, the longest bar the most common version; counts beside each bar and in a table."""
    largest = max((n for _, n, _ in rows), default=0)
    label_w = 150
    height = ROW * len(rows) + 8
    bars = []
    for i, (label, count, percent) in enumerate(rows):
        y = 4 + i * ROW
        width = BAR_WIDTH * count / largest if largest else 0
        bars.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_e(label)}</text>'
                    f'<rect x="{label_w}" y="{y}" width="{width:.1f}" height="{ROW - 8}" fill="#3f6fb5">'
                    f'<title>{_e(label)}: {count}</title></rect>'
                    f'<text x="{label_w + width + 6:.1f}" y="{y + 15}">{_n(count)} ({percent:.1f} %)</text>')
    width_all = label_w + BAR_WIDTH + 110
    svg = (f'<svg id="chart-{key}" role="img" aria-label="{_e(title)}" width="{width_all}" height="{height}" '
           f'viewBox="0 0 {width_all} {height}">{"".join(bars)}</svg>')
    body = "".join(f'<tr><td>{_e(label)}</td><td class="n">{_n(count)}</td><td class="n">{percent:.1f} %</td></tr>'
                   for label, count, percent in rows)
    table = f'<table id="table-{key}"><tr><th>Version</th><th class="n">Computers</th><th class="n">Share</th></tr>' \
            f'{body}</table>'
    return f'<section><h2>{_e(title)}</h2><div class="chart">{svg}{table}</div></section>'


def _flagged_section(flagged: Iterable[Flagged], count: int) -> str:
    rows = []
    for i, device in enumerate(flagged):
        if i >= FLAGGED_LIMIT:
            break
        row = flagged_row(device)
        reasons = ", ".join(f'<span class="v-{_e(v)}">{_e(CHECK_TITLES.get(c, c))} ({_e(v)})</span>'
                            for c, v in row["reasons"].items())
        rows.append(f'<tr><td class="n">{_e(row["id"])}</td><td>{_e(row["serialNumber"])}</td><td>{_e(row["name"])}'
                    f'</td><td>{_e(row["osVersion"])}</td><td class="v-{_e(row["worst"])}">{_e(row["worst"])}</td>'
                    f'<td>{reasons}</td></tr>')
    more = (f'<p class="note">The {_n(FLAGGED_LIMIT)} worst of {_n(count)} are shown; '
            "<code>jamfctl report security -o csv</code> lists them all.</p>") if count > FLAGGED_LIMIT else ""
    if not rows:
        return ('<section><h2>Flagged computers</h2><p class="note">No computer has a warning or a failure.</p>'
                "</section>")
    return (f'<section><h2>Flagged computers ({_n(count)}, worst first)</h2>{more}<table id="table-flagged">'
            '<tr><th class="n">Id</th><th>Serial</th><th>Name</th><th>macOS</th><th>Worst</th><th>Reasons</th></tr>'
            f'{"".join(rows)}</table></section>')
