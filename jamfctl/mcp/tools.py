"""The MCP tools of `jamfctl mcp serve`, generated from the declarations (jamfctl.specs), and how each runs.

For every noun: `<noun>_list` and `<noun>_show` (and `<noun>_members` where the noun has it), with the options
its ResourceSpec allows; then `computer_health` and `report_security` (jamfctl.mcp.insight). Nothing else: no
secret on request (filevault, laps, lock-pin, recovery-lock), no MDM action, no write, no `api`, no token.
Arguments pass the CLI's own validators (jamfctl.validate, the catalogues' filter, sort and field lists) before
any request; results are the `-o json` output (jamfctl.output.Renderer, which redacts, with no reveal); errors
are the CLI's messages with their exit-code kind.

No MCP SDK here (jamfctl.mcp.server speaks the protocol), so `jamfctl commands` can read the tools' privileges.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from jamfctl import specs as declarations
from jamfctl.specs import ResourceSpec

DEFAULT_LIMIT = 50  # a tool's answer goes into a model's context: small by default, bounded always
MAX_LIMIT = 500
MAX_RESULT_CHARS = 2_000_000  # ~ what 500 computers with their default sections take; more is refused
MAX_ARRAY = 50  # fields, sections


@dataclass(frozen=True)
class Tool:
    name: str  # computer_list
    verb: str  # list, show, members
    specs: tuple[ResourceSpec, ...]  # the noun's kinds, the default first (group: computer, mobile)
    description: str
    input_schema: dict
    cli_command: str = ""  # the CLI command it mirrors, when not `NOUN VERB`

    @property
    def command(self) -> str:
        """The CLI command this tool mirrors: `computer list`."""
        return self.cli_command or f"{self.specs[0].noun} {self.verb}"


def tools() -> tuple[Tool, ...]:
    from jamfctl.mcp import insight

    out = []
    for noun, kinds in declarations.nouns().items():
        out.append(_list_tool(noun, kinds))
        out.append(_show_tool(noun, kinds))
        if "members" in kinds[0].verbs:
            out.append(_members_tool(noun, kinds))
    return (*out, *insight.tools(Tool, _limit_property("records")))


def by_name() -> dict[str, Tool]:
    return {tool.name: tool for tool in tools()}


def _tool_name(noun: str, verb: str) -> str:
    return f"{noun.replace('-', '_')}_{verb}"


# --- input schemas ----------------------------------------------------------------------------------------
def _string(description: str, max_length: int = 1000) -> dict:
    return {"type": "string", "description": description, "maxLength": max_length}


def _strings(description: str, items: dict | None = None) -> dict:
    return {"type": "array", "items": items or {"type": "string"}, "maxItems": MAX_ARRAY, "description": description}


def _fields_property(spec: ResourceSpec, show: bool) -> dict:
    from jamfctl.resources import collection

    sample = ", ".join(collection.fields(spec, show)[:6])
    return _strings(f"Dot paths to keep in each record (e.g. {sample}); an unknown one is refused, listing valid ones.")


def _sections_property(spec: ResourceSpec, show: bool) -> dict | None:
    from jamfctl.resources import collection

    default = spec.show_sections if show else spec.list_sections
    if not default:
        return None
    names = [*collection.catalogue(spec.name)["sections"], "ALL"]
    return _strings(f"Inventory sections to fetch besides the default ({', '.join(default)}).",
                    {"type": "string", "enum": names})


def _kind_property(kinds: tuple[ResourceSpec, ...]) -> dict | None:
    if len(kinds) < 2:
        return None
    return {"type": "boolean", "default": False,
            "description": f"true: {kinds[1].plural} instead of {kinds[0].plural}."}


def _limit_property(what: str) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT,
            "description": f"At most this many {what} (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})."}


def _schema(properties: dict[str, dict | None]) -> dict:
    return {"type": "object", "properties": {k: v for k, v in properties.items() if v is not None},
            "additionalProperties": False}


def _list_tool(noun: str, kinds: tuple[ResourceSpec, ...]) -> Tool:
    from jamfctl.resources import collection

    spec = kinds[0]
    filters, sorts = collection.filter_fields(spec), collection.sort_fields(spec)
    example = spec.name_filter if spec.name_filter in filters else (filters or [""])[0]
    properties = {
        "filter": _string(f"RSQL filter, e.g. {example}==\"ENG*\"; operators == != =lt= =le= =gt= =ge= =in=(a,b) "
                          f"=out=(a,b), ; for and, , for or (fields: {', '.join(filters[:8])}, ...).")
        if filters else None,
        "name": _string("Name pattern; * matches anything, e.g. 'ENG-*'.", 255),
        "sort": _string(f"FIELD:asc or FIELD:desc (fields: {', '.join(sorts[:8])}, ...).", 200) if sorts else None,
        "limit": _limit_property("records"),
        "sections": _sections_property(spec, show=False),
        "fields": _fields_property(spec, show=False),
        "mobile": _kind_property(kinds),
    }
    description = (f"List {spec.plural} in Jamf Pro (read-only). {spec.summary} At most {MAX_LIMIT} records "
                   f"(default {DEFAULT_LIMIT}); the result is a JSON array, secrets redacted.")
    return Tool(_tool_name(noun, "list"), "list", kinds, description, _schema(properties))


def _show_tool(noun: str, kinds: tuple[ResourceSpec, ...]) -> Tool:
    spec = kinds[0]
    lookup = spec.lookup
    properties = {
        lookup_argument(spec): _string(f"{lookup.what.capitalize()}, e.g. {lookup.example}.", 255) if lookup else None,
        "id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "description": "Jamf id."},
        "name": _string("Exact name.", 255),
        "sections": _sections_property(spec, show=True),
        "fields": _fields_property(spec, show=True),
        "mobile": _kind_property(kinds),
    }
    by = f"{lookup_argument(spec)}, id or name" if lookup else "id or name"
    description = (f"Show one {spec.singular} from Jamf Pro (read-only), found by exactly one of {by}. "
                   "The result is a JSON object, secrets redacted.")
    return Tool(_tool_name(noun, "show"), "show", kinds, description, _schema(properties))


def _members_tool(noun: str, kinds: tuple[ResourceSpec, ...]) -> Tool:
    from jamfctl.resources import collection

    spec = kinds[0]
    sample = ", ".join(collection.hook(spec, "member_fields")(spec)[:5])
    properties = {
        "id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "description": "The group's Jamf id."},
        "name": _string("The group's exact name.", 255),
        "limit": _limit_property("members"),
        "fields": _strings(f"Fields to keep in each member record (e.g. {sample})."),
        "mobile": _kind_property(kinds),
    }
    description = (f"List the members of one {spec.singular} (found by exactly one of id or name) from Jamf Pro "
                   "(read-only): a JSON array.")
    return Tool(_tool_name(noun, "members"), "members", kinds, description, _schema(properties))


def lookup_argument(spec: ResourceSpec) -> str:
    """The show tool's key argument, named as the CLI's positional: `serial`, `username`."""
    return spec.lookup.metavar.lower() if spec.lookup else ""


# --- what `jamfctl commands` says about `mcp serve` -----------------------------------------------------------
def privileges() -> list[str]:
    """Every privilege some tool may need (a role lacking one still serves the others)."""
    from jamfctl.mcp import insight
    from jamfctl.resources import collection

    out: list[str] = []
    for tool in tools():
        if tool.verb in insight.PRIVILEGES:
            out += [name for name in insight.PRIVILEGES[tool.verb] if name not in out]
            continue
        for spec in tool.specs:
            key = "list_privileges" if tool.verb == "list" else "show_privileges"
            names = list(spec.classic_privileges) if spec.api == "classic" else collection.catalogue(spec.name)[key]
            if tool.verb == "members" and spec.variant == "mobile":
                names = [*names, "Read Mobile Devices"]
            out += [name for name in names if name not in out]
    return out


def endpoints() -> list[str]:
    from jamfctl.mcp import insight

    out: list[str] = []
    for tool in tools():
        if tool.verb in insight.ENDPOINTS:
            out += [endpoint for endpoint in insight.ENDPOINTS[tool.verb] if endpoint not in out]
            continue
        for spec in tool.specs:
            paths = [spec.list_path]
            if tool.verb == "show":
                paths += [p for p in (spec.item_path, *spec.detail_paths) if p]
            if tool.verb == "members":
                paths.append(spec.members_path or "/JSSResource/computergroups/id/{id}")
            out += [f"GET {p}" for p in paths if f"GET {p}" not in out]
    return out


# --- running a tool ---------------------------------------------------------------------------------------------
class ResultTooLarge(Exception):
    pass


class _Bounded(io.StringIO):
    """The renderer's stdout, refusing to grow past MAX_RESULT_CHARS (a model's context is not a file)."""

    def write(self, text: str) -> int:
        if self.tell() + len(text) > MAX_RESULT_CHARS:
            raise ResultTooLarge()
        return super().write(text)


def call(client, name: str, arguments: Any) -> list[str]:
    """Run one tool: its texts (the JSON result, then any note), or a JamfctlError with the CLI's message."""
    from jamfctl.errors import UsageError
    from jamfctl.mcp import run

    tool = by_name().get(name) if isinstance(name, str) else None
    if tool is None:
        raise UsageError(f"no tool named {_shown(name)}; this server has: {', '.join(sorted(by_name()))}")
    args = checked_arguments(tool, arguments)
    try:
        return run.run(client, tool, args, _Bounded())
    except ResultTooLarge:
        raise UsageError(f"the answer would be larger than {MAX_RESULT_CHARS} characters; ask for fewer records "
                         "(limit, filter), fields or sections") from None


