"""Streams under faults, over real sockets: the semantics ``Model.stream`` promises.

Against the loopback server speaking OpenAI's chat SSE
(https://platform.openai.com/docs/api-reference/chat-streaming): retries
happen only before the first event; a cut mid-stream, the idle timeout and
the whole-stream timeout raise with the partial output; breaking out of
the loop or leaving the ``with`` block closes the connection and frees the
connection slot at once; the slot is held for the stream's whole life.
Waiting is done on conditions (the limit's counters), never on sleeps.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, List

import pytest
from loopback import LoopbackServer, Reply

from modelkit import get_model
from modelkit._engine.limits import limit_for
from modelkit._events import StreamEnd, TextDelta
from modelkit.errors import APIConnectionError, APITimeoutError
from modelkit.model import Model

SSE = {"Content-Type": "text/event-stream"}


def sse_body(words: List[str]) -> bytes:
    chunks = [
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": w}}]} for w in words
    ]
    chunks.append(
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    )
    chunks.append(
        {
            "id": "c",
            "model": "m",
            "choices": [],
            "usage": {
                "prompt_tokens": 1,
                "completion_tokens": len(words),
                "total_tokens": 1 + len(words),
            },
        }
    )
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return text.encode()


WORDS = [f"w{i} " for i in range(40)]
BODY = sse_body(WORDS)
FIRST = BODY.index(b"\n\n") + 2  # bytes up to the end of the first event


def model_for(server: LoopbackServer, **config: Any) -> Model:
    return get_model(
        "openai/m", base_url=server.url, api_key="sk-loop", config=config, memoize=False
    )


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def test_a_complete_stream_over_sockets(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=BODY, headers=SSE)
    with model_for(loopback).stream("hi") as stream:
        texts = [e.text for e in stream if isinstance(e, TextDelta)]
    assert texts == WORDS
    assert stream.output is not None and stream.output.completion == "".join(WORDS)
    assert stream.output.usage.output_tokens == 40


def test_errors_before_the_first_event_are_retried(loopback: LoopbackServer) -> None:
    loopback.script(
        Reply(status=503, body={"error": {"message": "busy"}}, headers={"retry-after-ms": "1"}),
        Reply(body=BODY, headers=SSE, reset_after=FIRST - 5),  # cut before any event
    )
    loopback.default = Reply(body=BODY, headers=SSE)
    output = model_for(loopback, max_retries=3).stream("hi").final_output()
    assert output.completion == "".join(WORDS)
    assert loopback.count == 3


def test_a_cut_after_the_first_event_is_not_retried(loopback: LoopbackServer) -> None:
    loopback.script(Reply(body=BODY, headers=SSE, reset_after=FIRST + 30))
    seen: List[Any] = []
    with pytest.raises(APIConnectionError) as caught:
        for event in model_for(loopback, max_retries=3).stream("hi"):
            seen.append(event)
    assert seen == [TextDelta("w0 ")]
    assert caught.value.output is not None and caught.value.output.completion == "w0 "
    assert loopback.count == 1


def test_idle_timeout_bounds_the_silence_between_events(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=BODY, headers=SSE, trickle=(FIRST, 2.0))
    model = model_for(loopback, stream_idle_timeout=0.2, max_retries=0)
    start = time.monotonic()
    with pytest.raises(APITimeoutError, match="stream_idle_timeout") as caught:
        list(model.stream("hi"))
    assert time.monotonic() - start < 1.9  # failed on the silence, not the server's pace
    assert caught.value.output.completion == "w0 "


def test_timeout_bounds_the_whole_stream(loopback: LoopbackServer) -> None:
    # Every event comes quickly, but the whole stream would take ~4 s.
    loopback.default = Reply(body=BODY, headers=SSE, trickle=(FIRST, 0.1))
    model = model_for(loopback, timeout=0.5, stream_idle_timeout=1.0, max_retries=0)
    seen: List[Any] = []
    with pytest.raises(APITimeoutError, match="did not finish within") as caught:
        for event in model.stream("hi"):
            seen.append(event)
    assert 1 <= len(seen) < len(WORDS)
    assert caught.value.output.completion == "".join(e.text for e in seen)


def test_breaking_out_closes_the_connection_and_frees_the_slot(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=BODY, headers=SSE, trickle=(FIRST, 0.05))
    model = model_for(loopback, max_connections=1)
    limit = limit_for(model.api.connection_key(), 1)
    for _event in model.stream("hi"):
        assert limit.active == 1
        break
    assert limit.active == 0
    wait_for(lambda: loopback.in_flight == 0)  # the server saw the connection go
    with model.stream("again") as stream:
        events = iter(stream)
        next(events)
        assert limit.active == 1
    assert limit.active == 0
    wait_for(lambda: loopback.in_flight == 0)


def test_the_slot_is_held_for_the_whole_stream(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=BODY, headers=SSE, trickle=(FIRST * 8, 0.02))
    model = model_for(loopback, max_connections=1)
    limit = limit_for(model.api.connection_key(), 1)
    results: List[str] = []
    with model.stream("first") as stream:
        events = iter(stream)
        next(events)
        other = threading.Thread(
            target=lambda: results.append(model.stream("2").final_output().completion)
        )
        other.start()
        wait_for(lambda: limit.waiting == 1)
        assert loopback.count == 1  # the second stream waits for the slot
        rest = list(events)
    assert isinstance(rest[-1], StreamEnd)
    other.join(10)
    assert results == ["".join(WORDS)]
    assert loopback.max_in_flight == 1
