"""AWS event-stream framing for test servers and fixtures (Bedrock's streamed answers).

Follows the message layout of the AWS event-stream encoding (a prelude of
total and header lengths with its CRC32, string headers of value type 7, the
payload, and a CRC32 of the whole message), as ``modelkit``'s decoder reads it.
"""

from __future__ import annotations

import struct
import zlib
from typing import Dict


def encode_event(headers: Dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message with string headers (value type 7), CRCs included."""
    raw = b"".join(
        bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode()
        for k, v in headers.items()
    )
    prelude = struct.pack(">II", 12 + len(raw) + len(payload) + 4, len(raw))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + raw + payload
    return message + struct.pack(">I", zlib.crc32(message))
