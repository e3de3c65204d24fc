"""Reading a response body with a size cap, decompressing it ourselves.

``read_body`` reads an undecoded urllib3 response to its end and returns
the decoded bytes, raising ``BodyTooLarge`` as soon as they would pass the
cap. A body that declares a ``Content-Length`` over the cap is refused
before a byte is read; one without (chunked, or until the connection
closes) is read in 64 KiB pieces and cut at the cap. ``gzip`` and
``deflate`` are inflated here with ``zlib``, asking it for no more output
than the cap leaves, so a small compressed "bomb" never expands in memory
past the cap; any other encoding is decoded by urllib3 one piece at a time.
"""

from __future__ import annotations

import os
from typing import Any, List, Mapping, Optional

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "BodyTooLarge", "max_response_bytes", "read_body"]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The largest decoded response body read (64 MiB), unless the environment says otherwise."""

ENV_VAR = "MODELKIT_MAX_RESPONSE_BYTES"

_PIECE = 64 * 1024


class BodyTooLarge(Exception):
    """The decoded body would be larger than the cap."""

    def __init__(self, cap: int, declared: Optional[int] = None) -> None:
        self.cap = cap
        self.declared = declared
        super().__init__(cap, declared)


def max_response_bytes() -> int:
    """The cap: ``$MODELKIT_MAX_RESPONSE_BYTES`` when it is a positive integer, else 64 MiB."""
    value = os.environ.get(ENV_VAR, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return DEFAULT_MAX_RESPONSE_BYTES


def read_body(raw: Any, headers: Mapping[str, str], cap: int) -> bytes:
    """The whole decoded body of urllib3 response ``raw`` (opened undecoded).

    Args:
        raw: a urllib3 ``HTTPResponse`` made with ``decode_content=False``.
        headers: its headers, names lower-cased.
        cap: the most decoded bytes accepted.

    Raises:
        BodyTooLarge: the decoded body would be larger than ``cap``.
        zlib.error: a gzip or deflate body that does not inflate.
    """
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        declared = headers.get("content-length", "")
        if declared.isdigit():
            if int(declared) > cap:
                raise BodyTooLarge(cap, int(declared))
            data: bytes = raw.read(decode_content=False)
            return data
        return _pieces(raw, cap, decode=False)
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _inflate(raw, cap, gzip=encoding != "deflate")
    return _pieces(raw, cap, decode=True)


def _pieces(raw: Any, cap: int, decode: bool) -> bytes:
    parts: List[bytes] = []
    total = 0
    while True:
        piece = raw.read(_PIECE, decode_content=decode)
        if not piece:
            return b"".join(parts)
        total += len(piece)
        if total > cap:
            raise BodyTooLarge(cap)
        parts.append(piece)


def _inflate(raw: Any, cap: int, gzip: bool) -> bytes:
    import zlib

    # gzip: a gzip header; deflate: zlib-wrapped as RFC 9110 says, or raw as some send.
    inflater: Any = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
    parts: List[bytes] = []
    total = 0
    first = True
    while True:
        data = raw.read(_PIECE, decode_content=False)
        if not data:
            break
        while data:
            try:
                piece = inflater.decompress(data, cap + 1 - total)
            except zlib.error:
                if not (first and not gzip):
                    raise
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                piece = inflater.decompress(data, cap + 1 - total)
            first = False
            total += len(piece)
            if total > cap:
                raise BodyTooLarge(cap)
            parts.append(piece)
            data = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data:  # another gzip member follows
                data = inflater.unused_data
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
    rest = inflater.flush()
    if total + len(rest) > cap:
        raise BodyTooLarge(cap)
    parts.append(rest)
    return b"".join(parts)
