"""What ``batch_submit`` writes for each input, offline: the lines and their cost.

A batch line is ``{custom_id, method, url, body}`` with the body the model
would post for that input (https://platform.openai.com/docs/guides/batch,
"Preparing your batch file"; the body is a chat completions request,
https://platform.openai.com/docs/api-reference/chat/create). The job's work
per input is kept small (one merged config and one provider check per job,
the config's body fields worked out once, one JSON encoder): these tests
check that what is written stays what ``build_request`` sends, input by
input and config by config, and count modelkit's calls per input against
the budget in docs/engine.md ("Call budgets").
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any, Dict, List, Sequence

import pytest
from test_call_budget import count_calls

from modelkit import GenerateConfig, get_model
from modelkit.batch._client import SubmittedJob, compact_json
from modelkit.errors import ConfigWarning
from modelkit.model import Model
from modelkit.providers._rest import HttpRequest
from modelkit.providers.openai._batch import OpenAIBatchClient
from modelkit.providers.openai.api import OpenAIAPI

DOC = Path(__file__).resolve().parents[2] / "docs" / "engine.md"
BUDGET = "batch_submit, per input (openai)"
PER_INPUT_BUDGET = 22


class Capture(OpenAIBatchClient):
    """The OpenAI batch client with the upload replaced: keeps the lines."""

    def __init__(self, api: Any) -> None:
        super().__init__(api)
        self.lines: List[Dict[str, Any]] = []

    def submit(self, items: Sequence[bytes]) -> SubmittedJob:
        self.lines.extend(json.loads(item) for item in items)
        return SubmittedJob(id=f"batch_{len(self.lines)}")


def _offline(model: Model) -> List[Capture]:
    """Make ``model.batch_submit`` use capturing clients; the list of those made."""
    made: List[Capture] = []

    def client() -> Capture:
        made.append(Capture(model.api))
        return made[-1]

    model.api.batch_client = client  # type: ignore[method-assign]
    return made


def _model(**config: Any) -> Model:
    return get_model(
        "openai/gpt-4o", api_key="sk-test", memoize=False, config=GenerateConfig(**config)
    )


def _sent_body(model: Model, prompt: str, config: Any = None) -> Dict[str, Any]:
    request = model.prepare(prompt, config=config)
    built = model.api.build_request(
        request.input, request.tools, request.tool_choice, request.config
    )
    return dict(built.body)


def test_each_line_carries_the_body_generate_would_send() -> None:
    model = _model(temperature=0.3, max_tokens=64, stop_seqs=["END"], seed=7, top_logprobs=2)
    made = _offline(model)
    prompts = ["one", "two ✓", "three"]
    handle = model.batch_submit(prompts)
    assert handle.size == 3
    lines = made[0].lines
    assert [line["custom_id"] for line in lines] == ["0", "1", "2"]
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    assert [line["body"] for line in lines] == [_sent_body(model, p) for p in prompts]
    assert lines[1]["body"]["messages"] == [{"role": "user", "content": "two ✓"}]
    assert lines[0]["body"]["stop"] == ["END"] and lines[0]["body"]["top_logprobs"] == 2


def test_the_call_config_reaches_every_line_of_its_job_only() -> None:
    model = _model(temperature=0.3)
    made = _offline(model)
    model.batch_submit(["a", "b"], config=GenerateConfig(temperature=0.9, seed=1))
    model.batch_submit(["c"])
    first, second = made
    assert [line["body"]["temperature"] for line in first.lines] == [0.9, 0.9]
    assert [line["body"]["seed"] for line in first.lines] == [1, 1]
    assert second.lines[0]["body"]["temperature"] == 0.3 and "seed" not in second.lines[0]["body"]


def test_the_encoder_works_each_config_out_afresh() -> None:
    """Requests with other configs (or tools) on one client each get their own fields."""
    model = _model()
    client = Capture(model.api)
    cold = model.prepare("x", config=GenerateConfig(temperature=0.1))
    warm = model.prepare("x", config=GenerateConfig(temperature=1.5, max_tokens=9))
    bodies = [
        json.loads(client.encode(str(i), r))["body"] for i, r in enumerate([cold, warm, cold])
    ]
    assert [b["temperature"] for b in bodies] == [0.1, 1.5, 0.1]
    assert "max_tokens" not in bodies[0] and bodies[1]["max_tokens"] == 9

    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: first.
            b: second.
        """
        return a + b

    config = GenerateConfig(parallel_tool_calls=False)
    plain = model.prepare("x", config=config)
    tooled = model.prepare("x", tools=[add], config=config)
    tooled = type(tooled)(tooled.input, tooled.tools, tooled.tool_choice, plain.config)
    no_tools, with_tools = (json.loads(client.encode("0", r))["body"] for r in (plain, tooled))
    assert "parallel_tool_calls" not in no_tools  # only sent beside tools
    assert with_tools["parallel_tool_calls"] is False and with_tools["tools"]


def test_a_subclass_that_changes_build_request_is_batched_as_it_builds() -> None:
    class Tagged(OpenAIAPI):
        def build_request(self, *args: Any) -> HttpRequest:
            built = super().build_request(*args)
            return HttpRequest(url=built.url, headers=built.headers, body={**built.body, "tag": 1})

    api = Tagged(model_name="gpt-4o", api_key="sk-test")
    model = Model(api, GenerateConfig())
    line = json.loads(Capture(api).encode("0", model.prepare("hi")))
    assert line["body"]["tag"] == 1 and line["body"]["messages"][0]["content"] == "hi"


def test_an_unsupported_field_is_still_warned_about_once_a_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("modelkit._support._warned", set())
    model = _model(reasoning_summary="auto")  # chat completions cannot carry it
    _offline(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.batch_submit(["a", "b", "c"])
    texts = [str(w.message) for w in caught if issubclass(w.category, ConfigWarning)]
    assert texts == ["openai does not support GenerateConfig.reasoning_summary; it is ignored"]


@pytest.mark.parametrize(
    "item",
    [
        {"custom_id": "0", "body": {"messages": [{"content": 'naïve ✓ \u2028 "q"'}]}},
        {"n": 1.5e300, "i": -3, "z": None, "t": True, "l": [1, [2, {}]]},
    ],
)
def test_compact_json_is_json_dumps_with_compact_separators(item: Dict[str, Any]) -> None:
    assert compact_json(item) == json.dumps(item, separators=(",", ":")).encode("utf-8")


def _per_input_calls() -> float:
    model = _model(temperature=0.5)
    _offline(model)
    model.batch_submit(["warm"] * 3)  # memos and imports

    def job(size: int) -> int:
        return count_calls(lambda: model.batch_submit([f"prompt {i}" for i in range(size)]))

    return (job(60) - job(10)) / 50


def test_batch_submit_within_its_call_budget_per_input() -> None:
    calls = _per_input_calls()
    assert calls <= PER_INPUT_BUDGET, (
        f"batch_submit: {calls} calls into modelkit per input, budget {PER_INPUT_BUDGET}. "
        "If the new work is meant, raise the budget here and in docs/engine.md."
    )


def test_batch_budget_is_the_documented_one() -> None:
    rows = dict(re.findall(r"^\| ([^|]+?) \| (\d+) \|", DOC.read_text(), re.MULTILINE))
    assert int(rows.get(BUDGET, -1)) == PER_INPUT_BUDGET
