"""A Jamf Pro instance's configuration as files a git repository can hold, and the comparison of two.

Layout: DIR/jamfctl-backup.yaml (what this is) and one YAML file per object, DIR/<folder>/<safe name>.yaml,
for every kind in KINDS. Each file is the object as Jamf sends it, normalised so that an unchanged server
gives unchanged files: keys sorted, multi-line text (script bodies) as YAML blocks that diff line by line,
fields that change on every read left out (VOLATILE), secret values written as `<redacted>` (the redaction
engine's rule, plus Classic's password hashes), a profile's payload decoded into the plist it is.
Objects are read at most `max_connections` at a time.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from jamfctl import redact
from jamfctl.errors import JamfctlError, ValidationError
from jamfctl.resources import collection, files
from jamfctl.specs import BY_NAME, RESOURCES

MANIFEST = "jamfctl-backup.yaml"
FORMAT = 1


@dataclass(frozen=True)
class Kind:
    name: str  # the spec's name, as --only takes it
    folder: str  # its plural, as a folder name: "computer-groups"
    detail: str = ""  # "item": each object read by id (Classic lists hold ids and names); "enrich": groups' criteria


# Inventory (devices and their users) is not configuration; every other declared noun is, so a noun added to
# jamfctl.specs is backed up without an edit here.
INVENTORY = frozenset({"computer", "mobile", "user"})


def _kind(spec) -> Kind:
    detail = "item" if spec.api == "classic" else "enrich" if collection.hook(spec, "enrich") else ""
    return Kind(spec.name, spec.plural.replace(" ", "-"), detail)


KINDS: tuple[Kind, ...] = tuple(_kind(spec) for spec in RESOURCES if spec.name not in INVENTORY)
BY_KIND = {kind.name: kind for kind in KINDS}
# Fields that change without anyone changing the configuration: counts of members, upload states, times of
# the last run, check-in or change (at any depth).
VOLATILE = {"mobile-group": {"count", "memberCount"}, "computer-group": {"memberCount", "membershipCount"},
            "package": {"cloudTransferStatus"}}
VOLATILE_NAME = re.compile(r"(?i)^(last_?(modified|updated|run|check_?in|contact|seen|inventory_?update)\w*"
                           r"|(date_?)?modified(_?(date|at|time|by))?|updated_?at|report_?date\w*)$")
HASHED_SECRET = re.compile(r"(?i)(password|passcode|secret|key)_?sha256$")  # Classic's hashes of passwords


def kinds(only: str | None) -> list[Kind]:
    """--only KINDS (comma-separated kind or folder names), checked before any request."""
    if only is None:
        return list(KINDS)
    chosen = []
    for word in (w.strip() for w in only.split(",")):
        kind = BY_KIND.get(word) or next((k for k in KINDS if k.folder == word), None)
        if kind is None:
            raise ValidationError(f"unknown kind {word!r} in --only; kinds: {', '.join(BY_KIND)}")
        chosen.append(kind)
    return list(dict.fromkeys(chosen))


# --- normalising ------------------------------------------------------------------------------------------
def normalised(kind: Kind, record: dict) -> dict:
    if kind.name == "config-profile":
        from jamfctl.resources import profiles

        record = profiles.shown(record)
    return _hide_hashes(redact.redact(_without_volatile(record, VOLATILE.get(kind.name, set()))))


def _without_volatile(value, names: set[str]):
    if isinstance(value, dict):
        return {k: _without_volatile(v, names) for k, v in value.items()
                if not (isinstance(k, str) and (k in names or VOLATILE_NAME.match(k)))}
    if isinstance(value, list):
        return [_without_volatile(v, names) for v in value]
    return value


def _hide_hashes(value):
    if isinstance(value, dict):
        return {k: (redact.REDACTED if isinstance(k, str) and HASHED_SECRET.search(k) and v not in (None, "")
                    else _hide_hashes(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide_hashes(v) for v in value]
    return value


def _dumper():
    import yaml

    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class Dumper(base):  # multi-line text as a `|` block (PyYAML falls back to quotes where a block cannot hold it)
        pass

    def text(dumper, value: str):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, text)
    return Dumper


def document(data) -> bytes:
    import yaml

    text = yaml.dump(data, Dumper=_dumper(), sort_keys=True, allow_unicode=True, default_flow_style=False,
                     width=4096, indent=2)
    return text.encode("utf-8", "surrogatepass")


# --- reading an instance --------------------------------------------------------------------------------
@dataclass
class Collected:
    documents: dict[str, bytes]  # "scripts/Install Rosetta 2.yaml" -> the file
    counts: dict[str, int]  # kind -> objects
    failures: dict[str, JamfctlError]  # kind -> why it could not be read


def collect(client, chosen: list[Kind], on_progress: Callable[[int, int], None] | None = None) -> Collected:
    """Every object of the chosen kinds, as files' contents. A kind that cannot be read (a privilege the API
    role lacks) is a failure of that kind only."""
    listed: dict[str, list[dict]] = {}
    failures: dict[str, JamfctlError] = {}
    for kind in chosen:
        try:
            listed[kind.name] = list(collection.list_records(client, BY_NAME[kind.name]))
        except JamfctlError as exc:
            failures[kind.name] = exc
    total = sum(len(rows) for rows in listed.values())
    records: dict[str, list[dict]] = {}
    with ThreadPoolExecutor(max_workers=client.max_connections) as pool:
        pending = {name: [pool.submit(_read, client, BY_KIND[name], row) for row in rows]
                   for name, rows in listed.items()}
        done = 0
        for name, futures in pending.items():
            try:
                for future in futures:
                    records.setdefault(name, []).append(future.result())
                    done += 1
                    if on_progress:
                        on_progress(done, total)
            except JamfctlError as exc:
                failures[name] = exc
                for future in futures:
                    future.cancel()
    documents, counts = {}, {}
    for kind in chosen:
        if kind.name in failures:
            continue
        rows = records.get(kind.name, [])
        stems = files.unique_stems((r.get("id"), _name(kind, r)) for r in rows)
        for row in rows:
            documents[f"{kind.folder}/{stems[str(row.get('id'))]}.yaml"] = document(normalised(kind, row))
        counts[kind.name] = len(rows)
    return Collected(documents, counts, failures)


def _read(client, kind: Kind, row: dict) -> dict:
    spec = BY_NAME[kind.name]
    if kind.detail == "item":
        return collection.by_id(client, spec, row["id"])
    if kind.detail == "enrich":
        return collection.hook(spec, "enrich")(client, spec, row)
    return row


def _name(kind: Kind, record: dict):
    return record.get("name") or collection.get_path(record, BY_NAME[kind.name].name_field) or record.get("id")


# --- writing and reading a backup folder --------------------------------------------------------------------
def check_target(root: Path, chosen: list[Kind]) -> bool:
    """Whether `root` already is a backup (so stale files may go). A folder that holds one of the kind
    folders but no manifest is someone else's: refused, so a backup never deletes files it did not write."""
    files.folder(root, "backup folder")
    manifest = root / MANIFEST
    if manifest.is_symlink():
        raise files.UnsafePath(f"refusing {str(manifest)!r}: it is a symbolic link")
    if manifest.exists():
        return True
    clash = [kind.folder for kind in chosen if (root / kind.folder).exists()]
    if clash:
        raise ValidationError(f"{str(root / clash[0])!r} exists but {str(root)!r} is not a jamfctl backup "
                              f"(no {MANIFEST}); choose a new or empty folder")
    return False


