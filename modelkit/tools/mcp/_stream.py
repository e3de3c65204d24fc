"""Reading a request's answer from a Streamable HTTP event stream, resuming it when cut.

The stream's ``message`` events are JSON-RPC messages: the response to
the request ends the read; the server's requests are answered and its
notifications ignored (``HTTPTransport.serve``). On the handshake
revisions a server may cut the connection before the answer (2025-11-25
servers do so on purpose, after a priming event with an id and a
``retry`` delay, to be polled): when an event id was seen, the stream is
resumed with a ``GET`` carrying ``Last-Event-ID`` after the ``retry``
milliseconds the server asked for (``DEFAULT_RETRY`` if it named none),
again each time it is cut, until the answer comes or the call's deadline
passes. A cut with no event id to resume from, a refused resumption, or
a cut on 2026-07-28 (which has no resumption; the transport re-sends the
request) is ``StreamCut``.

Caps: one stream's bytes over ``MAX_BODY`` are a protocol error, at most
``MAX_RESUMES`` reconnections per request, and the deadline is checked on
every chunk and before every wait, so a server trickling keep-alives or
cutting in a loop cannot hold a call past it.
See https://modelcontextprotocol.io/specification/2025-11-25/basic/transports
(Sending Messages, Resumability and Redelivery).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, Iterator, Optional, Protocol

from ..._engine.sse import SSEError, SSEParser
from ...errors import MCPServerError
from ._rpc import remaining
from ._web import Unreachable, Web

__all__ = ["DEFAULT_RETRY", "MAX_BODY", "MAX_RESUMES", "StreamCut", "read_stream"]

logger = logging.getLogger("modelkit")

MAX_BODY = 64 * 1024 * 1024
"""The most bytes one answer (a JSON body or one event stream) may hold."""

MAX_RESUMES = 1000
"""The most times one request's stream is resumed."""

DEFAULT_RETRY = 1.0
"""Seconds to wait before resuming when the server named no ``retry``."""

_MIN_WAIT = 0.01


class StreamCut(MCPServerError):
    """The event stream ended or broke before the answer, and was not resumed."""


class HTTPTransport(Protocol):
    """What reading a stream needs of the Streamable HTTP transport."""

    name: str
    url: str
    web: Web

    @property
    def modern(self) -> bool: ...

    def headers(self, message: Dict[str, Any], extra: Dict[str, str]) -> Dict[str, str]: ...

    def decode(self, body: bytes, what: str) -> Dict[str, Any]: ...

    def serve(self, message: Dict[str, Any]) -> None: ...


def read_stream(
    transport: HTTPTransport,
    response: Any,
    message: Dict[str, Any],
    deadline: float,
    what: str,
    timeout: Optional[float],
) -> Dict[str, Any]:
    """The response to ``message`` from the event stream ``response``, resumed as needed.

    Raises:
        MCPTimeoutError: no answer before ``deadline``.
        StreamCut: the stream ended without the answer and could not be resumed.
        MCPServerError: the stream broke the protocol.
    """
    parser = SSEParser()
    found = _answer(transport, response, parser, message, deadline, what, timeout)
    resumes = 0
    while found is None:
        last, retry = parser.last_id, parser.retry
        if transport.modern or last is None:
            raise StreamCut(
                server=transport.name,
                message=f"MCP server {transport.name!r} ended the event stream without "
                f"answering {what}",
            )
        resumes += 1
        if resumes > MAX_RESUMES:
            raise StreamCut(
                server=transport.name,
                message=f"MCP server {transport.name!r} cut the event stream for {what} "
                f"over {MAX_RESUMES} times",
            )
        wait = DEFAULT_RETRY if retry is None else max(retry / 1000, _MIN_WAIT)
        left = remaining(transport.name, deadline, what, timeout)
        time.sleep(min(wait, left))
        remaining(transport.name, deadline, what, timeout)
        logger.debug(
            "MCP server %r: resuming the stream of %s after event %s", transport.name, what, last
        )
        headers = {**transport.headers({}, {}), "Last-Event-ID": last}
        headers["Accept"] = "text/event-stream"
        web = transport.web
        with web.request(
            "GET", transport.url, {**web.headers, **headers}, deadline, what, timeout
        ) as resumed:
            kind = resumed.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if resumed.status_code >= 300 or kind != "text/event-stream":
                raise StreamCut(
                    server=transport.name,
                    message=f"MCP server {transport.name!r} cut the event stream for {what} "
                    f"and refused to resume it (HTTP {resumed.status_code}, "
                    f"content type {kind or 'none'!r})",
                )
            parser = _continued(parser)
            found = _answer(transport, resumed, parser, message, deadline, what, timeout)
    return found


def _continued(previous: SSEParser) -> SSEParser:
    """A parser for the resumed stream that remembers the last id and retry seen."""
    parser = SSEParser(last_id=previous.last_id)
    parser.retry = previous.retry
    return parser


def _answer(
    transport: HTTPTransport,
    response: Any,
    parser: SSEParser,
    message: Dict[str, Any],
    deadline: float,
    what: str,
    timeout: Optional[float],
) -> Optional[Dict[str, Any]]:
    """The response to ``message`` on this connection, or ``None`` if it was cut first."""
    try:
        for found in _messages(transport, response, parser, deadline, what, timeout):
            if "method" not in found and found.get("id") == message["id"]:
                return found
            transport.serve(found)
    except Unreachable:  # the connection broke: resumable like a stream that ended
        pass
    return None


def _messages(
    transport: HTTPTransport,
    response: Any,
    parser: SSEParser,
    deadline: float,
    what: str,
    timeout: Optional[float],
) -> Iterator[Dict[str, Any]]:
    total = 0
    name = transport.name
    try:
        for chunk in transport.web.chunks(response, deadline, what, timeout):
            total += len(chunk)
            if total > MAX_BODY:
                raise MCPServerError(
                    server=name,
                    message=f"MCP server {name!r} streamed over {MAX_BODY} bytes for {what}",
                )
            for event in parser.feed(chunk):
                if event.event == "message" and event.data.strip():
                    yield transport.decode(event.data.encode("utf-8"), what)
            remaining(name, deadline, what, timeout)
        events = parser.flush()
    except SSEError as exc:
        raise MCPServerError(server=name, message=f"MCP server {name!r}: {exc}") from None
    for event in events:
        if event.event == "message" and event.data.strip():
            yield transport.decode(event.data.encode("utf-8"), what)
