"""``Model.generate_many`` and ``generate_async``: order, failures, progress, context."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any, List, Tuple

import pytest
from engine_provider import loopback_model
from loopback import LoopbackServer, Received, Reply, chat_completion

from modelkit import GenerateConfig, get_model
from modelkit.errors import BadRequestError, ConfigError

marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")


def _by_prompt(received: Received) -> Reply:
    """Answer prompt ``"<delay> <text>"`` after ``delay`` seconds; ``"fail"`` with a 400."""
    prompt = received.json()["messages"][-1]["content"]
    if prompt.startswith("fail"):
        return Reply(400, {"error": {"message": f"cannot do {prompt}"}})
    delay, _, text = prompt.partition(" ")
    return Reply(body=chat_completion(text), delay=float(delay))


def test_outputs_come_back_in_input_order(loopback: LoopbackServer) -> None:
    loopback.default = _by_prompt
    prompts = [f"{0.05 * (5 - i):.2f} item{i}" for i in range(6)]  # later items finish first
    outputs = loopback_model(loopback.url).generate_many(prompts, max_workers=6)
    assert [o.completion for o in outputs] == [f"item{i}" for i in range(6)]
    assert all(o.call is not None and o.time > 0 for o in outputs)


def test_return_exceptions_puts_each_failure_in_its_slot(loopback: LoopbackServer) -> None:
    loopback.default = _by_prompt
    results = loopback_model(loopback.url).generate_many(
        ["0 a", "fail-1", "0 b", "fail-2"], return_exceptions=True
    )
    assert results[0].completion == "a" and results[2].completion == "b"
    assert isinstance(results[1], BadRequestError) and "cannot do fail-1" in str(results[1])
    assert isinstance(results[3], BadRequestError) and "cannot do fail-2" in str(results[3])


def test_a_failure_raises_and_cancels_what_has_not_started(loopback: LoopbackServer) -> None:
    loopback.default = _by_prompt
    prompts = ["fail-first"] + [f"0.01 x{i}" for i in range(50)]
    with pytest.raises(BadRequestError, match="cannot do fail-first"):
        loopback_model(loopback.url).generate_many(prompts, max_workers=1)
    assert loopback.count < 5


def test_progress_is_reported_on_the_callers_thread(loopback: LoopbackServer) -> None:
    calls: List[Tuple[int, int, int]] = []
    loopback_model(loopback.url).generate_many(
        ["a", "b", "c", "d"],
        progress=lambda done, total: calls.append((done, total, threading.get_ident())),
    )
    assert [(d, t) for d, t, _ in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert {ident for _, _, ident in calls} == {threading.get_ident()}


def test_workers_run_in_a_copy_of_the_callers_context() -> None:
    model = get_model("mockllm/model", custom_outputs=lambda *args: marker.get(), memoize=False)
    token = marker.set("epoch-7")
    try:
        outputs = model.generate_many(["a", "b", "c"])
        assert [o.completion for o in outputs] == ["epoch-7"] * 3
        assert asyncio.run(_async_completion(model)) == "epoch-7"
    finally:
        marker.reset(token)


async def _async_completion(model: Any) -> str:
    output = await model.generate_async("x")
    return str(output.completion)


def test_empty_input_and_bad_arguments() -> None:
    model = get_model("mockllm/model", memoize=False)
    assert model.generate_many([]) == []
    with pytest.raises(ConfigError, match="max_workers"):
        model.generate_many(["a"], max_workers=0)
    with pytest.raises(ConfigError, match="progress"):
        model.generate_many(["a"], progress="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_connections"):
        model.generate_many(["a"], config=GenerateConfig.from_dict({"max_connections": 0}))


def test_a_bad_input_is_a_config_error_in_its_slot() -> None:
    model = get_model("mockllm/model", memoize=False)
    results = model.generate_many(["fine", 42], return_exceptions=True)  # type: ignore[list-item]
    assert results[0].completion.startswith("Default output")
    assert isinstance(results[1], ConfigError)


def test_inputs_may_be_message_lists_and_any_iterable(loopback: LoopbackServer) -> None:
    model = loopback_model(loopback.url)
    inputs = (x for x in ["plain", [{"role": "user", "content": "as a message"}]])
    outputs = model.generate_many(inputs)
    assert len(outputs) == 2
    sent = sorted(r.json()["messages"][0]["content"] for r in loopback.requests)
    assert sent == ["as a message", "plain"]
