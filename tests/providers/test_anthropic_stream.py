"""Anthropic Messages streaming: events to deltas, and the same output as ``generate``.

Fixtures follow https://docs.anthropic.com/en/docs/build-with-claude/streaming
(``message_start``, ``content_block_start``/``_delta``/``_stop`` with
``text_delta``, ``thinking_delta``, ``signature_delta`` and
``input_json_delta``, ``ping``, ``message_delta`` with cumulative usage,
``message_stop``, and ``error`` events such as ``overloaded_error`` mid-stream).
Each ``<case>.sse`` has a ``<case>.response.json``: the same answer non-streamed.
"""

from __future__ import annotations

import json
from typing import Any, List

import pytest
import responses
from wire import load_bytes, load_fixture, stream_both_ways

from modelkit import get_model
from modelkit._events import ReasoningDelta, StreamEnd, TextDelta, ToolCallDelta
from modelkit.errors import APIError, ResponseFormatError

URL = "https://api.anthropic.com/v1/messages"


@pytest.mark.parametrize("case", ["stream_text", "stream_thinking_tool"])
def test_streamed_output_equals_generated(case: str) -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        events, streamed, generated = stream_both_ways(
            model,
            mock,
            URL,
            load_bytes("anthropic", f"{case}.sse"),
            load_fixture("anthropic", f"{case}.response.json"),
        )
        sent = json.loads(mock.calls[0].request.body)
    assert sent["stream"] is True
    assert streamed == generated
    assert isinstance(events[-1], StreamEnd)


def test_thinking_signature_and_input_json_deltas() -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(
            URL,
            body=load_bytes("anthropic", "stream_thinking_tool.sse"),
            content_type="text/event-stream",
        )
        events = list(model.stream("weather?"))
    assert events[:-1] == [
        ReasoningDelta("The user wants the weather. "),
        ReasoningDelta("I should call get_weather."),
        ReasoningDelta("", signature="EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"),
        TextDelta("Let me check."),
        ToolCallDelta(0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather"),
        ToolCallDelta(0, arguments=""),
        ToolCallDelta(0, arguments='{"location": "San Fra'),
        ToolCallDelta(0, arguments='ncisco, CA"}'),
    ]
    output = events[-1].output
    assert output.usage.input_tokens_cache_read == 100
    assert output.message.tool_calls[0].arguments == {"location": "San Francisco, CA"}


def sse(*events: Any) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


START = {
    "type": "message_start",
    "message": {
        "id": "msg_x",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-4-5",
        "stop_reason": None,
        "usage": {"input_tokens": 3, "output_tokens": 1},
    },
}
BLOCK = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
HELLO = {
    "type": "content_block_delta",
    "index": 0,
    "delta": {"type": "text_delta", "text": "Hello"},
}


def test_an_error_event_mid_stream_raises_with_the_partial_output() -> None:
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(URL, body=sse(START, BLOCK, HELLO, overloaded), content_type="text/event-stream")
        seen: List[Any] = []
        with pytest.raises(APIError, match="Overloaded") as caught:
            for event in model.stream("hi", config={"max_retries": 0}):
                seen.append(event)
    assert seen == [TextDelta("Hello")]
    assert caught.value.status == 529
    assert caught.value.output.completion == "Hello"
    assert model.api.is_rate_limit(caught.value)


def test_an_error_event_before_any_delta_is_retried() -> None:
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    stop = [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 2},
        },
        {"type": "message_stop"},
    ]
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(URL, body=sse(START, overloaded), content_type="text/event-stream")
        mock.post(URL, body=sse(START, BLOCK, HELLO, *stop), content_type="text/event-stream")
        output = model.stream("hi", config={"max_retries": 1, "timeout": 30}).final_output()
    assert output.completion == "Hello"
    assert output.usage.output_tokens == 2


def test_unknown_events_are_skipped_and_bad_json_is_a_format_error() -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    future = {"type": "future_event_type", "whatever": 1}
    with responses.RequestsMock() as mock:
        body = sse(START, future, BLOCK, HELLO) + b"event: content_block_delta\ndata: {oops\n\n"
        mock.post(URL, body=body, content_type="text/event-stream")
        with pytest.raises(ResponseFormatError) as caught:
            list(model.stream("hi"))
    assert caught.value.output.completion == "Hello"
