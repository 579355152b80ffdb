"""`jamfctl sandbox serve`: the built-in Jamf Pro simulator over real HTTP on loopback."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

app = typer.Typer(
    help="The built-in Jamf Pro simulator (fake data, for trying jamfctl and for tests).\n\n"
    "Example: jamfctl sandbox serve --port 0 --latency-ms 200",
    no_args_is_help=True,
)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS", help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port (0 picks a free one).")] = 8443,
    computers: Annotated[int, typer.Option("--computers", metavar="N", help="Size of the synthetic fleet.")] = 500,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed for the fleet and the fault sequence.")] = 42,
    latency_ms: Annotated[int, typer.Option("--latency-ms", metavar="MS", help="Delay added to every response.")] = 0,
    faults: Annotated[Optional[str], typer.Option("--faults", metavar="SPEC", help="KIND:RATE,... KIND: 500 502 503 429 reset slow truncate.")] = None,
    retry_after: Annotated[Optional[float], typer.Option("--retry-after", metavar="SECONDS", help="Retry-After seconds sent with 429 and 503.")] = None,
    token_ttl: Annotated[int, typer.Option("--token-ttl", metavar="SECONDS", help="Access token lifetime in seconds.")] = 1200,
) -> None:
    """Serve the simulator; the first line of stdout is its base URL, stderr has one line per request.

    Credentials: client id `jamfctl-sandbox`, client secret `sandbox-secret` (fake, for the sandbox only).

    Example:\n
      jamfctl sandbox serve --port 0 --computers 3000 --faults 503:0.2,429:0.1 --retry-after 1
    """
    from jamfctl import validate
    from jamfctl.errors import JamfctlError, UsageError
    from jamfctl.sandbox import SandboxConfig
    from jamfctl.sandbox.faults import parse_faults

    if not validate.is_loopback(host):
        raise UsageError("the sandbox listens on loopback only (127.0.0.1, ::1 or localhost), "
                         f"not {validate.shown(host)}")
    host = host.removeprefix("[").removesuffix("]")  # [::1] as in a URL; the socket takes the bare address
    if not 0 <= port <= 65535:
        raise UsageError(f"invalid --port {port}")
    if not 0 <= computers <= 1_000_000:
        raise UsageError("--computers must be between 0 and 1000000")
    if not 0 <= latency_ms <= 120_000:
        raise UsageError("--latency-ms must be between 0 and 120000")
    if not 1 <= token_ttl <= 86_400:
        raise UsageError("--token-ttl must be between 1 and 86400 seconds")
    if retry_after is not None and not 0 <= retry_after <= 3600:
        raise UsageError("--retry-after must be between 0 and 3600 seconds")
    if faults:
        try:
            parse_faults(faults)
        except ValueError as exc:
            raise UsageError(f"invalid --faults: {exc}") from None
    from jamfctl.sandbox.server import serve as run_server

    cfg = SandboxConfig(computers=computers, seed=seed, latency_ms=latency_ms, faults=faults,
                        retry_after=retry_after, token_ttl=token_ttl)
    try:
        run_server(cfg, host=host, port=port)
    except OSError as exc:  # the port is taken, or not ours to bind
        raise JamfctlError(f"cannot listen on {host} port {port}: {exc.strerror or type(exc).__name__}") from None
