"""Citations, server-side tool parts and stop details come through ``Model.stream`` as through ``generate``.

Stream shapes as documented:

- OpenAI Responses (https://platform.openai.com/docs/api-reference/responses-streaming):
  ``response.output_item.added`` / ``response.output_text.delta`` /
  ``response.output_text.annotation.added`` events, then
  ``response.completed`` carrying the whole response (here a web search
  answer: ``reasoning``, ``web_search_call``, a ``message`` whose text has a
  ``url_citation``).
- Anthropic (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
  a text block's ``citations_delta`` events.
- OpenAI chat: a web search model's last chunk carries ``delta.annotations``
  (observed: openai-java issue 297 quotes one; the SDKs do not declare the
  field); Azure sends ``content_filter_results`` on each chunk's choice
  (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-streaming).
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
from openai_server_items import CITATION, MESSAGE, REASONING, SEARCH, response_body
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
    body = copy.deepcopy(response_body(REASONING, SEARCH, MESSAGE, model="gpt-5-2025-08-07"))
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
    assert isinstance(parts[2], ContentText) and parts[2].citations == [CITATION]


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


def test_anthropic_stream_citations_delta_lands_on_its_text() -> None:
    # The stream fixture's citations_delta (a web_search_result_location) and its
    # server-tool blocks: written for the streams tests in the documented shapes.
    from wire import load_bytes, load_fixture

    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _events, streamed, generated = stream_both_ways(
            model,
            mock,
            "https://api.anthropic.com/v1/messages",
            load_bytes("anthropic", "stream_server_tools.sse"),
            load_fixture("anthropic", "stream_server_tools.response.json"),
        )
    assert streamed == generated
    cited = [p for p in streamed.message.content if isinstance(p, ContentText) and p.citations]
    assert [c.url for p in cited for c in p.citations or []] == ["https://weather.example/paris"]
    assert cited[0].citations[0].internal == {"encrypted_index": "Eo8BCioIAhgBIiQyYjQ0"}  # type: ignore[index]


def _chat_chunk(delta: Dict[str, Any], **choice: Any) -> Dict[str, Any]:
    return {
        "id": "chatcmpl-s1",
        "object": "chat.completion.chunk",
        "created": 1741569952,
        "model": "gpt-4o-search-preview-2025-03-11",
        "choices": [{"index": 0, "delta": delta, **choice}],
    }


def test_openai_chat_stream_keeps_annotations_of_the_last_chunk() -> None:
    annotation = {
        "type": "url_citation",
        "url_citation": {
            "start_index": 0,
            "end_index": 10,
            "url": "https://apnews.com/article/x",
            "title": "AP News",
        },
    }
    chunks = [
        _chat_chunk({"role": "assistant", "content": "Good news "}),
        _chat_chunk({"content": "from AP."}),
        _chat_chunk({"annotations": [annotation]}),
        _chat_chunk({"annotations": [annotation]}, finish_reason="stop"),  # a repeat is one
    ]
    body = {
        "id": "chatcmpl-s1",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4o-search-preview-2025-03-11",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Good news from AP.",
                    "annotations": [annotation],
                },
                "finish_reason": "stop",
            }
        ],
    }
    stream = _sse(chunks, named=False) + b"data: [DONE]\n\n"
    model = get_model("openai/gpt-4o-search-preview", api_key="sk-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _events, streamed, generated = stream_both_ways(
            model, mock, "https://api.openai.com/v1/chat/completions", stream, body
        )
    assert streamed == generated
    assert streamed.message.content == [
        ContentText(
            text="Good news from AP.",
            citations=[
                UrlCitation(url="https://apnews.com/article/x", title="AP News", cited_text=(0, 10))
            ],
        )
    ]


def test_azure_stream_keeps_a_filtered_category_for_stop_details() -> None:
    safe = {"filtered": False, "severity": "safe"}
    chunks = [
        _chat_chunk(
            {"role": "assistant", "content": "Once upon"}, content_filter_results={"violence": safe}
        ),
        _chat_chunk(
            {},
            finish_reason="content_filter",
            content_filter_results={"violence": {"filtered": True, "severity": "medium"}},
        ),
        _chat_chunk({}, content_filter_results={"violence": safe}),
    ]
    stream = _sse(chunks, named=False) + b"data: [DONE]\n\n"
    body = {
        "id": "chatcmpl-s1",
        "object": "chat.completion",
        "model": "gpt-4o-search-preview-2025-03-11",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Once upon"},
                "finish_reason": "content_filter",
                "content_filter_results": {"violence": {"filtered": True, "severity": "medium"}},
            }
        ],
    }
    model = get_model("openai/gpt-4o", api_key="sk-test", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _events, streamed, generated = stream_both_ways(
            model, mock, "https://api.openai.com/v1/chat/completions", stream, body
        )
    assert streamed == generated
    details = streamed.choices[0].stop_details
    assert details is not None and details.category == "violence"
    assert details.explanation == "Content filtered: violence (medium)"
