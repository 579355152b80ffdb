"""`jamfctl server info` and `jamfctl doctor`: what the server is, what this API client may do, what is broken.

Both get a new token (its `scope` names the client's API roles: "api-role:1 api-role:2"), read each role's
privileges where the client may (`Read API Roles`), and compare them with the privileges each command family
needs (jamfctl.cli.catalogue, from the commands' own declarations). `doctor` first checks the path to the
server from below (URL, DNS, TCP, TLS, HTTP) so that each failure names its layer and a fix, then credentials,
token, clock and keychain; it exits 0 only when every check passes. DNS, TCP and TLS are checked on sockets,
below httpx (skipped in the in-process sandbox, which has no network, and behind a proxy).
"""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Annotated, Iterator, Optional

import typer

from jamfctl.cli.options import OutputOpt, app_context, renderer
from jamfctl.probes import (
    VERSION_PATH,
    Check,
    Watch,
    clock_check,
    credentials_check,
    http_check,
    keychain_check,
    network_checks,
    role_ids,
    token_check,
    transport,
    url_check,
)

if TYPE_CHECKING:
    from jamfctl.auth import Credentials
    from jamfctl.client import JamfClient
    from jamfctl.context import AppContext

server_app = typer.Typer(
    help="The Jamf Pro server: its version, and what this API client may do.\n\nExample: jamfctl server info",
    no_args_is_help=True,
)
INFORMATION_PATH = "/api/v2/jamf-pro-information"
CLOUD_PATH = "/api/v1/cloud-information"
ROLE_PATH = "/api/v1/api-roles/{id}"
PRIVILEGES_PATH = "/api/v1/api-role-privileges"
READ_ROLES = "Read API Roles"
TOKEN = "POST /api/oauth/token"
_ROLES_NOTE = f"(with '{READ_ROLES}'; without it, privileges are not checked)"
SERVER_INFO_ENDPOINTS = (TOKEN, f"GET {VERSION_PATH}", f"GET {INFORMATION_PATH}", f"GET {CLOUD_PATH}",
                         f"GET {ROLE_PATH} {_ROLES_NOTE}", f"GET {PRIVILEGES_PATH} {_ROLES_NOTE}")
DOCTOR_ENDPOINTS = (f"GET {VERSION_PATH} (without a token)", TOKEN, f"GET {VERSION_PATH}",
                    f"GET {ROLE_PATH} {_ROLES_NOTE}", f"GET {PRIVILEGES_PATH} {_ROLES_NOTE}")
MAX_SKEW_S = 120  # beyond this, token lifetimes and certificate validity are judged by clocks that disagree
WHERE_ROLES = "Jamf Pro > Settings > API roles and clients"
INFO_FIELDS = ("url", "version", "client_id", "credentials", "roles", "roles_note", "features", "cloud", "families")
CHECK_FIELDS = ("check", "status", "detail", "fix")
InfoFieldsOpt = Annotated[Optional[str], typer.Option(
    "--fields", metavar="FIELDS", help=f"Comma-separated fields to show: {', '.join(INFO_FIELDS)}.")]
CheckFieldsOpt = Annotated[Optional[str], typer.Option(
    "--fields", metavar="FIELDS", help=f"Comma-separated fields to show (with -o): {', '.join(CHECK_FIELDS)}.")]
DoctorOutputOpt = Annotated[Optional[str], typer.Option(
    "--output", "-o", metavar="FORMAT",
    help="table, json, ndjson, csv or yaml. Default: one plain line per check.")]


# --- one token, watched: the client keeps neither the token's scope nor the responses' Date headers ----------
@contextlib.contextmanager
def session(app_ctx: AppContext, creds: Credentials) -> Iterator[tuple[JamfClient, object]]:
    """A client with a new token (never the cached one, whose scope is unknown), and the watch on its transport."""
    watch = Watch(transport(app_ctx, creds))
    saved = app_ctx.transport_factory
    app_ctx.transport_factory = lambda: watch  # the one recipe for a client, on the watched transport
    try:
        client = app_ctx.new_client(creds, fresh_token=True)
    finally:
        app_ctx.transport_factory = saved
    try:
        yield client, watch
    finally:
        client.close()
        watch.inner.close()


