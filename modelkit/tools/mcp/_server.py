"""``MCPServer``: a tool source backed by an MCP server, connected for a block or per use.

Inside ``with server:`` (or ``mcp_connection``, or for the length of a
``generate_loop`` / ``execute_tools``) one session serves every listing
and call; entries nest and are counted, and the last exit closes it.
Outside, each ``tools()`` and each tool call opens a session of its own
and closes it (Inspect's behaviour): a stdio server is started per use.
A Streamable HTTP session the server has expired (``404``) is opened
again once; a stdio server that died (or an HTTP+SSE stream that ended)
during a ``with`` block is started again at its next use, as 2026-07-28's
stdio binding says a client should (the call in flight is lost). The tool list is read once per connection.

Which revision a server speaks is a property of the server: once a
session has found it speaks a handshake revision, later sessions skip the
``server/discover`` probe (a server that then refuses the handshake for
2026-07-28 is discovered again). On 2026-07-28 over Streamable HTTP a
tool whose ``x-mcp-header`` annotations break the spec's constraints is
left out of the list (with a warning), the others' annotated arguments go
in ``Mcp-Param-*`` headers, and a call refused with ``HeaderMismatch``
(``-32020``) is retried once after the tool list is read again, as the
spec advises.
"""

from __future__ import annotations

import abc
import logging
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from .._function import ToolDef
from ._config import MCPServerConfig
from ._content import result_content, tool_info
from ._headers import BadAnnotation, param_headers, param_paths
from ._http import SessionExpired
from ._lifecycle import HEADER_MISMATCH, LATEST, MODERN
from ._session import Session, Transport

logger = logging.getLogger("modelkit")

Paths = Dict[str, Tuple[str, ...]]

__all__ = ["MCPServer", "MCPServerLocal", "MCPTool"]

T = TypeVar("T")


class MCPServer(abc.ABC):
    """A Model Context Protocol server, offered as a ``ToolSource`` (Inspect's interface).

    Pass it in ``tools`` (or filter it with ``mcp_tools``); use it as a
    context manager to keep one connection open across calls.
    """

    @abc.abstractmethod
    def tools(self) -> List[Any]:
        """The server's tools, ready to pass in ``tools``."""

    @abc.abstractmethod
    def __enter__(self) -> MCPServer: ...

    @abc.abstractmethod
    def __exit__(self, *exc: Any) -> None: ...

    async def __aenter__(self) -> MCPServer:
        return self.__enter__()

    async def __aexit__(self, *exc: Any) -> None:
        self.__exit__(*exc)


