"""Rendering for people and scripts, written once: formats, --fields, redaction, safe table cells.

Every command hands plain data (dicts from the pydantic models) to `Renderer`; nothing else prints
data. Redaction (jamfctl.redact) happens here, for every format.
"""
from __future__ import annotations

import csv
import difflib
import functools
import json
import re
from typing import Any, Iterable, TextIO

from jamfctl import redact
from jamfctl.errors import ValidationError
from jamfctl.specs import Column
from jamfctl.streaming import csv_cell, get_path, json_encoder, row_reader

FORMATS = ("table", "json", "ndjson", "csv", "yaml")
# Records joined per write while streaming: one write and one encode call per batch, not per record.
_BATCH = 256
MISSING = object()
# CSI/OSC escape sequences, C0/C1 control characters, and the bidi and line-separator controls that
# reorder or break a line: a hostile device name must not drive the terminal or disguise itself.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
                      "|[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")



_ISO_UTC = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|\+00:00)")


def short_time(value: Any) -> Any:
    """'2026-11-29T22:38:49.123Z' -> '2026-11-29 22:38' for a table cell; anything else unchanged."""
    match = _ISO_UTC.fullmatch(value) if isinstance(value, str) else None
    return f"{match.group(1)} {match.group(2)}" if match else value


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
    """Merge a picked path into `into`, copying a container before writing into it: a picked value may be
    the record's own (picks share leaves and whole subtrees with the record, no deep copies)."""
    for key, value in part.items():
        here = into.get(key)
        if isinstance(value, dict) and isinstance(here, dict):
            here = into[key] = dict(here)
            _merge(here, value)
        elif isinstance(value, list) and isinstance(here, list) and len(value) == len(here):
            here = into[key] = list(here)
            for index, (a, b) in enumerate(zip(here, value)):
                if isinstance(a, dict) and isinstance(b, dict):
                    here[index] = dict(a)
                    _merge(here[index], b)
        else:
            into[key] = value


def select(record: dict, paths: list[str] | None) -> dict:
    """Keep only the given dot paths (a path through a list applies to each element). The result shares
    values with the record (copy-on-write: neither is changed); callers must not mutate it."""
    if not paths:
        return record
    split = _split_paths(tuple(paths))
    if type(record) is dict and all(len(parts) == 1 for parts in split):  # top-level keys only (id,general)
        return {parts[0]: record.get(parts[0]) for parts in split}
    out: dict = {}
    for parts in split:
        picked = _pick(record, parts)
        _merge(out, _null_shape(parts) if picked is MISSING else picked)
    return out


@functools.lru_cache(maxsize=64)
def _split_paths(paths: tuple[str, ...]) -> tuple[list[str], ...]:
    return tuple(path.split(".") for path in dict.fromkeys(paths))


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


