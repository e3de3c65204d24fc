"""The SSE parser against the WHATWG event-stream rules.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
(line endings, comments, ``data`` joining, the one optional space, dispatch
on a blank line, events without data not dispatched).
"""

from __future__ import annotations

from typing import List

import pytest

from modelkit._engine.sse import SSEError, SSEEvent, SSEParser

STREAM = (
    b": keep-alive comment\n"
    b"event: message_start\n"
    b'data: {"a": 1}\n'
    b"\n"
    b"data:no space\r\n"
    b"data:  two spaces\r\n"
    b"id: 7\r\n"
    b"\r\n"
    b"event: ping\r"
    b"data: {}\r"
    b"\r"
    b"event: empty\n"
    b"\n"
    b"data: caf\xc3\xa9\n\n"
)

EXPECTED = [
    SSEEvent("message_start", '{"a": 1}'),
    SSEEvent("message", "no space\n two spaces", "7"),
    SSEEvent("ping", "{}", "7"),
    SSEEvent("message", "café", "7"),
]


def parse_in_pieces(data: bytes, size: int) -> List[SSEEvent]:
    parser = SSEParser()
    events: List[SSEEvent] = []
    for start in range(0, len(data), size):
        events.extend(parser.feed(data[start : start + size]))
    events.extend(parser.flush())
    return events


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_events_are_the_same_however_the_bytes_are_split(size: int) -> None:
    assert parse_in_pieces(STREAM, size) == EXPECTED


def test_flush_dispatches_a_last_event_without_its_blank_line() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: [DONE]") == []
    assert parser.pending
    assert parser.flush() == [SSEEvent("message", "[DONE]")]
    assert not parser.pending


def test_a_field_without_a_colon_and_unknown_fields_are_ignored() -> None:
    assert parse_in_pieces(b"data\nretry: 10\nfoo: bar\n\n", 4) == [SSEEvent("message", "")]


def test_a_crlf_split_between_reads_is_one_line_end() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\n") == [], "the \\n completes the \\r: no blank line, no dispatch yet"
    assert parser.feed(b"\r") == [SSEEvent("message", "a")], "a blank line"
    assert parser.feed(b"\n") == [], "the rest of that \r\n, not a second blank line"
    assert parser.feed(b"data: b\n\n") == [SSEEvent("message", "b")]
    assert not parser.pending


def test_an_event_larger_than_its_limit_is_refused_as_soon_as_it_passes() -> None:
    parser = SSEParser(max_event=1000)
    assert parser.feed(b"data: " + b"x" * 600) == []
    with pytest.raises(SSEError, match="larger than 1000 bytes"):
        parser.feed(b"x" * 600)  # one unfinished line, never ended
    parser = SSEParser(max_event=1000)
    with pytest.raises(SSEError):  # many short data lines of one event
        for _ in range(20):
            parser.feed(b"data: " + b"y" * 99 + b"\n")
    parser = SSEParser(max_event=1000)
    for _ in range(50):  # many events, each under the limit: fine
        assert parser.feed(b"data: " + b"z" * 900 + b"\n\n") == [SSEEvent("message", "z" * 900)]


def test_a_long_line_in_many_reads_is_joined_once() -> None:
    """Linear: the pieces of an unfinished line are held, not re-copied on each read."""
    parser = SSEParser()
    piece = b"x" * 4096
    parser.feed(b"data: ")
    for _ in range(256):
        assert parser.feed(piece) == []
    assert parser._held == 6 + 256 * 4096 and len(parser._partial) == 257
    [event] = parser.feed(b"\n\n")
    assert len(event.data) == 256 * 4096
