"""One MCP session: version negotiation, the tool list, tool calls.

``initialize`` offers the newest handshake revision modelkit speaks
(``LATEST``); the server answers with the one it will use, which must be
one of ``SUPPORTED_VERSIONS`` or the session ends with an error naming
both sides' versions (the spec's rule). Then ``notifications/initialized``
is sent, and from there on the negotiated version goes in the HTTP
transport's ``MCP-Protocol-Version`` header.

A server of the stateless 2026-07-28 revision that keeps no handshake
refuses ``initialize`` with ``-32022`` listing the versions it supports;
when 2026-07-28 is among them, the session switches to it: a
``server/discover`` (which must list 2026-07-28), then every request
carries the protocol version, the client's capabilities and its name in
``params._meta``. Servers that speak both (the MCP SDKs' do) keep the
handshake. ``tools/list`` follows ``nextCursor`` page by page (at most
``MAX_PAGES``, a cursor seen twice is an error). What the server answers
is checked for the shape the spec gives before anything reads it.

Revisions, from https://modelcontextprotocol.io/specification (lifecycle,
versioning, server/tools; 2026-07-28: basic/versioning and the
``server/discover`` page): 2025-11-25, 2025-06-18, 2025-03-26 and
2024-11-05 open with the handshake; 2026-07-28 is stateless.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Protocol

from ...errors import MCPServerError
from ._rpc import RPCError, notification, request, result_of

__all__ = ["LATEST", "MAX_PAGES", "MODERN", "SUPPORTED_VERSIONS", "Session", "Transport"]

SUPPORTED_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
"""The handshake revisions modelkit speaks, newest first."""

MODERN = "2026-07-28"
"""The stateless revision modelkit speaks (no handshake: metadata on every request)."""

_META = "io.modelcontextprotocol/"

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
        modern: start with 2026-07-28 (``server/discover``) instead of the handshake.
    """

    def __init__(
        self,
        transport: Transport,
        timeout: Optional[float],
        call_timeout: Optional[float],
        modern: bool = False,
    ) -> None:
        self.transport = transport
        self.name = transport.name
        self.timeout = timeout
        self.call_timeout = call_timeout
        self.modern = modern
        self.version: Optional[str] = None
        self.server_info: Dict[str, Any] = {}
        package = sys.modules.get("modelkit")  # loaded before any of its modules
        self._client = {"name": "modelkit", "version": str(getattr(package, "__version__", "0"))}

    def start(self) -> Session:
        """Open the transport and run the handshake; the transport is closed if it fails."""
        try:
            self.transport.open()
            if self.modern:
                self._discover()
            else:
                self._initialize()
        except BaseException:
            self.transport.close()
            raise
        return self

    def _initialize(self) -> None:
        params = {"protocolVersion": LATEST, "capabilities": {}, "clientInfo": self._client}
        response = self.transport.call(request("initialize", params), self.timeout, "initialize")
        try:
            result = result_of(self.name, response)
        except RPCError as exc:
            if exc.code == _UNSUPPORTED_VERSION and MODERN in _supported(exc):
                self._discover()
                return
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

    def _discover(self) -> None:
        """Switch to 2026-07-28: ``server/discover``, then metadata on every request."""
        self.modern = True
        self.version = MODERN
        self.transport.version = MODERN  # type: ignore[attr-defined]  # HTTP sends it as a header
        message = self._request("server/discover", None)
        response = self.transport.call(message, self.timeout, "server/discover")
        try:
            result = result_of(self.name, response)
        except RPCError as exc:
            if exc.code == _UNSUPPORTED_VERSION:
                raise self._refused(exc) from None
            raise MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} refused server/discover: {exc.message}",
            ) from None
        versions = result.get("supportedVersions") if isinstance(result, dict) else None
        if not isinstance(versions, list) or MODERN not in versions:
            raise MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} answered server/discover without listing "
                f"{MODERN} among its versions ({versions!r})",
            )
        meta = result.get("_meta") if isinstance(result.get("_meta"), dict) else {}
        info = meta.get(_META + "serverInfo", result.get("serverInfo"))
        self.server_info = info if isinstance(info, dict) else {}

    def _request(self, method: str, params: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """A request; on 2026-07-28 with the per-request metadata in ``params._meta``."""
        if self.modern:
            meta = {
                _META + "protocolVersion": MODERN,
                _META + "clientCapabilities": {},
                _META + "clientInfo": self._client,
            }
            params = {**(params or {}), "_meta": meta}
        return request(method, params)

    def _refused(self, exc: RPCError) -> MCPServerError:
        supported = _supported(exc)
        if exc.code == _UNSUPPORTED_VERSION and supported:
            return MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} speaks only MCP {', '.join(supported)}; "
                f"modelkit speaks {', '.join((MODERN, *SUPPORTED_VERSIONS))}",
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
            message = self._request(
                "tools/list", {"cursor": cursor} if cursor is not None else None
            )
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
        message = self._request("tools/call", {"name": name, "arguments": arguments})
        return self.transport.call(message, self.call_timeout, f"tools/call {name!r}")

    def close(self) -> None:
        """End the session and its transport."""
        self.transport.close()

    def _malformed(self, method: str, what: str) -> MCPServerError:
        return MCPServerError(
            server=self.name, message=f"MCP server {self.name!r} answered {method} with {what}"
        )


def _supported(exc: RPCError) -> List[str]:
    """The versions a ``-32022`` error says the server supports."""
    found = exc.data.get("supported") if isinstance(exc.data, dict) else None
    return [str(v) for v in found] if isinstance(found, list) else []


def _is_tool(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("inputSchema"), dict)
    )