def read_roles(client: JamfClient, scope: str | None) -> tuple[list[dict], str | None]:
    """(each role's id, displayName and privileges; why they could not be read, or None)."""
    from urllib.parse import quote

    from jamfctl.errors import ForbiddenError, NotFoundError, ServerError

    ids = role_ids(scope)
    if not ids:
        return [], "the token names no API role (its scope is empty)"
    roles = []
    for ident in ids:
        path = ROLE_PATH.format(id=quote(ident, safe=""))
        try:
            body = client.get_json(path, privilege=READ_ROLES)
        except ForbiddenError:
            return [{"id": i, "displayName": None, "privileges": None} for i in ids], \
                f"reading the API roles needs the '{READ_ROLES}' privilege"
        except NotFoundError:
            body = {"id": ident, "displayName": None, "privileges": []}
        privileges = body.get("privileges") if isinstance(body, dict) else None
        if not isinstance(privileges, list) or not all(isinstance(p, str) for p in privileges):
            raise ServerError(f"{client.label} sent an unexpected answer to GET {path}")
        roles.append({"id": ident, "displayName": body.get("displayName"), "privileges": privileges})
    return roles, None


def known_privileges(client: JamfClient) -> set[str] | None:
    """Every privilege name the server has (to tell a missing privilege from one Jamf renamed); None if unreadable."""
    from jamfctl.errors import JamfctlError

    try:
        body = client.get_json(PRIVILEGES_PATH, privilege=READ_ROLES)
    except JamfctlError:
        return None
    names = body.get("privileges") if isinstance(body, dict) else None
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else None


def verdicts(ctx, roles: list[dict] | None, known: set[str] | None, read_only: bool) -> list[dict]:
    """Per command family: allowed (True/False; None when the roles are unreadable), what is missing, which commands."""
    from jamfctl.cli import catalogue

    granted = None if roles is None or any(r["privileges"] is None for r in roles) else \
        {p for r in roles for p in r["privileges"]}
    out = []
    for name, family in catalogue.families(catalogue.entries(ctx)).items():
        missing = [p for p in family["privileges"] if granted is not None and p not in granted]
        out.append({"family": name, "allowed": None if granted is None else not missing, "missing": missing,
                    "unknown_to_server": [p for p in missing if known is not None and p not in known],
                    "skipped": bool(read_only and family["writes"]), "commands": family["commands"]})
    return out


# --- server info -----------------------------------------------------------------------------------------------
@server_app.command("info")
def info(ctx: typer.Context, output: OutputOpt = None, fields: InfoFieldsOpt = None) -> None:
    """The server's URL and Jamf Pro version, and what this API client's roles allow.

    The roles come from the token's scope; where readable, their privileges, and which command families
    (jamfctl commands) they allow. Reading the roles needs the 'Read API Roles' privilege; without it the
    roles are named, not described.

    Examples:\n
      jamfctl server info\n
      jamfctl server info -o json | jq '.families[] | select(.allowed == false)'
    """
    from jamfctl import output as out
    from jamfctl import validate

    app_ctx = app_context(ctx)
    selected = out.check_fields(validate.field_paths(fields), INFO_FIELDS) if fields is not None else None
    table = out.resolve_format(output, app_ctx.stdout_is_tty) == "table"  # a table picks from its own summary
    render = renderer(app_ctx, output, None if table else selected)
    creds = app_ctx.credentials()
    with session(app_ctx, creds) as (client, watch):
        version = client.get_json(VERSION_PATH)
        features, cloud = _optional(client, INFORMATION_PATH), _optional(client, CLOUD_PATH)
        roles, why = read_roles(client, watch.scope)
        known = known_privileges(client) if why is None else None
    record = {"url": creds.url, "version": version.get("version") if isinstance(version, dict) else None,
              "client_id": creds.client_id, "credentials": creds.source, "roles": roles, "roles_note": why,
              "features": features, "cloud": cloud,
              "families": verdicts(ctx, None if why else roles, known, app_ctx.read_only)}
    if table:
        _info_tables(app_ctx, render, record, selected)
    else:
        render.one(record)


