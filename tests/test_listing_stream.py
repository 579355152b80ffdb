"""The streaming renderer's fast paths (jamfctl.output and jamfctl.streaming: batched writes, one encoder per
stream, CSV rows read by precomputed column paths, --fields of top-level keys) give what the plain per-record way
gives, redact a secret that first appears deep into a stream, and keep what a failing stream already wrote; the
objects loaded before a listing sit out the cyclic GC (frozen) only while it streams, and the GC is never off."""
from __future__ import annotations

import csv
import io
import json

import pytest

from jamfctl import output, streaming
from jamfctl.output import Renderer
from jamfctl.redact import REDACTED


def fleet(count: int) -> list[dict]:
    return [{"id": str(i), "udid": f"U-{i}", "general": {"name": f"Mac-{i}", "supervised": i % 2 == 0,
                                                         "remoteManagement": {"managed": True}, "site": None},
             "hardware": {"serialNumber": f"S{i:05d}", "model": "MacBook Pro"}, "extras": [i, {"k": "v"}]}
            for i in range(count)]


def render(fmt: str, records, **kwargs) -> str:
    out = io.StringIO()
    Renderer(out, fmt, **kwargs).many(records)
    return out.getvalue()


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 600])
def test_ndjson_and_json_equal_one_dumps_per_record_across_batch_edges(count):
    records = fleet(count)
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
    assert render("ndjson", records) == "".join(line + "\n" for line in lines)
    as_json = render("json", records)
    assert json.loads(as_json) == records
    assert as_json == ("[\n" + ",\n".join(lines) + "\n]\n" if records else "[]\n")


def test_a_secret_first_seen_mid_stream_is_redacted_in_every_format():
    records = fleet(400)
    records[333]["general"]["recoveryLockPassword"] = "hunter2-late"
    records[390]["extras"][1]["clientSecret"] = "hunter2-deeper"
    for fmt in ("ndjson", "json", "csv"):
        text = render(fmt, records, csv_columns=["id", "general.recoveryLockPassword", "extras"])
        assert "hunter2" not in text, fmt
        assert REDACTED in text, fmt
    line = render("ndjson", records).splitlines()[333]
    assert json.loads(line)["general"]["recoveryLockPassword"] == REDACTED


def test_a_stream_that_fails_part_way_keeps_what_it_wrote():
    def failing():
        yield from fleet(300)
        raise RuntimeError("page 2 failed")

    for fmt in ("ndjson", "json"):
        out = io.StringIO()
        with pytest.raises(RuntimeError):
            Renderer(out, fmt).many(failing())
        text = out.getvalue()
        got = [json.loads(line) for line in text.splitlines()] if fmt == "ndjson" else json.loads(text)
        assert got == fleet(300), fmt  # every record before the failure, and JSON stays one valid document


@pytest.mark.parametrize("record", [
    fleet(1)[0],
    {"id": "1", "general": None, "hardware": "not an object", "extras": []},
    {"id": "1", "general": {"remoteManagement": [{"managed": True}, {"managed": False}]}, "hardware": [{"model": "A"}]},
    {"id": 7, "general": {}, "hardware": {"serialNumber": None}},
    {"general": {"name": "=HYPERLINK(1)", "supervised": False}, "hardware": {"serialNumber": "-1"}},
])
def test_csv_rows_read_by_column_paths_equal_get_path(record):
    header = ["id", "general.name", "general.supervised", "general.remoteManagement.managed", "general.site",
              "hardware.serialNumber", "hardware.model", "extras", "missing.path"]
    assert streaming.row_reader(header)(record) == [output.get_path(record, h) for h in header]
    rows = list(csv.reader(io.StringIO(render("csv", [record], csv_columns=header))))
    assert rows[0] == header
    assert rows[1] == [output.cell_text(None) if v is None else str(streaming.csv_cell(v))
                       for v in (output.get_path(record, h) for h in header)]


def test_csv_cells_keep_their_meaning():
    text = render("csv", [{"id": "1", "general": {"name": "=cmd|' /C calc'!A0", "supervised": True}, "n": -1}],
                  csv_columns=["id", "general.name", "general.supervised", "n"])
    assert text.splitlines()[1] == "1,'=cmd|' /C calc'!A0,true,-1"


def test_top_level_fields_pick_like_the_general_path_and_share_not_mutate():
    record = fleet(1)[0]
    picked = output.select(record, ["id", "general", "nothing"])
    assert picked == {"id": "0", "general": record["general"], "nothing": None}
    mixed = output.select(record, ["general", "general.name", "hardware.model"])
    assert mixed == {"general": record["general"], "hardware": {"model": "MacBook Pro"}}
    assert record == fleet(1)[0]


# --- loaded objects sit out the cyclic GC while a listing streams, and rejoin it however the listing ends ------
def pager(fail_on_page: int | None = None):
    from jamfctl.client import Listing
    from jamfctl.paging import Pager

    def fetch(number: int) -> bytes:
        if number == fail_on_page:
            raise ConnectionError("page lost")
        ids = [str(i) for i in range(number * 2, min(number * 2 + 2, 5))]
        return json.dumps({"totalCount": 5, "results": [{"id": i} for i in ids]}).encode()

    return Pager(fetch, Listing(), page_size=2, limit=None, window=5, label="test", path="/p", on_progress=None)


def test_loaded_objects_are_frozen_while_records_stream_and_thawed_after():
    import gc

    assert gc.get_freeze_count() == 0
    records = pager().records()
    assert next(records) == {"id": "0"}
    assert gc.get_freeze_count() > 0 and gc.isenabled()  # the GC still runs, over what the listing makes
    assert [r["id"] for r in records] == ["1", "2", "3", "4"]
    assert gc.get_freeze_count() == 0 and gc.isenabled()


@pytest.mark.parametrize("ending", ["failure", "abandoned"])
def test_loaded_objects_are_thawed_when_a_listing_fails_or_is_abandoned(ending):
    import gc

    records = pager(fail_on_page=1 if ending == "failure" else None).records()
    next(records)
    assert gc.get_freeze_count() > 0
    if ending == "failure":
        with pytest.raises(ConnectionError):
            list(records)
    else:
        records.close()  # what dropping the generator does
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_csv_list_and_object_cells_are_json_dumps_text():
    for value in ([1, "é", None], {"a": None, "b": [1, {"c": "=x"}]}, []):
        assert streaming.csv_cell(value) == json.dumps(value, ensure_ascii=False)
