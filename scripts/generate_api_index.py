"""Regenerate the two compact views of Jamf's schema files that `jamfctl api` and the sandbox ship with.

    python scripts/generate_api_index.py [path/to/shared/jamf-api]

- jamfctl/resources/api_index.json (read by jamfctl.api_schema): per path template and method of the Jamf Pro
  API and of the Classic API's swagger, the parameters (name, where, type, enum, required), whether the
  operation pages (page/page-size + totalCount/results), the request body (content type, required top-level
  keys, top-level property types), x-required-privileges, deprecation, non-JSON response types and whether
  `api` asks before sending it. Strings that repeat (privileges, parameters, bodies) are stored once.
- jamfctl/sandbox/generic.json (read by jamfctl.sandbox.generic): per template and method, the success status,
  a minimal schema-valid example answer (required properties filled from type, format and enum, plus the
  top-level scalars; lists empty unless minItems), its content type, and what a 400 is checked on.

Neither jamfctl nor the sandbox reads ../shared at run time; tests/test_api.py keeps both files equal to a
fresh build.
"""
from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "jamf-api"
INDEX_OUT = ROOT / "jamfctl" / "resources" / "api_index.json"
SANDBOX_OUT = ROOT / "jamfctl" / "sandbox" / "generic.json"
MODERN_FILE = "jamf-pro-api-schema-11.30.1.json"
CLASSIC_FILE = "classic-api-swagger-11.30.1.yaml"
METHODS = ("get", "post", "put", "patch", "delete")
WHERE = {"query": "q", "path": "p", "header": "h", "cookie": "c"}
TYPES = {"string": "s", "integer": "i", "number": "n", "boolean": "b", "object": "o", "array": "a"}
# Writes `api` confirms (besides every DELETE): they erase, unmanage, disown, or act on devices.
CONFIRM = re.compile(r"/(erase|remove-mdm-profile|unmanage|delete-multiple|delete-all|disown|revoke-licenses)$"
                     r"|^/v[0-9]+/mdm/commands$|^/(computercommands|mobiledevicecommands)/")
# The Classic swagger lists only GET for many .../name/{name} paths whose description adds the writes.
CLASSIC_ALSO = re.compile(r"You can ((?:PUT|POST|DELETE)(?:,? (?:and )?(?:PUT|POST|DELETE))*) using this resource URL")
EXAMPLE_DEPTH = 12


class Schema:
    def __init__(self, document: dict):
        self.components = document["components"]["schemas"]
        self.parameters = document["components"].get("parameters", {})

    def resolve(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[1]]
        return node

    def merged(self, node: dict) -> dict:
        """allOf merged into one object (properties and required); oneOf/anyOf: the union of the variants."""
        node = self.resolve(node)
        parts = node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", [])
        if not parts:
            return node
        out = {k: v for k, v in node.items() if k not in ("allOf", "oneOf", "anyOf")}
        props, required = dict(node.get("properties", {})), list(node.get("required", []))
        for part in parts:
            sub = self.merged(part)
            out.setdefault("type", sub.get("type"))
            for name, value in sub.get("properties", {}).items():
                props.setdefault(name, value)
            if part in node.get("allOf", []):
                required += [r for r in sub.get("required", []) if r not in required]
        if props:
            out["properties"] = props
        if required:
            out["required"] = required
        return out

    def code(self, node: dict) -> str:
        """A one- or two-letter type: s i n b o, a+item ('as'); '' when the schema says nothing."""
        node = self.merged(node)
        kind = TYPES.get(node.get("type") or ("object" if "properties" in node else ""), "")
        if kind == "a":
            return "a" + self.code(node.get("items") or {})
        return kind

    def enum(self, node: dict) -> list | None:
        node = self.merged(node)
        if node.get("type") == "array":
            node = self.merged(node.get("items") or {})
        return list(node["enum"]) if "enum" in node else None


