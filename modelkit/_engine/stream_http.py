"""Streaming HTTP: a POST whose response body is read as it arrives.

``open_stream`` posts through a provider's ``HttpClient`` (the same
``transport.Exchange`` as a buffered request: a channel borrowed from its
pool for the stream's life, proxies, CA bundle, no ``~/.netrc``, no
urllib3 retries, no redirects) with
``stream=True`` and returns an ``HttpStream`` once the status line and
headers are in. Two clocks bound it:

- ``timeout`` bounds the whole stream: an alarm on the shared watchdog
  shuts the socket down when it runs out, however steadily the server
  sends (``APITimeoutError``).
- ``idle_timeout`` bounds the silence between two reads: it is the
  socket's read timeout (``APITimeoutError`` naming ``stream_idle_timeout``).

The body is capped like a buffered one (``client.max_response_bytes``,
``$MODELKIT_MAX_RESPONSE_BYTES``, 64 MiB by default): an endless stream,
or an error body read whole, fails with ``ResponseFormatError`` as soon
as it passes the cap. A connection cut mid-body becomes ``APIConnectionError``. ``close()``
drops the connection at once when the body was not read to its end (the
server sees the socket close), and returns it to the pool when it was.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple, Type

from .._response_headers import record_lowered_headers
from ..errors import APIConnectionError, APITimeoutError
from .body import BodyTooLarge
from .deadline import watchdog
from .failures import drop_request, explain
from .http import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, HttpClient
from .response import HttpResponse
from .transport import Exchange, clamp_budget

__all__ = ["HttpStream", "open_stream"]

_READ_SIZE = 65536


def open_stream(
    client: HttpClient,
    url: str,
    data: bytes,
    headers: Mapping[str, str],
    timeout: Optional[float] = None,
    idle_timeout: Optional[float] = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> HttpStream:
    """POST ``data`` and return the response as soon as its headers arrive.

    Raises:
        APITimeoutError: no headers within ``timeout`` (or ``idle_timeout``).
        APIConnectionError: the connection failed.
    """
    import requests

    budget = clamp_budget(timeout, DEFAULT_READ_TIMEOUT)
    read_timeout = budget if idle_timeout is None else min(idle_timeout, budget)
    exchange = Exchange(client._idle, client.pool_size, budget)  # ours until the stream closes
    try:
        response = exchange.send(
            "POST",
            url,
            data,
            headers,
            (min(connect_timeout, budget), read_timeout),
            client._verify,
            client._proxies(url),
        )
    except requests.exceptions.RequestException as exc:
        failed = HttpStream(client, None, exchange, budget, idle_timeout)
        failed.close()
        error = failed._error(exc, url)
        drop_request(exc)
        raise error from exc
    stream = HttpStream(client, response, exchange, budget, idle_timeout)
    record_lowered_headers(stream.headers, stream.status)
    if 300 <= stream.status < 400:  # never followed: see HttpClient
        stream.close()
        raise client._redirected(stream.status, stream.headers)
    return stream


class HttpStream:
    """An open streaming response: ``status``, ``headers``, then ``chunks()``."""

    def __init__(
        self,
        client: HttpClient,
        response: Any,
        exchange: Exchange,
        budget: float,
        idle_timeout: Optional[float],
    ) -> None:
        self._client = client
        self._response = response
        self._exchange: Optional[Exchange] = exchange  # given back when the stream closes
        self._cutoff = exchange.cutoff
        self._alarm = exchange.alarm
        self._budget = budget
        self._idle = idle_timeout
        self._start = exchange.start
        self._complete = False
        self._closed = False
        self.status: int = response.status_code if response is not None else 0
        self.headers: Dict[str, str] = (
            {name.lower(): response.headers[name] for name in response.headers}
            if response is not None
            else {}
        )
        self.elapsed = time.monotonic() - self._start

    def chunks(self) -> Iterator[bytes]:
        """The body's bytes as they arrive (ends at the body's end).

        Raises:
            APITimeoutError: ``timeout`` ran out, or ``idle_timeout`` passed in silence.
            APIConnectionError: the connection broke before the body's end.
            ResponseFormatError: the body passed ``client.max_response_bytes``.
        """
        raw = self._response.raw
        read = getattr(raw, "read1", None)  # urllib3 2; 1.26 reads chunk by chunk
        if read is None:
            read = _legacy_reader(raw)
        cap = self._client.max_response_bytes
        total = 0
        try:
            while True:
                data = read(_READ_SIZE)
                if not data:
                    break
                if self._cutoff.fired:
                    raise self._timeout()
                total += len(data)
                if total > cap:
                    raise self._client._too_large(BodyTooLarge(cap))
                yield data
        except _failures() as exc:
            raise self._error(exc) from exc
        if self._cutoff.fired:
            raise self._timeout()
        self._complete = True

    def extend(self, timeout: Optional[float]) -> None:
        """Let the stream run ``timeout`` seconds from its request (``None``: the default).

        A no-op once the stream closed or its time already ran out.
        """
        if self._closed or not self._alarm.cancel():
            return
        self._budget = clamp_budget(timeout, DEFAULT_READ_TIMEOUT)
        left = max(self._budget - (time.monotonic() - self._start), 0.0)
        self._alarm = watchdog().schedule(left, self._cutoff.fire)
        if self._exchange is not None:
            self._exchange.alarm = self._alarm
        # The socket's read timeout was the first wait's: lift it as open_stream sets it.
        read_timeout = self._budget if self._idle is None else min(self._idle, self._budget)
        for connection in list(self._cutoff.connections):
            sock = getattr(connection, "sock", None)
            if sock is not None:
                try:
                    sock.settimeout(read_timeout)
                except OSError:  # already shut down: the next read says so
                    pass

    def elapsed_now(self) -> float:
        """Seconds since the request was sent."""
        return time.monotonic() - self._start

    def read_all(self) -> HttpResponse:
        """Read the rest of the body (an error response) and close."""
        try:
            content = b"".join(self.chunks())
        finally:
            self.close()
        return HttpResponse(self.status, self.headers, content, time.monotonic() - self._start)

    def close(self) -> None:
        """Return the connection to the pool when the body was read, else drop it."""
        if self._closed:
            return
        self._closed = True
        self._cutoff.finish()
        self._alarm.cancel()
        try:
            if self._response is not None and self._complete:
                self._response.raw.release_conn()
            elif self._response is not None:
                self._cutoff.cut()  # wakes a read blocked in another thread (stream_async)
                self._response.close()
        finally:
            exchange, self._exchange = self._exchange, None
            if exchange is not None:
                exchange.give_back(self._client._idle)

    def _timeout(self) -> APITimeoutError:
        return APITimeoutError(
            f"the stream did not finish within {self._budget:.3g}s",
            provider=self._client.provider,
            model=self._client.model,
        )

    def _error(self, exc: BaseException, url: Optional[str] = None) -> Any:
        """The modelkit error for a failure of ``requests``, urllib3 or the socket."""
        import socket

        import requests
        import urllib3

        if self._cutoff.fired:
            return self._timeout()
        provider, model = self._client.provider, self._client.model
        # socket.timeout is TimeoutError only from Python 3.10; urllib3 1.26's raw reads raise it
        timeouts = (
            requests.exceptions.Timeout,
            urllib3.exceptions.TimeoutError,
            socket.timeout,
            TimeoutError,
        )
        if isinstance(exc, timeouts):
            if self._idle is not None:
                return APITimeoutError(
                    f"no data for {self._idle:g}s (stream_idle_timeout)",
                    provider=provider,
                    model=model,
                )
            return self._timeout()
        url = url or getattr(self._response, "url", None)
        return APIConnectionError(explain(exc, url), provider=provider, model=model)


def _failures() -> Tuple[Type[BaseException], ...]:
    """What reading a streamed body raises when the connection fails."""
    import http.client

    import requests
    import urllib3

    return (
        requests.exceptions.RequestException,
        urllib3.exceptions.HTTPError,
        http.client.HTTPException,
        OSError,
    )


def _legacy_reader(raw: Any) -> Any:
    """``read(size)`` returning what has arrived, for urllib3 1.26."""
    if raw.chunked and raw.supports_chunked_reads():
        pieces = raw.read_chunked(decode_content=True)
        return lambda size: next(pieces, b"")
    fp = raw._fp  # http.client.HTTPResponse: read1 returns what has arrived
    return fp.read1
