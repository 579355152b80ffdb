"""What groups have beyond their declaration: their smart or static detail, and their members.

Computer groups' members come from the Classic API in one request, for smart and static groups alike
(Jamf has no modern read of a static group's members): id, name and serial number of each computer.
Mobile device groups have modern, paged membership lists.
"""
from __future__ import annotations

from jamfctl.errors import ServerError
from jamfctl.resources import collection
from jamfctl.specs import Column, ResourceSpec

COMPUTER_MEMBER_FIELDS = ["id", "name", "serialNumber", "macAddress", "altMacAddress"]
CLASSIC_NAMES = {"serial_number": "serialNumber", "mac_address": "macAddress", "alt_mac_address": "altMacAddress"}


def _smart(group: dict) -> bool:
    return bool(group.get("smartGroup", group.get("isSmartGroup")))


def _privilege(group: dict, mobile: bool) -> str:
    kind = "Smart" if _smart(group) else "Static"
    return f"Read {kind} {'Mobile Device' if mobile else 'Computer'} Groups"


def enrich(client, spec: ResourceSpec, group: dict) -> dict:
    """The list row plus the smart group's criteria (or the static group's detail): one more request."""
    path = spec.detail_paths[0 if _smart(group) else 1].format(id=group["id"])
    detail = client.get_json(path, privilege=_privilege(group, spec.variant == "mobile"))
    if not isinstance(detail, dict):
        raise ServerError(f"{client.label} sent an unexpected answer to GET {path}")
    return {**group, **{k: v for k, v in detail.items() if k not in group}}


def member_fields(spec: ResourceSpec) -> list[str]:
    if spec.variant == "mobile":
        return collection.catalogue(spec.name)["member_fields"]
    return COMPUTER_MEMBER_FIELDS


def member_columns(spec: ResourceSpec, chosen: list[str] | None) -> list[Column]:
    if chosen:
        return [Column(path, path, no_wrap=path in ("id", "serialNumber")) for path in chosen]
    if spec.variant == "mobile":
        return [Column("Id", "id", no_wrap=True), Column("Name", "displayName"),
                Column("Serial", "serialNumber", no_wrap=True), Column("Model", "model"),
                Column("OS", "osVersion"), Column("User", "username")]
    return [Column("Id", "id", no_wrap=True), Column("Name", "name"), Column("Serial", "serialNumber", no_wrap=True),
            Column("MAC address", "macAddress", no_wrap=True)]


def members(client, spec: ResourceSpec, group: dict) -> collection.Records:
    if spec.variant == "mobile":
        path = spec.members_path.format(kind="smart" if _smart(group) else "static", id=group["id"])
        listing = client.paginate(path, [("sort", "mobileDeviceId:asc")], privilege=_privilege(group, True))
        return collection.Records(listing, lambda row: _mobile_member(row, client.label))
    path = f"/JSSResource/computergroups/id/{group['id']}"
    body = client.get_json(path, privilege=_privilege(group, False))
    computers = body.get("computer_group", {}).get("computers") if isinstance(body, dict) else None
    if not isinstance(computers, list) or not all(isinstance(c, dict) for c in computers):
        raise ServerError(f"{client.label} sent an unexpected answer to GET {path}")
    rows = [{CLASSIC_NAMES.get(k, k): v for k, v in c.items()} for c in computers]
    return collection.Records(rows, lambda row: row, total=len(rows))


def _mobile_member(row: object, label: str) -> dict:
    if not isinstance(row, dict) or type(row.get("mobileDeviceId")) not in (str, int):
        raise ServerError(f"{label} sent a group member record jamfctl cannot read")
    return row if "id" in row else {"id": row["mobileDeviceId"], **row}
