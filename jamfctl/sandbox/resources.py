"""Routes for everything the sandbox serves besides computer inventory: the declared collections
(sandbox.collections), mobile devices, group membership and the Classic API (JSON or XML).

`ResourceRoutes.answer` returns None for a path it does not serve, so the app can say 404.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Callable

from . import classic_xml
from .collections import BY_PATH, QueryRejected, Served, catalogue, filter_kinds, page_body, privileges, search, sort_fields

if TYPE_CHECKING:
    from .app import SandboxApp, SandboxResponse

MOBILE = ("api", "v2", "mobile-devices")
SMART_MEMBERS = ("api", "v3", "computer-groups", "smart-group-membership")
MOBILE_MEMBERS = {("api", "v2", "mobile-device-groups", "smart-group-membership"): "Read Smart Mobile Device Groups",
                  ("api", "v2", "mobile-device-groups", "static-group-membership"): "Read Static Mobile Device Groups"}
CLASSIC = {  # /JSSResource/<name>: (list key, item key, the store's attribute or method, privilege)
    "policies": ("policies", "policy", "policies", "Read Policies"),
    "osxconfigurationprofiles": ("os_x_configuration_profiles", "os_x_configuration_profile",
                                 "os_x_configuration_profiles", "Read macOS Configuration Profiles"),
    "computergroups": ("computer_groups", "computer_group", "computer_groups", "Read Smart Computer Groups"),
}


# Modules serving more of the API, tried in order before a 404: each has
# answer(app, method, segments, query, headers, body) -> SandboxResponse | None (None: not mine).
EXTENSIONS: tuple[str, ...] = (
    "jamfctl.sandbox.laps",
    "jamfctl.sandbox.writes",
    "jamfctl.sandbox.mdm",
    "jamfctl.sandbox.identity",
    "jamfctl.sandbox.software_updates",
    "jamfctl.sandbox.generic",  # last: every other schema path, after the routes above and below
)


class ResourceRoutes:
    def __init__(self, app: SandboxApp):
        self.app = app
        self._store = None

    @property
    def store(self):
        """Built on first use: computer-only runs (and the 100k-computer benchmarks) never pay for it."""
        if self._store is None:
            from .store import Store

            self._store = Store(self.app.fleet)
        return self._store

    def answer(self, method: str, segments: tuple[str, ...], query, headers, body: bytes = b"") -> SandboxResponse | None:
        for name in EXTENSIONS:
            response = import_module(name).answer(self.app, method, segments, query, headers, body)
            if response is not None:
                return response
        if segments[:1] == ("JSSResource",):
            return self._classic(method, segments[1:], headers)
        served = BY_PATH.get(segments)
        if served is not None:
            return self._guard(method, privileges(served, False)) or self._list(served, query)
        served = BY_PATH.get(segments[:-1])
        if served is not None and served.item:
            return self._guard(method, privileges(served, True), writes="PUT") or self._item(served, segments[-1])
        if segments[:3] == MOBILE:
            return self._mobile(method, segments[3:], query)
        if segments[:-1] == SMART_MEMBERS:
            return self._guard(method, ("Read Smart Computer Groups",)) or self._smart_members(segments[-1])
        if segments[:-1] in MOBILE_MEMBERS:
            denied = self._guard(method, (MOBILE_MEMBERS[segments[:-1]], "Read Mobile Devices"))
            return denied or self._mobile_members(segments[-1], query)
        return None

    # --- shared answers -------------------------------------------------------------------------------------
    def _guard(self, method: str, needed: tuple[str, ...], writes: str = "POST") -> SandboxResponse | None:
        """A 405 for anything but GET, a 403 when the sandbox was told to deny one of the privileges."""
        from .app import api_error

        refused = self.app._only_get(method, jamf_also=writes)
        if refused is not None:
            return refused
        missing = [name for name in needed if name in self.app.config.denied_privileges]
        if missing:
            return api_error(403, "INVALID_PRIVILEGE", f"Forbidden: the API role lacks {missing[0]}")
        return None

    def _ordered(self, query, rows: list, kinds: dict[str, str], sortable: list[str],
                 value: Callable[[Any, str], Any] | None = None, default_sort: str = "id:asc"):
        """(page, page_size, rows filtered and sorted) or an error response."""
        from jamfctl.rsql import parse_sort

        from .app import api_error

        paging = self.app._paging(query)
        if not isinstance(paging, tuple):
            return paging
        sort_text = ",".join(v for v in self.app._params(query, "sort") if v.strip()) or default_sort
        filter_text = (self.app._params(query, "filter") or [""])[0].strip()
        try:
            sort = parse_sort(sort_text)
            extra = {} if value is None else {"value": value}
            return (*paging, search(rows, filter_text, sort, kinds, sortable, **extra))
        except QueryRejected as exc:
            return api_error(400, exc.code, exc.description, exc.field)
        except ValueError as exc:  # a sort the grammar refuses
            return api_error(400, "INVALID_SORT", str(exc), "sort")

    def _list(self, served: Served, query) -> SandboxResponse:
        from .app import _json

        rows = self.store.collection(served.collection).rows
        if not served.paged:
            return _json(200, rows)
        ordered = self._ordered(query, rows, filter_kinds(served), sort_fields(served))
        if not isinstance(ordered, tuple):
            return ordered
        page, page_size, rows = ordered
        return _json(200, page_body(rows, page, min(page_size, served.max_page_size), served.page_extras))

    def _item(self, served: Served, raw_id: str) -> SandboxResponse:
        from .app import _json, api_error

        item = self.store.collection(served.collection).items.get(raw_id)
        if item is None:
            return api_error(404, "INVALID_ID", f"No object with id {raw_id}", "id", object_id=raw_id)
        return _json(200, item)

    # --- mobile devices ---------------------------------------------------------------------------------------
    def _mobile(self, method: str, rest: tuple[str, ...], query) -> SandboxResponse | None:
        from .app import _json, api_error

        denied = self._guard(method, ("Read Mobile Devices",), writes="PATCH")
        if denied is not None:
            return denied
        store = self.store
        if rest == ("detail",):
            return self._mobile_detail_list(query)
        if not rest:
            ordered = self._ordered(query, list(store.mobile_devices), {}, ["id"],
                                    value=lambda d, f: d.id if f == "id" else None)
            if not isinstance(ordered, tuple):
                return ordered
            page, size, devices = ordered
            return _json(200, page_body([store.mobile_light(d) for d in devices], page, size, False))
        number = self.app.parse_int(rest[0])
        device = store.mobile_get(number) if number is not None and len(rest) <= 2 else None
        if device is None or rest[1:] not in ((), ("detail",)):
            return api_error(404, "INVALID_ID", f"Mobile device with id {rest[0]} not found", "id", object_id=rest[0])
        return _json(200, store.mobile_detail(device) if rest[1:] else store.mobile_light(device))

    def _mobile_detail_list(self, query) -> SandboxResponse:
        from .app import _json, api_error

        sections = [s.strip().upper() for s in self.app._params(query, "section")] or ["GENERAL"]
        valid = catalogue("mobile")["sections"]
        bad = [s for s in sections if s not in valid]
        if bad:
            return api_error(400, "INVALID_SECTION", f"Invalid section: {bad[0]!r}", "section")
        handling = (self.app._params(query, "exception-handling") or ["STRICT"])[0]
        if handling not in ("STRICT", "LENIENT"):
            return api_error(400, "INVALID_PARAMETER", f"Invalid exception-handling: {handling!r}", "exception-handling")
        ordered = self._mobile_ordered(query, list(self.store.mobile_devices), "displayName:asc")
        if not isinstance(ordered, tuple):
            return ordered
        page, size, devices = ordered
        start = page * size
        results = [self.store.mobile_record(d, sections) for d in devices[start:start + size]]
        return _json(200, {"totalCount": len(devices), "results": results})

    def _mobile_ordered(self, query, devices: list, default_sort: str):
        cat = catalogue("mobile")
        store = self.store

        def value(device, name: str):
            try:
                return store.mobile_filter_value(device, name)
            except KeyError:
                return None

        return self._ordered(query, devices, cat["field_kinds"], cat["sort_fields"], value, default_sort)

    # --- group membership -------------------------------------------------------------------------------------
    def _smart_members(self, raw_id: str) -> SandboxResponse:
        from .app import _json, api_error

        number = self.app.parse_int(raw_id)
        smart = self.store.collection("smart-computer-groups").items.get(raw_id)
        members = self.store.computer_group_members(number) if smart is not None and number else None
        if members is None:
            return api_error(404, "INVALID_ID", f"Smart group with id {raw_id} not found", "id", object_id=raw_id)
        return _json(200, {"members": [c.id for c in members]})

    def _mobile_members(self, raw_id: str, query) -> SandboxResponse:
        from .app import _json, api_error

        number = self.app.parse_int(raw_id)
        members = self.store.mobile_group_members(number) if number else None
        if members is None:
            return api_error(404, "INVALID_ID", f"Mobile device group with id {raw_id} not found", "id",
                             object_id=raw_id)
        ordered = self._mobile_ordered(query, members, "displayName:asc")
        if not isinstance(ordered, tuple):
            return ordered
        page, size, devices = ordered
        start = page * size
        return _json(200, {"totalCount": len(devices),
                           "results": [self.store.mobile_row(d) for d in devices[start:start + size]]})

    # --- Classic API --------------------------------------------------------------------------------------------
    def _classic(self, method: str, rest: tuple[str, ...], headers) -> SandboxResponse | None:
        if not rest or rest[0] not in CLASSIC:
            return None
        list_key, item_key, source, privilege = CLASSIC[rest[0]]
        denied = self._guard(method, (privilege,), writes="PUT")
        if denied is not None:
            return denied
        objects = self._classic_objects(source)
        wants_json = "json" in headers.get("accept", "")
        if len(rest) == 1:
            rows = [{"id": _ident(o), "name": _name(o)} for o in objects]
            return classic_xml.answer(200, {list_key: rows}, wants_json)
        if len(rest) == 3 and rest[1] in ("id", "name"):
            match = [o for o in objects if str(_ident(o) if rest[1] == "id" else _name(o)) == rest[2]]
            if match:
                return classic_xml.answer(200, {item_key: match[0]}, wants_json)
        return classic_xml.not_found()

    def _classic_objects(self, source: str) -> list[dict]:
        store = self.store
        if source == "computer_groups":
            groups = store.collection("computer-groups").rows
            return [g for g in (store.classic_computer_group(int(row["id"])) for row in groups) if g]
        return list(getattr(store, source))


def _ident(obj: dict):
    return obj["id"] if "id" in obj else obj["general"]["id"]


def _name(obj: dict):
    return obj["name"] if "name" in obj else obj["general"]["name"]
