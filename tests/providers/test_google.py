"""Wire tests for the ``google`` provider: Gemini ``generateContent`` (REST, v1beta).

The bodies under ``tests/fixtures/google/`` are shaped as Google documents
them: https://ai.google.dev/api/generate-content (GenerateContentRequest,
Content and Part, Tool and FunctionDeclaration, ToolConfig and
FunctionCallingConfig, GenerationConfig and ThinkingConfig,
GenerateContentResponse, Candidate and FinishReason, PromptFeedback,
UsageMetadata, LogprobsResult), https://ai.google.dev/gemini-api/docs/function-calling
(functionCall / functionResponse round trips),
https://ai.google.dev/gemini-api/docs/thought-signatures (signatures on
functionCall and text parts), https://ai.google.dev/gemini-api/docs/troubleshooting
(error statuses) and the google.rpc error details (RetryInfo, QuotaFailure,
ErrorInfo) those errors carry. Requests are matched with ``responses`` on
their exact JSON body and headers; the key is the fake ``test-google-key``
and every test that sends it checks that it appears only in the
``x-goog-api-key`` header, never in a URL, error or call record.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any, Dict, Iterator, List, Optional, Type

import pytest
import responses
from wire import expect_post, load_fixture

from modelkit import GenerateConfig, _support, get_model
from modelkit.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    MissingAPIKeyError,
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
from modelkit.output import ModelOutput
from modelkit.tools import ToolCall, ToolFunction, ToolInfo, ToolParam, ToolParams

KEY = "test-google-key"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA="


def load(name: str) -> Any:
    return load_fixture("google", f"{name}.json")


def url(model: str) -> str:
    return f"https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def gemini(name: str = "gemini-2.5-flash") -> Model:
    return get_model(f"google/{name}", memoize=False)


def expect(
    mock: responses.RequestsMock,
    model: str,
    body: Optional[Dict[str, Any]],
    reply: Any,
    status: int = 200,
) -> None:
    """Answer one POST to ``model`` whose JSON body is exactly ``body``."""
    headers = {"x-goog-api-key": KEY, "Content-Type": "application/json"}
    expect_post(mock, url(model), request=body, response=reply, headers=headers, status=status)


def assert_key_kept_secret(output_or_error: Any) -> None:
    call = output_or_error.call
    assert call is not None
    assert call.headers["x-goog-api-key"] == "[redacted]"
    assert KEY not in json.dumps(call.to_dict())
    assert "key=" not in (call.url or "")
    assert KEY not in repr(output_or_error)


WEATHER = ToolInfo(
    name="get_weather",
    description="Get the current weather in a city.",
    parameters=ToolParams(
        properties={"city": ToolParam(type="string", description="The city name.")},
        required=["city"],
    ),
)


# --- requests ---------------------------------------------------------------


def chat_case() -> Dict[str, Any]:
    return dict(
        model="gemini-2.5-flash",
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
            temperature=0.2,
            top_p=0.9,
            top_k=40,
            max_tokens=256,
            num_choices=2,
            seed=7,
            presence_penalty=0.1,
            frequency_penalty=0.2,
            stop_seqs=["END"],
            logprobs=True,
            top_logprobs=3,
            reasoning_effort="medium",
            logit_bias={42: 5.0},  # not a Gemini option: not sent, a ConfigWarning
            parallel_tool_calls=False,  # not a Gemini option: not sent
        ),
    )


def media_case() -> Dict[str, Any]:
    return dict(
        model="gemini-2.5-flash",
        input=[
            ChatMessageUser(
                content=[
                    ContentText(text="Compare these."),
                    ContentImage(image="https://example.com/images/cat.jpg"),
                    ContentVideo(video="https://www.youtube.com/watch?v=9hE5-98ZeCg", format="mp4"),
                    ContentAudio(audio=f"data:audio/wav;base64,{WAV}", format="wav"),
                    ContentAudio(
                        audio="https://generativelanguage.googleapis.com/v1beta/files/abc-123",
                        format="mp3",
                    ),
                ]
            )
        ],
        tools=[],
        tool_choice=None,
        config=GenerateConfig(),
    )


def tools_case() -> Dict[str, Any]:
    weather = ToolInfo(
        name="get_weather",
        description="Get the current weather in a city.",
        parameters=ToolParams(
            properties={
                "city": ToolParam(type="string", description="The city name."),
                "unit": ToolParam(
                    type="string",
                    description="Temperature unit.",
                    enum=["celsius", "fahrenheit"],
                ),
                "days": ToolParam(type="integer", description="Forecast days", enum=[1, 3, 7]),
                "tags": ToolParam(type="array", items=ToolParam(type="string")),
                "near": ToolParam(
                    anyOf=[ToolParam(type="string"), ToolParam(type="null")],
                    description="A landmark, if any.",
                ),
            },
            required=["city"],
        ),
    )
    clock = ToolInfo(name="current_time", description="The current UTC time.")
    return dict(
        model="gemini-2.0-flash",
        input=[ChatMessageUser(content="Weather in Lyon, in celsius?")],
        tools=[weather, clock],
        tool_choice=ToolFunction(name="get_weather"),
        config=GenerateConfig(),
    )


def roundtrip_case() -> Dict[str, Any]:
    return dict(
        model="gemini-3-flash-preview",
        input=[
            ChatMessageSystem(content="Use tools when they help."),
            ChatMessageUser(content="What's the weather in Paris?"),
        ],
        tools=[WEATHER],
        tool_choice=None,
        config=GenerateConfig(reasoning_effort="low"),
    )


CASES = {"chat": chat_case, "media": media_case, "tools": tools_case, "roundtrip_1": roundtrip_case}


@pytest.mark.parametrize("case", sorted(CASES))
def test_request_body_matches_the_documented_shape(
    case: str, mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = CASES[case]()
    expect(mock, spec["model"], load(f"{case}.request"), load("tools.response"))
    monkeypatch.setattr(_support, "_warned", set())
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        output = gemini(spec["model"]).generate(
            spec["input"],
            tools=spec["tools"],
            tool_choice=spec["tool_choice"],
            config=spec["config"],
        )
    named = re.findall(r"GenerateConfig\.(\w+)", " ".join(str(w.message) for w in said))
    assert named == (["logit_bias"] if case == "chat" else [])
    assert_key_kept_secret(output)


def test_too_many_stop_sequences_is_a_config_error() -> None:
    from modelkit.errors import ConfigError

    with pytest.raises(ConfigError, match="at most 5 stop sequences"):
        gemini().generate("hi", config={"stop_seqs": list("abcdef")})


def test_tool_choice_none_and_any(mock: responses.RequestsMock) -> None:
    for choice, mode in (("none", "NONE"), ("any", "ANY")):
        body = {
            "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
            "tools": load("roundtrip_1.request")["tools"],
            "toolConfig": {"functionCallingConfig": {"mode": mode}},
        }
        expect(mock, "gemini-2.5-flash", body, load("tools.response"))
        gemini().generate("hi", tools=[WEATHER], tool_choice=choice)


def test_base_url_from_the_environment_and_tuned_model_paths(
    monkeypatch: pytest.MonkeyPatch, mock: responses.RequestsMock
) -> None:
    monkeypatch.setenv("GOOGLE_BASE_URL", "http://127.0.0.1:9/proxy/v1beta/")
    expect_post(
        mock,
        "http://127.0.0.1:9/proxy/v1beta/tunedModels/my-model-7:generateContent",
        response=load("chat.response"),
        headers={"x-goog-api-key": KEY},
    )
    output = get_model("google/tunedModels/my-model-7", memoize=False).generate("hi")
    assert output.completion == "One white dot, a tiny star."


def test_gemini_api_key_is_read_when_google_api_key_is_unset(
    monkeypatch: pytest.MonkeyPatch, mock: responses.RequestsMock
) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.setenv("GEMINI_API_KEY", "test-gemini-key")
    expect_post(
        mock,
        url("gemini-2.5-flash"),
        response=load("chat.response"),
        headers={"x-goog-api-key": "test-gemini-key"},
    )
    gemini().generate("hi")


def test_missing_key_names_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY")
    with pytest.raises(MissingAPIKeyError) as info:
        gemini()
    assert "GOOGLE_API_KEY" in str(info.value) and "GEMINI_API_KEY" in str(info.value)


# --- responses --------------------------------------------------------------


def respond(mock: responses.RequestsMock, fixture: str, model: str = "gemini-2.5-flash") -> Any:
    expect(mock, model, None, load(fixture))
    return gemini(model).generate("hi")


def test_candidates_logprobs_and_usage(mock: responses.RequestsMock) -> None:
    output = respond(mock, "chat.response")
    assert [c.stop_reason for c in output.choices] == ["stop", "max_tokens"]
    assert output.completion == "One white dot, a tiny star."
    assert output.choices[1].message.text == "A pixel, pale as snow."
    assert output.model == "gemini-2.5-flash"
    logprobs = output.choices[0].logprobs
    assert logprobs is not None
    assert [(p.token, p.logprob) for p in logprobs.content] == [("One", -0.12), (" white", -0.05)]
    top = logprobs.content[0].top_logprobs
    assert top is not None and [(t.token, t.logprob) for t in top] == [("One", -0.12), ("A", -2.3)]
    assert output.choices[1].logprobs is None
    usage = output.usage
    # promptTokenCount (300) includes the 200 cached tokens; thoughts (120)
    # are outside candidatesTokenCount (14).
    assert (usage.input_tokens, usage.input_tokens_cache_read) == (100, 200)
    assert (usage.output_tokens, usage.reasoning_tokens) == (134, 120)
    assert usage.total_tokens == 434 == load("chat.response")["usageMetadata"]["totalTokenCount"]
    assert output.error is None
    assert_key_kept_secret(output)


def test_function_call_response(mock: responses.RequestsMock) -> None:
    output = respond(mock, "tools.response", "gemini-2.0-flash")
    assert output.stop_reason == "tool_calls"
    assert output.message.tool_calls == [
        ToolCall(
            id="fc-7f3a", function="get_weather", arguments={"city": "Lyon", "unit": "celsius"}
        )
    ]
    assert output.message.content == ""
    assert output.usage.input_tokens == 95 and output.usage.total_tokens == 113


def test_blocked_prompt_is_an_output_with_error(mock: responses.RequestsMock) -> None:
    output = respond(mock, "blocked.response")
    assert output.stop_reason == "content_filter"
    assert output.completion == ""
    assert output.error is not None and "SAFETY" in output.error
    assert output.usage.input_tokens == 12


def test_safety_stop_without_content(mock: responses.RequestsMock) -> None:
    output = respond(mock, "safety.response", "gemini-2.0-flash")
    assert output.stop_reason == "content_filter"
    assert output.completion == ""
    assert output.error == "generation stopped (SAFETY)"


def test_malformed_function_call_is_unknown_with_the_raw_reason(
    mock: responses.RequestsMock,
) -> None:
    output = respond(mock, "malformed_call.response")
    assert output.stop_reason == "unknown"
    assert output.metadata == {"finish_reasons": ["MALFORMED_FUNCTION_CALL"]}
    assert output.error is None


def test_no_candidates_and_no_block_reason_is_a_format_error(
    mock: responses.RequestsMock,
) -> None:
    from modelkit.errors import ResponseFormatError

    expect(mock, "gemini-2.5-flash", None, {"usageMetadata": {"promptTokenCount": 3}})
    with pytest.raises(ResponseFormatError, match="no candidates"):
        gemini().generate("hi", config={"max_retries": 0})


# --- errors -----------------------------------------------------------------

ERRORS = [
    ("error_429", 429, RateLimitError, "RESOURCE_EXHAUSTED", "27"),
    ("error_429_daily", 429, QuotaExceededError, "RESOURCE_EXHAUSTED", "3600"),
    ("error_400", 400, BadRequestError, "contents is not specified", None),
    ("error_400_key", 400, AuthenticationError, "API key not valid", None),
    ("error_403", 403, AuthenticationError, "PERMISSION_DENIED", None),
    ("error_404", 404, BadRequestError, "NOT_FOUND", None),
    ("error_500", 500, APIError, "INTERNAL", None),
    ("error_503", 503, APIError, "overloaded", None),
    ("error_504", 504, APIError, "DEADLINE_EXCEEDED", None),
]


@pytest.mark.parametrize(("fixture", "status", "kind", "text", "retry_after"), ERRORS)
def test_error_bodies_map_to_exceptions(
    mock: responses.RequestsMock,
    fixture: str,
    status: int,
    kind: Type[APIError],
    text: str,
    retry_after: Optional[str],
) -> None:
    expect(mock, "gemini-2.5-flash", None, load(f"{fixture}.response"), status=status)
    with pytest.raises(APIError) as info:
        gemini().generate("hi", config={"max_retries": 0})
    error = info.value
    assert type(error) is kind
    assert error.status == status and error.provider == "google"
    assert text in str(error)
    assert error.headers.get("retry-after") == retry_after
    assert KEY not in str(error) and KEY not in json.dumps(error.body)
    assert_key_kept_secret(error)


def test_rate_limit_is_retried_after_the_server_delay(mock: responses.RequestsMock) -> None:
    from modelkit._engine import run as _engine
    from modelkit._engine.retry import Retrying

    waits: List[float] = []
    retrying = Retrying(sleep=waits.append)
    expect(mock, "gemini-2.5-flash", None, load("error_429.response"), status=429)
    expect(mock, "gemini-2.5-flash", None, load("chat.response"))
    model = gemini()
    request = model.prepare("hi")
    output = _engine.run_request(model.api, request, retrying)
    assert output.completion == "One white dot, a tiny star."
    assert waits == [27.0]


# --- a full round trip ----------------------------------------------------------


def test_round_trip_with_a_tool_call_its_result_and_a_final_answer(
    mock: responses.RequestsMock,
) -> None:
    spec = roundtrip_case()
    model = gemini(spec["model"])
    expect(mock, spec["model"], load("roundtrip_1.request"), load("roundtrip_1.response"))
    expect(mock, spec["model"], load("roundtrip_2.request"), load("roundtrip_2.response"))

    first = model.generate(spec["input"], tools=[WEATHER], config=spec["config"])
    assert first.stop_reason == "tool_calls"
    (call,) = first.message.tool_calls or []
    assert (call.function, call.arguments) == ("get_weather", {"city": "Paris"})
    assert call.id.startswith("mk_")  # Gemini sent no id: a local one, never sent back
    thought = first.message.content[0]
    assert isinstance(thought, ContentReasoning) and thought.reasoning.startswith("**Checking")
    assert first.message.reasoning == thought.reasoning
    assert first.usage.output_tokens == 16 + 51 and first.usage.reasoning_tokens == 51

    result = ChatMessageTool(content="18°C, sunny", tool_call_id=call.id)
    history = [*spec["input"], first.message, result]
    final = model.generate(history, tools=[WEATHER], config=spec["config"])
    assert final.stop_reason == "stop"
    assert final.completion == "It is 18°C and sunny in Paris."
    assert isinstance(final.message.content, list)
    signature = final.message.content[0]
    assert isinstance(signature, ContentReasoning) and signature.redacted
    assert signature.signature == "EpUBCpIBAXLI2nyvE8rmq0y8m9QXDy1cMNu0dVZTk8S9gJrUcw=="
    assert final.usage.total_tokens == 153


def test_outputs_survive_serialisation(mock: responses.RequestsMock) -> None:
    output = respond(mock, "roundtrip_1.response", "gemini-3-flash-preview")
    again = ModelOutput.from_dict(json.loads(json.dumps(output.to_dict())))
    assert again.message == output.message
    assert again.usage == output.usage
