"""An RSQL parser and typed evaluator for Jamf Pro API `filter` parameters.

Grammar: or := and (',' and)* ; and := constraint (';' constraint)* ; constraint := '(' or ')' | comparison ;
comparison := selector operator (value | '(' value (',' value)* ')').
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Union

# Field kinds: they decide how a literal is parsed and how values compare.
STRING, INT, BOOL, DATETIME, DATE, VERSION = "string", "int", "bool", "datetime", "date", "version"

OPERATORS = {"==": "eq", "!=": "ne", "=lt=": "lt", "<": "lt", "=le=": "le", "<=": "le",
             "=gt=": "gt", ">": "gt", "=ge=": "ge", ">=": "ge", "=in=": "in", "=out=": "out"}
_OPERATOR_RE = re.compile(r"==|!=|=[A-Za-z]*=|<=|>=|<|>")
_RESERVED = set("\"'();,=!~<> \t\r\n")
# Real filters nest a few levels; the cap keeps a hostile one from exhausting Python's recursion limit
# (parse and compile recurse once per level), which would otherwise end the request without an answer.
MAX_NESTING = 50
_ORDERING = {"lt": "=lt=", "le": "=le=", "gt": "=gt=", "ge": "=ge="}


class FilterError(ValueError):
    """A filter the server rejects (HTTP 400). `code` is the Jamf-style error code."""

    def __init__(self, description: str, code: str = "INVALID_RSQL_FILTER"):
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str  # one of OPERATORS' values
    args: tuple[str, ...]


@dataclass(frozen=True)
class Logical:
    op: str  # "and" | "or"
    children: tuple["Node", ...]


Node = Union[Comparison, Logical]


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    getter: Callable[[Any], Any]  # returns the value already normalised for `kind` (see normalise)
    # The value as the record serves it, which a `*` wildcard matches; None (unknown) for a null or, outside
    # strings, an empty value. Only needed for non-string kinds: a string getter already returns the text.
    text: Callable[[Any], str | None] | None = None


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.depth = 0  # parentheses currently open around the parse position

    def fail(self, what: str) -> FilterError:
        return FilterError(f"Invalid RSQL filter: {what} at position {self.pos}: {self.text!r}")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> Node:
        if not self.text.strip():
            raise FilterError("Invalid RSQL filter: empty expression")
        node = self.parse_or()
        if self.peek():
            raise self.fail(f"unexpected {self.peek()!r}")
        return node

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while self.peek() == ",":
            self.pos += 1
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Logical("or", tuple(nodes))

    def parse_and(self) -> Node:
        nodes = [self.parse_constraint()]
        while self.peek() == ";":
            self.pos += 1
            nodes.append(self.parse_constraint())
        return nodes[0] if len(nodes) == 1 else Logical("and", tuple(nodes))

    def parse_constraint(self) -> Node:
        if self.peek() == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.fail(f"parentheses nested more than {MAX_NESTING} deep")
            self.pos += 1
            node = self.parse_or()
            if self.peek() != ")":
                raise self.fail("missing ')'")
            self.pos += 1
            self.depth -= 1
            return node
        return self.parse_comparison()

    def parse_comparison(self) -> Comparison:
        self.skip_ws()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _RESERVED:
            self.pos += 1
        field = self.text[start:self.pos]
        if not field:
            raise self.fail("expected a field name")
        self.skip_ws()
        match = _OPERATOR_RE.match(self.text, self.pos)
        if not match:
            raise self.fail(f"expected an operator after {field!r}")
        if match.group() not in OPERATORS:
            raise self.fail(f"unknown operator {match.group()!r}")
        op = OPERATORS[match.group()]
        self.pos = match.end()
        if self.peek() == "(":
            self.pos += 1
            args = [self.parse_value()]
            while self.peek() == ",":
                self.pos += 1
                args.append(self.parse_value())
            if self.peek() != ")":
                raise self.fail("missing ')' after value list")
            self.pos += 1
        else:
            args = [self.parse_value()]
        if len(args) > 1 and op not in ("in", "out"):
            raise self.fail(f"operator {match.group()!r} takes a single value")
        return Comparison(field, op, tuple(args))

    def parse_value(self) -> str:
        quote = self.peek()
        if quote in ("'", '"'):
            self.pos += 1
            out = []
            while self.pos < len(self.text):
                ch = self.text[self.pos]
                if ch == "\\" and self.pos + 1 < len(self.text):
                    out.append(self.text[self.pos + 1])
                    self.pos += 2
                    continue
                if ch == quote:
                    self.pos += 1
                    return "".join(out)
                out.append(ch)
                self.pos += 1
            raise self.fail("unterminated quoted value")
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _RESERVED:
            self.pos += 1
        if start == self.pos:
            raise self.fail("expected a value")
        return self.text[start:self.pos]


def parse(text: str) -> Node:
    return _Parser(text).parse()


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


def _compile_comparison(node: Comparison, resolve: Callable[[str], FieldSpec]) -> Callable[[Any], bool]:
    spec = resolve(node.field)
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


def compile_filter(text: str, resolve: Callable[[str], FieldSpec]) -> Callable[[Any], bool]:
    """Parse `text` and return a predicate over records. `resolve(field)` raises FilterError for unknown fields."""

    def build(node: Node) -> Callable[[Any], bool]:
        if isinstance(node, Comparison):
            return _compile_comparison(node, resolve)
        parts = [build(child) for child in node.children]
        if node.op == "and":
            return lambda obj: all(p(obj) for p in parts)
        return lambda obj: any(p(obj) for p in parts)

    return build(parse(text))
