"""What computers have beyond their declaration (jamfctl.specs): records read as the pydantic model reads them.

Computer inventory is the flagship record, the one the health and report commands read field by field,
so it is checked against `ComputerInventory` (jamfctl.resources.models) rather than only for shape. A record
of the usual shape is checked here, without pydantic (importing it and the models costs a `show` ~80 ms):
the same verdict and the same data, keys in the model's order. Anything else (a bool sent as text, a number
where text belongs, an infinite number, deep nesting) goes to the model itself, which coerces or refuses it
with its own message. tests/test_computer_records.py holds the two to the same answers.
"""
from __future__ import annotations

import math

from jamfctl import validate
from jamfctl.errors import ServerError

# The model's fields, in its order: str or None (str), bool or None (bool), or a nested model (a dict).
REMOTE_MANAGEMENT = {"managed": bool}
SHAPE: dict = {
    "id": str,  # required
    "udid": str,
    "general": {"name": str, "lastContact": str, "reportDate": str, "managementId": str,
                "remoteManagement": REMOTE_MANAGEMENT, "supervised": bool},
    "hardware": {"serialNumber": str, "model": str, "modelIdentifier": str},
    "operatingSystem": {"name": str, "version": str, "build": str},
    "userAndLocation": {"username": str, "realname": str, "email": str},
}
PLAIN_DEPTH = 200  # deeper data goes to the model: pydantic refuses to serialise past ~255 levels


def check_record(record: object, label: str) -> dict:
    """A record as plain data once the model accepts it, or a plain error when the server sent something else."""
    if isinstance(record, dict) and type(record.get("id")) is str:
        plain = _plain(record, SHAPE)
        if plain is not None and _ordinary(record, PLAIN_DEPTH):
            return plain
    return _by_the_model(record, label)


def _plain(record: dict, shape: dict) -> dict | None:
    """The record with the model's fields first (as model_dump orders them), or None if a field needs the model."""
    out = {}
    for key, kind in shape.items():
        if key not in record:
            continue
        value = record[key]
        if value is not None:
            if isinstance(kind, dict):
                if type(value) is not dict:
                    return None
                value = _plain(value, kind)
                if value is None:
                    return None
            elif type(value) is not kind:
                return None
        out[key] = value
    if len(out) == len(record):
        return out
    for key, value in record.items():
        if key not in out:
            out[key] = value
    return out


def _ordinary(record: dict, depth: int) -> bool:
    """No float the model's JSON dump would change (inf, nan become null) and no nesting deeper than `depth`.
    A loop, not recursion: it runs for every record of a listing."""
    todo = [(record.values(), depth)]
    while todo:
        values, left = todo.pop()
        for value in values:
            kind = type(value)
            if kind is dict or kind is list:
                if left <= 1:
                    return False
                todo.append((value.values() if kind is dict else value, left - 1))
            elif kind is float and not math.isfinite(value):
                return False
    return True


def _by_the_model(record: object, label: str) -> dict:
    from pydantic import ValidationError

    from jamfctl.resources.models import ComputerInventory

    try:
        return ComputerInventory.model_validate(record).to_dict()
    except ValidationError as exc:
        where = ", ".join(".".join(map(str, e["loc"])) or "the record" for e in exc.errors()[:3])
        raise ServerError(f"{label} sent a computer record jamfctl cannot read (at {validate.shown(where, 80)})") from None
