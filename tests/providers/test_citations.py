"""Citations from OpenAI annotations and Gemini grounding, on the text they belong to.

Shapes as documented:

- OpenAI Chat Completions, web search models
  (https://platform.openai.com/docs/guides/tools-web-search?api-mode=chat):
  ``message.annotations: [{"type": "url_citation", "url_citation":
  {"start_index", "end_index", "url", "title"}}]``.
- OpenAI Responses (https://platform.openai.com/docs/api-reference/responses/object):
  ``output_text.annotations: [{"type": "url_citation", "start_index",
  "end_index", "url", "title"}, {"type": "file_citation", "file_id",
  "filename", "index"}]``.
- Gemini grounding with Google Search
  (https://ai.google.dev/gemini-api/docs/google-search, "attributing sources
  with inline citations"): ``groundingMetadata.groundingChunks[].web
  {uri, title}``, ``groundingSupports[] {segment {startIndex, endIndex,
  text}, groundingChunkIndices}``, offsets in UTF-8 bytes of the text
  (``Segment`` in https://ai.google.dev/api/generate-content).
"""

from __future__ import annotations

from modelkit import DocumentCitation, UrlCitation
from modelkit.messages import ContentText
from modelkit.providers.google._response import output_from as google_output
from modelkit.providers.openai._response import ParseOptions, parse_completion
from modelkit.providers.openai._responses_response import parse_responses_body

ANSWER = "The 2024 final was won by Spain, according to UEFA."


def test_openai_chat_url_citations() -> None:
    body = {
        "id": "chatcmpl-web1",
        "model": "gpt-4o-search-preview",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {
                    "role": "assistant",
                    "content": ANSWER,
                    "annotations": [
                        {
                            "type": "url_citation",
                            "url_citation": {
                                "start_index": 0,
                                "end_index": 38,
                                "url": "https://www.uefa.com/euro2024/",
                                "title": "UEFA EURO 2024",
                            },
                        }
                    ],
                },
            }
        ],
    }
    output = parse_completion(body, "gpt-4o-search-preview", ParseOptions())
    assert output.completion == ANSWER
    assert output.message.content == [
        ContentText(
            text=ANSWER,
            citations=[
                UrlCitation(
                    url="https://www.uefa.com/euro2024/", title="UEFA EURO 2024", cited_text=(0, 38)
                )
            ],
        )
    ]


def test_openai_chat_without_annotations_stays_a_string() -> None:
    body = {
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "Hi", "annotations": []},
            }
        ],
    }
    assert parse_completion(body, "gpt-4o", ParseOptions()).message.content == "Hi"


def test_responses_url_and_file_citations() -> None:
    body = {
        "id": "resp_web1",
        "model": "gpt-5",
        "status": "completed",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {
                        "type": "output_text",
                        "text": ANSWER,
                        "annotations": [
                            {
                                "type": "url_citation",
                                "start_index": 0,
                                "end_index": 38,
                                "url": "https://www.uefa.com/euro2024/",
                                "title": "UEFA EURO 2024",
                            },
                            {
                                "type": "file_citation",
                                "file_id": "file-2dtbBZdjtDKS8eqWxqbgDi",
                                "filename": "results.pdf",
                                "index": 42,
                            },
                        ],
                    }
                ],
            }
        ],
    }
    output = parse_responses_body(body, "gpt-5")
    part = output.message.content[0]
    assert isinstance(part, ContentText)
    assert part.citations == [
        UrlCitation(
            url="https://www.uefa.com/euro2024/", title="UEFA EURO 2024", cited_text=(0, 38)
        ),
        DocumentCitation(
            title="results.pdf", internal={"file_id": "file-2dtbBZdjtDKS8eqWxqbgDi", "index": 42}
        ),
    ]
    assert output.completion == ANSWER


def test_gemini_grounding_lands_on_the_part_it_cites() -> None:
    first = "Café owners say "  # 'é' is two bytes: offsets are bytes
    second = "Spain won Euro 2024."
    byte_start = len((first).encode())
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": first}, {"text": second}]},
                "finishReason": "STOP",
                "index": 0,
                "groundingMetadata": {
                    "webSearchQueries": ["euro 2024 winner"],
                    "groundingChunks": [
                        {
                            "web": {
                                "uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/a",
                                "title": "uefa.com",
                            }
                        },
                        {
                            "web": {
                                "uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/b",
                                "title": "bbc.com",
                            }
                        },
                    ],
                    "groundingSupports": [
                        {
                            "segment": {
                                "startIndex": 0,
                                "endIndex": len(first.encode()) - 1,
                                "text": first.strip(),
                            },
                            "groundingChunkIndices": [1],
                        },
                        {
                            "segment": {
                                "startIndex": byte_start,
                                "endIndex": byte_start + len(second),
                                "text": second,
                            },
                            "groundingChunkIndices": [0, 1],
                        },
                    ],
                },
            }
        ],
        "modelVersion": "gemini-2.5-flash",
    }
    output = google_output(body, "gemini-2.5-flash")
    parts = output.message.content
    assert isinstance(parts, list) and len(parts) == 2
    a, b = parts
    assert isinstance(a, ContentText) and isinstance(b, ContentText)
    assert a.citations == [
        UrlCitation(
            url="https://vertexaisearch.cloud.google.com/grounding-api-redirect/b",
            title="bbc.com",
            cited_text=(0, len(first) - 1),  # characters, not bytes
        )
    ]
    assert [c.title for c in b.citations or []] == ["uefa.com", "bbc.com"]
    assert all(c.cited_text == (0, len(second)) for c in b.citations or [])
    assert output.completion == first + "\n" + second


def test_gemini_without_grounding_stays_a_string() -> None:
    body = {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": "Hi"}]}, "finishReason": "STOP"}
        ],
    }
    assert google_output(body, "gemini-2.5-flash").message.content == "Hi"