def _covered(path: str, columns: list[str]) -> bool:
    """Whether a flattened path is already in these columns (as one, inside one, or holding one)."""
    return any(path == c or path.startswith(c + ".") or c.startswith(path + ".") for c in columns)


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
        csv_columns: list[str] | None = None,
        color: bool = True,
        pretty: bool = False,
        width: int | None = None,
        reveal: frozenset[str] = frozenset(),
    ) -> None:
        self.out = out
        self.fmt = fmt
        self.fields = fields
        # Table columns: the command's (which then match its fields), else one per field.
        self.columns = columns or ([Column(f, f) for f in fields] if fields else None)
        # CSV columns known before the first record, so a streamed header holds every row's fields.
        self.csv_columns = csv_columns or fields
        self.color = color
        self.pretty = pretty
        # JSON escapes what a non-UTF stdout (PYTHONIOENCODING=ascii, an old Windows console) cannot hold.
        encoding = (getattr(out, "encoding", None) or "utf-8").lower().replace("_", "-")
        self.ascii_json = not encoding.startswith("utf")
        self.width = width
        self.reveal = reveal

    def _prepare(self, record: dict) -> dict:
        return redact.redact(select(record, self.fields), reveal=self.reveal)

    def one(self, record: dict, title: str | None = None, body_field: str | None = None) -> None:
        """One record. `body_field` names a long text (a script) that a table shows below the fields, as it is."""
        data = self._prepare(record)
        if self.fmt == "json":
            self.out.write(json.dumps(data, indent=2, ensure_ascii=self.ascii_json) + "\n")
        elif self.fmt == "ndjson":
            self.out.write(json.dumps(data, ensure_ascii=self.ascii_json, separators=(",", ":")) + "\n")
        elif self.fmt == "yaml":
            self.out.write(_yaml(data))
        elif self.fmt == "csv":
            self._csv([data], whole_record=True)
        else:
            body = data.get(body_field) if body_field else None
            if isinstance(body, str):
                data = {k: v for k, v in data.items() if k != body_field}
            self._details_table(data, title)
            if isinstance(body, str) and body:
                self._body(body_field, body)
        self.out.flush()

    def _body(self, label: str, text: str) -> None:
        """A multi-line text after the fields, line by line, each made safe for the terminal like a cell."""
        from rich.text import Text

        console = self._console()
        console.print(Text(""))
        console.print(Text(cell_text(label), style="bold underline" if self.color else ""))
        for line in text.splitlines():
            console.print(Text(cell_text(line.expandtabs(4))), soft_wrap=True)

    def many(self, records: Iterable[dict]) -> int:
        """Stream records; returns how many were written.

        JSON: `[` goes out with the first record, so a listing that fails before any record writes nothing;
        one that fails part-way closes its array (a valid document; the exit code says it is partial)."""
        count = 0
        stream = map(self._prepare, records)
        if self.fmt == "json":
            encode = json_encoder(self.ascii_json, self.pretty)
            batch: list[str] = []
            try:
                for count, data in enumerate(stream, 1):
                    batch.append(encode(data))
                    if count % _BATCH == 1:  # the first record alone, so it is on stdout as soon as it is ready
                        self.out.write(("[\n" if count == 1 else ",\n") + ",\n".join(batch))
                        self.out.flush()
                        batch.clear()
            finally:
                if batch:
                    self.out.write(",\n" + ",\n".join(batch))
                if count:
                    self.out.write("\n]\n")
                    self.out.flush()
            if not count:
                self.out.write("[]\n")
        elif self.fmt == "ndjson":
            encode = json_encoder(self.ascii_json, False)
            batch = []
            try:
                for count, data in enumerate(stream, 1):
                    batch.append(encode(data))
                    if count % _BATCH == 1:
                        batch.append("")  # the newline after the last line
                        self.out.write("\n".join(batch))
                        self.out.flush()
                        batch.clear()
            finally:
                if batch:  # records written before a failure are still written
                    batch.append("")
                    self.out.write("\n".join(batch))
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

    def _csv(self, stream: Iterable[dict], *, whole_record: bool = False) -> int:
        """The header is the up-front columns, else the first record's paths. One record (`whole_record`)
        also gets its other non-null paths: no later row can lack them. The header goes out with the
        first row (or at the end of an empty stream), so a stream that fails at once writes nothing."""
        minimal = csv.writer(self.out, lineterminator="\n")
        # With "\n" rows, the csv module quotes a field holding "\n" but not one holding a lone "\r", which
        # RFC 4180 readers take as a row break: such rows are written fully quoted.
        quoted = csv.writer(self.out, lineterminator="\n", quoting=csv.QUOTE_ALL)

        def write_row(row: list) -> None:
            # One C-level search of the row's text for a lone "\r" (cells are strings or numbers).
            (quoted if "\r" in "\n".join(map(str, row)) else minimal).writerow(row)

        header = list(self.csv_columns or [])
        count = 0
        for count, data in enumerate(stream, 1):
            if count == 1:
                flat = flatten(data)
                if not header:
                    header = list(flat)
                elif whole_record:
                    header += [k for k, v in flat.items() if v is not None and not _covered(k, header)]
                write_row(header)
                # The columns' paths read once; a row is then lookups, not a flattening of every record.
                read = row_reader(header)
            write_row(list(map(csv_cell, read(data))))
        if count == 0 and header:
            write_row(header)
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
            # Headers may be server keys. Unwrapped columns make the others give way; on a terminal too
            # narrow even for them, an ellipsis shows the cut (a silently cropped serial reads as a real one).
            table.add_column(cell_text(column.header), no_wrap=column.no_wrap,
                             overflow="ellipsis" if column.no_wrap else "fold")
        for row in rows:
            table.add_row(*(Text(cell_text(_cell_value(row, c))) for c in columns))
        if rows:  # nothing at all for no rows: the command says so on stderr, stdout stays data only
            self._console().print(table)

    def _details_table(self, data: dict, title: str | None) -> None:
        """One record for a person: top-level facts, then one titled block per section."""
        from rich.table import Table
        from rich.text import Text

        # The title, section names and field names come from the server too: made safe like any cell.
        table = Table(show_header=False, box=None, pad_edge=False)
        # A very long field name folds rather than take the value column's room.
        table.add_column("field", style="bold" if self.color else None, max_width=46, overflow="fold")
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
            base = 1 if section else 0
            shown_parents: list[str] = []
            for path, value in rows:
                # Nested objects as indented groups (as `kubectl describe` does), not 57-character dot paths.
                *parents, leaf = path.split(".")
                same = 0
                while same < min(len(parents), len(shown_parents)) and parents[same] == shown_parents[same]:
                    same += 1
                for depth in range(same, len(parents)):
                    table.add_row(Text("  " * (base + depth) + cell_text(parents[depth])), Text(""))
                shown_parents = parents
                table.add_row(Text("  " * (base + len(parents)) + cell_text(leaf)), Text(cell_text(value)))
        console = self._console()
        if title:  # its own line: a table title would be folded to the (maybe narrow) table's width
            console.print(Text(cell_text(title), style="bold" if self.color else ""), soft_wrap=True)
        console.print(table)


def _yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _cell_value(row: dict, column: Column) -> Any:
    value = get_path(row, column.path)
    return short_time(value) if column.timestamp else value
