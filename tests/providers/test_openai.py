"""Wire tests for ``openai`` and ``azure`` (OpenAI chat completions).

Request and response bodies under ``tests/fixtures/openai/`` and
``tests/fixtures/azure/`` follow the API reference:

- https://platform.openai.com/docs/api-reference/chat/create (request body,
  the chat completion object, logprobs, usage details)
- https://platform.openai.com/docs/guides/error-codes (401, 429
  ``rate_limit_exceeded`` vs ``insufficient_quota``, 500)
- https://platform.openai.com/docs/guides/reasoning (``developer`` messages,
  ``max_completion_tokens``, ``reasoning_effort``)
- the openai-python SDK's generated types, ``src/openai/types/chat/``
- https://learn.microsoft.com/azure/ai-foundry/openai/reference (deployment
  URL, ``api-version``, ``api-key``) and the v1 API
  (``/openai/v1/chat/completions``, ``model`` = deployment)

Each case runs through ``Model.generate`` with ``responses`` standing in for
the server (see ``openai_wire_cases``); the pure converters are tested on
their own below.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict

import pytest
import responses
from openai_wire_cases import FAKE_KEY, case_names, run_case

from modelkit import GenerateConfig, get_model
from modelkit.errors import ConfigError, MissingAPIKeyError, RateLimitError
from modelkit.messages import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentAudio,
    ContentImage,
    ContentText,
    ContentVideo,
)
from modelkit.providers.openai._request import WireOptions, config_params, messages_to_wire
from modelkit.providers.openai._response import (
    FINISH_REASONS,
    ParseOptions,
    parse_completion,
    parse_logprobs,
    parse_tool_call,
    parse_usage,
)
from modelkit.providers.openai.api import AzureOpenAIAPI, OpenAIAPI, openai_wire_options
from modelkit.tools import ToolCall, ToolCallError


@pytest.mark.parametrize("case", case_names("openai"))
def test_openai_wire(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run_case("openai", case, monkeypatch)


@pytest.mark.parametrize("case", case_names("azure"))
def test_azure_wire(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run_case("azure", case, monkeypatch)


def test_every_case_has_its_files() -> None:
    # A case without its expected files would test nothing.
    from openai_wire_cases import load

    for provider in ("openai", "azure"):
        names = case_names(provider)
        assert names, provider
        for case in names:
            spec = load(provider, case, "input")
            if spec.get("raises"):
                assert load(provider, case, "error") is not None, case
            else:
                assert load(provider, case, "output") is not None, case


# --- keys, URLs and headers ----------------------------------------------


def test_key_and_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    api = get_model("openai/gpt-4o").api
    assert isinstance(api, OpenAIAPI)
    assert api.endpoint() == "http://127.0.0.1:9/v1/chat/completions"
    assert api.auth_headers() == {"Authorization": f"Bearer {FAKE_KEY}"}
    assert FAKE_KEY not in repr(api)


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        get_model("openai/gpt-4o")


def test_openai_azure_prefix_is_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_VERSION", raising=False)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/")
    model = get_model("openai/azure/gpt-4o-prod")
    assert isinstance(model.api, AzureOpenAIAPI)
    assert model.api.model_name == "gpt-4o-prod"
    assert model.api.endpoint() == (
        "https://res.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions"
        "?api-version=2024-10-21"
    )
    assert model.api.auth_headers() == {"api-key": FAKE_KEY}


def test_azure_entra_token_and_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", "entra-token-test")
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    api = get_model("azure/dep", base_url="https://res.openai.azure.com/openai").api
    assert isinstance(api, AzureOpenAIAPI)
    assert api.auth_headers() == {"Authorization": "Bearer entra-token-test"}
    assert api.endpoint().endswith(
        "/openai/deployments/dep/chat/completions?api-version=2025-04-01-preview"
    )


def test_azure_needs_endpoint_and_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="AZURE_OPENAI_ENDPOINT"):
        get_model("azure/dep", api_key=FAKE_KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com")
    with pytest.raises(MissingAPIKeyError, match="AZURE_OPENAI_AD_TOKEN"):
        get_model("azure/dep")


def test_unknown_model_argument_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="bad model argument"):
        get_model("openai/gpt-4o", api_key=FAKE_KEY, colour="blue")


# --- model families --------------------------------------------------------


@pytest.mark.parametrize(
    "model, role, field",
    [
        ("gpt-4o", "system", "max_tokens"),
        ("o1", "developer", "max_completion_tokens"),
        ("o1-mini", "user", "max_completion_tokens"),
        ("o4-mini", "developer", "max_completion_tokens"),
        ("gpt-5", "developer", "max_completion_tokens"),
        ("gpt-5-chat-latest", "system", "max_tokens"),
        ("smollm2-135m-instruct", "system", "max_tokens"),
    ],
)
def test_model_family_rules(model: str, role: str, field: str) -> None:
    options = openai_wire_options(model)
    assert (options.system_role, options.max_tokens_field) == (role, field)


def test_reasoning_model_drops_what_it_rejects(caplog: pytest.LogCaptureFixture) -> None:
    api = get_model("openai/o4-mini", api_key=FAKE_KEY).api
    config = GenerateConfig(temperature=0.3, stop_seqs=["x"], logprobs=True, max_tokens=9)
    with caplog.at_level(logging.WARNING, logger="modelkit"):
        body = api.build_request([ChatMessageUser(content="hi")], [], "none", config).body  # type: ignore[attr-defined]
        api.build_request([ChatMessageUser(content="hi")], [], "none", config)  # type: ignore[attr-defined]
    assert body == {
        "model": "o4-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": 9,
    }
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1  # once per model, not per call
    assert "logprobs, stop, temperature" in warnings[0]


def test_more_than_four_stop_sequences_is_rejected_locally() -> None:
    api = get_model("openai/gpt-4o", api_key=FAKE_KEY).api
    config = GenerateConfig(stop_seqs=["a", "b", "c", "d", "e"])
    with pytest.raises(ConfigError, match="at most 4"):
        api.build_request([ChatMessageUser(content="hi")], [], "none", config)  # type: ignore[attr-defined]


# --- request converters ----------------------------------------------------


def test_tool_choice_any_is_required_and_parallel_only_with_tools() -> None:
    config = GenerateConfig(parallel_tool_calls=True)
    assert config_params(config, WireOptions(), has_tools=False) == ({}, [])
    assert config_params(config, WireOptions(), has_tools=True)[0] == {"parallel_tool_calls": True}
    from modelkit.providers.openai._request import tool_choice_to_wire

    assert tool_choice_to_wire("any") == "required"
    assert tool_choice_to_wire("none") == "none"


def test_top_logprobs_alone_turns_logprobs_on() -> None:
    params, _ = config_params(GenerateConfig(top_logprobs=3), WireOptions(), has_tools=False)
    assert params == {"logprobs": True, "top_logprobs": 3}
    params, _ = config_params(
        GenerateConfig(logprobs=False, top_logprobs=3), WireOptions(), has_tools=False
    )
    assert params == {"logprobs": False}


def test_video_is_a_clear_error() -> None:
    message = ChatMessageUser(
        content=[ContentText(text="x"), ContentVideo(video="a.mp4", format="mp4")]
    )
    with pytest.raises(ConfigError, match="does not accept video"):
        messages_to_wire([message], WireOptions())


def test_missing_media_file_is_a_clear_error(tmp_path: object) -> None:
    message = ChatMessageUser(content=[ContentImage(image="/nonexistent/cat.png")])
    with pytest.raises(ConfigError, match="cannot read image file"):
        messages_to_wire([message], WireOptions())
    audio = ChatMessageUser(content=[ContentAudio(audio="https://x/a.wav", format="wav")])
    with pytest.raises(ConfigError, match="does not fetch URLs"):
        messages_to_wire([audio], WireOptions())


def test_data_uri_image_and_audio_pass_through() -> None:
    message = ChatMessageUser(
        content=[
            ContentImage(image="data:image/gif;base64,R0lGOD"),
            ContentAudio(audio="data:audio/mp3;base64,SUQz", format="mp3"),
        ]
    )
    assert messages_to_wire([message], WireOptions())[0]["content"] == [
        {
            "type": "image_url",
            "image_url": {"url": "data:image/gif;base64,R0lGOD", "detail": "auto"},
        },
        {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
    ]


def test_tool_errors_and_unparsed_arguments_go_back_verbatim() -> None:
    bad = ToolCall(id="c1", function="f", parse_error="bad JSON", raw_arguments="{oops")
    messages = [
        ChatMessageSystem(content="s"),
        ChatMessageAssistant(content="thinking aloud", tool_calls=[bad]),
        ChatMessageTool(
            content="", tool_call_id="c1", error=ToolCallError(type="parsing", message="bad JSON")
        ),
    ]
    wire = messages_to_wire(messages, WireOptions(system_role="developer"))
    assert wire[0] == {"role": "developer", "content": "s"}
    assert wire[1]["content"] == "thinking aloud"
    assert wire[1]["tool_calls"][0]["function"]["arguments"] == "{oops"
    assert wire[2] == {"role": "tool", "tool_call_id": "c1", "content": "Error: bad JSON"}


def test_tool_message_needs_its_call_id() -> None:
    with pytest.raises(ConfigError, match="tool_call_id"):
        messages_to_wire([ChatMessageTool(content="x")], WireOptions())


# --- response converters ---------------------------------------------------


def test_finish_reasons() -> None:
    assert FINISH_REASONS["length"] == "max_tokens"
    assert FINISH_REASONS["content_filter"] == "content_filter"
    body = {"choices": [{"index": 0, "message": {"content": "x"}, "finish_reason": "weird"}]}
    assert parse_completion(body, "m", ParseOptions()).stop_reason == "unknown"


@pytest.mark.parametrize(
    "arguments, parsed, error",
    [
        ('{"a": 1}', {"a": 1}, None),
        ("", {}, None),
        ({"a": 1}, {"a": 1}, None),
        ("[1, 2]", {}, "must be a JSON object"),
        ("{a: 1", {}, "not valid JSON"),
    ],
)
def test_tool_call_arguments(arguments: object, parsed: object, error: object) -> None:
    call = parse_tool_call({"id": "c", "function": {"name": "f", "arguments": arguments}})
    assert call.arguments == parsed
    if error is None:
        assert call.parse_error is None and call.raw_arguments is None
    else:
        assert error in (call.parse_error or "")
        assert call.raw_arguments == arguments


def test_usage_conventions() -> None:
    usage = parse_usage(
        {
            "prompt_tokens": 100,
            "completion_tokens": 30,
            "total_tokens": 130,
            "prompt_tokens_details": {"cached_tokens": 64},
            "completion_tokens_details": {"reasoning_tokens": 20},
        }
    )
    assert usage is not None
    assert (usage.input_tokens, usage.input_tokens_cache_read) == (36, 64)
    assert (usage.output_tokens, usage.reasoning_tokens, usage.total_tokens) == (30, 20, 130)
    # xAI counts reasoning outside completion_tokens: the total says so.
    usage = parse_usage(
        {
            "prompt_tokens": 663,
            "completion_tokens": 50,
            "total_tokens": 837,
            "completion_tokens_details": {"reasoning_tokens": 124},
        }
    )
    assert usage is not None and usage.output_tokens == 174
    assert parse_usage(None) is None


def test_legacy_logprob_shape() -> None:
    logprobs = parse_logprobs(
        {"tokens": ["Hi", "!"], "token_logprobs": [-0.5, -0.1], "top_logprobs": [{"Hi": -0.5}]}
    )
    assert logprobs is not None
    assert [(lp.token, lp.logprob) for lp in logprobs.content] == [("Hi", -0.5), ("!", -0.1)]
    assert logprobs.content[0].top_logprobs is not None
    assert logprobs.content[1].top_logprobs is None
    assert parse_logprobs({"content": None, "refusal": []}) is None


def test_error_reported_with_status_200_is_an_api_error() -> None:
    api = get_model("openai/gpt-4o", api_key=FAKE_KEY, memoize=False).api
    body = {"error": {"message": "Rate limit exceeded", "code": 429}}
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, "https://api.openai.com/v1/chat/completions", json=body)
        result, call = api.generate([ChatMessageUser(content="x")], [], "none", GenerateConfig())  # type: ignore[misc]
    assert isinstance(result, RateLimitError)
    assert "Rate limit exceeded" in str(result)
    assert FAKE_KEY not in json.dumps(call.to_dict())


@pytest.mark.parametrize(
    ("fields", "metadata"),
    [
        ({"id": "chatcmpl-1", "system_fingerprint": "fp_1"}, {"id": "chatcmpl-1", "system_fingerprint": "fp_1"}),
        ({"id": "chatcmpl-1"}, {"id": "chatcmpl-1"}),
        ({"system_fingerprint": "fp_1", "id": ""}, {"system_fingerprint": "fp_1"}),
        ({"id": None}, None),
        ({}, None),
    ],
)
def test_the_response_id_and_fingerprint_become_the_output_metadata(
    fields: Dict[str, Any], metadata: Any
) -> None:
    """A chat.completion's ``id`` and ``system_fingerprint`` (those set, in that order)."""
    from modelkit.providers.openai._response import ParseOptions, parse_completion

    body = {
        "object": "chat.completion",
        "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        **fields,
    }
    output = parse_completion(body, "gpt-4o", ParseOptions())
    assert output.metadata == metadata
    assert list(output.metadata or {}) == list(metadata or {})
