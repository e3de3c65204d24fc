"""The Streamable HTTP transport: each JSON-RPC message POSTed to the server's endpoint.

A request is answered with one JSON object or with an event stream that
may carry the server's own requests (answered at once with a POST) and
notifications before the response; a notification is answered ``202``.
The ``Mcp-Session-Id`` the server gives at ``initialize`` is sent back on
every later request and in the closing ``DELETE``; once a version is
negotiated it goes in ``MCP-Protocol-Version``. A ``404`` to a request
that carried a session id means the session expired (``SessionExpired``).

Caps: a JSON answer or a whole event stream over ``MAX_BODY`` bytes is a
protocol error; the deadline is checked on every chunk, so a server that
trickles keep-alives cannot hold a call past it. Credentials (header
values, URL userinfo) are scrubbed from every error text. Streams cut
before the answer are not resumed (``Last-Event-ID``): the call fails.
See https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional

from ..._engine.sse import SSEParser
from ..._json import loads
from ...errors import MCPServerError
from ._config import MCPServerConfigHTTP
from ._rpc import check_message, deadline_after, remaining, reply_to
from ._web import Web

__all__ = ["MAX_BODY", "MODERN", "HTTPTransport", "SessionExpired"]

MODERN = "2026-07-28"
"""The stateless revision: its requests carry routing headers (see ``_session``)."""

MAX_BODY = 64 * 1024 * 1024
"""The most bytes one answer (a JSON body or an event stream) may hold."""


class SessionExpired(MCPServerError):
    """The server no longer knows the session (``404``): start a new one."""


class HTTPTransport:
    """One Streamable HTTP session with a server.

    Args:
        config: the URL and headers.
        timeout: seconds to connect and send.
        read_timeout: the most seconds a request waits for its answer.
    """

    def __init__(self, config: MCPServerConfigHTTP, timeout: float, read_timeout: float) -> None:
        self.name = config.name
        self.url = config.url
        self.web = Web(config, timeout)
        self.read_timeout = read_timeout
        self.version: Optional[str] = None
        self.session_id: Optional[str] = None

    def open(self) -> None:
        """Nothing to open: each message is its own POST."""

    def call(self, message: Dict[str, Any], timeout: Optional[float], what: str) -> Dict[str, Any]:
        """POST request ``message`` and return the response with its id.

        Raises:
            MCPTimeoutError: no answer within ``timeout`` seconds.
            SessionExpired: ``404`` to a request carrying a session id.
            MCPServerError: an HTTP error, or an answer that breaks the protocol.
        """
        deadline = deadline_after(timeout)
        headers = self._headers(message)
        with self.web.post(self.url, message, headers, deadline, what, timeout) as response:
            refusal = self._rpc_error(response, message, deadline, what, timeout)
            if refusal is not None:
                return refusal
            self._check_status(response, what)
            session = response.headers.get("Mcp-Session-Id")
            if session and message.get("method") == "initialize":
                self.session_id = session
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind == "text/event-stream":
                for found in self._events(response, deadline, what, timeout):
                    if "method" not in found and found.get("id") == message["id"]:
                        return found
                    self._serve(found)
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} ended the event stream without answering {what}",
                )
            if kind == "application/json":
                body = self.web.read(response, MAX_BODY, deadline, what, timeout)
                found = self._decode(body, what)
                if "method" not in found and found.get("id") == message["id"]:
                    return found
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} answered {what} with another message",
                )
            raise MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} answered {what} with HTTP {response.status_code} "
                f"and content type {kind or 'none'!r} (expected JSON or an event stream)",
            )

    def notify(self, message: Dict[str, Any], timeout: Optional[float] = None) -> None:
        """POST a notification (or a response to the server's request)."""
        what = message.get("method", "a response")
        deadline = deadline_after(timeout or self.web.timeout)
        headers = self._headers(message)
        with self.web.post(self.url, message, headers, deadline, what, timeout) as response:
            self._check_status(response, what)

    def close(self) -> None:
        """End the session (``DELETE``; a server may refuse with ``405``) and the HTTP clients."""
        session, self.session_id = self.session_id, None
        if session:
            self.web.delete(self.url, {**self._headers({}), "Mcp-Session-Id": session})
        self.web.close()

    def _headers(self, message: Dict[str, Any]) -> Dict[str, str]:
        headers = {"Accept": "application/json, text/event-stream"}
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self.version:
            headers["MCP-Protocol-Version"] = self.version
        if self.version == MODERN and "method" in message:  # 2026-07-28's routing headers
            headers["Mcp-Method"] = message["method"]
            name = (message.get("params") or {}).get("name")
            if message["method"] == "tools/call" and isinstance(name, str):
                headers["Mcp-Name"] = name
        return headers

    def _rpc_error(
        self,
        response: Any,
        message: Dict[str, Any],
        deadline: float,
        what: str,
        timeout: Optional[float],
    ) -> Optional[Dict[str, Any]]:
        """The JSON-RPC error a 4xx carries for ``message`` (2026-07-28 answers so), else ``None``."""
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not 400 <= response.status_code < 500 or kind != "application/json":
            return None
        if response.status_code == 404 and self.session_id:
            return None
        body = self.web.read(response, MAX_BODY, deadline, what, timeout)
        try:
            found = self._decode(body, what)
        except MCPServerError:
            found = {}
        if "error" in found and found.get("id") == message.get("id"):
            return found
        raise MCPServerError(
            server=self.name,
            message=f"MCP server {self.name!r} answered {what} with HTTP {response.status_code}: "
            f"{self.web.scrub.text(body[:300].decode('utf-8', 'replace'))}",
        )

    def _check_status(self, response: Any, what: str) -> None:
        status = response.status_code
        if status == 404 and self.session_id:
            self.session_id = None
            raise SessionExpired(
                server=self.name, message=f"MCP server {self.name!r} ended the session (404)"
            )
        if status >= 400:
            raise self.web.status_error(response, what)

    def _events(
        self, response: Any, deadline: float, what: str, timeout: Optional[float]
    ) -> Iterator[Dict[str, Any]]:
        parser = SSEParser()
        total = 0
        for chunk in self.web.chunks(response, deadline, what, timeout):
            total += len(chunk)
            if total > MAX_BODY:
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} streamed over {MAX_BODY} bytes for {what}",
                )
            for event in parser.feed(chunk):
                if event.event == "message" and event.data.strip():
                    yield self._decode(event.data.encode("utf-8"), what)
            remaining(self.name, deadline, what, timeout)
        for event in parser.flush():
            if event.event == "message" and event.data.strip():
                yield self._decode(event.data.encode("utf-8"), what)

    def _decode(self, body: bytes, what: str) -> Dict[str, Any]:
        try:
            value = loads(body)
        except ValueError:
            shown = self.web.scrub.text(body[:200].decode("utf-8", "replace"))
            raise MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} answered {what} with invalid JSON: {shown!r}",
            ) from None
        return check_message(self.name, self.web.scrub.value(value))

    def _serve(self, message: Dict[str, Any]) -> None:
        """Answer a request the server sent on a stream; ignore its notifications."""
        if "method" in message and "id" in message:
            self.notify(reply_to(message))
