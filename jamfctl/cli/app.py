"""The root command: global options, sub-command registration, and the one error handler."""
from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import sys
from typing import Annotated, Optional

import typer

from jamfctl import __version__
from jamfctl.cli import auth as auth_cmd
from jamfctl.cli import sandbox as sandbox_cmd
from jamfctl.cli import completion as completion_cmd
from jamfctl.cli.lazy import DeferringGroup, root_command
from jamfctl.context import AppContext

# httpx imports its own command line (httpx._main: click, rich.progress, pygments; ~30 ms) whenever click and
# rich are installed, as they are beside Typer; jamfctl never runs it. A None entry makes that import fail,
# which httpx handles (its `httpx.main` then says how to install the CLI).
sys.modules.setdefault("httpx._main", None)


def _freeze_at_exit() -> None:
    """The process is ending: Python's final collection would walk every object of Typer, httpx, keyring and
    jamfctl just to free memory the OS takes back anyway (~50-100 ms of each command). gc.freeze() leaves them
    out of it. Files are closed by the commands themselves, and sys.stdout/stderr are flushed at exit regardless."""
    import gc

    gc.freeze()


atexit.register(_freeze_at_exit)  # runs before the final collection (and before earlier handlers: LIFO)


class JamfctlGroup(DeferringGroup):
    """Reports jamfctl's own errors in one place, inside the app (so Typer's test runner sees them too).
    `run` builds it with every command deferred (jamfctl.cli.lazy); typer.main.get_command(app) builds all."""

    def invoke(self, ctx):
        from jamfctl.cli import typer_compat
        from jamfctl.errors import JamfctlError

        ClickException = typer_compat.click_exception_type()
        args = typer_compat.words_below(ctx)  # the command line below the root, for `-o json` errors
        if not isinstance(ctx.obj, AppContext):  # Typer's test runner passes none; root() then uses this one
            ctx.obj = AppContext()
        app_ctx: AppContext = ctx.obj
        app_ctx.prints_data = self._prints_data(ctx, args)
        try:
            return super().invoke(ctx)
        except ClickException as exc:
            if typer_compat.is_no_args_help(exc):  # `jamfctl computer`: its help is printed; as gh does, 0
                raise typer.Exit(0) from None
            # A usage error below the root (unknown option or command, a missing value): reported like every
            # other error, in one or two plain lines (not Typer's panel), with the sandbox mark and JSON line.
            from jamfctl.errors import UsageError

            where = getattr(exc, "ctx", None)
            hint = f" (see `{where.command_path} --help`)" if where is not None else ""
            raise typer.Exit(report(app_ctx, UsageError(exc.format_message() + hint), args)) from None
        except typer.Abort as exc:  # a prompt met Ctrl-C or Ctrl-D (Typer turns both into Abort, exit 1)
            from jamfctl.errors import Interrupted, UsageError

            if isinstance(exc.__context__, KeyboardInterrupt):
                error: JamfctlError = Interrupted("interrupted; nothing was stored")
            else:
                error = UsageError("no answer (end of input); nothing was stored")
            raise typer.Exit(report(app_ctx, error, args)) from None
        except (typer.Exit, KeyboardInterrupt, EOFError):
            raise  # --help, Ctrl-C outside a prompt: Typer's standalone mode and jamfctl.entry report these
        except BrokenPipeError:  # `jamfctl ... | head`: the reader left, which is not an error
            raise typer.Exit(0) from None
        except Exception as exc:  # JamfctlError, or a last-resort plain line (traceback only with --debug)
            raise typer.Exit(report(app_ctx, exc, args)) from (exc if isinstance(exc, JamfctlError) else None)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands = {**_nouns(), **self.commands}  # the nouns first, as `--help` lists them
        from jamfctl.cli import typer_compat

        typer_compat.plain_string_coercion(self)  # no pydantic for the str options (see there)

    def _prints_data(self, ctx, args: list[str]) -> bool:
        """Whether the command named by `args` prints data (has -o): its errors then follow its output format,
        even one found before the command chose it. Read from the command itself, so a new command needs no list."""
        command = self
        for word in args:
            if not hasattr(command, "get_command") or word.startswith("-"):
                break
            command = command.get_command(ctx, word)
            if command is None:
                return False
        return command is not self and any(param.name == "output" for param in command.params)


app = typer.Typer(
    name="jamfctl",
    cls=JamfctlGroup,
    help="Jamf Pro from the command line: inventory for people (tables) and scripts (JSON).\n\n"
    "Try it without a server: jamfctl -p sandbox computer list",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Examples: jamfctl login | jamfctl computer show C02XK1JMJG5H | jamfctl computer list --all -o json",
)

