"""`jamfctl login`, `logout` and `auth status`: profiles in the config file, secrets in the keychain."""
from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from jamfctl.cli.options import OutputOpt, app_context, note, renderer

if TYPE_CHECKING:
    from jamfctl.auth import Credentials, Keychain, Token
    from jamfctl.config import Profile
    from jamfctl.context import AppContext
    from jamfctl.errors import JamfctlError

log = logging.getLogger("jamfctl.auth")

auth_app = typer.Typer(
    help="Credentials: which profiles exist and whether they work.\n\nExample: jamfctl auth status --check",
    no_args_is_help=True,
)
VERSION_PATH = "/api/v1/jamf-pro-version"
LoginProfileOpt = Annotated[Optional[str], typer.Option(
    "--profile", "-p", metavar="NAME", help="Profile to save (default: the global -p, else JAMFCTL_PROFILE, else 'default').")]
LogoutProfileOpt = Annotated[Optional[str], typer.Option(
    "--profile", "-p", metavar="NAME", help="Profile to log out of (default: the global -p, else JAMFCTL_PROFILE, else the default profile).")]
STATUS_COLUMNS = (("Profile", "profile"), ("URL", "url"), ("Client id", "client_id"), ("Secret", "secret_store"),
                  ("Token", "token_status"), ("Active", "active"), ("Default", "default"), ("Read-only", "read_only"))
STATUS_FIELDS = tuple(key for _, key in STATUS_COLUMNS)
StatusFieldsOpt = Annotated[Optional[str], typer.Option(
    "--fields", metavar="FIELDS", help=f"Comma-separated fields to show: {', '.join(STATUS_FIELDS)}.")]


def verify(app_ctx: AppContext, creds: Credentials) -> tuple[str, Token | None]:
    """Prove that `creds` work now: get a fresh token from the server (never a cached one) and read
    /api/v1/jamf-pro-version with it. Returns (Jamf Pro version, the fresh token).

    Used by `login` (before anything is stored) and `auth status --check`. Errors keep their own exit
    code: 3 when the server refuses the credentials, 7 when it cannot be reached, and so on."""
    with app_ctx.new_client(creds, fresh_token=True) as client:
        data = client.get_json(VERSION_PATH)
        version = data.get("version") if isinstance(data, dict) else None
        return (version if isinstance(version, str) and version else "unknown"), client.tokens.current()


def _cache_token(keychain: Keychain, creds: Credentials, token: Token | None) -> None:
    """Keep a verified token for the next command; only a cache, so a keychain that refuses is no error."""
    from jamfctl.errors import KeychainError

    if token is None:
        return
    try:
        keychain.set_token(creds.cache_key, token)
    except KeychainError as exc:
        log.debug("token not cached: %s", exc.message)


def login(
    ctx: typer.Context,
    profile: LoginProfileOpt = None,
    url: Annotated[Optional[str], typer.Option("--url", metavar="URL", help="Jamf Pro URL, e.g. https://yourcompany.jamfcloud.com.")] = None,
    client_id: Annotated[Optional[str], typer.Option("--client-id", metavar="ID", help="API client id (Jamf Pro > API roles and clients).")] = None,
    client_secret_stdin: Annotated[bool, typer.Option("--client-secret-stdin", metavar="", help="Read the client secret from stdin (for automation).")] = False,
    default: Annotated[bool, typer.Option("--default", metavar="", help="Make this the default profile.")] = False,
    read_only: Annotated[bool, typer.Option("--read-only", metavar="", help="Every command that writes refuses on this profile.")] = False,
) -> None:
    """Check an API client against the server, then keep its secret in the OS keychain.

    The secret is never accepted as a flag (it would show in `ps` and shell history).

    Examples:\n
      jamfctl login --url https://yourcompany.jamfcloud.com --client-id 1a2b3c\n
      printf %s "$SECRET" | jamfctl login -p ci --url URL --client-id ID --client-secret-stdin\n
      jamfctl login -p audit --read-only
    """
    from jamfctl import config
    from jamfctl.auth import Credentials

    app_ctx = app_context(ctx)
    name, url, client_id, secret = _login_inputs(app_ctx, profile, url, client_id, client_secret_stdin)
    keychain = app_ctx.get_keychain()
    keychain.require()  # fail before sending anything: there would be nowhere safe to keep the secret
    previous = config.snapshot()  # an unreadable or corrupt config also fails before sending anything
    creds = Credentials(url, client_id, secret, "login", name)
    version, token = verify(app_ctx, creds)
    path, cfg = save_profile(app_ctx, creds, previous, token, default=default, read_only=read_only)
    out = app_ctx.stdout
    out.write(f"Logged in to {url} (Jamf Pro {version}) as API client {client_id}.\n")
    out.write(f"Profile '{name}' saved in {path}; the secret is in the OS keychain ({keychain.backend_name()}).\n")
    if cfg.default_profile == name:
        out.write(f"'{name}' is the default profile.\n")
    if read_only:
        out.write(f"'{name}' is read-only: commands that write refuse on it.\n")


