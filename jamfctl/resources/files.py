"""Config objects as files: names from the server made safe, paths that cannot leave their folder, atomic
writes that change nothing when nothing changed, and the unified diffs that `script diff`, `script push`
and `jamfctl diff` print.

Every path jamfctl writes or reads for pull, push, backup and diff goes through `inside()` (relative to a
folder the user named: no absolute path, no `..`, no symlink on the way) and `write_file()`/`read_file()`
(never through a symlink, never a special file, bounded in size). Names come from the server and may be
hostile ("../../etc/x", "CON", "-rf", control characters): `safe_stem()` turns each into one plain file name.
"""
from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path, PurePath
from typing import Iterable

from jamfctl.errors import JamfctlError, ValidationError

MAX_STEM = 100  # characters of a name kept in a file name (NAME_MAX is 255 bytes; room for suffixes)
MAX_FILE_BYTES = 64 * 2**20  # a script, profile or backup file larger than this is not one jamfctl wrote
_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
# C0/C1 controls but tab and newline, and the invisible and bidirectional marks a "Trojan Source" edit hides in
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class UnsafePath(ValidationError):
    kind = "unsafe_path"


# --- names ------------------------------------------------------------------------------------------------
def safe_stem(name: object) -> str:
    """One file name (no extension) for a server-side name: no separators, no control or invisible
    characters, no leading dot or dash, not a name Windows reserves, bounded in length."""
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(ch if ch.isprintable() else "_" for ch in text)  # also bidi overrides and zero-widths
    text = _UNSAFE.sub("_", text).strip(" .")
    text = re.sub(r"^[-.]+", "_", text)  # "-rf" would read as an option, ".x" is hidden
    text = text[:MAX_STEM].rstrip(" .")
    while len(text.encode("utf-8")) > 2 * MAX_STEM:
        text = text[:-1]
    if not text or text.split(".")[0].lower() in _RESERVED:
        text = "_" + text
    return text


def _key(stem: str) -> str:
    """macOS and Windows file systems ignore case and Unicode normalisation: so does uniqueness here."""
    return unicodedata.normalize("NFD", stem).casefold()


def unique_stems(objects: Iterable[tuple[object, object]]) -> dict[str, str]:
    """(id, name) pairs -> {id: file stem}: names that would share a file (also ignoring case) get their id."""
    stems = {str(ident): safe_stem(name) for ident, name in objects}
    counts = Counter(_key(stem) for stem in stems.values())
    out = {ident: stem if counts[_key(stem)] == 1 else f"{stem} (id {safe_stem(ident)})"
           for ident, stem in stems.items()}
    taken = Counter(_key(stem) for stem in out.values())  # "A (id 2)" may itself be a name: fall back to the id
    return {ident: stem if taken[_key(stem)] == 1 else f"id {safe_stem(ident)}" for ident, stem in out.items()}


# --- paths ------------------------------------------------------------------------------------------------
def folder(path: str | Path, what: str = "folder", create: bool = False) -> Path:
    """A folder the user named: refused when it is a symlink or not a folder; created when asked."""
    root = Path(path)
    if root.is_symlink():
        raise UnsafePath(f"{what} {str(root)!r} is a symbolic link; give the real folder "
                         f"({os.path.realpath(root)!r}) instead")
    if root.exists() and not root.is_dir():
        raise UnsafePath(f"{what} {str(root)!r} is not a folder")
    if create:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JamfctlError(f"cannot create {what} {str(root)!r}: {exc.strerror or exc}") from None
    return root


def inside(root: Path, relative: str | PurePath) -> Path:
    """root/relative, refused when it could land outside root: an absolute path, a `..` or empty part, or a
    symbolic link on the way (a file or folder under root that is a link, which may point anywhere)."""
    rel = PurePath(relative)
    text = str(relative)
    if rel.is_absolute() or rel.anchor or not rel.parts or text.startswith(("/", "\\")):
        raise UnsafePath(f"refusing {text!r}: only names inside {str(root)!r} are allowed, not absolute paths")
    if any(part in ("..", ".", "") or "\\" in part or "\x00" in part for part in rel.parts):
        raise UnsafePath(f"refusing {text!r}: '..' and empty parts could leave {str(root)!r}")
    path = root
    for part in rel.parts:
        path = path / part
        if path.is_symlink():
            raise UnsafePath(f"refusing {str(path)!r}: it is a symbolic link (jamfctl never writes or reads "
                             "through one)")
    return path


