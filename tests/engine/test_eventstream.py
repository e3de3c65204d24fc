"""The AWS event-stream decoder: framing, header types, CRC32 checks.

The byte vectors are the AWS event-stream test suite's
(awslabs/aws-c-event-stream ``test/`` vectors, also in botocore's
``tests/unit/test_eventstream.py``); the format is documented at
https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream
(prelude, headers, payload, message CRC).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any, Dict, List

import pytest

from modelkit._engine.eventstream import EventMessage, EventStreamDecoder, EventStreamError

EMPTY = b"\x00\x00\x00\x10\x00\x00\x00\x00\x05\xc2H\xeb}\x98\xc8\xff"
INT8 = b"\x00\x00\x00\x17\x00\x00\x00\x07)\x86\x01X\x04byte\x02\xff\xc2\xf8i\xdc"
INT16 = b"\x00\x00\x00\x19\x00\x00\x00\tq\x0e\x92>\x05short\x03\xff\xff\xb2|\xb6\xcc"
INT32 = (
    b"\x00\x00\x00\x1d\x00\x00\x00\r\x83\xe3\xf0\xe7\x07integer\x04\xff\xff\xff\xff\x8b\x8e\x12\xeb"
)
INT64 = (
    b"\x00\x00\x00\x1e\x00\x00\x00\x0e]J\xdb\x8d\x04long\x05"
    b"\xff\xff\xff\xff\xff\xff\xff\xffK\xc22\xda"
)
PAYLOAD = b"\x00\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'}\xc3e96"


@pytest.mark.parametrize(
    "data, headers, payload",
    [
        (EMPTY, {}, b""),
        (INT8, {"byte": -1}, b""),
        (INT16, {"short": -1}, b""),
        (INT32, {"integer": -1}, b""),
        (INT64, {"long": -1}, b""),
        (PAYLOAD, {}, b"{'foo':'bar'}"),
    ],
)
def test_aws_test_vectors(data: bytes, headers: Dict[str, Any], payload: bytes) -> None:
    assert EventStreamDecoder().feed(data) == [EventMessage(headers, payload)]


def encode(headers: Dict[str, str], payload: bytes) -> bytes:
    """A message with string headers (type 7), as AWS sends ``:event-type`` and friends."""
    raw = b"".join(
        bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode()
        for k, v in headers.items()
    )
    total = 12 + len(raw) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + raw + payload
    return body + struct.pack(">I", zlib.crc32(body))


def test_messages_split_anywhere_decode_the_same() -> None:
    data = encode({":event-type": "contentBlockDelta", ":message-type": "event"}, b'{"x": 1}')
    data += INT8 + PAYLOAD
    for size in (1, 5, 13, len(data)):
        decoder = EventStreamDecoder()
        messages: List[EventMessage] = []
        for start in range(0, len(data), size):
            messages.extend(decoder.feed(data[start : start + size]))
        assert not decoder.pending
        assert [m.payload for m in messages] == [b'{"x": 1}', b"", b"{'foo':'bar'}"]
        assert messages[0].headers[":event-type"] == "contentBlockDelta"


@pytest.mark.parametrize(
    "data, message",
    [
        (EMPTY[:8] + b"\x00\x00\x00\x00" + EMPTY[12:], "prelude CRC32"),
        (PAYLOAD[:-1] + b"\x00", "message CRC32"),
        (
            struct.pack(">II", 8, 0) + struct.pack(">I", zlib.crc32(struct.pack(">II", 8, 0))),
            "impossible lengths",
        ),
    ],
)
def test_corrupt_frames_are_rejected(data: bytes, message: str) -> None:
    with pytest.raises(EventStreamError, match=message):
        EventStreamDecoder().feed(data)


def test_unknown_header_type_is_rejected() -> None:
    raw = b"\x01x\x0f"
    total = 12 + len(raw) + 4
    prelude = struct.pack(">II", total, len(raw))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + raw
    with pytest.raises(EventStreamError, match="unknown header value type 15"):
        EventStreamDecoder().feed(body + struct.pack(">I", zlib.crc32(body)))
