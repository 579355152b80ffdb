"""MDM actions (`jamfctl computer restart ...`, `jamfctl mobile lock ...`): one runner for every action.

The runner: refuse on a read-only profile (first, before anything), parse and validate targets and options,
resolve serials in `=in=` batches, confirm (server, action, count) or --dry-run, send with at most five
requests in flight, optionally --wait for the commands, then one result per device on stdout and one exit
code (0 all succeeded, 8 some failed, the failure's own code when all failed alike, 130 on Ctrl-C). What each
action sends is jamfctl.resources.mdm (pure builds); what it declares as a write is jamfctl.specs.WRITES.

No `from __future__ import annotations` here: Typer reads these closures' annotations at run time.
"""
import functools
import inspect
import re
from typing import Annotated, NamedTuple, Optional

import typer
from typer.core import TyperCommand

from jamfctl.cli.options import FieldsOpt, OutputOpt, app_context, note
from jamfctl.cli.writes import DryRunOpt, YesOpt

DEFAULT_WAIT = "120"
MAX_WAIT = 3600
MAX_TARGETS = 100_000
MAX_LIST_CHARS = 4 * 2**20  # a target list larger than this is not a list of serials
PIN_RE = re.compile(r"[0-9]{6}")
PHONE_RE = re.compile(r"[0-9+()./ -]{3,32}")
MAX_MESSAGE = 200


class Verb(NamedTuple):
    label: str  # the confirmation's verb: "Restart"
    summary: str
    options: tuple[str, ...] = ()  # the verb's own options (parameter names of `_command` below)
    destructive: bool = False


COMPUTER_VERBS = {
    "lock": Verb("Lock", "Lock computers with a 6-digit PIN (a random one unless --pin-stdin; read it later with "
                 "`jamfctl computer lock-pin SERIAL --reveal`).", ("pin_stdin", "message", "phone")),
    "erase": Verb("Erase", "Erase computers (all content and settings).", ("pin_stdin",), destructive=True),
    "restart": Verb("Restart", "Restart computers.", ("notify_user",)),
    "shutdown": Verb("Shut down", "Shut computers down."),
    "blank-push": Verb("Send a blank push to", "Send a blank push (wakes the device to check in)."),
    "renew-mdm": Verb("Renew the MDM profile of", "Renew the MDM profile (and its identity certificate)."),
    "remove-mdm": Verb("Remove the MDM profile from", "Remove the MDM profile: the computers become unmanaged.",
                       destructive=True),
}
MOBILE_VERBS = {
    "lock": Verb("Lock", "Lock mobile devices (an optional message and phone number on the lock screen).",
                 ("message", "phone")),
    "erase": Verb("Erase", "Erase mobile devices.", ("preserve_data_plan", "disallow_proximity_setup",
                                                     "clear_activation_lock"), destructive=True),
    "restart": Verb("Restart", "Restart mobile devices (supervised)."),
    "shutdown": Verb("Shut down", "Shut mobile devices down (supervised)."),
    "clear-passcode": Verb("Clear the passcode of", "Clear the passcode (with the unlock token Jamf holds).",
                           destructive=True),
    "lost-mode": Verb("Change Lost Mode on", "Enable Lost Mode (--message and/or --phone), or --disable it.",
                      ("message", "phone", "footnote", "disable")),
    "update-inventory": Verb("Update the inventory of", "Ask mobile devices for an inventory update (Classic API)."),
    "remove-mdm": Verb("Remove the MDM profile from", "Unmanage mobile devices (removes the MDM profile).",
                       destructive=True),
}
VERBS = {"computer": COMPUTER_VERBS, "mobile": MOBILE_VERBS}
EXAMPLE_SERIALS = {"computer": "C02XK1JMJG5H", "mobile": "DMQX7Y2KJF8L"}


def register(app: typer.Typer, specs) -> None:
    noun = specs[0].noun
    for verb, meta in VERBS.get(noun, {}).items():
        app.command(verb, cls=OptionalWaitValue, help=_help(noun, verb, meta))(_command_for(noun, verb, meta))


