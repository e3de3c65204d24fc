"""Usage limits (Inspect 0.3.285's ``token_limit``, ``cost_limit`` and
``LimitExceededError``: inspect_ai/util/_limit.py and the checks in
inspect_ai/model/_model.py), seen against ``mockllm`` outputs with set usage
and a loopback OpenAI chat-completions server
(https://platform.openai.com/docs/api-reference/chat/object: ``usage``
``prompt_tokens`` 5, ``completion_tokens`` 4, ``total_tokens`` 9)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from typing import Any, Iterator, List

import pytest
from loopback import LoopbackServer, Received, Reply

from modelkit import (
    CachePolicy,
    ConfigError,
    LimitExceededError,
    ModelCost,
    ModelInfo,
    ModelOutput,
    ModelUsage,
    cost_limit,
    get_model,
    set_model_info,
    token_limit,
)
from modelkit._engine import observe
from modelkit.limits import Limit, apply_limits, suspend_token_limit
from modelkit.limits._observer import OBSERVER

KEY = "sk-test-limits-key"
PRICED = "mockllm/priced"


@pytest.fixture(autouse=True)
def no_limit_left() -> Iterator[None]:
    yield
    assert OBSERVER not in observe.observers  # every limit exited: calls pay nothing


@pytest.fixture
def priced() -> Iterator[None]:
    """``mockllm/priced`` costs $1 a token (input or output)."""
    from modelkit.info import _table

    set_model_info(
        PRICED,
        ModelInfo(
            cost=ModelCost(input=1e6, output=1e6, input_cache_write=1e6, input_cache_read=1e6)
        ),
    )
    yield
    with _table._lock:
        _table._custom.pop(PRICED, None)
        _table._memo.clear()


def answer(tokens: int, text: str = "ok") -> ModelOutput:
    output = ModelOutput.from_content("m", text)
    output.usage = ModelUsage(input_tokens=tokens - 1, output_tokens=1, total_tokens=tokens)
    return output


def openai(loopback: LoopbackServer) -> Any:
    return get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY)


def test_the_request_that_would_exceed_is_not_sent(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(18) as limit:
        model.generate("one")
        model.generate("two")  # 18: reached, not exceeded
        assert limit.usage == 18 and limit.remaining == 0
        with pytest.raises(LimitExceededError) as raised:
            model.generate("three")
    assert loopback.count == 2  # the third request was refused before it was sent
    error = raised.value
    assert (error.type, error.value, error.limit, error.source) == ("token", 18, 18, limit)
    assert error.message == "Token limit reached. value: 18; limit: 18"
    assert (error.value_str, error.limit_str) == ("18", "18")


def test_the_response_that_crosses_raises_after_it_is_counted(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(10) as limit:
        model.generate("one")
        with pytest.raises(LimitExceededError, match=r"Token limit exceeded. value: 18; limit: 10"):
            model.generate("two")
    assert loopback.count == 2 and limit.usage == 18
    assert model.usage.total_tokens == 18  # the crossing call's usage is the model's too


def test_output_tokens(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(8, type="output") as limit:
        model.generate("one")
        model.generate("two")
        with pytest.raises(LimitExceededError, match="Output token limit reached. value: 8"):
            model.generate("three")
    assert limit.usage == 8 and loopback.count == 2


def test_cost_limit(priced: None) -> None:
    model = get_model(PRICED, custom_outputs=[answer(3), answer(3), answer(3)])
    with cost_limit(6.0) as limit:
        assert model.generate("a").usage.total_cost == 3.0  # type: ignore[union-attr]
        model.generate("b")
        with pytest.raises(LimitExceededError) as raised:
            model.generate("c")
    assert raised.value.type == "cost" and limit.usage == 6.0
    assert raised.value.message == "Cost limit reached. value: $6.0000; limit: $6.0000"
    assert raised.value.value_str == "6.00"


def test_an_unpriced_model_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    model = get_model("mockllm/unpriced-model", custom_outputs=[answer(3), answer(3)])
    with caplog.at_level(logging.WARNING, logger="modelkit"), cost_limit(1.0) as limit:
        model.generate("a")
        model.generate("b")
    assert limit.usage == 0.0
    said = [r for r in caplog.records if "cost_limit cannot count" in r.message]
    assert len(said) == 1 and "mockllm/unpriced-model" in said[0].message


def test_limits_nest_and_the_outermost_raises_first() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(5) for _ in range(6)])
    with token_limit(12) as outer:
        with token_limit(5) as inner:
            model.generate("a")  # inner reached
            with pytest.raises(LimitExceededError) as raised:
                model.generate("b")
            assert raised.value.source is inner
        model.generate("b")  # the outer limit still has room: 10
        assert outer.usage == 10 and inner.usage == 5
        with token_limit(100):
            with pytest.raises(LimitExceededError) as raised:
                model.generate("c")  # 15 > 12: the outer one, though inside another
        assert raised.value.source is outer


def test_threads_it_starts_count(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(None) as limit:
        model.generate_many([f"p{i}" for i in range(6)], max_workers=3)
        asyncio.run(model.generate_async("async"))
    assert limit.usage == 9 * 7


def test_generate_many_stops_at_the_limit(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(27):
        with pytest.raises(LimitExceededError):
            model.generate_many([f"p{i}" for i in range(6)], max_workers=1)
    assert loopback.count == 3


def test_a_plain_thread_started_in_the_block_is_counted(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(100) as limit:
        thread = threading.Thread(target=model.generate, args=("plain thread",))
        thread.start()
        thread.join()
    assert limit.usage == 9  # more in test_limit_threads.py


def test_streams_count_and_are_refused() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(5, "one two three")] * 3)
    with token_limit(9) as limit:
        with model.stream("a") as stream:
            assert stream.final_output().completion == "one two three"
        texts: List[str] = []
        with pytest.raises(LimitExceededError, match="exceeded. value: 10"):
            with model.stream("b") as stream:
                for event in stream:
                    if event.type == "text":
                        texts.append(event.text)
        assert "".join(texts) == "one two three"  # the answer came, then the error
        assert stream.output is not None
        with pytest.raises(LimitExceededError, match="reached|exceeded"):
            with model.stream("c") as stream:
                list(stream)
    assert limit.usage == 10


def test_generate_loop_stops_at_the_limit() -> None:
    from modelkit import ChatMessageAssistant, ToolCall

    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: the first.
            b: the second.
        """
        return a + b

    def call_tool() -> ModelOutput:
        output = answer(6)
        output.choices[0].message = ChatMessageAssistant(
            content="",
            tool_calls=[ToolCall(id="c1", function="add", arguments={"a": 1, "b": 2})],
        )
        output.choices[0].stop_reason = "tool_calls"
        return output

    model = get_model("mockllm/model", custom_outputs=[call_tool() for _ in range(5)])
    with token_limit(12) as limit:
        with pytest.raises(LimitExceededError):
            model.generate_loop("add", tools=[add], max_turns=5)
    assert limit.usage == 12  # two turns, then the third was refused


