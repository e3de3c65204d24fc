"""The response bodies a cassette hands the engine: a live one copied, a recorded one replayed.

Both stand where the engine expects a urllib3 response (``read``,
``read1``, ``headers``, ``release_conn``, ``close``), so the engine reads
them exactly as it reads the network: its size caps, decompression,
stream parsing, deadlines and error mapping run unchanged.

``Recording`` passes every read through to the live response and keeps a
copy; when the engine releases or closes it, it calls ``done`` with the
bytes read, whether the body ended, the failure that cut it, if any, and
the time of each read. ``Replayed`` serves recorded pieces, one per
``read1`` (so a stream is replayed event by event), then ends as the
recorded body did: at its end, with the engine's deadline passed
(``"deadline"``: its cut-off is fired), or with the recorded failure
raised as a ``requests``/urllib3 exception of the recorded name, which the
engine maps to the same modelkit error it mapped live.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

__all__ = ["Recording", "Replayed", "failure_of", "replayed_failure"]


def failure_of(exc: BaseException, message: str) -> Optional[Dict[str, str]]:
    """How a network failure is written, or ``None`` when ``exc`` is not one.

    Args:
        exc: what sending or reading raised.
        message: its text, credentials already replaced.
    """
    import http.client
    import socket

    import requests
    import urllib3

    timeouts = (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, socket.timeout)
    network = (
        requests.exceptions.RequestException,
        urllib3.exceptions.HTTPError,
        http.client.HTTPException,
        OSError,
    )
    if isinstance(exc, timeouts):
        kind = "timeout"
    elif isinstance(exc, network):
        kind = "connection"
    else:
        return None
    return {"kind": kind, "type": type(exc).__name__, "message": message}


_classes: Dict[Tuple[str, type], Type[BaseException]] = {}


def replayed_failure(failure: Dict[str, Any], reading: bool) -> BaseException:
    """The exception to raise for a written failure (``reading``: mid-body, else at send)."""
    import requests
    import urllib3

    if failure.get("kind") == "timeout":
        base: type = requests.exceptions.ReadTimeout
    elif reading:
        base = urllib3.exceptions.ProtocolError
    else:
        base = requests.exceptions.ConnectionError
    name = str(failure.get("type") or base.__name__)
    if not name.isidentifier():
        name = base.__name__
    cls = _classes.get((name, base))
    if cls is None:
        cls = _classes[(name, base)] = type(name, (base,), {"__module__": "modelkit.testing"})
    return cls(str(failure.get("message", "")))


class Recording:
    """A live urllib3 response whose reads are passed through and copied.

    Args:
        raw: the live response.
        done: called once, on release or close, with ``(pieces, ended,
            failure, times)``: the bytes read, whether the body ended, the
            exception that cut it (or ``None``), and seconds from
            ``start`` to each piece.
        start: when the request was sent (``time.monotonic``).
    """

    def __init__(self, raw: Any, done: Callable[..., None], start: float) -> None:
        self._raw = raw
        self._done: Optional[Callable[..., None]] = done
        self._start = start
        self.headers = raw.headers
        self.pieces: List[bytes] = []
        self.times: List[float] = []
        self.decoded = False
        self.ended = False
        self.failure: Optional[BaseException] = None

    def _keep(self, data: bytes, whole: bool) -> bytes:
        if data:
            self.pieces.append(data)
            self.times.append(time.monotonic() - self._start)
        if whole or not data:
            self.ended = True
        return data

    def read(self, amt: Optional[int] = None, decode_content: Any = None, **kwargs: Any) -> bytes:
        if decode_content:
            self.decoded = True
        try:
            data = self._raw.read(amt, decode_content=decode_content, **kwargs)
        except BaseException as exc:
            self.failure = exc
            raise
        return self._keep(data, amt is None)

    def read1(self, amt: Optional[int] = None, **kwargs: Any) -> bytes:
        read1 = getattr(self._raw, "read1", None)
        if read1 is None:  # urllib3 1.26: what has arrived, from http.client
            fp = getattr(self._raw, "_fp", None)
            read1 = getattr(fp, "read1", None) or self._raw.read
            kwargs = {}
        try:
            data = read1(amt if amt is not None else -1, **kwargs)
        except BaseException as exc:
            self.failure = exc
            raise
        return self._keep(data, False)

    def release_conn(self) -> None:
        self._finish()
        self._raw.release_conn()

    def close(self) -> None:
        self._finish()
        self._raw.close()

    def _finish(self) -> None:
        done, self._done = self._done, None
        if done is not None:
            done(self)


class Replayed:
    """A recorded body served piece by piece, ending as it ended when recorded.

    Args:
        headers: the response headers.
        pieces: the body's bytes, in the pieces one ``read1`` returns each.
        ending: ``None`` (the body ended), or the written failure.
        cutoff: the request's cut-off, fired for a ``"deadline"`` ending.
        delays: seconds to wait before each piece (recorded timing), or ``None``.
    """

    chunked = False

    def __init__(
        self,
        headers: Dict[str, str],
        pieces: List[bytes],
        ending: Optional[Dict[str, Any]],
        cutoff: Any,
        delays: Optional[List[float]] = None,
    ) -> None:
        self.headers = headers
        self._pieces = [piece for piece in pieces if piece]
        self._next = 0
        self._buffer = b""
        self._ending = ending
        self._cutoff = cutoff
        self._delays = delays

    def _piece(self) -> bytes:
        """The next recorded piece, or ``b""`` at the end (after the recorded ending)."""
        if self._next < len(self._pieces):
            if self._delays is not None and self._next < len(self._delays):
                time.sleep(max(0.0, self._delays[self._next]))
            self._next += 1
            return self._pieces[self._next - 1]
        ending, self._ending = self._ending, None
        if ending is not None:
            if ending.get("kind") == "deadline":
                self._cutoff.fire()
            else:
                raise replayed_failure(ending, reading=True)
        return b""

    def read1(self, amt: Optional[int] = None, **kwargs: Any) -> bytes:
        if not self._buffer:
            self._buffer = self._piece()
        size = len(self._buffer) if amt is None or amt < 0 else amt
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def read(self, amt: Optional[int] = None, **kwargs: Any) -> bytes:
        parts: List[bytes] = []
        wanted = -1 if amt is None else amt
        while wanted != 0:
            data = self.read1(wanted)
            if not data:
                break
            parts.append(data)
            if wanted > 0:
                wanted -= len(data)
        return b"".join(parts)

    def release_conn(self) -> None:
        pass

    def close(self) -> None:
        pass
