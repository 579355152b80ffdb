"""Rendering for people and scripts, written once: formats, --fields, redaction, safe table cells.

Every command hands plain data (dicts from the pydantic models) to `Renderer`; nothing else prints
data. Redaction (jamfctl.redact) happens here, for every format.
"""
from __future__ import annotations

import copy
import csv
import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, TextIO

from jamfctl import redact
from jamfctl.errors import ValidationError

FORMATS = ("table", "json", "ndjson", "csv", "yaml")
MISSING = object()
# CSI/OSC escape sequences, C0/C1 control characters, and the bidi and line-separator controls that
# reorder or break a line: a hostile device name must not drive the terminal or disguise itself.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
                      "|[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Column:
    header: str
    path: str


def resolve_format(requested: str | None, stdout_is_tty: bool) -> str:
    if requested is None:
        return "table" if stdout_is_tty else "json"
    fmt = requested.strip().lower()
    if fmt not in FORMATS:
        raise ValidationError(f"unknown output format {requested!r}; use one of: {', '.join(FORMATS)}")
    return fmt


# --- fields ---------------------------------------------------------------------------------------
def check_fields(paths: list[str], valid: Iterable[str]) -> list[str]:
    """Every requested dot path must be a known field (or a section holding some)."""
    valid = list(valid)
    known = set(valid)
    for path in paths:
        if path not in known:
            close = difflib.get_close_matches(path, valid, n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            prefix = path.split(".")[0]
            siblings = [v for v in valid if v.split(".")[0] == prefix] or sorted({v.split(".")[0] for v in valid})
            raise ValidationError(f"unknown field {path!r}.{hint} Valid fields: {', '.join(siblings)}")
    return paths


def _null_shape(parts: list[str]) -> dict:
    """`{a: {b: None}}` for a.b: a requested field the record lacks is null, keeping the shape stable."""
    shape: Any = None
    for part in reversed(parts):
        shape = {part: shape}
    return shape


def _pick(data: Any, parts: list[str]) -> Any:
    if not parts:
        return data
    if isinstance(data, list):
        picked = (_pick(item, parts) for item in data)
        return [_null_shape(parts) if item is MISSING else item for item in picked]
    if isinstance(data, dict) and parts[0] in data:
        inner = _pick(data[parts[0]], parts[1:])
        return MISSING if inner is MISSING else {parts[0]: inner}
    return MISSING


def _merge(into: dict, part: dict) -> None:
    for key, value in part.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list) and len(value) == len(into[key]):
            for a, b in zip(into[key], value):
                if isinstance(a, dict) and isinstance(b, dict):
                    _merge(a, b)
        else:
            into[key] = value


def select(record: dict, paths: list[str] | None) -> dict:
    """Keep only the given dot paths (a path through a list applies to each element)."""
    if not paths:
        return record
    out: dict = {}
    for path in paths:
        parts = path.split(".")
        picked = _pick(record, parts)
        if picked is MISSING:
            picked = _null_shape(parts)
        _merge(out, copy.deepcopy(picked))  # merging later paths must not write into the record
    return out


def get_path(record: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(record, dict):
            record = record.get(part)
        else:
            return None
    return record


def flatten(record: Any, prefix: str = "") -> dict[str, Any]:
    """Dot-path columns; lists stay whole (as JSON) so a row stays a row."""
    if isinstance(record, dict) and record:
        out: dict[str, Any] = {}
        for key, value in record.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: record}


