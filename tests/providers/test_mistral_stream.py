"""Mistral chat streaming: chunks to deltas, and the same output as ``generate``.

Fixtures follow the chat completions reference with ``stream: true``
(https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post:
``CompletionEvent`` chunks, ``delta.content`` as a string or as ``text`` /
``thinking`` chunks for Magistral models, whole ``tool_calls`` (client-python
``src/mistralai/client/models/toolcall.py``: ``index`` optional, read as 0),
``finish_reason`` and ``usage`` on the last chunk, ``data: [DONE]``).
"""

from __future__ import annotations

import json
from typing import Any, List

import pytest
import responses
from wire import load_bytes, load_fixture, stream_both_ways

from modelkit import get_model
from modelkit._events import ReasoningDelta, TextDelta, ToolCallDelta

URL = "https://api.mistral.ai/v1/chat/completions"


@pytest.mark.parametrize(
    "model_name, case",
    [
        ("mistral-small-latest", "stream_text"),
        ("magistral-medium-latest", "stream_thinking_tools"),
    ],
)
def test_streamed_output_equals_generated(model_name: str, case: str) -> None:
    model = get_model(f"mistral/{model_name}", api_key="mistral-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _events, streamed, generated = stream_both_ways(
            model,
            mock,
            URL,
            load_bytes("mistral", f"{case}.sse"),
            load_fixture("mistral", f"{case}.response.json"),
        )
        assert json.loads(mock.calls[0].request.body)["stream"] is True
        assert mock.calls[0].request.headers["accept"] == "text/event-stream"
    assert streamed == generated


def _stream(model_name: str, case: str) -> List[Any]:
    """The events ``model.stream`` yields for the recorded stream ``case``."""
    model = get_model(f"mistral/{model_name}", api_key="mistral-test", memoize=False)
    with responses.RequestsMock() as mock:
        body = load_bytes("mistral", f"{case}.sse")
        mock.post(URL, body=body, content_type="text/event-stream")
        return list(model.stream("weather?"))


def test_thinking_text_and_tool_call_deltas() -> None:
    events = _stream("magistral-medium-latest", "stream_thinking_tools")
    assert events[:-1] == [
        ReasoningDelta("The user wants "),
        ReasoningDelta("the weather."),
        TextDelta("Checking."),
        ToolCallDelta(0, "D681PevKs", "get_weather", '{"city": "Paris"}'),
    ]


def test_parallel_whole_calls_on_index_zero_stay_apart() -> None:
    """client-python ``models/toolcall.py``: ``function.name`` required, ``index``
    optional (read as 0), ``id`` optional — each piece is a whole call."""
    events = _stream("mistral-small-latest", "stream_parallel_tools")
    assert events[:-1] == [
        ToolCallDelta(0, "a1b2c3d4e", "get_weather", '{"city": "Paris"}'),
        ToolCallDelta(1, "f5g6h7i8j", "get_weather", '{"city": "Rome"}'),
        ToolCallDelta(2, None, "get_time", '{"city": "Oslo"}'),
    ]
    calls = events[-1].output.message.tool_calls
    assert [(c.function, c.arguments) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome"}),
        ("get_time", {"city": "Oslo"}),
    ]
