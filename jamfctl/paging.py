"""One paged listing: up to five page requests in flight, records yielded in page order.

The first wave is sent before `totalCount` is known (pages past the end come back empty), so a listing
costs ceil(pages / 5) round trips. Raw page bodies wait in a window of at most five; each is parsed only
when its turn comes, which keeps memory flat however big the fleet. JamfClient.paginate is the way in.
"""
from __future__ import annotations

import gc
import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable, Generator, Iterator

from jamfctl import wire
from jamfctl.errors import ServerError

if TYPE_CHECKING:
    from jamfctl.client import Listing


class Pager:
    """`fetch(n)` returns page n's raw body; `listing.total_count` is set from page 0."""

    def __init__(self, fetch: Callable[[int], bytes], listing: Listing, *, page_size: int, limit: int | None,
                 window: int, label: str, path: str, on_progress: Callable[[int, int], None] | None) -> None:
        self.fetch, self.listing, self.page_size, self.limit, self.window = fetch, listing, page_size, limit, window
        self.label, self.path, self.on_progress = label, path, on_progress
        self.pending: deque[tuple[int, Future[bytes]]] = deque()
        self.next_page = 0
        self.pages_needed: int | None = None  # known once page 0 has told its totalCount
        self.expected = 0  # records the listing should yield: totalCount, or the limit if lower
        self.emitted = 0

    def records(self) -> Iterator[dict]:
        wire.return_big_buffers_to_the_os()
        self.pool = ThreadPoolExecutor(max_workers=self.window, thread_name_prefix="page")
        # Objects loaded before the listing (typer, rich, httpx, jamfctl) sit out the cyclic GC while records
        # stream: otherwise each full collection walks all of them, 15-20% of a long listing's CPU. freeze() is
        # used, not gc.disable(): collections still run over what the listing makes, and a listing that never
        # ends (a generator dropped in a cycle, a long-lived `mcp serve`) can at worst leave objects frozen,
        # never the GC off. Concurrent listings (multi) may thaw each other early: only the saving is lost.
        gc.freeze()
        try:
            for _ in range(1 if self.limit is not None and self.limit <= self.page_size else self.window):
                self._submit()
            while self.pending:
                number, future = self.pending.popleft()
                if self.pages_needed is not None and number >= self.pages_needed:
                    future.cancel()
                    continue
                text = future.result().decode("utf-8", errors="replace")
                del future  # the Future holds the raw body until released
                finished = yield from self._page(text, number)
                del text
                if not finished:  # the limit was reached inside this page
                    return
                if self.on_progress is not None:
                    self.on_progress(self.emitted, self.expected)
                self._top_up()
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)
            gc.unfreeze()

    def _page(self, text: str, number: int) -> Generator[dict, None, bool]:
        """Yield one page's records; False once the limit is reached, else True after checking the page."""
        events = wire.iter_page(text)
        has_results, on_page = False, 0
        while True:
            try:
                key, value = next(events)
            except StopIteration:
                break
            except (ValueError, RecursionError):
                raise ServerError(
                    f"{self.label} sent an incomplete or invalid JSON page for GET {self.path}; try again"
                ) from None
            if key == "record":
                if self.limit is not None and self.emitted >= self.limit:
                    return False
                self.emitted += 1
                on_page += 1
                yield value
            elif key == "results":
                has_results = value is wire.RESULTS_START
            elif key == "totalCount" and number == 0:
                self._learn_total(value)
        del events
        self._check(number, on_page, has_results)
        return True

    def _learn_total(self, value: object) -> None:
        if type(value) is not int or value < 0:
            raise ServerError(f"{self.label} sent an invalid totalCount for GET {self.path}")
        self.listing.total_count = value
        self.expected = value if self.limit is None else min(value, self.limit)
        self.pages_needed = math.ceil(self.expected / self.page_size)
        self._top_up()  # keep five requests in flight while this page is written out

    def _check(self, number: int, on_page: int, has_results: bool) -> None:
        if not has_results or self.pages_needed is None:
            raise ServerError(f"{self.label} sent a page without results or totalCount for GET {self.path}")
        last_page = number >= self.pages_needed - 1
        if (on_page < self.page_size and not last_page) or (last_page and self.emitted < self.expected):
            # Fewer records than totalCount promised: the inventory changed mid-run, or the server is
            # broken. Stop (a hostile totalCount must not mean endless empty pages) and say so.
            raise ServerError(
                f"{self.label} reported {self.expected} records for GET {self.path} but page {number} came back "
                f"short ({self.emitted} so far); the inventory may have changed during the listing, try again"
            )

    def _submit(self) -> None:
        self.pending.append((self.next_page, self.pool.submit(self.fetch, self.next_page)))
        self.next_page += 1

    def _top_up(self) -> None:
        while self.pages_needed is not None and self.next_page < self.pages_needed and len(self.pending) < self.window:
            self._submit()
