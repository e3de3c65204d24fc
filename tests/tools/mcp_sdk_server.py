"""A real MCP server built with the official MCP Python SDK (``mcp`` 2.x or 1.x), for the tests.

Run as ``python mcp_sdk_server.py stdio`` (protocol on stdin/stdout), or
``http`` / ``sse`` (served on 127.0.0.1, a port the OS picks, printed as
``PORT <n>`` on stdout once listening). With ``--token T`` the HTTP
transports refuse requests whose ``Authorization`` is not ``Bearer T``.
The same tools on every transport; written against the SDK's documented
``MCPServer`` (2.x) / ``FastMCP`` (1.x) decorator API.
"""

from __future__ import annotations

import base64
import socket
import sys
import time
from typing import Any

from mcp.types import TextContent

try:  # mcp 2.x
    from mcp.server.mcpserver import Image
    from mcp.server.mcpserver import MCPServer as Server
    from mcp.server.mcpserver.exceptions import ToolError
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server  # type: ignore[no-redef]
    from mcp.server.fastmcp import Image  # type: ignore[no-redef]
    from mcp.server.fastmcp.exceptions import ToolError  # type: ignore[no-redef]

# A 1x1 PNG, so the image check sees real magic bytes.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

server = Server("modelkit-test")


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


def _serve_http(kind: str, token: str) -> None:
    import uvicorn

    app = server.streamable_http_app() if kind == "http" else server.sse_app()
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
