"""`jamfctl computer list|show` as a user runs them, against the built-in sandbox (`-p sandbox`, in-process).

Each test states one rule of the contract in shared/PRODUCT.md: what goes to stdout, what goes to stderr,
which exit code, and what the options do.
"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from jamfctl.cli.app import app
from jamfctl.sandbox import SandboxConfig

FLEET_SIZE = SandboxConfig().computers  # the sandbox's default fleet (500)
SERIAL_RE = re.compile(r"^[A-Z0-9]{8,20}$")


def sandbox(jamfctl, *args: str, stdin: str | None = None):
    return jamfctl("-p", "sandbox", *args, stdin=stdin)


def as_json(result) -> object:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def last_json_line(stderr: str) -> dict:
    return json.loads(stderr.strip().splitlines()[-1])


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


@pytest.fixture
def first(jamfctl) -> dict:
    """The first computer of the sandbox fleet (id order), as `computer list -o json` shows it."""
    return as_json(sandbox(jamfctl, "computer", "list", "--limit", "1", "-o", "json"))[0]


# --- computer list ----------------------------------------------------------------------------------
def test_list_json_is_an_array_of_computers_with_serials(jamfctl):
    """`-o json` prints one JSON array; every computer carries hardware.serialNumber."""
    data = as_json(sandbox(jamfctl, "computer", "list", "--limit", "5", "-o", "json"))
    assert isinstance(data, list) and len(data) == 5
    for computer in data:
        assert SERIAL_RE.match(computer["hardware"]["serialNumber"])
        assert computer["general"]["name"]
    assert len({c["id"] for c in data}) == 5


def test_list_limit_caps_the_count_and_prints_no_note(jamfctl):
    """--limit N returns exactly N; an explicit limit needs no 'showing the first' note."""
    result = sandbox(jamfctl, "computer", "list", "--limit", "7", "-o", "json")
    assert len(as_json(result)) == 7
    assert "showing the first" not in result.stderr


def test_list_default_limit_says_so_on_stderr(jamfctl):
    """Without --limit/--all: the first 100, and a note on stderr (not stdout) naming the total and --all."""
    result = sandbox(jamfctl, "computer", "list", "-o", "json")
    assert len(as_json(result)) == 100
    assert f"showing the first 100 of {FLEET_SIZE} computers" in result.stderr
    assert "--all" in result.stderr
    assert "sandbox" in result.stderr  # everything on stderr in sandbox mode says so


def test_list_all_returns_the_whole_fleet(jamfctl):
    """--all pages through everything: the count equals the fleet's totalCount, ids are unique."""
    result = sandbox(jamfctl, "computer", "list", "--all", "-o", "ndjson", "--fields", "id")
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert result.exit_code == 0
    assert len(ids) == FLEET_SIZE == len(set(ids))
    assert "showing the first" not in result.stderr


def test_limit_and_all_together_is_a_usage_error(jamfctl):
    """--limit and --all contradict each other: exit 2, nothing on stdout."""
    result = sandbox(jamfctl, "computer", "list", "--limit", "5", "--all")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_filter_results_all_satisfy_it(jamfctl):
    """--filter 'operatingSystem.version=lt=14' keeps only macOS 13 and older, and some exist."""
    result = sandbox(jamfctl, "computer", "list", "--all", "--filter", "operatingSystem.version=lt=14", "-o", "json",
                     "--fields", "operatingSystem.version")
    versions = [c["operatingSystem"]["version"] for c in as_json(result)]
    assert 0 < len(versions) < FLEET_SIZE
    assert all(version_tuple(v) < (14,) for v in versions), versions


def test_filter_values_may_be_in_any_script(jamfctl):
    """Names like "Café-Mac" or "Müller" are real: a non-ASCII value is sent, and the rest of the filter works."""
    result = sandbox(jamfctl, "computer", "list", "--all", "--filter", 'general.name=="Café-Mac",general.name==IT-*',
                     "-o", "json", "--fields", "general.name")
    assert result.exit_code == 0, result.stderr
    names = [c["general"]["name"] for c in as_json(result)]
    assert names and all(name.startswith("IT-") for name in names)