def _help(noun: str, verb: str, meta: Verb) -> str:
    serial = EXAMPLE_SERIALS[noun]
    return (f"{meta.summary}\n\nTargets: SERIAL arguments, `-` (stdin, one a line; blank lines and # comments "
            "skipped), --from-file FILE or --group NAME. Without a terminal it needs --yes. Results: one per device "
            "(serial, id, action, status, commandUuid, error); exit 8 when some failed.\n\nExamples:\n\n"
            f"  jamfctl {noun} {verb} {serial}\n\n"
            f"  printf '{serial}\\n' | jamfctl {noun} {verb} - --yes -o json --wait 30\n\n"
            f"  jamfctl {noun} {verb} --group 'Loaner Pool' --dry-run\n")


class OptionalWaitValue(TyperCommand):
    """`--wait [SECONDS]`: Typer has no option with an optional value, so a bare `--wait` gets the default here."""

    def parse_args(self, ctx, args):
        fixed = []
        for i, arg in enumerate(args):
            if arg == "--":
                fixed.extend(args[i:])
                break
            fixed.append(arg)
            if arg == "--wait" and not (i + 1 < len(args) and re.fullmatch(r"[0-9]{1,4}(\.[0-9]+)?", args[i + 1])):
                fixed.append(DEFAULT_WAIT)
        return super().parse_args(ctx, fixed)


def _command_for(noun: str, verb: str, meta: Verb):
    def command(
        ctx: typer.Context,
        serials: Annotated[Optional[list[str]], typer.Argument(metavar="SERIAL|-", help="Serial numbers; - reads them from stdin.", show_default=False)] = None,
        from_file: Annotated[Optional[str], typer.Option("--from-file", metavar="FILE", help="Serial numbers from a file, one a line.")] = None,
        group: Annotated[Optional[str], typer.Option("--group", metavar="NAME", help="Every member of this group.")] = None,
        pin_stdin: Annotated[bool, typer.Option("--pin-stdin", metavar="", help="Read the 6-digit PIN from stdin's first line (never a flag: ps would show it).")] = False,
        message: Annotated[Optional[str], typer.Option("--message", metavar="TEXT", help="Text on the lock screen.")] = None,
        phone: Annotated[Optional[str], typer.Option("--phone", metavar="NUMBER", help="Phone number on the lock screen.")] = None,
        footnote: Annotated[Optional[str], typer.Option("--footnote", metavar="TEXT", help="Footnote on the lock screen.")] = None,
        disable: Annotated[bool, typer.Option("--disable", metavar="", help="Disable Lost Mode instead.")] = False,
        notify_user: Annotated[bool, typer.Option("--notify-user", metavar="", help="Let the user postpone the restart.")] = False,
        preserve_data_plan: Annotated[bool, typer.Option("--preserve-data-plan", metavar="", help="Keep an eSIM data plan.")] = False,
        disallow_proximity_setup: Annotated[bool, typer.Option("--disallow-proximity-setup", metavar="", help="Skip Proximity Setup after the erase.")] = False,
        clear_activation_lock: Annotated[bool, typer.Option("--clear-activation-lock", metavar="", help="Clear Activation Lock too.")] = False,
        wait: Annotated[Optional[str], typer.Option("--wait", metavar="[SECONDS]", help=f"Wait until each device acknowledges (default {DEFAULT_WAIT} s).")] = None,
        yes: YesOpt = False,
        dry_run: DryRunOpt = False,
        output: OutputOpt = None,
        fields: FieldsOpt = None,
    ) -> None:
        given = dict(message=message, phone=phone, footnote=footnote, disable=disable, notify_user=notify_user,
                     preserve_data_plan=preserve_data_plan, disallow_proximity_setup=disallow_proximity_setup,
                     clear_activation_lock=clear_activation_lock, pin_stdin=pin_stdin)
        run(app_context(ctx), noun, verb, meta, serials or [], from_file, group, given, wait, yes,
                          dry_run, output, fields)

    kept = set(meta.options) | {"ctx", "serials", "from_file", "group", "wait", "yes", "dry_run", "output", "fields"}
    signature = inspect.signature(command)

    @functools.wraps(command)
    def trimmed(**kwargs):
        return command(**kwargs)

    trimmed.__signature__ = signature.replace(parameters=[p for p in signature.parameters.values() if p.name in kept])
    return trimmed


