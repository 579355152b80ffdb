"""Output: one renderer for every format, with --fields, redaction and terminal-safe tables."""
from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from jamfctl import output
from jamfctl.errors import ValidationError
from jamfctl.output import Column, Renderer
from jamfctl.redact import REDACTED

MACS = [
    {"id": "1", "general": {"name": "Mac-One", "platform": "Mac"}, "hardware": {"serialNumber": "C02AAAAAAAA1"},
     "security": {"recoveryLockEnabled": True}, "localAdminAccounts": [{"username": "admin", "password": "pw-1"}]},
    {"id": "2", "general": {"name": "Mac-Two", "platform": "Mac"}, "hardware": {"serialNumber": "C02AAAAAAAA2"},
     "security": {"recoveryLockEnabled": False}, "localAdminAccounts": []},
]
ALL_FORMATS = ["table", "json", "ndjson", "csv", "yaml"]


def render_many(fmt: str, records, **options) -> str:
    out = io.StringIO()
    Renderer(out, fmt, **options).many(records)
    return out.getvalue()


def render_one(fmt: str, record, **options) -> str:
    out = io.StringIO()
    Renderer(out, fmt, **options).one(record)
    return out.getvalue()


# --- choosing the format --------------------------------------------------------------------------
def test_default_format_is_table_on_a_terminal_and_json_when_piped():
    """People get a table; scripts get JSON."""
    assert output.resolve_format(None, stdout_is_tty=True) == "table"
    assert output.resolve_format(None, stdout_is_tty=False) == "json"


def test_requested_format_wins_and_is_case_insensitive():
    """-o beats the TTY guess."""
    assert output.resolve_format("CSV", stdout_is_tty=True) == "csv"
    assert output.resolve_format(" yaml ", stdout_is_tty=False) == "yaml"


@pytest.mark.parametrize("bad", ["xml", "", "jsonl", "table;rm"])
def test_unknown_format_is_a_validation_error_listing_the_choices(bad):
    """-o xml exits 2 and lists table, json, ndjson, csv, yaml."""
    with pytest.raises(ValidationError) as info:
        output.resolve_format(bad, stdout_is_tty=True)
    assert info.value.exit_code == 2
    assert "table, json, ndjson, csv, yaml" in info.value.message


# --- --fields -------------------------------------------------------------------------------------
VALID_FIELDS = ["id", "general.name", "general.platform", "hardware.serialNumber", "hardware.model"]


def test_check_fields_accepts_known_paths():
    """Known dot paths pass through unchanged."""
    assert output.check_fields(["id", "general.name"], VALID_FIELDS) == ["id", "general.name"]


def test_unknown_field_suggests_close_matches_and_lists_valid_ones():
    """A typo gets a 'did you mean' and the valid fields of that section."""
    with pytest.raises(ValidationError) as info:
        output.check_fields(["general.nmae"], VALID_FIELDS)
    message = info.value.message
    assert "general.nmae" in message
    assert "Did you mean general.name" in message
    assert "general.platform" in message


def test_unknown_section_lists_the_sections():
    """A field in no known section lists the top-level names."""
    with pytest.raises(ValidationError) as info:
        output.check_fields(["zzz.qqq"], VALID_FIELDS)
    assert "general" in info.value.message and "hardware" in info.value.message


def test_select_keeps_only_the_requested_dot_paths():
    """--fields general.name,id keeps those, in nested shape."""
    assert output.select(MACS[0], ["general.name", "id"]) == {"general": {"name": "Mac-One"}, "id": "1"}


def test_select_without_fields_returns_the_record():
    """No --fields: everything."""
    assert output.select(MACS[0], None) is MACS[0]


def test_select_through_a_list_applies_to_each_element():
    """localAdminAccounts.username picks the field from every account."""
    record = {"accounts": [{"username": "a", "uid": 501}, {"username": "b", "uid": 502}]}
    assert output.select(record, ["accounts.username"]) == {"accounts": [{"username": "a"}, {"username": "b"}]}


def test_select_missing_fields_become_null():
    """A field the record lacks is null, so every record has the same shape for scripts."""
    record = {"general": {"name": "Mac"}, "hardware": None}
    assert output.select(record, ["general.name", "general.assetTag", "hardware.model", "nothing"]) == {
        "general": {"name": "Mac", "assetTag": None},
        "hardware": {"model": None},
        "nothing": None,
    }


