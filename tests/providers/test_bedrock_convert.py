"""Unit tests for the Bedrock converters and the provider's construction.

Shapes follow https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
and botocore's ``bedrock-runtime`` service model (``ToolUseId`` pattern
``[a-zA-Z0-9_-]+``, at most 64; ``InferenceConfiguration.temperature`` 0-1;
``ImageFormat`` png/jpeg/gif/webp; ``ReasoningContentBlock``). Credentials
are AWS's documentation examples; no test touches the network.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any, Optional

import pytest

from modelkit import GenerateConfig, get_model
from modelkit.errors import (
    APIError,
    BadRequestError,
    ConfigError,
    MissingAPIKeyError,
)
from modelkit.messages import (
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentReasoning,
    ContentText,
)
from modelkit.providers.bedrock._config import additional_fields, inference_config, model_family
from modelkit.providers.bedrock._request import converse_body, messages_to_wire, tool_use_id
from modelkit.providers.bedrock._response import bedrock_error, error_type, output_from
from modelkit.tools import ToolCall, ToolCallError

CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")


# --- construction ---------------------------------------------------------------------


def test_no_credentials_names_the_variables_at_the_first_call() -> None:
    model = get_model(f"bedrock/{CLAUDE}")  # as in Inspect: credentials are looked up later
    with pytest.raises(MissingAPIKeyError) as info:
        model.generate("hi")
    text = str(info.value)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        assert name in text
    assert "AWS_PROFILE" in info.value.variables


def test_no_region_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    model = get_model(f"bedrock/{CLAUDE}")
    with pytest.raises(ConfigError, match="no AWS region") as info:
        model.generate("hi")
    assert not isinstance(info.value, MissingAPIKeyError)


def test_unreadable_shared_file_is_a_config_error_without_its_content(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(f"aws_secret_access_key = {SECRET_KEY}\n[default\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    model = get_model(f"bedrock/{CLAUDE}")
    with pytest.raises(ConfigError) as info:
        model.generate("hi")
    assert SECRET_KEY not in str(info.value)


def test_credentials_set_after_get_model_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    model = get_model(f"bedrock/{CLAUDE}", memoize=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    api: Any = model.api
    assert api.credentials.access_key == "AKIDEXAMPLE" and api.region == "eu-west-1"


def test_region_argument_wins_and_repr_holds_no_secret(credentials: None) -> None:
    model = get_model(f"bedrock/{CLAUDE}", region="eu-central-1", memoize=False)
    api: Any = model.api
    assert api.region == "eu-central-1"
    assert api.url.startswith("https://bedrock-runtime.eu-central-1.amazonaws.com/model/")
    assert SECRET_KEY not in repr(api) and SECRET_KEY not in repr(api.credentials)


def test_extra_model_fields_are_sent_and_win(credentials: None) -> None:
    model = get_model(
        f"bedrock/{CLAUDE}",
        memoize=False,
        additional_model_request_fields={"top_k": 5, "anthropic_beta": ["x"]},
    )
    request = model.prepare("hi", config={"top_k": 50})
    body = model.api.build_request(  # type: ignore[attr-defined]
        request.input, request.tools, request.tool_choice, request.config
    ).body
    assert body["additionalModelRequestFields"] == {"top_k": 5, "anthropic_beta": ["x"]}


# --- request converters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "family"),
    [
        (CLAUDE, "anthropic"),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic"),
        ("amazon.nova-lite-v1:0", "amazon"),
        ("meta.llama3-70b-instruct-v1:0", "meta"),
        ("arn:aws:bedrock:us-east-1::foundation-model/mistral.mistral-large-2402-v1:0", "mistral"),
        ("arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abcdefghijkl", None),
    ],
)
def test_model_family(model: str, family: Optional[str]) -> None:
    assert model_family(model) == family


def test_top_k_and_reasoning_by_family(caplog: pytest.LogCaptureFixture) -> None:
    config = GenerateConfig(top_k=10)
    assert additional_fields(config, "mistral.mistral-large-2402-v1:0") == {"top_k": 10}
    assert additional_fields(config, "amazon.nova-micro-v1:0") == {"inferenceConfig": {"topK": 10}}
    with caplog.at_level(logging.WARNING, logger="modelkit"):
        assert additional_fields(config, "meta.llama3-70b-instruct-v1:0") == {}
        effort = GenerateConfig(reasoning_effort="high")
        assert additional_fields(effort, "amazon.nova-lite-v1:0") == {}
    assert "top_k is not sent" in caplog.text and "reasoning_effort is not sent" in caplog.text
    assert additional_fields(GenerateConfig(reasoning_effort="high"), CLAUDE) == {
        "thinking": {"type": "enabled", "budget_tokens": 12288}
    }


def test_thinking_without_max_tokens_leaves_room_for_the_answer() -> None:
    config = GenerateConfig(reasoning_effort="high")
    body = converse_body([ChatMessageUser(content="hi")], [], "auto", config, CLAUDE)
    assert body["inferenceConfig"] == {"maxTokens": 12288 + 8192}
    assert body["additionalModelRequestFields"]["thinking"]["budget_tokens"] == 12288


def test_thinking_budget_must_be_below_max_tokens() -> None:
    config = GenerateConfig(reasoning_effort="medium", max_tokens=4000)
    with pytest.raises(ConfigError, match="below max_tokens"):
        converse_body([ChatMessageUser(content="hi")], [], "auto", config, CLAUDE)


def test_temperature_above_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="between 0 and 1"):
        inference_config(GenerateConfig(temperature=1.5))


def test_foreign_tool_ids_are_rewritten_consistently() -> None:
    foreign = "call:abc.def/1"
    fixed = tool_use_id(foreign)
    assert fixed == tool_use_id(foreign) and len(fixed) <= 64
    assert all(c.isalnum() or c in "_-" for c in fixed)
    assert tool_use_id("x" * 80) != tool_use_id("x" * 81)
    assert tool_use_id("tooluse_ok-1") == "tooluse_ok-1"
    call = ToolCall(id=foreign, function="f", arguments={})
    _, wire = messages_to_wire(
        [
            ChatMessageUser(content="go"),
            ChatMessageAssistant(content="", tool_calls=[call]),
            ChatMessageTool(
                content="",
                tool_call_id=foreign,
                error=ToolCallError(type="permission", message="denied"),
            ),
            ChatMessageUser(content="and then?"),
        ],
        CLAUDE,
    )
    assert wire[1] == {
        "role": "assistant",
        "content": [{"toolUse": {"toolUseId": fixed, "name": "f", "input": {}}}],
    }
    assert wire[2] == {
        "role": "user",
        "content": [
            {
                "toolResult": {
                    "toolUseId": fixed,
                    "content": [{"text": "denied"}],
                    "status": "error",
                }
            },
            {"text": "and then?"},
        ],
    }


def test_tool_results_lead_their_user_turn_and_carry_images() -> None:
    png = "data:image/png;base64,iVBORw0KGgo="
    _, wire = messages_to_wire(
        [
            ChatMessageUser(content="note first"),
            ChatMessageTool(
                content=[ContentText(text="shot"), ContentImage(image=png)], tool_call_id="t1"
            ),
        ],
        CLAUDE,
    )
    assert wire == [
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "toolUseId": "t1",
                        "content": [
                            {"text": "shot"},
                            {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
                        ],
                    }
                },
                {"text": "note first"},
            ],
        }
    ]


def test_a_tool_message_needs_its_call_id() -> None:
    with pytest.raises(ConfigError, match="tool_call_id"):
        messages_to_wire([ChatMessageTool(content="x", function="f")], CLAUDE)


def test_reasoning_goes_back_only_to_the_model_that_wrote_it() -> None:
    content = [
        ContentReasoning(reasoning="thoughts", signature="sig"),
        ContentReasoning(reasoning="", redacted=True, data="ZW5jcnlwdGVk"),
        ContentText(text="answer"),
    ]
    _, own = messages_to_wire([ChatMessageAssistant(content=content, model=CLAUDE)], CLAUDE)
    assert own[0]["content"] == [
        {"reasoningContent": {"reasoningText": {"text": "thoughts", "signature": "sig"}}},
        {"reasoningContent": {"redactedContent": "ZW5jcnlwdGVk"}},
        {"text": "answer"},
    ]
    _, foreign = messages_to_wire(
        [ChatMessageAssistant(content=content, model="gemini-2.5-pro")], CLAUDE
    )
    assert foreign[0]["content"] == [{"text": "answer"}]


def test_media_rules(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0")
    _, wire = messages_to_wire([ChatMessageUser(content=[ContentImage(image=str(photo))])], CLAUDE)
    encoded = base64.b64encode(b"\xff\xd8\xff\xe0").decode()
    assert wire[0]["content"] == [{"image": {"format": "jpeg", "source": {"bytes": encoded}}}]
    with pytest.raises(ConfigError, match="s3://"):
        messages_to_wire([ChatMessageUser(content=[ContentImage(image="https://x/y.png")])], CLAUDE)
    with pytest.raises(ConfigError, match="PNG, JPEG, GIF or WebP"):
        messages_to_wire(
            [ChatMessageUser(content=[ContentImage(image="data:image/bmp;base64,Qk0=")])], CLAUDE
        )


def test_blank_text_is_left_out() -> None:
    _, wire = messages_to_wire(
        [
            ChatMessageUser(content="  "),
            ChatMessageUser(content="real"),
            ChatMessageAssistant(content=""),
        ],
        CLAUDE,
    )
    assert wire == [{"role": "user", "content": [{"text": "real"}]}]


# --- responses and errors ------------------------------------------------------------------


def test_redacted_reasoning_stop_reasons_and_bad_tool_input() -> None:
    body = {
        "output": {
            "message": {
                "role": "assistant",
                "content": [
                    {"reasoningContent": {"redactedContent": "c2VjcmV0"}},
                    {"toolUse": {"toolUseId": "t", "name": "f", "input": "not an object"}},
                ],
            }
        },
        "stopReason": "model_context_window_exceeded",
        "usage": {
            "inputTokens": 5,
            "outputTokens": 1,
            "totalTokens": 9,
            "cacheWriteInputTokens": 3,
        },
    }
    output = output_from(body, CLAUDE)
    assert output.stop_reason == "model_length"
    (reasoning,) = output.message.content
    assert reasoning == ContentReasoning(reasoning="", redacted=True, data="c2VjcmV0")
    (call,) = output.message.tool_calls or []
    assert call.arguments == {} and call.parse_error is not None
    assert output.usage is not None
    assert (output.usage.input_tokens_cache_write, output.usage.total_tokens) == (3, 9)
    body["stopReason"] = "malformed_tool_use"
    assert output_from(body, CLAUDE).stop_reason == "unknown"


def test_error_type_from_header_or_body() -> None:
    assert error_type({"x-amzn-errortype": "ThrottlingException:http://x/"}, None) == (
        "ThrottlingException"
    )
    body = {"__type": "com.amazon.coral.validate#ValidationException", "message": "bad"}
    assert error_type({}, body) == "ValidationException"
    error = bedrock_error(400, body, "", {}, provider="bedrock", model=CLAUDE)
    assert type(error) is BadRequestError and "bad (ValidationException)" in str(error)


def test_unknown_errors_follow_the_status_and_secrets_are_scrubbed() -> None:
    error = bedrock_error(
        502,
        {"message": f"echo {SECRET_KEY}"},
        "",
        {"x-amzn-errortype": "SomethingNewException"},
        provider="bedrock",
        model=CLAUDE,
        secrets=[SECRET_KEY],
    )
    assert type(error) is APIError and error.status == 502
    assert SECRET_KEY not in str(error) and SECRET_KEY not in str(error.body)
    html = bedrock_error(503, None, "<html>down</html>", {}, provider="bedrock", model=CLAUDE)
    assert type(html) is APIError and "down" in str(html)
