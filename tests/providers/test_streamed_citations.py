"""Citations, server-side tool parts and stop details come through ``Model.stream`` as through ``generate``.

Stream shapes as documented:

- OpenAI Responses (https://platform.openai.com/docs/api-reference/responses-streaming):
  ``response.output_item.added`` / ``response.output_text.delta`` /
  ``response.output_text.annotation.added`` events, then
  ``response.completed`` carrying the whole response (here a web search
  answer: ``reasoning``, ``web_search_call``, a ``message`` whose text has a
  ``url_citation``).
- Gemini (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent):
  ``GenerateContentResponse`` chunks; the last one carries ``finishReason``,
  ``groundingMetadata`` and ``safetyRatings``.

Each stream is compared with ``generate`` on the equivalent body.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List

import responses
from test_openai_responses_tools import BODY as SEARCH_BODY
from wire import stream_both_ways

from modelkit import UrlCitation, get_model
from modelkit._events import TextDelta
from modelkit.messages import ContentText, ContentToolUse


def _sse(events: List[Dict[str, Any]], named: bool = True) -> bytes:
    lines = []
    for event in events:
        if named:
            lines.append(f"event: {event['type']}")
        lines.append(f"data: {json.dumps(event)}")
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


def test_responses_stream_keeps_search_calls_and_citations() -> None:
    body = copy.deepcopy(SEARCH_BODY)
    message = body["output"][2]
    text = message["content"][0]["text"]
    events = [
        {
            "type": "response.created",
            "sequence_number": 0,
            "response": dict(body, status="in_progress", output=[]),
        },
        {
            "type": "response.output_item.added",
            "sequence_number": 1,
            "output_index": 1,
            "item": body["output"][1],
        },
        {
            "type": "response.output_item.done",
            "sequence_number": 2,
            "output_index": 1,
            "item": body["output"][1],
        },
        {
            "type": "response.output_text.delta",
            "sequence_number": 3,
            "item_id": message["id"],
            "output_index": 2,
            "content_index": 0,
            "delta": text,
        },
        {
            "type": "response.output_text.annotation.added",
            "sequence_number": 4,
            "item_id": message["id"],
            "output_index": 2,
            "content_index": 0,
            "annotation_index": 0,
            "annotation": message["content"][0]["annotations"][0],
        },
        {"type": "response.completed", "sequence_number": 5, "response": body},
    ]
    model = get_model("openai/gpt-5", api_key="sk-test", memoize=False, responses_api=True)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        stream_events, streamed, generated = stream_both_ways(
            model, mock, "https://api.openai.com/v1/responses", _sse(events), body
        )
    assert TextDelta(text) in stream_events
    assert streamed == generated
    parts = streamed.message.content
    assert isinstance(parts, list) and isinstance(parts[1], ContentToolUse)
    assert isinstance(parts[2], ContentText) and parts[2].citations == [
        UrlCitation(
            url="https://www.example.com/good-news",
            title="Good news of the day",
            cited_text=(0, 14),
        )
    ]


GROUNDING = {
    "webSearchQueries": ["euro 2024 winner"],
    "groundingChunks": [{"web": {"uri": "https://example.com/uefa", "title": "uefa.com"}}],
    "groundingSupports": [
        {
            "segment": {"startIndex": 0, "endIndex": 20, "text": "Spain won Euro 2024."},
            "groundingChunkIndices": [0],
        }
    ],
}


def test_gemini_stream_keeps_grounding_and_safety() -> None:
    ratings = [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]
    chunks = [
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": "Spain won "}]}, "index": 0}
            ]
        },
        {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": "Euro 2024."}]},
                    "finishReason": "STOP",
                    "index": 0,
                    "groundingMetadata": GROUNDING,
                    "safetyRatings": ratings,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 8,
                "candidatesTokenCount": 6,
                "totalTokenCount": 14,
            },
            "modelVersion": "gemini-2.5-flash",
        },
    ]
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "Spain won Euro 2024."}]},
                "finishReason": "STOP",
                "index": 0,
                "groundingMetadata": GROUNDING,
                "safetyRatings": ratings,
            }
        ],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 6, "totalTokenCount": 14},
        "modelVersion": "gemini-2.5-flash",
    }
    root = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
    model = get_model("google/gemini-2.5-flash", api_key="goog-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _events, streamed, generated = stream_both_ways(
            model,
            mock,
            f"{root}:generateContent",
            _sse(chunks, named=False),
            body,
            stream_url=f"{root}:streamGenerateContent?alt=sse",
        )
    assert streamed == generated
    (part,) = streamed.message.content  # type: ignore[misc]
    assert isinstance(part, ContentText)
    assert part.citations == [
        UrlCitation(url="https://example.com/uefa", title="uefa.com", cited_text=(0, 20))
    ]
