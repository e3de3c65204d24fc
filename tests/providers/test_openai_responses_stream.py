"""OpenAI Responses API streaming: ``response.*`` events to deltas, and the same output as ``generate``.

The ``.sse`` fixtures under ``tests/fixtures/openai-responses/`` follow
https://platform.openai.com/docs/api-reference/responses-streaming (typed
events: ``response.created``, ``response.output_item.added``,
``response.output_text.delta``, ``response.reasoning_summary_text.delta``,
``response.function_call_arguments.delta``, ``response.completed`` with the
whole response, ``response.failed``, ``error``) and the openai-python SDK's
``types/responses/response_stream_event.py``; each is the streamed form of
the same case's ``.response.json``.
"""

from __future__ import annotations

import json

import pytest
import responses
from wire import load_bytes, load_fixture, stream_both_ways

from modelkit import get_model
from modelkit._events import ReasoningDelta, StreamEnd, TextDelta, ToolCallDelta
from modelkit.errors import RateLimitError

URL = "https://api.openai.com/v1/responses"
TOOL = {
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def test_reasoning_and_text_stream_equal_generate() -> None:
    model = get_model("openai/o3-pro", api_key="sk-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        events, streamed, generated = stream_both_ways(
            model,
            mock,
            URL,
            load_bytes("openai-responses", "stream_reasoning.sse"),
            load_fixture("openai-responses", "reasoning_turn.response.json"),
        )
        sent = json.loads(mock.calls[0].request.body)
    assert sent["stream"] is True and sent["store"] is False and "stream_options" not in sent
    assert [e for e in events if not isinstance(e, StreamEnd)] == [
        ReasoningDelta("**Checking the product**\n\n"),
        ReasoningDelta("The calculator confirms 391."),
        TextDelta("17 * 23"),
        TextDelta(" = 391."),
    ]
    assert streamed == generated
    assert streamed.usage is not None and streamed.usage.reasoning_tokens == 320


def test_function_call_stream() -> None:
    from modelkit.tools import ToolInfo

    model = get_model("openai/gpt-4.1", api_key="sk-test", memoize=False, responses_api=True)
    tools = [ToolInfo.from_dict(TOOL)]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        events, streamed, generated = stream_both_ways(
            model,
            mock,
            URL,
            load_bytes("openai-responses", "stream_tools.sse"),
            load_fixture("openai-responses", "tools.response.json"),
            tools=tools,
        )
    assert [e for e in events if not isinstance(e, StreamEnd)] == [
        ToolCallDelta(0, "call_unLAR8MvFNptuiZK6K6HCy5k", "get_weather", ""),
        ToolCallDelta(0, arguments='{"city":'),
        ToolCallDelta(0, arguments='"Paris"}'),
    ]
    assert streamed == generated and streamed.stop_reason == "tool_calls"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "error", "code": "rate_limit_exceeded", "message": "Slow down", "param": None},
        {
            "type": "response.failed",
            "response": {
                "id": "resp_1",
                "status": "failed",
                "error": {"code": "rate_limit_exceeded", "message": "Slow down"},
                "output": [],
            },
        },
    ],
)
def test_failure_events_raise(event: dict) -> None:  # type: ignore[type-arg]
    model = get_model("openai/gpt-4o", api_key="sk-test", memoize=False, responses_api=True)
    created = {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}}
    body = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in (created, event))
    with responses.RequestsMock() as mock:
        mock.post(URL, body=body.encode(), content_type="text/event-stream")
        with pytest.raises(RateLimitError, match="Slow down"):
            with model.stream("hi", config={"max_retries": 0}) as stream:
                list(stream)