# --- the index `jamfctl api` reads ------------------------------------------------------------------------------
class Interned:
    """A table of values stored once; operations refer to them by position."""

    def __init__(self) -> None:
        self.values: list = []
        self._at: dict[str, int] = {}

    def __call__(self, value) -> int:
        key = json.dumps(value, sort_keys=True)
        if key not in self._at:
            self._at[key] = len(self.values)
            self.values.append(value)
        return self._at[key]


def _operation_params(schema: Schema, path_item: dict, op: dict) -> list[dict]:
    params = {}
    for raw in [*path_item.get("parameters", []), *op.get("parameters", [])]:
        param = schema.parameters[raw["$ref"].rsplit("/", 1)[1]] if "$ref" in raw else raw
        params[(param["name"], param["in"])] = param
    return list(params.values())


def _success(op: dict) -> tuple[str, dict]:
    for code in sorted(op.get("responses", {})):
        if code.startswith("2"):
            return code, op["responses"][code]
    return "200", {}


def _json_schema(content: dict) -> dict | None:
    for kind, media in (content or {}).items():
        if "json" in kind:
            return media.get("schema") or {}
    return None


def _pages(schema: Schema, names: set[str], op: dict) -> bool:
    body = _json_schema(_success(op)[1].get("content"))
    props = schema.merged(body).get("properties", {}) if body is not None else {}
    return {"page", "page-size"} <= names and {"totalCount", "results"} <= set(props)


def _body(schema: Schema, request: dict) -> dict:
    content = request.get("content") or {}
    kind = next(iter(content), "application/json")
    node = schema.merged((content.get(kind) or {}).get("schema") or {})
    props = {}
    for name, prop in node.get("properties", {}).items():
        values = schema.enum(prop) if schema.code(prop) == "s" else None
        props[name] = (schema.code(prop), values)
    return {"ct": kind, "t": schema.code(node), "closed": "properties" in node and not node.get("additionalProperties"),
            "req": list(node.get("required", [])), "props": props}


def _body_row(body: dict) -> list:
    """[content type, type, closed, "required,keys", "name:code|name:s=A,B"]: cheap to load, read when used."""
    props = []
    for name, (code, values) in body["props"].items():
        assert not any(ch in name for ch in ":|="), name
        assert not any(ch in str(v) for v in values or () for ch in ",|"), values
        props.append(f"{name}:{code}" + ("=" + ",".join(values) if values else ""))
    return [body["ct"], body["t"], 1 if body["closed"] else 0, ",".join(body["req"]), "|".join(props)]


def _encode(ops: dict[str, dict]) -> str:
    """One template's operations as "GET p1.6 x177 g;POST x178 b86 r" (see jamfctl.api_schema for the letters)."""
    parts = []
    for method, op in ops.items():
        words = [method]
        for key in ("p", "x"):
            if op.get(key):
                words.append(key + ".".join(map(str, op[key])))
        words += [letter for key, letter in (("pg", "g"), ("br", "r"), ("c", "c")) if op.get(key)]
        if "b" in op:
            words.append(f"b{op['b']}")
        if op.get("d"):
            words.append(f"d{op['d'] if op['d'] != 1 else ''}")
        if op.get("a"):
            words.append("a" + ",".join(op["a"]))
        parts.append(" ".join(words))
    return ";".join(parts)


