"""A real MCP server built with the official MCP Python SDK (``mcp`` 2.x or 1.x), for the tests.

Run as ``python mcp_sdk_server.py stdio`` (protocol on stdin/stdout), or
``http`` / ``sse`` (served on 127.0.0.1, a port the OS picks, printed as
``PORT <n>`` on stdout once listening). With ``--token T`` the HTTP
transports refuse requests whose ``Authorization`` is not ``Bearer T``.
The same tools on every transport; written against the SDK's documented
``MCPServer`` (2.x) / ``FastMCP`` (1.x) decorator API. Streamable HTTP keeps
its events in ``Store`` (the SDK's ``EventStore`` interface) with a
``retry`` of 100 ms, so ``poll`` can close its stream mid-call
(``ctx.close_sse_stream``, 2025-11-25's polling) for the client to resume;
``ask`` asks the client for sampling, elicitation and roots mid-call.
"""

from __future__ import annotations

import base64
import socket
import sys
import time
from typing import Any

import anyio
from mcp.server.streamable_http import EventMessage, EventStore
from mcp.types import SamplingMessage, TextContent

try:  # mcp 2.x
    from mcp.server.mcpserver import Context, Image
    from mcp.server.mcpserver import MCPServer as Server
    from mcp.server.mcpserver.exceptions import ToolError

    SDK1 = False
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import Context, Image  # type: ignore[no-redef,assignment]
    from mcp.server.fastmcp import FastMCP as Server  # type: ignore[no-redef]
    from mcp.server.fastmcp.exceptions import ToolError  # type: ignore[no-redef]

    SDK1 = True

# A 1x1 PNG, so the image check sees real magic bytes.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class Store(EventStore):
    """Every event in memory, replayed after a ``Last-Event-ID`` on its own stream."""

    def __init__(self) -> None:
        self.events: list = []  # (event id, stream id, message)

    async def store_event(self, stream_id: Any, message: Any) -> str:
        event_id = str(len(self.events) + 1)
        self.events.append((event_id, stream_id, message))
        return event_id

    async def replay_events_after(self, last_event_id: Any, send_callback: Any) -> Any:
        stream = next((s for e, s, _ in self.events if e == last_event_id), None)
        for event_id, stream_id, message in list(self.events):
            if stream_id == stream and int(event_id) > int(last_event_id) and message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream


STORE = Store()
RETRY_MS = 100
server = (
    Server("modelkit-test", event_store=STORE, retry_interval=RETRY_MS)
    if SDK1
    else Server("modelkit-test")
)


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def echo(text: str, times: int = 1) -> str:
    """Repeat a text.

    Args:
        text: what to repeat.
        times: how many times.
    """
    return text * times


@server.tool()
def pixel():  # type: ignore[no-untyped-def]  # unannotated: the SDK sends the blocks as they are
    """Return a caption and a one-pixel image."""
    return [TextContent(type="text", text="a red pixel"), Image(data=PIXEL, format="png")]


@server.tool()
def fail(reason: str) -> str:
    """Always fails with the reason given."""
    raise ToolError(f"failed on purpose: {reason}")


@server.tool()
def wait(seconds: float) -> str:
    """Sleep, then answer."""
    time.sleep(seconds)
    return "done"


@server.tool()
async def poll(ctx: Context) -> str:  # type: ignore[type-arg]
    """Close this call's event stream (the client resumes it), then answer."""
    await ctx.close_sse_stream()
    await anyio.sleep(0.3)
    return "polled"


@server.tool()
async def ask(ctx: Context, roots: bool = False) -> str:  # type: ignore[type-arg]
    """Ask the client for sampling, elicitation (and roots); say how each went."""
    session, related = ctx.session, ctx.request_id
    hello = SamplingMessage(role="user", content=TextContent(type="text", text="hi"))
    schema = {"type": "object", "properties": {"n": {"type": "string"}}}
    asks = {
        "sampling": lambda: session.create_message(
            [hello], max_tokens=5, related_request_id=related
        ),
        "elicitation": lambda: session.elicit_form("Name?", schema, related_request_id=related),
    }
    if roots:
        asks["roots"] = session.list_roots  # no related request: over HTTP, the GET stream
    outcomes = []
    for name, make in asks.items():
        try:
            with anyio.fail_after(10):
                await make()
            outcomes.append(f"{name}: answered")
        except Exception as exc:  # the client's refusal, as the SDK raises it
            outcomes.append(f"{name}: {exc}")
    return "; ".join(outcomes)


def _serve_http(kind: str, token: str) -> None:
    import uvicorn

    if kind == "http":
        app = (
            server.streamable_http_app()
            if SDK1
            else server.streamable_http_app(event_store=STORE, retry_interval=RETRY_MS)
        )
    else:
        app = server.sse_app()
    if token:
        app = _guarded(app, token)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    original = uv.startup

    async def startup(sockets: Any = None) -> None:
        await original(sockets=sockets)
        print(f"PORT {port}", flush=True)

    uv.startup = startup  # type: ignore[method-assign]
    uv.run(sockets=[sock])


def _guarded(app: Any, token: str) -> Any:
    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"authorization", b"").decode() != f"Bearer {token}":
                body = f"bad token: {headers.get(b'authorization', b'').decode()}".encode()
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return guarded


if __name__ == "__main__":
    mode = sys.argv[1]
    token = sys.argv[sys.argv.index("--token") + 1] if "--token" in sys.argv else ""
    if mode == "stdio":
        server.run("stdio")
    else:
        _serve_http(mode, token)
