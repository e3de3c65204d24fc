"""Server-sent events: an incremental parser of the ``text/event-stream`` format.

``SSEParser.feed(chunk)`` takes bytes as they come off the socket, in any
split, and returns the events completed by them; ``flush()`` ends the
stream. It follows the WHATWG rules that matter to model APIs: lines end
in ``\\n``, ``\\r\\n`` or ``\\r``; a blank line dispatches the event; lines
starting with ``:`` are comments (keep-alives); ``data`` lines join with
``\\n``; one space after the colon is dropped; an event with no ``data``
is not dispatched; ``event`` defaults to ``"message"``.
"""

from __future__ import annotations

from typing import List, Optional

import attrs

__all__ = ["SSEEvent", "SSEParser"]


@attrs.frozen
class SSEEvent:
    """One dispatched event: its type (``event:``), its data and its ``id``."""

    event: str
    data: str
    id: Optional[str] = None


class SSEParser:
    """Turns a byte stream into ``SSEEvent``s; keep one per stream."""

    __slots__ = ("_buffer", "_data", "_event", "_id")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: List[bytes] = []
        self._event = b""
        self._id: Optional[str] = None

    def feed(self, chunk: bytes) -> List[SSEEvent]:
        """The events completed by ``chunk``."""
        buffer = self._buffer + chunk if self._buffer else chunk
        lines = buffer.splitlines(True)
        # A last line without its end waits for more (a lone \r may be half of \r\n).
        if lines and not lines[-1].endswith(b"\n"):
            self._buffer = lines.pop()
        else:
            self._buffer = b""
        events: List[SSEEvent] = []
        for line in lines:
            self._line(line.rstrip(b"\r\n"), events)
        return events

    def flush(self) -> List[SSEEvent]:
        """End of stream: the last line, and an event it leaves without a blank line."""
        events: List[SSEEvent] = []
        if self._buffer:
            self._line(self._buffer.rstrip(b"\r\n"), events)
            self._buffer = b""
        self._line(b"", events)
        return events

    @property
    def pending(self) -> bool:
        """Whether bytes of an unfinished event are held."""
        return bool(self._buffer or self._data or self._event)

    def _line(self, line: bytes, events: List[SSEEvent]) -> None:
        if not line:
            if self._data:
                event = self._event.decode("utf-8", "replace") or "message"
                data = b"\n".join(self._data).decode("utf-8", "replace")
                events.append(SSEEvent(event, data, self._id))
            self._data = []
            self._event = b""
            return
        if line[:1] == b":":
            return
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id" and b"\0" not in value:
            self._id = value.decode("utf-8", "replace")
