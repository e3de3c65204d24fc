"""OpenAI and Azure OpenAI batches through a loopback fake of the Batch API.

The fake (``batch_fakes.FakeOpenAI``) follows
https://platform.openai.com/docs/guides/batch and
https://platform.openai.com/docs/api-reference/batch (upload with
``purpose=batch``, ``POST /v1/batches {input_file_id, endpoint,
completion_window}``, the batch object's ``status`` values and
``request_counts``, output and error files of ``{id, custom_id, response:
{status_code, request_id, body}, error}`` lines, 50,000 requests / 200 MB per
file), the openai-python SDK's ``types/batch.py``, and
https://learn.microsoft.com/azure/ai-services/openai/how-to/batch (Azure:
``/openai/files`` and ``/openai/batches`` with ``api-version``, the
deployment in each line's ``model``, ``url: /chat/completions``) and, for
Azure's v1 API, MicrosoftDocs/azure-ai-docs
``articles/ai-foundry/openai/includes/batch/batch-rest.md`` (``/openai/v1/...``
with no ``api-version``, lines' ``url: /v1/chat/completions``, the create
body's ``endpoint: /chat/completions``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
from batch_fakes import FakeOpenAI
from loopback import LoopbackServer

from modelkit import ContentImage, GenerateConfig, get_model
from modelkit.batch import BatchHandle
from modelkit.config import BatchConfig
from modelkit.errors import (
    APIError,
    APITimeoutError,
    BadRequestError,
    BatchNotDoneError,
    BatchTimeoutError,
    ConfigError,
)
from modelkit.model import Model
from modelkit.output import ModelOutput

FAST = BatchConfig(tick=0.001, max_tick=0.01)
KEY = "sk-test-batch-key"


def _model(server: LoopbackServer, **args: Any) -> Model:
    return get_model(
        "openai/gpt-4o", base_url=f"{server.url}/v1", api_key=KEY, memoize=False, **args
    )


def _texts(outputs: List[Any]) -> List[Any]:
    return [o.completion if isinstance(o, ModelOutput) else type(o).__name__ for o in outputs]


def _uploaded(fake: FakeOpenAI) -> List[List[dict]]:  # type: ignore[type-arg]
    return [
        [json.loads(x) for x in data.splitlines()]
        for fid, data in fake.files.items()
        if fid in {b["input_file_id"] for b in fake.batches.values()}
    ]


def test_generate_many_walks_the_lifecycle_in_input_order() -> None:
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        model = _model(server)
        prompts = ["a", "b", "FAIL c", "d"]
        seen: List[Any] = []
        outputs = model.generate_many(
            prompts,
            config={"batch": FAST, "max_tokens": 5},
            return_exceptions=True,
            progress=lambda done, total: seen.append((done, total)),
        )
    # The result files list lines last-first; outputs still follow the inputs.
    assert _texts(outputs) == ["echo: a", "echo: b", "BadRequestError", "echo: d"]
    assert "FAIL is not allowed" in str(outputs[2])
    assert seen[-1] == (4, 4)
    [lines] = _uploaded(fake)
    assert [line["custom_id"] for line in lines] == ["0", "1", "2", "3"]
    assert lines[0] == {
        "custom_id": "0",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "a"}],
            "max_tokens": 5,
        },
    }
    assert fake.calls[:2] == ["POST /v1/files", "POST /v1/batches"]
    assert model.usage.total_tokens == 27  # three answers of 9 tokens


def test_first_failure_raises_without_return_exceptions() -> None:
    with LoopbackServer(default=FakeOpenAI()) as server:
        with pytest.raises(BadRequestError):
            _model(server).generate_many(["ok", "FAIL"], config={"batch": FAST})


def test_a_job_is_split_by_batch_size() -> None:
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        config = GenerateConfig(batch=BatchConfig(size=2, tick=0.001))
        outputs = _model(server).generate_many([f"p{i}" for i in range(5)], config=config)
    assert _texts(outputs) == [f"echo: p{i}" for i in range(5)]
    assert [len(lines) for lines in _uploaded(fake)] == [2, 2, 1]


def test_a_job_is_split_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    from modelkit.providers.openai import _batch

    monkeypatch.setattr(_batch.OpenAIBatchClient, "max_bytes", 250)
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        outputs = _model(server).generate_many(["x" * 60] * 4, config={"batch": FAST})
        with pytest.raises(ConfigError, match="at most 250 bytes"):
            _model(server).batch_submit(["y" * 400])
    assert len(outputs) == 4
    sizes = [len(fake.files[b["input_file_id"]]) for b in fake.batches.values()]
    assert len(sizes) == 4 and all(size <= 250 for size in sizes)


def test_expired_batch_returns_what_finished_and_errors_for_the_rest() -> None:
    fake = FakeOpenAI(plan=["validating", "in_progress", "expired"], processed=2)
    with LoopbackServer(default=fake) as server:
        outputs = _model(server).generate_many(
            ["a", "b", "c", "d"], config={"batch": FAST}, return_exceptions=True
        )
    assert _texts(outputs) == ["echo: a", "echo: b", "APITimeoutError", "APITimeoutError"]
    assert isinstance(outputs[2], APITimeoutError) and "expired" in str(outputs[2])


def test_failed_batch_is_an_error_for_every_input() -> None:
    fake = FakeOpenAI(plan=["validating", "failed"])
    with LoopbackServer(default=fake) as server:
        outputs = _model(server).generate_many(
            ["a", "b"], config={"batch": FAST}, return_exceptions=True
        )
    assert all(isinstance(o, APIError) and "Line 1 is not valid JSON" in str(o) for o in outputs)


def test_cache_hits_are_not_sent_and_results_are_stored() -> None:
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        model = _model(server)
        first = model.generate_many(["a", "b"], config={"batch": FAST}, cache=True)
        second = model.generate_many(["a", "b", "c"], config={"batch": FAST}, cache=True)
        assert [o.cached for o in second] == [True, True, None]
        assert _texts(second) == ["echo: a", "echo: b", "echo: c"]
        # The batch result for "c" is in the cache for a plain generate.
        assert model.generate("c", cache=True).cached
    assert [len(lines) for lines in _uploaded(fake)] == [2, 1]
    assert _texts(first) == ["echo: a", "echo: b"]


def test_submit_status_collect_and_cancel_by_handle() -> None:
    fake = FakeOpenAI(plan=["validating", "in_progress", "in_progress", "cancelled"], processed=1)
    with LoopbackServer(default=fake) as server:
        model = _model(server)
        handle = model.batch_submit(["a", "b", "c"])
        text = handle.to_json()
        assert KEY not in text and len(text) < 300
        assert model.batch_status(text).state == "validating"
        with pytest.raises(BatchNotDoneError) as caught:
            model.batch_collect(text, wait=False)
        assert caught.value.handle.jobs[0].id == handle.jobs[0].id
        status = model.batch_cancel(handle)
        assert status.done and status.state == "cancelled"
        outputs = model.batch_collect(BatchHandle.from_json(text), wait=False)
    assert _texts(outputs) == ["echo: a", "APIError", "APIError"]
    assert "cancelled" in str(outputs[1])
    assert "POST /v1/batches/batch_1/cancel" in fake.calls


def test_deadline_raises_with_the_handle() -> None:
    fake = FakeOpenAI(plan=["in_progress"])
    with LoopbackServer(default=fake) as server:
        model = _model(server)
        with pytest.raises(BatchTimeoutError) as caught:
            model.generate_many(["a"], config={"batch": BatchConfig(tick=0.001, deadline=0.05)})
        assert model.batch_status(caught.value.handle).state == "in_progress"


def test_handle_of_another_model_and_providers_without_batches() -> None:
    with LoopbackServer(default=FakeOpenAI()) as server:
        handle = _model(server).batch_submit(["a"])
    other = get_model("openai/gpt-4o-mini", api_key=KEY, memoize=False)
    with pytest.raises(ConfigError, match="openai/gpt-4o"):
        other.batch_status(handle)
    with pytest.raises(ConfigError, match="no batch API"):
        get_model("mockllm/model").generate_many(["a"], config={"batch": True})
    with pytest.raises(ConfigError, match="not a batch handle"):
        other.batch_status("{}")


def test_responses_api_models_batch_their_responses_bodies() -> None:
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        batch = fake.batches
        model = _model(server, responses_api=True)
        handle = model.batch_submit(["a"])
    [lines] = _uploaded(fake)
    assert lines[0]["url"] == "/v1/responses" and lines[0]["body"]["input"][0]["role"] == "user"
    assert batch[handle.jobs[0].id]["endpoint"] == "/v1/responses"


def test_azure_global_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenAI(prefix="/openai")
    with LoopbackServer(default=fake) as server:
        model = get_model(
            "azure/my-gpt4o",
            base_url=server.url,
            api_key=KEY,
            memoize=False,
            api_version="2024-10-21",
        )
        outputs = model.generate_many(["a", "b"], config={"batch": FAST})
        assert all(r.path.endswith("?api-version=2024-10-21") for r in server.requests)
        assert all(r.headers.get("api-key") == KEY for r in server.requests)
    assert _texts(outputs) == ["echo: a", "echo: b"]
    [lines] = _uploaded(fake)
    assert lines[0]["url"] == "/chat/completions" and lines[0]["body"]["model"] == "my-gpt4o"
    assert [b["endpoint"] for b in fake.batches.values()] == ["/chat/completions"]


def test_azure_v1_batch_lines_say_v1_and_the_job_does_not() -> None:
    # azure-ai-docs batch-rest.md (v1 API): lines "url": "/v1/chat/completions",
    # POST /openai/v1/batches {"endpoint": "/chat/completions"}, no api-version.
    fake = FakeOpenAI(prefix="/openai/v1")
    with LoopbackServer(default=fake) as server:
        model = get_model(
            "azure/my-gpt4o", base_url=server.url, api_key=KEY, memoize=False, api_version="v1"
        )
        outputs = model.generate_many(["a", "b"], config={"batch": FAST})
        assert not any("api-version" in r.path for r in server.requests)
    assert _texts(outputs) == ["echo: a", "echo: b"]
    [lines] = _uploaded(fake)
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    assert lines[0]["body"]["model"] == "my-gpt4o"
    assert [b["endpoint"] for b in fake.batches.values()] == ["/chat/completions"]


class PoisonedOpenAI(FakeOpenAI):
    """Answers "b" with a string token count and "d" with a line nested 100,000 deep."""

    def finish(self, batch: Any, state: str) -> None:
        super().finish(batch, state)
        file_id = batch["output_file_id"]
        lines = self.files[file_id].decode().splitlines()
        poisoned = []
        for line in lines:
            if '"echo: b"' in line:
                entry = json.loads(line)
                entry["response"]["body"]["usage"] = {"prompt_tokens": "9"}
                line = json.dumps(entry)
            if '"echo: d"' in line:
                line = '{"custom_id": "3", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
            poisoned.append(line)
        self.files[file_id] = ("\n".join(poisoned) + "\n").encode()


def test_malformed_result_lines_fail_their_input_alone() -> None:
    # Issue 16, point 9: a wrong-typed field or a hostile line is an error for
    # its input, never an exception that loses the whole batch.
    with LoopbackServer(default=PoisonedOpenAI()) as server:
        outputs = _model(server).generate_many(
            ["a", "b", "c", "d"], config={"batch": FAST}, return_exceptions=True
        )
    assert _texts(outputs) == ["echo: a", "ResponseFormatError", "echo: c", "ResponseFormatError"]
    assert "token count" in str(outputs[1])
    assert "without a result" in str(outputs[3])


PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
DRAWN: Dict[str, Any] = {  # a Responses body with the image tool's output item (image guide)
    "object": "response",
    "status": "completed",
    "model": "gpt-4o-2024-08-06",
    "output": [
        {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": PIXEL},
        {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Here is your cat.", "annotations": []}],
        },
    ],
    "usage": {"input_tokens": 12, "output_tokens": 30, "total_tokens": 42},
}


class _DrawingOpenAI(FakeOpenAI):
    """The fake, answering Responses lines with a drawing
    (https://platform.openai.com/docs/guides/tools-image-generation)."""

    def answer(self, batch: Dict[str, Any], prompt: str) -> Dict[str, Any]:
        if batch["endpoint"] != "/v1/responses":
            return super().answer(batch, prompt)
        return {**DRAWN, "id": f"resp_{prompt}"}


def test_image_output_from_a_chat_model_is_batched_through_the_responses_api() -> None:
    # Inspect 0.3.285 _providers/openai.py: uses_responses_api() is true for image
    # output, and _resolve_batcher then batches through "/v1/responses".
    fake = _DrawingOpenAI()
    ask = {"batch": FAST, "modalities": ["image"]}
    with LoopbackServer(default=fake) as server:
        model = _model(server)  # gpt-4o: chat completions otherwise
        drawn = model.generate_many(["Draw a cat", "Draw a dog"], config=ask)
        plain = model.generate_many(["a"], config={"batch": FAST})
    first, second = _uploaded(fake)
    assert {line["url"] for line in first} == {"/v1/responses"}
    assert first[0]["body"]["tools"] == [{"type": "image_generation"}]
    assert [b["endpoint"] for b in fake.batches.values()] == [
        "/v1/responses",
        "/v1/chat/completions",
    ]
    assert second[0]["url"] == "/v1/chat/completions"
    for output in drawn:
        assert output.message.content[0] == ContentImage(image=f"data:image/png;base64,{PIXEL}")
        assert output.completion == "Here is your cat."
    assert _texts(plain) == ["echo: a"]


def test_a_job_mixing_drawings_and_text_is_refused_before_anything_is_sent() -> None:
    fake = _DrawingOpenAI()
    with LoopbackServer(default=fake) as server:
        model = _model(server)
        client = model.api.batch_client()  # type: ignore[attr-defined]
        draw = model.prepare("Draw", config=GenerateConfig(modalities=["image"]))
        text = model.prepare("Say hi")
        client.encode("0", draw)
        with pytest.raises(ConfigError, match="separate batches"):
            client.encode("1", text)
    assert not fake.batches