def save_profile(app_ctx: AppContext, creds: Credentials, previous, token: Token | None, *, default: bool,
                 read_only: bool):
    """Keep verified credentials as profile `creds.profile`: URL and client id in the config, the secret in the
    keychain, the verified token in its cache. `previous` is config.snapshot() taken before anything was sent.
    Returns (the config file's path, the saved config). Used by `login` and `setup`."""
    from jamfctl import config

    # Nothing half-stored: the config first (the likelier failure: a read-only or missing folder), then the
    # secret; if the keychain refuses the secret, the config goes back to what it was.
    keychain = app_ctx.get_keychain()
    name = creds.profile
    cfg = config.load()
    cfg.profiles[name] = config.Profile(name=name, url=creds.url, client_id=creds.client_id, read_only=read_only)
    if default or not cfg.default_profile or cfg.default_profile not in cfg.profiles:
        cfg.default_profile = name
    path = config.save(cfg)
    try:
        keychain.set_secret(name, creds.secret)
    except BaseException:
        try:
            config.restore(previous)
        except Exception as exc:  # the keychain error is the one to report
            log.debug("could not put the config back after the keychain failed: %s", exc)
        raise
    _cache_token(keychain, creds, token)
    return path, cfg


def _login_inputs(app_ctx: AppContext, profile: str | None, url: str | None, client_id: str | None,
                  secret_stdin: bool) -> tuple[str, str, str, str]:
    """(profile name, URL, client id, secret), validated; asked for on a terminal when not given."""
    from jamfctl import validate
    from jamfctl.context import SANDBOX_PROFILE
    from jamfctl.errors import UsageError

    name = validate.profile_name(profile if profile is not None else app_ctx.profile or "default")
    if name == SANDBOX_PROFILE:
        raise UsageError("'sandbox' is the built-in simulator and needs no login; choose another profile name")
    interactive = sys.stdin.isatty()
    if url is None:
        url = _ask("Jamf Pro URL", interactive, "--url")
    url = validate.url(url)
    if client_id is None:
        client_id = _ask("API client id", interactive, "--client-id")
    client_id = client_id.strip()
    if not client_id or len(client_id) > 256 or not client_id.isprintable():
        raise UsageError("the client id must be printable text of at most 256 characters")
    if secret_stdin:
        secret = sys.stdin.read().strip("\r\n")
    elif interactive:
        secret = typer.prompt("API client secret", hide_input=True)
    else:
        raise UsageError("no client secret: pass --client-secret-stdin and pipe it in, or run interactively")
    if not secret or len(secret) > 4096:
        raise UsageError("the client secret is empty or too long")
    return name, url, client_id, secret


def _ask(label: str, interactive: bool, flag: str) -> str:
    from jamfctl.errors import UsageError

    if not interactive:
        raise UsageError(f"missing {flag} (stdin is not a terminal, so jamfctl cannot ask)")
    return typer.prompt(label)