class MCPServerLocal(MCPServer):
    """A server this process talks to (stdio, Streamable HTTP, HTTP+SSE).

    Args:
        config: the server's configuration.
        transport: makes a new, unopened transport.
        timeout: seconds ``initialize`` and ``tools/list`` may take each.
        call_timeout: seconds one tool call may take.
        protocol: the revision to speak (``"2026-07-28"``, or a handshake
            version to offer), or ``None`` to agree on one as the spec says.
    """

    def __init__(
        self,
        config: MCPServerConfig,
        transport: Callable[[], Transport],
        timeout: Optional[float],
        call_timeout: Optional[float],
        protocol: Optional[str] = None,
    ) -> None:
        self._protocol = protocol
        self.config = config
        self.name = config.name
        self._transport = transport
        self._timeout = timeout
        self._call_timeout = call_timeout
        self._lock = threading.Lock()
        self._session: Optional[Session] = None
        self._entries = 0
        self._listed: Optional[List[Tuple[Dict[str, Any], Optional[Paths]]]] = None

    def __repr__(self) -> str:
        return f"MCPServer(name={self.name!r}, type={self.config.type!r})"

    def _open(self) -> Session:
        session = Session(self._transport(), self._timeout, self._call_timeout, self._protocol)
        session.start()
        if self._protocol is None and session.version not in (None, MODERN):
            self._protocol = LATEST  # a legacy server: no probe next time
        return session

    def __enter__(self) -> MCPServerLocal:
        with self._lock:
            if self._entries == 0:
                self._session = self._open()
            self._entries += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self._entries -= 1
            if self._entries > 0:
                return
            session, self._session, self._listed = self._session, None, None
        if session is not None:
            session.close()

    @property
    def connected(self) -> bool:
        """Whether a ``with`` block holds a session open."""
        return self._session is not None

    def _with_session(self, action: Callable[[Session], T]) -> T:
        """``action`` on the connected session, or on one opened (and closed) for it.

        A session the server expired (HTTP ``404``) is replaced, once; so is a
        connected one whose server has died since its last use (the call in
        flight when it died failed with the error).
        """
        session = self._session
        if session is not None:
            if session.broken:
                session = self._renewed(session)
            try:
                return action(session)
            except SessionExpired:
                return action(self._renewed(session))
        session = self._open()
        try:
            try:
                return action(session)
            except SessionExpired:
                session.close()
                session = self._open()
                return action(session)
        finally:
            session.close()

    def _renewed(self, failed: Session) -> Session:
        """The connected session, opened again in place of one the server expired."""
        with self._lock:
            if self._session is failed:
                failed.close()
                self._session, self._listed = None, None
                self._session = self._open()
            if self._session is None:
                raise SessionExpired(
                    server=self.name, message=f"MCP server {self.name!r} ended the session"
                )
            return self._session

    def tools(self) -> List[Any]:
        """The server's tools (marked functions: pass them in ``tools``).

        Raises:
            MCPServerError: the server could not be reached or broke the protocol.
        """
        listed = self._listed
        if listed is None:
            connected = self._session
            listed = self._with_session(self._list)
            if connected is not None and self._session is not None:
                self._listed = listed
        found = []
        for tool, paths in listed:
            info = tool_info(self.name, tool)
            if info is not None:
                found.append(MCPTool(self, info, paths).as_tool())
        return found

    def _list(self, session: Session) -> List[Tuple[Dict[str, Any], Optional[Paths]]]:
        """The session's tools, each with its ``Mcp-Param-*`` paths (2026-07-28 over HTTP)."""
        listed: List[Tuple[Dict[str, Any], Optional[Paths]]] = []
        for tool in session.list_tools():
            if not _with_headers(session):
                listed.append((tool, None))
                continue
            try:
                listed.append((tool, param_paths(tool["inputSchema"])))
            except BadAnnotation as exc:
                logger.warning("MCP server %r: tool %r left out: %s", self.name, tool["name"], exc)
        return listed

    def call(self, name: str, arguments: Dict[str, Any], paths: Optional[Paths] = None) -> Any:
        """Call tool ``name``: its content (text, or content parts).

        Args:
            name: the tool.
            arguments: its arguments.
            paths: its ``Mcp-Param-*`` headers' argument paths, as listed.

        Raises:
            ToolError: the server reported the call failed (the model is told).
            MCPServerError: the server died, hung or broke the protocol.
        """
        response = self._with_session(lambda session: self._call(session, name, arguments, paths))
        return result_content(self.name, name, response)

    def _call(
        self, session: Session, name: str, arguments: Dict[str, Any], paths: Optional[Paths]
    ) -> Dict[str, Any]:
        if not _with_headers(session):
            return session.call_tool(name, arguments)
        response = session.call_tool(name, arguments, param_headers(paths or {}, arguments))
        error = response.get("error")
        if not isinstance(error, dict) or error.get("code") != HEADER_MISMATCH:
            return response
        self._listed = None  # the tool may have changed: read the list again, retry once
        fresh = {tool["name"]: tool for tool in session.list_tools()}.get(name)
        if fresh is None:
            return response
        try:
            paths = param_paths(fresh["inputSchema"])
        except BadAnnotation:
            return response
        return session.call_tool(name, arguments, param_headers(paths, arguments))


class MCPTool:
    """The function behind one MCP tool: calls it on its server.

    Args:
        server: the server that has the tool.
        info: the tool's name, description and parameters.
        paths: its ``Mcp-Param-*`` headers' argument paths (2026-07-28 over HTTP).
    """

    def __init__(self, server: MCPServerLocal, info: Any, paths: Optional[Paths] = None) -> None:
        self.server = server
        self.info = info
        self.paths = paths

    def __call__(self, **arguments: Any) -> Any:
        return self.server.call(self.info.name, arguments, self.paths)

    def __repr__(self) -> str:
        return f"MCPTool({self.info.name!r} on {self.server.name!r})"

    def as_tool(self) -> Any:
        """This tool, marked with its ``ToolDef`` (sequential, as Inspect's MCP tools)."""
        info = self.info
        return ToolDef(
            self,
            name=info.name,
            description=info.description,
            parameters=info.parameters,
            parallel=False,
        ).as_tool()


def _with_headers(session: Session) -> bool:
    """Whether tool calls carry ``Mcp-Param-*`` headers (2026-07-28 over Streamable HTTP)."""
    return session.modern and getattr(session.transport, "kind", "") == "http"
