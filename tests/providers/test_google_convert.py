"""Unit tests for the Gemini converters (``_request``, ``_config``,
``_response``), each on its own, without HTTP.

Shapes follow https://ai.google.dev/api/generate-content (Part, Schema,
ThinkingConfig, UsageMetadata), https://ai.google.dev/api/caching#Schema for
the OpenAPI subset of ``parameters``, https://ai.google.dev/gemini-api/docs/thinking
(thinkingBudget for 2.5, thinkingLevel for 3) and
https://ai.google.dev/gemini-api/docs/thought-signatures.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from modelkit.errors import APIError, ConfigError
from modelkit.messages import (
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentReasoning,
    ContentText,
)
from modelkit.providers.google._config import schema_to_gemini, thinking_config
from modelkit.providers.google._request import media_part, messages_to_wire
from modelkit.providers.google._response import (
    choice_from_candidate,
    google_error,
    output_from,
    usage_from,
)
from modelkit.tools import ToolCall, ToolCallError

MODEL = "gemini-3-flash-preview"


# --- schemas ------------------------------------------------------------------


def test_schema_keeps_the_openapi_subset_and_drops_the_rest() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "email": {"type": "string", "format": "email"},
            "maybe": {"type": ["integer", "null"], "minimum": 0},
            "either": {"anyOf": [{"type": "string"}, {"type": "number"}]},
            "list": {"type": "array", "items": {"type": "boolean"}, "maxItems": 3},
        },
        "required": ["when"],
    }
    assert schema_to_gemini(schema) == {
        "type": "OBJECT",
        "properties": {
            "when": {"type": "STRING", "format": "date-time"},
            "email": {"type": "STRING"},
            "maybe": {"nullable": True, "type": "INTEGER", "minimum": 0},
            "either": {"anyOf": [{"type": "STRING"}, {"type": "NUMBER"}]},
            "list": {"type": "ARRAY", "items": {"type": "BOOLEAN"}, "maxItems": 3},
        },
        "required": ["when"],
    }


# --- thinking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effort", "model", "expected"),
    [
        (None, "gemini-2.5-flash", None),
        ("high", "gemini-2.0-flash", None),
        ("high", "gemini-1.5-pro", None),
        ("low", "gemma-3-27b-it", None),
        ("minimal", "gemini-2.5-flash-lite", {"thinkingBudget": 512, "includeThoughts": True}),
        ("high", "gemini-2.5-pro", {"thinkingBudget": 24576, "includeThoughts": True}),
        (
            "minimal",
            "gemini-3-flash-preview",
            {"thinkingLevel": "MINIMAL", "includeThoughts": True},
        ),
        ("minimal", "gemini-3-pro-preview", {"thinkingLevel": "LOW", "includeThoughts": True}),
        ("medium", "gemini-3.1-pro-preview", {"thinkingLevel": "MEDIUM", "includeThoughts": True}),
        ("high", "models/gemini-flash-latest", {"thinkingLevel": "HIGH", "includeThoughts": True}),
    ],
)
def test_reasoning_effort_mapping(
    effort: Optional[str], model: str, expected: Optional[Dict[str, Any]]
) -> None:
    assert thinking_config(effort, model) == expected


# --- media ------------------------------------------------------------------------


def test_local_files_are_read_and_base64_encoded(tmp_path: Path) -> None:
    image = tmp_path / "dot.webp"
    image.write_bytes(b"RIFF\x00\x00\x00\x00WEBP")  # a WebP header
    expected = {
        "inlineData": {
            "mimeType": "image/webp",
            "data": base64.b64encode(image.read_bytes()).decode(),
        }
    }
    assert media_part(str(image), None) == expected
    assert media_part(f"file://{image}", None) == expected


def test_unreadable_or_untyped_media_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read media file"):
        media_part(str(tmp_path / "missing.png"), None)
    with pytest.raises(ConfigError, match="media type"):
        media_part(str(tmp_path / "blob"), None)
    with pytest.raises(ConfigError, match="base64"):
        media_part("data:image/png,%89PNG", None)


# --- messages ---------------------------------------------------------------------


def test_tool_results_errors_ids_and_images() -> None:
    png = "data:image/png;base64,iVBORw0KGgo="
    messages = [
        ChatMessageUser(content="go"),
        ChatMessageAssistant(
            content="",
            tool_calls=[
                ToolCall(id="fc-1", function="shot", arguments={}),
                ToolCall(id="fc-2", function="fail", arguments={"x": 1}),
            ],
        ),
        ChatMessageTool(
            content=[ContentText(text="here"), ContentImage(image=png)], tool_call_id="fc-1"
        ),
        ChatMessageTool(
            content="",
            tool_call_id="fc-2",
            function="fail",
            error=ToolCallError(type="timeout", message="took too long"),
        ),
    ]
    _, contents = messages_to_wire(messages, MODEL)
    assert contents[1] == {
        "role": "model",
        "parts": [
            {"functionCall": {"name": "shot", "args": {}, "id": "fc-1"}},
            {"functionCall": {"name": "fail", "args": {"x": 1}, "id": "fc-2"}},
        ],
    }
    assert contents[2] == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "shot", "response": {"output": "here"}, "id": "fc-1"}},
            {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            {
                "functionResponse": {
                    "name": "fail",
                    "response": {"error": "took too long"},
                    "id": "fc-2",
                }
            },
        ],
    }


def test_a_tool_result_needs_a_name() -> None:
    with pytest.raises(ConfigError, match="function="):
        messages_to_wire([ChatMessageTool(content="x", tool_call_id="unknown")], MODEL)


def test_text_signatures_are_replayed_on_their_part() -> None:
    candidate = {
        "content": {
            "role": "model",
            "parts": [
                {"text": "thinking...", "thought": True, "thoughtSignature": "sig-thought"},
                {"text": "Part one.", "thoughtSignature": "sig-text"},
                {"functionCall": {"name": "a", "args": {}}},
                {"text": " Part two."},
                {"functionCall": {"name": "b", "args": {"k": 1}}, "thoughtSignature": "sig-b"},
            ],
        },
        "finishReason": "STOP",
    }
    message = choice_from_candidate(candidate, MODEL, "seed").message
    calls = message.tool_calls or []
    assert [c.function for c in calls] == ["a", "b"]
    _, contents = messages_to_wire([message], MODEL)
    assert contents == [
        {
            "role": "model",
            "parts": [
                {"text": "thinking...", "thought": True, "thoughtSignature": "sig-thought"},
                {"text": "Part one.", "thoughtSignature": "sig-text"},
                {"text": " Part two."},
                {"functionCall": {"name": "a", "args": {}}},
                {"functionCall": {"name": "b", "args": {"k": 1}}, "thoughtSignature": "sig-b"},
            ],
        }
    ]


def test_a_signature_with_nothing_after_it_still_goes_back() -> None:
    message = ChatMessageAssistant(
        content=[ContentReasoning(reasoning="", signature="lonely", redacted=True)]
    )
    _, contents = messages_to_wire([message], MODEL)
    assert contents[0]["parts"] == [{"text": "", "thoughtSignature": "lonely"}]


def test_other_models_reasoning_is_not_sent_to_gemini() -> None:
    foreign = ChatMessageAssistant(
        content=[
            ContentReasoning(reasoning="claude thoughts", signature="anthropic-sig"),
            ContentReasoning(reasoning="", redacted=True, data="encrypted"),
            ContentText(text="answer"),
        ],
        model="claude-sonnet-4-5",
    )
    _, contents = messages_to_wire([foreign], MODEL)
    assert contents[0]["parts"] == [{"text": "answer"}]


def test_local_ids_are_stable_and_unique_per_response() -> None:
    candidate = {
        "content": {
            "parts": [
                {"functionCall": {"name": "a", "args": {}}},
                {"functionCall": {"name": "a", "args": {}}},
            ]
        },
        "finishReason": "STOP",
    }
    first = choice_from_candidate(candidate, MODEL, "resp-1|0").message.tool_calls or []
    again = choice_from_candidate(candidate, MODEL, "resp-1|0").message.tool_calls or []
    other = choice_from_candidate(candidate, MODEL, "resp-2|0").message.tool_calls or []
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first + other}) == 4
    assert all(c.id.startswith("mk_") for c in first)


def test_args_that_are_not_an_object_become_a_parse_error() -> None:
    candidate = {"content": {"parts": [{"functionCall": {"name": "a", "args": [1, 2]}}]}}
    (call,) = choice_from_candidate(candidate, MODEL).message.tool_calls or []
    assert call.arguments == {} and call.parse_error is not None


# --- usage, stop reasons, errors --------------------------------------------------------


def test_tool_use_prompt_tokens_count_as_input() -> None:
    usage = usage_from(
        {
            "promptTokenCount": 10,
            "toolUsePromptTokenCount": 5,
            "candidatesTokenCount": 3,
            "totalTokenCount": 18,
        }
    )
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (15, 3, 18)
    assert usage.input_tokens_cache_read is None and usage.reasoning_tokens is None


def test_unknown_finish_reasons_are_unknown() -> None:
    body = {"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "NEW_ONE"}]}
    output = output_from(body, MODEL)
    assert output.stop_reason == "unknown"
    assert output.metadata == {"finish_reasons": ["NEW_ONE"]}


def test_error_without_json_and_list_shaped_errors() -> None:
    html = google_error(502, None, "<html>Bad Gateway</html>", {}, provider="google", model=MODEL)
    assert type(html) is APIError and html.status == 502 and "Bad Gateway" in str(html)
    listed = google_error(
        400,
        [{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}],
        "",
        {},
        provider="google",
        model=MODEL,
    )
    assert "bad (INVALID_ARGUMENT)" in str(listed)


def test_a_key_echoed_in_an_error_message_is_redacted() -> None:
    body = {"error": {"code": 400, "message": "key test-google-key is bad", "status": "X"}}
    error = google_error(
        400, body, "", {}, provider="google", model=MODEL, secrets=["test-google-key"]
    )
    assert "test-google-key" not in str(error)
    assert "test-google-key" not in json.dumps(error.body)


def test_generated_images_become_data_uris() -> None:
    candidate = {
        "content": {
            "parts": [
                {"text": "Here you go:"},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            ]
        },
        "finishReason": "STOP",
    }
    message = choice_from_candidate(candidate, "gemini-2.5-flash-image").message
    assert message.content == [
        ContentText(text="Here you go:"),
        ContentImage(image="data:image/png;base64,iVBORw0KGgo="),
    ]
