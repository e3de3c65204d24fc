"""Wire tests for the ``bedrock`` provider: Bedrock Runtime ``Converse``, SigV4-signed.

The bodies under ``tests/fixtures/bedrock/`` are shaped as AWS documents
them: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
(request and response syntax, errors and their status codes),
``API_runtime_ContentBlock``, ``API_runtime_ToolResultBlock``,
``API_runtime_ReasoningContentBlock``, ``API_runtime_TokenUsage``,
``API_runtime_InferenceConfiguration``, ``API_runtime_MessageStopEvent``
(stop reasons), https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
(``thinking`` in ``additionalModelRequestFields``),
https://docs.aws.amazon.com/nova/latest/nova2-userguide/core-inference.html
(Nova's ``topK`` in ``additionalModelRequestFields.inferenceConfig``) and
botocore's ``bedrock-runtime`` service model (``service-2.json``: shapes,
``x-amzn-ErrorType`` error names). Requests are matched with ``responses``
on their exact JSON body; each Authorization header is recomputed from the
request as sent, with ``_sigv4``'s primitives. Credentials are AWS's
documentation examples (``AKIDEXAMPLE``) and a fake session token; tests
check that neither the secret nor the token appears in an error or call record.
"""

from __future__ import annotations

import json
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Type

import pytest
import responses
from wire import expect_post, load_fixture

from modelkit import GenerateConfig, _support, get_model
from modelkit.errors import (
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    QuotaExceededError,
    RateLimitError,
)
from modelkit.messages import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentVideo,
)
from modelkit.model import Model
from modelkit.providers.bedrock import _sigv4 as sigv4
from modelkit.tools import ToolCall, ToolFunction, ToolInfo, ToolParam, ToolParams

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "test-session-token-EXAMPLE"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def load(name: str) -> Any:
    return load_fixture("bedrock", f"{name}.json")


def url(model: str, region: str = "us-east-1") -> str:
    return sigv4.bedrock_runtime_url(region, model)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def bedrock(model: str = CLAUDE, **kwargs: Any) -> Model:
    return get_model(f"bedrock/{model}", memoize=False, clock=lambda: NOW, **kwargs)


def expect(
    mock: responses.RequestsMock,
    model: str,
    body: Optional[Dict[str, Any]],
    reply: Any,
    status: int = 200,
    headers: Optional[Dict[str, str]] = None,
) -> None:
    expect_post(
        mock,
        url(model),
        request=body,
        response=reply,
        headers={"Content-Type": "application/json"},
        status=status,
        response_headers=headers,
    )


def expected_authorization(request: Any, region: str = "us-east-1") -> str:
    """The Authorization header for ``request`` as sent, built step by step."""
    signed = ["accept", "content-type", "host", "x-amz-date", "x-amz-security-token"]
    headers = {name: request.headers[name] for name in signed if name != "host"}
    headers["host"] = f"bedrock-runtime.{region}.amazonaws.com"
    canonical = sigv4.canonical_request(
        "POST", request.url, headers, request.body, signed_headers=signed
    )
    if "v1%3A0" in request.url:  # encoded once on the wire, twice when signed
        assert "/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse\n" in canonical
    scope = sigv4.credential_scope("20260102", region, "bedrock")
    to_sign = sigv4.string_to_sign("20260102T030405Z", scope, canonical)
    key = sigv4.signing_key(SECRET_KEY, "20260102", region, "bedrock")
    return sigv4.authorization_header(
        ACCESS_KEY, scope, ";".join(signed), sigv4.signature(key, to_sign)
    )


def assert_credentials_kept_secret(output_or_error: Any) -> None:
    call = output_or_error.call
    assert call is not None
    assert call.headers["Authorization"] == "[redacted]"
    assert call.headers["X-Amz-Security-Token"] == "[redacted]"
    recorded = json.dumps(call.to_dict())
    assert SECRET_KEY not in recorded and SESSION_TOKEN not in recorded
    assert SECRET_KEY not in repr(output_or_error) and SESSION_TOKEN not in str(output_or_error)


WEATHER = ToolInfo(
    name="get_weather",
    description="Get the current weather in a city.",
    parameters=ToolParams(
        properties={"city": ToolParam(type="string", description="The city name.")},
        required=["city"],
    ),
)


# --- signing ------------------------------------------------------------------------


