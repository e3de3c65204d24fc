"""Call records, logging, timing and usage totals; and that no API key leaks anywhere.

The leak test drives every fault scenario of ``test_engine_faults`` with the
``modelkit`` and ``modelkit.http`` loggers at DEBUG, then searches every
exception (``str``, ``repr``, pickled form, body, headers, call record),
every output and every log record for the key the server did receive.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any, Dict, List

import pytest
from engine_provider import KEY, echo, loopback_model
from loopback import LoopbackServer, Reply

from modelkit import GenerateConfig
from modelkit.errors import APIError, BadRequestError
from modelkit.output import ModelCall


def test_output_carries_its_call_record_and_time(loopback: LoopbackServer) -> None:
    model = loopback_model(loopback.url)
    output = model.generate("hi", config=GenerateConfig(max_tokens=5))
    call = output.call
    assert isinstance(call, ModelCall)
    assert call.request == {
        "model": "test-model",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 5,
    }
    assert call.response["choices"][0]["message"]["content"] == "Hello from loopback"
    assert (call.status, call.url) == (200, f"{loopback.url}/chat/completions")
    assert call.headers == {"Content-Type": "application/json", "Authorization": "[redacted]"}
    assert call.time is not None and 0 < call.time <= output.time  # type: ignore[operator]
    assert "call" not in output.to_dict()  # a record, not part of the output's data


def test_call_records_shorten_base64_media(loopback: LoopbackServer) -> None:
    image = "data:image/png;base64," + "iVBORw0KGgo" * 200
    loopback.default = Reply(body={"choices": [], "echo": image})
    model = loopback_model(loopback.url)
    with pytest.raises(APIError) as caught:
        model.generate("hi")
    assert caught.value.call is not None
    assert caught.value.call.response["echo"] == "data:image/png;base64,[2200 base64 characters]"


def test_errors_carry_the_last_call_record(loopback: LoopbackServer) -> None:
    loopback.script(Reply(400, {"error": {"message": "bad things", "type": "invalid_request"}}))
    model = loopback_model(loopback.url)
    with pytest.raises(BadRequestError) as caught:
        model.generate("hi")
    call = caught.value.call
    assert call is not None and call.status == 400
    assert call.response == {"error": {"message": "bad things", "type": "invalid_request"}}
    again = pickle.loads(pickle.dumps(caught.value))
    assert (type(again), again.call, again.status) == (BadRequestError, call, 400)


def test_usage_total_is_thread_safe(loopback: LoopbackServer) -> None:
    loopback.default = echo()
    model = loopback_model(loopback.url, config=GenerateConfig(max_connections=16))
    model.generate_many([str(i) for i in range(200)], max_workers=16)
    assert (model.usage.input_tokens, model.usage.total_tokens) == (1000, 1800)


def test_one_debug_line_per_call(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="modelkit")
    loopback.script(Reply(503, "busy", headers={"retry-after": "0"}))
    model = loopback_model(loopback.url)
    model.generate("hi")
    lines = [r for r in caplog.records if r.name == "modelkit" and r.levelno == logging.DEBUG]
    assert len(lines) == 1
    message = lines[0].getMessage()
    assert message.startswith("modelkit: loopback/test-model: HTTP 200 in ")
    assert message.endswith("s, 2 attempts: ok")
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert retries == [
        "modelkit: loopback/test-model: HTTP 503: busy; retry 1 of 5 in 0.00s (retry-after)"
    ]
    assert not [r for r in caplog.records if r.name == "modelkit.http"]  # no bodies unless asked


def test_bodies_are_logged_when_modelkit_http_is_set_to_debug(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="modelkit.http")
    model = loopback_model(loopback.url)
    model.generate("a secret prompt")
    bodies = [r.getMessage() for r in caplog.records if r.name == "modelkit.http"]
    assert len(bodies) == 1
    assert '"content": "a secret prompt"' in bodies[0]
    assert "Hello from loopback" in bodies[0]
    assert '"Authorization": "[redacted]"' in bodies[0]


def test_a_failed_call_logs_why_it_gave_up(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="modelkit")
    loopback.script(Reply(404, {"error": {"message": "no such model"}}))
    with pytest.raises(BadRequestError):
        loopback_model(loopback.url).generate("hi")
    message = caplog.records[-1].getMessage()
    assert message.startswith("modelkit: loopback/test-model: HTTP 404 in ")
    assert message.endswith("s, 1 attempt: BadRequestError (not retryable)")


SCENARIOS = [
    Reply(400, {"error": {"message": "bad request", "type": "invalid_request_error"}}),
    Reply(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}),
    Reply(429, {"error": {"message": "quota", "type": "insufficient_quota"}}),
    Reply(429, {"error": {"message": "slow down"}}, headers={"retry-after": "600"}),
    Reply(503, "unavailable"),
    Reply(200, "{not json"),
    Reply(reset_after=5),
    Reply(truncate_at=5),
    Reply(delay=5),
    Reply(200),
]


def test_no_api_key_in_any_exception_log_repr_or_record(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="modelkit")
    caplog.set_level(logging.DEBUG, logger="modelkit.http")
    model = loopback_model(loopback.url)
    config = GenerateConfig(max_retries=1, timeout=0.5)
    seen: List[Any] = [repr(model), repr(model.api), str(model)]
    for reply in SCENARIOS:
        loopback.default = reply
        try:
            output = model.generate("hi", config=config)
        except APIError as error:
            seen += [str(error), repr(error), error.body, error.headers, error.call]
            seen += [pickle.dumps(error), repr(error.__cause__), str(error.__context__)]
        else:
            seen += [repr(output), output.to_dict(), output.call]
    assert loopback.count >= len(SCENARIOS)
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in loopback.requests)
    seen += [r.getMessage() for r in caplog.records]
    seen += [r.exc_text for r in caplog.records if r.exc_text]
    assert len(caplog.records) > len(SCENARIOS)
    leaks = [
        item
        for item in seen
        if KEY in (item.decode("latin-1") if isinstance(item, bytes) else repr(item))
    ]
    assert leaks == []


def test_a_deferred_call_record_is_built_once_on_first_access() -> None:
    from modelkit.output import ModelCall

    built: List[int] = []

    def build() -> Dict[str, Any]:
        built.append(1)
        return {"request": {"a": 1}, "response": {"b": 2}, "url": "u", "headers": {}}

    call = ModelCall.deferred(build, time=0.5, status=200)
    assert call.status == 200 and call.time == 0.5 and built == []
    assert call.request == {"a": 1} and call.response == {"b": 2} and built == [1]
    assert call.url == "u" and built == [1]
    other = ModelCall.deferred(build, time=0.5, status=200)
    assert pickle.loads(pickle.dumps(other)) == call
    assert ModelCall.deferred(build, time=0.5, status=200).to_dict() == call.to_dict()
    assert "request" in repr(ModelCall.deferred(build, time=0.5, status=200))