class LazyNoun(DeferringGroup):
    """A resource noun (jamfctl.specs) whose verbs are declared only when it is used, and each built only
    when it is used: `--help` and completion list the nouns from their declarations, so start-up stays flat
    however many nouns there are, and `computer show` does not build `computer list` or the MDM actions."""

    def __init__(self, noun: str, specs) -> None:
        from jamfctl.cli.resource import noun_help

        super().__init__(name=noun, help=noun_help(specs), no_args_is_help=True)
        self._specs = specs

    def _declare(self) -> None:
        if self._source is None:
            from jamfctl.cli.resource import build_noun

            self.defer(build_noun(self.name, self._specs))  # a Typer app without options: its verbs are all

    def list_commands(self, ctx) -> list[str]:
        self._declare()
        return super().list_commands(ctx)

    def get_command(self, ctx, name: str):
        self._declare()
        return super().get_command(ctx, name)


def _nouns() -> dict[str, LazyNoun]:
    from jamfctl import specs

    return {noun: LazyNoun(noun, declared) for noun, declared in specs.nouns().items()}
app.add_typer(auth_cmd.auth_app, name="auth")
app.command("login")(auth_cmd.login)
app.command("logout")(auth_cmd.logout)
app.add_typer(sandbox_cmd.app, name="sandbox")
from jamfctl.cli import mcp as mcp_cmd  # noqa: E402 - light: the MCP SDK is imported by `mcp serve` only
app.add_typer(mcp_cmd.app, name="mcp")
app.command("completion")(completion_cmd.completion)
from jamfctl.cli import catalogue as catalogue_cmd  # noqa: E402, I001 - light: each imports its work when run
from jamfctl.cli import diagnostics as diagnostics_cmd  # noqa: E402
app.add_typer(diagnostics_cmd.server_app, name="server")
app.command("doctor")(diagnostics_cmd.doctor)
app.command("commands")(catalogue_cmd.commands)
from jamfctl.cli import backup as backup_cmd  # noqa: E402 - light: backup and diff import their work when run
app.command("backup")(backup_cmd.backup)
app.command("diff")(backup_cmd.diff)
from jamfctl.cli import multi as multi_cmd  # noqa: E402 - light: the instances' commands run inside it
multi_cmd.register(app)
from jamfctl.cli import api as api_cmd  # noqa: E402 - light: the schema index is loaded by the command body
app.command("api")(api_cmd.api)
from jamfctl.cli import setup as setup_cmd  # noqa: E402 - light: levels, catalogue and client are imported when it runs
app.command("setup")(setup_cmd.setup)
from jamfctl.cli import report as report_cmd  # noqa: E402 - light: the report imports its work when run
app.add_typer(report_cmd.app, name="report")


