"""Anthropic, Gemini and Mistral batches through loopback fakes of their batch APIs.

The fakes (``batch_fakes``) follow:

- Anthropic Message Batches: https://docs.anthropic.com/en/docs/build-with-claude/batch-processing
  and https://docs.anthropic.com/en/api/creating-message-batches (``requests:
  [{custom_id, params}]``, ``processing_status`` ``in_progress`` / ``canceling``
  / ``ended``, ``request_counts``, ``results_url`` JSON Lines with ``result.type``
  ``succeeded`` / ``errored`` / ``canceled`` / ``expired``; 100,000 requests or
  256 MB), and the SDK's ``types/messages/message_batch*.py``;
- Gemini batch mode: https://ai.google.dev/gemini-api/docs/batch-mode
  (``models/{model}:batchGenerateContent`` with ``input_config.requests`` inline
  up to 20 MB or ``input_config.file_name``, ``BATCH_STATE_*``,
  ``inlinedResponses`` / ``responsesFile``, ``batches/{id}:cancel``), the Files
  API's resumable upload (https://ai.google.dev/api/files), and python-genai's
  ``batches.py`` / ``_transformers.t_job_state``;
- Mistral batch: https://docs.mistral.ai/capabilities/batch/ (``/v1/files``
  with ``purpose=batch``, ``/v1/batch/jobs``, statuses ``QUEUED`` ...
  ``TIMEOUT_EXCEEDED``, ``output_file`` / ``error_file``) and client-python's
  ``models/batchjob.py`` / ``batchjobstatus.py``; result lines as OpenAI's,
  of which client-python's ``examples/mistral/jobs/
  async_batch_job_chat_completion_inline.py`` confirms ``response.body``.

Every result file lists its lines in reverse input order.
"""

from __future__ import annotations

import json
from typing import Any, Callable, List

import pytest
from batch_fakes import FakeAnthropic, FakeGemini, FakeMistral
from loopback import LoopbackServer

from modelkit import get_model
from modelkit.config import BatchConfig
from modelkit.errors import APIError, APITimeoutError, BadRequestError
from modelkit.model import Model
from modelkit.output import ModelOutput

FAST = {"batch": BatchConfig(tick=0.001, max_tick=0.01)}
KEY = "sk-test-batch-key"


def _texts(outputs: List[Any]) -> List[Any]:
    return [o.completion if isinstance(o, ModelOutput) else type(o).__name__ for o in outputs]


def _anthropic(server: LoopbackServer) -> Model:
    return get_model("anthropic/claude-sonnet-4-5", base_url=server.url, api_key=KEY, memoize=False)


def _gemini(server: LoopbackServer) -> Model:
    return get_model("google/gemini-2.5-flash", base_url=server.url, api_key=KEY, memoize=False)


def _mistral(server: LoopbackServer) -> Model:
    return get_model(
        "mistral/mistral-small-latest", base_url=server.url, api_key=KEY, memoize=False
    )


CASES = [
    pytest.param(FakeAnthropic, _anthropic, id="anthropic"),
    pytest.param(FakeGemini, _gemini, id="google"),
    pytest.param(FakeMistral, _mistral, id="mistral"),
]


def _serve(fake_class: Any, **kwargs: Any) -> Any:
    fake = fake_class(**kwargs)
    server = LoopbackServer(default=fake)
    if hasattr(fake, "url"):
        fake.url = server.url
    return fake, server


@pytest.mark.parametrize(("fake_class", "make"), CASES)
def test_lifecycle_partial_failure_and_order(fake_class: Any, make: Callable[..., Model]) -> None:
    _fake, server = _serve(fake_class)
    with server:
        model = make(server)
        outputs = model.generate_many(["a", "FAIL b", "c"], config=FAST, return_exceptions=True)
        assert all(KEY not in json.dumps(r.path) for r in server.requests)
    assert _texts(outputs) == ["echo: a", "BadRequestError", "echo: c"]
    assert "FAIL" in str(outputs[1])
    assert model.usage.total_tokens == 18