def _shown(value: Any) -> str:
    from jamfctl import validate

    return validate.shown(value) if isinstance(value, str) else type(value).__name__


_TYPES = {"string": (str,), "integer": (int,), "boolean": (bool,), "array": (list,)}
_WHAT = {"string": "a string", "integer": "a whole number", "boolean": "true or false",
         "array": "a list of at most {} strings (of at most 200 characters each)"}


def checked_arguments(tool: Tool, arguments: Any) -> dict[str, Any]:
    """The arguments, each of a declared name and type (bounds and formats are jamfctl.validate's, later)."""
    from jamfctl.errors import ValidationError

    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise ValidationError(f"{tool.name}: arguments must be an object")
    properties = tool.input_schema["properties"]
    out = {}
    for key, value in arguments.items():
        declared = properties.get(key)
        if declared is None:
            raise ValidationError(f"{tool.name} has no argument {_shown(key)}; it takes: {', '.join(properties)}")
        if value is None:
            continue
        expected = declared["type"]
        ok = isinstance(value, _TYPES[expected]) and not (expected == "integer" and isinstance(value, bool))
        if ok and expected == "array":
            ok = len(value) <= MAX_ARRAY and all(isinstance(item, str) and len(item) <= 200 for item in value)
        if ok and expected == "string" and len(value) > declared["maxLength"]:
            raise ValidationError(f"{tool.name}: {key} is too long ({len(value)} characters; at most "
                                  f"{declared['maxLength']})")
        if not ok:
            what = _WHAT[expected].format(MAX_ARRAY)
            raise ValidationError(f"{tool.name}: {key} must be {what}")
        out[key] = value
    return out


def error_text(error) -> str:
    """A JamfctlError as the CLI's `-o json` error line says it (message scrubbed of any known secret)."""
    from jamfctl import redact

    return json.dumps({"error": error.kind, "message": redact.scrub(error.message), "exit_code": error.exit_code})