def test_filter_with_an_unknown_field_is_rejected_before_sending(jamfctl):
    """A filter on a field Jamf does not allow exits 2 with a message naming the field."""
    result = sandbox(jamfctl, "computer", "list", "--filter", "no.such.field==1")
    assert result.exit_code == 2
    assert "no.such.field" in result.stderr
    assert result.stdout == ""


def test_name_glob_matches_by_pattern(jamfctl):
    """--name 'IT-*' returns only computers whose name starts with IT-."""
    names = [c["general"]["name"] for c in as_json(
        sandbox(jamfctl, "computer", "list", "--name", "IT-*", "--all", "-o", "json", "--fields", "general.name"))]
    assert names, "the sandbox fleet has IT- machines"
    assert all(n.startswith("IT-") for n in names), names


def test_sort_by_name_descending(jamfctl):
    """--sort general.name:desc orders by name, Z first (case-insensitive, like Jamf's database)."""
    data = as_json(sandbox(jamfctl, "computer", "list", "--sort", "general.name:desc", "--limit", "60", "-o", "json",
                           "--fields", "general.name"))
    names = [c["general"]["name"].casefold() for c in data]
    assert names == sorted(names, reverse=True)
    ascending = as_json(sandbox(jamfctl, "computer", "list", "--sort", "general.name:asc", "--limit", "1", "-o", "json",
                                "--fields", "general.name"))
    assert ascending[0]["general"]["name"].casefold() <= names[-1]


def test_sort_on_an_unknown_field_is_a_usage_error(jamfctl):
    """--sort takes a schema field and asc|desc; anything else exits 2."""
    assert sandbox(jamfctl, "computer", "list", "--sort", "general.name:sideways").exit_code == 2
    assert sandbox(jamfctl, "computer", "list", "--sort", "nope:asc").exit_code == 2


def test_section_adds_a_section_to_the_defaults(jamfctl):
    """--section SECURITY adds the security section; name and serial are still there for the table."""
    plain = as_json(sandbox(jamfctl, "computer", "list", "--limit", "2", "-o", "json"))
    assert all(c.get("security") is None for c in plain)
    data = as_json(sandbox(jamfctl, "computer", "list", "--limit", "2", "--section", "SECURITY", "-o", "json"))
    for computer in data:
        assert isinstance(computer["security"], dict) and "firewallEnabled" in computer["security"]
        assert computer["general"]["name"] and computer["hardware"]["serialNumber"]


def test_unknown_section_is_a_usage_error(jamfctl):
    """An unknown --section exits 2 and lists the valid sections."""
    result = sandbox(jamfctl, "computer", "list", "--section", "SECRETS")
    assert result.exit_code == 2
    assert "SECURITY" in result.stderr


# --- --fields -----------------------------------------------------------------------------------------
def test_fields_select_dot_paths(jamfctl):
    """--fields keeps exactly the requested dot paths, nothing else."""
    data = as_json(sandbox(jamfctl, "computer", "list", "--limit", "3", "-o", "json",
                           "--fields", "id,hardware.serialNumber"))
    for computer in data:
        assert set(computer) == {"id", "hardware"}
        assert set(computer["hardware"]) == {"serialNumber"}


def test_fields_fetch_the_section_they_need(jamfctl):
    """--fields security.firewallEnabled works without --section: jamfctl asks for SECURITY itself."""
    data = as_json(sandbox(jamfctl, "computer", "list", "--limit", "3", "-o", "json",
                           "--fields", "security.firewallEnabled"))
    assert all(isinstance(c["security"]["firewallEnabled"], bool) for c in data), data


def test_show_fields_fetch_their_section_too(jamfctl, first):
    """The same rule for show: a field in DISK_ENCRYPTION comes back filled in."""
    serial = first["hardware"]["serialNumber"]
    data = as_json(sandbox(jamfctl, "computer", "show", serial, "-o", "json",
                           "--fields", "diskEncryption.fileVault2Enabled,general.name"))
    assert set(data) == {"diskEncryption", "general"}
    assert data["general"]["name"] == first["general"]["name"]
    assert data["diskEncryption"]["fileVault2Enabled"] is not None


