"""How a cassette writes bodies: readable JSON where it can, the exact bytes always.

A body is a dict with one key saying its form:

- ``{"json": value}``: a JSON document. A response body is written this way
  only when it parses with no duplicate key and no ``NaN``, so the bytes
  replayed (the value re-serialised) parse to an equal value.
- ``{"jsonl": [object, ...]}``: a JSON Lines file (a batch's input or
  results), one object a line, under the same condition as ``json``.
- ``{"text": "..."}``: other UTF-8 text (HTML error pages).
- ``{"base64": "..."}``: any other bytes.
- ``{"multipart": [part, ...]}``: a ``multipart/form-data`` request (a batch
  input file) by its parts, each ``{"name", "filename", "content_type"}``
  plus one of the forms above; never its random boundary.
- ``{"sse": ["event: ...\\n\\n", ...]}``: a server-sent-events stream, one
  piece per event; the pieces joined are the bytes received.
- ``{"eventstream": [frame, ...]}``: an AWS event-stream body, one message
  each: ``{"headers": {...}, "payload": "..."}`` when every header is a
  string and re-encoding gives back the same bytes (checked when recorded),
  else ``{"base64": "..."}``.

Long base64 strings in a request (images, documents) are written as a
digest note, ``"[sha256:... of N base64 characters]"``: the request is
matched on the digest, and the cassette stays small. Every function here
is linear in the body's size.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import zlib
from typing import Any, Dict, List, Optional, Tuple

__all__ = [
    "body_bytes",
    "body_pieces",
    "request_body",
    "response_body",
]

_LONG = 1024
_BASE64 = re.compile(r"^(data:[\w/+.-]+;base64,)?[A-Za-z0-9+/\r\n]+={0,2}$")
_EVENT_END = re.compile(r"\r\n\r\n|\n\n|\r\r")
_PRELUDE = struct.Struct(">III")


class _Unfaithful(ValueError):
    """A JSON text whose value would not re-serialise to an equal one."""


def _strict_pairs(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Unfaithful("duplicate key")
    return result


def _no_constant(name: str) -> Any:
    raise _Unfaithful(name)


def parse_json(data: bytes) -> Any:
    """``data`` as JSON, or raise ``ValueError`` (also for duplicate keys and ``NaN``)."""
    try:
        text = data.decode("utf-8")
        return json.loads(text, object_pairs_hook=_strict_pairs, parse_constant=_no_constant)
    except RecursionError as exc:
        raise ValueError("too deep") from exc


def _digest(text: str) -> str:
    hexdigest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"[sha256:{hexdigest} of {len(text)} base64 characters]"


def shorten(value: Any) -> Any:
    """``value`` with each long base64 string (or ``data:`` URI) replaced by a digest note."""
    if isinstance(value, str):
        if len(value) >= _LONG and _BASE64.match(value):
            return _digest(value)
        return value
    if isinstance(value, dict):
        return {key: shorten(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shorten(item) for item in value]
    return value


def _plain(data: bytes) -> Dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}
    lines = _json_lines(text)
    return {"text": text} if lines is None else {"jsonl": lines}


def _json_lines(text: str) -> Optional[List[Any]]:
    """The objects of a JSON Lines text (one per line, each ended by a newline), else ``None``."""
    if not text.endswith("\n") or "\r" in text:
        return None
    try:
        values = [parse_json(line.encode("utf-8")) for line in text[:-1].split("\n")]
    except ValueError:
        return None
    return values if all(isinstance(value, dict) for value in values) else None


def _line(value: Any) -> str:
    return json.dumps(value) + "\n"


def request_body(data: Optional[bytes], content_type: str) -> Optional[Dict[str, Any]]:
    """How a request body is written and matched (``None`` for no body)."""
    if not data:
        return None
    if content_type.lower().startswith("multipart/form-data"):
        parts = _multipart(data, content_type)
        if parts is not None:
            return {"multipart": parts}
    try:
        return {"json": shorten(parse_json(data))}
    except ValueError:
        return _plain(data)


def _multipart(data: bytes, content_type: str) -> Optional[List[Dict[str, Any]]]:
    """The parts of a ``multipart/form-data`` body, or ``None`` when it does not parse."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        return None
    delimiter = b"--" + match.group(1).encode("latin-1")
    chunks = data.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        return None
    parts: List[Dict[str, Any]] = []
    for chunk in chunks[1:-1]:
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep or not content.endswith(b"\r\n"):
            return None
        part: Dict[str, Any] = {}
        for line in head.decode("latin-1").strip().split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                for key in ("name", "filename"):
                    found = re.search(rf'\b{key}="([^"]*)"', value)
                    if found:
                        part[key] = found.group(1)
            elif name.strip().lower() == "content-type":
                part["content_type"] = value.strip()
        part.update(_plain(content[:-2]))
        parts.append(part)
    return parts


