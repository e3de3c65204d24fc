"""``ModelRequestId`` and ``record_response_headers``, as in Inspect 0.3.285.

Inspect's ``inspect_ai/model/_response_headers.py`` (a provider making its own
HTTP calls records each response's headers for the call in progress; no
effect outside one) and ``_model_call.py`` (``ModelRequestId(id, header,
status)``), with the request-id headers of ``_providers/util/hooks.py``
(``x-request-id``, ``request-id``, ``x-amzn-requestid``,
``mistral-correlation-id``). OpenAI documents ``x-request-id`` on every
response: https://platform.openai.com/docs/api-reference/debugging-requests
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
import responses

from modelkit import (
    GenerateConfig,
    Model,
    ModelAPI,
    ModelOutput,
    ModelRequestId,
    RateLimitError,
    get_model,
    record_response_headers,
)
from modelkit._engine.retry import Retrying
from modelkit._engine.run import run_request

KEY = "sk-test-0123456789abcdef"
CHAT_ANSWER: Dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}


def openai_answer(headers: Dict[str, str]) -> ModelOutput:
    model = get_model("openai/gpt-4o", api_key=KEY, memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post("https://api.openai.com/v1/chat/completions", json=CHAT_ANSWER, headers=headers)
        return model.generate("hi")


def test_the_request_id_of_a_built_in_provider_is_on_the_call() -> None:
    output = openai_answer({"x-request-id": "req_abc123"})
    assert output.call is not None
    assert output.call.request_ids == [
        ModelRequestId(id="req_abc123", header="x-request-id", status=200)
    ]
    assert output.call.model_dump()["request_ids"] == [
        {"id": "req_abc123", "header": "x-request-id", "status": 200}
    ]


def test_a_request_id_echoing_the_key_is_dropped() -> None:
    output = openai_answer({"x-request-id": f"req-{KEY}"})
    assert output.call is not None and output.call.request_ids is None


class OwnHttp(ModelAPI):
    """A provider making its own HTTP calls, as Inspect's docs describe one."""

    def __init__(self, headers: List[Dict[str, str]]) -> None:
        super().__init__("own-http", base_url=f"http://own/{id(self)}")
        self.headers = headers

    def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> Any:
        headers = self.headers.pop(0)
        record_response_headers(headers)
        if headers.get("Retry-After"):
            raise RateLimitError("slow down", status=429)
        return ModelOutput.from_content(self.model_name, "ok")


def test_a_provider_records_its_own_response_headers() -> None:
    api = OwnHttp([{"Request-Id": "r-1"}])
    output = Model(api).generate("hi")
    assert output.completion == "ok"
    assert output.call is None  # no record of its own: nothing to attach ids to

    api = OwnHttp([{"Retry-After": "7", "X-Request-Id": "r-2"}, {"X-Request-Id": "r-3"}])
    waits: List[float] = []
    model = Model(api, GenerateConfig(max_retries=2))
    output = run_request(api, model.prepare("hi"), Retrying(sleep=waits.append))
    assert output.completion == "ok"
    assert waits == [7.0]  # the recorded Retry-After set the wait


def test_recording_outside_a_call_does_nothing() -> None:
    record_response_headers({"x-request-id": "nowhere"})  # no error, nothing kept


def test_only_retry_advice_reaches_an_error() -> None:
    class Echo(OwnHttp):
        def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> Any:
            record_response_headers({"retry-after": "1", "x-echo": KEY, "x-should-retry": "false"})
            raise RateLimitError("slow down", status=429)

    api = Echo([])
    with pytest.raises(RateLimitError) as info:
        Model(api, GenerateConfig(max_retries=3)).generate("hi")
    assert info.value.headers == {"retry-after": "1", "x-should-retry": "false"}
    assert info.value.attempts == 1  # x-should-retry: false was honoured