def logout(
    ctx: typer.Context,
    profile: LogoutProfileOpt = None,
    all_: Annotated[bool, typer.Option("--all", metavar="", help="Log out of every profile.")] = False,
) -> None:
    """Remove a profile's secret and cached token from the keychain, and the profile itself.

    Examples:\n
      jamfctl logout -p prod\n
      jamfctl logout --all
    """
    from jamfctl import auth, config, validate
    from jamfctl.errors import UsageError

    app_ctx = app_context(ctx)
    cfg = config.load()
    if all_:
        names = list(cfg.profiles)
    else:
        name = profile if profile is not None else app_ctx.profile_name  # -p, JAMFCTL_PROFILE, the default
        if not name:
            raise UsageError("no profile to log out of: give -p NAME or --all")
        names = [validate.profile_name(name)]
        if names[0] not in cfg.profiles:
            raise UsageError(f"no profile named {names[0]!r}")
    keychain = app_ctx.get_keychain()
    for name in names:
        entry = cfg.profiles.pop(name, None)
        secret = keychain.get_secret(name)
        if secret and entry:
            keychain.delete_token(auth.token_cache_key(entry.url, entry.client_id, secret))
        keychain.delete_secret(name)
        if cfg.default_profile == name:
            cfg.default_profile = None
        app_ctx.stdout.write(f"Logged out of profile '{name}': secret and cached token removed.\n")
    config.save(cfg)


@auth_app.command("status")
def status(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option("--check", metavar="", help=(
        "Also log in to the server now with the active credentials: get a new token (not the cached one) "
        "and read the Jamf Pro version. Exit 3 if the server refuses them, 7 if it cannot be reached."))] = False,
    output: OutputOpt = None,
    fields: StatusFieldsOpt = None,
) -> None:
    """Profiles, where each secret lives and whether a cached token is valid (never the values).

    Examples:\n
      jamfctl auth status\n
      jamfctl -p prod auth status --check\n
      jamfctl auth status -o csv --fields profile,url,default
    """
    from jamfctl import auth, config, validate
    from jamfctl.context import credential_source
    from jamfctl.output import Column, check_fields

    app_ctx = app_context(ctx)
    selected = check_fields(validate.field_paths(fields), STATUS_FIELDS) if fields is not None else None
    render = renderer(app_ctx, output, selected, columns=[Column(h, k) for h, k in STATUS_COLUMNS])
    cfg = config.load()
    keychain = app_ctx.get_keychain()
    backend = keychain.backend_name()
    env = _environment_or_warning(app_ctx)
    source = credential_source(app_ctx.is_sandbox, env is not None)
    active_profile = app_ctx.profile_name if source == "profile" else None
    # Before the rows, so that the Token column shows the token this check got.
    checked, failure = _check_now(app_ctx, keychain) if check else (None, None)
    rows = []
    if env:  # every row has the same keys (CSV takes its columns from the first row)
        rows.append({"profile": "(environment)", "url": env[0], "client_id": env[1], "secret_store": "environment (JAMF_CLIENT_SECRET)",
                     "token_status": "-", "active": source == "environment", "default": False,
                     "read_only": app_ctx.read_only if source == "environment" else False})
    for name, entry in sorted(cfg.profiles.items()):
        rows.append(_profile_row(keychain, backend, entry, active=name == active_profile,
                                 default=name == cfg.default_profile))
    if not rows and render.fmt == "table":
        note(app_ctx, "no profiles: run `jamfctl login`, set JAMF_URL/JAMF_CLIENT_ID/JAMF_CLIENT_SECRET, or use -p sandbox")
    else:
        render.many(rows)
    # Which keychain holds (or would hold) the secrets, on stderr so that -o json stays data only.
    usable = "" if keychain.usable() else f" - not usable, so {auth.ENV_HINT}"
    note(app_ctx, f"keychain backend: {backend}{usable}")
    if failure is not None:
        raise failure
    if checked is not None:
        creds, version = checked
        who = "the environment (JAMF_*)" if creds.source == "environment" else f"profile '{creds.profile}'"
        note(app_ctx, f"credentials for {who} work: {creds.url} issued a new token and answered (Jamf Pro {version})")


