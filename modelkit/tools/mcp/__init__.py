"""The MCP client: Model Context Protocol servers as tool sources (standard library + requests).

Owns the configurations (``_config``), JSON-RPC and its dispatcher
(``_rpc``), the transports — stdio (``_stdio``), Streamable HTTP
(``_http``), HTTP+SSE (``_sse``), with their HTTP helper (``_web``) — the
session lifecycle (``_session``), tools and results in modelkit's terms
(``_content``), ``MCPServer`` (``_server``) and the public functions
(``_api``). It may import the tool layer, messages, errors and the
engine's SSE parser and watchdog; nothing below imports it, and
``import modelkit`` loads none of it.
"""

from __future__ import annotations

from ._api import (
    mcp_connection,
    mcp_server_http,
    mcp_server_sse,
    mcp_server_stdio,
    mcp_tools,
)
from ._config import MCPServerConfig, MCPServerConfigHTTP, MCPServerConfigStdio
from ._server import MCPServer

__all__ = [
    "MCPServer",
    "MCPServerConfig",
    "MCPServerConfigHTTP",
    "MCPServerConfigStdio",
    "mcp_connection",
    "mcp_server_http",
    "mcp_server_sse",
    "mcp_server_stdio",
    "mcp_tools",
]