def checked_file(path: str | Path, what: str = "file") -> Path:
    """A file the user named for reading (push, diff): a regular file, not a symbolic link (a link in a
    cloned repository could make jamfctl upload ~/.ssh/id_rsa as a script)."""
    file = Path(path)
    if file.is_symlink():
        raise UnsafePath(f"refusing {str(file)!r}: it is a symbolic link; give the file itself")
    if not file.exists():
        raise ValidationError(f"no such {what}: {str(file)!r}")
    if not file.is_file():
        raise UnsafePath(f"refusing {str(file)!r}: not a regular file")
    return file


def read_file(path: Path) -> bytes:
    """The bytes of a regular file, opened without following a symlink, bounded in size."""
    # O_NONBLOCK: a named pipe posing as a file must not hang the command (regular files ignore it)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafePath(f"refusing {str(path)!r}: it is a symbolic link") from None
        raise JamfctlError(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"refusing {str(path)!r}: not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise ValidationError(f"{str(path)!r} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        return handle.read(MAX_FILE_BYTES + 1)


def new_file_mode() -> int:
    """The mode a new file gets (0666 less the umask), read once in the main thread before any write."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_file(path: Path, data: bytes, mode: int = 0o644) -> bool:
    """Write `data` unless the file already holds exactly that (returns whether it wrote): atomically, by a
    temporary file in the same folder renamed over it, so a reader never sees half a file and a symlink at
    `path` is refused rather than followed. An existing file keeps its permissions."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise UnsafePath(f"refusing {str(path)!r}: it is a symbolic link (jamfctl never writes through one)")
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"refusing {str(path)!r}: not a regular file")
        if info.st_size == len(data) and read_file(path) == data:
            return False
        mode = stat.S_IMODE(info.st_mode)
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".jamfctl-", suffix=".tmp")
    except OSError as exc:
        raise JamfctlError(f"cannot write in {str(path.parent)!r}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise JamfctlError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
        raise
    return True


# --- text -------------------------------------------------------------------------------------------------
def decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{str(path)!r} is not UTF-8 text") from None


def _lines(text: str) -> list[str]:
    """Lines split on \\n only (a \\r stays in its line, as diff(1) does), each keeping its end."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1] + "\n\\ No newline at end of file\n")
    return lines


def unified(old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff (empty when the texts are equal), as diff -u and git print it."""
    if old == new:
        return ""
    return "".join(difflib.unified_diff(_lines(old), _lines(new), old_label, new_label, lineterm="\n"))


def for_terminal(text: str) -> str:
    """Control and bidirectional characters from server data shown as escapes, not obeyed (an escape
    sequence in a script must not drive the terminal, a bidi mark must not hide a line); tab and newline stay."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def coloured(diff: str) -> str:
    out = []
    for line in diff.splitlines(keepends=True):
        colour = "1" if line.startswith(("+++", "---")) else "32" if line.startswith("+") else \
            "31" if line.startswith("-") else "36" if line.startswith("@@") else ""
        out.append(f"\x1b[{colour}m{line.rstrip(chr(10))}\x1b[0m\n" if colour else line)
    return "".join(out)


# --- scripts as files -------------------------------------------------------------------------------------
# A script is two files: its body exactly as stored (NAME.sh, .py, ... by its #! line) and NAME.sh.json,
# its metadata in a fixed key order, with what was pulled: {"server", "id", "sha256" of the pulled state}.
PARAMETERS = tuple(f"parameter{n}" for n in range(4, 12))
SCRIPT_META = ("name", "category", "priority", "osRequirements", "info", "notes", *PARAMETERS)
PRIORITIES = ("BEFORE", "AFTER", "AT_REBOOT")
META_SUFFIX = ".json"
NO_CATEGORY = ("", "NONE", "No category assigned")
INTERPRETERS = (("python", ".py"), ("perl", ".pl"), ("ruby", ".rb"), ("swift", ".swift"), ("node", ".js"),
                ("osascript", ".applescript"), ("zsh", ".zsh"))
SCRIPT_EXTENSIONS = frozenset({".sh", ".bash", ".ksh", ".csh", ".command", *(ext for _, ext in INTERPRETERS)})


def _text(value: object) -> str:
    return "" if value is None else str(value)


def script_view(record: dict) -> dict:
    """A Jamf Script as the files hold it: the metadata fields as text, and the body."""
    view = {key: _text(record.get("categoryName" if key == "category" else key)) for key in SCRIPT_META}
    view["body"] = _text(record.get("scriptContents"))
    return view


def fingerprint(view: dict) -> str:
    import hashlib
    import json

    text = json.dumps({k: view.get(k, "") for k in (*SCRIPT_META, "body")}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def script_extension(body: str) -> str:
    first = body.split("\n", 1)[0]
    if first.startswith("#!"):
        for word, ext in INTERPRETERS:
            if word in first:
                return ext
    return ".sh"


def body_bytes(view: dict) -> bytes:
    return view["body"].encode("utf-8", "surrogatepass")  # byte for byte what Jamf stores (CRLF and all)


def metadata_bytes(view: dict, server: str, ident: str) -> bytes:
    import json

    document = {key: view[key] for key in SCRIPT_META}
    document["pulled"] = {"server": server, "id": str(ident), "sha256": fingerprint(view)}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")


class LocalScript:
    """A script's files: the body, its metadata (if any) and what they say was pulled."""

    def __init__(self, body_path: Path, view: dict, pulled: dict | None, has_meta: bool) -> None:
        self.body_path, self.view, self.pulled, self.has_meta = body_path, view, pulled, has_meta

    @property
    def meta_path(self) -> Path:
        return meta_path(self.body_path)

    @property
    def name(self) -> str:
        return self.view["name"]

    def pulled_from(self, server: str) -> str | None:
        """The id this was pulled as from `server` (None: never pulled from it)."""
        return str(self.pulled["id"]) if self.pulled and self.pulled.get("server") == server else None


def meta_path(body: Path) -> Path:
    return body.with_name(body.name + META_SUFFIX)


def body_for(path: Path) -> Path:
    """The body a path names: itself, or the script beside a metadata file (NAME.sh.json -> NAME.sh)."""
    if path.name.endswith(META_SUFFIX) and Path(path.name[: -len(META_SUFFIX)]).suffix in SCRIPT_EXTENSIONS:
        return path.with_name(path.name[: -len(META_SUFFIX)])
    return path


def load_local(body_path: Path) -> LocalScript:
    body_path = checked_file(body_path, "script file")
    body = decode(read_file(body_path), body_path)
    meta = meta_path(body_path)
    if meta.is_symlink():
        raise UnsafePath(f"refusing {str(meta)!r}: it is a symbolic link")
    if not meta.exists():  # a new script: its name is the file's
        view = {key: "" for key in SCRIPT_META}
        view.update(name=_script_name(body_path.stem, body_path), body=body)
        return LocalScript(body_path, view, None, False)
    fields, pulled = parse_metadata(read_file(meta), meta)
    return LocalScript(body_path, {**fields, "body": body}, pulled, True)


def parse_metadata(data: bytes, path: Path) -> tuple[dict, dict | None]:
    """The metadata file checked: an object of known keys holding text (a typo such as "priorty" is an error,
    not a silently ignored field), a valid priority, and a `pulled` record of the right shape."""
    import json

    try:
        document = json.loads(decode(data, path))
    except (ValueError, RecursionError):
        raise ValidationError(f"{str(path)!r} is not valid JSON") from None
    if not isinstance(document, dict):
        raise ValidationError(f"{str(path)!r} must hold a JSON object")
    unknown = sorted(set(document) - {*SCRIPT_META, "pulled"})
    if unknown:
        raise ValidationError(f"{str(path)!r}: unknown key {unknown[0]!r}; the keys are {', '.join(SCRIPT_META)}")
    fields = {}
    for key in SCRIPT_META:
        value = document.get(key, "")
        if not isinstance(value, str):
            raise ValidationError(f"{str(path)!r}: {key} must be text")
        fields[key] = value
    fields["name"] = _script_name(fields["name"], path)
    if fields["priority"] and fields["priority"] not in PRIORITIES:
        raise ValidationError(f"{str(path)!r}: priority must be one of {', '.join(PRIORITIES)}")
    pulled = document.get("pulled")
    if pulled is not None and not (isinstance(pulled, dict) and all(
            isinstance(pulled.get(k), str) for k in ("server", "id", "sha256"))):
        raise ValidationError(f"{str(path)!r}: 'pulled' must hold server, id and sha256 (as script pull writes it)")
    return fields, pulled


def _script_name(name: str, path: Path) -> str:
    text = name.strip()
    if not text or len(text) > 255 or not text.isprintable():
        raise ValidationError(f"{str(path)!r}: a script name must be 1-255 printable characters")
    return text


def local_scripts(root: Path) -> list[Path]:
    """The script bodies in a folder (not below it): files with a script's extension, and each metadata
    file's script, which must be there. Hidden files and symlinks are left alone (a symlink is reported)."""
    bodies: dict[str, Path] = {}
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            raise UnsafePath(f"refusing {str(path)!r}: it is a symbolic link (jamfctl never reads through one)")
        if not entry.is_file():
            continue
        body = body_for(path)
        if body.suffix in SCRIPT_EXTENSIONS:
            if body != path and not body.exists():
                raise ValidationError(f"{str(path)!r} has no script {body.name!r} beside it")
            bodies[body.name] = body
    return [bodies[name] for name in sorted(bodies)]


def compared(local: LocalScript) -> tuple[str, ...]:
    """What a script's files decide: everything with metadata; without, only its name and body."""
    return (*SCRIPT_META, "body") if local.has_meta else ("name", "body")


def script_diff(server: dict | None, local: LocalScript, label: str) -> str:
    """What pushing `local` would change on the server, as a unified diff (the server's side first):
    the metadata as `key: "value"` lines, then the body. Empty when they agree."""
    import json

    old = script_view(server) if server is not None else {key: "" for key in (*SCRIPT_META, "body")}
    where = f"{label}: {old['name']} (id {server.get('id')})" if server is not None else f"{label}: (new)"
    keys = [key for key in compared(local) if key != "body"]

    def meta_lines(view: dict) -> str:
        return "".join(f"{key}: {json.dumps(view[key], ensure_ascii=False)}\n" for key in keys)

    meta = unified(meta_lines(old) if server is not None else "", meta_lines(local.view),
                   f"{where} metadata", str(local.meta_path if local.has_meta else local.body_path))
    return meta + unified(old["body"], local.view["body"], where, str(local.body_path))


class Conflict(ValidationError):
    """The push would overwrite something it was not based on: refused, nothing sent (exit 2)."""

    kind = "conflict"


def push_target(local: LocalScript, scripts: list[dict], server: str, label: str, force: bool) -> dict | None:
    """The server's script `local` replaces (None: a new one). Refused when the server's copy changed since
    it was pulled, was deleted, or exists but was never pulled; --force (`force`) pushes anyway, but never
    onto another script's name."""
    by_id = {str(s.get("id")): s for s in scripts}
    by_name = {s.get("name"): s for s in scripts}
    where = str(local.body_path)
    ident = local.pulled_from(server)
    target = by_id.get(ident) if ident is not None else None
    if ident is not None and target is None and not force:
        raise Conflict(f"{where}: script id {ident} was deleted on {label} since it was pulled; "
                       "push with --force to create it again")
    if target is not None and fingerprint(script_view(target)) != local.pulled["sha256"] and not force:
        raise Conflict(f"{where}: {target.get('name')!r} (id {ident}) changed on {label} since it was pulled; "
                       "pull it into another folder and merge, or push with --force to overwrite it")
    if target is None:
        target = by_name.get(local.name)
        if target is not None and not force:
            raise Conflict(f"{where}: {label} already has a script named {local.name!r} (id {target.get('id')}) "
                           "and this file was not pulled from it; pull it first, or push with --force to replace it")
    other = by_name.get(local.name)
    if other is not None and target is not None and other is not target:
        raise Conflict(f"{where}: another script on {label} (id {other.get('id')}) is already named {local.name!r}")
    return target


def push_body(local: LocalScript, target: dict | None, category_id) -> dict:
    """The whole Script to PUT or POST: the server's record with what the files say laid over it.
    `category_id(name)` finds a category's id (a ValidationError when there is none)."""
    body = {k: v for k, v in (target or {}).items() if k != "id"}
    view = local.view
    for key in compared(local):
        if key == "body":
            body["scriptContents"] = view["body"]
        elif key == "category":
            if view["category"] != _text((target or {}).get("categoryName")) or target is None:
                none = view["category"] in NO_CATEGORY
                body["categoryId"] = "-1" if none else category_id(view["category"])
                body["categoryName"] = "NONE" if none else view["category"]
        elif key != "priority" or view[key]:
            body[key] = view[key]
    body.setdefault("priority", "AFTER")
    return body


def unchanged(local: LocalScript, target: dict | None) -> bool:
    if target is None:
        return False
    server = script_view(target)
    return all(server[key] == local.view[key] for key in compared(local))


class Trouble(JamfctlError):
    """An error in a command whose exit 1 means "they differ" (diff, script diff): reported with exit 2, as
    diff(1) reports trouble, so that 1 always means differences."""

    exit_code = 2

    def __init__(self, error: JamfctlError) -> None:
        super().__init__(error.message, detail=error.detail)
        self.kind = error.kind


class PartialFailure(JamfctlError):
    exit_code = 8
    kind = "partial"


@contextlib.contextmanager
def exit_1_means_differences():
    """Inside: every error that would exit 1 (a server answer jamfctl cannot use, I/O) exits 2 instead."""
    try:
        yield
    except JamfctlError as exc:
        if exc.exit_code == 1:
            raise Trouble(exc) from exc
        raise
    except OSError as exc:
        raise Trouble(JamfctlError(f"cannot read or write {exc.filename or 'a file'}: {exc.strerror or exc}")) from None


# --- configuration profiles as files ----------------------------------------------------------------------
def profile_files(record: dict) -> tuple[bytes, bytes, int]:
    """(NAME.mobileconfig, NAME.scope.json, 1 if secrets were redacted else 0) for a Classic profile.

    The payload is Jamf's one XML-escaped plist string: parsed (plistlib refuses entity declarations) and
    written again as an indented plist a person can read, in its own key order. Secret-bearing keys
    (a Wi-Fi `Password`) hold `<redacted>` instead of their value: a file never carries a secret."""
    import json
    import plistlib

    from jamfctl import redact
    from jamfctl.errors import ServerError

    general = record.get("general") if isinstance(record.get("general"), dict) else {}
    payload = general.get("payloads")
    try:
        parsed = plistlib.loads(payload.encode("utf-8"), fmt=plistlib.FMT_XML)
    except (AttributeError, plistlib.InvalidFileException, ValueError, TypeError, OverflowError, RecursionError):
        raise ServerError(f"configuration profile {record.get('name')!r} (id {record.get('id')}) has a payload "
                          "that is not a plist") from None
    shown = redact.redact(parsed)
    plist = plistlib.dumps(shown, fmt=plistlib.FMT_XML, sort_keys=False)
    scope = {"id": record.get("id"), "name": record.get("name"), "scope": record.get("scope")}
    scope_text = json.dumps(redact.redact(scope), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return plist, scope_text.encode("utf-8", "surrogatepass"), int(shown is not parsed)
