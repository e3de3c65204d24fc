"""One MCP session: its opening (``_lifecycle``), the tool list, tool calls.

On 2026-07-28 every request carries the protocol version, the client's
capabilities (none) and its name in ``params._meta``, and a result may be
an ``InputRequiredResult`` (multi round-trip requests): one with only a
``requestState`` is retried at once with that state echoed (a new id
each time, at most ``MAX_ROUNDS`` rounds, all within the call's
timeout); one asking for input (``inputRequests``: sampling, elicitation,
roots, which a server may not ask of a client declaring no capabilities)
goes back to the model as a tool error. A result without ``resultType``
(the handshake revisions) is complete. ``tools/list`` follows
``nextCursor`` page by page (at most ``MAX_PAGES``, a cursor seen twice
is an error). What the server answers is checked for the shape the spec
gives before anything reads it.

See https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr
and /server/tools.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Protocol

from ...errors import MCPServerError
from ._lifecycle import LATEST, MODERN, SUPPORTED_VERSIONS, open_session
from ._rpc import RPCError, deadline_after, remaining, request, result_of

__all__ = [
    "LATEST",
    "MAX_PAGES",
    "MAX_ROUNDS",
    "MODERN",
    "SUPPORTED_VERSIONS",
    "Session",
    "Transport",
]

MAX_PAGES = 1000
"""The most pages of ``tools/list`` read from one server."""

MAX_ROUNDS = 16
"""The most times one call is retried for an ``InputRequiredResult`` carrying only state."""

_META = "io.modelcontextprotocol/"


class Transport(Protocol):
    """What a session needs of a transport (stdio, Streamable HTTP, HTTP+SSE)."""

    name: str
    kind: str

    def open(self) -> None: ...

    def call(
        self,
        message: Dict[str, Any],
        timeout: Optional[float],
        what: str,
        headers: Optional[Dict[str, str]] = None,
        cancel: bool = True,
    ) -> Dict[str, Any]: ...

    def notify(self, message: Dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class Session:
    """A session over ``transport``, opened by ``start``.

    Args:
        transport: how messages travel (not yet opened).
        timeout: seconds ``initialize``, ``server/discover`` and ``tools/list`` may take each.
        call_timeout: seconds one ``tools/call`` may take (its retries included).
        protocol: ``None`` to agree on a revision as the spec says, or one
            to use (``"2026-07-28"``, or a handshake version to offer).
    """

    def __init__(
        self,
        transport: Transport,
        timeout: Optional[float],
        call_timeout: Optional[float],
        protocol: Optional[str] = None,
    ) -> None:
        self.transport = transport
        self.name = transport.name
        self.timeout = timeout
        self.call_timeout = call_timeout
        self.protocol = protocol
        self.version: Optional[str] = None
        self.server_info: Dict[str, Any] = {}
        package = sys.modules.get("modelkit")  # loaded before any of its modules
        self.client_info = {
            "name": "modelkit",
            "version": str(getattr(package, "__version__", "0")),
        }

    @property
    def modern(self) -> bool:
        """Whether the session speaks 2026-07-28."""
        return self.version == MODERN

    @property
    def broken(self) -> bool:
        """Whether the transport has failed for good (a stdio server exited, an SSE stream ended)."""
        dispatcher = getattr(self.transport, "dispatcher", None)
        return dispatcher is not None and dispatcher.failure is not None

    def start(self) -> Session:
        """Open the transport and agree on a revision; the transport is closed if it fails."""
        try:
            self.transport.open()
            open_session(self, self.protocol)
            listen = getattr(self.transport, "listen", None)
            if listen is not None:  # Streamable HTTP: the server's messages outside any call
                listen()
        except BaseException:
            self.transport.close()
            raise
        return self

    def request(self, method: str, params: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """A request; on 2026-07-28 with the per-request metadata in ``params._meta``."""
        if self.version == MODERN:
            meta = {
                _META + "protocolVersion": MODERN,
                _META + "clientCapabilities": {},
                _META + "clientInfo": self.client_info,
            }
            params = {**(params or {}), "_meta": meta}
        return request(method, params)

    def list_tools(self) -> List[Dict[str, Any]]:
        """Every tool the server lists, all pages read.

        Raises:
            MCPServerError: an error answer, a malformed page, or a cursor loop.
        """
        tools: List[Dict[str, Any]] = []
        cursor: Optional[str] = None
        seen = set()
        for _ in range(MAX_PAGES):
            message = self.request("tools/list", {"cursor": cursor} if cursor is not None else None)
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
                raise self.malformed("tools/list", "a tool list without names or input schemas")
            tools.extend(page)
            cursor = result.get("nextCursor")
            if cursor is None or cursor == "":
                return tools
            if not isinstance(cursor, str) or cursor in seen:
                raise self.malformed("tools/list", f"a repeated or invalid cursor {cursor!r}")
            seen.add(cursor)
        raise self.malformed("tools/list", f"over {MAX_PAGES} pages")

    def call_tool(
        self, name: str, arguments: Dict[str, Any], headers: Optional[Dict[str, str]] = None
    ) -> Dict[str, Any]:
        """The raw response to ``tools/call`` (a result or an error message).

        ``headers`` (2026-07-28 over HTTP: the tool's ``Mcp-Param-*``) go
        with the request. A state-only ``InputRequiredResult`` is retried.
        """
        deadline = deadline_after(self.call_timeout)
        what = f"tools/call {name!r}"
        params: Dict[str, Any] = {"name": name, "arguments": arguments}
        timeout = self.call_timeout
        for _ in range(MAX_ROUNDS):
            message = self.request("tools/call", params)
            response = self.transport.call(message, timeout, what, headers=headers)
            state = _state_only(response)
            if state is None:
                return response
            params = {"name": name, "arguments": arguments, "requestState": state}
            if timeout is not None:  # the retries share the call's timeout
                timeout = remaining(self.name, deadline, what, self.call_timeout)
        raise self.malformed(what, f"input_required over {MAX_ROUNDS} times")

    def close(self) -> None:
        """End the session and its transport."""
        self.transport.close()

    def malformed(self, method: str, what: str) -> MCPServerError:
        """The error for an answer to ``method`` that is not shaped as the spec gives."""
        return MCPServerError(
            server=self.name, message=f"MCP server {self.name!r} answered {method} with {what}"
        )


def _state_only(response: Dict[str, Any]) -> Optional[str]:
    """The ``requestState`` of an ``InputRequiredResult`` that asks for no input, else ``None``."""
    result = response.get("result")
    if not isinstance(result, dict) or result.get("resultType") != "input_required":
        return None
    state = result.get("requestState")
    if result.get("inputRequests") or not isinstance(state, str):
        return None
    return state


def _is_tool(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("inputSchema"), dict)
    )