def _version(value: bool) -> None:
    if value:
        print(f"jamfctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[Optional[str], typer.Option("--profile", "-p", metavar="NAME", envvar="JAMFCTL_PROFILE", help="Profile to use (`sandbox` is the built-in simulator).")] = None,
    timeout: Annotated[str, typer.Option("--timeout", envvar="JAMFCTL_TIMEOUT", metavar="SECONDS", help="Seconds to wait for each connect, read and write.")] = "30",
    debug: Annotated[bool, typer.Option("--debug", metavar="", envvar="JAMFCTL_DEBUG", help="Diagnostics on stderr (secrets redacted).")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", metavar="", help="No colour (also NO_COLOR or TERM=dumb).")] = False,
    ca_bundle: Annotated[Optional[str], typer.Option("--ca-bundle", metavar="FILE", envvar="JAMFCTL_CA_BUNDLE", help="Extra CA certificates (PEM) to trust.")] = None,
    version: Annotated[bool, typer.Option("--version", metavar="", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    from jamfctl import validate
    from jamfctl.context import configure_logging

    app_ctx: AppContext = ctx.obj if isinstance(ctx.obj, AppContext) else AppContext()
    ctx.obj = app_ctx
    with _naming_the_variable(ctx, "profile", "JAMFCTL_PROFILE"):
        app_ctx.profile = validate.profile_name(profile) if profile is not None else None  # -p "" is an error
    with _naming_the_variable(ctx, "timeout", "JAMFCTL_TIMEOUT"):
        app_ctx.timeout = validate.timeout(timeout)
    if os.environ.get("JAMFCTL_MAX_CONNECTIONS"):  # an environment setting only: rarely needed, never raised past 5
        app_ctx.max_connections = validate.max_connections(os.environ["JAMFCTL_MAX_CONNECTIONS"])
    app_ctx.debug = debug
    app_ctx.color = not (no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb")
    _typer_colour(app_ctx.color)
    app_ctx.ca_bundle = ca_bundle
    configure_logging(debug, app_ctx.stderr, sandbox=app_ctx.is_sandbox)
    ctx.call_on_close(app_ctx.close)


@contextlib.contextmanager
def _naming_the_variable(ctx: typer.Context, param: str, variable: str):
    """A bad value that came from the environment: the message says which variable (CI users look there last)."""
    from jamfctl.errors import ValidationError

    try:
        yield
    except ValidationError as exc:
        source = ctx.get_parameter_source(param)
        if source is not None and source.name == "ENVIRONMENT":
            raise ValidationError(f"{exc.message} (from {variable})") from None
        raise


def _typer_colour(color: bool) -> None:
    """Typer's own help and usage-error output follow --no-color too. NO_COLOR and TERM=dumb need nothing:
    rich honours both by itself, so a data command does not import Typer's rich help (~100 ms) to be told."""
    told_by_environment = bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"
    if not color and (not told_by_environment or "typer.rich_utils" in sys.modules):
        import typer.rich_utils

        typer.rich_utils.COLOR_SYSTEM = None  # Typer's documented switch; set per run, so reset it below
    elif "typer.rich_utils" in sys.modules:  # only loaded once help or an error needed it: no import cost
        sys.modules["typer.rich_utils"].COLOR_SYSTEM = "auto"


def report(app_ctx: AppContext, exc: BaseException, argv: list[str]) -> int:
    """Print an error the way PRODUCT.md says, and return its exit code."""
    from jamfctl import redact
    from jamfctl.errors import JamfctlError

    if isinstance(exc, JamfctlError):
        error = exc
    elif isinstance(exc, UnicodeEncodeError):  # stdout in an encoding that cannot hold the data (not UTF-8)
        encoding = getattr(app_ctx.stdout, "encoding", None) or "?"
        error = JamfctlError(f"the output has characters the output encoding ({encoding}) cannot hold; "
                             "set PYTHONIOENCODING=utf-8 (or use -o json, which escapes them)")
    else:
        error = JamfctlError(f"unexpected error ({type(exc).__name__}); run again with --debug for details")
    where = " (sandbox)" if app_ctx.is_sandbox else ""
    stderr = app_ctx.stderr
    stderr.write(f"Error{where}: {redact.scrub(error.message)}\n")
    if app_ctx.debug:
        if error.detail:
            stderr.write(f"debug: {redact.scrub(error.detail)}\n")
        if not isinstance(exc, JamfctlError):
            import traceback

            stderr.write(redact.scrub("".join(traceback.format_exception(exc))))
    if _wants_json(app_ctx, argv):
        payload = {"error": error.kind, "message": redact.scrub(error.message), "exit_code": error.exit_code}
        stderr.write(json.dumps(payload) + "\n")
    stderr.flush()
    return error.exit_code


def _wants_json(app_ctx: AppContext, argv: list[str]) -> bool:
    """Whether the output is (or would have been) JSON, so that the error also gets its JSON line: the
    command's format once chosen, else an -o on the command line, else the default (json when piped) for a
    command that prints data, also when the error came before the command chose (a bad --timeout)."""
    if app_ctx.output_format is not None:
        return app_ctx.output_format in ("json", "ndjson")
    for i, arg in enumerate(argv):
        if arg in ("-o", "--output") and i + 1 < len(argv):
            return argv[i + 1].lower() in ("json", "ndjson")
        if arg.startswith(("--output=", "-o")) and arg not in ("-o",):
            value = arg.split("=", 1)[1] if "=" in arg else arg[2:]
            return value.lower() in ("json", "ndjson")
    return app_ctx.prints_data and not app_ctx.stdout_is_tty


@functools.cache
def _root():
    """The root command, built once per process (tests run many invocations): its commands as they are used."""
    return root_command(app)


def run(argv: list[str], app_ctx: AppContext | None = None) -> int:
    """Run one invocation and return its exit code (see jamfctl.errors.ExitCode).

    Typer's standalone mode handles usage errors (exit 2), --help and Ctrl-C (130); jamfctl's own
    errors are reported by JamfctlGroup.
    """
    app_ctx = app_ctx or AppContext()
    if os.environ.get("_JAMFCTL_COMPLETE"):
        # A shell asking for completions (see `jamfctl completion`): register Typer's shell classes,
        # which add_completion=False leaves out so that the app has no --install-completion flags.
        from jamfctl.cli import typer_compat

        typer_compat.register_completion_shells()
    try:
        _root().main(args=argv, prog_name="jamfctl", obj=app_ctx)  # what app() does, with commands deferred
        return 0
    except SystemExit as exc:
        code = exc.code
        if not argv and code == 2:  # bare `jamfctl` printed its help (click's no_args_is_help): not an error
            code = 0
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        app_ctx.close()