@auth_app.command("token")
def token(
    ctx: typer.Context,
    refresh: Annotated[bool, typer.Option(
        "--refresh", metavar="", help="Get a new token even if the cached one is still valid.")] = False,
) -> None:
    """Print an access token for other tools: {"token": ..., "expires_at": ...} (expires_at in ISO 8601, UTC).

    The cached token while it stays valid for a while yet (as every command uses it), else a new one; --refresh
    always gets a new one. The only command that prints a token, and only on stdout: never in --debug output,
    logs or errors. Treat it like the secret until it expires.

    Examples:\n
      jamfctl auth token | jq -r .token\n
      curl -H "Authorization: Bearer $(jamfctl auth token | jq -r .token)" "$JAMF_URL/api/v1/jamf-pro-version"\n
      jamfctl -p prod auth token --refresh
    """
    import datetime
    import json

    app_ctx = app_context(ctx)
    creds = app_ctx.credentials()
    with app_ctx.new_client(creds) as client:
        value = client.tokens.token()
        if refresh and client.tokens.fetched == 0:  # it came from the cache: forget it there, then get a new one
            client.tokens.invalidate(value)
            value = client.tokens.token()
        held = client.tokens.current()
    expires = datetime.datetime.fromtimestamp(held.expires_at, datetime.timezone.utc) if held else None
    shown = expires.strftime("%Y-%m-%dT%H:%M:%SZ") if expires else None
    # Not through the renderer, which (rightly) redacts a token.
    app_ctx.stdout.write(json.dumps({"token": value, "expires_at": shown}) + "\n")
    app_ctx.stdout.flush()
    if creds.source == "sandbox":
        note(app_ctx, "this token works only inside this jamfctl process; `jamfctl sandbox serve` gives other tools "
                      "a sandbox to use one with")


def _environment_or_warning(app_ctx: AppContext) -> tuple[str, str, str] | None:
    """The JAMF_* credentials; a half-set environment is a warning here (a diagnostic command still
    lists the profiles), and only --check fails on it."""
    from jamfctl import auth
    from jamfctl.errors import JamfctlError

    try:
        return auth.from_environment()
    except JamfctlError as exc:
        note(app_ctx, f"warning: {exc.message}")
        return None


def _check_now(app_ctx: AppContext, keychain: Keychain) -> tuple[tuple[Credentials, str] | None, JamfctlError | None]:
    """--check: ((credentials, Jamf Pro version), None) if the winning credentials work, else (None, why)."""
    from jamfctl.errors import JamfctlError

    try:
        creds = app_ctx.credentials()
        version, token = verify(app_ctx, creds)
        if creds.source != "sandbox" and keychain.usable():
            _cache_token(keychain, creds, token)
        return (creds, version), None
    except JamfctlError as exc:
        return None, exc


def _profile_row(keychain: Keychain, backend: str, entry: Profile, *, active: bool, default: bool) -> dict:
    """One profile's status row: where its secret is and whether a cached token is valid (never values)."""
    import time

    from jamfctl import auth
    from jamfctl.errors import KeychainError

    secret_where, token_state = f"missing from keychain ({backend})", "-"
    try:
        secret = keychain.get_secret(entry.name)
        if secret:
            secret_where = f"keychain ({backend})"
            token = keychain.get_token(auth.token_cache_key(entry.url, entry.client_id, secret))
            if token and token.expires_at > time.time():
                token_state = "valid until " + time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(token.expires_at))
            else:
                token_state = "none cached"
    except KeychainError:
        secret_where = f"keychain unavailable ({backend})"
    return {"profile": entry.name, "url": entry.url, "client_id": entry.client_id, "secret_store": secret_where,
            "token_status": token_state, "active": active, "default": default, "read_only": entry.read_only}