# --- the runner -------------------------------------------------------------------------------------------------
COLUMN_HEADERS = {"serial": "Serial", "id": "Id", "action": "Action", "status": "Status", "commandUuid": "Command UUID",
                  "error": "Error"}
INTERRUPT_GRACE = 5.0  # seconds given to requests already on the wire after Ctrl-C (they may have been received)


def run(app_ctx, noun: str, verb: str, meta: Verb, serials: list, from_file, group, given: dict, wait, yes: bool,
        dry_run: bool, output, fields) -> None:
    from jamfctl import output as out
    from jamfctl import validate
    from jamfctl.cli.options import renderer
    from jamfctl.cli.writes import confirm, print_dry_run, refuse_if_read_only
    from jamfctl.specs import Column

    refuse_if_read_only(app_ctx, f"{noun} {verb}")  # first: a read-only profile sends nothing, not even a lookup
    options, generated_pin = _options(app_ctx, noun, verb, given, uses_stdin="-" in serials)
    targets = _targets(app_ctx, serials, from_file)
    group_name = validate.name(group, "--group") if group is not None else None
    if not targets and group_name is None:
        from jamfctl.errors import UsageError

        raise UsageError(f"name the {_what(noun, 2)}: SERIAL arguments, - (stdin), --from-file FILE or --group NAME")
    seconds = _wait_seconds(wait)
    from jamfctl.resources import mdm

    chosen = out.check_fields(validate.field_paths(fields), mdm.FIELDS) if fields else None
    columns = [Column(COLUMN_HEADERS.get(f, f), f, no_wrap=f in ("serial", "id", "commandUuid")) for f in chosen or mdm.FIELDS]
    render = renderer(app_ctx, output, chosen, columns=columns, csv_columns=chosen or mdm.FIELDS)
    if not (yes or dry_run) and not _isatty(app_ctx.stdin):  # refuse before any request: nobody can answer
        confirm(app_ctx, _question(meta, noun, len(targets), group_name), yes, dry_run)
    client = app_ctx.client()
    if group_name is not None:
        targets = list(dict.fromkeys([*targets, *_group_serials(app_ctx, client, noun, group_name)]))
    devices, failures = mdm.resolve(client, noun, targets)
    devices, unsendable = mdm.sendable(devices, noun, verb)
    failures += unsendable
    action = mdm.ACTIONS[(noun, verb)]
    if action.needs_unlock_token and devices:
        found = mdm.parallel(lambda d: mdm.with_unlock_token(client, d), devices, client.max_connections)
        devices = [d for d in found if isinstance(d, mdm.Device)]
        failures += [f for f in found if isinstance(f, mdm.Outcome)]
    planned = action.build(devices, options) if devices else []
    if dry_run:
        for failure in failures:  # no results are printed: stdout holds the requests
            note(app_ctx, f"{failure.serial}: {failure.error}")
        print_dry_run(app_ctx, [p.request for p in planned])
        return _exit_for(noun, failures, len(failures) + len(devices), interrupted=False)
    if devices:
        confirm(app_ctx, _question(meta, noun, len(devices), None), yes)
    sent, interrupted = _send_all(app_ctx, client, action, planned, f"{meta.label} {_what(noun, 2)}")
    if seconds is not None and not interrupted:
        interrupted = _wait_for(app_ctx, client, action, sent, seconds)
    locked = [o.serial for o in sent if o.status in ("queued", "acknowledged", "pending", "not_now")]
    if generated_pin and locked:
        note(app_ctx, "the lock PIN is a random 6-digit one, the same for each computer; read it with "
                      f"`jamfctl computer lock-pin {locked[0]} --reveal`")
    order = {serial: i for i, serial in enumerate(targets)}
    outcomes = sorted([*failures, *sent], key=lambda o: order.get(o.serial, len(order)))
    for outcome in outcomes:  # a server's error text must not carry the PIN back out
        if options.pin and outcome.error:
            outcome.error = outcome.error.replace(options.pin, "<redacted>")
    count = render.many(o.row(verb) for o in outcomes)
    if count == 0 and render.fmt == "table":
        note(app_ctx, f"no {_what(noun, 2)} to act on")
    _exit_for(noun, [o for o in outcomes if o.code], len(outcomes), interrupted)