def test_unknown_field_lists_valid_ones(jamfctl):
    """A misspelt field exits 2, suggests the right one and lists the valid fields; nothing on stdout."""
    result = sandbox(jamfctl, "computer", "list", "--limit", "1", "--fields", "hardware.serialNumbr")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "hardware.serialNumber" in result.stderr
    assert "hardware.model" in result.stderr  # the other valid fields of that section
    result = sandbox(jamfctl, "computer", "list", "--fields", "no.such.field")
    assert result.exit_code == 2
    assert "general" in result.stderr and "hardware" in result.stderr


# --- output formats -----------------------------------------------------------------------------------
def test_table_has_name_serial_and_model_columns(jamfctl, first):
    """-o table: a header with Name, Serial and Model, then one row per computer."""
    result = sandbox(jamfctl, "computer", "list", "--limit", "3", "-o", "table")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    header = lines[0].split()
    for column in ("Name", "Serial", "Model"):
        assert column in header
    assert first["hardware"]["serialNumber"] in lines[1]
    assert first["general"]["name"] in lines[1]
    assert len([line for line in lines[1:] if line.strip()]) == 3


def test_csv_has_a_header_of_dot_paths(jamfctl):
    """-o csv with --fields: the header is the requested paths, one row per computer."""
    result = sandbox(jamfctl, "computer", "list", "--limit", "4", "-o", "csv", "--fields", "id,hardware.serialNumber")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "hardware.serialNumber"]
    assert len(rows) == 5
    assert all(SERIAL_RE.match(row[1]) for row in rows[1:])


def test_csv_without_fields_flattens_to_dot_paths(jamfctl):
    """-o csv alone: flattened dot-path columns such as general.name and hardware.serialNumber."""
    rows = list(csv.DictReader(io.StringIO(sandbox(jamfctl, "computer", "list", "--limit", "2", "-o", "csv").stdout)))
    assert len(rows) == 2
    assert SERIAL_RE.match(rows[0]["hardware.serialNumber"])
    assert rows[0]["general.name"]


def test_csv_columns_come_from_the_sections_not_the_first_computer(jamfctl):
    """The header is id, udid, then every field of each fetched section in the catalogue's order, so a
    field the first computer lacks (computer 1 has no purchasing.leaseDate, 14 has one) keeps its column."""
    args = ("computer", "list", "-s", "PURCHASING", "--filter", "id=in=(1,14)")
    computers = as_json(sandbox(jamfctl, *args, "-o", "json"))
    assert "leaseDate" not in computers[0]["purchasing"] and computers[1]["purchasing"]["leaseDate"]
    header, *rows = list(csv.reader(io.StringIO(sandbox(jamfctl, *args, "-o", "csv").stdout)))
    assert header[:3] == ["id", "udid", "general.name"]
    assert header.index("general.name") < header.index("hardware.serialNumber") < header.index("purchasing.leased")
    cells = [dict(zip(header, row)) for row in rows]
    assert [c["purchasing.leaseDate"] for c in cells] == ["", computers[1]["purchasing"]["leaseDate"]]
    assert "security.firewallEnabled" not in header  # a section not fetched has no columns
    assert json.loads(cells[0]["general.mdmCapable.capableUsers"]) == computers[0]["general"]["mdmCapable"]["capableUsers"]


