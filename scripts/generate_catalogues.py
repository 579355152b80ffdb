"""Regenerate jamfctl/resources/catalogue/<name>.json, one per ResourceSpec, from Jamf's schema files.

    python scripts/generate_catalogues.py [path/to/shared/jamf-api]

A catalogue lets `--fields`, `--filter`, `--sort` and `--section` be checked before any request, names the
privilege in a 403, and fixes CSV columns up front, without shipping the 2 MB schema. Modern resources
come from the OpenAPI schema (fields of the list row and of the item, allOf/oneOf merged); Classic ones,
which the swagger describes only as stubs, from the example responses of Jamf's Postman collection.
tests/test_field_catalogue.py keeps every catalogue in step with the schema.
"""
from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jamfctl.specs import RESOURCES, ResourceSpec  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared" / "jamf-api"
OUT = ROOT / "jamfctl" / "resources" / "catalogue"
MAX_DEPTH = 6
KINDS = {"integer": "int", "number": "int", "boolean": "bool", "date-time": "datetime", "date": "date"}


class Schema:
    def __init__(self, document: dict):
        self.doc = document
        self.components = document["components"]["schemas"]

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[1]]
        return node

    def merged(self, node: dict) -> dict:
        """One object view of allOf (merged) and oneOf/anyOf (the union of the variants' properties)."""
        node = self.resolve(node)
        parts = node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", [])
        if not parts:
            return node
        props: dict = dict(node.get("properties", {}))
        kind = node.get("type")
        for part in parts:
            sub = self.merged(part)
            kind = kind or sub.get("type")
            for name, value in sub.get("properties", {}).items():
                props.setdefault(name, value)
            if sub.get("type") == "array" and "items" in sub:
                return sub
        return {"type": kind or "object", "properties": props}

    def walk(self, node: dict, prefix: str = "", depth: int = 0, in_list: bool = False, out=None) -> dict:
        """Every dot path under node -> {"list": bool, "kind": str, "secret": bool}."""
        out = {} if out is None else out
        node = self.merged(node)
        if node.get("type") == "array":
            return self.walk(node.get("items", {}), prefix, depth, True, out)
        props = node.get("properties")
        if prefix:
            kind = KINDS.get(node.get("format", ""), KINDS.get(node.get("type", ""), "string"))
            secret = bool(node.get("writeOnly")) or node.get("format") == "password"
            out.setdefault(prefix, {"list": in_list, "kind": "object" if props else kind, "secret": secret})
        if props and depth <= MAX_DEPTH:
            for name, sub in props.items():
                self.walk(sub, f"{prefix}.{name}" if prefix else name, depth + 1, False, out)
        return out

    def operation(self, path: str) -> dict:
        return self.doc["paths"][path.removeprefix("/api")]["get"]

    def parameter(self, operation: dict, name: str) -> dict | None:
        for param in operation.get("parameters", []):
            param = self.resolve_parameter(param)
            if param.get("name") == name:
                return param
        return None

    def resolve_parameter(self, param: dict) -> dict:
        if "$ref" in param:
            return self.doc["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
        return param

    def response(self, operation: dict) -> dict:
        content = operation["responses"]["200"]["content"]
        return next(iter(content.values()))["schema"]


def allowed_fields(description: str, item_fields: list[str]) -> list[str] | None:
    """The fields a `filter`/`sort` description allows; None when it names none. Jamf writes them three
    ways: backticked (`id`, `name`), as a plain list ("Fields allowed in the query: id, name."), or as
    "Supports all user fields"."""
    if "all user fields" in description:
        return [f for f in item_fields if "." not in f]
    text = re.split(r"(?i)allowed in the (?:query|sort)|criteria to sort on|allows sort for|allows fields such as -?",
                    description, maxsplit=1)
    if len(text) < 2:
        return None
    text = text[1]
    ticked = re.findall(r"`([A-Za-z][\w.]*)`", text.split("Example", 1)[0])
    if ticked:
        span = re.search(r"`parameter(\d+)` up to `parameter(\d+)`", text)
        if span:
            ticked += [f"parameter{n}" for n in range(int(span.group(1)), int(span.group(2)) + 1)]
        return sorted(set(ticked))
    # The list ends at a sentence's end, a line break or the next sentence ("... and httpsEnabled Can be combined").
    listed = re.split(r"\.\s|\.$|<br|\n|\s+(?=[A-Z][a-z])", text.lstrip(": -"), maxsplit=1)[0]
    names = re.split(r",\s*(?:and\s+)?|\s+and\s+", listed)
    return sorted({n.strip() for n in names if re.fullmatch(r"[A-Za-z][\w.]*", n.strip())})


def modern(schema: Schema, spec: ResourceSpec) -> dict:
    listing = schema.operation(spec.list_path)
    body = schema.merged(schema.response(listing))
    row = body["properties"]["results"] if spec.paged else body
    rows = schema.walk(row)
    items = dict(rows)
    show_privileges = listing.get("x-required-privileges", [])
    if spec.item_path:
        item_op = schema.operation(spec.item_path)
        items = schema.walk(schema.response(item_op))
        show_privileges = item_op.get("x-required-privileges", [])
    for path in spec.detail_paths:  # a group's show adds its smart or static detail to the list row
        for field, info in schema.walk(schema.response(schema.operation(path))).items():
            items.setdefault(field, info)
    catalogue = _fields(rows, items, spec)
    if spec.members_path:  # the rows of a group's membership list
        members = schema.merged(schema.response(schema.operation(spec.members_path.replace("{kind}", "smart"))))
        catalogue["member_fields"] = _fields(schema.walk(members["properties"]["results"]), {}, spec)["list_fields"]
    for name in ("filter", "sort"):
        param = schema.parameter(listing, name)
        found = allowed_fields(param.get("description", ""), catalogue["list_fields"]) if param else None
        catalogue[f"{name}_fields"] = found
    if catalogue["sort_fields"] is None and catalogue["filter_fields"] is not None:
        # Undocumented sort fields (buildings, categories, ...): Jamf sorts by the fields it filters on.
        catalogue["sort_fields"] = sorted({*catalogue["filter_fields"], spec.id_field})
    sort = schema.parameter(listing, "sort")
    default_sort = [d.split(":")[0] for d in (sort or {}).get("schema", {}).get("default", []) if ":" in d]
    if catalogue["sort_fields"] is not None:  # the default order's field is always accepted
        catalogue["sort_fields"] = sorted({*catalogue["sort_fields"], *default_sort})
    section = schema.parameter(listing, "section")
    catalogue["sections"] = schema.resolve(section["schema"]["items"])["enum"] if section else []
    kinds = {path: info["kind"] for path, info in {**items, **rows}.items()}
    leaf_kinds = {path.rsplit(".", 1)[-1]: kind for path, kind in kinds.items()}
    catalogue["field_kinds"] = {f: kinds.get(f, leaf_kinds.get(f, "string")) for f in catalogue["filter_fields"] or []}
    catalogue["list_privileges"] = listing.get("x-required-privileges", [])
    catalogue["show_privileges"] = show_privileges
    return catalogue


def _fields(rows: dict, items: dict, spec: ResourceSpec) -> dict:
    def with_id(fields: dict) -> dict:  # every printed record carries `id` (see collection.with_id)
        return fields if "id" in fields else {"id": {"list": False, "kind": "string", "secret": False}, **fields}

    rows, items = with_id(rows), with_id(items)
    return {
        "list_fields": list(rows), "list_lists": [p for p, i in rows.items() if i["list"]],
        "show_fields": list(items), "show_lists": [p for p, i in items.items() if i["list"]],
        "secret_fields": sorted({p for p, i in {**rows, **items}.items() if i["secret"]}),
    }


def classic_json(element: ET.Element):
    """An XML element as the Classic API's JSON renders it: a container of repeated elements (with its
    <size>) becomes a list, a leaf its text."""
    children = [c for c in element if c.tag != "size"]
    if not len(element):
        return element.text or ""
    if element.find("size") is not None or (len(children) > 1 and len({c.tag for c in children}) == 1):
        return [classic_json(c) for c in children]
    return {c.tag: classic_json(c) for c in children}


def classic_paths(value, prefix: str = "", in_list: bool = False, out=None) -> dict:
    out = {} if out is None else out
    if prefix:
        out.setdefault(prefix, {"list": in_list, "kind": "object" if isinstance(value, dict) else "string",
                                "secret": False})
    if isinstance(value, list):
        if prefix:
            out[prefix]["list"] = True
        for item in value:
            classic_paths(item, prefix, True, out)
    elif isinstance(value, dict):
        for key, sub in value.items():
            classic_paths(sub, f"{prefix}.{key}" if prefix else key, False, out)
    return out


def postman_example(collection: dict, url_suffix: str) -> ET.Element:
    def requests(items):
        for item in items:
            yield from requests(item["item"]) if "item" in item else [item]

    for item in requests(collection["item"]):
        url = item["request"]["url"]
        raw = url["raw"] if isinstance(url, dict) else url
        if item["request"]["method"] == "GET" and raw.endswith(url_suffix) and item.get("response"):
            return ET.fromstring(item["response"][0]["body"].strip().encode())
    raise LookupError(f"no Postman example for {url_suffix}")


def classic(collection: dict, spec: ResourceSpec) -> dict:
    suffix = spec.list_path.removeprefix("/JSSResource")
    rows = classic_paths(classic_json(postman_example(collection, suffix))[0])
    item = classic_json(postman_example(collection, suffix + "/id/:id"))
    items = classic_paths({"id": "", "name": "", **item})
    catalogue = _fields(rows, items, spec)
    catalogue.update(filter_fields=None, sort_fields=None, sections=[], field_kinds={},
                     list_privileges=list(spec.classic_privileges), show_privileges=list(spec.classic_privileges))
    return catalogue


def build(shared: Path) -> dict[str, dict]:
    schema = Schema(json.loads((shared / "jamf-pro-api-schema-11.30.1.json").read_text()))
    postman = json.loads((shared / "classic-api-postman-v10.35plus.json").read_text())
    return {spec.name: classic(postman, spec) if spec.api == "classic" else modern(schema, spec) for spec in RESOURCES}


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SHARED
    OUT.mkdir(parents=True, exist_ok=True)
    for name, catalogue in build(shared).items():
        (OUT / f"{name}.json").write_text(json.dumps(catalogue, indent=1) + "\n")
        print(f"{name}: {len(catalogue['show_fields'])} fields, {len(catalogue['filter_fields'] or [])} filterable")


if __name__ == "__main__":
    main()
