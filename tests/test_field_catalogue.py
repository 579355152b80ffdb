"""jamfctl/resources/computer_fields.json is generated from Jamf's OpenAPI schema and must stay in step
with it: `python scripts/generate_field_catalogue.py` rebuilds it."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from jamfctl.resources import computers

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "generate_field_catalogue.py"
SCHEMA = REPO.parent / "shared" / "jamf-api" / "jamf-pro-api-schema-11.30.1.json"
CATALOGUE = REPO / "jamfctl" / "resources" / "computer_fields.json"


def load_script():
    spec = importlib.util.spec_from_file_location("generate_field_catalogue", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(CATALOGUE.read_text())


@pytest.mark.skipif(not SCHEMA.exists(), reason=f"Jamf's schema is not at {SCHEMA} (shared/ is not checked out)")
def test_catalogue_matches_the_schema(shipped):
    """The shipped catalogue equals build() over the 11.30.1 schema (rerun the script after a schema update)."""
    built = load_script().build(json.loads(SCHEMA.read_text()))
    assert built == shipped


def test_script_points_at_the_shipped_files():
    """The generator's default input is the shared schema and its output is the shipped catalogue."""
    script = load_script()
    assert script.OUT == CATALOGUE
    assert script.DEFAULT_SCHEMA == SCHEMA


def test_known_fields_are_in_the_catalogue(shipped):
    """Spot checks: the paths people ask for most, including facts about secrets, are known fields."""
    for path in ("id", "udid", "general.name", "general.lastContact", "general.remoteManagement.managed",
                 "hardware.serialNumber", "hardware.model", "operatingSystem.version",
                 "userAndLocation.username", "security.firewallEnabled", "security.sipStatus",
                 "security.bootstrapTokenEscrowedStatus", "diskEncryption.fileVault2Enabled",
                 "diskEncryption.individualRecoveryKeyValidityStatus"):
        assert path in shipped["fields"], path


def test_sections_are_jamfs_enum(shipped):
    """The sections are Jamf's ComputerSectionV4 names, including the ones jamfctl fetches by default."""
    sections = shipped["sections"]
    for name in ("GENERAL", "HARDWARE", "OPERATING_SYSTEM", "USER_AND_LOCATION", "SECURITY", "DISK_ENCRYPTION"):
        assert name in sections
    assert all(re.fullmatch(r"[A-Z_]+", s) for s in sections)
    assert len(sections) == len(set(sections))


def test_every_top_level_object_maps_to_a_section(shipped):
    """Each top-level field (except id and udid) belongs to a section, so --fields knows what to fetch."""
    tops = {path.split(".")[0] for path in shipped["fields"]}
    unmapped = {top for top in tops if computers.section_of(top) is None}
    assert unmapped == {"id", "udid"}
    assert computers.section_of("userAndLocation") == "USER_AND_LOCATION"
    assert computers.section_of("diskEncryption") == "DISK_ENCRYPTION"


def test_filter_and_sort_fields_are_fields(shipped):
    """Jamf's allowed filter and sort fields are non-empty and include the ones the README uses."""
    assert "operatingSystem.version" in shipped["filter_fields"]
    assert "hardware.serialNumber" in shipped["filter_fields"]
    assert "general.name" in shipped["filter_fields"] and "general.name" in shipped["sort_fields"]
    assert "id" in shipped["sort_fields"]


def test_privilege_is_read_computers(shipped):
    """The listing's required privilege is what a 403 message names."""
    assert shipped["privilege"] == ["Read Computers"]


def test_runtime_uses_the_shipped_catalogue(shipped):
    """jamfctl.resources.computers.catalogue() is the shipped file."""
    assert computers.catalogue() == shipped
