"""`jamfctl computer filevault|laps|lock-pin|recovery-lock (SERIAL | --id ID) [--reveal [--yes]]`.

One secret of one computer. Masked by default (the facts around it are shown; Jamf is not asked for the
secret); `--reveal` asks on a terminal, naming the server and the computer, unless `--yes`, and without a
terminal refuses before any request. Only that one secret is printed, in every format; --debug, logs and
errors never carry it (jamfctl.resources.secrets).

Mobile devices: Jamf Pro's API (11.30) has no endpoint that returns a mobile device's passcode or a PIN; its
mobile inventory has only facts (passcodePresent, passcodeCompliant), so `jamfctl mobile` has no such verb.

No `from __future__ import annotations` here: Typer reads these closures' annotations at run time.
"""
from typing import Annotated, Optional

import typer

from jamfctl.cli.options import FieldsOpt, OutputOpt, app_context, note, renderer
from jamfctl.cli.writes import YesOpt

SerialArg = Annotated[Optional[str], typer.Argument(metavar="SERIAL", help="Serial number, e.g. C02XK1JMJG5H.", show_default=False)]
IdOpt = Annotated[Optional[str], typer.Option("--id", metavar="ID", help="Jamf inventory id, instead of SERIAL.")]
RevealOpt = Annotated[bool, typer.Option("--reveal", metavar="", help="Print the secret itself (asks first on a terminal; needs --yes without one).")]
AccountOpt = Annotated[Optional[str], typer.Option("--account", metavar="NAME", help="The LAPS account's username, e.g. ladmin.")]
SourceOpt = Annotated[Optional[str], typer.Option("--source", metavar="MDM|JMF", help="The account's source, when an MDM and a JMF account share a name.")]

MOBILE_NOTE = ("Mobile devices have no such command: Jamf Pro's API returns no passcode or PIN for them "
               "(mobile inventory has only facts such as passcodePresent and passcodeCompliant).")
HELP = {
    "filevault": "Show a computer's FileVault facts; --reveal prints its personal recovery key.\n\n"
                 "Masked, the facts come from inventory (DISK_ENCRYPTION) and Jamf is not asked for the key. "
                 "Revealing needs the 'View Disk Encryption Recovery Key' privilege.",
    "recovery-lock": "Show whether recovery lock is on; --reveal prints the recovery lock password.\n\n"
                     "Masked, Jamf is not asked for the password. Revealing needs the 'View Recovery Lock' privilege.",
    "lock-pin": "Show a computer's device lock PIN, masked; --reveal prints it.\n\n"
                "Jamf keeps a PIN only for a computer that was sent a Lock command. Masked, Jamf is not asked "
                "for it. Revealing needs the 'View Computer Device Lock Pin' privilege.",
    "laps": "List a computer's LAPS accounts; --reveal prints the password of one.\n\n"
            "Viewing a LAPS password starts Jamf Pro's rotation clock: it replaces the password once the rotation "
            "time of its LAPS settings has passed. Masked, only the accounts are read (nothing rotates). "
            "With several accounts, choose one with --account (and --source). Needs 'View Local Admin Password'.",
}
ROTATION_NOTE = ("Jamf Pro rotates a LAPS password once it has been viewed: this one will be replaced when the "
                 "rotation time in its LAPS settings has passed, so use it soon")


def register(app: typer.Typer, specs) -> None:
    for name in ("filevault", "recovery-lock", "lock-pin"):
        _add_inventory_secret(app, name)
    _add_laps(app)


def _examples(name: str, extra: str = "") -> str:
    lines = [f"jamfctl computer {name} C02XK1JMJG5H", f"jamfctl computer {name} C02XK1JMJG5H{extra} --reveal",
             f"jamfctl computer {name} --id 12{extra} --reveal --yes -o json"]
    return "\n\nExamples:\n" + "".join(f"\n  {line}\n" for line in lines) + f"\n{MOBILE_NOTE}"


