"""`jamfctl mcp serve`: the read-only commands as MCP tools over stdio (jamfctl.mcp).

Light at import: the MCP SDK (the `jamfctl[mcp]` extra) is imported inside the command body only.
"""
from __future__ import annotations

import typer

from jamfctl.cli.options import app_context, note

app = typer.Typer(
    help="Model Context Protocol: jamfctl's read-only commands as tools for an AI assistant.\n\n"
    "Example: jamfctl -p prod mcp serve",
    no_args_is_help=True,
)
INSTALL = "pip install 'jamfctl[mcp]'"


@app.command("serve")
def serve(ctx: typer.Context) -> None:
    """Serve the read-only commands as MCP tools on stdin/stdout, for one profile, until stdin closes.

    Tools: NOUN_list and NOUN_show for every noun, group_members, computer_health and report_security, with the
    options those commands take; lists bounded (default 50, at most 500). Never a tool: secrets on request, MDM
    actions, writes, `api`, tokens. Every result is redacted as -o json is. The profile (-p, JAMFCTL_PROFILE,
    the JAMF_* variables or the default) is chosen and checked once, at start; no tool can change it. Logs go to
    stderr only.

    Examples:\n
      jamfctl -p prod mcp serve\n
      jamfctl -p sandbox mcp serve    (try it: a simulated server, no login)\n
      an MCP client's config: {"command": "jamfctl", "args": ["-p", "prod", "mcp", "serve"]}
    """
    import importlib.util

    from jamfctl.errors import JamfctlError

    app_ctx = app_context(ctx)
    if importlib.util.find_spec("mcp") is None:
        raise JamfctlError(f"`jamfctl mcp serve` needs the MCP SDK, an optional part of jamfctl: {INSTALL}")
    from jamfctl.mcp import server, tools

    creds = app_ctx.credentials()  # pinned: resolved once, before the first request
    client = app_ctx.client()
    client.tokens.token()  # a refused secret or an unreachable server fails now, not at every tool call
    where = f"profile {creds.profile}" if creds.profile else f"{creds.source} credentials"
    note(app_ctx, f"MCP server on stdio for {creds.url} ({where}): {len(tools.tools())} read-only tools; "
                  "stop it by closing stdin")
    server.serve(client, app_ctx.stdin, app_ctx.stdout)
