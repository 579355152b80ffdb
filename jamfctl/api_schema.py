"""Jamf's API as data: which paths, methods, parameters and bodies exist (for `jamfctl api` and 403 messages).

Reads jamfctl/resources/api_index.json, a compact view of Jamf Pro 11.30.1's OpenAPI schema and of the Classic
API's swagger, made by scripts/generate_api_index.py. Only the commands that need it load it (on first use,
about a millisecond; never on `--help`), and it is read as a file so that no package is imported with it.

- `match(method, path)`: the Operation a request means, or a ValidationError (exit 2) naming the nearest valid
  paths or the methods the path has. Literal segments win over `{param}` ones (`/v1/buildings/export` is not
  building "export").
- `suggest(path)`: the nearest templates (difflib).
- `privileges_for(method, concrete_path)`: what the schema says an operation needs, [] when unknown; never raises.
- `check_query` / `check_body`: parameters and a JSON body checked against the operation.

Index letters (one string per template, operations separated by ';'): pN.N parameters, xN.N privileges (both by
position in their tables), g pages, bN body, r body required, c confirm before sending, d[DATE] deprecated,
aTYPE,TYPE non-JSON response types. Type codes: s i n b o, a+item ("as"), "" for anything.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from jamfctl.errors import ValidationError

INDEX = Path(__file__).parent / "resources" / "api_index.json"  # a file, not a package: nothing else is imported
SCHEMA_NAME = "Jamf Pro 11.30.1"
TYPE_NAMES = {"s": "a string", "i": "a whole number", "n": "a number", "b": "true or false", "o": "an object",
              "a": "a list", "": "any value"}
WHERE = {"q": "query", "p": "path", "h": "header", "c": "cookie"}
# Paths that mint, extend or end tokens. Only `jamfctl auth token` prints a token; ending the one jamfctl holds
# would break the next command. /oauth/token is jamfctl's own token path (not in the schema; /v1/oauth/token is).
TOKEN_PATHS = frozenset({"/oauth/token", "/v1/oauth/token", "/v1/auth/token", "/v1/auth/keep-alive",
                         "/auth/keepAlive", "/v1/auth/invalidate-token", "/auth/invalidateToken"})
_INT = re.compile(r"-?[0-9]{1,19}")


class Param(NamedTuple):
    name: str
    where: str  # "query", "path", "header" or "cookie"
    type: str  # a type code (see the module doc)
    required: bool
    enum: tuple[str, ...] | None = None

    def accepts(self, value: str) -> bool:
        kind = self.type[1:] if self.type.startswith("a") else self.type
        values = value.split(",") if self.type.startswith("a") else [value]
        return all(_scalar_fits(kind, v) and (not self.enum or v in self.enum) for v in values)

    def expects(self) -> str:
        if self.enum:
            return "one of " + ", ".join(self.enum)
        if self.type.startswith("a"):
            return f"{TYPE_NAMES.get(self.type[1:], 'a value')} (repeat it, or separate values with commas)"
        return TYPE_NAMES.get(self.type, "a value")


class Body(NamedTuple):
    content_type: str
    type: str  # "o" for an object, "a…" for a list, "s" for text
    closed: bool  # the schema lists every property (an unknown key is a typo)
    required: tuple[str, ...]
    properties: dict[str, tuple[str, tuple[str, ...] | None]]  # name -> (type code, enum)

    @property
    def is_json(self) -> bool:
        return "json" in self.content_type


class Operation(NamedTuple):  # NamedTuples: a tenth of a dataclass's import cost
    method: str
    template: str  # "/v1/scripts/{id}": under /api, or under /JSSResource when classic
    classic: bool = False
    values: dict[str, str] = {}  # path parameters as given, by name (never mutated)
    params: tuple[Param, ...] = ()
    privileges: tuple[str, ...] = ()
    pages: bool = False
    body: Body | None = None
    body_required: bool = False
    confirm: bool = False  # DELETE, erase, unmanage, MDM commands: ask first
    deprecated: str | None = None  # the deprecation date, or "" when the schema gives none
    accepts: tuple[str, ...] = ()  # non-JSON response types (CSV, text, images)

    @property
    def base(self) -> str:
        return "/JSSResource" if self.classic else "/api"

    def path(self) -> str:
        """The request path under the server, the template filled with the given values (percent-encoded)."""
        from urllib.parse import quote

        filled = re.sub(r"\{([^{}]+)\}", lambda m: quote(self.values[m.group(1)], safe="-._~:@!$&'()*+,;="),
                        self.template)
        return self.base + filled

    def query_params(self) -> dict[str, Param]:
        return {p.name: p for p in self.params if p.where == "query"}


# --- the index ----------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _index() -> dict:
    return json.loads(INDEX.read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def _buckets(classic: bool) -> dict[tuple[int, str], list[str]]:
    """Templates by (segment count, first segment), found without splitting them: start-up stays cheap."""
    buckets: dict[tuple[int, str], list[str]] = {}
    for template in _index()["classic" if classic else "modern"]:
        end = template.find("/", 1)
        first = template[1:end] if end > 0 else template[1:]
        buckets.setdefault((template.count("/"), "" if "{" in first else first), []).append(template)
    return buckets


@lru_cache(maxsize=256)
def _routes(classic: bool, count: int, first: str) -> list[tuple[tuple, str]]:
    """One bucket's templates split into segments: a literal str, a 1-tuple (a whole `{name}`), or
    (pattern, names) for a literal with parameters inside (Classic's `{start_date}_{end_date}`)."""
    return [(tuple(_segment_pattern(s) for s in template[1:].split("/")), template)
            for template in _buckets(classic).get((count, first), ())]


def _segment_pattern(segment: str):
    if "{" not in segment:
        return segment
    if segment[0] == "{" and segment.find("{", 1) < 0 and segment[-1] == "}":
        return (segment[1:-1],)
    pieces = [p for p in re.split(r"(\{[^{}]+\})", segment) if p]
    names = tuple(p[1:-1] for p in pieces if p.startswith("{"))
    regex = "".join(f"(?P<g{i}>.+?)" if p.startswith("{") else re.escape(p) for i, p in enumerate(pieces))
    groups = tuple(f"g{i}" for i, p in enumerate(pieces) if p.startswith("{"))
    return re.compile(regex), tuple(zip(names, groups))


def _lookup(segments: tuple[str, ...], classic: bool) -> tuple[str, dict[str, str]] | None:
    """The most specific template matching `segments`: per segment, from the first, a literal beats a literal
    with a parameter inside, which beats a whole parameter."""
    best = None
    for parts, template in [*_routes(classic, len(segments), segments[0]), *_routes(classic, len(segments), "")]:
        values: dict[str, str] = {}
        rank = []
        for part, segment in zip(parts, segments):
            if isinstance(part, str):
                if part != segment:
                    break
                rank.append(0)
            elif len(part) == 1:
                values[part[0]] = segment
                rank.append(2)
            else:
                found = part[0].fullmatch(segment)
                if found is None:
                    break
                values.update((name, found.group(group)) for name, group in part[1])
                rank.append(1)
        else:
            if best is None or rank < best[0]:
                best = (rank, template, values)
    return (best[1], best[2]) if best else None


def _methods(template: str, classic: bool) -> dict[str, list[str]]:
    entry = _index()["classic" if classic else "modern"][template]
    return {words[0]: words[1:] for words in (op.split(" ") for op in entry.split(";"))}


def _operation(method: str, template: str, words: list[str], classic: bool, values: dict[str, str]) -> Operation:
    index = _index()
    fields: dict = {"params": (), "privileges": ()}
    for word in words:
        letter, rest = word[0], word[1:]
        if letter == "p":
            fields["params"] = tuple(_param(index["params"][int(n)]) for n in rest.split("."))
        elif letter == "x":
            fields["privileges"] = tuple(index["privileges"][int(n)] for n in rest.split("."))
        elif letter == "b":
            fields["body"] = _body(index["bodies"][int(rest)])
        elif letter == "a":
            fields["accepts"] = tuple(rest.split(","))
        elif letter == "d":
            fields["deprecated"] = rest
        else:
            fields[{"g": "pages", "r": "body_required", "c": "confirm"}[letter]] = True
    return Operation(method, template, classic, values, **fields)


def _param(row: list) -> Param:
    name, where, kind, required, *enum = row
    return Param(name, WHERE[where], kind, bool(required), tuple(enum[0]) if enum else None)


def _body(row: list) -> Body:
    content_type, kind, closed, required, props = row
    properties = {}
    for item in props.split("|") if props else ():
        name, _, code = item.partition(":")
        code, _, values = code.partition("=")
        properties[name] = (code, tuple(values.split(",")) if values else None)
    return Body(content_type, kind, bool(closed), tuple(required.split(",")) if required else (), properties)


# --- paths as users give them ---------------------------------------------------------------------------------
def split_path(path: str, classic: bool = False) -> tuple[tuple[str, ...], bool, str]:
    """(decoded segments under /api or /JSSResource, classic, the query string) of a PATH as given to `api`:
    `/v1/scripts`, `v1/scripts`, `/api/v1/scripts?page=0`; a /JSSResource/ path is Classic whatever `classic` says."""
    if "://" in path or path.startswith("//"):
        raise ValidationError(f"give a path on the server, such as /v1/scripts, not a URL ({path[:80]!r}); "
                              "jamfctl adds the server's address")
    raw, _, query = path.partition("?")
    pieces = [unquote(p, errors="strict") for p in raw.strip().strip("/").split("/")] if raw.strip("/ ") else []
    if pieces[:1] == ["JSSResource"]:
        pieces, classic = pieces[1:], True
    elif pieces[:1] == ["api"] and not classic:
        pieces = pieces[1:]
    bad = next((p for p in pieces if p in ("", ".", "..") or "/" in p or not p.isprintable()), None)
    if bad is not None:
        shown = {"": "an empty segment (//)", ".": "'.'", "..": "'..'"}.get(bad, repr(bad))
        raise ValidationError(f"the path {path[:120]!r} has {shown} in it; give each segment once, as the schema does")
    return tuple(pieces), classic, query


def match(method: str, path: str, *, classic: bool = False) -> Operation:
    """The operation `method path` means in the schema; a ValidationError (exit 2) when it has none."""
    segments, classic, _ = split_path(path, classic)
    shown = "/" + "/".join(segments)
    base = "/JSSResource" if classic else ""
    if not classic and shown in TOKEN_PATHS:
        raise ValidationError(f"`jamfctl api` does not call {shown}: it mints or ends access tokens. "
                              "`jamfctl auth token` prints one for other tools")
    found = _lookup(segments, classic) if segments else None
    if found is None:
        near = suggest(path, classic=classic)
        where = "the Classic API" if classic else f"the {SCHEMA_NAME} API schema"
        hint = f"; nearest: {', '.join(base + s for s in near)}" if near else "; `jamfctl api` completes paths (TAB)"
        raise ValidationError(f"{base}{shown} is not a path in {where}{hint}")
    template, values = found
    methods = _methods(template, classic)
    method = method.upper()
    if method not in methods:
        raise ValidationError(f"{base}{template} has no {method} in the schema; it takes {', '.join(methods)}")
    operation = _operation(method, template, methods[method], classic, values)
    for param in operation.params:
        if param.where == "path" and param.name in values and not param.accepts(values[param.name]):
            raise ValidationError(f"{{{param.name}}} in {base}{template} must be {param.expects()}, "
                                  f"not {values[param.name][:60]!r}")
    return operation


def suggest(path: str, *, classic: bool = False, n: int = 5) -> list[str]:
    """Templates nearest to `path`; a template's `{param}`s count as the user's own segments there."""
    try:
        segments, classic, _ = split_path(path, classic)
    except ValidationError:
        return []
    import difflib

    wanted = "/" + "/".join(segments)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(wanted)
    scored = []
    for template in _index()["classic" if classic else "modern"]:
        parts = template.strip("/").split("/")
        if len(parts) == len(segments):
            parts = [s if "{" in p else p for p, s in zip(parts, segments)]
        matcher.set_seq1("/" + "/".join(parts))
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            score = matcher.ratio()
            if score >= 0.6:
                scored.append((-score, template))
    scored.sort()
    return [template for score, template in scored[:n] if score <= scored[0][0] + 0.15]


def privileges_for(method: str, concrete_path: str) -> list[str]:
    """The privileges Jamf's schema names for `method concrete_path` (e.g. "GET", "/api/v1/scripts/7"):
    [] when the schema names none or does not know the request. Cheap after the first call; never raises."""
    try:
        if "://" in concrete_path:
            concrete_path = urlsplit(concrete_path).path
        segments, classic, _ = split_path(concrete_path)
        found = None if classic else _lookup(segments, False)
        if found is None:
            return []
        words = _methods(found[0], False).get(method.upper())
        ids = next((w[1:] for w in words or () if w.startswith("x")), "")
        return [_index()["privileges"][int(n)] for n in ids.split(".")] if ids else []
    except Exception:  # noqa: BLE001 - a 403 message must never fail because of this
        return []


def complete(incomplete: str, *, classic: bool = False) -> list[str]:
    """Shell completion for PATH: templates continuing what is typed, with the values already typed kept."""
    prefix = "/api" if incomplete.startswith("/api/") else ""
    if incomplete.startswith("/JSSResource/"):
        prefix, classic = "/JSSResource", True
    typed = incomplete[len(prefix):].lstrip("/").split("/")
    done, last = typed[:-1], typed[-1]
    out = []
    for template in _index()["classic" if classic else "modern"]:
        parts = template.strip("/").split("/")
        if len(parts) < len(typed):
            continue
        if all(p == s or "{" in p for p, s in zip(parts, done)) and (parts[len(done)].startswith(last) or
                                                                     ("{" in parts[len(done)] and last)):
            kept = [s if "{" in p else p for p, s in zip(parts, done)]
            out.append(prefix + "/" + "/".join(kept + parts[len(done):]))
    return sorted(dict.fromkeys(out))


# --- parameters and bodies ----------------------------------------------------------------------------------------
def check_query(operation: Operation, pairs: list[tuple[str, str]], *, fixed: tuple[str, ...] = ()) -> None:
    """Every query parameter known to the operation, well typed, given once unless it is a list, and every
    required one present. `fixed` names parameters jamfctl sets itself (page, for --paginate)."""
    known = operation.query_params()
    where = f"{operation.base}{operation.template}"
    seen: dict[str, int] = {}
    for name, value in pairs:
        if name in fixed:
            raise ValidationError(f"{name} is set by --paginate; leave it out")
        param = known.get(name)
        if param is None:
            import difflib

            near = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(near)}?" if near else ""
            valid = ", ".join(known) or "none"
            raise ValidationError(f"{where} ({operation.method}) has no query parameter {name!r}.{hint} Valid: {valid}")
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1 and not param.type.startswith("a"):
            raise ValidationError(f"{name} is given more than once; {where} takes one value")
        if not param.accepts(value):
            raise ValidationError(f"{name} must be {param.expects()}, not {value[:60]!r}")
    missing = [p.name for p in known.values() if p.required and p.name not in seen and p.name not in fixed]
    if missing:
        raise ValidationError(f"{where} ({operation.method}) needs {', '.join(missing)} (-f NAME=VALUE)")


