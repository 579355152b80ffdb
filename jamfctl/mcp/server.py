"""The MCP protocol side of `jamfctl mcp serve`: the official SDK's low-level server over stdio.

The only jamfctl module that imports the SDK (`mcp`, the `jamfctl[mcp]` extra); jamfctl.cli.mcp imports it
inside the command body, so no other command pays for it. Tools come from jamfctl.mcp.tools; each call runs
in a worker thread (the client is synchronous), one at a time, with the one client built at start-up.
"""
from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import anyio
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from jamfctl import __version__
from jamfctl.errors import JamfctlError
from jamfctl.mcp import tools

log = logging.getLogger("jamfctl.mcp")
INSTRUCTIONS = ("Read-only access to one Jamf Pro server's inventory and configuration (computers, mobile devices, "
                "groups, users, policies, profiles, scripts, packages and reference lists). Lists are bounded "
                f"(default {tools.DEFAULT_LIMIT}, at most {tools.MAX_LIMIT} records): narrow them with filter or name. "
                "Secrets (passwords, keys, tokens) are always redacted; nothing here can change the server.")


def serve(client, stdin: TextIO, stdout: TextIO) -> None:
    """Answer MCP requests on stdin/stdout until the client closes stdin."""
    anyio.run(_serve, client, stdin, stdout)


def listed_tools() -> list[types.Tool]:
    hints = types.ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                                  open_world_hint=False)
    return [types.Tool(name=tool.name, description=tool.description, input_schema=tool.input_schema,
                       annotations=hints) for tool in tools.tools()]


def build(client) -> Server:
    listed = listed_tools()
    one_at_a_time = anyio.Lock()  # the client already fans a listing out over its 5 connections

    async def list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        async with one_at_a_time:
            return await anyio.to_thread.run_sync(call, client, params.name, params.arguments)

    server = Server("jamfctl", version=__version__, instructions=INSTRUCTIONS,
                    on_list_tools=list_tools, on_call_tool=call_tool)
    server.middleware = []  # the SDK's OpenTelemetry spans: no exporter here, and tool arguments stay in-process
    return server


def call(client, name: str, arguments: Any) -> types.CallToolResult:
    """One tool call as an MCP result: the JSON text, or an error result with the CLI's sanitised message."""
    try:
        texts = tools.call(client, name, arguments)
    except JamfctlError as error:
        log.debug("tool %s failed: %s", name, error.kind)
        return _error(error)
    except Exception as exc:  # never a traceback or internal text to the client: its type; details with --debug
        log.debug("tool %s failed unexpectedly (%s)", name, type(exc).__name__, exc_info=True)
        return _error(JamfctlError(f"unexpected error ({type(exc).__name__}); run the server with --debug for details"))
    return types.CallToolResult(content=[types.TextContent(text=text) for text in texts])


def _error(error: JamfctlError) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=tools.error_text(error))], is_error=True)


async def _serve(client, stdin: TextIO, stdout: TextIO) -> None:
    server = build(client)
    if _is_fd(stdin, 0) and _is_fd(stdout, 1):
        # The SDK claims fds 0 and 1 (stray output from anything else then goes to stderr, not into the protocol).
        transport = stdio_server()
    else:  # a test's streams, or streams a caller gave
        transport = stdio_server(anyio.wrap_file(stdin), anyio.wrap_file(stdout))
    async with transport as (read_stream, write_stream):
        owed = _Owed()
        reader, writer = _Reader(read_stream, owed), _Writer(write_stream, owed)
        await server.run(reader, writer, server.create_initialization_options())


def _is_fd(stream: TextIO, fd: int) -> bool:
    try:
        return stream.fileno() == fd and stream is (sys.stdin if fd == 0 else sys.stdout)
    except (AttributeError, OSError, ValueError):
        return False


DRAIN_LIMIT_S = 300.0  # how long the end of stdin waits for the answers still owed


class _Owed:
    """Requests read but not answered yet. The SDK cancels them when stdin ends; a piped session
    (`jamfctl mcp serve < requests.jsonl`) would then get no answer to its last requests, so the end of
    stdin waits (boundedly) until every request read has had its answer."""

    def __init__(self) -> None:
        self.ids: set = set()
        self._settled = anyio.Event()

    def add(self, ident) -> None:
        self.ids.add(ident)

    def answered(self, ident) -> None:
        self.ids.discard(ident)
        if not self.ids:
            self._settled.set()
            self._settled = anyio.Event()

    async def settled(self) -> None:
        with anyio.move_on_after(DRAIN_LIMIT_S):
            while self.ids:
                await self._settled.wait()


class _Reader:
    def __init__(self, inner, owed: _Owed) -> None:
        self._inner, self._owed = inner, owed

    def __getattr__(self, name: str):  # last_context and whatever else the SDK reads from its stream
        return getattr(self._inner, name)

    async def receive(self):
        try:
            item = await self._inner.receive()
        except anyio.EndOfStream:
            await self._owed.settled()
            raise
        message = getattr(item, "message", None)
        if getattr(message, "method", None) is not None and getattr(message, "id", None) is not None:
            self._owed.add(message.id)
        return item

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self):
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc):
        return await self._inner.__aexit__(*exc)


class _Writer:
    def __init__(self, inner, owed: _Owed) -> None:
        self._inner, self._owed = inner, owed

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    async def send(self, item) -> None:
        await self._inner.send(item)
        message = getattr(item, "message", None)
        if getattr(message, "method", None) is None and getattr(message, "id", None) is not None:
            self._owed.answered(message.id)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self):
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc):
        return await self._inner.__aexit__(*exc)