def _what(noun: str, count: int) -> str:
    single = "computer" if noun == "computer" else "mobile device"
    return single if count == 1 else single + "s"


def _question(meta: Verb, noun: str, count: int, group: str | None) -> str:
    who = f"{count} {_what(noun, count)}" if not group else f"the members of group {group!r}" + \
        (f" and {count} more {_what(noun, count)}" if count else "")
    return f"{meta.label} {who}" + (" (this cannot be undone)" if meta.destructive else "")


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --- inputs -----------------------------------------------------------------------------------------------------
def _options(app_ctx, noun: str, verb: str, given: dict, uses_stdin: bool):
    """The action's options, validated; the PIN from stdin (never a flag) or, to lock a computer, a random one."""
    import secrets

    from jamfctl.errors import UsageError, ValidationError
    from jamfctl.resources import mdm

    pin, generated = None, False
    if given["pin_stdin"]:
        if uses_stdin:
            raise UsageError("- and --pin-stdin both read stdin: give the serials as arguments or with --from-file")
        if _isatty(app_ctx.stdin):  # a person typing: not echoed
            import getpass

            pin = getpass.getpass("PIN (6 digits): ", stream=app_ctx.stderr).strip()
        else:
            pin = app_ctx.stdin.readline(64).strip()
        if not (pin.isascii() and PIN_RE.fullmatch(pin)):
            raise ValidationError("the PIN on stdin must be exactly 6 digits (0-9); nothing was sent")
    elif (noun, verb) == ("computer", "lock"):
        pin, generated = f"{secrets.randbelow(10**6):06d}", True
    message, footnote = (_text(given[k], f"--{k}") for k in ("message", "footnote"))
    phone = given["phone"]
    if phone is not None:
        phone = phone.strip()
        if not (phone.isascii() and PHONE_RE.fullmatch(phone) and sum(c.isdigit() for c in phone) >= 3):
            raise ValidationError("invalid --phone: use digits, spaces and + ( ) . / - (3 to 32 characters)")
    if verb == "lost-mode":
        if given["disable"] and (message or phone or footnote):
            raise UsageError("--disable takes no --message, --phone or --footnote")
        if not given["disable"] and not (message or phone):
            raise UsageError("Lost Mode needs --message or --phone (or --disable to turn it off)")
    fields = {k: given[k] for k in ("disable", "notify_user", "preserve_data_plan", "disallow_proximity_setup",
                                    "clear_activation_lock")}
    return mdm.Options(pin=pin, message=message, phone=phone, footnote=footnote, **fields), generated


def _text(value: str | None, option: str) -> str | None:
    from jamfctl.errors import ValidationError

    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > MAX_MESSAGE or not text.isprintable():
        raise ValidationError(f"invalid {option}: 1 to {MAX_MESSAGE} printable characters")
    return text


def _targets(app_ctx, serials: list, from_file) -> list[str]:
    """Serials from the arguments, `-` (stdin) and --from-file, validated and without repeats (first order kept)."""
    from jamfctl import validate
    from jamfctl.errors import UsageError

    found: list[str] = []
    for arg in dict.fromkeys(serials):
        found += _read_list(app_ctx.stdin, "stdin") if arg == "-" else [validate.serial(arg)]
    if from_file is not None:
        try:
            with open(from_file, encoding="utf-8") as handle:
                found += _read_list(handle, "--from-file")
        except OSError as exc:
            raise UsageError(f"cannot read --from-file {validate.shown(from_file)}: {exc.strerror or type(exc).__name__}") from None
    unique = list(dict.fromkeys(found))
    if len(found) > len(unique):
        note(app_ctx, f"{len(found) - len(unique)} repeated serial number(s) counted once")
    return unique


