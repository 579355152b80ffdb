"""`jamfctl setup`: an admin's username and password, once, become a least-privilege API role and client.

Flow: inputs validated (exit 2, nothing sent) -> a user token (HTTP Basic at /api/v1/auth/token) -> the level's
privileges (jamfctl.levels) checked against the server's /api/v1/api-role-privileges -> the role and the client
looked up by displayName -> the plan on stderr -> confirmation -> create or update what differs -> a client
secret -> verified with a fresh OAuth token -> kept exactly as `login` keeps one (cli.auth.save_profile) -> the
user token invalidated (also on failure).

Decisions: a role of that name with other privileges is updated to the level's (PUT, shown in the plan and
confirmed): a role named for a level holds that level. A client secret is generated only when the profile holds
no working one for that client: generating one rotates it (the old secret stops working), so a second run with
the secret in the keychain creates nothing. `--dry-run` logs in and reads (privileges, roles, clients) to tell
reuse from create, sends no request that creates or changes anything, and prints those it would send. The
password is never a flag, never stored, never logged (registered with jamfctl.redact); so is the new secret.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from jamfctl.cli.options import app_context, note
from jamfctl.cli.writes import YesOpt

if TYPE_CHECKING:
    from jamfctl.auth import Credentials
    from jamfctl.context import AppContext

log = logging.getLogger("jamfctl.setup")

USER_TOKEN_PATH = "/api/v1/auth/token"
INVALIDATE_PATH = "/api/v1/auth/invalidate-token"
PRIVILEGES_PATH = "/api/v1/api-role-privileges"
ROLES_PATH = "/api/v1/api-roles"
CLIENTS_PATH = "/api/v1/api-integrations"
USER_TOKEN_LIFETIME = 1800.0  # Jamf's user tokens last 30 minutes; used when `expires` cannot be read
LIFETIME_RANGE = (60, 86400)  # seconds: a minute to a day

LevelOpt = Annotated[str, typer.Option("--level", metavar="LEVEL", help=(
    "read-only (what the read commands need), standard (+ writes that destroy and lock nothing) or full "
    "(+ secrets on request, erase, lock, remove MDM). `jamfctl commands` lists each command's privileges."))]
UrlOpt = Annotated[Optional[str], typer.Option("--url", metavar="URL", help="Jamf Pro URL (default: the profile's).")]
UsernameOpt = Annotated[Optional[str], typer.Option(
    "--username", metavar="NAME", help="A Jamf Pro admin account (asked for on a terminal).")]
PasswordStdinOpt = Annotated[bool, typer.Option(
    "--password-stdin", metavar="", help="Read the admin's password from stdin (else a hidden prompt).")]
RoleNameOpt = Annotated[Optional[str], typer.Option(
    "--role-name", metavar="NAME", help="The API role's name (default: jamfctl-LEVEL).")]
ClientNameOpt = Annotated[Optional[str], typer.Option(
    "--client-name", metavar="NAME", help="The API client's name (default: jamfctl-PROFILE).")]
ProfileOpt = Annotated[Optional[str], typer.Option(
    "--profile", "-p", metavar="NAME", help="Profile to save (default: the global -p, else 'default').")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", metavar="", help=(
    "Log in and read what exists; print the requests that would create or change something, and send none."))]
DefaultOpt = Annotated[bool, typer.Option("--default", metavar="", help="Make this the default profile.")]
LifetimeOpt = Annotated[Optional[str], typer.Option(
    "--token-lifetime", metavar="SECONDS", help="The client's access token lifetime (60 to 86400; default: Jamf's).")]


@dataclass
class Inputs:
    url: str
    username: str
    password: str
    level: str
    role_name: str
    client_name: str
    profile: str
    lifetime: int | None


@dataclass
class Plan:
    privileges: list[str]
    role: dict | None  # the existing role of that name, else None (created)
    client: dict | None  # the existing API integration of that name, else None (created)
    update_role: bool = False
    update_client: bool = False
    kept: Credentials | None = None  # the profile's stored secret, which works for that client: no new one

    def requests(self, inputs: Inputs) -> list:
        from jamfctl.writes import Request

        role = {"displayName": inputs.role_name, "privileges": self.privileges}
        client = {"authorizationScopes": [inputs.role_name], "displayName": inputs.client_name, "enabled": True}
        if inputs.lifetime is not None:
            client["accessTokenLifetimeSeconds"] = inputs.lifetime
        client_id = self.client["id"] if self.client else "{id}"
        out = []
        if self.role is None:
            out.append(Request("POST", ROLES_PATH, json=role, privilege="Create API Roles"))
        elif self.update_role:
            out.append(Request("PUT", f"{ROLES_PATH}/{self.role['id']}", json=role, privilege="Update API Roles"))
        if self.client is None:
            out.append(Request("POST", CLIENTS_PATH, json=client, privilege="Create API Integrations"))
        elif self.update_client:
            out.append(Request("PUT", f"{CLIENTS_PATH}/{client_id}", json=client, privilege="Update API Integrations"))
        if self.kept is None:
            out.append(Request("POST", f"{CLIENTS_PATH}/{client_id}/client-credentials",
                               privilege="Create API Integrations"))
        return out


def setup(
    ctx: typer.Context,
    url: UrlOpt = None,
    username: UsernameOpt = None,
    password_stdin: PasswordStdinOpt = False,
    level: LevelOpt = "read-only",
    role_name: RoleNameOpt = None,
    client_name: ClientNameOpt = None,
    profile: ProfileOpt = None,
    default: DefaultOpt = False,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    token_lifetime: LifetimeOpt = None,
) -> None:
    """Create a least-privilege API role and client with an admin's login, and keep the client like `login` does.

    The admin's password is asked for (hidden) or read from stdin, used for one user token (invalidated at the
    end) and never stored. The level's privileges and the plan are shown before anything is created; a second
    run reuses the role and client and, while the profile's secret works, creates nothing. The sandbox's fake
    admin is sandbox-admin / sandbox-password (`jamfctl sandbox serve`).

    Examples:\n
      jamfctl setup --url https://yourcompany.jamfcloud.com --username admin -p audit\n
      printf %s "$ADMIN_PASSWORD" | jamfctl setup --url URL --username admin --password-stdin --yes\n
      jamfctl setup --level standard -p ops --dry-run
    """
    from jamfctl import config
    from jamfctl.cli import auth as auth_cmd
    from jamfctl.cli import catalogue
    from jamfctl.errors import JamfctlError, UsageError

    app_ctx = app_context(ctx)
    inputs = _inputs(app_ctx, url, username, password_stdin, level, role_name, client_name, profile, token_lifetime)
    if not (yes or dry_run) and (password_stdin or not _isatty(app_ctx.stdin)):
        why = "stdin holds the password (--password-stdin)" if password_stdin else "stdin is not a terminal"
        raise UsageError(f"setup needs confirmation: {why}, so pass --yes (or --dry-run); nothing was sent")
    if not dry_run:
        app_ctx.get_keychain().require()  # before anything is created: there must be somewhere safe for the secret
    previous = config.snapshot()
    rows = catalogue.entries(ctx)
    with _admin_client(app_ctx, inputs) as admin:
        try:
            plan = _plan(app_ctx, admin, inputs, rows)
            _show(app_ctx, inputs, plan)
            requests = plan.requests(inputs)
            if dry_run:
                from jamfctl.cli.writes import print_dry_run

                print_dry_run(app_ctx, requests)
                return
            if not requests:
                app_ctx.stdout.write(f"Nothing created: role '{inputs.role_name}' and API client "
                                     f"'{inputs.client_name}' are as level {inputs.level} needs, and profile "
                                     f"'{inputs.profile}' holds a working secret for them.\n")
                if default:
                    _make_default(app_ctx, inputs.profile)
                return
            _confirm(app_ctx, inputs, len(requests), yes)
            creds = _apply(app_ctx, admin, inputs, plan, requests)
        finally:
            _invalidate(admin)
    try:
        version, token = auth_cmd.verify(app_ctx, creds)
    except JamfctlError as exc:  # created, but unproven: nothing is stored, and a rerun generates a new secret
        raise type(exc)(f"{exc.message} (API client '{inputs.client_name}' exists on the server; run setup again "
                        "to give it a new secret)", detail=exc.detail) from None
    path, cfg = auth_cmd.save_profile(app_ctx, creds, previous, token, default=default, read_only=False)
    out = app_ctx.stdout
    out.write(f"API client '{inputs.client_name}' (client id {creds.client_id}) works: it got a token and read "
              f"Jamf Pro {version}.\n")
    out.write(f"Profile '{inputs.profile}' saved in {path}; the secret is in the OS keychain "
              f"({app_ctx.get_keychain().backend_name()}).\n")
    if cfg.default_profile == inputs.profile:
        out.write(f"'{inputs.profile}' is the default profile.\n")


def _inputs(app_ctx: AppContext, url, username, password_stdin, level, role_name, client_name, profile,
            lifetime) -> Inputs:
    """Everything validated before any request; asked for on a terminal when missing."""
    from jamfctl import config, levels, redact, validate
    from jamfctl.context import SANDBOX_PROFILE
    from jamfctl.errors import UsageError, ValidationError

    if level not in levels.LEVELS:
        raise ValidationError(f"unknown --level {validate.shown(level)}: use {', '.join(levels.LEVELS)}")
    name = validate.profile_name(profile if profile is not None else app_ctx.profile or "default")
    if name == SANDBOX_PROFILE:
        raise UsageError("'sandbox' is the built-in simulator and needs no setup; run `jamfctl sandbox serve` and "
                         "give setup its URL (admin sandbox-admin / sandbox-password), with another profile name")
    existing = config.load().profiles.get(name)
    read_only_env = os.environ.get("JAMFCTL_READ_ONLY", "").strip().lower() in ("1", "true", "yes")
    if (existing and existing.read_only) or read_only_env:
        raise UsageError(f"`jamfctl setup` writes (an API role and client), and profile '{name}' is read-only; "
                         "nothing was sent")
    role_name = validate.name(role_name if role_name is not None else f"jamfctl-{level}", "the role name")
    client_name = validate.name(client_name if client_name is not None else f"jamfctl-{name}", "the client name")
    seconds = None
    if lifetime is not None:
        text = lifetime.strip()
        seconds = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0
        if not LIFETIME_RANGE[0] <= seconds <= LIFETIME_RANGE[1]:
            raise ValidationError(f"--token-lifetime must be whole seconds from {LIFETIME_RANGE[0]} to "
                                  f"{LIFETIME_RANGE[1]}, not {validate.shown(lifetime)}")
    interactive = sys.stdin.isatty()
    if url is None and existing is not None:
        url = existing.url
    url = validate.url(url if url is not None else _ask("Jamf Pro URL", interactive, "--url"))
    username = (username if username is not None else _ask("Admin username", interactive, "--username")).strip()
    if not username or len(username) > 256 or not username.isprintable() or ":" in username:
        raise ValidationError("the username must be printable text of at most 256 characters, without ':'")
    if password_stdin:
        password = sys.stdin.read().strip("\r\n")
    elif interactive:
        password = typer.prompt("Admin password", hide_input=True)
    else:
        raise UsageError("no password: pass --password-stdin and pipe it in, or run on a terminal; nothing was sent")
    if not password or len(password) > 4096:
        raise UsageError("the password is empty or too long; nothing was sent")
    redact.register_secret(password)
    redact.register_secret(base64.b64encode(f"{username}:{password}".encode()).decode())  # the Basic header
    return Inputs(url, username, password, level, role_name, client_name, name, seconds)


def _ask(label: str, interactive: bool, flag: str) -> str:
    from jamfctl.errors import UsageError

    if not interactive:
        raise UsageError(f"missing {flag} (stdin is not a terminal, so jamfctl cannot ask); nothing was sent")
    return typer.prompt(label)


def _admin_client(app_ctx: AppContext, inputs: Inputs):
    """A client whose bearer token is the admin's user token; the same transport, timeouts and retries as any."""
    from jamfctl.auth import Credentials

    creds = Credentials(inputs.url, inputs.username, inputs.password, "setup", None)
    transport = app_ctx.transport_factory() if app_ctx.transport_factory is not None else None
    return _user_client_class()(inputs.url, credentials=creds, keychain=None, timeout=app_ctx.timeout,
                                transport=transport, ca_bundle=app_ctx.ca_bundle,
                                max_connections=app_ctx.max_connections, retry=app_ctx.retry)