@pytest.mark.parametrize(("fake_class", "make"), CASES)
def test_expired_batch_keeps_what_finished(fake_class: Any, make: Callable[..., Model]) -> None:
    plan = {
        FakeAnthropic: ["in_progress", "ended"],
        FakeGemini: ["in_progress", "expired"],
        FakeMistral: ["in_progress", "expired"],
    }[fake_class]
    _fake, server = _serve(fake_class, plan=plan, processed=1)
    with server:
        outputs = make(server).generate_many(["a", "b", "c"], config=FAST, return_exceptions=True)
    assert _texts(outputs) == ["echo: a", "APITimeoutError", "APITimeoutError"]
    assert "expired" in str(outputs[2])


@pytest.mark.parametrize(("fake_class", "make"), CASES)
def test_cancel_by_handle(fake_class: Any, make: Callable[..., Model]) -> None:
    _fake, server = _serve(fake_class, plan=["in_progress"] * 3, processed=1)
    with server:
        model = make(server)
        handle = model.batch_submit(["a", "b"]).to_json()
        assert not model.batch_status(handle).done
        model.batch_cancel(handle)
        outputs = model.batch_collect(handle, config=FAST)
    assert _texts(outputs) == ["echo: a", "APIError"]
    assert isinstance(outputs[1], APIError) and "cancel" in str(outputs[1])


def test_anthropic_batch_request_body() -> None:
    _fake, server = _serve(FakeAnthropic)
    with server:
        _anthropic(server).batch_submit(["hi"], config={"max_tokens": 7})
        create = next(r for r in server.requests if r.method == "POST")
    assert (
        create.headers["x-api-key"] == KEY and create.headers["anthropic-version"] == "2023-06-01"
    )
    assert create.json() == {
        "requests": [
            {
                "custom_id": "0",
                "params": {
                    "model": "claude-sonnet-4-5",
                    "max_tokens": 7,
                    "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
                },
            }
        ]
    }


def test_gemini_large_batches_go_through_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from modelkit.providers.google import _batch

    monkeypatch.setattr(_batch, "INLINE_LIMIT", 10)
    fake, server = _serve(FakeGemini)
    with server:
        outputs = _gemini(server).generate_many(
            ["a", "FAIL b"], config=FAST, return_exceptions=True
        )
        paths = [r.path for r in server.requests]
    assert _texts(outputs) == ["echo: a", "BadRequestError"]
    assert paths[:3] == [
        "/upload/v1beta/files",
        "/upload/session/s1",
        "/v1beta/models/gemini-2.5-flash:batchGenerateContent",
    ]
    assert any(p.startswith("/download/v1beta/files/") for p in paths)
    uploaded = [json.loads(x) for x in fake.files["files/s1"].splitlines()]
    assert [x["key"] for x in uploaded] == ["0", "1"]
    assert uploaded[0]["request"]["contents"] == [{"role": "user", "parts": [{"text": "a"}]}]


def test_mistral_lines_leave_the_model_to_the_job() -> None:
    fake, server = _serve(FakeMistral)
    with server:
        _mistral(server).batch_submit(["hi"])
    [batch] = fake.batches.values()
    [line] = [json.loads(x) for x in fake.files[batch["input_file_id"]].splitlines()]
    assert line["custom_id"] == "0" and "model" not in line["body"]
    assert batch["_model"] == "mistral-small-latest"


def test_error_results_are_the_providers_exceptions() -> None:
    _fake, server = _serve(FakeAnthropic)
    with server:
        [output] = _anthropic(server).generate_many(["FAIL"], config=FAST, return_exceptions=True)
    assert isinstance(output, BadRequestError) and output.status == 400
    assert not isinstance(output, APITimeoutError)


class BareMistral(FakeMistral):
    """Result lines with only ``custom_id`` and ``response.body``: all that
    Mistral's own example reads (client-python
    ``examples/mistral/jobs/async_batch_job_chat_completion_inline.py``)."""

    def finish(self, batch: Any, state: str) -> None:
        super().finish(batch, state)
        file_id = batch["output_file_id"]
        lines = [json.loads(x) for x in self.files[file_id].decode().splitlines()]
        bare = [
            {"custom_id": x["custom_id"], "response": {"body": x["response"]["body"]}}
            for x in lines
        ]
        self.files[file_id] = "".join(json.dumps(x) + "\n" for x in bare).encode()


def test_mistral_result_lines_without_status_code() -> None:
    _fake, server = _serve(BareMistral)
    with server:
        outputs = _mistral(server).generate_many(["a", "b"], config=FAST)
    assert _texts(outputs) == ["echo: a", "echo: b"]
