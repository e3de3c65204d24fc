"""Streams are capped like buffered bodies: ``$MODELKIT_MAX_RESPONSE_BYTES`` bounds what is read.

An endless but valid stream (here an OpenAI chat-completions SSE stream
that never sends ``[DONE]``) fails with ``ResponseFormatError`` once the
bytes read pass the cap, long before its ``timeout``, carrying the output
that arrived (as any mid-stream failure does); an error status on a
stream has its body read up to the cap, not whole. A real socket server
sends both (chunked transfer encoding, as the APIs do).
"""

from __future__ import annotations

import json
import time
from typing import Iterator

import pytest
from loopback import serve_endless

import modelkit
from modelkit.errors import ResponseFormatError

CHUNK = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "x" * 1000}}]}
EVENT = b"data: " + json.dumps(CHUNK).encode() + b"\n\n"


def serve_forever(status: bytes, piece: bytes) -> Iterator[str]:
    yield from serve_endless(
        b"HTTP/1.1 " + status + b"\r\nContent-Type: text/event-stream\r\n", piece
    )


@pytest.fixture
def endless_stream() -> Iterator[str]:
    """A 200 whose SSE body is valid chunks forever."""
    yield from serve_forever(b"200 OK", EVENT * 16)


@pytest.fixture
def endless_error() -> Iterator[str]:
    """A 500 whose body never ends."""
    yield from serve_forever(b"500 Internal Server Error", b"e" * 65536)


def test_an_endless_stream_stops_at_the_cap_with_the_partial_output(
    endless_stream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_MAX_RESPONSE_BYTES", "300000")
    model = modelkit.get_model("openai/m", base_url=endless_stream, api_key="sk-cap", memoize=False)
    start = time.monotonic()
    with pytest.raises(ResponseFormatError, match="larger than the 300000 bytes") as caught:
        for _ in model.stream("hi", config={"timeout": 20, "max_retries": 0}):
            pass
    assert time.monotonic() - start < 10, "cut at the cap, long before the timeout"
    completion = caught.value.output.completion
    assert 100_000 < len(completion) <= 300_000 and set(completion) == {"x"}


def test_an_error_body_on_a_stream_is_read_capped(
    endless_error: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_MAX_RESPONSE_BYTES", "100000")
    model = modelkit.get_model("openai/m", base_url=endless_error, api_key="sk-cap", memoize=False)
    start = time.monotonic()
    with pytest.raises(ResponseFormatError, match="larger than the 100000 bytes"):
        list(model.stream("hi", config={"timeout": 20, "max_retries": 0}))
    assert time.monotonic() - start < 10, "not read to the timeout"