def modern_index(document: dict, privileges: Interned, params: Interned, bodies: Interned) -> dict:
    schema = Schema(document)
    out: dict = {}
    for template, item in document["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            entry: dict = {}
            names = set()
            refs = []
            for param in _operation_params(schema, item, op):
                names.add(param["name"])
                kind = param.get("schema") or {}
                row = [param["name"], WHERE[param["in"]], schema.code(kind), 1 if param.get("required") else 0]
                values = schema.enum(kind)
                if values:
                    row.append(values)
                refs.append(params(row))
            if refs:
                entry["p"] = refs
            if op.get("x-required-privileges"):
                entry["x"] = [privileges(name) for name in op["x-required-privileges"]]
            if method == "get" and _pages(schema, names, op):
                entry["pg"] = 1
            if "requestBody" in op:
                entry["b"] = bodies(_body_row(_body(schema, op["requestBody"])))
                if op["requestBody"].get("required"):
                    entry["br"] = 1
            if op.get("deprecated") or op.get("x-deprecation-date"):
                entry["d"] = op.get("x-deprecation-date") or 1
            kinds = list((_success(op)[1].get("content") or {}))
            if kinds and not any("json" in kind for kind in kinds):
                entry["a"] = kinds
            if method == "delete" or (method != "get" and CONFIRM.search(template)):
                entry["c"] = 1
            out.setdefault(template, {})[method.upper()] = entry
    return out


def classic_index(document: dict, params: Interned) -> dict:
    out: dict = {}
    for template, item in document["paths"].items():
        ops = {method.strip().upper(): op for method, op in item.items() if method.strip() in METHODS}
        for op in list(ops.values()):
            also = CLASSIC_ALSO.search(op.get("description", ""))
            for method in re.findall(r"PUT|POST|DELETE", also.group(1)) if also else ():
                ops.setdefault(method, op)
        for method, op in ops.items():
            entry: dict = {}
            refs = []
            for param in op.get("parameters", []):
                if param.get("in") == "body":
                    continue
                kind = TYPES.get(param.get("type", "string"), "s")
                if kind == "a":
                    kind = "as"
                if method == "POST" and param.get("in") == "path":
                    kind = "s"  # Classic ids are strings on POST (id 0 asks Jamf for the next one)
                refs.append(params([param["name"], WHERE.get(param.get("in"), "q"), kind,
                                    1 if param.get("required") else 0]))
            if refs:
                entry["p"] = refs
            if op.get("deprecated"):
                entry["d"] = 1
            if method == "DELETE" or (method != "GET" and CONFIRM.search(template)):
                entry["c"] = 1
            out.setdefault("/" + template.strip("/"), {})[method] = entry
    return out


# --- what the sandbox answers where it keeps no store -----------------------------------------------------------
class Examples:
    """Minimal schema-valid documents: required properties (and, at the top, every scalar) from the schema's
    example where it fits, else from type, format and enum."""

    def __init__(self, schema: Schema):
        self.schema = schema

    def document(self, node: dict, top: bool = True, depth: int = 0):
        schema = self.schema
        raw = schema.resolve(node)
        if "oneOf" in raw or "anyOf" in raw:
            variant = (raw.get("oneOf") or raw.get("anyOf"))[0]
            value = self.document(variant, top, depth)
            disc = raw.get("discriminator") or {}
            for tag, ref in (disc.get("mapping") or {}).items():
                if isinstance(value, dict) and ref == variant.get("$ref"):
                    value[disc["propertyName"]] = tag
            return value
        node = schema.merged(raw)
        kind = node.get("type") or ("object" if "properties" in node else None)
        if kind == "object":
            out = {}
            required = set(node.get("required", []))
            for name, prop in node.get("properties", {}).items():
                sub = schema.merged(prop)
                if prop.get("writeOnly") or sub.get("writeOnly"):
                    continue  # never in an answer (OpenAPI: required only in requests)
                scalar = sub.get("type") in ("string", "integer", "number", "boolean")
                if (name in required or (top and scalar)) and depth < EXAMPLE_DEPTH:
                    out[name] = self.document(prop, False, depth + 1)
            for name in sorted(required - set(node.get("properties", {}))):
                out[name] = ""  # required but not described (GsxKeystore.keystore): any value will do
            return out
        if kind == "array":
            return [self.document(node.get("items") or {}, False, depth + 1) for _ in range(node.get("minItems", 0))]
        return self.scalar(node, kind)

    @staticmethod
    def scalar(node: dict, kind: str | None):
        if "enum" in node:
            return node["enum"][0]
        example = node.get("example")
        if kind == "boolean":
            return example if isinstance(example, bool) else False
        if kind in ("integer", "number"):
            low, high = node.get("minimum", 1 if kind == "integer" else 0), node.get("maximum", 2**31 - 1)
            if type(example) in (int, float) and low <= example <= high and (kind == "number" or type(example) is int):
                return example
            return max(low, min(1, high)) if kind == "integer" else low
        fmt = node.get("format")
        fits = isinstance(example, str) and node.get("minLength", 0) <= len(example) <= node.get("maxLength", 10**6)
        fits = fits and (not node.get("pattern") or re.search(node["pattern"], example) is not None)
        if fits and fmt == "date-time":
            fits = "T" in example and _parses(example)
        if fits and fmt == "date":
            fits = _parses(example) and "T" not in example
        if fits:
            return example
        value = {"date-time": "2025-01-01T00:00:00Z", "date": "2025-01-01", "byte": "", "base64": ""}.get(fmt, "string")
        return value.ljust(node.get("minLength", 0), "x") if fmt not in ("byte", "base64") else value


def _parses(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
        return True
    except ValueError:
        return False


def sandbox_routes(document: dict, classic_document: dict) -> dict:
    schema = Schema(document)
    examples = Interned()
    builder = Examples(schema)
    modern: dict = {}
    for template, item in document["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            status, response = _success(op)
            entry: dict = {"s": int(status)}
            content = response.get("content") or {}
            body = _json_schema(content)
            if body is not None:
                document_ = builder.document(body)
                if method == "get" and _pages(schema, {p["name"] for p in _operation_params(schema, item, op)}, op):
                    document_ = {**document_, "totalCount": 0, "results": []}
                entry["e"] = examples(document_)
            elif content:
                entry["ct"] = next(iter(content)).replace("image/*", "image/png")
            checks = []
            for param in _operation_params(schema, item, op):
                kind = schema.code(param.get("schema") or {})
                typed = kind in ("i", "n", "b", "ai")
                if (param["in"] == "path" and typed) or (param["in"] == "query" and (typed or param.get("required"))):
                    checks.append([param["name"], WHERE[param["in"]], kind, 1 if param.get("required") else 0])
            if checks:
                entry["q"] = checks
            if "requestBody" in op:
                request = _body(schema, op["requestBody"])
                entry["b"] = [request["ct"], request["req"], 1 if op["requestBody"].get("required") else 0]
            modern.setdefault(template, {})[method.upper()] = entry
    classic = {template: sorted(ops) for template, ops in classic_index(classic_document, Interned()).items()}
    return {"examples": examples.values, "modern": modern, "classic": classic}


def build(shared: Path) -> dict[str, dict]:
    import yaml

    document = json.loads((shared / MODERN_FILE).read_text())
    classic_document = yaml.safe_load((shared / CLASSIC_FILE).read_text())
    privileges, params, bodies = Interned(), Interned(), Interned()
    modern = modern_index(document, privileges, params, bodies)
    classic = classic_index(classic_document, params)
    index = {"source": f"{MODERN_FILE}, {CLASSIC_FILE}", "privileges": privileges.values, "params": params.values,
             "bodies": bodies.values, "modern": {t: _encode(ops) for t, ops in modern.items()},
             "classic": {t: _encode(ops) for t, ops in classic.items()}}
    return {"api_index": index, "sandbox": sandbox_routes(document, classic_document)}


def dumps(data: dict) -> str:
    """One line per path template: small, and a diff still shows which paths changed."""
    lines = ["{"]
    for i, (key, value) in enumerate(data.items()):
        end = "," if i < len(data) - 1 else ""
        if isinstance(value, dict):
            inner = [f" {json.dumps(k)}:{json.dumps(v, separators=(',', ':'), ensure_ascii=False)}" for k, v in value.items()]
            lines.append(f"{json.dumps(key)}:{{\n" + ",\n".join(inner) + f"\n}}{end}")
        elif isinstance(value, list):
            inner = [" " + json.dumps(v, separators=(",", ":"), ensure_ascii=False) for v in value]
            lines.append(f"{json.dumps(key)}:[\n" + ",\n".join(inner) + f"\n]{end}")
        else:
            lines.append(f"{json.dumps(key)}:{json.dumps(value)}{end}")
    return "\n".join(lines) + "\n}\n"


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SHARED
    built = build(shared)
    for out, data in ((INDEX_OUT, built["api_index"]), (SANDBOX_OUT, built["sandbox"])):
        out.write_text(dumps(data))
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