def _renderer(app_ctx, kind, output, fields, reveal: bool, many: bool = False):
    """-o and --fields checked before any request; only the kind's secret field can be revealed."""
    from jamfctl import output as out, validate
    from jamfctl.resources import secrets
    from jamfctl.specs import Column

    selected = out.check_fields(validate.field_paths(fields), secrets.fields(kind)) if fields is not None else None
    columns = None
    if many:
        columns = [Column(p, p) for p in selected] if selected else \
            [Column("Username", "username"), Column("Source", "userSource"), Column("GUID", "guid", no_wrap=True),
             Column("Password", "password")]
    csv = selected or [f for f in secrets.fields(kind) if not f.startswith("bootPartitionEncryptionDetails.")]
    return renderer(app_ctx, output, selected, columns=columns, csv_columns=csv if many else None,
                    reveal=frozenset({kind.field}) if reveal else frozenset())


def _refuse_without_terminal(app_ctx, kind, where, reveal: bool, yes: bool) -> None:
    """No terminal and no --yes: refused before any request (confirm() raises without a TTY)."""
    from jamfctl.cli import writes

    if reveal and not yes and not _isatty(app_ctx.stdin):
        writes.confirm(app_ctx, f"Revealing the {kind.what} of computer {where.shown}", yes)


def _confirm(app_ctx, kind, who: str, yes: bool) -> None:
    from jamfctl.cli import writes

    writes.confirm(app_ctx, f"Reveal the {kind.what} of {who}", yes)


def _masked_hint(app_ctx, kind, fmt: str) -> None:
    if fmt == "table":
        note(app_ctx, f"the {kind.what} is masked; add --reveal to print it")


def _add_inventory_secret(app: typer.Typer, name: str) -> None:
    def command(
        ctx: typer.Context,
        serial: SerialArg = None,
        id_: IdOpt = None,
        reveal: RevealOpt = False,
        yes: YesOpt = False,
        output: OutputOpt = None,
        fields: FieldsOpt = None,
    ) -> None:
        from jamfctl.resources import secrets

        app_ctx = app_context(ctx)
        kind = secrets.KINDS[name]
        where = secrets.target(serial, id_)
        render = _renderer(app_ctx, kind, output, fields, reveal)
        _refuse_without_terminal(app_ctx, kind, where, reveal, yes)
        client = app_ctx.client()
        if reveal:
            located = secrets.locate(client, kind, where)
            _confirm(app_ctx, kind, secrets.device(located and secrets.identity(located, where), where), yes)
            record = secrets.reveal(client, kind, where, located)
        else:
            record = secrets.masked(client, kind, where)
        shown = secrets.shown(kind, record, reveal)
        render.one(shown, title=secrets.title(shown))
        if not reveal:
            _masked_hint(app_ctx, kind, render.fmt)

    command.__doc__ = HELP[name] + _examples(name)
    app.command(name)(command)


def _add_laps(app: typer.Typer) -> None:
    def laps(
        ctx: typer.Context,
        serial: SerialArg = None,
        id_: IdOpt = None,
        account: AccountOpt = None,
        source: SourceOpt = None,
        reveal: RevealOpt = False,
        yes: YesOpt = False,
        output: OutputOpt = None,
        fields: FieldsOpt = None,
    ) -> None:
        from jamfctl.cli import writes
        from jamfctl.resources import secrets

        app_ctx = app_context(ctx)
        kind = secrets.KINDS["laps"]
        where = secrets.target(serial, id_)
        account = secrets.account_name(account) if account is not None else None
        source = secrets.account_source(source) if source is not None else None
        render = _renderer(app_ctx, kind, output, fields, reveal, many=not reveal)
        _refuse_without_terminal(app_ctx, kind, where, reveal, yes)
        client = app_ctx.client()
        computer = secrets.laps_computer(client, where)
        if not reveal:
            rows = secrets.laps_pick(secrets.laps_accounts(client, computer, where), computer, where, account, source)
            count = render.many(secrets.shown(kind, row, False) for row in rows)
            if count == 0 and render.fmt == "table":
                note(app_ctx, f"{secrets.device(computer, where)} has no LAPS accounts")
            elif count:
                _masked_hint(app_ctx, kind, render.fmt)
            return
        choice = secrets.laps_choice(client, computer, where, account, source)
        writes.confirm(app_ctx, f"Reveal (and so start rotating) the LAPS password of account "
                       f"{choice['username']!r} of {secrets.device(computer, where)}", yes)
        shown = secrets.shown(kind, secrets.laps_reveal(client, choice, where), True)
        render.one(shown, title=secrets.title(shown))
        note(app_ctx, ROTATION_NOTE)

    laps.__doc__ = HELP["laps"] + _examples("laps", " --account ladmin")
    app.command("laps")(laps)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
