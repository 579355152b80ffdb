"""The simulator's typed evaluator of Jamf Pro API `filter` parameters, over jamfctl.rsql's syntax tree.

Field kinds decide how a literal is parsed and how values compare: versions as versions, dates as instants,
strings case-insensitively (as Jamf's database collation does), `*` in a value as a wildcard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from jamfctl.rsql import Comparison, Node, RsqlError, parse

STRING, INT, BOOL, DATETIME, DATE, VERSION = "string", "int", "bool", "datetime", "date", "version"
_ORDERING = {"lt": "=lt=", "le": "=le=", "gt": "=gt=", "ge": "=ge="}


class FilterError(ValueError):
    """A filter the server rejects (HTTP 400). `code` is the Jamf-style error code."""

    def __init__(self, description: str, code: str = "INVALID_RSQL_FILTER"):
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    getter: Callable[[Any], Any]  # returns the value already normalised for `kind` (see normalise)
    # The value as the record serves it, which a `*` wildcard matches; None (unknown) for a null or, outside
    # strings, an empty value. Only needed for non-string kinds: a string getter already returns the text.
    text: Callable[[Any], str | None] | None = None


# --- typed values ---
def parse_datetime(text: str) -> float:
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def parse_version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in re.findall(r"\d+", text)]
    if not parts:
        raise ValueError(f"not a version: {text!r}")
    while len(parts) > 1 and parts[-1] == 0:  # 14.0 == 14
        parts.pop()
    return tuple(parts)


def normalise(kind: str, raw: Any) -> Any:
    """Turn a record value (as served in JSON) into the comparable form of `kind`; None stays None."""
    if raw is None or (raw == "" and kind != STRING):  # an empty date/version means "unknown"
        return None
    if kind == STRING:
        return str(raw)
    if kind == INT:
        return int(raw)
    if kind == BOOL:
        return bool(raw)
    if kind in (DATETIME, DATE):
        return parse_datetime(raw)
    if kind == VERSION:
        return parse_version(raw)
    raise AssertionError(kind)


def _literal(kind: str, field: str, text: str) -> Any:
    try:
        if kind == STRING:
            return text.lower()
        if kind == INT:
            return int(text)
        if kind == BOOL:
            lowered = text.lower()
            if lowered not in ("true", "false"):
                raise ValueError(text)
            return lowered == "true"
        if kind in (DATETIME, DATE):
            return parse_datetime(text)
        if kind == VERSION:
            return parse_version(text)
    except ValueError:
        raise FilterError(f"Invalid value {text!r} for field {field!r} ({kind})") from None
    raise AssertionError(kind)


def _wildcard(pattern: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.IGNORECASE | re.DOTALL)


def _glob_equals(spec: FieldSpec, field: str, pattern: str) -> Callable[[Any], bool]:
    """`field=="pattern"` with a `*`: Jamf documents `*` as a wildcard inside values with no restriction to string
    fields, so any field matches by its served text ("14*" finds 14.6.1, "2026-11-*" a November date, "12*" ids
    12, 120...), case-insensitively like strings. A null (or, outside strings, an empty value) matches nothing."""
    text = spec.text if spec.text is not None else spec.getter if spec.kind == STRING else None
    if text is None:
        raise FilterError(f"Invalid RSQL filter: field {field!r} cannot be matched with a wildcard")
    regex = _wildcard(pattern)
    return lambda obj: (v := text(obj)) is not None and regex.fullmatch(v) is not None


def _compile_wildcards(node: Comparison, spec: FieldSpec) -> Callable[[Any], bool]:
    """A comparison with a `*` in a value: ==/!= glob; =in=/=out= glob the values with a `*` and compare the others
    typed (as == would); ordering comparisons have no sensible meaning for a pattern, so the filter is refused."""
    if node.op in _ORDERING:
        pattern = next(a for a in node.args if "*" in a)
        raise FilterError(f"Invalid RSQL filter: a wildcard '*' ({pattern!r}) cannot be used with "
                          f"{_ORDERING[node.op]} on {node.field!r}; wildcards work with ==, !=, =in= and =out=")
    parts = [_glob_equals(spec, node.field, a) if "*" in a
             else _compile_typed(Comparison(node.field, "eq", (a,)), spec) for a in node.args]
    if node.op in ("eq", "in"):
        return lambda obj: any(p(obj) for p in parts)
    return lambda obj: not any(p(obj) for p in parts)


def _compile_comparison(node: Comparison, field_spec: Callable[[str], FieldSpec]) -> Callable[[Any], bool]:
    spec = field_spec(node.field)
    if any("*" in a for a in node.args):
        return _compile_wildcards(node, spec)
    return _compile_typed(node, spec)


def _compile_typed(node: Comparison, spec: FieldSpec) -> Callable[[Any], bool]:
    """A comparison of typed values: versions as versions, dates as instants, strings case-insensitively."""
    get, kind, op = spec.getter, spec.kind, node.op
    values = [_literal(kind, node.field, a) for a in node.args]
    # strings compare case-insensitively, as Jamf's database collation does
    key = (lambda obj: None if (v := get(obj)) is None else v.lower()) if kind == STRING else get
    want = values[0]
    if op == "eq":
        return lambda obj: key(obj) == want
    if op == "ne":
        return lambda obj: key(obj) != want
    if op == "in":
        wanted = set(values)
        return lambda obj: key(obj) in wanted
    if op == "out":
        wanted = set(values)
        return lambda obj: key(obj) not in wanted
    compare = {"lt": lambda v: v < want, "le": lambda v: v <= want, "gt": lambda v: v > want, "ge": lambda v: v >= want}[op]
    return lambda obj: (v := key(obj)) is not None and compare(v)


def compile_filter(text: str, field_spec: Callable[[str], FieldSpec]) -> Callable[[Any], bool]:
    """Parse `text` and return a predicate over records. `field_spec(field)` raises FilterError for unknown fields."""
    try:
        # No length cap: the client sends long =in= lists of serials it built itself.
        tree = parse(text, max_length=None)
    except RsqlError as exc:
        raise FilterError(exc.description, exc.code) from None
    return _compile(tree, field_spec)


def _compile(node: Node, field_spec: Callable[[str], FieldSpec]) -> Callable[[Any], bool]:
    if isinstance(node, Comparison):
        return _compile_comparison(node, field_spec)
    parts = [_compile(child, field_spec) for child in node.children]
    if node.op == "and":
        return lambda obj: all(p(obj) for p in parts)
    return lambda obj: any(p(obj) for p in parts)
