"""The engine against a faulty server: what is retried, what is raised, how long it takes.

Each scenario runs a real HTTP request to the loopback server
(``tests/loopback.py``) through a small OpenAI-chat-shaped test provider
(``tests/engine_provider.py``). Error bodies are shaped as the OpenAI API
reference documents them (https://platform.openai.com/docs/guides/error-codes):
``{"error": {"message", "type", "param", "code"}}``. Waits between retries
use a fake clock where the test is about counts, and real time where it is
about the call's deadline (``docs/engine.md`` states the bound: a call ends
within ``timeout`` seconds of getting its connection slot, plus the time to
close a socket).
"""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest
from engine_provider import KEY, FakeTime, loopback_model
from loopback import LoopbackServer, Reply

from modelkit import GenerateConfig
from modelkit._engine.run import run_request
from modelkit.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    QuotaExceededError,
    RateLimitError,
    ResponseFormatError,
)

SLACK = 0.5  # seconds allowed past a deadline on a busy 2-core machine


def _openai_error(message: str, type: str, code: Any = None, param: Any = None) -> Dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


RATE_LIMITED = _openai_error(
    "Rate limit reached for requests", "requests", code="rate_limit_exceeded"
)


def _run(server: LoopbackServer, fake: FakeTime, **config: Any) -> Any:
    model = loopback_model(server.url)
    return run_request(model.api, model.prepare("hi", config=config or None), fake.retrying())


def test_429_with_retry_after_waits_then_succeeds(loopback: LoopbackServer) -> None:
    loopback.script(Reply(429, RATE_LIMITED, headers={"Retry-After": "1"}))
    model = loopback_model(loopback.url)
    start = time.monotonic()
    output = model.generate("hi")
    elapsed = time.monotonic() - start
    assert output.completion == "Hello from loopback"
    assert loopback.count == 2
    assert 0.95 <= elapsed < 1 + SLACK
    assert loopback.requests[1].time - loopback.requests[0].time >= 0.95


def test_retry_after_ms_is_preferred(loopback: LoopbackServer) -> None:
    fake = FakeTime()
    loopback.script(
        Reply(429, RATE_LIMITED, headers={"retry-after-ms": "1500", "retry-after": "9"}),
        Reply(429, RATE_LIMITED, headers={"retry-after": "2"}),
    )
    assert _run(loopback, fake).completion == "Hello from loopback"
    assert fake.sleeps == [1.5, 2.0]


@pytest.mark.parametrize("status", [500, 502, 503, 529])
def test_server_errors_are_retried_then_succeed(loopback: LoopbackServer, status: int) -> None:
    fake = FakeTime()
    body = _openai_error("The server is overloaded", "server_error")
    loopback.script(Reply(status, body), Reply(status, "<html>bad gateway</html>"))
    output = _run(loopback, fake)
    assert output.completion == "Hello from loopback"
    assert loopback.count == 3
    assert fake.sleeps == [0.5, 1.0]


def test_retries_run_out_raising_the_last_api_error(loopback: LoopbackServer) -> None:
    fake = FakeTime()
    loopback.default = Reply(503, _openai_error("Service unavailable, try later", "server_error"))
    with pytest.raises(APIError) as caught:
        _run(loopback, fake, max_retries=3)
    error = caught.value
    assert type(error) is APIError
    assert (error.status, error.attempts, loopback.count) == (503, 4, 4)
    assert error.call is not None and error.call.status == 503
    assert fake.sleeps == [0.5, 1.0, 2.0]
    assert str(error) == (
        "loopback/test-model: HTTP 503: Service unavailable, try later (server_error) "
        "(after 4 attempts)"
    )


def test_default_max_retries_is_five(loopback: LoopbackServer) -> None:
    loopback.default = Reply(500, "oops")
    with pytest.raises(APIError) as caught:
        _run(loopback, FakeTime())
    assert (caught.value.attempts, loopback.count) == (6, 6)


def test_max_retries_zero_makes_one_attempt(loopback: LoopbackServer) -> None:
    loopback.default = Reply(429, RATE_LIMITED)
    with pytest.raises(RateLimitError) as caught:
        _run(loopback, FakeTime(), max_retries=0)
    assert (caught.value.attempts, loopback.count) == (1, 1)


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (Reply(reset_after=20), "connection to {host} was reset while the response was read"),
        (Reply(truncate_at=20), "the response from {host} ended early (20 bytes read, "),
    ],
)
def test_broken_bodies_are_connection_errors_and_retried(
    loopback: LoopbackServer, fault: Reply, said: str
) -> None:
    loopback.script(fault)
    assert _run(loopback, FakeTime()).completion == "Hello from loopback"
    assert loopback.count == 2
    loopback.default = fault
    loopback.reset_counts()
    with pytest.raises(APIConnectionError) as caught:
        _run(loopback, FakeTime(), max_retries=2)
    assert (caught.value.attempts, loopback.count) == (3, 3)
    assert caught.value.status is None
    host = loopback.url.split("//", 1)[1]
    assert f"loopback/test-model: no response: {said.format(host=host)}" in str(caught.value)


def test_invalid_json_is_a_format_error_not_retried(loopback: LoopbackServer) -> None:
    loopback.script(Reply(200, "{'choices': oops" + "x" * 5000))
    with pytest.raises(ResponseFormatError, match="response is not JSON") as caught:
        _run(loopback, FakeTime())
    assert loopback.count == 1
    assert len(str(caught.value)) < 700
    assert caught.value.call is not None and caught.value.call.status == 200


def test_unexpected_json_shape_is_a_format_error(loopback: LoopbackServer) -> None:
    loopback.script(Reply(200, {"id": "x", "object": "chat.completion", "choices": []}))
    with pytest.raises(ResponseFormatError, match="unexpected response") as caught:
        _run(loopback, FakeTime())
    assert "IndexError" in str(caught.value)
    assert loopback.count == 1


