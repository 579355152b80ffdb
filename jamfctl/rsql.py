"""Jamf Pro's `filter` language (RSQL, as the jirutka rsql-parser behind Jamf's server reads it) and its `sort`
parameter: one grammar, checked by the client (jamfctl.validate) and evaluated by the simulator (sandbox.rsql).

Grammar: or := and (',' and)* ; and := constraint (';' constraint)* ; constraint := '(' or ')' | comparison ;
comparison := selector operator value, or for =in= and =out=: selector operator '(' value (',' value)* ')'.
A value is quoted ("..." or '...', backslash escapes the next character) or RSQL's unreserved word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple, Union

INVALID_FILTER = "INVALID_RSQL_FILTER"
OPERATORS = {"==": "eq", "!=": "ne", "=lt=": "lt", "<": "lt", "=le=": "le", "<=": "le",
             "=gt=": "gt", ">": "gt", "=ge=": "ge", ">=": "ge", "=in=": "in", "=out=": "out"}
LIST_OPERATORS = frozenset({"in", "out"})
MAX_LENGTH = 4096
# Real filters nest a few levels; the cap keeps a hostile one from exhausting Python's recursion limit.
MAX_NESTING = 50
TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<op>==|!=|=lt=|=le=|=gt=|=ge=|=in=|=out=|<=|>=|<|>)
      | (?P<punct>[();,])
      | (?P<quoted>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<word>[^\s"'();,=!~<>]+)  # RSQL's unreserved string: names like Müller, paths like a/b
    )""",
    re.VERBOSE | re.DOTALL,
)
SPACE_RE = re.compile(r"\s*")
SORT_FIELD_RE = re.compile(r"[^\s\"'();,=!~<>:]+")


class RsqlError(ValueError):
    """A filter or sort the grammar refuses. `description` is the server's wording and `code` Jamf's error code;
    `reason` and `found` (the offending input, "" for the end of it, None for none) let the client word its own."""

    def __init__(self, description: str, code: str, reason: str, found: str | None = None):
        super().__init__(description)
        self.description, self.code, self.reason, self.found = description, code, reason, found


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


class Token(NamedTuple):
    kind: str  # op, punct, quoted, word, or end
    text: str
    pos: int


def _filter_error(text: str, reason: str, found: str | None = None, pos: int | None = None) -> RsqlError:
    detail = reason if found is None else f"{reason} {found!r}" if found else f"{reason} the end"
    where = "" if pos is None else f" at position {pos}"
    return RsqlError(f"Invalid RSQL filter: {detail}{where}: {text!r}", INVALID_FILTER, reason, found)


def _tokens(text: str) -> list[Token]:
    """The tokens of a stripped filter; a character no token can start with is an error naming the rest."""
    out, pos = [], 0
    while pos < len(text):
        match = TOKEN_RE.match(text, pos)
        if not match:
            start = SPACE_RE.match(text, pos).end()
            rest = text[start:]
            raise _filter_error(text, "unbalanced quote at" if rest[0] in "\"'" else "unexpected", rest, start)
        kind = match.lastgroup
        out.append(Token(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0  # parentheses currently open around the parse position

    def peek(self) -> Token:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else Token("end", "", len(self.text))

    def at(self, punct: str) -> bool:
        return self.peek()[:2] == ("punct", punct)

    def fail(self, reason: str) -> RsqlError:
        token = self.peek()
        return _filter_error(self.text, reason, token.text, token.pos)

    def take(self, kinds: tuple[str, ...], reason: str, punct: str | None = None) -> Token:
        token = self.peek()
        if token.kind not in kinds or (punct is not None and token.text != punct):
            raise self.fail(reason)
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        if self.peek().kind != "end":
            raise self.fail("unexpected")
        return node

    def disjunction(self) -> Node:
        nodes = [self.conjunction()]
        while self.at(","):
            self.pos += 1
            nodes.append(self.conjunction())
        return nodes[0] if len(nodes) == 1 else Logical("or", tuple(nodes))

    def conjunction(self) -> Node:
        nodes = [self.constraint()]
        while self.at(";"):
            self.pos += 1
            nodes.append(self.constraint())
        return nodes[0] if len(nodes) == 1 else Logical("and", tuple(nodes))

    def constraint(self) -> Node:
        if not self.at("("):
            return self.comparison()
        if self.depth == MAX_NESTING:
            raise _filter_error(self.text, f"parentheses nested more than {MAX_NESTING} deep", None, self.peek().pos)
        self.depth += 1
        self.pos += 1
        node = self.disjunction()
        self.take(("punct",), "expected ) but found", ")")
        self.depth -= 1
        return node

    def comparison(self) -> Comparison:
        field = self.take(("word",), "expected a field name but found").text
        op = OPERATORS[self.take(("op",), "expected an operator but found").text]
        if op not in LIST_OPERATORS:
            return Comparison(field, op, (self.value(),))
        self.take(("punct",), "expected ( but found", "(")
        args = [self.value()]
        while self.at(","):
            self.pos += 1
            args.append(self.value())
        self.take(("punct",), "expected ) but found", ")")
        return Comparison(field, op, tuple(args))

    def value(self) -> str:
        token = self.take(("word", "quoted"), "expected a value but found")
        if token.kind == "word":
            return token.text
        return re.sub(r"\\(.)", r"\1", token.text[1:-1], flags=re.DOTALL)


def parse(text: str, max_length: int | None = MAX_LENGTH) -> Node:
    """The filter's syntax tree; RsqlError (INVALID_RSQL_FILTER) for anything the grammar refuses.

    `max_length` caps a filter a person typed; None for one a program built (an =in= list of many serials)."""
    text = text.strip()
    if not text:
        raise _filter_error(text, "empty expression")
    # Printable, not ASCII: Jamf holds names like "Betty Müller". isprintable() still refuses control,
    # zero-width and bidi characters, which could make a filter read differently from what it does.
    if not text.isprintable() or (max_length is not None and len(text) > max_length):
        cap = "" if max_length is None else f", at most {max_length} characters"
        raise _filter_error(text, f"use printable characters (no control or invisible ones){cap}")
    return _Parser(text).parse()


def comparisons(node: Node) -> list[Comparison]:
    """Every comparison in the tree, left to right."""
    if isinstance(node, Comparison):
        return [node]
    return [found for child in node.children for found in comparisons(child)]


def parse_sort(text: str) -> list[tuple[str, bool]]:
    """Jamf's `sort`, `field[:asc|desc][,...]` -> [(field, descending)]; a field alone sorts ascending."""
    keys = []
    for part in text.split(","):
        field, _, direction = part.strip().partition(":")
        if not SORT_FIELD_RE.fullmatch(field):
            raise RsqlError(f"Invalid field in sort: {field!r}", "INVALID_FIELD", "cannot sort by", field)
        if direction.lower() not in ("", "asc", "desc"):
            raise RsqlError(f"Invalid sort direction {direction!r} for {field!r}", "INVALID_SORT_DIRECTION",
                            "invalid sort direction", direction)
        keys.append((field, direction.lower() == "desc"))
    return keys
