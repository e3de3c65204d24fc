"""Gemini streaming: ``streamGenerateContent?alt=sse`` chunks, and the same output as ``generate``.

Fixtures follow https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
(each SSE ``data:`` a ``GenerateContentResponse`` carrying the next parts,
``finishReason`` on the last chunk, cumulative ``usageMetadata``) and
https://ai.google.dev/gemini-api/docs/thinking (``thought: true`` summary
parts, ``thoughtSignature`` on a ``functionCall`` part). Each ``<case>.sse``
has a ``<case>.response.json``: the same answer from ``generateContent``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from wire import load_bytes, load_fixture, stream_both_ways

from modelkit import get_model
from modelkit._events import ReasoningDelta, TextDelta, ToolCallDelta
from modelkit.errors import APIConnectionError, RateLimitError

ROOT = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
URL = f"{ROOT}:generateContent"
STREAM_URL = f"{ROOT}:streamGenerateContent?alt=sse"


@pytest.mark.parametrize("case", ["stream_thinking", "stream_tools"])
def test_streamed_output_equals_generated(case: str) -> None:
    model = get_model("google/gemini-2.5-flash", api_key="goog-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _events, streamed, generated = stream_both_ways(
            model,
            mock,
            URL,
            load_bytes("google", f"{case}.sse"),
            load_fixture("google", f"{case}.response.json"),
            stream_url=STREAM_URL,
        )
        assert mock.calls[0].request.url == STREAM_URL
        assert mock.calls[0].request.headers["x-goog-api-key"] == "goog-test"
    assert streamed == generated


def test_thought_text_and_function_call_deltas() -> None:
    model = get_model("google/gemini-2.5-flash", api_key="goog-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(
            STREAM_URL,
            body=load_bytes("google", "stream_thinking.sse"),
            content_type="text/event-stream",
        )
        events = list(model.stream("why is the sky blue?"))
    assert events[:-1] == [
        ReasoningDelta("**Weighing the sky**\nRayleigh scattering."),
        TextDelta("The sky"),
        TextDelta(" is blue because of Rayleigh scattering."),
    ]
    assert events[-1].output.usage.output_tokens == 29
    with responses.RequestsMock() as mock:
        mock.post(
            STREAM_URL,
            body=load_bytes("google", "stream_tools.sse"),
            content_type="text/event-stream",
        )
        events = list(model.stream("weather?"))
    assert events[1] == ToolCallDelta(0, None, "get_weather", '{"location": "Paris"}')


def chunk(text: str, **candidate: Any) -> bytes:
    data = {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, **candidate}]}
    return f"data: {json.dumps(data)}\n\n".encode()


def test_a_stream_without_a_finish_reason_is_cut_off() -> None:
    model = get_model("google/gemini-2.5-flash", api_key="goog-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(STREAM_URL, body=chunk("Hel"), content_type="text/event-stream")
        with pytest.raises(APIConnectionError, match="ended before") as caught:
            list(model.stream("hi", config={"max_retries": 0}))
    assert caught.value.output.completion == "Hel"


def test_an_error_chunk_raises_the_api_error() -> None:
    error = {
        "error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}
    }
    model = get_model("google/gemini-2.5-flash", api_key="goog-test", memoize=False)
    with responses.RequestsMock() as mock:
        body = chunk("Hel") + f"data: {json.dumps(error)}\n\n".encode()
        mock.post(STREAM_URL, body=body, content_type="text/event-stream")
        with pytest.raises(RateLimitError) as caught:
            list(model.stream("hi", config={"max_retries": 0}))
    assert caught.value.output.completion == "Hel"