def test_csv_of_an_empty_listing_is_its_header(jamfctl):
    """Nothing matched: -o csv still prints the header row (with --fields, exactly those paths)."""
    result = sandbox(jamfctl, "computer", "list", "--filter", "id==99999", "-o", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("id,udid,general.name,")
    assert len(result.stdout.splitlines()) == 1
    result = sandbox(jamfctl, "computer", "list", "--filter", "id==99999", "-o", "csv", "--fields", "id,general.name")
    assert result.stdout == "id,general.name\n"


def test_csv_flattens_a_selected_object_into_its_fields(jamfctl, first):
    """--fields general.remoteManagement: in csv one column per field inside it; json keeps the object."""
    args = ("computer", "list", "--limit", "1", "--fields", "id,general.remoteManagement")
    header, row = list(csv.reader(io.StringIO(sandbox(jamfctl, *args, "-o", "csv").stdout)))
    assert header == ["id", "general.remoteManagement.managed", "general.remoteManagement.managementUsername"]
    assert row[:2] == [first["id"], "true" if first["general"]["remoteManagement"]["managed"] else "false"]
    assert as_json(sandbox(jamfctl, *args, "-o", "json"))[0]["general"]["remoteManagement"] == \
        first["general"]["remoteManagement"]


def test_yaml_parses_to_the_same_data_as_json(jamfctl):
    """-o yaml is valid YAML holding the same computers as -o json."""
    args = ("computer", "list", "--limit", "3", "--fields", "id,general.name,hardware.serialNumber")
    from_yaml = yaml.safe_load(sandbox(jamfctl, *args, "-o", "yaml").stdout)
    assert from_yaml == as_json(sandbox(jamfctl, *args, "-o", "json"))


def test_ndjson_is_one_object_per_line(jamfctl):
    """-o ndjson: exactly N lines, each one JSON object."""
    lines = sandbox(jamfctl, "computer", "list", "--limit", "4", "-o", "ndjson").stdout.splitlines()
    assert len(lines) == 4
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_json_is_the_default_when_stdout_is_not_a_terminal(jamfctl):
    """Piped (captured) stdout gets JSON without -o."""
    assert isinstance(as_json(sandbox(jamfctl, "computer", "list", "--limit", "2")), list)


def test_unknown_output_format_is_a_usage_error(jamfctl):
    """-o xml exits 2 and names the formats."""
    result = sandbox(jamfctl, "computer", "list", "-o", "xml")
    assert result.exit_code == 2
    assert "ndjson" in result.stderr


# --- computer show ------------------------------------------------------------------------------------
def test_show_by_serial(jamfctl, first):
    """show SERIAL -o json prints one object for that computer, with the show sections."""
    data = as_json(sandbox(jamfctl, "computer", "show", first["hardware"]["serialNumber"], "-o", "json"))
    assert isinstance(data, dict)
    assert data["id"] == first["id"]
    assert data["hardware"]["serialNumber"] == first["hardware"]["serialNumber"]
    assert isinstance(data["security"], dict)


def test_show_accepts_a_lowercase_serial(jamfctl, first):
    """Serials are matched after upper-casing and stripping, as people type them."""
    serial = first["hardware"]["serialNumber"]
    data = as_json(sandbox(jamfctl, "computer", "show", f" {serial.lower()} ", "-o", "json"))
    assert data["hardware"]["serialNumber"] == serial


def test_show_by_id_and_by_name(jamfctl, first):
    """--id ID and --name NAME find the same computer as its serial."""
    by_id = as_json(sandbox(jamfctl, "computer", "show", "--id", first["id"], "-o", "json"))
    by_name = as_json(sandbox(jamfctl, "computer", "show", "--name", first["general"]["name"], "-o", "json"))
    assert by_id["hardware"]["serialNumber"] == by_name["hardware"]["serialNumber"] == first["hardware"]["serialNumber"]


def test_show_table_is_readable_and_contains_the_serial(jamfctl, first):
    """-o table for one computer names it and shows its serial and model."""
    result = sandbox(jamfctl, "computer", "show", first["hardware"]["serialNumber"], "-o", "table")
    assert result.exit_code == 0
    assert first["hardware"]["serialNumber"] in result.stdout
    assert first["general"]["name"] in result.stdout
    assert first["hardware"]["model"] in result.stdout
    assert not result.stdout.lstrip().startswith("{")


def test_show_title_uses_the_serial_it_was_found_by(jamfctl, first):
    """show SERIAL --fields general.name: HARDWARE is not fetched, yet the title names the serial the user
    gave (never "no serial"); found by --id, the title says only what is known."""
    serial, name, computer_id = first["hardware"]["serialNumber"], first["general"]["name"], first["id"]
    result = sandbox(jamfctl, "computer", "show", serial, "--fields", "general.name", "-o", "table")
    assert result.stdout.splitlines()[0].strip() == f"{name} ({serial}, id {computer_id})"
    result = sandbox(jamfctl, "computer", "show", "--id", computer_id, "--fields", "general.name", "-o", "table")
    assert result.stdout.splitlines()[0].strip() == f"{name} (id {computer_id})"


def test_show_title_is_one_line_however_narrow_the_fields(jamfctl, first):
    """--fields id makes a 5-character-wide table; the title above it still reads on one line."""
    serial = first["hardware"]["serialNumber"]
    lines = sandbox(jamfctl, "computer", "show", serial, "--fields", "id", "-o", "table").stdout.splitlines()
    assert lines[0].strip() == f"{first['general']['name']} ({serial}, id {first['id']})"
    assert lines[1].split() == ["id", first["id"]]


def duplicate_names(jamfctl) -> dict[str, list[str]]:
    """Names the sandbox fleet gives to more than one computer, with their ids."""
    fleet = as_json(sandbox(jamfctl, "computer", "list", "--all", "--fields", "id,general.name", "-o", "json"))
    ids: dict[str, list[str]] = {}
    for computer in fleet:
        ids.setdefault(computer["general"]["name"], []).append(computer["id"])
    return {name: found for name, found in ids.items() if len(found) > 1}


def test_duplicate_name_lists_the_ids_and_marks_only_left_out_ones(jamfctl):
    """show --name shared by two computers names both ids and no "..."; shared by more, "..." says some
    ids were left out. Either way: exit 2, pointing at --id."""
    names = duplicate_names(jamfctl)
    two = next(name for name, found in names.items() if len(found) == 2)
    more = next(name for name, found in names.items() if len(found) > 2)
    result = sandbox(jamfctl, "computer", "show", "--name", two)
    assert result.exit_code == 2
    assert f"(ids {', '.join(names[two])}); use --id" in result.stderr
    result = sandbox(jamfctl, "computer", "show", "--name", more)
    assert result.exit_code == 2
    assert f"(ids {', '.join(names[more][:2])}, ...); use --id" in result.stderr


def test_unknown_serial_exits_4_with_a_plain_message(jamfctl):
    """A well-formed serial nobody has: exit 4, one plain line naming it, nothing on stdout."""
    result = sandbox(jamfctl, "computer", "show", "C02NOTHERE01", "-o", "table")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "C02NOTHERE01" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert "Traceback" not in result.stderr and "{" not in result.stderr


def test_unknown_id_exits_4(jamfctl):
    """--id of a computer that does not exist: exit 4."""
    result = sandbox(jamfctl, "computer", "show", "--id", "2147483647")
    assert result.exit_code == 4
    assert "2147483647" in result.stderr


@pytest.mark.parametrize("args", [
    (),
    ("C02XK1JMJG5H", "--id", "1"),
    ("C02XK1JMJG5H", "--name", "x"),
    ("--id", "1", "--name", "x"),
])
def test_show_needs_exactly_one_of_serial_id_name(jamfctl, args):
    """show takes exactly one of SERIAL, --id, --name: none or two exit 2 and say so."""
    result = sandbox(jamfctl, "computer", "show", *args)
    assert result.exit_code == 2
    assert "exactly one of" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [
    ("C02X*",),
    ("../../../etc/passwd",),
    ('C02X" or hardware.serialNumber=="*',),
    ("--id", "0"),
    ("--id", "abc"),
    ("--name", 'a"b'),
])
def test_malformed_input_exits_2_without_traceback(jamfctl, args):
    """Bad serials, ids and names are refused before any request: exit 2, no traceback."""
    result = sandbox(jamfctl, "computer", "show", *args)
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr


def test_json_errors_end_with_a_json_line(jamfctl):
    """With -o json, the last stderr line is {"error", "message", "exit_code"} matching the exit code."""
    for args, code in ((("computer", "show", "C02NOTHERE01"), 4),
                       (("computer", "show", "--id", "0"), 2),
                       (("computer", "list", "--fields", "nope"), 2)):
        result = sandbox(jamfctl, *args, "-o", "json")
        assert result.exit_code == code
        payload = last_json_line(result.stderr)
        assert set(payload) == {"error", "message", "exit_code"}
        assert payload["exit_code"] == code
        assert payload["error"] and payload["message"]


@pytest.mark.parametrize("args, words", [
    (("computer", "list", "--bogus"), "No such option: --bogus (see `jamfctl computer list --help`)"),
    (("computer", "list", "--limit"), "Option '--limit' requires an argument"),
    (("computer", "lst"), "Did you mean 'list'?"),
])
def test_usage_errors_are_plain_lines_like_every_other_error(jamfctl, args, words):
    """An unknown option or command, or a missing value (exit 2): one plain line marked as the sandbox's, with
    where to look, not a drawn panel; with -o json, the JSON line follows."""
    for fmt in ("table", "json"):
        result = sandbox(jamfctl, *args, "-o", fmt) if args[-1] != "--limit" else sandbox(jamfctl, "computer", "list",
                                                                                            "-o", fmt, "--limit")
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert lines[0].startswith("Error (sandbox): ") and words in lines[0], result.stderr
        assert len(lines) == (2 if fmt == "json" else 1) and "\u256d" not in result.stderr  # no panel corner
        if fmt == "json":
            assert last_json_line(result.stderr) == {"error": "usage", "message": lines[0][len("Error (sandbox): "):],
                                                     "exit_code": 2}