@pytest.mark.parametrize(
    "fault", [Reply(delay=10), Reply(trickle=(1, 0.1))], ids=["silent", "trickling"]
)
def test_a_slow_response_is_cut_off_at_the_deadline(loopback: LoopbackServer, fault: Reply) -> None:
    loopback.default = fault
    model = loopback_model(loopback.url)
    start = time.monotonic()
    with pytest.raises(APITimeoutError) as caught:
        model.generate("hi", config=GenerateConfig(timeout=0.6))
    elapsed = time.monotonic() - start
    assert 0.6 <= elapsed < 0.6 + SLACK
    assert loopback.count == 1
    assert "timeout=0.6s ran out" in str(caught.value)
    assert isinstance(caught.value, TimeoutError)


def test_retrying_server_errors_stops_at_the_deadline(loopback: LoopbackServer) -> None:
    loopback.default = Reply(503, _openai_error("overloaded", "server_error"), delay=0.2)
    model = loopback_model(loopback.url)
    start = time.monotonic()
    with pytest.raises(APIError) as caught:
        model.generate("hi", config=GenerateConfig(timeout=1.5, max_retries=50))
    elapsed = time.monotonic() - start
    assert elapsed < 1.5 + SLACK
    assert caught.value.status in (503, None)
    assert caught.value.attempts >= 2


def test_each_attempt_gets_the_time_that_remains(loopback: LoopbackServer) -> None:
    seen = []
    model = loopback_model(loopback.url)
    original = model.api.generate

    def recording(input: Any, tools: Any, tool_choice: Any, config: GenerateConfig) -> Any:
        seen.append(config.timeout)
        return original(input, tools, tool_choice, config)

    model.api.generate = recording  # type: ignore[method-assign]
    loopback.script(Reply(503, "busy"), Reply(503, "busy"))
    fake = FakeTime()
    run_request(model.api, model.prepare("hi", config=GenerateConfig(timeout=10)), fake.retrying())
    assert seen == [10, 9.5, 8.5]


def test_retry_after_beyond_the_deadline_gives_up_at_once(loopback: LoopbackServer) -> None:
    loopback.default = Reply(429, RATE_LIMITED, headers={"retry-after": "30"})
    model = loopback_model(loopback.url)
    start = time.monotonic()
    with pytest.raises(RateLimitError) as caught:
        model.generate("hi", config=GenerateConfig(timeout=5))
    assert time.monotonic() - start < SLACK
    assert (caught.value.attempts, caught.value.headers["retry-after"]) == (1, "30")


def test_bad_request_is_not_retried(loopback: LoopbackServer) -> None:
    body = _openai_error(
        "Unsupported parameter: 'max_tokens' is not supported with this model.",
        "invalid_request_error",
        code="unsupported_parameter",
        param="max_tokens",
    )
    loopback.script(Reply(400, body))
    with pytest.raises(BadRequestError) as caught:
        _run(loopback, FakeTime())
    assert loopback.count == 1
    assert str(caught.value) == (
        "loopback/test-model: HTTP 400: Unsupported parameter: 'max_tokens' is not supported "
        "with this model. (invalid_request_error)"
    )
    assert caught.value.body == body
    assert isinstance(caught.value, ValueError)


def test_bad_key_is_an_authentication_error_not_retried(loopback: LoopbackServer) -> None:
    body = _openai_error(
        "Incorrect API key provided: sk-loop**********4242.",
        "invalid_request_error",
        code="invalid_api_key",
    )
    loopback.script(Reply(401, body))
    with pytest.raises(AuthenticationError) as caught:
        _run(loopback, FakeTime())
    assert loopback.count == 1
    assert "HTTP 401: Incorrect API key provided" in str(caught.value)
    assert KEY not in str(caught.value)
    assert loopback.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_quota_exhaustion_fails_at_once(loopback: LoopbackServer) -> None:
    body = _openai_error(
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
        code="insufficient_quota",
    )
    loopback.default = Reply(429, body, headers={"retry-after": "1"})
    with pytest.raises(QuotaExceededError) as caught:
        _run(loopback, FakeTime())
    assert loopback.count == 1
    assert caught.value.status == 429
    assert "You exceeded your current quota" in str(caught.value)
    assert "retrying will not help" in str(caught.value)
    assert caught.value.attempts == 1


def test_connection_refused_is_retried_then_raised() -> None:
    with LoopbackServer() as server:
        url = server.url
    fake = FakeTime()
    model = loopback_model(url)
    with pytest.raises(APIConnectionError) as caught:
        run_request(model.api, model.prepare("hi", config={"max_retries": 2}), fake.retrying())
    assert caught.value.attempts == 3
    assert len(fake.sleeps) == 2


def test_a_late_wake_up_still_makes_a_valid_last_attempt(loopback: LoopbackServer) -> None:
    seen = []
    model = loopback_model(loopback.url)
    original = model.api.generate

    def recording(input: Any, tools: Any, tool_choice: Any, config: GenerateConfig) -> Any:
        seen.append(config.timeout)
        return original(input, tools, tool_choice, config)

    model.api.generate = recording  # type: ignore[method-assign]
    fake = FakeTime()

    def oversleep(seconds: float) -> None:
        fake.sleep(seconds + 5)  # the OS woke us long after the deadline

    retrying = fake.retrying().replace(sleep=oversleep)
    loopback.script(Reply(503, "busy"))
    try:  # 1 ms may or may not be enough for the loopback server to answer
        run_request(model.api, model.prepare("hi", config={"timeout": 2}), retrying)
    except APITimeoutError as error:
        assert "timeout=2s ran out" in str(error)
    assert seen == [2, 0.001]