def _optional(client: JamfClient, path: str) -> dict | None:
    """A read that some servers or roles refuse (403/404): None then, the rest of the answer still shown."""
    from jamfctl.errors import ForbiddenError, NotFoundError

    try:
        body = client.get_json(path)
    except (ForbiddenError, NotFoundError):
        return None
    return body if isinstance(body, dict) else None


def _info_tables(app_ctx: AppContext, render, record: dict, selected: list[str] | None) -> None:
    """For a person: the facts, then one line per command family."""
    from jamfctl.specs import Column

    def role_text(role: dict) -> str:
        count = "privileges unreadable" if role["privileges"] is None else f"{len(role['privileges'])} privileges"
        return f"{role['displayName'] or '?'} (api-role:{role['id']}, {count})"

    facts = {"url": record["url"], "version": record["version"], "client_id": record["client_id"],
             "credentials": record["credentials"], "roles": "; ".join(map(role_text, record["roles"])) or "none",
             "roles_note": record["roles_note"], "features": record["features"], "cloud": record["cloud"]}
    if selected is not None:  # --fields roles: the summary line, not the raw list
        facts = {k: v for k, v in facts.items() if k in selected}
    render.one(facts, title=f"Jamf Pro {record['version'] or ''} at {record['url']}".replace("  ", " "))
    if selected is not None and "families" not in selected:
        return
    rows = [{"family": f["family"], "allowed": "read-only profile" if f["skipped"] else
             ("unknown" if f["allowed"] is None else f["allowed"]),
             "missing": ", ".join(f["missing"]) or "-", "commands": ", ".join(f["commands"])}
            for f in record["families"]]
    app_ctx.stdout.write("\n")
    families = renderer(app_ctx, "table", None, columns=[Column("Family", "family"), Column("Allowed", "allowed"),
                                                         Column("Missing", "missing"), Column("Commands", "commands")])
    families.many(rows)


# --- doctor ----------------------------------------------------------------------------------------------------
def doctor(ctx: typer.Context, output: DoctorOutputOpt = None, fields: CheckFieldsOpt = None) -> None:
    """Check everything between jamfctl and Jamf Pro: one line per check, a fix for each failure.

    URL, DNS, TCP, TLS (with a hint when a TLS-inspecting proxy signed the certificate), HTTP, credentials, token, clock
    skew, keychain, and the privileges each command family needs. Exits 0 only when every check passes.

    Examples:\n
      jamfctl doctor\n
      JAMF_URL=https://yourcompany.jamfcloud.com JAMF_CLIENT_ID=... JAMF_CLIENT_SECRET=... jamfctl doctor\n
      jamfctl -p prod doctor -o json | jq '.[] | select(.status == "FAIL")'
    """
    from jamfctl import output as out
    from jamfctl import validate
    from jamfctl.specs import Column

    app_ctx = app_context(ctx)
    selected = out.check_fields(validate.field_paths(fields), CHECK_FIELDS) if fields is not None else None
    fmt = "lines" if output is None else out.resolve_format(output, app_ctx.stdout_is_tty)
    app_ctx.output_format = fmt  # errors follow the format: plain lines unless -o json/ndjson
    checks: list[Check] = []

    def run() -> Iterator[dict]:
        for check in _checks(ctx, app_ctx):
            checks.append(check)
            if fmt == "lines":
                app_ctx.stdout.write(check.line())
                app_ctx.stdout.flush()
            yield check.row()

    if fmt == "lines":
        for _ in run():
            pass
    else:
        columns = [Column(c.capitalize(), c) for c in CHECK_FIELDS]
        renderer(app_ctx, output, selected, columns=None if selected else columns).many(run())
    _verdict(checks)


def _verdict(checks: list[Check]) -> None:
    from jamfctl.errors import JamfctlError

    failed = [c for c in checks if c.status == "FAIL"]
    if failed:
        error = failed[0].error or JamfctlError
        names = ", ".join(c.check for c in failed)
        raise error(f"{len(failed)} of {len(checks)} checks failed ({names}); each line above says what to do")