def test_each_request_is_signed_over_the_bytes_sent(mock: responses.RequestsMock) -> None:
    expect(mock, CLAUDE, None, load("chat.response"))
    output = bedrock().generate("hi")
    (sent,) = mock.calls
    request = sent.request
    assert request.url == url(CLAUDE)
    assert "%3A0/converse" in request.url  # the model id's ':' is encoded once on the wire
    assert request.headers["X-Amz-Date"] == "20260102T030405Z"
    assert request.headers["X-Amz-Security-Token"] == SESSION_TOKEN
    assert request.headers["Authorization"] == expected_authorization(request)
    assert request.headers["Authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/bedrock/aws4_request, "
        "SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature="
    )
    assert_credentials_kept_secret(output)


def test_profile_credentials_and_region_from_the_home_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mock: responses.RequestsMock
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name)
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[work]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
    )
    (home / ".aws" / "config").write_text("[profile work]\nregion = eu-west-3\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_PROFILE", "work")
    expect_url = url(CLAUDE, "eu-west-3")
    mock.add(responses.POST, expect_url, json=load("chat.response"))
    bedrock().generate("hi")
    request = mock.calls[0].request
    assert "X-Amz-Security-Token" not in request.headers
    assert (
        "Credential=AKIDEXAMPLE/20260102/eu-west-3/bedrock/aws4_request"
        in (request.headers["Authorization"])
    )
    assert "SignedHeaders=accept;content-type;host;x-amz-date," in request.headers["Authorization"]


def test_bedrock_api_key_is_sent_as_a_bearer_token(
    monkeypatch: pytest.MonkeyPatch, mock: responses.RequestsMock
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "test-bedrock-api-key")
    expect_post(
        mock,
        url(CLAUDE),
        response=load("chat.response"),
        headers={"Authorization": "Bearer test-bedrock-api-key"},
    )
    output = bedrock().generate("hi")
    assert output.call is not None and output.call.headers["Authorization"] == "[redacted]"
    assert "X-Amz-Date" not in mock.calls[0].request.headers


def test_custom_endpoint(monkeypatch: pytest.MonkeyPatch, mock: responses.RequestsMock) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9/bedrock/")
    endpoint = (
        "http://127.0.0.1:9/bedrock/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    )
    mock.add(responses.POST, endpoint, json=load("chat.response"))
    bedrock().generate("hi")
    assert (
        "Credential=AKIDEXAMPLE/20260102/us-east-1/bedrock/"
        in (mock.calls[0].request.headers["Authorization"])
    )


# --- requests ---------------------------------------------------------------------


def chat_case() -> Dict[str, Any]:
    return dict(
        model=CLAUDE,
        input=[
            ChatMessageSystem(content="You are a terse assistant."),
            ChatMessageUser(
                content=[
                    ContentText(text="What is in this picture?"),
                    ContentImage(image=f"data:image/png;base64,{PNG}"),
                ]
            ),
            ChatMessageAssistant(content="A single white pixel."),
            ChatMessageUser(content="Describe it as a poem."),
            ChatMessageUser(content="Keep it short."),
        ],
        tools=[],
        tool_choice=None,
        config=GenerateConfig(
            max_tokens=512,
            temperature=0.5,
            top_p=0.9,
            stop_seqs=["END"],
            top_k=50,
            seed=3,  # not a Converse option: not sent, a ConfigWarning
            presence_penalty=0.5,  # not a Converse option: not sent, a ConfigWarning
        ),
    )


def nova_case() -> Dict[str, Any]:
    return dict(
        model="us.amazon.nova-pro-v1:0",
        input=[
            ChatMessageUser(
                content=[
                    ContentText(text="Summarise the clip and the photo."),
                    ContentVideo(
                        video="data:video/mp4;base64,AAAAGGZ0eXBtcDQyAAAAAG1wNDJpc29t", format="mp4"
                    ),
                    ContentImage(image="s3://my-bucket/photos/cat.jpg"),
                    ContentAudio(
                        audio="data:audio/wav;base64,UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=",
                        format="wav",
                    ),
                ]
            )
        ],
        tools=[],
        tool_choice=None,
        config=GenerateConfig(max_tokens=300, top_k=20),
    )


def tools_case() -> Dict[str, Any]:
    weather = ToolInfo(
        name="get_weather",
        description="Get the current weather in a city.",
        parameters=ToolParams(
            properties={
                "city": ToolParam(type="string", description="The city name."),
                "unit": ToolParam(type="string", enum=["celsius", "fahrenheit"]),
            },
            required=["city"],
        ),
    )
    clock = ToolInfo(name="current_time", description="The current UTC time.")
    return dict(
        model=CLAUDE,
        input=[ChatMessageUser(content="Weather in Lyon?")],
        tools=[weather, clock],
        tool_choice=ToolFunction(name="get_weather"),
        config=GenerateConfig(),
    )


def thinking_case() -> Dict[str, Any]:
    return dict(
        model="us.anthropic.claude-sonnet-4-20250514-v1:0",
        input=[ChatMessageUser(content="Is 2^61 - 1 prime?")],
        tools=[],
        tool_choice=None,
        config=GenerateConfig(max_tokens=16000, reasoning_effort="medium"),
    )


def roundtrip_case() -> Dict[str, Any]:
    return dict(
        model="us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        input=[
            ChatMessageSystem(content="Use tools when they help."),
            ChatMessageUser(content="What's the weather in Paris?"),
        ],
        tools=[WEATHER],
        tool_choice=None,
        config=GenerateConfig(max_tokens=8192, reasoning_effort="low"),
    )