def _read_list(stream, where: str) -> list[str]:
    """One serial a line; blank lines and # comments skipped; bounded, and every line valid or none is used."""
    from jamfctl import validate
    from jamfctl.errors import ValidationError

    try:
        text = stream.read(MAX_LIST_CHARS + 1)
    except (UnicodeDecodeError, ValueError):
        raise ValidationError(f"{where} is not UTF-8 text; nothing was sent") from None
    if len(text) > MAX_LIST_CHARS:
        raise ValidationError(f"{where} holds more than {MAX_LIST_CHARS // 2**20} MiB; nothing was sent")
    serials = []
    for number, line in enumerate(text.split("\n"), 1):  # not splitlines(): \x0b, \x1c or U+2028 end no line here
        entry = line.split("#", 1)[0].strip()
        if entry:
            try:
                serials.append(validate.serial(entry))
            except ValidationError as exc:
                raise ValidationError(f"{where}, line {number}: {exc.message}; nothing was sent") from None
        if len(serials) > MAX_TARGETS:
            raise ValidationError(f"{where} names more than {MAX_TARGETS} devices; split the list")
    return serials


def _wait_seconds(wait: str | None) -> float | None:
    from jamfctl import validate
    from jamfctl.errors import ValidationError

    if wait is None:
        return None
    if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,3})?", wait.strip()) or not 1 <= float(wait) <= MAX_WAIT:
        raise ValidationError(f"invalid --wait {validate.shown(wait)}: expected seconds from 1 to {MAX_WAIT}")
    return float(wait)


def _group_serials(app_ctx, client, noun: str, name: str) -> list[str]:
    from jamfctl import validate
    from jamfctl.errors import ValidationError
    from jamfctl.resources import collection, groups
    from jamfctl.specs import BY_NAME

    spec = BY_NAME["computer-group" if noun == "computer" else "mobile-group"]
    serials, unusable = [], 0
    for member in groups.members(client, spec, collection.by_name(client, spec, name)):
        try:
            serials.append(validate.serial(str(member.get("serialNumber") or "")))
        except ValidationError:
            unusable += 1
    if unusable:
        note(app_ctx, f"{unusable} member(s) of group {name!r} have no usable serial number and are left out")
    if not serials:
        note(app_ctx, f"group {name!r} has no members with a serial number")
    return serials


# --- sending, waiting, the exit code ----------------------------------------------------------------------------
def _progress(app_ctx, label: str):
    import contextlib

    if not app_ctx.stderr_is_tty:
        return contextlib.nullcontext(lambda done, total: None)
    from jamfctl.cli.progress import PagingProgress

    return PagingProgress(app_ctx.stderr, label=label, sandbox=app_ctx.is_sandbox, color=app_ctx.color)


def _send_one(client, action, planned) -> list:
    from jamfctl.errors import ExitCode, JamfctlError, NetworkError
    from jamfctl.resources import mdm

    def each(status: str, error: str, code: int) -> list:
        return [mdm.failed(d, d.serial, status, error, code) for d in planned.devices]

    try:
        answer = client.send(planned.request)
    except NetworkError as exc:  # a POST is never sent again: say that it may have been received
        return each("unknown", f"{exc.message}; it may have been queued, so check before sending again", exc.exit_code)
    except JamfctlError as exc:
        return each("failed", exc.message, exc.exit_code)
    try:
        return action.read(planned, answer)
    except JamfctlError as exc:
        return each("unknown", f"{exc.message}; the request was accepted", ExitCode.ERROR)