def _user_client_class():
    import httpx

    from jamfctl import redact
    from jamfctl.client import JamfClient
    from jamfctl.errors import AuthError, ServerError

    class UserTokenClient(JamfClient):
        def request_token(self, credentials: Credentials) -> tuple[str, float]:
            """POST /api/v1/auth/token with HTTP Basic; sent once (a POST), again only if it never left."""
            basic = httpx.BasicAuth(credentials.client_id, credentials.secret)
            outcome = self._attempt("POST", USER_TOKEN_PATH, None, None, basic)
            if not isinstance(outcome, httpx.Response):
                raise outcome.error
            if outcome.status_code in (400, 401, 403):
                raise AuthError(f"{self.label} refused the username or password (HTTP {outcome.status_code}); "
                                "check them (the account must be able to use the API); nothing was created")
            self._raise_for_status(outcome, "POST", USER_TOKEN_PATH, privilege=None)
            try:
                body = json.loads(outcome.content)
                token = body["token"]
            except (ValueError, KeyError, TypeError):
                raise ServerError(f"{self.label} sent an unexpected answer to the user token request") from None
            if not isinstance(token, str) or not token:
                raise ServerError(f"{self.label} sent an empty user token")
            redact.register_secret(token)
            return token, _seconds_until(body.get("expires"))

    return UserTokenClient


