"""JSON-RPC 2.0 for MCP: messages, the checks on what a server sends, and the dispatcher.

A server's messages are checked before anything reads them: an object
with ``"jsonrpc": "2.0"`` that is a response (an ``id`` and exactly one of
``result`` or ``error``), a request (``method`` and ``id``) or a
notification (``method``, no ``id``); anything else, or a batch, is a
protocol error naming the server. ``Dispatcher`` serves the transports
that read one stream of messages in a thread (stdio, HTTP+SSE): a caller
waits for the response with its ``id``, requests from the server are
answered (``ping`` with ``{}``, others — ``sampling/createMessage``,
``elicitation/create``, ``roots/list`` — with ``-32601`` "method not found",
since this client declares no capabilities: the answer the spec gives for
a client without roots), and a transport that fails wakes every waiter
with the error at once. On 2026-07-28 a server may send no requests and
a client may send no responses (server input comes in results, as
multi round-trip requests), so there ``answer_requests`` is off and a
stray request is logged and left unanswered.

See https://modelcontextprotocol.io/specification/2025-11-25/basic (JSON-RPC
messages), /basic/utilities/ping, /client/roots (error handling) and
/specification/2026-07-28/basic/transports/stdio.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from typing import Any, Callable, Dict, Optional

from ...errors import MCPServerError, MCPTimeoutError

__all__ = [
    "METHOD_NOT_FOUND",
    "Dispatcher",
    "RPCError",
    "Rejected",
    "check_message",
    "deadline_after",
    "notification",
    "remaining",
    "reply_to",
    "request",
    "result_of",
]

logger = logging.getLogger("modelkit")

METHOD_NOT_FOUND = -32601
_ids = itertools.count(1)


class RPCError(Exception):
    """A JSON-RPC error the server answered a request with."""

    def __init__(self, code: Any, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class Rejected(MCPServerError):
    """The transport refused a request at its own layer (an HTTP 4xx without a JSON-RPC error)."""

    def __init__(self, message: str, server: str = "", status: int = 0) -> None:
        super().__init__(message, server)
        self.status = status


def request(method: str, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A request message with a fresh id."""
    message: Dict[str, Any] = {"jsonrpc": "2.0", "id": next(_ids), "method": method}
    if params is not None:
        message["params"] = params
    return message


def notification(method: str, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A notification message (no id: nothing answers it)."""
    message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return message


def reply_to(message: Dict[str, Any]) -> Dict[str, Any]:
    """The answer to a request from the server: ``{}`` to ``ping``, else "method not found"."""
    if message["method"] == "ping":
        return {"jsonrpc": "2.0", "id": message["id"], "result": {}}
    error = {
        "code": METHOD_NOT_FOUND,
        "message": f"Method not found: {message['method']}",
        "data": {"reason": "modelkit declares no client capabilities"},
    }
    return {"jsonrpc": "2.0", "id": message["id"], "error": error}


def check_message(server: str, message: Any) -> Dict[str, Any]:
    """``message`` if it is one well-formed JSON-RPC message.

    Raises:
        MCPServerError: a batch, or not a JSON-RPC 2.0 request, notification or response.
    """
    if isinstance(message, dict) and message.get("jsonrpc") == "2.0":
        if "method" in message:
            if isinstance(message["method"], str):
                return message
        elif "id" in message and (("result" in message) != ("error" in message)):
            error = message.get("error")
            if "result" in message or (isinstance(error, dict) and "message" in error):
                return message
    shown = repr(message)
    shown = shown if len(shown) <= 200 else shown[:200] + "..."
    raise MCPServerError(
        server=server,
        message=f"MCP server {server!r} sent a message that is not JSON-RPC 2.0: {shown}",
    )


def result_of(server: str, response: Dict[str, Any]) -> Any:
    """The ``result`` of a response message.

    Raises:
        RPCError: the server answered with an error.
    """
    if "error" in response:
        error = response["error"]
        raise RPCError(error.get("code"), str(error.get("message")), error.get("data"))
    return response["result"]


def deadline_after(seconds: Optional[float]) -> float:
    """The monotonic time ``seconds`` from now (infinity for ``None``)."""
    return math.inf if seconds is None else time.monotonic() + seconds


def remaining(server: str, deadline: float, what: str, seconds: Optional[float]) -> float:
    """Seconds left before ``deadline``.

    Raises:
        MCPTimeoutError: none are left.
    """
    left = deadline - time.monotonic()
    if left <= 0:
        raise MCPTimeoutError(
            server=server,
            message=f"MCP server {server!r} did not answer {what} within {seconds:g}s",
        )
    return left


class _Slot:
    __slots__ = ("event", "message")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.message: Any = None


class Dispatcher:
    """Matches a message stream's responses to the requests waiting for them.

    Args:
        server: the server's name, for errors.
        send: writes one message to the server (thread-safe).
    """

    def __init__(self, server: str, send: Callable[[Dict[str, Any]], None]) -> None:
        self.server = server
        self._send = send
        self._lock = threading.Lock()
        self._waiting: Dict[Any, _Slot] = {}
        self._failure: Optional[MCPServerError] = None
        self.answer_requests = True

    def call(
        self, message: Dict[str, Any], timeout: Optional[float], what: str, cancel: bool = True
    ) -> Dict[str, Any]:
        """Send request ``message`` and wait for its response.

        Raises:
            MCPTimeoutError: no response within ``timeout`` (a cancellation is
                sent, unless ``cancel`` is false: ``initialize`` and
                ``server/discover`` may not be cancelled).
            MCPServerError: the transport failed before the response came.
        """
        slot = _Slot()
        with self._lock:
            if self._failure is not None:
                raise self._failure
            self._waiting[message["id"]] = slot
        try:
            self._send(message)
            if not slot.event.wait(timeout):
                if cancel:
                    self._cancel(message["id"])
                raise MCPTimeoutError(
                    server=self.server,
                    message=f"MCP server {self.server!r} did not answer {what} within {timeout:g}s",
                )
        finally:
            with self._lock:
                self._waiting.pop(message["id"], None)
        if isinstance(slot.message, MCPServerError):
            raise slot.message
        return slot.message  # type: ignore[no-any-return]

    def deliver(self, message: Dict[str, Any]) -> None:
        """Route one checked message from the server (called by the reader thread)."""
        if "method" not in message:
            with self._lock:
                slot = self._waiting.get(message["id"])
            if slot is None:
                logger.debug("MCP server %r answered an unknown request", self.server)
                return
            slot.message = message
            slot.event.set()
        elif "id" in message and self.answer_requests:
            self._answer(message)
        elif "id" in message:
            logger.debug(
                "MCP server %r sent request %s; not answered", self.server, message["method"]
            )
        else:
            logger.debug("MCP server %r: notification %s", self.server, message["method"])

    def fail(self, error: MCPServerError) -> None:
        """The transport is gone: every waiter, and every later caller, gets ``error``."""
        with self._lock:
            if self._failure is None:
                self._failure = error
            waiting = list(self._waiting.values())
        for slot in waiting:
            slot.message = self._failure
            slot.event.set()

    @property
    def failure(self) -> Optional[MCPServerError]:
        """Why the transport failed, once it has."""
        return self._failure

    def _answer(self, message: Dict[str, Any]) -> None:
        try:
            self._send(reply_to(message))
        except MCPServerError:
            pass  # the reader sees the transport fail and reports it

    def _cancel(self, request_id: Any) -> None:
        cancel = notification(
            "notifications/cancelled", {"requestId": request_id, "reason": "timed out"}
        )
        try:
            self._send(cancel)
        except MCPServerError:
            pass