def test_piped_output_without_o_reports_errors_as_json(jamfctl):
    """Piped, the format defaults to json, so an argument the command refuses is reported as JSON as well."""
    for args in (("computer", "list", "--filter", "foo==1"), ("computer", "list", "-n", "0"),
                 ("computer", "show", "x!")):
        result = sandbox(jamfctl, *args)  # the test's stdout is not a terminal: a pipe
        assert result.exit_code == 2
        assert last_json_line(result.stderr)["error"] == "invalid_input"


def test_table_errors_have_no_json_line(jamfctl):
    """With -o table, the error is plain text only."""
    result = sandbox(jamfctl, "computer", "show", "C02NOTHERE01", "-o", "table")
    assert result.exit_code == 4
    assert "exit_code" not in result.stderr


def test_sandbox_errors_say_they_come_from_the_sandbox(jamfctl):
    """In sandbox mode an error on stderr says it is the sandbox (no one mistakes it for production)."""
    for args in (("computer", "show", "C02NOTHERE01"), ("computer", "show", "--id", "0")):
        result = sandbox(jamfctl, *args, "-o", "table")
        assert result.exit_code != 0
        assert "sandbox" in result.stderr.lower()


# --- Typer's own test runner --------------------------------------------------------------------------
runner = CliRunner()


@pytest.mark.parametrize("command", [
    ["computer", "list"], ["computer", "show"], ["login"], ["logout"], ["auth", "status"], ["completion"],
    ["sandbox", "serve"],
])
def test_every_command_help_has_an_example(command):
    """--help on every command exits 0 and shows at least one `jamfctl ...` example."""
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"jamfctl {command[0]}" in result.stdout


def test_root_help_points_to_the_sandbox():
    """`jamfctl --help` lists the commands and tells a newcomer how to try the sandbox."""
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("computer", "login", "-p sandbox"):
        assert word in result.stdout


def test_cli_runner_unknown_command_exits_2():
    """An unknown sub-command is a usage error (exit 2) that names it."""
    result = runner.invoke(app, ["computer", "frobnicate"])
    assert result.exit_code == 2
    assert "frobnicate" in result.output


def test_cli_runner_validation_exits_2():
    """Validation errors surface through Typer's runner too: exit 2 with jamfctl's message."""
    result = runner.invoke(app, ["-p", "sandbox", "computer", "show", "--id", "0", "-o", "table"])
    assert result.exit_code == 2
    assert "invalid computer id" in result.output


