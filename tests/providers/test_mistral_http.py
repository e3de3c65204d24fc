"""The ``mistral`` provider over HTTP (mocked with ``responses``): headers, round trip, errors.

A conversation with a tool call, its result and a final answer goes through
``get_model``/``Model.generate`` against recorded response bodies shaped
like the function-calling guide's retrieve_payment_status example
(https://docs.mistral.ai/capabilities/function_calling/); each request must
equal its fixture and carry ``Authorization: Bearer`` (https://docs.mistral.ai/api/).
The fake key must never appear in an exception or a ``ModelCall``.
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
    RateLimitError,
)
from modelkit.messages import ChatMessage, ChatMessageTool, ChatMessageUser
from modelkit.output import ModelCall
from modelkit.providers.mistral.api import MistralAPI
from modelkit.tools import ToolInfo, ToolParam, ToolParams

KEY = "test-key-not-real"
URL = "https://api.mistral.ai/v1/chat/completions"
HEADERS = {"Authorization": f"Bearer {KEY}", "content-type": "application/json"}

PAYMENT_STATUS = ToolInfo(
    name="retrieve_payment_status",
    description="Get payment status of a transaction",
    parameters=ToolParams(
        properties={"transaction_id": ToolParam(type="string", description="The transaction id.")},
        required=["transaction_id"],
    ),
)


def fixture(name: str) -> Any:
    return load_fixture("mistral", name)


def test_a_tool_call_its_result_and_a_final_answer_round_trip() -> None:
    model = get_model("mistral/mistral-large-latest", api_key=KEY)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        expect_post(
            mock,
            URL,
            request=fixture("round_trip_1.request.json"),
            response=fixture("tool_calls.response.json"),
            headers=HEADERS,
        )
        expect_post(
            mock,
            URL,
            request=fixture("round_trip_2.request.json"),
            response=fixture("final_answer.response.json"),
            headers=HEADERS,
        )
        question = "What's the status of my transaction T1001?"
        first = model.generate(question, tools=[PAYMENT_STATUS])
        assert first.stop_reason == "tool_calls"
        calls = first.message.tool_calls or []
        assert [(c.id, c.function, c.arguments) for c in calls] == [
            ("D681PevKs", "retrieve_payment_status", {"transaction_id": "T1001"})
        ]
        conversation: List[ChatMessage] = [
            ChatMessageUser(content=question),
            first.message,
            ChatMessageTool(
                content='{"status": "Paid"}', tool_call_id=calls[0].id, function=calls[0].function
            ),
        ]
        final = model.generate(conversation, tools=[PAYMENT_STATUS])
    assert final.stop_reason == "stop"
    assert final.completion.startswith("The status of your transaction with ID T1001 is 'Paid'.")
    assert model.usage.total_tokens == 117 + 157


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", KEY)
    monkeypatch.setenv("MISTRAL_BASE_URL", "http://127.0.0.1:9/mistral/v1")
    model = get_model("mistral/mistral-small-latest")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        expect_post(
            mock,
            "http://127.0.0.1:9/mistral/v1/chat/completions",
            response=fixture("text.response.json"),
            headers=HEADERS,
        )
        assert model.generate("hi").completion.startswith("Claude Monet")
    assert MistralAPI("m", base_url="https://eu.example", api_key=KEY).url == (
        "https://eu.example/v1/chat/completions"
    )


def test_a_missing_key_names_the_variable() -> None:
    with pytest.raises(MissingAPIKeyError, match="MISTRAL_API_KEY"):
        get_model("mistral/mistral-small-latest")


@pytest.mark.parametrize(
    ("case", "status", "kind"),
    [
        ("error_rate_limited", 429, RateLimitError),
        ("error_unauthorized", 401, AuthenticationError),
        ("error_message_order", 400, BadRequestError),
        ("error_validation", 422, BadRequestError),
        ("error_server", 500, APIError),
    ],
)
def test_errors_through_generate_and_the_key_never_shows(
    case: str, status: int, kind: type
) -> None:
    model = get_model("mistral/mistral-small-latest", api_key=KEY)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=fixture(f"{case}.response.json"), status=status)
        with pytest.raises(APIError) as caught:
            model.generate("hi", config=GenerateConfig(max_retries=0))
    error = caught.value
    assert type(error) is kind and error.status == status and error.provider == "mistral"
    for text in (str(error), repr(error), json.dumps(error.headers), json.dumps(error.body)):
        assert KEY not in text
    call = getattr(error, "call", None)
    if call is not None:
        assert KEY not in json.dumps(call.to_dict())


def test_a_rate_limit_is_retried() -> None:
    model = get_model("mistral/mistral-small-latest", api_key=KEY)
    waits: List[float] = []
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=fixture("error_rate_limit_plain.response.json"), status=429)
        mock.post(URL, json=fixture("text.response.json"))
        output = run_request(model.api, model.prepare("hi"), Retrying(sleep=waits.append))
    assert output.completion.startswith("Claude Monet") and len(waits) == 1


def test_model_calls_redact_the_key() -> None:
    api = MistralAPI("mistral-small-latest", api_key=KEY)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=fixture("text.response.json"))
        result = api.generate([ChatMessageUser(content="hi")], [], "none", GenerateConfig())
    assert isinstance(result, tuple)
    output, call = result
    assert isinstance(call, ModelCall)
    assert call.headers is not None and call.headers["Authorization"] == "[redacted]"
    assert KEY not in json.dumps(call.to_dict()) and KEY not in repr(api) and KEY not in str(output)