def test_select_through_a_list_where_some_elements_lack_the_field():
    """Elements without the field get null for it, and the result is still plain JSON."""
    record = {"accounts": [{"username": "a", "uid": 501}, {"uid": 502}, "not-a-dict"]}
    picked = output.select(record, ["accounts.username", "accounts.uid"])
    assert picked == {
        "accounts": [{"username": "a", "uid": 501}, {"username": None, "uid": 502}, {"username": None, "uid": None}]
    }
    json.dumps(picked)


def test_select_does_not_change_the_record():
    """Asking for a section and a field inside it (`--fields a,a.b`) leaves the caller's data alone."""
    record = {"accounts": [{"uid": 501}], "general": {"name": "Mac"}}
    picked = output.select(record, ["accounts", "accounts.username", "general", "general.assetTag"])
    assert picked == {"accounts": [{"uid": 501, "username": None}], "general": {"name": "Mac", "assetTag": None}}
    assert record == {"accounts": [{"uid": 501}], "general": {"name": "Mac"}}


def test_get_path_through_a_list_gives_each_items_value():
    """A dot path through a list reads the field from every item, as `select` does."""
    record = {"disks": [{"serial": "A"}, {"serial": "B"}, {}], "general": {"name": "Mac"}}
    assert output.get_path(record, "disks.serial") == ["A", "B", None]
    assert output.get_path(record, "general.name") == "Mac"
    assert output.get_path(record, "general.name.first") is None


def test_flatten_makes_dot_path_columns_and_keeps_lists_whole():
    """CSV needs one flat row: nested dicts become dot paths, lists stay one cell."""
    assert output.flatten({"a": {"b": 1, "c": {"d": None}}, "e": [1, 2], "f": {}}) == {
        "a.b": 1,
        "a.c.d": None,
        "e": [1, 2],
        "f": {},
    }


# --- each format ----------------------------------------------------------------------------------
@pytest.mark.parametrize("count", [0, 1, 2])
def test_json_list_is_one_valid_array(count):
    """-o json on a list is a JSON array, also with zero or one record."""
    text = render_many("json", MACS[:count])
    parsed = json.loads(text)
    assert [r["id"] for r in parsed] == [m["id"] for m in MACS[:count]]


def test_json_one_is_an_object():
    """show prints one JSON object."""
    assert json.loads(render_one("json", MACS[0]))["general"]["name"] == "Mac-One"


@pytest.mark.parametrize("fail_after", [1, 2])
def test_json_array_is_closed_when_the_records_fail_mid_way(fail_after):
    """A failure after some records still leaves parseable JSON on stdout, and the error is raised."""

    def records():
        yield from MACS[:fail_after]
        raise RuntimeError("page 3 failed")

    out = io.StringIO()
    with pytest.raises(RuntimeError, match="page 3 failed"):
        Renderer(out, "json").many(records())
    assert [r["id"] for r in json.loads(out.getvalue())] == [m["id"] for m in MACS[:fail_after]]


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "yaml", "table"])
def test_a_failure_before_the_first_record_writes_nothing(fmt):
    """No record, then an error: stdout stays empty in every format (an empty `[]` would read as "no computers")."""

    def records():
        raise RuntimeError("page 1 failed")
        yield  # a generator that fails on its first step

    out = io.StringIO()
    with pytest.raises(RuntimeError, match="page 1 failed"):
        Renderer(out, fmt).many(records())
    assert out.getvalue() == ""


def test_pretty_json_is_still_one_array():
    """The indented variant parses the same."""
    assert json.loads(render_many("json", MACS, pretty=True)) == json.loads(render_many("json", MACS))


def test_ndjson_writes_one_object_per_line():
    """Each line is a complete JSON object, in order."""
    lines = render_many("ndjson", MACS).splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["1", "2"]
    assert render_many("ndjson", []) == ""