def test_cli_runner_sandbox_list():
    """A sandbox list through CliRunner: the root callback builds its own context and prints JSON."""
    result = runner.invoke(app, ["-p", "sandbox", "computer", "list", "--limit", "3", "-o", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 3 and all(SERIAL_RE.match(c["hardware"]["serialNumber"]) for c in data)


@pytest.fixture
def peak_concurrency(monkeypatch):
    """Pages of 50 (ten for the sandbox's 500 computers), each answered after 20 ms; returns a dict whose
    "peak" is the most requests the sandbox was answering at once."""
    import threading
    import time as time_module

    from jamfctl import client as client_module
    from jamfctl.sandbox.app import SandboxApp

    monkeypatch.setattr(client_module, "MAX_PAGE_SIZE", 50)
    state, lock, real_handle = {"now": 0, "peak": 0}, threading.Lock(), SandboxApp.handle

    def handle(self, *args):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            time_module.sleep(0.02)
            return real_handle(self, *args)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(SandboxApp, "handle", handle)
    return state


@pytest.mark.parametrize("setting, most", [(None, 5), ("1", 1), ("3", 3)])
def test_jamfctl_max_connections_lowers_concurrency(jamfctl, monkeypatch, peak_concurrency, setting, most):
    """At most 5 requests at once (Jamf's guidance); JAMFCTL_MAX_CONNECTIONS lowers that, and the listing
    is the same."""
    if setting:
        monkeypatch.setenv("JAMFCTL_MAX_CONNECTIONS", setting)
    result = sandbox(jamfctl, "computer", "list", "--all", "-o", "json", "--fields", "id")
    assert result.exit_code == 0, result.stderr
    ids = [c["id"] for c in as_json(result)]
    assert len(set(ids)) == len(ids) == FLEET_SIZE and ids == sorted(ids, key=int)
    assert peak_concurrency["peak"] <= most
    assert peak_concurrency["peak"] == most or most == 5 and peak_concurrency["peak"] > 1


@pytest.mark.parametrize("bad", ["0", "6", "50", "-1", "two", "1.5", "５"])
def test_jamfctl_max_connections_cannot_raise_concurrency_or_be_nonsense(jamfctl, monkeypatch, bad):
    """Outside 1..5 is an error (exit 2) before anything is sent: nothing raises concurrency past 5."""
    monkeypatch.setenv("JAMFCTL_MAX_CONNECTIONS", bad)
    result = sandbox(jamfctl, "computer", "list", "-o", "json")
    assert result.exit_code == 2 and "JAMFCTL_MAX_CONNECTIONS" in result.stderr
    assert result.stdout == ""


def test_an_empty_table_listing_writes_nothing_to_stdout(jamfctl):
    """`> file` stays data only: "no computers matched" is a note on stderr; json still prints []."""
    table = sandbox(jamfctl, "computer", "list", "--name", "NO-SUCH-MAC-*", "-o", "table")
    assert table.exit_code == 0 and table.stdout == ""
    assert "no computers matched" in table.stderr
    listing = sandbox(jamfctl, "computer", "list", "--name", "NO-SUCH-MAC-*", "-o", "json")
    assert listing.stdout == "[]\n" and "matched" not in listing.stderr


@pytest.mark.parametrize("variable, value", [("JAMFCTL_TIMEOUT", "abc"), ("JAMFCTL_PROFILE", "bad name")])
def test_a_bad_value_from_the_environment_names_its_variable(jamfctl, monkeypatch, variable, value):
    """CI users set these in a job's environment: the message says which variable holds the bad value."""
    monkeypatch.setenv(variable, value)
    result = jamfctl("computer", "list", "-o", "table")
    assert result.exit_code == 2 and f"(from {variable})" in result.stderr


def test_piped_output_reports_even_early_errors_as_json(jamfctl):
    """Piped with no -o, a data command's output would be JSON, so an error found before the command ran
    (a bad --timeout) gets the JSON line too; with -o table it does not."""
    piped = jamfctl("-p", "sandbox", "--timeout", "abc", "computer", "list")
    assert piped.exit_code == 2 and last_json_line(piped.stderr)["error"] == "invalid_input"
    table = jamfctl("-p", "sandbox", "--timeout", "abc", "computer", "list", "-o", "table")
    assert table.exit_code == 2 and "exit_code" not in table.stderr
