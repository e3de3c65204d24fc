"""Server-sent events: an incremental parser of the ``text/event-stream`` format.

``SSEParser.feed(chunk)`` takes bytes as they come off the socket, in any
split, and returns the events completed by them; ``flush()`` ends the
stream. It follows the WHATWG rules that matter to model APIs: lines end
in ``\\n``, ``\\r\\n`` or ``\\r`` (a ``\\r\\n`` split between two reads is
one line end); a blank line dispatches the event; lines starting with
``:`` are comments (keep-alives); ``data`` lines join with ``\\n``; one
space after the colon is dropped; an event with no ``data`` is not
dispatched; ``event`` defaults to ``"message"``. The last ``id`` seen and
the last ``retry`` (milliseconds) are kept for reconnecting (``last_id``,
``retry``), as an ``EventSource`` keeps them.

Linear and bounded, whatever the server sends: each byte is copied a
fixed number of times (an unfinished line is kept as a list of pieces and
joined once, when its end arrives), and one event, its unfinished line
included, holds at most ``max_event`` bytes (``DEFAULT_MAX_EVENT``,
32 MiB); a larger one raises ``SSEError`` as soon as it passes the limit.
"""

from __future__ import annotations

from typing import List, Optional

import attrs

__all__ = ["DEFAULT_MAX_EVENT", "SSEError", "SSEEvent", "SSEParser"]

DEFAULT_MAX_EVENT = 32 * 1024 * 1024
"""The most bytes one event (its lines, the unfinished one included) may hold: 32 MiB."""


class SSEError(ValueError):
    """The event stream broke a limit (an event larger than ``max_event``)."""


@attrs.frozen
class SSEEvent:
    """One dispatched event: its type (``event:``), its data and its ``id``."""

    event: str
    data: str
    id: Optional[str] = None


_NEW = object.__new__
_SET_EVENT = SSEEvent.__dict__["event"].__set__
_SET_DATA = SSEEvent.__dict__["data"].__set__
_SET_ID = SSEEvent.__dict__["id"].__set__


def _new_event(event: str, data: str, id: Optional[str]) -> SSEEvent:
    """``SSEEvent(event, data, id)`` without a Python-level ``__init__`` (its slots set directly)."""
    made: SSEEvent = _NEW(SSEEvent)
    _SET_EVENT(made, event)
    _SET_DATA(made, data)
    _SET_ID(made, id)
    return made


class SSEParser:
    """Turns a byte stream into ``SSEEvent``s; keep one per stream.

    Args:
        max_event: the most bytes one event may hold (``SSEError`` beyond).
        last_id: the last event id of the stream this one resumes.
    """

    __slots__ = (
        "_data",
        "_event",
        "_held",
        "_id",
        "_max",
        "_partial",
        "_size",
        "_skip_lf",
        "retry",
    )

    def __init__(self, max_event: int = DEFAULT_MAX_EVENT, last_id: Optional[str] = None) -> None:
        self._max = max_event
        self._partial: List[bytes] = []  # the unfinished line, in the pieces it came in
        self._held = 0  # bytes in _partial
        self._size = 0  # bytes in the current event's data lines
        self._skip_lf = False  # the last line ended with \r: a leading \n is its other half
        self._data: List[bytes] = []
        self._event = b""
        self._id = last_id
        self.retry: Optional[int] = None  # the last ``retry:`` field, in milliseconds

    @property
    def last_id(self) -> Optional[str]:
        """The last ``id`` field seen (what a reconnection sends as ``Last-Event-ID``)."""
        return self._id

    def feed(self, chunk: bytes) -> List[SSEEvent]:
        """The events completed by ``chunk``.

        Raises:
            SSEError: an event grew larger than ``max_event`` bytes.
        """
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not chunk:
            return []
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:  # no line ends here: hold the piece, copy nothing
            self._hold(chunk)
            return []
        complete = chunk[: end + 1]
        if self._partial:
            complete = b"".join(self._partial) + complete
            self._partial, self._held = [], 0
        rest = chunk[end + 1 :]
        self._skip_lf = not rest and chunk[end:] == b"\r"
        events: List[SSEEvent] = []
        # The common lines (data, blank) are read inline: a call per line
        # would cost more than the rest of the parse.
        data, size, limit = self._data, self._size, self._max
        for line in complete.splitlines():
            if line[:6] == b"data: ":
                size += len(line) - 5
                if size > limit:
                    self._size = size
                    self._check(0)
                data.append(line[6:])
            elif not line and not self._event:
                if data:
                    event = _NEW(SSEEvent)  # SSEEvent("message", text, id), inline
                    _SET_EVENT(event, "message")
                    _SET_DATA(event, b"\n".join(data).decode("utf-8", "replace"))
                    _SET_ID(event, self._id)
                    events.append(event)
                    data = self._data = []
                size = 0
            else:
                self._size = size
                self._line(line, events)
                data, size = self._data, self._size
        self._size = size
        if rest:
            self._hold(rest)
        return events

    def flush(self) -> List[SSEEvent]:
        """End of stream: the last line, and an event it leaves without a blank line."""
        events: List[SSEEvent] = []
        if self._partial:
            line = b"".join(self._partial)
            self._partial, self._held = [], 0
            self._line(line, events)
        self._line(b"", events)
        return events

    @property
    def pending(self) -> bool:
        """Whether bytes of an unfinished event are held."""
        return bool(self._partial or self._data or self._event)

    def _hold(self, piece: bytes) -> None:
        self._held += len(piece)
        self._check(self._held)
        self._partial.append(piece)

    def _check(self, size: int) -> None:
        if self._size + size > self._max:
            self._partial, self._data, self._held, self._size = [], [], 0, 0
            raise SSEError(f"a server-sent event larger than {self._max} bytes")

    def _line(self, line: bytes, events: List[SSEEvent]) -> None:
        if not line:
            if self._data:
                event = self._event.decode("utf-8", "replace") or "message"
                data = b"\n".join(self._data).decode("utf-8", "replace")
                events.append(_new_event(event, data, self._id))
            self._data = []
            self._size = 0
            self._event = b""
            return
        if line[:1] == b":":
            return
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._check(len(value) + 1)
            self._size += len(value) + 1
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id" and b"\0" not in value:
            self._id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)
