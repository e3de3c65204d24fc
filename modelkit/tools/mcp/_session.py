"""One MCP session: the initialize handshake, the tool list, tool calls.

``initialize`` offers the newest revision modelkit speaks (``LATEST``); the
server answers with the one it will use, which must be one of
``SUPPORTED_VERSIONS`` or the session ends with an error naming both
sides' versions (the spec's rule). Then ``notifications/initialized`` is
sent, and from there on the negotiated version goes in the HTTP
transport's ``MCP-Protocol-Version`` header. ``tools/list`` follows
``nextCursor`` page by page (at most ``MAX_PAGES``, a cursor seen twice is
an error). What the server answers is checked for the shape the spec
gives before anything reads it.

Revisions, from https://modelcontextprotocol.io/specification (lifecycle,
versioning, server/tools): 2025-11-25, 2025-06-18, 2025-03-26 and
2024-11-05 all open with this handshake. 2026-07-28 replaced it with
per-request metadata and ``server/discover``; servers of that revision
that also keep the handshake (the MCP SDKs' servers do) work here, and a
server that speaks only 2026-07-28 is refused with an error saying so.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Protocol

from ...errors import MCPServerError
from ._rpc import RPCError, notification, request, result_of

__all__ = ["LATEST", "MAX_PAGES", "SUPPORTED_VERSIONS", "Session", "Transport"]

SUPPORTED_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
"""The MCP revisions modelkit speaks, newest first."""

LATEST = SUPPORTED_VERSIONS[0]

MAX_PAGES = 1000
"""The most pages of ``tools/list`` read from one server."""

_UNSUPPORTED_VERSION = -32022


class Transport(Protocol):
    """What a session needs of a transport (stdio, Streamable HTTP, HTTP+SSE)."""

    name: str

    def open(self) -> None: ...

    def call(
        self, message: Dict[str, Any], timeout: Optional[float], what: str
    ) -> Dict[str, Any]: ...

    def notify(self, message: Dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class Session:
    """An initialized session over ``transport``.

    Args:
        transport: how messages travel (not yet opened).
        timeout: seconds ``initialize`` and ``tools/list`` may take each.
        call_timeout: seconds one ``tools/call`` may take.
    """

    def __init__(
        self, transport: Transport, timeout: Optional[float], call_timeout: Optional[float]
    ) -> None:
        self.transport = transport
        self.name = transport.name
        self.timeout = timeout
        self.call_timeout = call_timeout
        self.version: Optional[str] = None
        self.server_info: Dict[str, Any] = {}

    def start(self) -> Session:
        """Open the transport and run the handshake; the transport is closed if it fails."""
        self.transport.open()
        try:
            self._initialize()
        except BaseException:
            self.transport.close()
            raise
        return self

    def _initialize(self) -> None:
        package = sys.modules.get("modelkit")  # loaded before any of its modules
        client = {"name": "modelkit", "version": str(getattr(package, "__version__", "0"))}
        params = {"protocolVersion": LATEST, "capabilities": {}, "clientInfo": client}
        response = self.transport.call(request("initialize", params), self.timeout, "initialize")
        try:
            result = result_of(self.name, response)
        except RPCError as exc:
            raise self._refused(exc) from None
        version = result.get("protocolVersion") if isinstance(result, dict) else None
        if not isinstance(version, str):
            raise self._malformed("initialize", "no protocolVersion")
        if version not in SUPPORTED_VERSIONS:
            raise MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} speaks MCP {version}; modelkit speaks "
                f"{', '.join(SUPPORTED_VERSIONS)}",
            )
        self.version = version
        self.transport.version = version  # type: ignore[attr-defined]  # HTTP sends it as a header
        info = result.get("serverInfo")
        self.server_info = info if isinstance(info, dict) else {}
        self.transport.notify(notification("notifications/initialized"))

    def _refused(self, exc: RPCError) -> MCPServerError:
        supported = exc.data.get("supported") if isinstance(exc.data, dict) else None
        if exc.code == _UNSUPPORTED_VERSION and isinstance(supported, list):
            return MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} speaks only MCP {', '.join(map(str, supported))}; "
                f"modelkit speaks {', '.join(SUPPORTED_VERSIONS)} (the initialize handshake)",
            )
        return MCPServerError(
            server=self.name,
            message=f"MCP server {self.name!r} refused to initialize: {exc.message}",
        )

    def list_tools(self) -> List[Dict[str, Any]]:
        """Every tool the server lists, all pages read.

        Raises:
            MCPServerError: an error answer, a malformed page, or a cursor loop.
        """
        tools: List[Dict[str, Any]] = []
        cursor: Optional[str] = None
        seen = set()
        for _ in range(MAX_PAGES):
            message = request("tools/list", {"cursor": cursor} if cursor is not None else None)
            response = self.transport.call(message, self.timeout, "tools/list")
            try:
                result = result_of(self.name, response)
            except RPCError as exc:
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} could not list its tools: {exc.message}",
                ) from None
            page = result.get("tools") if isinstance(result, dict) else None
            if not isinstance(page, list) or not all(_is_tool(t) for t in page):
                raise self._malformed("tools/list", "a tool list without names or input schemas")
            tools.extend(page)
            cursor = result.get("nextCursor")
            if cursor is None or cursor == "":
                return tools
            if not isinstance(cursor, str) or cursor in seen:
                raise self._malformed("tools/list", f"a repeated or invalid cursor {cursor!r}")
            seen.add(cursor)
        raise self._malformed("tools/list", f"over {MAX_PAGES} pages")

    def call_tool(self, name: str, arguments: Dict[str, Any]) -> Dict[str, Any]:
        """The raw response to ``tools/call`` (a result or an error message)."""
        message = request("tools/call", {"name": name, "arguments": arguments})
        return self.transport.call(message, self.call_timeout, f"tools/call {name!r}")

    def close(self) -> None:
        """End the session and its transport."""
        self.transport.close()

    def _malformed(self, method: str, what: str) -> MCPServerError:
        return MCPServerError(
            server=self.name, message=f"MCP server {self.name!r} answered {method} with {what}"
        )


def _is_tool(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("inputSchema"), dict)
    )
