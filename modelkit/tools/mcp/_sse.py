"""The HTTP+SSE transport (MCP 2024-11-05, kept for servers that still speak it).

The client opens an event stream with ``GET``; the server's first event,
``endpoint``, names the URL to POST messages to, and its responses come
back as ``message`` events on the stream, read by a thread into the
``Dispatcher``. The endpoint must be on the stream's own origin (scheme,
host and port), or the configured credentials could be sent elsewhere.
The stream may be silent for at most ``read_timeout`` seconds (servers
send keep-alive comments); past that, or when it ends, every waiting
call fails with an error naming the server.
See https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional
from urllib.parse import urljoin, urlsplit

from ..._engine.sse import SSEParser
from ..._json import loads
from ...errors import MCPServerError, MCPTimeoutError
from ._config import MCPServerConfigHTTP
from ._rpc import Dispatcher, check_message, deadline_after
from ._web import Web, cut

__all__ = ["SSETransport"]

_FOREVER = float("inf")


class SSETransport:
    """One HTTP+SSE session with a server.

    Args:
        config: the event-stream URL and headers.
        timeout: seconds to connect, to receive the endpoint, and to POST.
        read_timeout: the most seconds the event stream may stay silent.
    """

    kind = "sse"

    def __init__(self, config: MCPServerConfigHTTP, timeout: float, read_timeout: float) -> None:
        self.name = config.name
        self.url = config.url
        self.web = Web(config, timeout)
        self.read_timeout = read_timeout
        self.version: Optional[str] = None
        self.dispatcher = Dispatcher(self.name, self._send)
        self._endpoint: Optional[str] = None
        self._ready = threading.Event()
        self._closing = False
        self._stream: Any = None
        self._thread: Optional[threading.Thread] = None

    def open(self) -> None:
        """Open the event stream and wait for the server's endpoint.

        Raises:
            MCPTimeoutError: no endpoint within ``timeout`` seconds.
            MCPServerError: the stream could not be opened, or broke the protocol.
        """
        self._thread = threading.Thread(
            target=self._read, name=f"modelkit-mcp-{self.name}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(self.web.timeout):
            raise MCPTimeoutError(
                server=self.name,
                message=f"MCP server {self.name!r} sent no endpoint event within {self.web.timeout:g}s",
            )
        failure = self.dispatcher.failure
        if self._endpoint is None and failure is not None:
            raise failure

    def call(
        self,
        message: Dict[str, Any],
        timeout: Optional[float],
        what: str,
        headers: Optional[Dict[str, str]] = None,
        cancel: bool = True,
    ) -> Dict[str, Any]:
        """Send a request and return its response (see ``Dispatcher.call``; no headers here)."""
        return self.dispatcher.call(message, timeout, what, cancel)

    def notify(self, message: Dict[str, Any]) -> None:
        """Send a notification."""
        self._send(message)

    def _send(self, message: Dict[str, Any]) -> None:
        endpoint = self._endpoint
        if endpoint is None:
            raise MCPServerError(
                server=self.name, message=f"MCP server {self.name!r} gave no endpoint"
            )
        what = str(message.get("method", "a response"))
        deadline = deadline_after(self.web.timeout)
        with self.web.post(endpoint, message, {}, deadline, what, self.web.timeout) as response:
            if response.status_code >= 300:
                raise self.web.status_error(response, what)

    def _read(self) -> None:
        try:
            headers = {"Accept": "text/event-stream"}
            with self.web.request(
                "GET",
                self.url,
                {**self.web.headers, **headers},
                _FOREVER,
                "the event stream",
                None,
                silence=self.read_timeout,
            ) as response:
                self._stream = response
                if response.status_code >= 300:
                    raise self.web.status_error(response, "the event stream request")
                parser = SSEParser()
                for chunk in self.web.chunks(response, _FOREVER, "the event stream", None):
                    for event in parser.feed(chunk):
                        self._event(event.event, event.data)
            failure = MCPServerError(
                server=self.name, message=f"MCP server {self.name!r} closed its event stream"
            )
        except MCPServerError as exc:
            failure = exc
        except Exception as exc:  # a bug must not end the thread unseen: the callers are told
            failure = MCPServerError(
                server=self.name,
                message=f"MCP server {self.name!r}: reading its event stream failed ({exc!r})",
            )
        if self._closing:
            failure = MCPServerError(
                server=self.name, message=f"MCP server {self.name!r} was closed"
            )
        self.dispatcher.fail(failure)
        self._ready.set()

    def _event(self, kind: str, data: str) -> None:
        if kind == "endpoint":
            endpoint = urljoin(self.url, data.strip())
            if _origin(endpoint) != _origin(self.url):
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} named an endpoint on another origin; refused",
                )
            self._endpoint = endpoint
            self._ready.set()
        elif kind == "message" and data.strip():
            try:
                value = loads(data)
            except ValueError:
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} sent an event that is not JSON",
                ) from None
            self.dispatcher.deliver(check_message(self.name, self.web.scrub.value(value)))

    def close(self) -> None:
        """Close the event stream and the HTTP clients."""
        self._closing = True
        if self._stream is not None:
            cut(self._stream)
        if self._thread is not None:
            self._thread.join(2.0)
        self.web.close()
        self.dispatcher.fail(
            MCPServerError(server=self.name, message=f"MCP server {self.name!r} was closed")
        )


def _origin(url: str) -> Any:
    parts = urlsplit(url)
    return (parts.scheme.lower(), parts.hostname, parts.port)
