"""The AWS event-stream framing (Bedrock ``ConverseStream``), standard library only.

A message is a 12-byte prelude (total length, headers length, a CRC32 of
the first 8 bytes; big-endian unsigned 32-bit), the headers, the payload,
and a CRC32 of everything before it. Each header is a 1-byte name length,
the name, a 1-byte value type and the value (types 0-9: true, false, byte,
short, integer, long, byte array, string, timestamp, UUID; arrays and
strings carry a 2-byte length). ``EventStreamDecoder.feed`` takes bytes in
any split and returns the messages they complete; a bad CRC, an impossible
length or an unknown header type raises ``EventStreamError``.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any, Dict, List, Tuple

import attrs

__all__ = ["EventMessage", "EventStreamDecoder", "EventStreamError"]

_PRELUDE = struct.Struct(">III")
_MIN_LENGTH = 16  # prelude + message CRC
_MAX_LENGTH = 16 * 1024 * 1024
_MAX_HEADERS = 128 * 1024
_FIXED = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


class EventStreamError(ValueError):
    """The bytes are not a valid event-stream message."""


@attrs.frozen
class EventMessage:
    """One message: its headers (``:event-type``, ``:message-type``, ...) and payload."""

    headers: Dict[str, Any]
    payload: bytes


class EventStreamDecoder:
    """Turns a byte stream into ``EventMessage``s; keep one per stream.

    Linear in its input: the bytes of an unfinished message are kept as the
    pieces they came in and joined once, when the message's declared length
    (at most 16 MiB) has arrived.
    """

    __slots__ = ("_held", "_need", "_pieces")

    def __init__(self) -> None:
        self._pieces: List[bytes] = []
        self._held = 0  # bytes in _pieces
        self._need = _PRELUDE.size  # bytes to hold before a message can be read

    @property
    def pending(self) -> bool:
        """Whether bytes of an unfinished message are held."""
        return self._held > 0

    def feed(self, chunk: bytes) -> List[EventMessage]:
        """The messages completed by ``chunk``."""
        if not chunk:
            return []
        self._pieces.append(chunk)
        self._held += len(chunk)
        if self._held < self._need:
            return []
        buffer = b"".join(self._pieces) if len(self._pieces) > 1 else chunk
        messages: List[EventMessage] = []
        start = 0
        need = _PRELUDE.size
        while len(buffer) - start >= _PRELUDE.size:
            total, headers_length, prelude_crc = _PRELUDE.unpack_from(buffer, start)
            if zlib.crc32(buffer[start : start + 8]) != prelude_crc:
                raise EventStreamError("prelude CRC32 mismatch")
            if not _MIN_LENGTH <= total <= _MAX_LENGTH or headers_length > min(
                _MAX_HEADERS, total - _MIN_LENGTH
            ):
                raise EventStreamError(
                    f"impossible lengths (total {total}, headers {headers_length})"
                )
            if len(buffer) - start < total:
                need = total
                break
            end = start + total
            (message_crc,) = struct.unpack_from(">I", buffer, end - 4)
            if zlib.crc32(buffer[start : end - 4]) != message_crc:
                raise EventStreamError("message CRC32 mismatch")
            headers_end = start + _PRELUDE.size + headers_length
            headers = _headers(buffer[start + _PRELUDE.size : headers_end])
            messages.append(EventMessage(headers, buffer[headers_end : end - 4]))
            start = end
        rest = buffer[start:]
        self._pieces = [rest] if rest else []
        self._held = len(rest)
        self._need = need
        return messages


def _headers(data: bytes) -> Dict[str, Any]:
    headers: Dict[str, Any] = {}
    at = 0
    while at < len(data):
        name_length = data[at]
        name = data[at + 1 : at + 1 + name_length].decode("utf-8")
        at += 1 + name_length
        if at >= len(data):
            raise EventStreamError(f"header {name!r} has no value")
        value, at = _value(data, data[at], at + 1)
        headers[name] = value
    return headers


def _value(data: bytes, kind: int, at: int) -> Tuple[Any, int]:
    if kind in (0, 1):
        return kind == 0, at
    if kind in _FIXED:
        fmt = _FIXED[kind]
        size = struct.calcsize(fmt)
        _check(data, at, size)
        return struct.unpack_from(fmt, data, at)[0], at + size
    if kind in (6, 7):
        _check(data, at, 2)
        (length,) = struct.unpack_from(">H", data, at)
        _check(data, at + 2, length)
        raw = data[at + 2 : at + 2 + length]
        return (raw.decode("utf-8") if kind == 7 else raw), at + 2 + length
    if kind == 9:
        _check(data, at, 16)
        return data[at : at + 16], at + 16
    raise EventStreamError(f"unknown header value type {kind}")


def _check(data: bytes, at: int, size: int) -> None:
    if at + size > len(data):
        raise EventStreamError("header value runs past the headers")
