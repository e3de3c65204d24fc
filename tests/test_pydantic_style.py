"""Pydantic-style methods, used the way Inspect 0.3.285 code uses them.

The expected dicts and JSON texts are what Inspect 0.3.285's pydantic
models give for the same objects (``model_dump()``, ``model_dump(mode=
"json", exclude_none=True)``, ``include=``/``exclude=``,
``model_dump_json()``), checked in a scratch virtualenv; pydantic's
documented semantics: https://docs.pydantic.dev/latest/concepts/serialization/
(``exclude_none`` applies to model fields, not inside plain dicts; nested
``exclude`` with ``"__all__"`` for list items; compact JSON without
``indent``).
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from modelkit import (
    AdaptiveConcurrency,
    CachePolicy,
    ChatCompletionChoice,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    ContentImage,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    Logprob,
    Logprobs,
    ModelOutput,
    ModelUsage,
    ToolCall,
    ToolInfo,
    ToolParam,
    ToolParams,
    TopLogprob,
)


def tool_output() -> ModelOutput:
    message = ChatMessageAssistant(
        id="a1",
        content=[ContentReasoning(reasoning="think", signature="sig"), ContentText(text="hello")],
        tool_calls=[ToolCall(id="c1", function="add", arguments={"x": 1})],
        model="m",
        source="generate",
    )
    logprobs = Logprobs(
        content=[
            Logprob(token="h", logprob=-0.5, top_logprobs=[TopLogprob(token="h", logprob=-0.5)])
        ]
    )
    return ModelOutput(
        model="m",
        choices=[
            ChatCompletionChoice(message=message, stop_reason="tool_calls", logprobs=logprobs)
        ],
        usage=ModelUsage(
            input_tokens=3, output_tokens=4, total_tokens=7, input_tokens_cache_read=1
        ),
    )


# What Inspect 0.3.285 gives for tool_output().model_dump().
INSPECT_OUTPUT_DUMP: Dict[str, Any] = {
    "model": "m",
    "choices": [
        {
            "message": {
                "id": "a1",
                "content": [
                    {
                        "internal": None,
                        "type": "reasoning",
                        "reasoning": "think",
                        "summary": None,
                        "signature": "sig",
                        "redacted": False,
                    },
                    {
                        "internal": None,
                        "type": "text",
                        "text": "hello",
                        "refusal": None,
                        "citations": None,
                        "cache_breakpoint": None,
                    },
                ],
                "source": "generate",
                "metadata": None,
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "function": "add",
                        "arguments": {"x": 1},
                        "parse_error": None,
                        "view": None,
                        "type": "function",
                    }
                ],
                "model": "m",
            },
            "stop_reason": "tool_calls",
            "stop_details": None,
            "logprobs": {
                "content": [
                    {
                        "token": "h",
                        "logprob": -0.5,
                        "bytes": None,
                        "top_logprobs": [{"token": "h", "logprob": -0.5, "bytes": None}],
                    }
                ]
            },
            "prompt_logprobs": None,
        }
    ],
    "completion": "hello",
    "usage": {
        "input_tokens": 3,
        "output_tokens": 4,
        "total_tokens": 7,
        "input_tokens_cache_write": None,
        "input_tokens_cache_read": 1,
        "reasoning_tokens": None,
        "total_cost": None,
    },
    "input_context_tokens": None,
    "fallback": None,
    "time": None,
    "metadata": None,
    "error": None,
    "response_id": None,
}


def test_model_dump_equals_inspects() -> None:
    assert tool_output().model_dump() == INSPECT_OUTPUT_DUMP


def test_model_dump_exclude_none_equals_inspects() -> None:
    assert tool_output().model_dump(exclude_none=True) == {
        "model": "m",
        "choices": [
            {
                "message": {
                    "id": "a1",
                    "content": [
                        {
                            "type": "reasoning",
                            "reasoning": "think",
                            "signature": "sig",
                            "redacted": False,
                        },
                        {"type": "text", "text": "hello"},
                    ],
                    "source": "generate",
                    "role": "assistant",
                    "tool_calls": [
                        {"id": "c1", "function": "add", "arguments": {"x": 1}, "type": "function"}
                    ],
                    "model": "m",
                },
                "stop_reason": "tool_calls",
                "logprobs": {
                    "content": [
                        {
                            "token": "h",
                            "logprob": -0.5,
                            "top_logprobs": [{"token": "h", "logprob": -0.5}],
                        }
                    ]
                },
            }
        ],
        "completion": "hello",
        "usage": {
            "input_tokens": 3,
            "output_tokens": 4,
            "total_tokens": 7,
            "input_tokens_cache_read": 1,
        },
    }


def test_include_and_nested_exclude_as_pydantic() -> None:
    output = tool_output()
    assert output.model_dump(include={"model", "usage"}) == {
        "model": "m",
        "usage": INSPECT_OUTPUT_DUMP["usage"],
    }
    dumped = output.model_dump(
        exclude={"choices": {"__all__": {"message": {"content"}}}, "usage": True},
        exclude_none=True,
    )
    assert "usage" not in dumped
    assert dumped["choices"][0]["message"] == {
        "id": "a1",
        "source": "generate",
        "role": "assistant",
        "tool_calls": [{"id": "c1", "function": "add", "arguments": {"x": 1}, "type": "function"}],
        "model": "m",
    }


def test_exclude_none_does_not_reach_into_plain_dicts() -> None:
    message = ChatMessageUser(id="u1", content="x", metadata={"a": None, "b": {"c": None}})
    assert message.model_dump(exclude_none=True) == {
        "id": "u1",
        "content": "x",
        "metadata": {"a": None, "b": {"c": None}},
        "role": "user",
    }


def test_model_dump_json_is_inspects_text() -> None:
    message = ChatMessageTool(id="t1", content="4", tool_call_id="c1", function="add")
    assert message.model_dump_json() == (
        '{"id":"t1","content":"4","source":null,"metadata":null,"role":"tool",'
        '"tool_call_id":"c1","function":"add","error":null}'
    )
    assert json.loads(message.model_dump_json(indent=2)) == json.loads(message.model_dump_json())
    assert message.model_dump_json(indent=2).startswith('{\n  "id": "t1",\n  "content": "4",')


def test_json_mode_stringifies_keys_and_leaves_out_modelkit_only_fields() -> None:
    config = GenerateConfig(temperature=0.2, logit_bias={42: 1.5}, stop_seqs=["x"])
    assert config.model_dump(mode="json", exclude_none=True) == {
        "temperature": 0.2,
        "stop_seqs": ["x"],
        "logit_bias": {"42": 1.5},
    }
    assert config.model_dump()["logit_bias"] == {42: 1.5}
    # modelkit's own fields (Inspect has no requests_per_minute) appear only when set
    assert "requests_per_minute" not in config.model_dump()
    assert GenerateConfig(requests_per_minute=60).model_dump()["requests_per_minute"] == 60


def test_tool_info_dump_equals_inspects() -> None:
    info = ToolInfo(
        name="add",
        description="Add.",
        parameters=ToolParams(
            properties={"x": ToolParam(type="integer", description="x")}, required=["x"]
        ),
    )
    assert info.model_dump(exclude_none=True) == {
        "name": "add",
        "description": "Add.",
        "parameters": {
            "type": "object",
            "properties": {"x": {"type": "integer", "description": "x"}},
            "required": ["x"],
            "additionalProperties": False,
        },
    }
    assert ToolInfo.model_validate(info.model_dump()) == info


def test_model_validate_reads_inspects_dump_and_round_trips() -> None:
    output = ModelOutput.model_validate(INSPECT_OUTPUT_DUMP)
    assert output == tool_output()
    assert output.message.id == "a1"
    assert ModelOutput.model_validate_json(json.dumps(INSPECT_OUTPUT_DUMP)) == output
    assert ModelOutput.model_validate_json(output.model_dump_json()) == output
    # an instance is returned as it is, as pydantic does
    assert ModelOutput.model_validate(output) is output


def test_model_validate_rejects_what_it_cannot_keep() -> None:
    with pytest.raises(ConfigError, match="bogus"):
        ChatMessageUser.model_validate({"content": "x", "bogus": 1})
    # total_cost is a real field (modelkit.info prices every call): kept, as Inspect keeps it
    assert ModelUsage.model_validate({"input_tokens": 1, "total_cost": 0.5}).total_cost == 0.5
    with pytest.raises(ConfigError, match="needs a dict"):
        ChatMessageSystem.model_validate(["not", "a", "dict"])
    with pytest.raises(ConfigError, match="not JSON"):
        ChatMessageSystem.model_validate_json("{nope")
    with pytest.raises(ConfigError, match="mode"):
        ModelUsage().model_dump(mode="yaml")


def test_model_copy_updates_and_deep_copies() -> None:
    config = GenerateConfig(temperature=0.2, extra_body={"a": {"b": 1}})
    copied = config.model_copy(update={"max_tokens": 5})
    assert (copied.max_tokens, copied.temperature, config.max_tokens) == (5, 0.2, None)
    assert copied.extra_body is config.extra_body
    deep = config.model_copy(deep=True)
    assert deep == config and deep.extra_body is not config.extra_body
    image = ContentImage(image="https://example.com/a.png")
    assert image.model_copy(update={"detail": "high"}).detail == "high"
    with pytest.raises(ConfigError, match="no field 'colour'"):
        image.model_copy(update={"colour": "red"})
    # frozen types copy too
    policy = CachePolicy(expiry="1D").model_copy(update={"per_epoch": False})
    assert (policy.expiry, policy.per_epoch) == ("1D", False)


def test_model_fields_and_exclude_defaults() -> None:
    assert "max_tokens" in GenerateConfig.model_fields
    assert list(ModelUsage.model_fields)[:3] == ["input_tokens", "output_tokens", "total_tokens"]
    assert "call" not in ModelOutput.model_fields
    assert ModelUsage(input_tokens=1).model_dump(exclude_defaults=True) == {"input_tokens": 1}


def test_adaptive_concurrency_validates_inspects_shorthand() -> None:
    assert AdaptiveConcurrency.model_validate("4-80") == AdaptiveConcurrency(
        min=4, start=20, max=80
    )
    assert AdaptiveConcurrency.model_validate("2-5-9").start == 5
    assert AdaptiveConcurrency.model_validate({"max": 8}).min == 8
    with pytest.raises(ConfigError, match="min-max"):
        AdaptiveConcurrency.model_validate("four")


def test_cache_policy_dump_and_validate() -> None:
    policy = CachePolicy(expiry="12h", scopes={"role": "grader"})
    assert policy.model_dump() == {"expiry": "12h", "per_epoch": True, "scopes": {"role": "grader"}}
    assert CachePolicy.model_validate(policy.model_dump()) == policy


def test_a_value_modelkit_does_not_carry_is_refused_not_dropped() -> None:
    # Inspect dumps ContentText.internal and ModelOutput.response_id; modelkit
    # does not carry them: None reads back, a value is a ConfigError naming it.
    assert ContentText.model_validate({"type": "text", "text": "x", "internal": None}).text == "x"
    with pytest.raises(ConfigError, match="does not carry Inspect's field 'internal'"):
        ContentText.model_validate({"type": "text", "text": "x", "internal": {"id": "rs_1"}})
    dumped = ModelOutput.from_content("m", "hi").model_dump()
    assert dumped["response_id"] is None and ModelOutput.model_validate(dumped).completion == "hi"
    with pytest.raises(ConfigError, match="response_id"):
        ModelOutput.model_validate(dict(dumped, response_id="resp_1"))


# Every public type that Inspect 0.3.285 makes a pydantic model.
INSPECT_PYDANTIC_TYPES = [
    "AdaptiveConcurrency", "BatchConfig", "CachePolicy", "ChatCompletionChoice",
    "ChatMessageAssistant", "ChatMessageBase", "ChatMessageSystem", "ChatMessageTool",
    "ChatMessageUser", "CitationBase", "ContentAudio", "ContentCitation", "ContentData",
    "ContentDocument", "ContentImage", "ContentReasoning", "ContentText", "ContentToolUse",
    "ContentVideo", "DocumentCitation", "GenerateConfig", "ImageOutput", "Logprob", "Logprobs",
    "ModelCall", "ModelConfig", "ModelCost", "ModelFallback", "ModelInfo", "ModelOutput",
    "ModelRequestId", "ModelRole", "ModelUsage", "ResponseSchema", "StopCategory", "StopDetails",
    "ToolCall", "ToolCallError", "ToolFunction", "ToolInfo", "ToolParam", "ToolParams",
    "TopLogprob", "UrlCitation",
]  # fmt: skip


@pytest.mark.parametrize("name", INSPECT_PYDANTIC_TYPES)
def test_every_inspect_pydantic_type_has_the_methods(name: str) -> None:
    import modelkit

    cls = getattr(modelkit, name)
    for method in ("model_dump", "model_dump_json", "model_validate", "model_validate_json"):
        assert callable(getattr(cls, method)), method
    assert callable(cls.model_copy) and cls.model_fields
