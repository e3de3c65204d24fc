"""OpenAI chat-completions streaming: chunks to events, and the same output as ``generate``.

Fixtures follow the documented streaming bodies:
https://platform.openai.com/docs/api-reference/chat-streaming (the
``chat.completion.chunk`` object: ``choices[].delta`` with ``content`` and
``tool_calls`` pieces keyed by ``index``, ``finish_reason``, ``usage`` in a
last chunk with empty ``choices`` under ``stream_options.include_usage``,
``data: [DONE]``), https://platform.openai.com/docs/guides/function-calling
(streaming tool calls), and DeepSeek's
https://api-docs.deepseek.com/guides/reasoning_model (``reasoning_content``
deltas). Each ``<case>.sse`` has a ``<case>.response.json``: the same answer
non-streamed.
"""

from __future__ import annotations

import json
from typing import Any, List

import pytest
import responses
from responses import matchers
from wire import load_bytes, load_fixture, stream_both_ways

from modelkit import get_model
from modelkit._events import ReasoningDelta, StreamEnd, TextDelta, ToolCallDelta
from modelkit.errors import APIError, BadRequestError, RateLimitError, ResponseFormatError

URL = "https://api.openai.com/v1/chat/completions"
DEEPSEEK_URL = "https://api.deepseek.com/chat/completions"
AZURE_URL = (
    "https://res.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
    "?api-version=2024-10-21"
)


def deltas(events: List[Any]) -> List[Any]:
    return [e for e in events if not isinstance(e, StreamEnd)]


@pytest.mark.parametrize(
    "provider, url, case",
    [
        ("openai/gpt-4o-mini", URL, "stream_text"),
        ("openai/gpt-4o-mini", URL, "stream_tools"),
        ("deepseek/deepseek-reasoner", DEEPSEEK_URL, "stream_deepseek_reasoning"),
        ("azure/gpt-4o-mini", AZURE_URL, "stream_text"),
    ],
)
def test_streamed_output_equals_generated(provider: str, url: str, case: str) -> None:
    base = "https://res.openai.azure.com" if provider.startswith("azure") else None
    model = get_model(provider, api_key="sk-test", base_url=base, memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        events, streamed, generated = stream_both_ways(
            model,
            mock,
            url,
            load_bytes("openai", f"{case}.sse"),
            load_fixture("openai", f"{case}.response.json"),
        )
    assert streamed == generated
    assert isinstance(events[-1], StreamEnd) and events[-1].output is streamed
    assert streamed.call is not None and streamed.call.response["choices"]


def test_text_events_and_stream_request() -> None:
    model = get_model("openai/gpt-4o-mini", api_key="sk-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        expected = {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        mock.post(
            URL,
            body=load_bytes("openai", "stream_text.sse"),
            content_type="text/event-stream",
            match=[matchers.json_params_matcher(expected)],
        )
        events = list(model.stream("hi"))
    assert deltas(events) == [TextDelta("Hello"), TextDelta("! How can I help?")]
    output = events[-1].output
    assert output.usage.input_tokens == 9 and output.usage.output_tokens == 8
    assert model.usage.total_tokens == 17


def test_tool_call_and_reasoning_deltas() -> None:
    model = get_model("openai/gpt-4o-mini", api_key="sk-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(
            URL, body=load_bytes("openai", "stream_tools.sse"), content_type="text/event-stream"
        )
        events = list(model.stream("weather?"))
    assert deltas(events) == [
        ToolCallDelta(0, "call_abc123", "get_weather", ""),
        ToolCallDelta(0, None, None, '{"loc'),
        ToolCallDelta(0, None, None, 'ation": "Paris"}'),
        ToolCallDelta(1, "call_def456", "get_time", '{"zone": "CET"}'),
    ]
    deepseek = get_model("deepseek/deepseek-reasoner", api_key="sk-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(
            DEEPSEEK_URL,
            body=load_bytes("openai", "stream_deepseek_reasoning.sse"),
            content_type="text/event-stream",
        )
        events = list(deepseek.stream("which is bigger?"))
    assert deltas(events) == [
        ReasoningDelta("9.11 vs 9.8: "),
        ReasoningDelta("0.8 > 0.11."),
        TextDelta("9.8 is greater."),
    ]


def sse(*chunks: Any) -> bytes:
    return b"".join(
        b"data: " + (c if isinstance(c, bytes) else json.dumps(c).encode()) + b"\n\n"
        for c in chunks
    )


CHUNK = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}


def test_error_chunk_mid_stream_raises_with_the_partial_output() -> None:
    model = get_model("openai/gpt-4o-mini", api_key="sk-test", memoize=False)
    error = {"error": {"message": "The server had an error", "type": "server_error", "code": None}}
    with responses.RequestsMock() as mock:
        mock.post(URL, body=sse(CHUNK, error), content_type="text/event-stream")
        seen: List[Any] = []
        with pytest.raises(APIError, match="The server had an error") as caught:
            for event in model.stream("hi", config={"max_retries": 0}):
                seen.append(event)
    assert seen == [TextDelta("Hi")]
    assert caught.value.output.completion == "Hi"
    assert caught.value.call.request["stream"] is True


def test_malformed_chunk_is_a_response_format_error() -> None:
    model = get_model("openai/gpt-4o-mini", api_key="sk-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(URL, body=sse(CHUNK, b"{not json"), content_type="text/event-stream")
        with pytest.raises(ResponseFormatError, match="malformed stream event") as caught:
            list(model.stream("hi"))
    assert caught.value.output.completion == "Hi"


def test_a_stream_without_its_end_is_a_connection_error() -> None:
    model = get_model("openai/gpt-4o-mini", api_key="sk-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(URL, body=sse(CHUNK), content_type="text/event-stream")
        with pytest.raises(APIError, match="ended before") as caught:
            list(model.stream("hi", config={"max_retries": 0}))
    assert caught.value.output.completion == "Hi"


def test_error_status_before_the_stream_maps_like_generate() -> None:
    model = get_model("openai/gpt-4o-mini", api_key="sk-secret-1234", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(URL, json=load_fixture("openai", "invalid_key.error.json"), status=401)
        with pytest.raises(BadRequestError) as caught:
            list(model.stream("hi"))
        assert caught.value.call.status == 401
        assert "sk-secret-1234" not in json.dumps(caught.value.call.to_dict())
        rate = {"error": {"message": "slow down", "type": "requests", "code": "rate_limit"}}
        mock.post(URL, json=rate, status=429)
        with pytest.raises(RateLimitError):
            list(model.stream("hi", config={"max_retries": 0}))


def test_context_length_error_streams_as_a_model_length_answer() -> None:
    model = get_model("openai/gpt-4o-mini", api_key="sk-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(URL, json=load_fixture("openai", "context_length.error.json"), status=400)
        events = list(model.stream("a very long prompt"))
    assert events[-1].output.stop_reason == "model_length"


def test_preset_without_stream_options_leaves_it_off() -> None:
    from modelkit.providers.openai._request import WireOptions

    model = get_model("openai/gpt-4o-mini", api_key="sk-test", memoize=False)
    model.api.wire_options = lambda config: WireOptions(  # type: ignore[method-assign]
        unsupported=frozenset({"stream_options"})
    )
    request = model.api.stream_request(
        model.api.build_request(model.prepare("hi").input, [], "none", model.config),
        model.config,
    )
    assert request.body["stream"] is True and "stream_options" not in request.body
