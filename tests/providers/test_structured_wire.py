"""``response_schema`` on the wire: each API's native structured-output mode, or a forced tool.

Request fixtures (``tests/fixtures/structured/<case>.request.json``) follow:
OpenAI https://platform.openai.com/docs/guides/structured-outputs
(``response_format: {"type": "json_schema", "json_schema": {name, schema,
description, strict}}``), which Together (togethercomputer/openapi
``openapi.yaml`` ``ResponseFormatJsonSchema``) and Fireworks
(https://docs.fireworks.ai/structured-responses/structured-response-formatting)
take unchanged; llama-cpp-python's server
(``{"type": "json_object", "schema": ...}``, llama_cpp/server/types.py
``ChatCompletionRequestResponseFormat``; 0.3.36 answers the OpenAI shape
with HTTP 500); DeepSeek JSON mode https://api-docs.deepseek.com/guides/json_mode
(``{"type": "json_object"}`` and the word "json" in the prompt); Anthropic
https://platform.claude.com/docs/en/build-with-claude/structured-outputs
and anthropic-sdk-python ``src/anthropic/types/output_config_param.py`` /
``json_output_format_param.py`` (GA since SDK 0.77.0, 2026-01-29:
``output_config.format: {"type": "json_schema", "schema"}``, no beta header;
the older ``output_format`` + ``structured-outputs-2025-11-13`` beta is
deprecated; generally available on Claude 4.5 and 4.6 models) and, for
other models, a forced tool (``tool_choice: {"type": "tool", "name"}``);
Gemini https://ai.google.dev/gemini-api/docs/structured-output
(``responseMimeType`` + ``responseJsonSchema``); Mistral
https://docs.mistral.ai/capabilities/structured-output/custom_structured_output/
(``response_format`` ``json_schema``); Bedrock Converse ``toolConfig``
with ``toolChoice.tool`` (Converse has no JSON-Schema mode).
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
import responses
from responses import matchers
from wire import load_fixture

from modelkit import GenerateConfig, ResponseSchema, get_model
from modelkit._events import TextDelta
from modelkit.errors import ConfigError
from modelkit.providers.bedrock import _sigv4

SCHEMA = ResponseSchema(
    name="city",
    json_schema={
        "type": "object",
        "properties": {"name": {"type": "string"}, "country": {"type": "string"}},
        "required": ["name", "country"],
        "additionalProperties": False,
    },
    description="A city",
    strict=True,
)
CONFIG = GenerateConfig(response_schema=SCHEMA, max_tokens=100)
PROMPT = "Name a city in France."
ANSWER = {"name": "Paris", "country": "France"}
TEXT = json.dumps(ANSWER)
BEDROCK_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def chat(text: str) -> Dict[str, Any]:
    return {
        "id": "x",
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18},
    }


def anthropic_message(content: Any, stop: str) -> Dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude",
        "content": content,
        "stop_reason": stop,
        "usage": {"input_tokens": 9, "output_tokens": 9},
    }


TOOL_USE = [{"type": "tool_use", "id": "toolu_1", "name": "city", "input": ANSWER}]
CASES = {
    "openai": ("openai/gpt-4o-mini", "https://api.openai.com/v1/chat/completions", chat(TEXT)),
    "together": (
        "together/meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "https://api.together.xyz/v1/chat/completions",
        chat(TEXT),
    ),
    "fireworks": (
        "fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct",
        "https://api.fireworks.ai/inference/v1/chat/completions",
        chat(TEXT),
    ),
    "llama_cpp": (
        "llama-cpp-python/smollm2",
        "http://localhost:8000/v1/chat/completions",
        chat(TEXT),
    ),
    "deepseek": ("deepseek/deepseek-chat", "https://api.deepseek.com/chat/completions", chat(TEXT)),
    "anthropic_native": (
        "anthropic/claude-sonnet-4-5",
        "https://api.anthropic.com/v1/messages",
        anthropic_message([{"type": "text", "text": TEXT}], "end_turn"),
    ),
    "anthropic_tool": (
        "anthropic/claude-3-5-haiku-latest",
        "https://api.anthropic.com/v1/messages",
        anthropic_message(TOOL_USE, "tool_use"),
    ),
    "google": (
        "google/gemini-2.5-flash",
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
        {
            "candidates": [
                {"content": {"parts": [{"text": TEXT}], "role": "model"}, "finishReason": "STOP"}
            ],
            "usageMetadata": {
                "promptTokenCount": 9,
                "candidatesTokenCount": 9,
                "totalTokenCount": 18,
            },
        },
    ),
    "mistral": (
        "mistral/mistral-small-latest",
        "https://api.mistral.ai/v1/chat/completions",
        chat(TEXT),
    ),
    "bedrock": (
        f"bedrock/{BEDROCK_MODEL}",
        _sigv4.bedrock_runtime_url("us-east-1", BEDROCK_MODEL),
        {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [{"toolUse": {"toolUseId": "t1", "name": "city", "input": ANSWER}}],
                }
            },
            "stopReason": "tool_use",
            "usage": {"inputTokens": 9, "outputTokens": 9, "totalTokens": 18},
        },
    ),
}


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.mark.parametrize("case", sorted(CASES))
def test_request_and_answer(case: str) -> None:
    spec, url, reply = CASES[case]
    model = get_model(
        spec, api_key=None if case in ("llama_cpp", "bedrock") else "key", memoize=False
    )
    expected = load_fixture("structured", f"{case}.request.json")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(url, json=reply, match=[matchers.json_params_matcher(expected)])
        output = model.generate(PROMPT, config=CONFIG)
        headers = mock.calls[0].request.headers
    assert json.loads(output.completion) == ANSWER
    assert output.parse(SCHEMA) == ANSWER
    assert output.stop_reason == "stop"
    assert not output.message.tool_calls
    if case == "anthropic_native":
        assert "anthropic-beta" not in headers


@pytest.mark.parametrize(
    ("model", "native"),
    [
        ("claude-sonnet-4-5-20250929", True),
        ("claude-opus-4-6", True),
        ("claude-haiku-4-5", True),
        ("claude-opus-4-1-20250805", False),
        ("claude-3-7-sonnet-latest", False),
        ("my-proxy-alias", False),
    ],
)
def test_anthropic_native_models(model: str, native: bool) -> None:
    client = get_model(f"anthropic/{model}", api_key="key", memoize=False)
    body = client.api.build_request(*_prepared(client, [], CONFIG)).body
    assert ("format" in body.get("output_config", {})) is native
    assert ("tool_choice" in body) is not native


def test_anthropic_native_format_shares_output_config_with_effort() -> None:
    model = get_model("anthropic/claude-opus-4-5", api_key="key", memoize=False)
    request = model.api.build_request(*_prepared(model, [], CONFIG.merge({"effort": "low"})))
    assert request.body["output_config"] == {
        "effort": "low",
        "format": {"type": "json_schema", "schema": SCHEMA.json_schema},
    }
    assert request.headers["anthropic-beta"] == "effort-2025-11-24"


def test_forced_tool_refuses_tools_and_thinking() -> None:
    model = get_model("anthropic/claude-3-7-sonnet-latest", api_key="key", memoize=False)

    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: first.
            b: second.
        """
        return a + b

    with pytest.raises(ConfigError, match="cannot be combined with tools"):
        model.api.build_request(*_prepared(model, [add], CONFIG))
    thinking = CONFIG.merge({"reasoning_tokens": 2048, "max_tokens": 4096})
    with pytest.raises(ConfigError, match="thinking"):
        model.api.build_request(*_prepared(model, [], thinking))


def _prepared(model: Any, tools: Any, config: GenerateConfig) -> Any:
    request = model.prepare(PROMPT, tools, config=config)
    return request.input, request.tools, request.tool_choice, request.config


def test_forced_tool_answer_streams_as_text() -> None:
    events = [
        {"type": "message_start", "message": {**anthropic_message([], None), "content": []}},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "city", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '{"name": "Paris", '},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '"country": "France"}'},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 9},
        },
        {"type": "message_stop"},
    ]
    body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    model = get_model("anthropic/claude-3-5-haiku-latest", api_key="key", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(
            "https://api.anthropic.com/v1/messages", body=body, content_type="text/event-stream"
        )
        mock.post(
            "https://api.anthropic.com/v1/messages", json=anthropic_message(TOOL_USE, "tool_use")
        )
        with model.stream(PROMPT, config=CONFIG) as stream:
            seen = list(stream)
        generated = model.generate(PROMPT, config=CONFIG)
    assert seen[:-1] == [TextDelta('{"name": "Paris", '), TextDelta('"country": "France"}')]
    streamed = stream.output
    assert streamed is not None
    streamed.time = generated.time = None
    assert streamed == generated
    assert streamed.parse(SCHEMA) == ANSWER
