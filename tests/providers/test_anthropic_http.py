"""The ``anthropic`` provider over HTTP (mocked with ``responses``): headers, round trip, errors.

A conversation with a tool call, its result and a final answer goes through
``get_model``/``Model.generate`` against recorded response bodies in the
shape of the tool-use guide's get_weather example
(https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use);
each request must equal its fixture and carry the headers the API reference
requires (https://platform.claude.com/docs/en/api/messages: ``x-api-key``,
``anthropic-version``, ``content-type``; versions:
https://platform.claude.com/docs/en/api/versioning). Error bodies follow
https://platform.claude.com/docs/en/api/errors. The fake key must never
appear in an exception or a ``ModelCall``.
"""

from __future__ import annotations

import json
from typing import Any, List

import pytest
import responses
from wire import expect_post, load_fixture

from modelkit import get_model
from modelkit._engine.retry import Retrying
from modelkit._engine.run import run_request
from modelkit.config import GenerateConfig
from modelkit.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    MissingAPIKeyError,
    QuotaExceededError,
    ResponseFormatError,
)
from modelkit.messages import ChatMessage, ChatMessageTool, ChatMessageUser
from modelkit.output import ModelCall
from modelkit.providers.anthropic.api import AnthropicAPI
from modelkit.tools import ToolInfo, ToolParam, ToolParams

KEY = "test-key-not-real"
URL = "https://api.anthropic.com/v1/messages"
HEADERS = {"x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"}

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


def test_a_tool_call_its_result_and_a_final_answer_round_trip() -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key=KEY)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        expect_post(
            mock,
            URL,
            request=fixture("round_trip_1.request.json"),
            response=fixture("tool_use.response.json"),
            headers=HEADERS,
        )
        expect_post(
            mock,
            URL,
            request=fixture("round_trip_2.request.json"),
            response=fixture("final_answer.response.json"),
            headers=HEADERS,
        )
        first = model.generate("What's the weather like in San Francisco?", tools=[WEATHER])
        assert first.stop_reason == "tool_calls"
        calls = first.message.tool_calls or []
        assert [(c.function, c.arguments) for c in calls] == [
            ("get_weather", {"location": "San Francisco, CA", "unit": "celsius"})
        ]
        conversation: List[ChatMessage] = [
            ChatMessageUser(content="What's the weather like in San Francisco?"),
            first.message,
            ChatMessageTool(content="15 degrees", tool_call_id=calls[0].id, function="get_weather"),
        ]
        final = model.generate(conversation, tools=[WEATHER])
    assert final.stop_reason == "stop"
    assert final.completion.startswith("The current weather in San Francisco is 15 degrees")
    assert final.usage is not None and final.usage.input_tokens_cache_read == 1536
    assert model.usage.input_tokens == 472 + 61
    assert model.usage.total_tokens == (472 + 89 + 1536) + (61 + 31 + 102 + 1536)


def test_base_url_from_the_environment_version_and_beta_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/proxy/v1/")
    model = get_model(
        "anthropic/claude-sonnet-4-5",
        anthropic_version="2023-01-01",
        betas=["interleaved-thinking-2025-05-14", "context-1m-2025-08-07"],
    )
    headers = {
        "x-api-key": KEY,
        "anthropic-version": "2023-01-01",
        "anthropic-beta": "interleaved-thinking-2025-05-14,context-1m-2025-08-07",
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        expect_post(
            mock,
            "http://127.0.0.1:9/proxy/v1/messages",
            response=fixture("text.response.json"),
            headers=headers,
        )
        assert model.generate("hi").completion == "Hi! My name is Claude."


def test_a_missing_key_names_the_variable() -> None:
    with pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY"):
        get_model("anthropic/claude-sonnet-4-5")


@pytest.mark.parametrize(
    ("case", "status", "kind"),
    [
        ("error_overloaded", 529, APIError),
        ("error_authentication", 401, AuthenticationError),
        ("error_invalid_request", 400, BadRequestError),
    ],
)
def test_errors_through_generate_and_the_key_never_shows(
    case: str, status: int, kind: type
) -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key=KEY)
    body = fixture(f"{case}.response.json")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=body, status=status, headers={"request-id": body["request_id"]})
        with pytest.raises(APIError) as caught:
            model.generate("hi", config=GenerateConfig(max_retries=0))
    error = caught.value
    assert type(error) is kind
    assert error.status == status and error.provider == "anthropic"
    assert body["error"]["message"] in str(error)
    assert model.api.is_rate_limit(error) is (status == 529)
    if status == 529:
        assert not isinstance(error, BadRequestError)  # retried by the engine
    for text in (str(error), repr(error), json.dumps(error.headers), json.dumps(error.body)):
        assert KEY not in text
    call = getattr(error, "call", None)
    if call is not None:
        assert KEY not in json.dumps(call.to_dict())


def test_overload_is_retried_and_the_next_answer_returned() -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key=KEY)
    waits: List[float] = []
    retrying = Retrying(sleep=waits.append)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=fixture("error_overloaded.response.json"), status=529)
        mock.post(URL, json=fixture("text.response.json"))
        output = run_request(model.api, model.prepare("hi"), retrying)
    assert output.completion == "Hi! My name is Claude."
    assert len(waits) == 1


def test_a_spend_limit_is_not_retried() -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key=KEY)
    waits: List[float] = []
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=fixture("error_spend_limit.response.json"), status=429)
        with pytest.raises(QuotaExceededError, match="monthly spend cap"):
            run_request(model.api, model.prepare("hi"), Retrying(sleep=waits.append))
    assert waits == []


def test_model_calls_redact_the_key_on_success_and_on_error() -> None:
    api = AnthropicAPI("claude-sonnet-4-5", api_key=KEY)
    user: List[ChatMessage] = [ChatMessageUser(content="hi")]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=fixture("text.response.json"))
        mock.post(URL, json=fixture("error_authentication.response.json"), status=401)
        for _ in range(2):
            result = api.generate(user, [], "none", GenerateConfig())
            assert isinstance(result, tuple)
            output, call = result
            assert isinstance(call, ModelCall)
            assert call.headers is not None and call.headers["x-api-key"] == "[redacted]"
            assert call.url == URL
            assert KEY not in json.dumps(call.to_dict())
            assert KEY not in repr(call) and KEY not in repr(api)
            assert KEY not in str(output)
    assert isinstance(output, AuthenticationError)


def test_a_body_that_is_not_json_is_a_response_format_error() -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key=KEY)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, body="<html>ok</html>", status=200)
        with pytest.raises(ResponseFormatError, match="not JSON"):
            model.generate("hi")
