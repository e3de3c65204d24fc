"""The ``GET`` stream of a handshake-era Streamable HTTP session: messages outside any call.

On 2025-03-26 to 2025-11-25 a client may open an event stream with
``GET`` on the endpoint, on which the server sends requests and
notifications that belong to no request of the client's (a server asking
for ``roots/list`` outside a call sends it there, and would otherwise wait
for an answer that never comes). ``Listener`` keeps that stream open for
a session that has an ``Mcp-Session-Id``, in a daemon thread: the
server's requests are answered as on a call's stream (``ping`` with
``{}``, the rest ``-32601``, each on a POST of its own), notifications
are ignored. A ``405`` (or any error status, or a body that is not an
event stream) means the server offers none: the thread ends quietly.
When the stream ends or stays silent for ``read_timeout`` it is opened
again after the server's ``retry`` (``DEFAULT_RETRY`` if none) with the
last event id as ``Last-Event-ID``; after ``MAX_IDLE`` openings in a row
that brought nothing and ended within ``QUICK`` seconds, or one that
failed, it is given up. ``start``
waits (at most the connect timeout) until the server has answered the
``GET``, so a request sent right after is not missed; ``stop`` cuts the
socket and joins the thread. 2026-07-28 has no ``GET`` stream.
See https://modelcontextprotocol.io/specification/2025-11-25/basic/transports
(Listening for Messages from the Server).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, Optional, Protocol

from ..._engine.sse import SSEParser
from ...errors import MCPServerError
from ._stream import DEFAULT_RETRY
from ._web import Web, cut

__all__ = ["MAX_IDLE", "QUICK", "Listener"]

logger = logging.getLogger("modelkit")

MAX_IDLE = 3
"""Quick openings in a row that brought no event before the stream is given up."""

QUICK = 1.0
"""Seconds under which an opening that brought no event counts as idle."""

_FOREVER = float("inf")


class Transport(Protocol):
    """What listening needs of the Streamable HTTP transport."""

    name: str
    url: str
    web: Web
    read_timeout: float

    def headers(self, message: Dict[str, Any], extra: Dict[str, str]) -> Dict[str, str]: ...

    def decode(self, body: bytes, what: str) -> Dict[str, Any]: ...

    def serve(self, message: Dict[str, Any]) -> None: ...


class Listener:
    """The ``GET`` stream of one session, read in a daemon thread."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.open = False  # whether the server answered with an event stream
        self._response: Any = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        """Open the stream; return once the server has answered (or the connect timeout)."""
        name = f"modelkit-mcp-listen-{self.transport.name}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.ready.wait(self.transport.web.timeout)

    def stop(self) -> None:
        """Close the stream and wait for the thread."""
        self.stopping.set()
        response = self._response
        if response is not None:
            cut(response)
        if self._thread is not None:
            self._thread.join(2.0)

    def _run(self) -> None:
        last: Optional[str] = None
        retry: Optional[int] = None
        idle = 0
        try:
            while not self.stopping.is_set() and idle < MAX_IDLE:
                parser = SSEParser(last_id=last)
                parser.retry = retry
                opened = time.monotonic()
                try:
                    heard = self._listen(parser)
                except MCPServerError as exc:
                    if self.stopping.is_set() or not self.open:
                        return
                    logger.debug(
                        "MCP server %r: the GET stream broke: %s", self.transport.name, exc
                    )
                    heard = False
                except Exception as exc:  # an oversized event, a bug: the thread ends, logged
                    logger.debug(
                        "MCP server %r: the GET stream failed: %r", self.transport.name, exc
                    )
                    return
                if heard is None:  # the server offers no stream
                    return
                idle = 0 if heard or time.monotonic() - opened >= QUICK else idle + 1
                last, retry = parser.last_id, parser.retry
                wait = DEFAULT_RETRY if retry is None else retry / 1000
                self.stopping.wait(wait)
        finally:
            self.ready.set()

    def _listen(self, parser: SSEParser) -> Optional[bool]:
        """One opening: ``None`` if refused, else whether any event came."""
        transport = self.transport
        web = transport.web
        headers = {**web.headers, **transport.headers({}, {}), "Accept": "text/event-stream"}
        if parser.last_id is not None:
            headers["Last-Event-ID"] = parser.last_id
        what = "the GET stream"
        with web.request(
            "GET", transport.url, headers, _FOREVER, what, None, silence=transport.read_timeout
        ) as response:
            self._response = response
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if response.status_code >= 300 or kind != "text/event-stream":
                logger.debug(
                    "MCP server %r offers no GET stream (HTTP %s)",
                    transport.name,
                    response.status_code,
                )
                return None
            self.open = True
            self.ready.set()
            heard = False
            for chunk in web.chunks(response, _FOREVER, what, None):
                for event in parser.feed(chunk):
                    heard = True
                    if event.event == "message" and event.data.strip():
                        self._deliver(transport.decode(event.data.encode("utf-8"), what))
                if self.stopping.is_set():
                    break
            return heard

    def _deliver(self, message: Dict[str, Any]) -> None:
        if "method" not in message:
            return  # a response on the GET stream: only when resuming a call's stream
        if "id" not in message:
            logger.debug("MCP server %r: notification %s", self.transport.name, message["method"])
            return
        try:
            self.transport.serve(message)
        except MCPServerError as exc:
            logger.debug(
                "MCP server %r: answering %s failed: %s",
                self.transport.name,
                message["method"],
                exc,
            )
