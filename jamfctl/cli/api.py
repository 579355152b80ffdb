"""`jamfctl api`: any Jamf Pro (or Classic) API path, checked against Jamf's schema before anything is sent.

As `gh api`: PATH without the server (`/v1/scripts`, also `/api/v1/scripts`), `-X METHOD`, `-f key=value` (a
string) and `-F key=value` (typed: numbers, true/false, null, `@file`), which are query parameters for GET and
body fields for writes (query parameters again once `--input` gives the body). jamfctl.api_schema knows every
path, method, parameter and body; a request it refuses exits 2 before any connection is opened. Writes pass
the write gate (jamfctl.cli.writes). Output: JSON through the Renderer (redacted like every command), other
responses as text with secrets scrubbed.

No `from __future__ import annotations` here: Typer reads the annotations at run time. Only typer and the light
CLI helpers are imported at the top: `jamfctl --help` and completion stay light.
"""
import contextlib
import json
import logging
import re
from typing import Annotated, Any, NamedTuple, Optional

import typer

from jamfctl.cli.options import FieldsOpt, OutputOpt, app_context, note, renderer
from jamfctl.cli.writes import DryRunOpt, YesOpt

log = logging.getLogger("jamfctl.http")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_KEY = re.compile(r"([^\[\]=]+)((?:\[[^\[\]]*\])*)")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")


class Field(NamedTuple):
    key: str
    text: str  # as given (after @file): what a query parameter or a path segment gets
    value: Any  # what a JSON body gets: the text, or with -F a number, true/false, null
    data: bytes | None = None  # -F key=@file: the file's bytes (a multipart file part)
    filename: str | None = None


def _complete_path(ctx: typer.Context, incomplete: str) -> list[str]:
    from jamfctl import api_schema

    try:
        return api_schema.complete(incomplete, classic=bool(ctx.params.get("classic")))
    except Exception:  # noqa: BLE001 - a completion request must never print a traceback into the shell
        return []


def api(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(metavar="PATH", show_default=False, autocompletion=_complete_path,
                                        help="A path of Jamf's schema, e.g. /v1/scripts or /v1/scripts/{id}.")],
    method: Annotated[str, typer.Option("--method", "-X", metavar="METHOD", help="GET (default), POST, PUT, PATCH or DELETE.")] = "GET",
    raw_field: Annotated[Optional[list[str]], typer.Option("--raw-field", "-f", metavar="KEY=VALUE", help="A string: a query parameter for GET, a body field for writes (repeatable; fills {KEY} in PATH).")] = None,
    field: Annotated[Optional[list[str]], typer.Option("--field", "-F", metavar="KEY=VALUE", help="Like -f, typed: numbers, true, false, null; @FILE reads a file, @- stdin.")] = None,
    input_file: Annotated[Optional[str], typer.Option("--input", metavar="FILE", help="The request body from FILE (- for stdin); fields then go to the query.")] = None,
    paginate: Annotated[bool, typer.Option("--paginate", metavar="", help="Every page (page/page-size), as one list.")] = False,
    classic: Annotated[bool, typer.Option("--classic", metavar="", help="The Classic API: PATH under /JSSResource/.")] = False,
    xml: Annotated[bool, typer.Option("--xml", metavar="", help="Classic API answers in XML instead of JSON.")] = False,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    output: OutputOpt = None,
    fields: FieldsOpt = None,
) -> None:
    """Call any Jamf Pro API path, checked against Jamf's schema before anything is sent.

    Examples:\n
      jamfctl api /v1/scripts --paginate | jq length\n
      jamfctl api /v4/computers-inventory --paginate -f section=GENERAL -o ndjson\n
      jamfctl api /v1/scripts/{id} -f id=7\n
      jamfctl api -X POST /v1/categories -f name=Security -F priority=9\n
      jamfctl api --classic /computergroups/id/1 --xml
    """
    from jamfctl import validate
    from jamfctl.cli import writes

    app_ctx = app_context(ctx)
    verb = method.strip().upper()
    if verb not in METHODS:
        raise validate.ValidationError(f"unknown method {validate.shown(method)}; use one of {', '.join(METHODS)}")
    if verb != "GET":
        writes.refuse_if_read_only(app_ctx, "api")
    request, operation, page_size = _plan(app_ctx, verb, path, raw_field or [], field or [], input_file,
                                          paginate=paginate, classic=classic, xml=xml)
    selected = validate.field_paths(fields) if fields is not None else None
    if operation.confirm:
        writes.confirm(app_ctx, f"{verb} {operation.path()}", yes, dry_run)
    if dry_run:
        writes.print_dry_run(app_ctx, [_shown_request(request)])
        return
    if operation.deprecated is not None:
        since = f" since {operation.deprecated}" if operation.deprecated else ""
        note(app_ctx, f"{operation.base}{operation.template} is deprecated{since} (Jamf's schema)")
    render = renderer(app_ctx, output or "json", selected)
    client = app_ctx.client()
    if paginate:
        with _progress(app_ctx) as on_progress:
            render.many(client.paginate(request.path, list(request.params), page_size=page_size,
                                        privilege=request.privilege, on_progress=on_progress))
        return
    accept = "application/xml" if xml else ", ".join(operation.accepts) or None
    _print_response(app_ctx, render, _exchange(client, request, accept))