def _seconds_until(expires) -> float:
    import datetime

    try:
        seconds = datetime.datetime.fromisoformat(str(expires).replace("Z", "+00:00")).timestamp() - time.time()
    except ValueError:
        return USER_TOKEN_LIFETIME
    # A server clock far off would make the token look expired at once (and fetched again for every request).
    return seconds if 60 <= seconds <= 86400 else USER_TOKEN_LIFETIME


def _plan(app_ctx: AppContext, admin, inputs: Inputs, rows: list[dict]) -> Plan:
    """What exists and what would change: the level's privileges checked against the server's, the role and the
    client by displayName, and whether the profile's stored secret still works for that client."""
    from jamfctl import levels
    from jamfctl.errors import JamfctlError

    wanted = levels.privileges(inputs.level, rows)
    known = _object(admin.get_json(PRIVILEGES_PATH, privilege="Read API Roles"), inputs).get("privileges") or []
    unknown = [name for name in wanted if name not in known]
    if unknown:
        why = "; ".join(f"'{name}' (for {', '.join(levels.needed_by(name, inputs.level, rows)[:3])})"
                        for name in unknown)
        raise JamfctlError(f"{inputs.url} knows no privilege named {why}: an older or newer Jamf Pro names it "
                           "differently; nothing was created")
    role = _by_name(admin, inputs, ROLES_PATH, inputs.role_name, "Read API Roles")
    client = _by_name(admin, inputs, CLIENTS_PATH, inputs.client_name, "Read API Integrations")
    plan = Plan(wanted, role, client)
    plan.update_role = role is not None and sorted(role.get("privileges") or []) != wanted
    if client is not None:
        lifetime = inputs.lifetime or client.get("accessTokenLifetimeSeconds")
        plan.update_client = (client.get("authorizationScopes") != [inputs.role_name]
                              or client.get("enabled") is not True
                              or client.get("accessTokenLifetimeSeconds") != lifetime)
        plan.kept = _working_secret(app_ctx, inputs, client)
    return plan


