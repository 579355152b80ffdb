"""jamfctl.rsql: the one grammar of Jamf's `filter` and `sort`, which the client checks and the sandbox evaluates."""
from __future__ import annotations

import pytest

from jamfctl import validate
from jamfctl.errors import ValidationError
from jamfctl.rsql import MAX_LENGTH, MAX_NESTING, Comparison, Logical, RsqlError, comparisons, parse, parse_sort
from jamfctl.sandbox.query import SORT_FIELDS, QueryError
from jamfctl.sandbox.query import parse_sort as sandbox_parse_sort
from jamfctl.sandbox.rsql import STRING, FieldSpec, FilterError, compile_filter


# --- the tree ---------------------------------------------------------------------------------------------------
def test_shape_and_precedence():
    """`;` (and) binds tighter than `,` (or); a single child is not wrapped; parentheses group."""
    tree = parse("a==1,b==2;c=in=(x,'y z')")
    assert tree == Logical("or", (Comparison("a", "eq", ("1",)),
                                  Logical("and", (Comparison("b", "eq", ("2",)), Comparison("c", "in", ("x", "y z"))))))
    grouped = parse("(a==1,b==2);c!=3")
    assert grouped.op == "and" and grouped.children[0].op == "or"
    assert parse("((a==1))") == Comparison("a", "eq", ("1",))


@pytest.mark.parametrize("symbol, op", [
    ("==", "eq"), ("!=", "ne"), ("=lt=", "lt"), ("=le=", "le"), ("=gt=", "gt"), ("=ge=", "ge"),
    ("<", "lt"), ("<=", "le"), (">", "gt"), (">=", "ge"),  # jirutka rsql-parser's aliases, which Jamf accepts
])
def test_every_operator_and_alias(symbol, op):
    assert parse(f"id{symbol}5") == Comparison("id", op, ("5",))
    assert parse(f" id {symbol} 5 ") == Comparison("id", op, ("5",))


@pytest.mark.parametrize("symbol, op", [("=in=", "in"), ("=out=", "out")])
def test_list_operators_take_a_parenthesised_list(symbol, op):
    assert parse(f"id{symbol}(1, '2' ,\"3\")") == Comparison("id", op, ("1", "2", "3"))
    assert parse(f"id{symbol}(1)") == Comparison("id", op, ("1",))


@pytest.mark.parametrize("text, value", [
    ('name=="a;b,c(d)"', "a;b,c(d)"),  # punctuation inside quotes is data
    ("name=='single quoted'", "single quoted"),
    (r'name=="say \"hi\""', 'say "hi"'),
    (r"name=='it\'s'", "it's"),
    (r'name=="back\\slash"', "back\\slash"),
    ('name==""', ""),
    ('name=="<=>!~"', "<=>!~"),
    ("name==Müller", "Müller"),  # RSQL's unreserved words: any script, paths, percent signs, wildcards
    ("name==東京-Mac", "東京-Mac"),
    ("name==a/b", "a/b"),
    ("name==x%27s#1", "x%27s#1"),
    ("name==*Lab*", "*Lab*"),
])
def test_values_quoted_with_escapes_or_unreserved_words(text, value):
    assert parse(text) == Comparison("name", "eq", (value,))


@pytest.mark.parametrize("value", ['x" or id==1', "back\\slash", "end\\", '"', "semi;colon,comma(paren)", "", "'"])
def test_a_value_quoted_by_the_client_comes_back_unchanged(value):
    assert parse(f"name=={validate.rsql_quote(value)}") == Comparison("name", "eq", (value,))


def test_comparisons_in_order():
    assert [c.field for c in comparisons(parse("(a==1;b==2),(c==3;(d==4,e==5))"))] == ["a", "b", "c", "d", "e"]


# --- what the grammar refuses -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, reason, found", [
    ("", "empty expression", None),
    ('name=="open', "unbalanced quote at", '"open'),
    ("name=='open", "unbalanced quote at", "'open"),
    ("(id==1", "expected ) but found", ""),
    ("id==1)", "unexpected", ")"),
    ("id=like=1", "unexpected", "=like=1"),
    ("id=~1", "unexpected", "=~1"),
    ("id=<1", "unexpected", "=<1"),
    ("id", "expected an operator but found", ""),
    ("==1", "expected a field name but found", "=="),
    ("id==1;", "expected a field name but found", ""),
    ("id==1,,id==2", "expected a field name but found", ","),
    ("id==1 id==2", "unexpected", "id"),
    ("id==", "expected a value but found", ""),
    ("id=in=()", "expected a value but found", ")"),
    ("id=in=(1,)", "expected a value but found", ")"),
    ("id=in=1", "expected ( but found", "1"),  # stricter than jirutka, which reads it as =in=(1)
    ("id==(1)", "expected a value but found", "("),  # also stricter: only =in= and =out= take a list
    ("id==(1,2)", "expected a value but found", "("),
    ("name==a<b", "unexpected", "<"),  # < is an operator: such a value must be quoted
    ("name==a b", "unexpected", "b"),
])
def test_refusals_say_what_was_expected_and_what_was_found(text, reason, found):
    with pytest.raises(RsqlError) as info:
        parse(text)
    error = info.value
    assert (error.code, error.reason, error.found) == ("INVALID_RSQL_FILTER", reason, found)
    assert error.description.startswith("Invalid RSQL filter: ") and str(error) == error.description


def test_the_position_is_where_the_trouble_starts():
    with pytest.raises(RsqlError, match="at position 7"):
        parse("id==1; ,id==2")


