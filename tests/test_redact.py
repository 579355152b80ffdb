"""Redaction: secret values never leave jamfctl; facts about secrets stay visible for audits."""
from __future__ import annotations

import copy

import pytest

from jamfctl import redact
from jamfctl.redact import REDACTED

FACTS = {
    "bootstrapTokenEscrowedStatus": "ESCROWED",
    "bootstrapTokenAllowed": True,
    "recoveryLockEnabled": False,
    "individualRecoveryKeyValidityStatus": "VALID",
    "institutionalRecoveryKeyPresent": True,
    "passcodeCompliant": True,
    "passcodePresent": True,
    "tokenExpirationDate": "2030-01-01T00:00:00Z",
    "passwordMinLength": 12,
    "accessTokenLifetimeSeconds": 1800,
    "token_type": "Bearer",
    "keyUsage": "signing",
}

SECRETS = {
    "password": "hunter2",
    "clientSecret": "cs-123",
    "client_secret": "cs-456",
    "access_token": "eyJhbGciOi",
    "accessToken": "eyJhbGciOj",
    "refreshToken": "rt-1",
    "token": "tok-1",
    "bootstrapToken": "bt-1",
    "personalRecoveryKey": "ABCD-EFGH-IJKL",
    "recoveryLockPassword": "rl-pass",
    "pin": "123456",
    "lockPin": "654321",
    "privateKey": "-----BEGIN PRIVATE KEY-----",
    "lapsUserPasswordList": [{"username": "admin", "password": "x"}],
    "authorization": "Bearer abc",
    "PASSWORD": "upper-case-name",
    "localAdminPassword": "suffix-match",  # Classic-style name ending in Password
    "sharedSecret": "suffix-match-2",
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_secret_fields_are_replaced(name):
    """A secret-bearing field's value becomes <redacted>, whatever its type."""
    assert redact.redact({name: SECRETS[name]}) == {name: REDACTED}


@pytest.mark.parametrize("name", sorted(FACTS))
def test_facts_about_secrets_stay_visible(name):
    """Status, policy and lifetime fields that merely mention tokens or passwords are not hidden."""
    assert redact.redact({name: FACTS[name]}) == {name: FACTS[name]}


def test_secrets_are_found_at_any_depth_and_inside_lists():
    """Nesting in dicts and lists does not hide a secret from the redactor."""
    record = {
        "general": {"name": "Mac-1", "security": {"recoveryLockPassword": "rl", "recoveryLockEnabled": True}},
        "localAdminAccounts": [{"username": "admin", "password": "p1"}, {"username": "it", "password": "p2"}],
        "deep": [[{"x": {"token": "t"}}]],
    }
    assert redact.redact(record) == {
        "general": {"name": "Mac-1", "security": {"recoveryLockPassword": REDACTED, "recoveryLockEnabled": True}},
        "localAdminAccounts": [{"username": "admin", "password": REDACTED}, {"username": "it", "password": REDACTED}],
        "deep": [[{"x": {"token": REDACTED}}]],
    }


def test_redact_returns_a_copy_and_leaves_the_input_alone():
    """Rendering must not change the data a command still holds."""
    record = {"a": {"password": "p"}, "b": [{"pin": "1"}]}
    before = copy.deepcopy(record)
    redact.redact(record)
    assert record == before


@pytest.mark.parametrize("value", [True, False, None])
def test_booleans_and_null_under_secret_names_are_facts(value):
    """`password: true` (a password is set) or `token: null` reveal nothing and stay as they are."""
    assert redact.redact({"password": value, "token": value}) == {"password": value, "token": value}


def test_empty_strings_and_numbers_under_secret_names_are_still_hidden():
    """A numeric PIN is a secret too; only booleans and null are exempt."""
    assert redact.redact({"pin": 123456, "passcode": 0}) == {"pin": REDACTED, "passcode": REDACTED}


def test_reveal_leaves_only_the_named_field_alone():
    """`--reveal` prints the one secret asked for, and keeps every other one hidden."""
    record = {"personalRecoveryKey": "ABCD-1234", "password": "other", "nested": {"personalRecoveryKey": "XYZ"}}
    shown = redact.redact(record, reveal=frozenset({"personalRecoveryKey"}))
    assert shown["personalRecoveryKey"] == "ABCD-1234"
    assert shown["nested"]["personalRecoveryKey"] == "XYZ"
    assert shown["password"] == REDACTED


def test_hostile_nesting_is_cut_past_max_depth_into_redacted():
    """A server reply nested 10,000 levels deep is cut short, not a crash: every level down to
    redact.MAX_DEPTH is walked (a secret there is still found), and the whole subtree past it becomes
    "<redacted>" (withheld, not walked)."""
    deep_dict: dict = {}
    cursor = deep_dict
    for _ in range(10_000):
        cursor["x"] = {}
        cursor["password"] = "p"
        cursor = cursor["x"]
    deep_list: list = []
    node = deep_list
    for _ in range(10_000):
        child: list = []
        node.append(child)
        node = child
    shown = redact.redact(deep_dict)
    for _ in range(redact.MAX_DEPTH + 1):  # the root is depth 0, the dict under MAX_DEPTH keys is the last walked
        assert isinstance(shown, dict) and shown["password"] == REDACTED
        shown = shown["x"]
    assert shown == REDACTED
    listed = redact.redact(deep_list)
    for _ in range(redact.MAX_DEPTH + 1):
        assert isinstance(listed, list) and len(listed) == 1
        listed = listed[0]
    assert listed == REDACTED


# --- free text ------------------------------------------------------------------------------------
def test_registered_secrets_are_scrubbed_from_text():
    """Once the client secret or a token is known, it is removed from any sentence."""
    redact.register_secret("Sup3r-S3cret-Value")
    redact.register_secret("eyJ.token.value")
    text = redact.scrub("login with Sup3r-S3cret-Value failed; token eyJ.token.value rejected")
    assert "Sup3r-S3cret-Value" not in text
    assert "eyJ.token.value" not in text
    assert text == f"login with {REDACTED} failed; token {REDACTED} rejected"


def test_a_secret_containing_another_is_scrubbed_whole():
    """The longer secret wins, so no tail of it is left behind."""
    redact.register_secret("abcd1234")
    redact.register_secret("abcd1234-extended-part")
    assert redact.scrub("x abcd1234-extended-part y") == f"x {REDACTED} y"


def test_regex_characters_in_a_secret_are_taken_literally():
    """A secret like `a+b(c)*` scrubs itself and nothing else."""
    redact.register_secret("a+b(c)*.?")
    assert redact.scrub("aab(c) a+b(c)*.?") == f"aab(c) {REDACTED}"


def test_very_short_values_are_not_registered():
    """Scrubbing `ab` everywhere would mangle ordinary text; such values are ignored."""
    redact.register_secret("ab")
    redact.register_secret(None)
    redact.register_secret("")
    assert redact.scrub("about ab") == "about ab"


def test_forget_secrets_starts_again():
    """Tests (and only tests) can reset the registry."""
    redact.register_secret("forget-me-please")
    redact.forget_secrets()
    assert redact.scrub("forget-me-please") == "forget-me-please"


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9"),
        ("authorization: bearer abcdefgh12345678", "abcdefgh12345678"),
        ("grant_type=client_credentials&client_id=x&client_secret=unknown-secret-1&scope=a", "unknown-secret-1"),
        ('{"access_token": "tok-unregistered-9", "expires_in": 60}', "tok-unregistered-9"),
        ("refresh_token=rt-unregistered-7", "rt-unregistered-7"),
        ("password: p4ssw0rd-unregistered", "p4ssw0rd-unregistered"),
    ],
)
def test_secret_shapes_are_scrubbed_even_when_unregistered(text, leak):
    """`Bearer xxx`, `client_secret=...`, token bodies: the shape alone is enough to hide the value."""
    scrubbed = redact.scrub(text)
    assert leak not in scrubbed
    assert REDACTED in scrubbed


def test_scrub_keeps_the_surrounding_text_readable():
    """Only the value goes; the key and the rest of the line stay."""
    assert redact.scrub("client_secret=zzz&client_id=abc") == f"client_secret={REDACTED}&client_id=abc"
    assert redact.scrub("a plain sentence about passwords") == "a plain sentence about passwords"