def write(root: Path, collected: Collected, chosen: list[Kind], ours: bool) -> dict[str, dict[str, int]]:
    """The files written (only those that changed) and, in a folder that was a backup, each backed-up kind's
    files of objects that are gone removed. Returns kind -> {written, unchanged, removed}."""
    files.folder(root, "backup folder", create=True)
    mode = files.new_file_mode()
    stats = {kind.name: {"written": 0, "unchanged": 0, "removed": 0} for kind in chosen}
    by_folder = {kind.folder: kind for kind in chosen}
    for relative, data in sorted(collected.documents.items()):
        folder_name = relative.split("/", 1)[0]
        files.folder(files.inside(root, folder_name), "backup folder", create=True)
        wrote = files.write_file(files.inside(root, relative), data, mode)
        stats[by_folder[folder_name].name]["written" if wrote else "unchanged"] += 1
    for kind in chosen:
        folder_path = files.inside(root, kind.folder)
        if not ours or kind.name in collected.failures or not folder_path.is_dir():
            continue
        for path in sorted(folder_path.glob("*.yaml")):
            if f"{kind.folder}/{path.name}" not in collected.documents and not path.is_symlink():
                path.unlink()
                stats[kind.name]["removed"] += 1
    present = [k.name for k in KINDS if (root / k.folder).is_dir()]
    files.write_file(files.inside(root, MANIFEST), document({"format": FORMAT, "kinds": present}), mode)
    return stats