# --- from the command line to one checked Request ------------------------------------------------------------------
def _plan(app_ctx, verb: str, path: str, raw: list[str], typed: list[str], input_file: str | None, *,
          paginate: bool, classic: bool, xml: bool):
    """The Request `api` would send, checked against the schema: (request, operation, page size for --paginate)."""
    from urllib.parse import parse_qsl

    from jamfctl import api_schema
    from jamfctl.errors import ValidationError
    from jamfctl.writes import Request

    reader = _Reader(app_ctx)
    given = [_field(item, False, reader) for item in raw] + [_field(item, True, reader) for item in typed]
    path, given = _fill_template(path, given)
    operation = api_schema.match(verb, path, classic=classic)
    if xml and not operation.classic:
        raise ValidationError("--xml is for the Classic API (--classic or a /JSSResource/ path)")
    query = parse_qsl(api_schema.split_path(path, classic)[2], keep_blank_values=True)
    body = operation.body
    if input_file is not None or verb == "GET" or (body is None and not operation.classic):
        query += [(f.key, f.text) for f in given]
        given = []
    page_size = None
    if paginate:
        if verb != "GET" or not operation.pages:
            raise ValidationError(f"--paginate: {operation.base}{operation.template} does not page "
                                  "(no page/page-size with totalCount in Jamf's schema)")
        page_size = _page_size(query)
        query = [(k, v) for k, v in query if k != "page-size"]
    api_schema.check_query(operation, query, fixed=("page",) if paginate else ())
    if verb == "GET" and input_file is not None:
        raise ValidationError("a GET has no body; --input is for POST, PUT and PATCH")
    kwargs: dict = {}
    if input_file is not None:
        kwargs = _input_body(operation, reader.read(input_file, "--input"))
    elif given:
        kwargs = _fields_body(operation, given)
    elif operation.body_required or (operation.classic and verb in ("POST", "PUT")):
        how = "an XML document: --input FILE" if operation.classic else "-f/-F fields or --input FILE"
        raise ValidationError(f"{verb} {operation.base}{operation.template} needs a body: {how}")
    request = Request(verb, operation.path(), params=tuple(query), privilege=", ".join(operation.privileges) or None,
                      **kwargs)
    return request, operation, page_size


def _field(item: str, typed: bool, reader) -> Field:
    from jamfctl.errors import ValidationError

    key, sep, text = item.partition("=")
    if not sep or not _KEY.fullmatch(key):
        flag = "-F" if typed else "-f"
        raise ValidationError(f"{flag} takes KEY=VALUE (KEY may be name, name[] or name[inner]), not {item[:60]!r}")
    if typed and text.startswith("@"):
        data = reader.read(text[1:], f"-F {key}")
        try:
            decoded = data.decode("utf-8")
        except UnicodeDecodeError:
            decoded = None
        name = None if text == "@-" else text[1:].replace("\\", "/").rsplit("/", 1)[-1]
        return Field(key, decoded or "", decoded, data, name or key)
    if not typed:
        return Field(key, text, text)
    value: Any = {"true": True, "false": False, "null": None}.get(text, text)
    if _INTEGER.fullmatch(text):
        value = int(text)
    return Field(key, text, value)


