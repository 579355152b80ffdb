"""Console-script entry point. `--version` is answered before Typer (or anything heavy) is imported."""
from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from jamfctl import __version__

        sys.stdout.write(f"jamfctl {__version__}\n")
        sys.exit(0)
    try:
        from jamfctl.cli.app import run

        code = run(args)
    except KeyboardInterrupt:  # Ctrl-C before or after the command ran
        code = 130
    sys.stdout.flush() if not sys.stdout.closed else None
    if code == 130:
        # Worker threads may still be waiting on the network: do not wait for them.
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)
