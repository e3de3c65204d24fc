"""Image output asked for per call, and streamed, equals ``generate``'s.

Inspect 0.3.285 (``_providers/openai.py``, ``uses_responses_api``) sends a
call whose config asks for image output through the Responses API even on a
model that otherwise uses chat completions; modelkit does the same per call.

Stream shapes as documented:

- OpenAI Responses streaming
  (https://platform.openai.com/docs/api-reference/responses-streaming, and
  openai-python's ``ResponseImageGenCall*Event`` / ``ResponseOutputItem``
  types): ``response.output_item.added`` for an ``image_generation_call``
  item, ``response.image_generation_call.in_progress`` / ``.generating`` /
  ``.partial_image`` (``partial_image_b64``, ``partial_image_index``) /
  ``.completed`` (ids only), ``response.output_item.done`` with the item's
  base64 ``result``, then ``response.completed`` with the whole response.
- Gemini ``streamGenerateContent?alt=sse``
  (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent,
  ``Part.inlineData`` with ``mimeType`` and base64 ``data``): with
  ``responseModalities: ["TEXT", "IMAGE"]`` an image arrives as an
  ``inlineData`` part in a chunk of its own, between text parts.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List

import pytest
import responses
from test_image_output import DRAWN, PIXEL
from wire import stream_both_ways

from modelkit import (
    ChatMessageUser,
    ConfigError,
    ContentImage,
    ContentText,
    GenerateConfig,
    ImageOutput,
    get_model,
)
from modelkit._events import TextDelta

RESPONSES = "https://api.openai.com/v1/responses"
ASK = GenerateConfig(modalities=[ImageOutput(options={"openai": {"partial_images": 1}})])


def _sse(events: List[Dict[str, Any]], named: bool = True) -> bytes:
    lines = []
    for event in events:
        if named:
            lines.append(f"event: {event['type']}")
        lines.append(f"data: {json.dumps(event)}")
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


def _drawing_events(body: Dict[str, Any]) -> List[Dict[str, Any]]:
    image, message = body["output"]
    text = message["content"][0]["text"]
    started = dict(image, status="in_progress")
    del started["result"]
    ids = {"item_id": image["id"], "output_index": 0}
    events: List[Dict[str, Any]] = [
        {"type": "response.created", "response": dict(body, status="in_progress", output=[])},
        {"type": "response.output_item.added", "output_index": 0, "item": started},
        {"type": "response.image_generation_call.in_progress", **ids},
        {"type": "response.image_generation_call.generating", **ids},
        {
            "type": "response.image_generation_call.partial_image",
            **ids,
            "partial_image_index": 0,
            "partial_image_b64": PIXEL,
        },
        {"type": "response.image_generation_call.completed", **ids},
        {"type": "response.output_item.done", "output_index": 0, "item": image},
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": dict(message, status="in_progress", content=[]),
        },
        {
            "type": "response.output_text.delta",
            "item_id": message["id"],
            "output_index": 1,
            "content_index": 0,
            "delta": text,
        },
        {"type": "response.output_item.done", "output_index": 1, "item": message},
        {"type": "response.completed", "response": body},
    ]
    return [dict(event, sequence_number=n) for n, event in enumerate(events)]


def test_a_chat_model_draws_per_call_through_responses() -> None:
    model = get_model("openai/gpt-4.1", api_key="sk-test", memoize=False)
    assert model.api.responses_api is False  # type: ignore[attr-defined]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(RESPONSES, json=DRAWN)
        mock.post("https://api.openai.com/v1/chat/completions", json=CHAT)
        drawn = model.generate("Draw a cat", config=ASK)
        plain = model.generate("Say hi")
        sent = json.loads(mock.calls[0].request.body)
        urls = [call.request.url for call in mock.calls]
    assert urls == [RESPONSES, "https://api.openai.com/v1/chat/completions"]
    assert sent["tools"] == [{"type": "image_generation", "partial_images": 1}]
    assert drawn.message.content[0] == ContentImage(image=f"data:image/png;base64,{PIXEL}")
    assert plain.completion == "Hi."  # the model itself stays on chat completions
    assert model.api.responses_api is False  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="to build it for chat completions, pass responses_api=True"):
        model.api.build_request([ChatMessageUser(content="Draw")], [], "none", ASK)  # type: ignore[attr-defined]


def test_a_streamed_drawing_equals_the_generated_one() -> None:
    model = get_model("openai/gpt-4.1", api_key="sk-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        events, streamed, generated = stream_both_ways(
            model, mock, RESPONSES, _sse(_drawing_events(DRAWN)), DRAWN, "Draw a cat", config=ASK
        )
        sent = json.loads(mock.calls[0].request.body)
    assert sent["stream"] is True and sent["tools"][0]["type"] == "image_generation"
    assert TextDelta("Here is your cat.") in events
    assert streamed == generated
    assert streamed.message.content == [
        ContentImage(image=f"data:image/png;base64,{PIXEL}"),
        ContentText(text="Here is your cat."),
    ]


GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash-image"
GEMINI_BODY: Dict[str, Any] = {
    "candidates": [
        {
            "index": 0,
            "content": {
                "role": "model",
                "parts": [
                    {"text": "Here is a cat."},
                    {"inlineData": {"mimeType": "image/png", "data": PIXEL}},
                    {"text": "Anything else?"},
                ],
            },
            "finishReason": "STOP",
        }
    ],
    "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 1300, "totalTokenCount": 1305},
    "modelVersion": "gemini-2.5-flash-image",
    "responseId": "r1",
}


def _gemini_chunks() -> List[Dict[str, Any]]:
    parts = GEMINI_BODY["candidates"][0]["content"]["parts"]
    chunks = []
    for n, part in enumerate(parts):
        candidate: Dict[str, Any] = {"index": 0, "content": {"role": "model", "parts": [part]}}
        if n == len(parts) - 1:
            candidate["finishReason"] = "STOP"
        chunk = {"candidates": [candidate], "modelVersion": "gemini-2.5-flash-image"}
        if n == len(parts) - 1:
            chunk.update(usageMetadata=GEMINI_BODY["usageMetadata"], responseId="r1")
        chunks.append(chunk)
    return chunks


def test_a_streamed_gemini_image_equals_the_generated_one() -> None:
    model = get_model("google/gemini-2.5-flash-image", api_key="goog-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        events, streamed, generated = stream_both_ways(
            model,
            mock,
            f"{GEMINI}:generateContent",
            _sse(_gemini_chunks(), named=False),
            copy.deepcopy(GEMINI_BODY),
            "Draw a cat",
            stream_url=f"{GEMINI}:streamGenerateContent?alt=sse",
            config=GenerateConfig(modalities=["image"]),
        )
        sent = json.loads(mock.calls[0].request.body)
    assert sent["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    assert streamed == generated
    assert streamed.message.content == [
        ContentText(text="Here is a cat."),
        ContentImage(image=f"data:image/png;base64,{PIXEL}"),
        ContentText(text="Anything else?"),
    ]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == streamed.completion


CHAT: Dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1741476542,
    "model": "gpt-4.1-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}
