"""Reference for the `computer show` goal (<= 1.1x): a bare Typer app doing what a cached-token show must do.

The same root options and `computer show` options with the same types as jamfctl's (Optional[str],
str, bool, Optional[list[str]]), the same keychain lookups (the profile's secret, then the cached token, through
`keyring` and whatever backend PYTHON_KEYRING_BACKEND names), and one httpx GET of the URL jamfctl sent, whose
body it prints. Nothing else: no config file, no validation, no error handling, no redaction.

Usage: BENCH_URL=... BENCH_PROFILE=... BENCH_TOKEN_KEY=... python bare_typer_keyring_httpx.py computer show SERIAL
"""
import json
import os
import sys
from typing import Annotated, Optional

import typer

app = typer.Typer(add_completion=False)
computer = typer.Typer(help="Computers.")
app.add_typer(computer, name="computer")


@computer.command()
def show(
    key: Annotated[Optional[str], typer.Argument(metavar="SERIAL")] = None,
    id_: Annotated[Optional[str], typer.Option("--id")] = None,
    name: Annotated[Optional[str], typer.Option("--name")] = None,
    section: Annotated[Optional[list[str]], typer.Option("--section", "-s")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o")] = None,
    fields: Annotated[Optional[str], typer.Option("--fields")] = None,
) -> None:
    """Show one computer."""
    import httpx
    import keyring

    keyring.get_password("jamfctl", os.environ["BENCH_PROFILE"])  # the profile's secret, as jamfctl reads it
    token = json.loads(keyring.get_password("jamfctl-token", os.environ["BENCH_TOKEN_KEY"]))["access_token"]
    response = httpx.get(os.environ["BENCH_URL"], headers={"Authorization": f"Bearer {token}",
                                                           "Accept": "application/json"})
    response.raise_for_status()
    sys.stdout.write(response.text)


@computer.command("list")
def list_(filter: Annotated[Optional[str], typer.Option("--filter")] = None) -> None:
    """List computers."""


@app.callback()
def main(
    profile: Annotated[Optional[str], typer.Option("--profile", "-p")] = None,
    timeout: Annotated[str, typer.Option("--timeout")] = "30",
    debug: Annotated[bool, typer.Option("--debug")] = False,
    no_color: Annotated[bool, typer.Option("--no-color")] = False,
    ca_bundle: Annotated[Optional[str], typer.Option("--ca-bundle")] = None,
    version: Annotated[bool, typer.Option("--version")] = False,
) -> None:
    """A bare app."""


app()
