"""Regenerate jamfctl/resources/computer_fields.json from Jamf's OpenAPI schema.

    python scripts/generate_field_catalogue.py [path/to/jamf-pro-api-schema.json]

The catalogue lets `--fields` be checked (and the right inventory sections requested) before any
request, without shipping the 2 MB schema. tests/test_field_catalogue.py keeps it in step with the schema.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMA = ROOT.parent / "shared" / "jamf-api" / "jamf-pro-api-schema-11.30.1.json"
OUT = ROOT / "jamfctl" / "resources" / "computer_fields.json"


def _walk(schema: dict, node: dict, prefix: str, depth: int = 0, is_list: bool = False) -> list[tuple[str, bool]]:
    """Every dot path under node, and whether it holds a list (CSV keeps a list in one cell)."""
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if node.get("type") == "array":
        return _walk(schema, node.get("items", {}), prefix, depth, True)
    props = node.get("properties")
    if not props or depth > 6:
        return [(prefix, is_list)]
    out = [(prefix, is_list)] if prefix else []
    for name, sub in props.items():
        out += _walk(schema, sub, f"{prefix}.{name}" if prefix else name, depth + 1)
    return out


def _allowed(operation: dict, parameter: str) -> list[str]:
    """The fields Jamf documents as allowed in `sort` or `filter` (backticked in the description)."""
    for p in operation["parameters"]:
        if p.get("name") == parameter:
            text = p["description"].split("allowed in the", 1)[1].split("Example", 1)[0]
            return sorted(set(re.findall(r"`([A-Za-z][\w.]*)`", text)))
    return []


def build(schema: dict) -> dict:
    comps = schema["components"]["schemas"]
    listing = schema["paths"]["/v4/computers-inventory"]["get"]
    paths = _walk(schema, comps["ComputerInventoryV4"], "")
    return {
        "sections": comps["ComputerSectionV4"]["enum"],
        "fields": [path for path, _ in paths],
        "lists": [path for path, is_list in paths if is_list],
        "filter_fields": _allowed(listing, "filter"),
        "sort_fields": _allowed(listing, "sort"),
        "privilege": listing.get("x-required-privileges", []),
    }


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SCHEMA
    data = build(json.loads(src.read_text()))
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(data['fields'])} fields, {len(data['sections'])} sections")


if __name__ == "__main__":
    main()
