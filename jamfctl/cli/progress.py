"""A rich progress bar for long paging runs, on stderr, shown only when stderr is a terminal."""
from __future__ import annotations

from typing import TextIO


class PagingProgress:
    def __init__(self, stream: TextIO, label: str = "Fetching", sandbox: bool = False, color: bool = True) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        label = f"{label} (sandbox)" if sandbox else label
        self._progress = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(file=stream, no_color=not color), transient=True,
        )
        self._task = None

    def update(self, done: int, total: int) -> None:
        if self._task is None:
            if total <= done:  # a single page: no bar worth showing
                return
            self._progress.start()
            self._task = self._progress.add_task("fetch", total=total)
        self._progress.update(self._task, completed=done, total=total)

    def __enter__(self):
        return self.update

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._progress.stop()