def check_body(operation: Operation, data) -> None:
    """A JSON body against the request schema's top level: its type, required keys, known keys, value types."""
    body = operation.body
    if body is None:
        return
    what = f"the body of {operation.method} {operation.base}{operation.template}"
    if body.type == "o" and not isinstance(data, dict):
        raise ValidationError(f"{what} must be a JSON object")
    if body.type.startswith("a") and not isinstance(data, list):
        raise ValidationError(f"{what} must be a JSON list")
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key not in body.properties:
            if body.closed:
                import difflib

                near = difflib.get_close_matches(key, list(body.properties), n=3, cutoff=0.5)
                hint = f"Did you mean {', '.join(near)}? " if near else ""
                raise ValidationError(f"{what} has no field {key!r}. {hint}Valid: {', '.join(body.properties)}")
            continue
        kind, values = body.properties[key]
        if value is not None and not _json_fits(kind, value):
            raise ValidationError(f"{key} in {what} must be {TYPE_NAMES.get(kind[:1], 'a value')}, not "
                                  f"{type(value).__name__} (-F sends numbers, true/false and null typed)")
        if values and value is not None and value not in values:
            raise ValidationError(f"{key} in {what} must be one of {', '.join(values)}, not {str(value)[:60]!r}")
    missing = [key for key in body.required if key not in data]
    if missing:
        raise ValidationError(f"{what} needs {', '.join(missing)}")


def _scalar_fits(kind: str, text: str) -> bool:
    if kind == "i":
        return _INT.fullmatch(text) is not None
    if kind == "n":
        try:
            return float(text) == float(text) and abs(float(text)) != float("inf")
        except ValueError:
            return False
    if kind == "b":
        return text in ("true", "false")
    return True


def _json_fits(kind: str, value) -> bool:
    if kind == "s":
        return isinstance(value, str)
    if kind == "i":
        return type(value) is int
    if kind == "n":
        return type(value) in (int, float)
    if kind == "b":
        return isinstance(value, bool)
    if kind == "o":
        return isinstance(value, dict)
    if kind.startswith("a"):
        return isinstance(value, list)
    return True
