"""`jamfctl completion SHELL`: print a completion script (completions/ holds the same output)."""
from __future__ import annotations

from typing import Annotated

import typer

SHELLS = ("bash", "zsh", "fish", "powershell")


def completion(
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh, fish or powershell.", show_default=False)],
) -> None:
    """Print the shell completion script for SHELL.

    Examples:\n
      jamfctl completion bash > ~/.local/share/bash-completion/completions/jamfctl\n
      jamfctl completion zsh > "${fpath[1]}/_jamfctl"
    """
    from jamfctl import validate
    from jamfctl.cli import typer_compat

    name = shell.strip().lower()
    if name not in SHELLS:
        raise validate.ValidationError(f"unknown shell {validate.shown(shell)}; valid: {', '.join(SHELLS)}")
    typer.echo(typer_compat.completion_script("jamfctl", "_JAMFCTL_COMPLETE", name), nl=False)
