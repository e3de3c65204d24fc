"""Anthropic Messages converters: request bodies, responses and errors against fixtures.

Each ``tests/fixtures/anthropic/<case>.request.json`` is the body the
Messages API reference documents for that conversation; each
``<case>.response.json`` a response or error body in the documented shape.
Sources:

- https://platform.claude.com/docs/en/api/messages (request and response fields)
- https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use
  (``tools``/``tool_choice``, ``tool_use`` and ``tool_result`` with ``is_error``,
  the get_weather example)
- https://platform.claude.com/docs/en/build-with-claude/vision (image sources)
- https://platform.claude.com/docs/en/build-with-claude/extended-thinking and
  .../adaptive-thinking (``thinking``, ``output_config.effort``, signatures,
  ``redacted_thinking``)
- https://platform.claude.com/docs/en/build-with-claude/prompt-caching
  (``cache_control`` breakpoints and their ``ttl``, usage cache fields)
- https://platform.claude.com/docs/en/api/errors (error bodies and statuses)
- anthropic-sdk-python ``src/anthropic/types/`` (``CacheControlEphemeralParam``, ``ToolChoice*Param``,
  ``ThinkingConfig*Param``, ``Usage``, ``StopReason``, ``RefusalStopDetails``)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from wire import load_fixture

from modelkit.config import GenerateConfig
from modelkit.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    QuotaExceededError,
    RateLimitError,
)
from modelkit.messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
)
from modelkit.output import ModelUsage
from modelkit.providers.anthropic.api import (
    THINKING_BUDGETS,
    AnthropicAPI,
    default_max_tokens,
    model_version,
    parse_error_body,
    parse_message,
    request_body,
    thinking_mode,
)
from modelkit.tools import (
    ToolCall,
    ToolCallError,
    ToolChoice,
    ToolFunction,
    ToolInfo,
    ToolParam,
    ToolParams,
)

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

WEATHER = ToolInfo(
    name="get_weather",
    description="Get the current weather in a given location",
    parameters=ToolParams(
        properties={
            "location": ToolParam(
                type="string", description="The city and state, e.g. San Francisco, CA"
            ),
            "unit": ToolParam(
                type="string",
                description="The unit of temperature",
                enum=["celsius", "fahrenheit"],
            ),
        },
        required=["location"],
    ),
)


def fixture(name: str) -> Any:
    return load_fixture("anthropic", name)


Case = Tuple[str, List[ChatMessage], List[ToolInfo], ToolChoice, GenerateConfig]

CASES: Dict[str, Case] = {
    "text_and_sampling": (
        "claude-sonnet-4-5",
        [
            ChatMessageSystem(
                content="You are a seasoned data scientist at a Fortune 500 company."
            ),
            ChatMessageUser(content="Hello, Claude"),
        ],
        [],
        "none",
        GenerateConfig(
            max_tokens=1024,
            temperature=0.5,
            top_k=40,
            stop_seqs=["\n\nHuman:"],
            # Not Messages API parameters: left out of the body.
            seed=7,
            frequency_penalty=0.5,
            logit_bias={42: 10},
            logprobs=True,
        ),
    ),
    "images_and_tools": (
        "claude-sonnet-4-5",
        [
            ChatMessageUser(
                content=[
                    ContentText(
                        text="Compare these two images, then check the weather where the "
                        "first was taken."
                    ),
                    ContentImage(
                        image="https://upload.wikimedia.org/wikipedia/commons/a/a7/"
                        "Camponotus_flavomarginatus_ant.jpg"
                    ),
                    ContentImage(image=f"data:image/png;base64,{PNG}"),
                ]
            )
        ],
        [WEATHER],
        ToolFunction(name="get_weather"),
        GenerateConfig(top_p=0.9, parallel_tool_calls=False, cache_prompt=False),
    ),
    "tool_results": (
        "claude-sonnet-4-5",
        [
            ChatMessageSystem(content="Answer briefly."),
            ChatMessageUser(content="What's the weather like in San Francisco and in Paris?"),
            ChatMessageAssistant(
                content="I'll check both cities.",
                tool_calls=[
                    ToolCall(
                        id="toolu_01A09q90qw90lq917835lq9",
                        function="get_weather",
                        arguments={"location": "San Francisco, CA", "unit": "celsius"},
                    ),
                    ToolCall(
                        id="toolu_01B19q90qw90lq917835lq9",
                        function="get_weather",
                        arguments={"location": "Paris, France"},
                    ),
                ],
            ),
            ChatMessageTool(
                content=[
                    ContentText(text="15 degrees"),
                    ContentImage(image=f"data:image/png;base64,{PNG}"),
                ],
                tool_call_id="toolu_01A09q90qw90lq917835lq9",
                function="get_weather",
            ),
            ChatMessageTool(
                content="",
                tool_call_id="toolu_01B19q90qw90lq917835lq9",
                function="get_weather",
                error=ToolCallError(type="unknown", message="weather service unavailable"),
            ),
            ChatMessageUser(content="Use Celsius for both, please."),
        ],
        [WEATHER],
        "auto",
        GenerateConfig(),
    ),
    "thinking_budget": (
        "claude-sonnet-4-5",
        [
            ChatMessageUser(content="What's the weather in Paris?"),
            ChatMessageAssistant(
                content=[
                    ContentReasoning(
                        reasoning="The user wants the weather in Paris. I should call get_weather.",
                        signature=fixture("thinking_budget.request.json")["messages"][1]["content"][
                            0
                        ]["signature"],
                    ),
                    ContentReasoning(
                        reasoning="",
                        redacted=True,
                        data=fixture("thinking_budget.request.json")["messages"][1]["content"][1][
                            "data"
                        ],
                    ),
                    # Reasoning without a signature cannot be verified: left out.
                    ContentReasoning(reasoning="unsigned reasoning from another provider"),
                ],
                tool_calls=[
                    ToolCall(
                        id="toolu_01CswdEQBMshySk6Y9DFKrfq",
                        function="get_weather",
                        arguments={"location": "Paris, France"},
                    )
                ],
            ),
            ChatMessageTool(
                content="88°F",
                tool_call_id="toolu_01CswdEQBMshySk6Y9DFKrfq",
                function="get_weather",
            ),
        ],
        [WEATHER],
        "auto",
        GenerateConfig(reasoning_effort="medium", cache_prompt=False),
    ),
    "thinking_adaptive": (
        "claude-opus-4-7",
        [
            ChatMessageUser(
                content="Are there an infinite number of prime numbers such that n mod 4 == 3?"
            )
        ],
        [],
        "none",
        GenerateConfig(reasoning_effort="high", max_tokens=32000),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_request_body_matches_the_documented_shape(case: str) -> None:
    model, messages, tools, choice, config = CASES[case]
    body = request_body(model, messages, tools, choice, config)
    assert body == fixture(f"{case}.request.json")
    json.dumps(body)  # serialisable as is


def test_parallel_tool_calls_false_disables_parallel_use_except_for_none() -> None:
    for choice, expected in (
        ("auto", {"type": "auto", "disable_parallel_tool_use": True}),
        ("any", {"type": "any", "disable_parallel_tool_use": True}),
        ("none", {"type": "none"}),
    ):
        body = request_body(
            "claude-sonnet-4-5",
            [ChatMessageUser(content="hi")],
            [WEATHER],
            choice,  # type: ignore[arg-type]
            GenerateConfig(parallel_tool_calls=False, cache_prompt=False),
        )
        assert body["tool_choice"] == expected


def test_cache_prompt_auto_caches_only_with_tools_and_true_caches_without() -> None:
    messages: List[ChatMessage] = [ChatMessageSystem(content="sys"), ChatMessageUser(content="hi")]
    plain = request_body("claude-sonnet-4-5", messages, [], "none", GenerateConfig())
    assert "cache_control" not in json.dumps(plain)
    forced = request_body(
        "claude-sonnet-4-5", messages, [], "none", GenerateConfig(cache_prompt=True)
    )
    assert forced["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert forced["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}


def test_cache_ttl_1h_marks_every_breakpoint_and_is_what_the_call_is_priced_at() -> None:
    # CacheControlEphemeralParam: {"type": "ephemeral", "ttl": "5m" | "1h"} (default 5m).
    messages: List[ChatMessage] = [ChatMessageSystem(content="sys"), ChatMessageUser(content="hi")]
    api = AnthropicAPI("claude-opus-5", api_key="k", cache_ttl="1h")
    body = api.build_request(messages, [WEATHER], "auto", GenerateConfig()).body
    marks = [body["tools"][-1], body["system"][-1], body["messages"][-1]["content"][-1]]
    assert [m["cache_control"] for m in marks] == [{"type": "ephemeral", "ttl": "1h"}] * 3
    assert api.cache_write_ttl() == "1h"
    default = AnthropicAPI("claude-opus-5", api_key="k")
    assert default.cache_write_ttl() is None
    plain = default.build_request(messages, [WEATHER], "auto", GenerateConfig()).body
    assert plain["system"][-1]["cache_control"] == {"type": "ephemeral"}
    from modelkit import get_model

    keyed = get_model("anthropic/claude-opus-5", api_key="k", cache_ttl="1h", betas=["b"])
    assert keyed.api.cache_args() == {"betas": ["b"]}  # the TTL does not change an answer
    with pytest.raises(ConfigError, match="cache_ttl must be '5m' or '1h'"):
        AnthropicAPI("claude-opus-5", api_key="k", cache_ttl="2h")


def test_cache_breakpoints_never_exceed_four_nor_land_on_thinking() -> None:
    thinking = ContentReasoning(reasoning="r", signature="sig")
    messages: List[ChatMessage] = [ChatMessageSystem(content="sys")]
    for turn in range(5):
        messages.append(ChatMessageUser(content=f"question {turn}"))
        messages.append(ChatMessageAssistant(content=[thinking, ContentText(text=f"a{turn}")]))
    messages.append(ChatMessageUser(content="last"))
    body = request_body("claude-sonnet-4-5", messages, [WEATHER], "auto", GenerateConfig())
    text = json.dumps(body)
    assert text.count("cache_control") == 4
    for turn in body["messages"]:
        for block in turn["content"]:
            if block["type"] == "thinking":
                assert "cache_control" not in block
    marked = [
        t["content"][-1].get("text")
        for t in body["messages"]
        if "cache_control" in t["content"][-1]
    ]
    assert marked == ["question 4", "last"]


def test_max_tokens_is_always_sent_and_stays_above_the_thinking_budget() -> None:
    user: List[ChatMessage] = [ChatMessageUser(content="hi")]
    assert (
        request_body("claude-3-opus-20240229", user, [], "none", GenerateConfig())["max_tokens"]
        == 4096
    )
    assert (
        request_body("claude-3-7-sonnet-20250219", user, [], "none", GenerateConfig())["max_tokens"]
        == 8192
    )
    assert (
        request_body("claude-opus-4-7", user, [], "none", GenerateConfig())["max_tokens"] == 16384
    )
    for effort, budget in THINKING_BUDGETS.items():
        body = request_body(
            "claude-sonnet-4-5",
            user,
            [],
            "none",
            GenerateConfig(reasoning_effort=effort),  # type: ignore[arg-type]
        )
        assert body["thinking"] == {"type": "enabled", "budget_tokens": budget}
        assert body["max_tokens"] == 8192 + budget
        ceiling = 32000 if effort in ("xhigh", "max") else 21333  # Opus 4's output cap
        assert budget >= 1024 and body["max_tokens"] <= ceiling
    explicit = request_body(
        "claude-sonnet-4-5",
        user,
        [],
        "none",
        GenerateConfig(reasoning_effort="low", max_tokens=5000),
    )
    assert explicit["max_tokens"] == 5000
    with pytest.raises(ConfigError, match=r"max_tokens \(4096\) must be above the thinking budget"):
        request_body(
            "claude-sonnet-4-5",
            user,
            [],
            "none",
            GenerateConfig(reasoning_effort="low", max_tokens=4096),
        )


def test_thinking_mode_follows_the_model_version_and_can_be_forced() -> None:
    assert model_version("claude-opus-4-1-20250805") == (4, 1)
    assert model_version("claude-sonnet-4-20250514") == (4, 0)
    assert model_version("claude-3-7-sonnet-20250219") == (3, 7)
    assert model_version("claude-mythos-preview") is None
    assert [
        thinking_mode(m) for m in ("claude-sonnet-4-5", "claude-sonnet-4-6", "claude-opus-5")
    ] == [
        "budget",
        "adaptive",
        "adaptive",
    ]
    assert default_max_tokens("claude-3-5-haiku-latest") == 8192
    body = request_body(
        "claude-sonnet-4-6",
        [ChatMessageUser(content="hi")],
        [],
        "none",
        GenerateConfig(reasoning_effort="minimal"),
        mode="budget",
    )
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    adaptive = request_body(
        "claude-sonnet-4-6",
        [ChatMessageUser(content="hi")],
        [],
        "none",
        GenerateConfig(reasoning_effort="minimal"),
    )
    assert adaptive["thinking"] == {"type": "adaptive"}
    assert adaptive["output_config"] == {"effort": "low"}
    with pytest.raises(ConfigError, match="thinking must be"):
        AnthropicAPI("claude-sonnet-4-5", api_key="test-key-not-real", thinking="sometimes")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (GenerateConfig(temperature=1.5), "temperature must be between 0 and 1"),
        (GenerateConfig(num_choices=2), "one completion per request"),
    ],
)
def test_values_the_api_cannot_take_raise_config_error(
    config: GenerateConfig, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        request_body("claude-sonnet-4-5", [ChatMessageUser(content="hi")], [], "none", config)


def test_unsupported_content_and_unreadable_images_raise_config_error(tmp_path: Path) -> None:
    def body(message: ChatMessage) -> Any:
        return request_body("claude-sonnet-4-5", [message], [], "none", GenerateConfig())

    with pytest.raises(ConfigError, match="does not accept audio"):
        body(
            ChatMessageUser(
                content=[ContentAudio(audio=f"data:audio/wav;base64,{PNG}", format="wav")]
            )
        )
    with pytest.raises(ConfigError, match="cannot read image"):
        body(ChatMessageUser(content=[ContentImage(image=str(tmp_path / "missing.png"))]))
    with pytest.raises(ConfigError, match="image type 'image/bmp' is not accepted"):
        body(ChatMessageUser(content=[ContentImage(image="data:image/bmp;base64,Qk0=")]))
    with pytest.raises(ConfigError, match="needs the tool_call_id"):
        body(ChatMessageTool(content="x"))


def test_local_image_files_are_sent_as_base64(tmp_path: Path) -> None:
    import base64

    path = tmp_path / "pixel.webp"
    path.write_bytes(base64.b64decode(PNG))
    sent = request_body(
        "claude-sonnet-4-5",
        [ChatMessageUser(content=[ContentImage(image=str(path))])],
        [],
        "none",
        GenerateConfig(),
    )
    assert sent["messages"][0]["content"][0]["source"] == {
        "type": "base64",
        "media_type": "image/webp",
        "data": PNG,
    }


def test_a_text_response_parses_to_text_usage_and_stop() -> None:
    output = parse_message(fixture("text.response.json"))
    assert output.model == "claude-sonnet-4-5-20250929"
    assert output.completion == "Hi! My name is Claude."
    assert output.message.content == "Hi! My name is Claude."
    assert output.stop_reason == "stop"
    assert output.usage == ModelUsage(
        input_tokens=2095,
        output_tokens=503,
        total_tokens=2598,
        input_tokens_cache_write=0,
        input_tokens_cache_read=0,
    )


def test_a_tool_use_response_parses_to_tool_calls_with_object_input() -> None:
    output = parse_message(fixture("tool_use.response.json"))
    assert output.stop_reason == "tool_calls"
    assert output.completion == "I'll check the current weather in San Francisco for you."
    assert output.message.tool_calls == [
        ToolCall(
            id="toolu_01A09q90qw90lq917835lq9",
            function="get_weather",
            arguments={"location": "San Francisco, CA", "unit": "celsius"},
        )
    ]
    assert output.usage is not None
    assert output.usage.input_tokens_cache_write == 1536
    assert output.usage.total_tokens == 472 + 89 + 1536


def test_thinking_blocks_parse_to_signed_and_redacted_reasoning() -> None:
    body = fixture("thinking.response.json")
    output = parse_message(body)
    content = output.message.content
    assert isinstance(content, list)
    assert content == [
        ContentReasoning(
            reasoning="Let me analyze this step by step...",
            signature=body["content"][0]["signature"],
        ),
        ContentReasoning(reasoning="", redacted=True, data=body["content"][1]["data"]),
        ContentText(text="Based on my analysis..."),
    ]
    assert output.message.reasoning == "Let me analyze this step by step..."
    assert output.completion == "Based on my analysis..."
    assert output.usage == ModelUsage(
        input_tokens=50,
        output_tokens=1200,
        total_tokens=50 + 1200 + 100 + 2000,
        input_tokens_cache_write=100,
        input_tokens_cache_read=2000,
        reasoning_tokens=950,
    )
    # Sent back unchanged in the next request.
    again = request_body(
        "claude-sonnet-4-5",
        [ChatMessageUser(content="q"), output.message, ChatMessageUser(content="more")],
        [],
        "none",
        GenerateConfig(),
    )
    assert again["messages"][1]["content"] == body["content"]


@pytest.mark.parametrize(
    ("case", "stop_reason", "metadata"),
    [
        ("stop_sequence", "stop", None),
        ("max_tokens", "max_tokens", None),
        ("refusal", "content_filter", None),
        ("pause_turn", "unknown", {"stop_reason": "pause_turn"}),
    ],
)
def test_stop_reasons_map(case: str, stop_reason: str, metadata: Any) -> None:
    output = parse_message(fixture(f"{case}.response.json"))
    assert output.stop_reason == stop_reason
    assert output.metadata == metadata


def test_a_refusal_says_why() -> None:
    output = parse_message(fixture("refusal.response.json"))
    assert output.error == "refusal: This request may facilitate harm to computer systems."
    assert output.completion == ""


def test_a_tool_use_block_without_an_object_input_keeps_the_call_with_a_parse_error() -> None:
    body = fixture("tool_use.response.json")
    body["content"][1]["input"] = "not an object"
    call = parse_message(body).message.tool_calls[0]  # type: ignore[index]
    assert call.arguments == {}
    assert call.parse_error is not None and call.raw_arguments == '"not an object"'


ERRORS = [
    ("error_invalid_request", 400, BadRequestError, False),
    ("error_authentication", 401, AuthenticationError, False),
    ("error_billing", 402, QuotaExceededError, False),
    ("error_permission", 403, AuthenticationError, False),
    ("error_not_found", 404, BadRequestError, False),
    ("error_request_too_large", 413, BadRequestError, False),
    ("error_rate_limit", 429, RateLimitError, True),
    ("error_spend_limit", 429, QuotaExceededError, False),
    ("error_api", 500, APIError, False),
    ("error_timeout", 504, APIError, False),
    ("error_overloaded", 529, APIError, True),
]


@pytest.mark.parametrize(("case", "status", "kind", "rate_limit"), ERRORS)
def test_error_bodies_map_to_the_right_exception(
    case: str, status: int, kind: type, rate_limit: bool
) -> None:
    body = fixture(f"{case}.response.json")
    error = parse_error_body(
        status, body, json.dumps(body), {"request-id": "ignored"}, provider="anthropic", model="m"
    )
    assert type(error) is kind
    assert error.status == status
    assert body["error"]["message"] in error.message
    assert body["error"]["type"] in error.message
    assert body["request_id"] in error.message
    api = AnthropicAPI("claude-sonnet-4-5", api_key="test-key-not-real")
    assert api.is_rate_limit(error) is rate_limit
    # Overload and server errors are never "bad requests" (those are not retried).
    if status >= 500:
        assert not isinstance(error, BadRequestError)


def test_a_non_json_error_body_keeps_its_text() -> None:
    error = parse_error_body(
        502, None, "<html>Bad Gateway</html>", {}, provider="anthropic", model="m"
    )
    assert type(error) is APIError
    assert "Bad Gateway" in error.message