def test_csv_has_a_header_and_one_row_per_record_with_fields():
    """--fields decides the columns, in order."""
    text = render_many("csv", MACS, fields=["hardware.serialNumber", "general.name", "security.recoveryLockEnabled"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["hardware.serialNumber", "general.name", "security.recoveryLockEnabled"],
        ["C02AAAAAAAA1", "Mac-One", "true"],
        ["C02AAAAAAAA2", "Mac-Two", "false"],
    ]


def test_csv_without_fields_uses_flattened_columns():
    """Given no columns and no --fields (generic use), the first record's dot paths are the header."""
    rows = list(csv.DictReader(io.StringIO(render_many("csv", MACS))))
    assert [r["general.name"] for r in rows] == ["Mac-One", "Mac-Two"]
    assert json.loads(rows[0]["localAdminAccounts"]) == [{"username": "admin", "password": REDACTED}]


def test_csv_with_no_records_still_writes_the_header():
    """An empty result with --fields is a header line, so scripts see the columns."""
    assert render_many("csv", [], fields=["id", "general.name"]).splitlines() == ["id,general.name"]


def test_csv_quotes_commas_and_newlines():
    """A name with a comma or newline stays in one cell."""
    text = render_many("csv", [{"name": 'a,b "c"\nd'}])
    assert list(csv.reader(io.StringIO(text))) == [["name"], ['a,b "c"\nd']]


LEASES = [{"id": "1", "purchasing": {"leased": False}},
          {"id": "14", "purchasing": {"leased": True, "leaseDate": "2026-08-30"}, "tags": ["a", "b"]}]


def test_csv_columns_given_up_front_hold_fields_only_later_records_have():
    """The command names the columns before the first record: a field only a later record carries
    still has its column, and a record lacking a field gets an empty cell."""
    text = render_many("csv", LEASES, csv_columns=["id", "purchasing.leased", "purchasing.leaseDate", "tags"])
    assert list(csv.reader(io.StringIO(text))) == [
        ["id", "purchasing.leased", "purchasing.leaseDate", "tags"],
        ["1", "false", "", ""],
        ["14", "true", "2026-08-30", '["a", "b"]'],
    ]


def test_csv_with_up_front_columns_and_no_records_is_the_header():
    """An empty listing is still a header line, so a script sees the columns (not an empty file)."""
    assert render_many("csv", [], csv_columns=["id", "general.name"]) == "id,general.name\n"


def test_csv_with_up_front_columns_writes_nothing_when_the_first_page_fails():
    """The header goes out with the first row: a listing that fails at once leaves stdout empty."""

    def records():
        raise RuntimeError("page 1 failed")
        yield

    out = io.StringIO()
    with pytest.raises(RuntimeError):
        Renderer(out, "csv", csv_columns=["id"]).many(records())
    assert out.getvalue() == ""


def test_csv_column_through_a_list_holds_each_items_value():
    """`storage.disks.serialNumber`: a list stays one cell, here the serial of every disk, as JSON."""
    record = {"id": "1", "storage": {"disks": [{"serialNumber": "D1"}, {"serialNumber": "D2", "model": "x"}]}}
    text = render_one("csv", record, fields=["id", "storage.disks.serialNumber"])
    assert list(csv.reader(io.StringIO(text))) == [["id", "storage.disks.serialNumber"], ["1", '["D1", "D2"]']]


def test_csv_of_one_record_adds_the_fields_the_columns_do_not_name():
    """show -o csv: nothing follows the one row, so its other non-null fields get columns after the
    named ones (fields newer than the catalogue are not lost); null ones add nothing."""
    record = {"id": "1", "general": {"name": "Mac", "newField": "x"}, "purchasing": None}
    rows = list(csv.reader(io.StringIO(render_one("csv", record, csv_columns=["id", "general.name"]))))
    assert rows == [["id", "general.name", "general.newField"], ["1", "Mac", "x"]]


@pytest.mark.parametrize("records", [[], MACS[:1], MACS])
def test_yaml_parses_back_to_the_records(records):
    """-o yaml is a YAML list that safe_load reads back."""
    parsed = yaml.safe_load(render_many("yaml", records))
    assert [r["id"] for r in parsed] == [r["id"] for r in records]


def test_yaml_one_is_a_mapping():
    """show -o yaml prints one mapping."""
    assert yaml.safe_load(render_one("yaml", MACS[1]))["hardware"]["serialNumber"] == "C02AAAAAAAA2"


def test_table_contains_the_values_and_headers():
    """The list table shows each requested column and every row's value."""
    text = render_many("table", MACS, columns=[Column("Serial", "hardware.serialNumber"), Column("Name", "general.name")],
                       color=False)
    assert "Serial" in text and "Name" in text
    for mac in MACS:
        assert mac["hardware"]["serialNumber"] in text and mac["general"]["name"] in text


def test_details_table_groups_fields_by_section():
    """show as a table: a titled block per section, one line per field, booleans as yes/no."""
    text = render_one("table", MACS[0], color=False)
    lines = [line.rstrip() for line in text.splitlines()]
    assert "general" in lines and "security" in lines
    assert any(line.split() == ["name", "Mac-One"] for line in lines)
    assert any(line.split() == ["recoveryLockEnabled", "yes"] for line in lines)
    assert lines.index("general") < lines.index("security")


def test_unwrapped_columns_stay_whole_on_a_narrow_terminal():
    """On 80 columns a serial never wraps (a copied `FVF43RJL137` would be the wrong Mac): the other
    columns give way."""
    mac = {"general": {"name": "Jennifer's MacBook Pro"}, "hardware": {"serialNumber": "FVF43RJL137L",
           "model": "MacBook Pro (14-inch, M3, Nov 2023)"}, "os": "15.3.2", "seen": "2026-11-29T02:10:50Z",
           "user": "jnguyen", "managed": True}
    columns = [Column("Name", "general.name"), Column("Serial", "hardware.serialNumber", no_wrap=True),
               Column("Model", "hardware.model"), Column("OS", "os"), Column("Last check-in", "seen"),
               Column("Managed", "managed"), Column("User", "user")]
    text = render_many("table", [mac] * 2, columns=columns, color=False, width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert sum("FVF43RJL137L" in line for line in text.splitlines()) == 2


def test_details_title_is_its_own_unwrapped_line():
    """show as a table: the title is one line above the fields, however narrow the fields are."""
    out = io.StringIO()
    Renderer(out, "table", color=False, width=80).one({"id": "1"}, title="IT-MBP-0001 (FVF43RJL137L, id 1)")
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    assert lines[0] == "IT-MBP-0001 (FVF43RJL137L, id 1)"
    assert lines[1].split() == ["id", "1"]


def test_empty_table_prints_nothing():
    """An empty list prints no grid and no words on stdout (the command notes it on stderr)."""
    assert render_many("table", [], color=False) == ""


# --- redaction everywhere -------------------------------------------------------------------------
SECRET_RECORD = {"id": "9", "general": {"name": "Mac"}, "laps": {"password": "L4ps-P4ss-9x"},
                 "security": {"bootstrapTokenEscrowedStatus": "ESCROWED"}}


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_secrets_are_redacted_in_every_format(fmt):
    """No format prints a secret field's value; facts about secrets stay."""
    for text in (render_many(fmt, [SECRET_RECORD], color=False), render_one(fmt, SECRET_RECORD, color=False)):
        assert "L4ps-P4ss-9x" not in text
        assert REDACTED in text
        assert "ESCROWED" in text


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_secrets_are_redacted_when_selected_with_fields(fmt):
    """--fields laps.password does not sneak the value out."""
    text = render_many(fmt, [SECRET_RECORD], fields=["id", "laps.password"], color=False)
    assert "L4ps-P4ss-9x" not in text
    assert REDACTED in text


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_reveal_prints_that_one_secret(fmt):
    """The --reveal commands name the one field to show."""
    record = {"personalRecoveryKey": "ABCD-EFGH-1234", "password": "keep-hidden-1"}
    text = render_one(fmt, record, reveal=frozenset({"personalRecoveryKey"}), color=False)
    assert "ABCD-EFGH-1234" in text
    assert "keep-hidden-1" not in text


# --- hostile data in tables -----------------------------------------------------------------------
HOSTILE_NAME = "\x1b]0;pwned\x07Mac\x1b[31mRed\x1b[0m\x1b[2J\x9b31m\x00\x08\rEnd"


@pytest.mark.parametrize("render", [render_many, render_one])
def test_terminal_escape_sequences_are_stripped_from_tables(render):
    """A device named with OSC/CSI sequences cannot retitle, recolour or clear the admin's terminal."""
    data = [{"name": HOSTILE_NAME}] if render is render_many else {"name": HOSTILE_NAME}
    text = render("table", data, color=False)
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "\x00" not in text and "\x08" not in text and "\r" not in text
    assert "pwned" not in text  # the window-title payload goes with its sequence
    assert "MacRed" in text and "End" in text


def test_newlines_and_tabs_in_a_cell_stay_on_one_line():
    """A multi-line value does not forge extra table rows."""
    assert output.cell_text("line1\nline2\tcol") == "line1 line2 col"


def test_rich_markup_in_data_is_printed_literally():
    """`[bold]x[/bold]` from the server is text, not styling, and never disappears."""
    for text in (
        render_many("table", [{"name": "[bold]x[/bold]", "tag": "[link=http://evil]y[/link]"}], color=True),
        render_one("table", {"name": "[bold]x[/bold]"}, color=True),
    ):
        assert "[bold]x[/bold]" in text
    assert "[link=http://evil]y[/link]" in render_many("table", [{"tag": "[link=http://evil]y[/link]"}])


def test_escape_sequences_in_json_are_escaped_not_emitted():
    """JSON output carries control characters as \\u escapes, never raw."""
    text = render_many("json", [{"name": HOSTILE_NAME}])
    assert "\x1b" not in text
    assert json.loads(text)[0]["name"] == HOSTILE_NAME


def test_cell_text_renders_types_for_people():
    """None is blank, booleans are yes/no, lists are compact JSON."""
    assert output.cell_text(None) == ""
    assert output.cell_text(True) == "yes" and output.cell_text(False) == "no"
    assert output.cell_text(["a", "é"]) == '["a", "é"]'


# --- tables for people ----------------------------------------------------------------------------
@pytest.mark.parametrize("given, shown", [
    ("2026-11-29T22:38:49Z", "2026-11-29 22:38"),
    ("2026-11-29T22:38:49.123Z", "2026-11-29 22:38"),
    ("2026-11-29T22:38:49+00:00", "2026-11-29 22:38"),
    ("2026-11-29T22:38:49+02:00", "2026-11-29T22:38:49+02:00"),  # not UTC: shown as sent, never mislabelled
    ("2026-11-29", "2026-11-29"),
    (None, None),
    ("yesterday", "yesterday"),
])
def test_short_time_shows_utc_timestamps_to_the_minute(given, shown):
    from jamfctl.output import short_time

    assert short_time(given) == shown


def test_a_timestamp_column_is_short_in_tables_and_exact_everywhere_else():
    """A person reads "2026-11-29 22:38" in the list table; json and csv keep the server's exact value."""
    record = {"id": "1", "general": {"lastContact": "2026-11-29T22:38:49.123Z"}}
    columns = [Column("Checked in (UTC)", "general.lastContact", timestamp=True)]
    assert "2026-11-29 22:38" in render_many("table", [record], columns=columns, width=120)
    assert json.loads(render_many("json", [record], columns=columns))[0] == record
    assert "2026-11-29T22:38:49.123Z" in render_many("csv", [record], columns=columns)


def test_details_table_shows_nested_objects_as_indented_groups():
    """`show` for a person: a nested object is a heading with its fields indented under it (as `kubectl describe`
    does), instead of long dot paths."""
    record = {"id": "7", "diskEncryption": {"bootPartitionEncryptionDetails": {"partitionName": "Macintosh HD",
                                                                              "partitionFileVault2State": "ENCRYPTED"},
                                            "individualRecoveryKeyValidityStatus": "VALID"}}
    lines = [line.rstrip() for line in render_one("table", record, width=100).splitlines()]
    at = lines.index("diskEncryption")
    assert lines[at + 1] == "  bootPartitionEncryptionDetails"  # the group, once
    assert lines[at + 2].split() == ["partitionName", "Macintosh", "HD"] and lines[at + 2].startswith("    ")
    assert lines[at + 3].split() == ["partitionFileVault2State", "ENCRYPTED"] and lines[at + 3].startswith("    ")
    assert lines[at + 4].split() == ["individualRecoveryKeyValidityStatus", "VALID"] and lines[at + 4].startswith("  ")
    assert not any("bootPartitionEncryptionDetails." in line for line in lines)


def test_csv_round_trips_values_with_line_breaks_quotes_and_commas():
    """Any text survives CSV: an RFC 4180 reader gets back exactly one row per record and the same values
    (a lone carriage return included, which Python's csv module does not quote by itself)."""
    import csv

    names = ["good\rEVIL", "two\nlines", 'say "hi"', "a,b", "crlf\r\nx", "plain"]
    records = [{"id": str(i), "general": {"name": name}} for i, name in enumerate(names, 1)]
    text = render_many("csv", records, fields=["id", "general.name"])
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert header == ["id", "general.name"]
    assert rows == [[str(i), name] for i, name in enumerate(names, 1)]