# --- cells ----------------------------------------------------------------------------------------
def cell_text(value: Any) -> str:
    """A value as one safe line of terminal text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return _ESCAPES.sub("", str(value)).replace("\n", " ").replace("\t", " ")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# --- the renderer ---------------------------------------------------------------------------------
class Renderer:
    """Writes one record or a stream of records in the chosen format."""

    def __init__(
        self,
        out: TextIO,
        fmt: str,
        *,
        fields: list[str] | None = None,
        columns: list[Column] | None = None,
        color: bool = True,
        pretty: bool = False,
        width: int | None = None,
        reveal: frozenset[str] = frozenset(),
    ) -> None:
        self.out = out
        self.fmt = fmt
        self.fields = fields
        self.columns = [Column(f, f) for f in fields] if fields else columns
        self.color = color
        self.pretty = pretty
        self.width = width
        self.reveal = reveal

    def _prepare(self, record: dict) -> dict:
        return redact.redact(select(record, self.fields), reveal=self.reveal)

    def one(self, record: dict, title: str | None = None) -> None:
        data = self._prepare(record)
        if self.fmt == "json":
            self.out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        elif self.fmt == "ndjson":
            self.out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
        elif self.fmt == "yaml":
            self.out.write(_yaml(data))
        elif self.fmt == "csv":
            self._csv([data])
        else:
            self._details_table(data, title)
        self.out.flush()

    def many(self, records: Iterable[dict]) -> int:
        """Stream records; returns how many were written.

        JSON: `[` goes out with the first record, so a listing that fails before any record writes nothing;
        one that fails part-way closes its array (a valid document; the exit code says it is partial)."""
        count = 0
        stream = (self._prepare(r) for r in records)
        if self.fmt == "json":
            try:
                for count, data in enumerate(stream, 1):
                    text = json.dumps(data, indent=2 if self.pretty else None, ensure_ascii=False,
                                      separators=None if self.pretty else (",", ":"))
                    self.out.write(("[\n" if count == 1 else ",\n") + text)
            finally:
                if count:
                    self.out.write("\n]\n")
                    self.out.flush()
            if not count:
                self.out.write("[]\n")
        elif self.fmt == "ndjson":
            for count, data in enumerate(stream, 1):
                self.out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
                if count % 500 == 0:
                    self.out.flush()
        elif self.fmt == "yaml":
            for count, data in enumerate(stream, 1):
                self.out.write(_yaml([data]))
            if not count:
                self.out.write("[]\n")
        elif self.fmt == "csv":
            count = self._csv(stream)
        else:
            rows = list(stream)
            count = len(rows)
            self._list_table(rows)
        self.out.flush()
        return count

    def _csv(self, stream: Iterable[dict]) -> int:
        writer = csv.writer(self.out, lineterminator="\n")
        header: list[str] | None = [c.path for c in self.columns] if self.fields else None
        count = 0
        for count, data in enumerate(stream, 1):
            flat = flatten(data)
            if header is None:
                header = list(flat)
            if count == 1:
                writer.writerow(header)
            writer.writerow([_csv_cell(flat.get(h, get_path(data, h))) for h in header])
        if count == 0 and header:
            writer.writerow(header)
        return count

    # tables (rich): built from Text objects so server data is never read as markup
    def _console(self):
        from rich.console import Console

        return Console(file=self.out, no_color=not self.color, width=self.width, highlight=False,
                       force_terminal=None if self.color else False, emoji=False, markup=False)

    def _list_table(self, rows: list[dict]) -> None:
        from rich.table import Table
        from rich.text import Text

        columns = self.columns or [Column(k, k) for k in (flatten(rows[0]) if rows else {})]
        table = Table(show_edge=False, pad_edge=False, box=None if not self.color else None, header_style="bold")
        for column in columns:
            table.add_column(cell_text(column.header), overflow="fold")  # headers may be server keys
        for row in rows:
            table.add_row(*(Text(cell_text(get_path(row, c.path))) for c in columns))
        console = self._console()
        if rows:
            console.print(table)
        else:
            console.print("No results.")

    def _details_table(self, data: dict, title: str | None) -> None:
        """One record for a person: top-level facts, then one titled block per section."""
        from rich.table import Table
        from rich.text import Text

        # The title, section names and field names come from the server too: made safe like any cell.
        table = Table(title=Text(cell_text(title)) if title else None, show_header=False, box=None, pad_edge=False,
                      title_justify="left")
        table.add_column("field", style="bold" if self.color else None, no_wrap=True)
        table.add_column("value", overflow="fold")
        blocks = [("", {k: v for k, v in data.items() if not isinstance(v, dict)})]
        blocks += [(k, v) for k, v in data.items() if isinstance(v, dict)]
        for section, values in blocks:
            rows = [(p, v) for p, v in flatten(values).items() if v not in (None, "", [], {})]
            if not rows:
                continue
            if section:
                table.add_row(Text(""), Text(""))
                table.add_row(Text(cell_text(section), style="bold underline" if self.color else ""), Text(""))
            for path, value in rows:
                table.add_row(Text(("  " if section else "") + cell_text(path)), Text(cell_text(value)))
        self._console().print(table)


def _yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
