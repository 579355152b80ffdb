"""The sandbox's typed evaluator of RSQL filters (the grammar is jamfctl.rsql's, see test_rsql), and its fields."""

from __future__ import annotations

import pytest

from jamfctl.rsql import MAX_LENGTH, MAX_NESTING
from jamfctl.sandbox.rsql import (BOOL, DATE, DATETIME, INT, STRING, VERSION, FieldSpec, FilterError, compile_filter,
                                  parse_datetime, parse_version)

ROWS = [
    {"id": 1, "name": "ENG-MBP-0001", "os": "14.2.1", "managed": True, "seen": "2026-11-01T10:00:00Z"},
    {"id": 2, "name": "jsmith-mba", "os": "15.0", "managed": False, "seen": "2026-10-01T10:00:00Z"},
    {"id": 10, "name": "Sarah's MacBook Air", "os": "26.1", "managed": True, "seen": "2026-11-29T08:00:00Z"},
    {"id": 11, "name": 'odd "quoted", name', "os": "14.10", "managed": True, "seen": None},
]
KINDS = {"id": INT, "name": STRING, "os": VERSION, "managed": BOOL, "seen": DATETIME}


def resolve(field: str) -> FieldSpec:
    if field not in KINDS:
        raise FilterError(f"Invalid field {field!r}", code="INVALID_FIELD")
    kind = KINDS[field]
    served = (lambda row: None if row[field] is None else str(row[field]).lower())  # the text a wildcard matches
    if kind == DATETIME:
        return FieldSpec(kind, lambda row: None if row[field] is None else parse_datetime(row[field]), served)
    if kind == VERSION:
        return FieldSpec(kind, lambda row: parse_version(row[field]), served)
    return FieldSpec(kind, lambda row: row[field], served)


def ids(expression: str) -> list[int]:
    predicate = compile_filter(expression, resolve)
    return [row["id"] for row in ROWS if predicate(row)]


@pytest.mark.parametrize("expression, expected", [
    ('name=="ENG-MBP-0001"', [1]),
    ("name==eng-mbp-0001", [1]),  # strings compare case-insensitively, like Jamf
    ('name=="*mba"', [2]),
    ("name==*MacBook*", [10]),
    ('name!="*mb*"', [10, 11]),
    ("name=in=(JSMITH-MBA,nobody)", [2]),
    ("name=out=(jsmith-mba)", [1, 10, 11]),
    (r'name=="odd \"quoted\", name"', [11]),
    ("name=='Sarah\\'s MacBook Air'", [10]),
    ("id=gt=2", [10, 11]),
    ("id>=10;id<11", [10]),  # <, <=, >, >= are Jamf's aliases of =lt=, =le=, =gt=, =ge=
    ("id>2;id<=10", [10]),
    ("id=le=2,id==11", [1, 2, 11]),
    ("id=in=(1,11)", [1, 11]),
    ("os=ge=14.10", [2, 10, 11]),  # versions, not strings: 14.10 > 14.2.1
    ("os=lt=15", [1, 11]),
    ("os==15", [2]),  # 15.0 == 15
    ("managed==true", [1, 10, 11]),
    ("managed==FALSE", [2]),
    ("seen=ge=2026-11-01T10:00:00Z", [1, 10]),
    ("seen=lt=2026-11-01", [2]),  # a plain date means midnight UTC; null never compares
    ("seen!=2026-10-01T10:00:00Z", [1, 10, 11]),
    ("(id==1,id==2);managed==true", [1]),
    ("id==1,id==2;managed==true", [1]),  # ';' binds tighter than ','
    ("  id == 1 ,  name == jsmith-mba ", [1, 2]),
])
def test_evaluation(expression, expected):
    assert ids(expression) == expected


@pytest.mark.parametrize("expression", [
    "", "name", "name==", "name==\"open", "(id==1", "id==1)", "id=foo=1", "id==1;", ",id==1", "id==(1,2)",
    "id==abc", "managed==yes", "seen=gt=last-tuesday", "os=gt=abc", "id~=1", "name==a b",
])
def test_malformed_filters_raise(expression):
    with pytest.raises(FilterError) as info:
        compile_filter(expression, resolve)
    assert info.value.code == "INVALID_RSQL_FILTER"
    assert str(info.value)


def test_unknown_field_is_its_own_error():
    with pytest.raises(FilterError) as info:
        compile_filter("general.nope==1", resolve)
    assert info.value.code == "INVALID_FIELD" and "general.nope" in info.value.description


