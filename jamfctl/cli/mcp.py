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
SDK_VERSIONS = ((2, 3), (3, 0))  # as the extra pins it: mcp>=2.3,<3


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
    from jamfctl.errors import JamfctlError

    app_ctx = app_context(ctx)
    problem = _sdk_problem()
    if problem:
        raise JamfctlError(problem)
    from jamfctl.mcp import server, tools

    creds = app_ctx.credentials()  # pinned: resolved once, before the first request
    client = app_ctx.client()
    client.tokens.token()  # a refused secret or an unreachable server fails now, not at every tool call
    where = f"profile {creds.profile}" if creds.profile else f"{creds.source} credentials"
    note(app_ctx, f"MCP server on stdio for {creds.url} ({where}): {len(tools.tools())} read-only tools; "
                  "stop it by closing stdin")
    server.serve(client, app_ctx.stdin, app_ctx.stdout)


def _sdk_problem() -> str | None:
    """Why the installed MCP SDK cannot serve (missing, or a version whose API differs), before anything is sent."""
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        return f"`jamfctl mcp serve` needs the MCP SDK, an optional part of jamfctl: {INSTALL}"
    try:
        version = importlib.metadata.version("mcp")
    except importlib.metadata.PackageNotFoundError:
        return f"the MCP SDK is incompletely installed (no package metadata): {INSTALL}"
    parts = tuple(int(p) if p.isdigit() else 0 for p in version.split(".")[:2])
    low, high = SDK_VERSIONS
    if not low <= parts < high:
        return (f"`jamfctl mcp serve` needs MCP SDK {low[0]}.{low[1]} or newer, before {high[0]} "
                f"(mcp {version} is installed): pip install --upgrade 'jamfctl[mcp]'")
    return None