@pytest.mark.parametrize("text", ["id==1\x00", "name==a\u202eb", 'name=="Mac\u200bBook"', "id==1\t;id==2",
                                  "id==1\r\n;id==2"])
def test_control_and_invisible_characters_are_refused(text):
    with pytest.raises(RsqlError, match="no control or invisible"):
        parse(text)


def test_nesting_is_capped_before_recursion_could_fail():
    assert parse("(" * MAX_NESTING + "id==1" + ")" * MAX_NESTING) == Comparison("id", "eq", ("1",))
    with pytest.raises(RsqlError, match=f"nested more than {MAX_NESTING} deep"):
        parse("(" * (MAX_NESTING + 1) + "id==1" + ")" * (MAX_NESTING + 1))
    with pytest.raises(RsqlError, match="nested"):
        parse("(" * 20_000 + "id==1" + ")" * 20_000, max_length=None)


def test_the_length_cap_is_for_typed_filters_only():
    long_list = f"id=in=({','.join(str(i) for i in range(2000))})"
    assert len(long_list) > MAX_LENGTH
    with pytest.raises(RsqlError, match=f"at most {MAX_LENGTH} characters"):
        parse(long_list)
    assert len(parse(long_list, max_length=None).args) == 2000


# --- sort -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, keys", [
    ("general.name", [("general.name", False)]),
    ("general.name:asc", [("general.name", False)]),
    ("id:DESC", [("id", True)]),
    (" general.name:desc , id ", [("general.name", True), ("id", False)]),
    ("id:", [("id", False)]),
])
def test_parse_sort(text, keys):
    assert parse_sort(text) == keys


@pytest.mark.parametrize("text, code, found", [
    ("", "INVALID_FIELD", ""),
    (":asc", "INVALID_FIELD", ""),
    ("general.name:asc,", "INVALID_FIELD", ""),
    ("general.name asc", "INVALID_FIELD", "general.name asc"),
    ("general.name:sideways", "INVALID_SORT_DIRECTION", "sideways"),
    ("general.name:asc:desc", "INVALID_SORT_DIRECTION", "asc:desc"),
    ("general.name:ASC;DROP", "INVALID_SORT_DIRECTION", "ASC;DROP"),
])
def test_parse_sort_refusals(text, code, found):
    with pytest.raises(RsqlError) as info:
        parse_sort(text)
    assert (info.value.code, info.value.found) == (code, found)


# --- the client and the sandbox agree ---------------------------------------------------------------------------
FILTERS = [
    "id==1", "id!=1", "id=lt=1", "id=le=1", "id=gt=1", "id=ge=1", "id<1", "id<=1", "id>1", "id>=1",
    "id=in=(1,2)", "id=out=(1)", 'name=="a;b"', "name=='x'", r'name=="a\"b"', "name==Müller", "name==a/b",
    "name==*x*", "(id==1,id==2);name==x", "((id==1))", " id == 1 ", "id==1;name==x,id==2",
    "(" * MAX_NESTING + "id==1" + ")" * MAX_NESTING,
    "", " ", "id", "id==", "==1", "(id==1", "id==1)", "id=like=1", "id=~1", "id=<1", "id=>1", "id==1;", ",id==1",
    "id==1,,id==2", "id==1 id==2", "id=in=()", "id=in=(1,)", "id=in=1", "id==(1)", "id==(1,2)", 'name=="open',
    "name=='open", "name==a<b", "name==a b", "name==a=b", "name==a!b", "id==1\x00", "name==a\u202eb",
    "(" * (MAX_NESTING + 1) + "id==1" + ")" * (MAX_NESTING + 1), "id==" + "1" * 5000,
]


def client_accepts(text: str) -> bool:
    try:
        validate.rsql_filter(text, ["id", "name"])
        return True
    except ValidationError:
        return False


def sandbox_accepts(text: str) -> bool:
    """Grammatically: every field is a string, so no value is refused for its type."""
    try:
        compile_filter(text, lambda field: FieldSpec(STRING, lambda row: ""))
        return True
    except FilterError:
        return False


@pytest.mark.parametrize("text", [f for f in FILTERS if len(f) <= MAX_LENGTH])
def test_client_and_sandbox_accept_the_same_filters(text):
    assert client_accepts(text) == sandbox_accepts(text)


def test_the_corpus_holds_both_outcomes():
    outcomes = [client_accepts(f) for f in FILTERS]
    assert outcomes.count(True) >= 20 and outcomes.count(False) >= 30


SORTS = ["general.name", "id:desc", "general.name:ASC,id", "", ":asc", "id:", "id:up", "id:asc,", "password:asc",
         "general.name asc", "general.name:asc:desc", "general.name:ASC;DROP", "general.colour"]


@pytest.mark.parametrize("text", SORTS)
def test_client_and_sandbox_accept_the_same_sorts(text):
    try:
        validate.sort_spec(text, list(SORT_FIELDS))
        client = True
    except ValidationError:
        client = False
    try:
        sandbox_parse_sort([text])
        sandbox = True
    except QueryError:
        sandbox = False
    assert client == sandbox


def test_validate_words_grammar_errors_for_people():
    """The client's message is one plain line, quoting input only through validate.shown."""
    with pytest.raises(ValidationError) as info:
        validate.rsql_filter("(id==1", ["id"])
    assert info.value.message == "invalid filter: expected ) but found the end"
    with pytest.raises(ValidationError) as info:
        validate.rsql_filter("id==1 " + "x" * 100, ["id"])
    assert info.value.message == f"invalid filter: unexpected {validate.shown('x' * 100, 20)}"