def _by_name(admin, inputs: Inputs, path: str, name: str, privilege: str) -> dict | None:
    found = admin.get_json(path, [("filter", f'displayName=="{name}"'), ("page-size", "100")], privilege=privilege)
    rows = _object(found, inputs).get("results") or []
    # Compared here too: the server's == may ignore case or read * in a name as a wildcard.
    return next((r for r in rows if isinstance(r, dict) and r.get("displayName") == name), None)


def _object(answer, inputs: Inputs) -> dict:
    from jamfctl.errors import ServerError

    if not isinstance(answer, dict):
        raise ServerError(f"{inputs.url} sent an answer setup cannot read (not a JSON object); nothing was created")
    return answer


def _working_secret(app_ctx: AppContext, inputs: Inputs, client: dict) -> Credentials | None:
    """The profile's stored credentials, if they are this client's on this server and get a token now."""
    from jamfctl import config
    from jamfctl.auth import Credentials
    from jamfctl.cli.auth import verify
    from jamfctl.errors import AuthError

    stored = config.load().profiles.get(inputs.profile)
    if stored is None or stored.url != inputs.url or stored.client_id != client.get("clientId"):
        return None
    secret = app_ctx.get_keychain().get_secret(inputs.profile)
    if not secret:
        return None
    creds = Credentials(inputs.url, stored.client_id, secret, "keychain", inputs.profile)
    try:
        verify(app_ctx, creds)
    except AuthError:
        return None
    return creds


