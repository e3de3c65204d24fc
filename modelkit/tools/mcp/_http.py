"""The Streamable HTTP transport: each JSON-RPC message POSTed to the server's endpoint.

A request is answered with one JSON object or with an event stream
(``_stream``) carrying notifications, and on the handshake revisions the
server's own requests, before the response; a notification is answered
``202``. Headers, per revision:

- handshake revisions (2025-03-26 to 2025-11-25): the ``Mcp-Session-Id``
  the server gives at ``initialize`` goes back on every later request and
  in the closing ``DELETE``; the negotiated version in
  ``MCP-Protocol-Version`` after the handshake. A ``404`` to a request that
  carried a session id means the session expired (``SessionExpired``). A
  call that times out is cancelled with ``notifications/cancelled``. A
  session's ``GET`` stream, for the server's messages outside any call,
  is kept open by ``_listen``.
- 2026-07-28: no session; every request carries ``MCP-Protocol-Version``,
  ``Mcp-Method``, ``Mcp-Name`` (``tools/call``) and the tool's
  ``Mcp-Param-*`` headers (``_headers``); an error status with a JSON-RPC
  error body is that error. Closing the stream is the cancellation.

A ``4xx`` without a JSON-RPC error is ``Rejected`` (the session's era
probe falls back on it). Caps: a JSON answer over ``MAX_BODY`` bytes is a
protocol error. Credentials (header values, URL userinfo) are scrubbed
from every error text.
See https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
and /specification/2026-07-28/basic/transports/streamable-http.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional

from ..._json import loads
from ...errors import MCPServerError, MCPTimeoutError
from ._config import MCPServerConfigHTTP
from ._headers import encode_value
from ._listen import Listener
from ._rpc import Rejected, check_message, deadline_after, notification, reply_to, request
from ._stream import MAX_BODY, StreamCut, read_stream
from ._web import Web

__all__ = ["MAX_BODY", "MODERN", "HTTPTransport", "SessionExpired"]

MODERN = "2026-07-28"
"""The stateless revision: its requests carry routing headers and no session."""

_NAMED = ("tools/call", "prompts/get")  # Mcp-Name is params.name (resources/read: params.uri)


class SessionExpired(MCPServerError):
    """The server no longer knows the session (``404``): start a new one."""


class HTTPTransport:
    """One Streamable HTTP session with a server.

    Args:
        config: the URL and headers.
        timeout: seconds to connect and send.
        read_timeout: the most seconds a request waits for its answer.
    """

    kind = "http"

    def __init__(self, config: MCPServerConfigHTTP, timeout: float, read_timeout: float) -> None:
        self.name = config.name
        self.url = config.url
        self.web = Web(config, timeout)
        self.read_timeout = read_timeout
        self.version: Optional[str] = None
        self.session_id: Optional[str] = None
        self.listener: Optional[Listener] = None

    @property
    def modern(self) -> bool:
        """Whether the session speaks 2026-07-28 (stateless, routing headers)."""
        return self.version == MODERN

    def open(self) -> None:
        """Nothing to open: each message is its own POST."""

    def call(
        self,
        message: Dict[str, Any],
        timeout: Optional[float],
        what: str,
        headers: Optional[Dict[str, str]] = None,
        cancel: bool = True,
    ) -> Dict[str, Any]:
        """POST request ``message`` and return the response with its id.

        On 2026-07-28 a response stream that breaks before the answer loses
        the request: it is sent again once, as a new request (a new id).

        Raises:
            MCPTimeoutError: no answer within ``timeout`` seconds.
            SessionExpired: ``404`` to a request carrying a session id.
            Rejected: a ``4xx`` without a JSON-RPC error.
            MCPServerError: another HTTP error, or an answer that breaks the protocol.
        """
        deadline = deadline_after(timeout)
        extra = headers or {}
        try:
            try:
                return self._exchange(message, deadline, what, timeout, extra)
            except StreamCut:
                if not self.modern:
                    raise
            again = request(message["method"], message.get("params"))
            response = self._exchange(again, deadline, what, timeout, extra)
            return {**response, "id": message["id"]}
        except MCPTimeoutError:
            if cancel and not self.modern and self.session_id:
                self._cancel(message["id"])
            raise

    def notify(self, message: Dict[str, Any], timeout: Optional[float] = None) -> None:
        """POST a notification (or a response to the server's request)."""
        what = message.get("method", "a response")
        deadline = deadline_after(timeout or self.web.timeout)
        headers = self._headers(message, {})
        with self.web.post(self.url, message, headers, deadline, what, timeout) as response:
            self._check_status(response, what)

    def listen(self) -> None:
        """Open the ``GET`` stream for the server's own messages (a session's, before 2026-07-28)."""
        if self.session_id and not self.modern and self.listener is None:
            self.listener = Listener(self)
            self.listener.start()

    def close(self) -> None:
        """End the session (``DELETE``; a server may refuse with ``405``) and the HTTP clients."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()
        session, self.session_id = self.session_id, None
        if session:
            self.web.delete(self.url, {**self._headers({}, {}), "Mcp-Session-Id": session})
        self.web.close()

    def serve(self, message: Dict[str, Any]) -> None:
        """Answer a request the server sent on a stream (not on 2026-07-28); ignore notifications."""
        if "method" in message and "id" in message and not self.modern:
            self.notify(reply_to(message))

    def headers(self, message: Dict[str, Any], extra: Dict[str, str]) -> Dict[str, str]:
        """The headers a message to the endpoint (or a stream resumption) carries."""
        return self._headers(message, extra)

    def _exchange(
        self,
        message: Dict[str, Any],
        deadline: float,
        what: str,
        timeout: Optional[float],
        extra: Dict[str, str],
    ) -> Dict[str, Any]:
        headers = self._headers(message, extra)
        with self.web.post(self.url, message, headers, deadline, what, timeout) as response:
            status = response.status_code
            if status >= 400:
                refusal = self._rpc_error(response, message, deadline, what, timeout)
                if refusal is not None:
                    return refusal
                self._check_status(response, what)
            session = response.headers.get("Mcp-Session-Id")
            if session and message.get("method") == "initialize":
                self.session_id = session
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind == "text/event-stream":
                return read_stream(self, response, message, deadline, what, timeout)
            if kind == "application/json":
                body = self.web.read(response, MAX_BODY, deadline, what, timeout)
                found = self.decode(body, what)
                if "method" not in found and found.get("id") == message["id"]:
                    return found
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} answered {what} with another message",
                )
            raise MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} answered {what} with HTTP {status} "
                f"and content type {kind or 'none'!r} (expected JSON or an event stream)",
            )

    def _headers(self, message: Dict[str, Any], extra: Dict[str, str]) -> Dict[str, str]:
        headers = {"Accept": "application/json, text/event-stream"}
        if self.session_id and not self.modern:
            headers["Mcp-Session-Id"] = self.session_id
        if self.version:
            headers["MCP-Protocol-Version"] = self.version
        if self.modern and "method" in message:  # 2026-07-28's request metadata headers
            method = message["method"]
            headers["Mcp-Method"] = method
            params = message.get("params") or {}
            name = params.get("uri") if method == "resources/read" else params.get("name")
            if method in (*_NAMED, "resources/read") and isinstance(name, str):
                headers["Mcp-Name"] = encode_value(name)
            headers.update(extra)
        return headers

    def _rpc_error(
        self,
        response: Any,
        message: Dict[str, Any],
        deadline: float,
        what: str,
        timeout: Optional[float],
    ) -> Optional[Dict[str, Any]]:
        """The JSON-RPC error an error status carries for ``message``, else ``None``.

        Its id may be ``null`` (a server that could not read the request's).
        """
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json" or (response.status_code == 404 and self.session_id):
            return None
        body = self.web.read(response, MAX_BODY, deadline, what, timeout)
        try:
            found = self.decode(body, what)
        except MCPServerError:
            found = {}
        if "error" in found and found.get("id") in (message.get("id"), None):
            return {**found, "id": message.get("id")}
        text = self.web.scrub.text(body[:300].decode("utf-8", "replace"))
        error = Rejected if response.status_code < 500 else MCPServerError
        raise error(
            server=self.name,
            message=f"MCP server {self.name!r} answered {what} with HTTP {response.status_code}: "
            f"{text}",
        )

    def _check_status(self, response: Any, what: str) -> None:
        status = response.status_code
        if status == 404 and self.session_id:
            self.session_id = None
            raise SessionExpired(
                server=self.name, message=f"MCP server {self.name!r} ended the session (404)"
            )
        if status >= 400:
            error = self.web.status_error(response, what)
            if status < 500:
                raise Rejected(str(error), server=self.name, status=status)
            raise error

    def decode(self, body: bytes, what: str) -> Dict[str, Any]:
        """One JSON-RPC message from ``body`` (credentials scrubbed)."""
        try:
            value = loads(body)
        except ValueError:
            shown = self.web.scrub.text(body[:200].decode("utf-8", "replace"))
            raise MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r} answered {what} with invalid JSON: {shown!r}",
            ) from None
        return check_message(self.name, self.web.scrub.value(value))

    def _cancel(self, request_id: Any) -> None:
        """Tell the server a timed-out request is abandoned, without holding the caller."""
        cancel = notification(
            "notifications/cancelled", {"requestId": request_id, "reason": "timed out"}
        )

        def send() -> None:
            try:
                self.notify(cancel, timeout=self.web.timeout)
            except Exception:  # best effort: the caller already has its timeout error
                pass

        threading.Thread(target=send, name=f"modelkit-mcp-{self.name}", daemon=True).start()