def response_body(content: bytes, content_type: str) -> Dict[str, Any]:
    """How a response body is written: exact, and as readable as its type allows."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "text/event-stream":
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return _plain(content)
        return {"sse": _split_events(text)}
    if kind == "application/vnd.amazon.eventstream":
        return {"eventstream": _frames(content)}
    if content:
        try:
            value = parse_json(content)
            if parse_json(json.dumps(value).encode("utf-8")) == value:
                return {"json": value}
        except (ValueError, TypeError):
            pass
    return _plain(content)


def _split_events(text: str) -> List[str]:
    pieces: List[str] = []
    start = 0
    for match in _EVENT_END.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _frames(content: bytes) -> List[Dict[str, Any]]:
    frames: List[Dict[str, Any]] = []
    offset = 0
    while offset < len(content):
        total = _PRELUDE.unpack_from(content, offset)[0] if len(content) - offset >= 12 else 0
        if total < 16 or offset + total > len(content):
            total = len(content) - offset  # a partial or broken frame: kept as bytes
        frame = content[offset : offset + total]
        frames.append(_readable_frame(frame) or {"base64": base64.b64encode(frame).decode()})
        offset += total
    return frames


def _readable_frame(frame: bytes) -> Optional[Dict[str, Any]]:
    """``frame`` as headers and text payload, when they encode back to the same bytes."""
    try:
        total, header_length, _ = _PRELUDE.unpack_from(frame)
        headers: Dict[str, str] = {}
        position, end = 12, 12 + header_length
        while position < end:
            size = frame[position]
            name = frame[position + 1 : position + 1 + size].decode("utf-8")
            position += 1 + size
            if frame[position] != 7:  # only string headers are written readably
                return None
            length = struct.unpack_from(">H", frame, position + 1)[0]
            headers[name] = frame[position + 3 : position + 3 + length].decode("utf-8")
            position += 3 + length
        payload = frame[end : total - 4].decode("utf-8")
    except (IndexError, struct.error, UnicodeDecodeError):
        return None
    readable = {"headers": headers, "payload": payload}
    return readable if _encode_frame(readable) == frame else None


def _encode_frame(frame: Dict[str, Any]) -> bytes:
    headers = b"".join(
        bytes([len(name.encode())])
        + name.encode()
        + b"\x07"
        + struct.pack(">H", len(value.encode()))
        + value.encode()
        for name, value in frame["headers"].items()
    )
    payload = str(frame["payload"]).encode("utf-8")
    prelude = struct.pack(">II", 16 + len(headers) + len(payload), len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


def body_pieces(body: Optional[Dict[str, Any]]) -> List[bytes]:
    """The bytes a written response body replays, in the pieces a stream reads them.

    Raises:
        ValueError: the body is not in one of the forms above.
    """
    if body is None:
        return []
    if "sse" in body:
        return [str(piece).encode("utf-8") for piece in body["sse"]]
    if "eventstream" in body:
        return [
            base64.b64decode(frame["base64"]) if "base64" in frame else _encode_frame(frame)
            for frame in body["eventstream"]
        ]
    return [body_bytes(body)]


def body_bytes(body: Dict[str, Any]) -> bytes:
    """The bytes of a written body in one of the single-piece forms."""
    if "json" in body:
        return json.dumps(body["json"]).encode("utf-8")
    if "text" in body:
        return str(body["text"]).encode("utf-8")
    if "jsonl" in body:
        return "".join(_line(value) for value in body["jsonl"]).encode("utf-8")
    if "base64" in body:
        return base64.b64decode(str(body["base64"]))
    raise ValueError(f"unknown body form: {sorted(body)}")
