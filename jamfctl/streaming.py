"""What the renderer decides once per stream rather than once per record: the JSON encoder, the CSV columns'
paths (a row is then lookups, not a flattening of every record) and how a CSV cell is made safe."""
from __future__ import annotations

import json
import re
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii
from typing import Any, Callable


def json_encoder(ascii_only: bool, pretty: bool, separators: tuple[str, str] = (",", ":")) -> Callable[[Any], str]:
    """json.dumps for a stream of records, set up once: the C encoder without the circular-reference check
    (data from JSON, or built by jamfctl, has no cycles; depth is still bounded by the recursion limit)."""
    if pretty or c_make_encoder is None:
        return json.JSONEncoder(indent=2 if pretty else None, ensure_ascii=ascii_only,
                                separators=None if pretty else separators).encode
    encode = c_make_encoder(None, json.JSONEncoder().default,
                            encode_basestring_ascii if ascii_only else encode_basestring,
                            None, separators[1], separators[0], False, False, True)
    return lambda data: "".join(encode(data, 0))


def get_path(record: Any, path: str) -> Any:
    """The value at a dot path; through a list, the value in each item (a list, like `select`)."""
    parts = path.split(".")
    for i, part in enumerate(parts):
        if isinstance(record, list):
            return [get_path(item, ".".join(parts[i:])) for item in record]
        if not isinstance(record, dict):
            return None
        record = record.get(part)
    return record


def column_getter(path: str) -> Callable[[Any], Any]:
    """A CSV column's value in a record, as `get_path` finds it, with the path split once per stream.
    (A dot path names nested keys; a key that itself holds a dot is not read across levels.)"""
    parts = path.split(".")

    def walk(record: Any) -> Any:
        value = record
        for part in parts:
            if type(value) is dict:
                value = value.get(part)
            elif value is None:
                return None
            else:  # a list (each item's value) or anything else: the general walk
                return get_path(record, path)
        return value

    return walk


def row_reader(header: list[str]) -> Callable[[Any], list]:
    """The raw values of a record's CSV row, for a header fixed for the whole stream. Neighbouring columns
    `s.a`, `s.b`, ... of one object `s` are read with one lookup of `s` and a C-level map over their keys;
    any other column (top level, deeper, or where `s` is not an object) by its own walk."""
    runs: list[tuple[int, int, str, list[str]]] = []  # (start, end, object key, leaf keys)
    for index, path in enumerate(header):
        parts = path.split(".")
        if len(parts) == 2 and runs and runs[-1][1] == index and runs[-1][2] == parts[0]:
            start, _, key, leaves = runs[-1]
            runs[-1] = (start, index + 1, key, [*leaves, parts[1]])
        elif len(parts) == 2:
            runs.append((index, index + 1, parts[0], [parts[1]]))
    in_runs = {i for start, end, _, _ in runs for i in range(start, end)}
    walks = [(i, column_getter(path)) for i, path in enumerate(header) if i not in in_runs]
    getters = [column_getter(path) for path in header]
    width = len(header)

    def read(record: Any) -> list:
        if type(record) is not dict:
            return [get(record) for get in getters]
        row: list = [None] * width
        for start, end, key, leaves in runs:
            inner = record.get(key)
            if type(inner) is dict:
                row[start:end] = map(inner.get, leaves)
            elif inner is not None:  # a list (each item's value) or a scalar: the general walk
                row[start:end] = [getters[i](record) for i in range(start, end)]
        for i, get in walks:
            row[i] = get(record)
        return row

    return read


# A cell a spreadsheet would run as a formula. Device and user names are set by end users, so a Mac
# named =HYPERLINK(...) must not become a live formula when an admin opens the CSV (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_FORMULA_FIRST = frozenset(_FORMULA_START)
_cell_json = None  # the C encoder for list and object cells, made on first use


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text as it is (a formula quoted), null empty, booleans lower-case, lists and
    objects as JSON."""
    kind = type(value)
    if kind is str:  # the usual cell first; the quote makes spreadsheets show a formula as text
        return "'" + value if value[:1] in _FORMULA_FIRST and not _NUMBER.fullmatch(value) else value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return value
    if isinstance(value, (dict, list)):
        global _cell_json
        if _cell_json is None:
            _cell_json = json_encoder(False, False, (", ", ": "))  # json.dumps's own separators
        value = _cell_json(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