CASES = {
    "chat": chat_case,
    "nova": nova_case,
    "tools": tools_case,
    "thinking": thinking_case,
    "roundtrip_1": roundtrip_case,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_request_body_matches_the_documented_shape(
    case: str, mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = CASES[case]()
    expect(mock, spec["model"], load(f"{case}.request"), load("chat.response"))
    monkeypatch.setattr(_support, "_warned", set())
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        output = bedrock(spec["model"]).generate(
            spec["input"],
            tools=spec["tools"],
            tool_choice=spec["tool_choice"],
            config=spec["config"],
        )
    named = re.findall(r"GenerateConfig\.(\w+)", " ".join(str(w.message) for w in said))
    assert sorted(named) == (["presence_penalty", "seed"] if case == "chat" else [])
    assert output.completion == "One white dot,\na tiny star."
    assert_credentials_kept_secret(output)


def test_tool_choice_none_leaves_tools_out_until_the_history_has_tool_blocks(
    mock: responses.RequestsMock,
) -> None:
    expect(
        mock,
        CLAUDE,
        {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        load("chat.response"),
    )
    bedrock().generate("hi", tools=[WEATHER], tool_choice="none")

    # With toolUse/toolResult blocks in the history Converse needs toolConfig:
    # the tools go without a toolChoice.
    expected = load("roundtrip_2.request")
    del expected["toolConfig"]["toolChoice"]
    del expected["system"], expected["inferenceConfig"], expected["additionalModelRequestFields"]
    del expected["messages"][1]["content"][0]  # no reasoning in this history
    expect(mock, CLAUDE, expected, load("chat.response"))
    call = ToolCall(
        id="tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", function="get_weather", arguments={"city": "Paris"}
    )
    history = [
        ChatMessageUser(content="What's the weather in Paris?"),
        ChatMessageAssistant(content="I'll check the weather in Paris.", tool_calls=[call]),
        ChatMessageTool(content="18°C, sunny", tool_call_id=call.id, function="get_weather"),
    ]
    bedrock().generate(history, tools=[WEATHER], tool_choice="none")


# --- responses --------------------------------------------------------------------


def test_guardrail_intervention_is_a_content_filter(mock: responses.RequestsMock) -> None:
    expect(mock, CLAUDE, None, load("guardrail.response"))
    output = bedrock().generate("hi")
    assert output.stop_reason == "content_filter"
    assert output.completion == "Sorry, the model cannot answer this question."
    assert output.error == "Bedrock stopped the output (guardrail_intervened)"
    assert output.metadata == {"stop_reason": "guardrail_intervened", "latency_ms": 201}


# --- errors -----------------------------------------------------------------------

ERRORS = [
    ("error_throttling", 429, "ThrottlingException", RateLimitError),
    ("error_not_ready", 429, "ModelNotReadyException", RateLimitError),
    ("error_unavailable", 503, "ServiceUnavailableException", APIError),
    ("error_internal", 500, "InternalServerException", APIError),
    ("error_model_timeout", 408, "ModelTimeoutException", APITimeoutError),
    ("error_model_error", 424, "ModelErrorException", APIError),
    ("error_validation", 400, "ValidationException", BadRequestError),
    ("error_not_found", 404, "ResourceNotFoundException", BadRequestError),
    ("error_quota", 400, "ServiceQuotaExceededException", QuotaExceededError),
    ("error_access_denied", 403, "AccessDeniedException", AuthenticationError),
    ("error_unrecognized_client", 403, "UnrecognizedClientException", AuthenticationError),
]


@pytest.mark.parametrize(("fixture", "status", "name", "kind"), ERRORS)
def test_errors_are_told_apart_by_their_type(
    mock: responses.RequestsMock, fixture: str, status: int, name: str, kind: Type[APIError]
) -> None:
    error_type = f"{name}:http://internal.amazon.com/coral/com.amazon.bedrock/"
    body = load(f"{fixture}.response")
    expect(mock, CLAUDE, None, body, status=status, headers={"x-amzn-ErrorType": error_type})
    with pytest.raises(APIError) as info:
        bedrock().generate("hi", config={"max_retries": 0})
    error = info.value
    assert type(error) is kind
    assert error.status == status and error.provider == "bedrock"
    assert body["message"] in str(error) and f"({name})" in str(error)
    assert_credentials_kept_secret(error)


def test_throttling_is_retried(mock: responses.RequestsMock) -> None:
    from modelkit._engine import run as _engine
    from modelkit._engine.retry import Retrying

    waits: List[float] = []
    headers = {"x-amzn-ErrorType": "ThrottlingException"}
    expect(mock, CLAUDE, None, load("error_throttling.response"), status=429, headers=headers)
    expect(mock, CLAUDE, None, load("chat.response"))
    model = bedrock()
    output = _engine.run_request(model.api, model.prepare("hi"), Retrying(sleep=waits.append))
    assert output.completion == "One white dot,\na tiny star."
    assert len(waits) == 1
    first, second = mock.calls
    # every attempt is signed afresh
    assert "Authorization" in first.request.headers and "Authorization" in second.request.headers


# --- a full round trip ------------------------------------------------------------


def test_round_trip_with_a_tool_call_its_result_and_a_final_answer(
    mock: responses.RequestsMock,
) -> None:
    spec = roundtrip_case()
    model = bedrock(spec["model"])
    expect(mock, spec["model"], load("roundtrip_1.request"), load("roundtrip_1.response"))
    expect(mock, spec["model"], load("roundtrip_2.request"), load("roundtrip_2.response"))

    first = model.generate(spec["input"], tools=[WEATHER], config=spec["config"])
    assert first.stop_reason == "tool_calls"
    (call,) = first.message.tool_calls or []
    assert (call.id, call.function, call.arguments) == (
        "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
        "get_weather",
        {"city": "Paris"},
    )
    reasoning, text = first.message.content
    assert isinstance(reasoning, ContentReasoning) and isinstance(text, ContentText)
    assert reasoning.signature == "ErUBCkYIBRgCIkD1o2E9d8fM0SgQlIDyW2xLm3pXk5v3cQ=="
    assert first.message.reasoning == reasoning.reasoning
    assert first.completion == "I'll check the weather in Paris."
    assert first.usage.total_tokens == 515

    result = ChatMessageTool(content="18°C, sunny", tool_call_id=call.id, function="get_weather")
    final = model.generate(
        [*spec["input"], first.message, result], tools=[WEATHER], config=spec["config"]
    )
    assert final.stop_reason == "stop"
    assert final.completion == "It is 18°C and sunny in Paris."
    usage = final.usage
    assert (usage.input_tokens, usage.input_tokens_cache_read, usage.output_tokens) == (35, 400, 14)
    assert usage.input_tokens_cache_write == 0 and usage.total_tokens == 449
    assert model.usage.total_tokens == 515 + 449


def test_inspects_bedrock_model_arguments() -> None:
    # Inspect 0.3.285 _providers/bedrock.py: region_name and the client's
    # arguments go to the AWS client; the generation settings it filters out
    # of them (max_tokens, temperature, ...) and the timeouts are not sent.
    from modelkit.errors import ConfigError, ConfigWarning

    model = get_model("bedrock/anthropic.claude-3-haiku", region_name="eu-west-1", memoize=False)
    assert model.api.region == "eu-west-1"  # type: ignore[attr-defined]
    with pytest.warns(ConfigWarning, match=r"'temperature' is not used.*GenerateConfig"):
        get_model("bedrock/anthropic.claude-3-haiku", temperature=0.5, memoize=False)
    with pytest.raises(ConfigError, match="unknown model argument 'bogus'"):
        get_model("bedrock/anthropic.claude-3-haiku", bogus=1, memoize=False)