def _send_all(app_ctx, client, action, planned: list, label: str) -> tuple[list, bool]:
    """Every planned request, at most max_connections in flight; Ctrl-C stops sending and says what went out."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from jamfctl.errors import ExitCode
    from jamfctl.resources import mdm

    results: list = [None] * len(planned)
    running: dict = {}
    interrupted, done, total = False, 0, sum(len(p.devices) for p in planned)
    pool = ThreadPoolExecutor(max_workers=client.max_connections, thread_name_prefix="mdm-send")
    with _progress(app_ctx, label) as on_progress:
        try:
            upcoming = 0
            while upcoming < len(planned) or running:
                while upcoming < len(planned) and len(running) < client.max_connections:
                    running[pool.submit(_send_one, client, action, planned[upcoming])] = upcoming
                    upcoming += 1
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = running.pop(future)
                    results[i] = future.result()
                    done += len(planned[i].devices)
                    on_progress(done, total)
        except KeyboardInterrupt:
            interrupted = True
            patient = True
            for future, i in running.items():
                try:
                    results[i] = future.result(timeout=INTERRUPT_GRACE) if patient else None
                except BaseException:  # the grace ran out, or a second Ctrl-C: stop waiting for the rest
                    patient = False
                if results[i] is None:
                    results[i] = [mdm.failed(d, d.serial, "unknown", "interrupted while the request was on its "
                                             "way; it may have been queued", ExitCode.INTERRUPTED)
                                  for d in planned[i].devices]
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    outcomes = []
    for plan, got in zip(planned, results):
        outcomes += got if got is not None else [mdm.failed(d, d.serial, "not_sent", "interrupted before it was sent",
                                                            ExitCode.INTERRUPTED) for d in plan.devices]
    return outcomes, interrupted


def _wait_for(app_ctx, client, action, outcomes: list, seconds: float) -> bool:
    """Poll the queued commands until each is acknowledged or failed, or `seconds` pass; True on Ctrl-C."""
    import time

    from jamfctl.errors import ExitCode, JamfctlError
    from jamfctl.resources import mdm

    if action.untracked:
        note(app_ctx, f"--wait: {action.untracked}")
        return False
    tracked = [o for o in outcomes if o.status == "queued" and o.command_uuid]
    blind = [o for o in outcomes if o.status == "queued" and not o.command_uuid]
    if blind:
        note(app_ctx, f"--wait: Jamf Pro returned no command uuid for {len(blind)} device(s); their status is not polled")
    deadline, pause, total = time.monotonic() + seconds, 0.5, len(tracked)
    with _progress(app_ctx, "Waiting for the devices") as on_progress:
        try:
            while tracked and time.monotonic() < deadline:
                time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
                states = mdm.command_states(client, [o.command_uuid for o in tracked])
                tracked = [o for o in tracked if not mdm.apply_state(o, states)]
                on_progress(total - len(tracked), total)
                pause = min(pause * 1.5, 5.0)
        except KeyboardInterrupt:
            for o in tracked:
                o.error, o.code = "interrupted while waiting for it (the command stays queued)", ExitCode.INTERRUPTED
            return True
        except JamfctlError as exc:
            for o in tracked:
                o.error, o.code = f"queued, but its status could not be read: {exc.message}", exc.exit_code
            return False
    for o in tracked:
        o.error = f"not acknowledged within {seconds:g} s (the command stays queued)"
        o.code = ExitCode.ERROR
    return False


KINDS = {1: "error", 2: "usage", 3: "auth", 4: "not_found", 5: "forbidden", 6: "unavailable", 7: "network",
         8: "partial"}


def _exit_for(noun: str, failures: list, count: int, interrupted: bool) -> None:
    """0 when all succeeded; 8 when some failed; the failure's own code when all failed alike; 130 on Ctrl-C."""
    from collections import Counter

    from jamfctl.errors import ExitCode, Interrupted, JamfctlError

    by_status = ", ".join(f"{n} {status}" for status, n in Counter(o.status for o in failures).items())
    if interrupted:
        raise Interrupted(f"interrupted: {by_status}; each device's result is listed")
    if not failures:
        return
    codes = {o.code for o in failures}
    code = codes.pop() if len(failures) == count and len(codes) == 1 else ExitCode.PARTIAL
    error = JamfctlError(f"{len(failures)} of {count} {_what(noun, count)} failed ({by_status}); each result is listed")
    error.exit_code, error.kind = code, KINDS.get(code, "error")
    raise error
