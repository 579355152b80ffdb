"""Diagnostic reference for figure (e): the bare Typer app's shape, whose `computer show` does the bare GET.

It is the least any Typer + httpx CLI pays for `computer show SERIAL`: Typer's start-up and parameter
handling (Typer 0.29 coerces parameters through pydantic) plus one httpx GET.
Usage: BENCH_URL=... BENCH_TOKEN=... python bare_typer_httpx.py computer show SERIAL
"""
import os
import sys

import typer

app = typer.Typer()
computer = typer.Typer(help="Computers.")
app.add_typer(computer, name="computer")


@computer.command()
def show(serial: str, output: str = "table"):
    """Show one computer."""
    import httpx

    response = httpx.get(os.environ["BENCH_URL"], headers={"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}",
                                                           "Accept": "application/json"})
    response.raise_for_status()
    sys.stdout.write(response.text)


@computer.command("list")
def list_(filter: str = ""):
    """List computers."""


@app.callback()
def main(profile: str = typer.Option(None, "-p", "--profile")):
    """A bare app."""


app()
