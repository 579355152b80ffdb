"""jamfctl.resources.computers.check_record: the pydantic-free path gives the model's answer, data and key order.

The model (jamfctl.resources.models.ComputerInventory) is the reference: for any record, check_record returns
exactly what `ComputerInventory.model_validate(record).to_dict()` returns (keys in the same order, at every
level), or fails with the same plain message where the model refuses.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jamfctl.errors import ServerError
from jamfctl.resources import computers
from jamfctl.resources.models import ComputerInventory, JamfModel


def by_the_model(record):
    try:
        return computers._by_the_model(record, "Jamf Pro")
    except ServerError as exc:
        return ("refused", exc.message)


def checked(record):
    try:
        return computers.check_record(record, "Jamf Pro")
    except ServerError as exc:
        return ("refused", exc.message)


def key_order(value):
    if isinstance(value, dict):
        return [(k, key_order(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [key_order(v) for v in value]
    return None


def same(record) -> None:
    ours, model = checked(record), by_the_model(record)
    assert ours == model
    assert key_order(ours) == key_order(model)


def test_the_shape_is_the_models():
    """SHAPE lists the model's fields, in its order, with their types: the two cannot drift apart."""
    def shape_of(model: type[JamfModel]) -> dict:
        out = {}
        for name, info in model.model_fields.items():
            kinds = [a for a in typing.get_args(info.annotation) if a is not type(None)] or [info.annotation]
            assert len(kinds) == 1, (name, info.annotation)
            nested = isinstance(kinds[0], type) and issubclass(kinds[0], JamfModel)
            out[name] = shape_of(kinds[0]) if nested else kinds[0]
        return out

    assert shape_of(ComputerInventory) == computers.SHAPE
    assert [n for n, i in ComputerInventory.model_fields.items() if i.is_required()] == ["id"]
    assert json.dumps(shape_of(ComputerInventory), default=str) == json.dumps(computers.SHAPE, default=str)  # order


finite = st.floats(allow_nan=False, allow_infinity=False)
odd_float = st.sampled_from([math.inf, -math.inf, math.nan])  # the model's JSON dump turns these into null
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=5), finite)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3) |
                          st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=12)
# values a declared field may meet: coercible by the model (bools as text or 0/1), wrong, or odd
wrong_value = st.one_of(json_leaf, odd_float, st.sampled_from(["true", "False", "yes", "off", "1", "0", "", "2",
                                                               1, 0, 1.0, 2]),
                        st.lists(json_leaf, max_size=2), st.dictionaries(st.text(max_size=3), json_leaf, max_size=2))
RIGHT = {str: st.none() | st.text(max_size=5), bool: st.none() | st.booleans()}


def record_for(shape: dict) -> st.SearchStrategy:
    """Mostly records of the right shape (the plain path), with wrong values and odd extras mixed in."""
    def field(kind):
        right = (st.none() | record_for(kind)) if isinstance(kind, dict) else RIGHT[kind]
        return st.one_of(right, right, right, right, right, wrong_value)

    declared = st.fixed_dictionaries({}, optional={name: field(kind) for name, kind in shape.items()})
    extra = st.one_of(json_value, json_value, json_value, odd_float, st.lists(odd_float, max_size=1))
    extras = st.dictionaries(st.text(max_size=6).filter(lambda k: k not in shape), extra, max_size=3)
    return st.tuples(declared, extras, st.randoms()).map(_shuffled)


def _shuffled(parts) -> dict:
    declared, extras, rng = parts
    items = [*declared.items(), *extras.items()]
    rng.shuffle(items)  # the server's order, whatever it is: the model's output order is its own
    return dict(items)


good_id = st.text(max_size=4)
ident = st.one_of(good_id, good_id, good_id, good_id, st.integers(), st.none(), st.booleans(), st.just("__absent__"))


@pytest.mark.slow  # ~5 s: hundreds of records through both paths
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=record_for(computers.SHAPE), ident=ident)
def test_any_record_gets_the_models_answer(record, ident):
    if ident != "__absent__":
        record["id"] = ident
    same(record)


@pytest.mark.parametrize("record", [
    {"id": "1", "general": {"supervised": "yes", "remoteManagement": {"managed": 1}}},  # coerced by the model
    {"id": "1", "hardware": {"serialNumber": 5}},  # refused by the model
    {"id": 7}, {"general": {}}, [], "text", None,
    {"id": "1", "extensionAttributes": [{"values": [math.inf]}], "general": {"name": "x", "big": 10**30}},
    {"id": "1", "weird": {"\x1b[31m": "\ud800"}, "hardware": None, "userAndLocation": {}},
    {"zz": 1, "general": {"x": 1, "name": "n"}, "id": "1"},  # extras after the fields, nested too
])
def test_edge_records_get_the_models_answer(record):
    same(record)


@pytest.mark.parametrize("depth", [190, 198, 199, 200, 201, 254, 255, 300])
def test_deep_records_get_the_models_answer(depth):
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    same({"id": "1", "deep": value})
    same({"id": "1", "general": {"deep": value}})


def test_a_usual_record_is_checked_without_pydantic():
    """The point of the plain path: a `computer show` of an ordinary record never imports pydantic."""
    script = ("import sys; from jamfctl.resources import computers; "
              "r = computers.check_record({'id': '1', 'general': {'name': 'Mac', 'supervised': True}, 'x': [1.5]}, "
              "'J'); "
              "assert r == {'id': '1', 'general': {'name': 'Mac', 'supervised': True}, 'x': [1.5]}, r; "
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