def folder_kinds(root: Path) -> list[Kind] | None:
    """The kinds a backup folder holds, from its manifest (None: not a folder with one)."""
    import yaml

    manifest = root / MANIFEST
    if not root.is_dir() or root.is_symlink() or not manifest.is_file() or manifest.is_symlink():
        return None
    try:
        data = yaml.safe_load(files.read_file(manifest))
    except yaml.YAMLError:
        raise ValidationError(f"{str(manifest)!r} is not a jamfctl backup manifest") from None
    names = data.get("kinds") if isinstance(data, dict) else None
    return [BY_KIND[n] for n in names if n in BY_KIND] if isinstance(names, list) else None


def read_folder(root: Path, chosen: list[Kind]) -> dict[str, bytes]:
    """The object files of a backup folder (kind folders only; a symlink anywhere refused)."""
    files.folder(root, "backup folder")
    if not root.is_dir():
        raise ValidationError(f"no such folder: {str(root)!r}")
    if not (root / MANIFEST).is_file() and not any((root / k.folder).is_dir() for k in KINDS):
        raise ValidationError(f"{str(root)!r} is not a jamfctl backup (no {MANIFEST})")
    documents = {}
    for kind in chosen:
        folder_path = files.inside(root, kind.folder)
        if not folder_path.is_dir():
            continue
        for path in sorted(folder_path.iterdir()):
            if path.name.endswith(".yaml") and not path.name.startswith("."):
                documents[f"{kind.folder}/{path.name}"] = files.read_file(files.inside(root, f"{kind.folder}/{path.name}"))
    return documents


# --- comparing ------------------------------------------------------------------------------------------------
def compare(a: dict[str, bytes], b: dict[str, bytes], a_label: str, b_label: str) -> list[dict]:
    """Per object: added (only in B), removed (only in A) or changed, each with its unified diff."""
    folders = {kind.folder: kind.name for kind in KINDS}
    out = []
    for path in sorted(set(a) | set(b)):
        old, new = a.get(path), b.get(path)
        if old == new:
            continue
        status = "added" if old is None else "removed" if new is None else "changed"
        diff = files.unified(_text(old), _text(new), f"{a_label}/{path}", f"{b_label}/{path}")
        folder_name, _, file_name = path.partition("/")
        out.append({"kind": folders.get(folder_name, folder_name), "object": file_name.removesuffix(".yaml"),
                    "path": path, "status": status, "diff": diff})
    return out


def _text(data: bytes | None) -> str:
    return "" if data is None else data.decode("utf-8", "replace")


ID_KEY = re.compile(r"^(id|.*[a-z]Id|.*_id)$")  # id, categoryId, siteId, parentPackageId, ...
MAX_NODES = 1_000_000  # a YAML file's aliases can make a small file a huge tree: walking stops here


def without_ids(documents: dict[str, bytes]) -> dict[str, bytes]:
    """The documents with every id (`id`, `categoryId`, `site_id`, ...) left out at any depth: two instances
    number the same objects differently, and cross-references differ with them."""
    import yaml

    budget = [MAX_NODES]

    def strip(value):
        budget[0] -= 1
        if budget[0] < 0:
            raise ValidationError("a backup file is too large to compare without ids (YAML aliases?)")
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not (isinstance(k, str) and ID_KEY.match(k))}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    out = {}
    for path, data in documents.items():
        try:
            parsed = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            raise ValidationError(f"{path} is not valid YAML") from None
        out[path] = document(strip(parsed))
    return out
