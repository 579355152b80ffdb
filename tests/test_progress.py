"""Long paging shows a rich progress bar on stderr when stderr is a terminal, and nothing otherwise."""
from __future__ import annotations

import io
import json

import pytest

from jamfctl.cli.app import run
from jamfctl.cli.progress import PagingProgress
from jamfctl.context import AppContext

SANDBOX_COMPUTERS = 500  # the in-process sandbox's fleet


class TerminalStream(io.StringIO):
    """A stream that says it is a terminal, as stderr does for a person at a shell."""

    def isatty(self) -> bool:
        return True


SMALL_PAGES = 100  # the sandbox's 500 computers then take five pages (a multi-page listing)


def list_all(stderr: io.StringIO, page_size: int | None = SMALL_PAGES) -> tuple[int, str]:
    out = io.StringIO()
    code = run(["-p", "sandbox", "computer", "list", "--all", "-o", "ndjson"],
               AppContext(stdout=out, stderr=stderr, page_size=page_size))
    return code, out.getvalue()


def test_terminal_stderr_shows_a_progress_bar():
    err = TerminalStream()
    code, out = list_all(err)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == SANDBOX_COMPUTERS  # the bar never lands on stdout
    text = err.getvalue()
    assert "Fetching computers (sandbox)" in text
    assert f"/{SANDBOX_COMPUTERS}" in text  # MofNCompleteColumn: "done/total"
    assert "\u2501" in text  # BarColumn's bar
    assert "\x1b[" in text  # drawn (and cleared) with terminal control sequences


def test_non_terminal_stderr_gets_nothing():
    err = io.StringIO()  # a pipe or file: isatty() is False
    code, out = list_all(err)
    assert code == 0
    assert len(out.splitlines()) == SANDBOX_COMPUTERS
    assert err.getvalue() == ""


def test_single_page_listing_shows_no_bar():
    err = TerminalStream()
    code, out = list_all(err, page_size=None)  # 500 computers fit in one page of 2000
    assert code == 0
    assert len(out.splitlines()) == SANDBOX_COMPUTERS
    assert err.getvalue() == ""


def test_paging_progress_starts_only_when_more_pages_are_coming():
    stream = TerminalStream()
    progress = PagingProgress(stream)
    with progress as update:
        update(2000, 2000)  # everything arrived with the first page
    assert stream.getvalue() == ""
    with PagingProgress(stream) as update:
        update(2000, 6000)
        update(6000, 6000)
    assert "Fetching" in stream.getvalue()  # the label is the caller's (cli/progress.py)
    assert "(sandbox)" not in stream.getvalue()


COLOUR_SGR = r"\x1b\[(?:[0-9;]*;)?(?:3[0-79]|9[0-7]|38;[0-9;]+)m"  # a foreground colour, as opposed to cursor moves


@pytest.mark.parametrize("how", ["flag", "NO_COLOR"])
def test_no_color_reaches_the_progress_bar(monkeypatch, how):
    """--no-color (or NO_COLOR) leaves the bar drawn but colourless; without it the bar has colour."""
    import re

    err = TerminalStream()
    out = io.StringIO()
    argv = ["-p", "sandbox", "computer", "list", "--all", "-o", "ndjson"]
    if how == "flag":
        argv.insert(0, "--no-color")
    else:
        monkeypatch.setenv("NO_COLOR", "1")
    assert run(argv, AppContext(stdout=out, stderr=err, page_size=SMALL_PAGES)) == 0
    assert "Fetching computers" in err.getvalue() and not re.search(COLOUR_SGR, err.getvalue())
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = TerminalStream()
    assert list_all(coloured)[0] == 0
    assert re.search(COLOUR_SGR, coloured.getvalue())  # the check above could fail
