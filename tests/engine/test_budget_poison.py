"""A poisoned token budget: one implausible usage never starves later calls.

The loopback server answers chat completions (``vllm`` preset) whose
``usage.total_tokens`` claims 10^12 tokens; the OpenAI chat completions
object documents ``usage`` as the counts the budget charges
(https://platform.openai.com/docs/api-reference/chat/object). In process
and on the real ``redis-server`` (``$MODELKIT_LIMITS_URL``). Each call that
could hang runs in a daemon thread joined with a bound, so the code before
the fix fails instead of waiting ~19 years.
"""

from __future__ import annotations

import math
import threading
from typing import Any, List

import pytest
from loopback import LoopbackServer, Reply, chat_completion

import modelkit
from modelkit import APITimeoutError
from modelkit._engine.budget import charge_for


def _answer(tokens: int) -> Reply:
    body = chat_completion("ok")
    body["usage"] = {"prompt_tokens": tokens - 1, "completion_tokens": 1, "total_tokens": tokens}
    return Reply(body=body)


def _model(loopback: LoopbackServer, **config: Any) -> modelkit.Model:
    return modelkit.get_model(
        "vllm/served", base_url=f"{loopback.url}/v1", config={"max_retries": 0, **config}
    )


def _finishes(call: Any, seconds: float = 20.0) -> List[Any]:
    """``[result or exception]`` of ``call()``, or ``[]`` if it did not end in ``seconds``."""
    out: List[Any] = []

    def run() -> None:
        try:
            out.append(call())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return out


def test_one_usage_is_charged_at_most_the_budget() -> None:
    assert charge_for(1000, 10**12) == 1000
    assert charge_for(1000, 250) == 250
    assert charge_for(1000, -5) == 0 and charge_for(1000, math.nan) == 0


@pytest.mark.parametrize("fleet", [False, True], ids=["in-process", "redis"])
def test_a_poisoned_usage_does_not_starve_later_calls(
    fleet: bool, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch, request: Any
) -> None:
    if fleet:
        monkeypatch.setenv("MODELKIT_LIMITS_URL", request.getfixturevalue("redis_url"))
    model = _model(loopback, tokens_per_minute=60_000)
    loopback.script(_answer(10**12))
    assert model.generate("poison").usage.total_tokens == 10**12
    later = _finishes(lambda: model.generate("later", config={"timeout": 30}))
    assert later and not isinstance(later[0], Exception), later
    assert loopback.count == 2


@pytest.mark.parametrize("fleet", [False, True], ids=["in-process", "redis"])
def test_a_budget_wait_ends_by_the_calls_deadline(
    fleet: bool, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch, request: Any
) -> None:
    if fleet:
        monkeypatch.setenv("MODELKIT_LIMITS_URL", request.getfixturevalue("redis_url"))
    model = _model(loopback, tokens_per_minute=60)  # one token a second
    loopback.script(_answer(60))  # a whole minute's budget: the next call waits ~1 s
    model.generate("first")
    outcome = _finishes(lambda: model.generate("second", config={"timeout": 0.3}))
    assert outcome and isinstance(outcome[0], APITimeoutError), outcome
    message = str(outcome[0])
    assert "tokens_per_minute=60" in message and "timeout=0.3s" in message
    assert loopback.count == 1  # nothing was sent


def test_the_request_budget_also_ends_by_the_deadline(loopback: LoopbackServer) -> None:
    model = _model(loopback, requests_per_minute=1)
    model.generate("first")
    outcome = _finishes(lambda: model.generate("second", config={"timeout": 1}))
    assert outcome and isinstance(outcome[0], APITimeoutError), outcome
    assert "requests_per_minute=1" in str(outcome[0])
    assert loopback.count == 1


def test_a_stream_waits_for_its_budget_within_its_deadline(loopback: LoopbackServer) -> None:
    model = _model(loopback, requests_per_minute=1)
    model.generate("first")

    def stream() -> Any:
        with model.stream("second", config={"timeout": 1}) as events:
            return list(events)

    outcome = _finishes(stream)
    assert outcome and isinstance(outcome[0], APITimeoutError), outcome
    assert loopback.count == 1