class _Reader:
    """Files and stdin for --input and -F key=@file; stdin can be read once."""

    def __init__(self, app_ctx) -> None:
        self.app_ctx, self.stdin_used = app_ctx, False

    def read(self, name: str, what: str) -> bytes:
        from jamfctl.errors import ValidationError

        if name == "-":
            if self.stdin_used:
                raise ValidationError(f"{what}: stdin (-) can be read only once")
            self.stdin_used = True
            stream = self.app_ctx.stdin
            data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
            return data.encode("utf-8") if isinstance(data, str) else data
        try:
            with open(name, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise ValidationError(f"{what}: cannot read {name!r} ({exc.strerror or type(exc).__name__})") from None


def _fill_template(path: str, given: list[Field]) -> tuple[str, list[Field]]:
    """`/v1/scripts/{id}` with `-f id=7`: the field fills the path (and is not sent again)."""
    from jamfctl.errors import ValidationError

    names = re.findall(r"\{([^{}/]+)\}", path.partition("?")[0])
    values = {f.key: f.text for f in given if f.key in names}
    missing = [name for name in names if not values.get(name)]
    if missing:
        raise ValidationError(f"{path[:120]} has {{{missing[0]}}}: give it with -f {missing[0]}=VALUE")
    filled = re.sub(r"\{([^{}/]+)\}", lambda m: values[m.group(1)].replace("%", "%25").replace("/", "%2F"), path)
    return filled, [f for f in given if f.key not in names]


def _page_size(query: list[tuple[str, str]]) -> int | None:
    from jamfctl.errors import ValidationError

    sizes = [v for k, v in query if k == "page-size"]
    if not sizes:
        return None
    if len(sizes) > 1 or not sizes[0].isdigit() or not 1 <= int(sizes[0]) <= 2000:
        raise ValidationError("page-size must be one whole number from 1 to 2000")
    return int(sizes[0])


def _input_body(operation, data: bytes) -> dict:
    """--input: a JSON body is parsed and checked; other types are sent as they are, in the schema's type."""
    from jamfctl import api_schema
    from jamfctl.errors import ValidationError

    target = f"{operation.method} {operation.base}{operation.template}"
    if operation.classic:  # Classic: XML (or JSON); the swagger describes no bodies
        kind = "application/xml" if data.lstrip()[:1] == b"<" else "application/json"
        return {"content": data, "content_type": kind}
    body = operation.body
    if body is None:
        raise ValidationError(f"{target} takes no request body (Jamf's schema); leave out --input")
    if not body.is_json:
        return {"content": data, "content_type": body.content_type}
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationError(f"--input is not valid JSON, which {target} takes") from None
    api_schema.check_body(operation, document)
    return {"json": document, "content_type": body.content_type}


def _fields_body(operation, given: list[Field]) -> dict:
    """-f/-F fields as the body: a JSON object (name[inner] nests, name[] appends) or multipart form parts."""
    from jamfctl import api_schema
    from jamfctl.errors import ValidationError

    target = f"{operation.method} {operation.base}{operation.template}"
    if operation.classic:
        raise ValidationError("the Classic API takes an XML document: give it with --input FILE")
    body = operation.body
    if body.content_type.startswith("multipart/"):
        return _multipart(given)
    if not body.is_json or not body.type.startswith("o"):
        raise ValidationError(f"{target} takes a {body.content_type} body{' list' if body.type.startswith('a') else ''}: "
                              "give it with --input FILE")
    document: dict = {}
    for item in given:
        _assign(document, item)
    api_schema.check_body(operation, document)
    return {"json": document, "content_type": body.content_type}


def _assign(document: dict, item: Field) -> None:
    from jamfctl.errors import ValidationError

    match = _KEY.fullmatch(item.key)
    names = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
    node: Any = document
    for i, name in enumerate(names):
        last = i == len(names) - 1
        if name == "":
            if not isinstance(node, list) or not last:
                raise ValidationError(f"{item.key}: [] appends to a list and must come last")
            node.append(item.value)
            return
        if not isinstance(node, dict):
            raise ValidationError(f"{item.key} mixes a list and an object")
        if last:
            node[name] = item.value
        else:
            node = node.setdefault(name, [] if names[i + 1] == "" else {})


def _multipart(given: list[Field]) -> dict:
    import secrets

    boundary = "jamfctl-" + secrets.token_hex(12)
    chunks = []
    for item in given:
        name = item.key.replace('"', "%22")
        disposition = f'form-data; name="{name}"'
        head = ""
        if item.data is not None:
            disposition += f'; filename="{(item.filename or name).replace(chr(34), "%22")}"'
            head = "Content-Type: application/octet-stream\r\n"
        chunks += [f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{head}\r\n".encode(),
                   item.data if item.data is not None else item.text.encode(), b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return {"content": b"".join(chunks), "content_type": f"multipart/form-data; boundary={boundary}"}


def _shown_request(request):
    """What --dry-run prints: a multipart body as its size (file bytes do not belong on a terminal)."""
    import dataclasses

    if request.content is not None and (request.content_type or "").startswith("multipart/"):
        summary = f"(multipart/form-data, {len(request.content)} bytes)".encode()
        return dataclasses.replace(request, content=summary)
    return request


# --- sending and printing ---------------------------------------------------------------------------------------------
def _exchange(client, request, accept: str | None):
    """Send through the one client (auth, retries, a POST never repeated, errors mapped to exit codes) and return
    the whole response: `api` prints any content type, which JamfClient.send (JSON or None) does not return.
    A non-JSON Accept is set for this request only (not for the token request the client may make first)."""
    from jamfctl.client import TOKEN_PATH

    if request.method != "GET":
        log.debug("write: %s", _shown_request(request).shown())
    body = request.body()
    if body is not None and request.content_type:
        body = (body[0], request.content_type)
    hooks = client._http.event_hooks["request"]

    def set_accept(outgoing) -> None:
        if accept and outgoing.url.path != TOKEN_PATH:
            outgoing.headers["Accept"] = accept

    hooks.append(set_accept)
    try:
        response = client._send(request.method, request.path, params=list(request.params) or None, body=body,
                                idempotent=request.idempotent)
    finally:
        hooks.remove(set_accept)
    client._raise_for_status(response, request.method, request.path, privilege=request.privilege)
    return response


def _print_response(app_ctx, render, response) -> None:
    from jamfctl.errors import ServerError

    content = response.content
    if not content:
        return
    kind = response.headers.get("content-type", "").lower()
    if "json" in kind:
        try:
            document = json.loads(content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ServerError(f"the server sent invalid JSON for {response.request.method} "
                              f"{response.request.url.path}") from None
        if isinstance(document, dict):
            render.one(document)
        elif isinstance(document, list):
            render.many(document)
        else:
            app_ctx.stdout.write(json.dumps(document) + "\n")
        return
    if kind.startswith("text/") or "xml" in kind or "csv" in kind or "pem" in kind or not kind:
        text = content.decode(response.encoding or "utf-8", errors="replace")
        app_ctx.stdout.write(scrub_text(text, "xml" in kind))
        if not text.endswith("\n"):
            app_ctx.stdout.write("\n")
        app_ctx.stdout.flush()
        return
    if app_ctx.stdout_is_tty or not hasattr(app_ctx.stdout, "buffer"):
        note(app_ctx, f"the answer is {kind} ({len(content)} bytes); redirect stdout to a file to keep it")
        return
    app_ctx.stdout.flush()
    app_ctx.stdout.buffer.write(content)
    app_ctx.stdout.buffer.flush()


_XML_TEXT = re.compile(r"<([A-Za-z_][\w.-]*)(\s[^<>]*)?>([^<]+)</\1\s*>")


def scrub_text(text: str, xml: bool) -> str:
    """A text answer made safe to print: registered secrets and secret shapes scrubbed and, in XML, the text of
    every secret-named element redacted (the rule JSON gets, by field name)."""
    from jamfctl import redact

    if xml:
        text = _XML_TEXT.sub(lambda m: m.group(0) if not redact.is_secret_field(m.group(1)) else
                             f"<{m.group(1)}{m.group(2) or ''}>{redact.REDACTED}</{m.group(1)}>", text)
    return redact.scrub(text)


def _progress(app_ctx):
    if not app_ctx.stderr_is_tty:
        return contextlib.nullcontext(None)
    from jamfctl.cli.progress import PagingProgress

    return PagingProgress(app_ctx.stderr, label="Fetching pages", sandbox=app_ctx.is_sandbox, color=app_ctx.color)
