"""``MCPServer``: a tool source backed by an MCP server, connected for a block or per use.

Inside ``with server:`` (or ``mcp_connection``, or for the length of a
``generate_loop`` / ``execute_tools``) one session serves every listing
and call; entries nest and are counted, and the last exit closes it.
Outside, each ``tools()`` and each tool call opens a session of its own
and closes it (Inspect's behaviour): a stdio server is started per use.
A Streamable HTTP session the server has expired (``404``) is opened
again once. The tool list is read once per connection.
"""

from __future__ import annotations

import abc
import threading
from typing import Any, Callable, Dict, List, Optional, TypeVar

from .._function import ToolDef
from ._config import MCPServerConfig
from ._content import result_content, tool_info
from ._http import SessionExpired
from ._session import Session, Transport

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
        modern: open sessions with 2026-07-28 (``server/discover``) rather
            than the handshake (which falls back to it when the server asks).
    """

    def __init__(
        self,
        config: MCPServerConfig,
        transport: Callable[[], Transport],
        timeout: Optional[float],
        call_timeout: Optional[float],
        modern: bool = False,
    ) -> None:
        self._modern = modern
        self.config = config
        self.name = config.name
        self._transport = transport
        self._timeout = timeout
        self._call_timeout = call_timeout
        self._lock = threading.Lock()
        self._session: Optional[Session] = None
        self._entries = 0
        self._listed: Optional[List[Dict[str, Any]]] = None

    def __repr__(self) -> str:
        return f"MCPServer(name={self.name!r}, type={self.config.type!r})"

    def _open(self) -> Session:
        return Session(self._transport(), self._timeout, self._call_timeout, self._modern).start()

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

        A session the server expired (HTTP ``404``) is replaced, once.
        """
        session = self._session
        if session is not None:
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
                self._session = None
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
            listed = self._with_session(lambda session: session.list_tools())
            if connected is not None and self._session is not None:
                self._listed = listed
        found = []
        for tool in listed:
            info = tool_info(self.name, tool)
            if info is not None:
                found.append(MCPTool(self, info).as_tool())
        return found

    def call(self, name: str, arguments: Dict[str, Any]) -> Any:
        """Call tool ``name``: its content (text, or content parts).

        Raises:
            ToolError: the server reported the call failed (the model is told).
            MCPServerError: the server died, hung or broke the protocol.
        """
        response = self._with_session(lambda session: session.call_tool(name, arguments))
        return result_content(self.name, name, response)


class MCPTool:
    """The function behind one MCP tool: calls it on its server.

    Args:
        server: the server that has the tool.
        info: the tool's name, description and parameters.
    """

    def __init__(self, server: MCPServerLocal, info: Any) -> None:
        self.server = server
        self.info = info

    def __call__(self, **arguments: Any) -> Any:
        return self.server.call(self.info.name, arguments)

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
