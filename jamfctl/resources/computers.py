"""What computers have beyond their declaration (jamfctl.specs): records read through the pydantic model.

Computer inventory is the flagship record, the one the health and report commands read field by field,
so it is checked against `ComputerInventory` rather than only for shape.
"""
from __future__ import annotations

from jamfctl import validate
from jamfctl.errors import ServerError


def check_record(record: object, label: str) -> dict:
    """A record as plain data once the model accepts it, or a plain error when the server sent something else."""
    from pydantic import ValidationError

    from jamfctl.resources.models import ComputerInventory

    try:
        return ComputerInventory.model_validate(record).to_dict()
    except ValidationError as exc:
        where = ", ".join(".".join(map(str, e["loc"])) or "the record" for e in exc.errors()[:3])
        raise ServerError(f"{label} sent a computer record jamfctl cannot read (at {validate.shown(where, 80)})") from None
