"""jamfctl/resources/catalogue/<name>.json is generated from Jamf's schema files, one per declared resource,
and must stay in step with them: `python scripts/generate_catalogues.py` rebuilds them all."""
from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from jamfctl import redact, specs
from jamfctl.resources import collection

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "generate_catalogues.py"
SHARED = REPO.parent / "shared" / "jamf-api"
CATALOGUES = REPO / "jamfctl" / "resources" / "catalogue"
# In CI a missing schema is a failure, not a skip (.ci/run sets CI).
needs_schema = pytest.mark.skipif(not SHARED.exists() and not os.environ.get("CI"),
                                  reason=f"Jamf's schema files are not at {SHARED}")


def load_script():
    spec = importlib.util.spec_from_file_location("generate_catalogues", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipped(name: str) -> dict:
    return json.loads((CATALOGUES / f"{name}.json").read_text())


@needs_schema
def test_every_catalogue_matches_the_schema():
    """The shipped catalogues equal build() over the 11.30.1 schema and Postman collection."""
    built = load_script().build(SHARED)
    assert set(built) == {spec.name for spec in specs.RESOURCES}
    for name, catalogue in built.items():
        assert catalogue == shipped(name), f"{name}: rerun scripts/generate_catalogues.py"


def test_every_declared_resource_has_a_catalogue_and_nothing_else_does():
    assert {p.stem for p in CATALOGUES.glob("*.json")} == {spec.name for spec in specs.RESOURCES}


def test_script_points_at_the_shipped_files():
    script = load_script()
    assert script.OUT == CATALOGUES and script.DEFAULT_SHARED == SHARED


@pytest.mark.parametrize("spec", specs.RESOURCES, ids=lambda s: s.name)
def test_every_resource_names_its_privileges_and_its_columns_are_fields(spec):
    """A 403 can name what to grant for every list and show; the default table only shows known fields."""
    assert collection.privilege(spec) and collection.privilege(spec, show=True)
    assert "id" in collection.fields(spec) and "id" in collection.fields(spec, show=True)
    for column in spec.columns:
        assert column.path in collection.fields(spec), column.path


@pytest.mark.parametrize("spec", specs.RESOURCES, ids=lambda s: s.name)
def test_secret_fields_of_the_schema_are_redacted(spec):
    """Every field the schema marks writeOnly or format: password is one the redaction engine hides."""
    for path in shipped(spec.name)["secret_fields"]:
        assert redact.is_secret_field(path.rsplit(".", 1)[-1]), path


def test_known_computer_fields_sections_and_privilege():
    computer = shipped("computer")
    for path in ("id", "udid", "general.name", "general.lastContact", "hardware.serialNumber",
                 "security.bootstrapTokenEscrowedStatus", "diskEncryption.individualRecoveryKeyValidityStatus"):
        assert path in computer["show_fields"], path
    assert {"GENERAL", "HARDWARE", "SECURITY", "DISK_ENCRYPTION"} <= set(computer["sections"])
    assert all(re.fullmatch(r"[A-Z_]+", s) for s in computer["sections"])
    assert "operatingSystem.version" in computer["filter_fields"] and "id" in computer["sort_fields"]
    assert computer["list_privileges"] == ["Read Computers"]


def test_every_top_level_computer_object_maps_to_a_section():
    spec = specs.BY_NAME["computer"]
    tops = {path.split(".")[0] for path in shipped("computer")["show_fields"]}
    assert {top for top in tops if collection.section_of(spec, top) is None} == {"id", "udid"}


def test_mobile_filters_are_flat_and_records_polymorphic():
    """Mobile filter names are a flat namespace (serialNumber), unlike the record's dot paths; the oneOf of
    device types is merged, so tvOS-only and iOS-only fields are both known."""
    mobile = shipped("mobile")
    assert {"serialNumber", "displayName", "osVersion", "mobileDeviceId"} <= set(mobile["filter_fields"])
    assert "hardware.serialNumber" in mobile["list_fields"] and "GENERAL" in mobile["sections"]


def test_filter_descriptions_in_all_three_styles_are_read():
    allowed = load_script().allowed_fields
    assert allowed("Fields allowed in the query: `id`, `name`. Example: x", []) == ["id", "name"]
    assert allowed("Fields allowed in the query: `parameter4` up to `parameter6`, `name`.", []) == \
        ["name", "parameter4", "parameter5", "parameter6"]
    assert allowed("Fields allowed in the query: name, city, country. This param can be combined", []) == \
        ["city", "country", "name"]
    assert allowed("Allows sort for id and name.", []) == ["id", "name"]
    assert allowed("Allows fields such as - name, serverName, and httpsEnabled Can be combined with paging", []) == \
        ["httpsEnabled", "name", "serverName"]
    assert allowed("RSQL filter. Supports all user fields.", ["id", "username", "a.b"]) == ["id", "username"]
    assert allowed("Default sort is id:asc.", []) is None


def test_classic_catalogues_come_from_jamfs_examples():
    policy = shipped("policy")
    assert policy["list_fields"] == ["id", "name"]
    assert {"general.enabled", "scope.computer_groups", "package_configuration.packages"} <= set(policy["show_fields"])
    assert policy["filter_fields"] is None and policy["list_privileges"] == ["Read Policies"]