def test_a_cache_hit_is_neither_counted_nor_refused(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(9) as limit:
        model.generate("same", cache=CachePolicy())
        assert model.generate("same", cache=CachePolicy()).cached
    assert limit.usage == 9 and loopback.count == 1


def test_a_retry_is_refused_when_the_limit_was_reached_meanwhile(
    loopback: LoopbackServer,
) -> None:
    model = openai(loopback)
    with token_limit(18) as limit:
        model.generate("A")
        context = contextvars.copy_context()
        busy = []

        def answer_b_busy_while_c_uses_the_rest(received: Received) -> Reply:
            if received.json()["messages"][-1]["content"] == "B" and not busy:
                busy.append(True)
                context.run(model.generate, "C")  # another thread of the block: 18, reached
                return Reply(503, {"error": {"message": "busy"}}, headers={"retry-after-ms": "10"})
            return Reply()

        loopback.default = answer_b_busy_while_c_uses_the_rest
        with pytest.raises(LimitExceededError, match="reached"):
            model.generate("B")
    assert loopback.count == 3 and limit.usage == 18  # B's retry was not sent


def test_suspend_token_limit(loopback: LoopbackServer) -> None:
    model = openai(loopback)
    with token_limit(9) as limit:
        model.generate("counted")
        with suspend_token_limit():
            model.generate("not counted")
        assert limit.usage == 9


def test_count_tokens_is_not_a_generation(loopback: LoopbackServer) -> None:
    model = get_model("mockllm/model")
    with token_limit(0) as limit:
        assert model.count_tokens("hello world") > 0
    assert limit.usage == 0


def test_a_limit_is_used_once_and_validated() -> None:
    limit = token_limit(5)
    with limit:
        pass
    with pytest.raises(RuntimeError, match="only be used once"):
        with limit:
            pass
    for bad in (-1, 1.5, True, "5"):
        with pytest.raises(ConfigError, match="Token limit value"):
            token_limit(bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="Cost limit value"):
        cost_limit(-0.01)
    with pytest.raises(ConfigError, match="unknown name 'inputs'.*'all' or 'output'"):
        token_limit(5, type="inputs*2")
    unlimited = cost_limit(None)
    assert isinstance(unlimited, Limit) and unlimited.remaining is None


def test_apply_limits_catches_its_own() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(5)] * 3)
    limit = token_limit(5)
    with apply_limits([limit], catch_errors=True) as scope:
        model.generate("a")
        model.generate("b")
    assert scope.limit_error is not None and scope.limit_error.source is limit


def test_a_server_cannot_give_credit_or_break_the_count() -> None:
    weird = [answer(5), answer(5), answer(5)]
    weird[0].usage.total_tokens = -1000  # type: ignore[union-attr]
    weird[1].usage.total_tokens = 10**30  # type: ignore[union-attr]
    model = get_model("mockllm/model", custom_outputs=weird)
    with token_limit(None) as outer:
        with token_limit(20) as limit:
            model.generate("negative")
            assert limit.usage == 0
            with pytest.raises(LimitExceededError):
                model.generate("huge")
        assert outer.usage == 10**15