def _show(app_ctx: AppContext, inputs: Inputs, plan: Plan) -> None:
    """The level's privileges and what would be created, updated or kept, on stderr."""
    note(app_ctx, f"level {inputs.level}: {len(plan.privileges)} privileges (`jamfctl commands` says which command "
                  "needs which):\n    " + "\n    ".join(plan.privileges))
    role = "create" if plan.role is None else f"{'update' if plan.update_role else 'reuse'} (id {plan.role.get('id')})"
    if plan.role is not None and plan.update_role:
        held = set(plan.role.get("privileges") or [])
        added, removed = sorted(set(plan.privileges) - held), sorted(held - set(plan.privileges))
        role += f": add {', '.join(added) or 'nothing'}; remove {', '.join(removed) or 'nothing'}"
    client = ("create" if plan.client is None else
              f"{'update' if plan.update_client else 'reuse'} (id {plan.client.get('id')}, client id "
              f"{plan.client.get('clientId')})")
    secret = (f"keep the one profile '{inputs.profile}' holds (it works)" if plan.kept is not None else
              "generate one" + (" (the client's current secret stops working)" if plan.client is not None else ""))
    note(app_ctx, f"on {inputs.url}: API role '{inputs.role_name}': {role}; API client '{inputs.client_name}': "
                  f"{client}; client secret: {secret}; profile '{inputs.profile}': URL and client id in the config, "
                  "the secret in the OS keychain")


def _make_default(app_ctx: AppContext, name: str) -> None:
    from jamfctl import config

    cfg = config.load()
    if cfg.default_profile != name:
        cfg.default_profile = name
        config.save(cfg)
    app_ctx.stdout.write(f"'{name}' is the default profile.\n")


def _confirm(app_ctx: AppContext, inputs: Inputs, count: int, yes: bool) -> None:
    from jamfctl.errors import UsageError

    if yes:
        return
    app_ctx.stderr.write(f"Send these {count} requests to {inputs.url}? [y/N] ")
    app_ctx.stderr.flush()
    if app_ctx.stdin.readline().strip().lower() not in ("y", "yes"):
        raise UsageError("not confirmed; nothing was created")


def _apply(app_ctx: AppContext, admin, inputs: Inputs, plan: Plan, requests: list) -> Credentials:
    """Send the plan's requests in order (the client's id, once created, goes into the credentials request)."""
    import dataclasses

    from jamfctl import redact
    from jamfctl.auth import Credentials
    from jamfctl.errors import ServerError

    client = plan.client
    for request in requests:
        if request.path.endswith("/{id}/client-credentials"):
            request = dataclasses.replace(request, path=f"{CLIENTS_PATH}/{client['id']}/client-credentials")
        answer = admin.send(request)
        if request.path == CLIENTS_PATH or request.path.startswith(f"{CLIENTS_PATH}/") and request.method == "PUT":
            client = _object(answer, inputs)  # its id goes into the credentials request
        if request.path.endswith("/client-credentials"):
            secret = answer.get("clientSecret") if isinstance(answer, dict) else None
            if not isinstance(secret, str) or not secret:
                raise ServerError(f"{inputs.url} sent no client secret; run setup again to generate one")
            redact.register_secret(secret)  # the schema does not mark it secret: jamfctl does
            return Credentials(inputs.url, str(answer.get("clientId") or client["clientId"]), secret, "setup",
                               inputs.profile)
        what = "API role" if request.path.startswith(ROLES_PATH) else "API client"
        note(app_ctx, f"{'created' if request.method == 'POST' else 'updated'} {what} "
                      f"'{answer.get('displayName') if isinstance(answer, dict) else '?'}'")
    return plan.kept


def _invalidate(admin) -> None:
    """End the admin's user token now rather than in 30 minutes; a failure here is only logged."""
    from jamfctl.errors import JamfctlError
    from jamfctl.writes import Request

    if admin.tokens is None or admin.tokens.current() is None:
        return
    try:
        admin.send(Request("POST", INVALIDATE_PATH))
    except JamfctlError as exc:
        log.debug("the user token was not invalidated: %s", exc.message)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