def _checks(ctx, app_ctx: AppContext) -> Iterator[Check]:
    from jamfctl.errors import AuthError, JamfctlError, KeychainError, ValidationError

    try:
        creds = app_ctx.credentials()
    except ValidationError as exc:
        if "URL" not in exc.message:  # a blank JAMF_* variable, say: the message says which
            yield Check("credentials", "FAIL", exc.message, "give all three JAMF_* variables a value, or unset them",
                        ValidationError)
            return
        yield Check("url", "FAIL", exc.message, "give the server's https address, e.g. "
                    "https://yourcompany.jamfcloud.com (JAMF_URL, or `jamfctl login --url`)", ValidationError)
        return
    except KeychainError as exc:
        yield Check("keychain", "FAIL", exc.message, "unlock or repair the OS keychain, or use JAMF_URL, "
                    "JAMF_CLIENT_ID and JAMF_CLIENT_SECRET", KeychainError)
        return
    except JamfctlError as exc:
        yield Check("credentials", "FAIL", exc.message, "run `jamfctl login`, or set JAMF_URL, JAMF_CLIENT_ID and "
                    "JAMF_CLIENT_SECRET; `jamfctl -p sandbox doctor` tries the built-in sandbox", AuthError)
        return
    yield url_check(creds)
    in_process = app_ctx.transport_factory is not None or creds.source == "sandbox"
    reachable = True
    for check in network_checks(creds.url, app_ctx.ca_bundle, app_ctx.timeout, in_process):
        reachable &= check.status != "FAIL"
        yield check
    if reachable:
        with session(app_ctx, creds) as (client, watch):
            http = http_check(creds.url, watch, app_ctx.timeout)
            yield http
            if http.status != "FAIL":
                yield from _authenticated(ctx, app_ctx, creds, client, watch)
                return
    yield Check("credentials", "skip", "not checked: the server cannot be reached")
    yield keychain_check(app_ctx, creds)


def _authenticated(ctx, app_ctx: AppContext, creds: Credentials, client: JamfClient, watch) -> Iterator[Check]:
    credentials = credentials_check(client, creds, watch)
    yield credentials
    token = token_check(client) if credentials.status == "ok" else \
        Check("token", "skip", "not checked: no token")
    yield token
    yield clock_check(watch, MAX_SKEW_S)
    yield keychain_check(app_ctx, creds)
    if token.status != "ok":
        return
    yield from _privilege_checks(ctx, app_ctx, client, watch)


def _privilege_checks(ctx, app_ctx: AppContext, client: JamfClient, watch) -> Iterator[Check]:
    from jamfctl.errors import ForbiddenError

    roles, why = read_roles(client, watch.scope)
    if why is not None:
        yield Check("roles", "warn", f"{why}: privileges not checked",
                    f"grant '{READ_ROLES}' to the client's API role ({WHERE_ROLES}) to let doctor check them")
        return
    names = ", ".join(f"{r['displayName'] or '?'} (api-role:{r['id']})" for r in roles)
    yield Check("roles", "ok", f"{names}: {len({p for r in roles for p in r['privileges']})} privileges")
    role_names = " or ".join(repr(r["displayName"] or f"api-role:{r['id']}") for r in roles)
    for family in verdicts(ctx, roles, known_privileges(client), app_ctx.read_only):
        name = f"privileges: {family['family']}"
        if family["skipped"]:
            yield Check(name, "skip", "not needed: this profile is read-only")
        elif family["allowed"]:
            yield Check(name, "ok", "allowed: " + ", ".join(_verbs(family)))
        else:
            missing = ", ".join(repr(p) for p in family["missing"])
            renamed = f"; not a privilege this server lists: {', '.join(map(repr, family['unknown_to_server']))} " \
                      "(Jamf may name it differently)" if family["unknown_to_server"] else ""
            only_reads = " or, if this client should only read, log in with --read-only (JAMFCTL_READ_ONLY=1 for " \
                         "environment credentials)" if family["commands"] and _writes(family) else ""
            yield Check(name, "FAIL", f"missing {missing} (for {', '.join(_verbs(family))}){renamed}",
                        f"grant {missing} to API role {role_names} ({WHERE_ROLES}){only_reads}", ForbiddenError)


def _verbs(family: dict) -> list[str]:
    noun = family["family"].split(" ", 1)[0] + " "
    return [c.removeprefix(noun) for c in family["commands"]]


def _writes(family: dict) -> bool:
    return family["family"].endswith("(writes)")