@pytest.mark.parametrize("expression, expected", [
    ('os=="14*"', [1, 11]),  # a version field: the glob runs over the served text "14.2.1", not over (14, 2, 1)
    ('os=="14.1*"', [11]),
    ("os!=14*", [2, 10]),
    ('os=="*.1"', [1, 10]),  # "14.2.1" and "26.1"
    ("id==1*", [1, 10, 11]),  # numbers and dates match their text form too
    ('seen=="2026-11-*"', [1, 10]),  # a null never matches a wildcard ...
    ('seen!="2026-11-*"', [2, 11]),  # ... so it is among the "not equal" ones
    ("managed==T*", [1, 10, 11]),
    ("os=in=(14*,26.1)", [1, 10, 11]),  # in a list, each value with a '*' is a glob, the others compare typed
    ("os=out=(14*,15)", [10]),
    ("name=in=(*mba,*air)", [2, 10]),
])
def test_a_wildcard_matches_any_field_by_its_text(expression, expected):
    """`*` in a `==`, `!=`, `=in=` or `=out=` value is a wildcard whatever the field's type (Jamf documents no
    restriction): it matches the value's text as the record serves it, case-insensitively, like a string."""
    assert ids(expression) == expected


@pytest.mark.parametrize("expression", ['os=ge="14*"', "id=lt=1*", "name=gt=a*", "seen=le=2026-*", "os>14.*"])
def test_a_wildcard_in_an_ordering_comparison_is_rejected(expression):
    """`*` has no meaning for =lt=, =le=, =gt=, =ge=: the filter is rejected (400) instead of matching nothing."""
    with pytest.raises(FilterError) as info:
        compile_filter(expression, resolve)
    assert info.value.code == "INVALID_RSQL_FILTER" and "wildcard" in info.value.description


def test_nesting_is_capped():
    """Parentheses nest at most MAX_NESTING deep: deeper is an INVALID_RSQL_FILTER, never a RecursionError."""
    assert ids("(" * MAX_NESTING + "id==1" + ")" * MAX_NESTING) == [1]
    for depth in (MAX_NESTING + 1, 400, 5000):
        with pytest.raises(FilterError) as info:
            compile_filter("(" * depth + "id==1" + ")" * depth, resolve)
        assert info.value.code == "INVALID_RSQL_FILTER" and "nested" in info.value.description


def test_a_long_in_list_the_client_built_is_evaluated():
    """The client's length cap is for a filter a person types: the sandbox takes the long =in= lists of serials
    that jamfctl builds itself (resources/mdm.py splits them at 30,000 characters)."""
    names = [f"Mac-{i:05d}" for i in range(3000)] + ["jsmith-mba"]
    expression = f"name=in=({','.join(names)})"
    assert len(expression) > MAX_LENGTH and ids(expression) == [2]


def test_a_control_character_is_refused_like_the_client_refuses_it():
    with pytest.raises(FilterError) as info:
        compile_filter("name==a\u202eb", resolve)
    assert info.value.code == "INVALID_RSQL_FILTER" and "invisible" in info.value.description


def test_the_sandbox_filters_and_sorts_on_the_fields_the_client_allows():
    """The inventory's filter and sort fields are the catalogue's (generated from Jamf's schema), which the client
    validates against, plus the documented alias general.lastContactTime; every kind is one the evaluator knows."""
    from jamfctl import specs
    from jamfctl.resources import collection
    from jamfctl.sandbox.query import FILTER_FIELDS, SORT_FIELDS

    computer = specs.BY_NAME["computer"]
    assert set(FILTER_FIELDS) == {*collection.filter_fields(computer), "general.lastContactTime"}
    assert set(SORT_FIELDS) == set(collection.sort_fields(computer))
    assert set(FILTER_FIELDS.values()) <= {STRING, INT, BOOL, DATETIME, DATE, VERSION}
    assert FILTER_FIELDS["operatingSystem.version"] == VERSION and FILTER_FIELDS["id"] == INT


@pytest.mark.parametrize("values, code", [
    (["general.name:sideways"], "INVALID_SORT_DIRECTION"),
    (["general.colour:asc"], "INVALID_FIELD"),
    (["id:desc", "general.name asc"], "INVALID_FIELD"),
    (["general.name:asc,"], "INVALID_FIELD"),
])
def test_inventory_sort_errors_carry_jamfs_codes(values, code):
    from jamfctl.sandbox.query import QueryError, parse_sort

    with pytest.raises(QueryError) as info:
        parse_sort(values)
    assert info.value.code == code and info.value.field == "sort"


def test_inventory_sort_keys_in_order():
    from jamfctl.sandbox.query import parse_sort

    assert parse_sort(["operatingSystem.version:DESC,general.name", "id:asc"]) == [
        ("operatingSystem.version", True), ("general.name", False), ("id", False)]
