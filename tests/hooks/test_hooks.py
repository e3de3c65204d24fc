"""Model hooks (Inspect 0.3.285's model-level ones: inspect_ai/hooks/_hooks.py),
seen in-memory against a loopback OpenAI chat-completions server (response
shape: https://platform.openai.com/docs/api-reference/chat/object)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
from typing import Any, Iterator, List

import pytest
from loopback import LoopbackServer, Reply

from modelkit import CachePolicy, ConfigError, LimitExceededError, get_model
from modelkit._engine import observe
from modelkit.hooks import (
    ApiKeyOverride,
    BeforeModelGenerate,
    Hooks,
    ModelCacheUsageData,
    ModelRetry,
    ModelUsageData,
    hooks,
    registered_hooks,
    unregister_hooks,
)
from modelkit.hooks._emit import EMITTER

KEY = "sk-test-hooks-key"


@pytest.fixture(autouse=True)
def no_hooks_left() -> Iterator[None]:
    yield
    for name in list(registered_hooks()):
        unregister_hooks(name)
    assert EMITTER not in observe.observers


def record(events: List[Any]) -> type:
    class Recorder(Hooks):
        def on_before_model_generate(self, data: BeforeModelGenerate) -> None:
            events.append(data)

        def on_model_usage(self, data: ModelUsageData) -> None:
            events.append(data)

        def on_model_cache_usage(self, data: ModelCacheUsageData) -> None:
            events.append(data)

        def on_model_retry(self, data: ModelRetry) -> None:
            events.append(data)

    return Recorder


def test_usage_with_cost_and_duration(loopback: LoopbackServer) -> None:
    events: List[Any] = []
    hooks("recorder", "records")(record(events))
    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello", config={"max_tokens": 50})
    before, usage = events
    assert isinstance(before, BeforeModelGenerate)
    assert before.model_name == "openai/gpt-5.1"
    assert before.input[0].text == "hello"
    assert before.config.max_tokens == 50
    assert before.cache is None
    assert isinstance(usage, ModelUsageData)
    assert usage.model_name == "openai/gpt-5.1"
    assert usage.usage.input_tokens == 5 and usage.usage.output_tokens == 4
    assert output.usage is not None and output.usage.total_cost
    assert usage.usage.total_cost == output.usage.total_cost
    assert 0 < usage.call_duration <= output.time
    assert usage.retries == 0
    assert registered_hooks() == {"recorder": "records"}
    # Inspect's eval, run, task and sample fields exist and are None (no evals here)
    for data in (before, usage):
        assert (data.eval_set_id, data.run_id, data.eval_id, data.task_name) == (None,) * 4
    assert before.sample_id is None


def test_retry_then_usage(loopback: LoopbackServer) -> None:
    events: List[Any] = []
    hooks("recorder", "records")(record(events))
    loopback.script(Reply(503, {"error": {"message": "busy"}}, headers={"retry-after-ms": "10"}))
    get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY).generate("hello")
    retry = next(e for e in events if isinstance(e, ModelRetry))
    assert retry.attempt == 1
    assert retry.status_code == 503
    assert retry.exception_type is not None and "Error" in retry.exception_type
    assert 0 < retry.wait_time < 5
    usage = next(e for e in events if isinstance(e, ModelUsageData))
    assert usage.retries == 1
    # as Inspect's retried generate: each attempt is announced, the retry before its wait
    assert [type(e).__name__ for e in events] == [
        "BeforeModelGenerate",
        "ModelRetry",
        "BeforeModelGenerate",
        "ModelUsageData",
    ]


def test_cache_hit_is_cache_usage(loopback: LoopbackServer) -> None:
    events: List[Any] = []
    hooks("recorder", "records")(record(events))
    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    model.generate("hello", cache=CachePolicy())
    events_before = len(events)
    hit = model.generate("hello", cache=CachePolicy())
    assert hit.cached
    assert events[0].cache == "write"
    assert len(events) == events_before + 2  # announced ahead of the lookup, as in Inspect
    announced, cached = events[-2:]
    assert isinstance(announced, BeforeModelGenerate) and announced.cache == "write"
    assert isinstance(cached, ModelCacheUsageData)
    assert cached.model_name == "openai/gpt-5.1"
    assert cached.usage.output_tokens == 4 and cached.usage.total_cost == 0.0
    assert loopback.count == 1


def test_stream_reports_usage_once(loopback: LoopbackServer) -> None:
    events: List[Any] = []
    hooks("recorder", "records")(record(events))
    model = get_model("mockllm/model")
    with model.stream("hello") as stream:
        output = stream.final_output()
    usages = [e for e in events if isinstance(e, ModelUsageData)]
    assert len(usages) == 1 and usages[0].usage == output.usage
    assert isinstance(events[0], BeforeModelGenerate)


def test_async_hooks_run_without_and_within_a_loop(loopback: LoopbackServer) -> None:
    seen: List[str] = []

    @hooks("async", "an async hook")
    class Async(Hooks):
        async def on_model_usage(self, data: ModelUsageData) -> None:
            await asyncio.sleep(0)
            seen.append(data.model_name)

    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    model.generate("no loop here")
    assert seen == ["openai/gpt-5.1"]

    async def inside_a_loop() -> None:
        model.generate("called synchronously from a coroutine")

    asyncio.run(inside_a_loop())
    assert len(seen) == 2


def test_enabled_is_asked_each_time(loopback: LoopbackServer) -> None:
    seen: List[float] = []
    switch = {"on": False}

    @hooks("switch", "on and off")
    class Switch(Hooks):
        def enabled(self) -> bool:
            return switch["on"]

        def on_model_usage(self, data: ModelUsageData) -> None:
            seen.append(data.call_duration)

    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    model.generate("off")
    assert seen == []
    switch["on"] = True
    model.generate("on")
    assert len(seen) == 1


def test_a_raising_hook_is_logged_once_and_never_breaks_the_call(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    after: List[str] = []

    @hooks("broken", "raises")
    class Broken(Hooks):
        def on_before_model_generate(self, data: BeforeModelGenerate) -> None:
            raise RuntimeError("hook bug")

        def on_model_usage(self, data: ModelUsageData) -> None:
            raise RuntimeError("hook bug")

    @hooks("fine", "still runs")
    class Fine(Hooks):
        def on_model_usage(self, data: ModelUsageData) -> None:
            after.append(data.model_name)

    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    with caplog.at_level(logging.DEBUG, logger="modelkit"):
        assert model.generate("one").completion
        assert model.generate("two").completion
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "broken" in r.message]
    assert len(warnings) == 2  # once per method, not per call
    assert {("on_before_model_generate" in r.message) for r in warnings} == {True, False}
    assert after == ["openai/gpt-5.1", "openai/gpt-5.1"]


def test_override_api_key(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    offered: List[ApiKeyOverride] = []

    @hooks("vault", "keys from a vault")
    class Vault(Hooks):
        def override_api_key(self, data: ApiKeyOverride) -> str:
            offered.append(data)
            return "sk-from-the-vault"

    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    model = get_model("openai/gpt-5.1", base_url=loopback.url)
    model.generate("hello")
    assert offered[0].env_var_name == "OPENAI_API_KEY"
    assert offered[0].value == "sk-from-the-environment"
    assert "sk-from-the-environment" not in repr(offered[0])
    assert loopback.requests[-1].headers["authorization"] == "Bearer sk-from-the-vault"
    # docs/observability.md: unlike Inspect, the overriding key is not written to os.environ
    assert os.environ["OPENAI_API_KEY"] == "sk-from-the-environment"
    monkeypatch.delenv("OPENAI_API_KEY")
    get_model("openai/gpt-5.1", base_url=loopback.url + "/").generate("no key set")
    assert offered[-1].value == ""
    assert loopback.requests[-1].headers["authorization"] == "Bearer sk-from-the-vault"


def test_threads_of_generate_many_are_seen(loopback: LoopbackServer) -> None:
    threads: List[str] = []

    @hooks("threads", "where hooks run")
    class Where(Hooks):
        def on_model_usage(self, data: ModelUsageData) -> None:
            threads.append(threading.current_thread().name)

    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    model.generate_many(["a", "b", "c"])
    assert len(threads) == 3


def test_only_hooks_classes() -> None:
    with pytest.raises(ConfigError, match="Hooks subclass"):
        hooks("bad", "not a Hooks")(object)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="Hooks subclass"):
        hooks("bad", "returns no Hooks")(lambda: int)


def test_a_function_returning_the_class_registers_it(loopback: LoopbackServer) -> None:
    events: List[Any] = []

    @hooks("lazy", "class made by a function")
    def lazy() -> type:
        return record(events)

    assert isinstance(lazy, type) and issubclass(lazy, Hooks)
    get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY).generate("hello")
    assert [type(e).__name__ for e in events] == ["BeforeModelGenerate", "ModelUsageData"]


def test_before_generate_may_change_the_request_and_its_cache_key(
    loopback: LoopbackServer,
) -> None:
    @hooks("redact", "rewrites the prompt")
    class Redact(Hooks):
        def on_before_model_generate(self, data: BeforeModelGenerate) -> None:
            data.input[-1].text = re.sub(r"\d{4}-\d{4}", "[card]", data.input[-1].text)
            data.config.max_tokens = 7

    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    model.generate("my card is 4111-1111", cache=CachePolicy())
    sent = loopback.requests[-1].json()
    assert "4111" not in json.dumps(sent) and "[card]" in json.dumps(sent)
    assert sent["max_completion_tokens"] == 7
    # another card number, redacted alike: the cache key was made after the hook
    assert model.generate("my card is 5500-0000", cache=CachePolicy()).cached
    assert loopback.count == 1


def test_the_first_hook_giving_a_key_wins(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    @hooks("first", "gives a key")
    class First(Hooks):
        def override_api_key(self, data: ApiKeyOverride) -> str:
            return "sk-first"

    @hooks("second", "gives another")
    class Second(Hooks):
        def override_api_key(self, data: ApiKeyOverride) -> str:
            return "sk-second"

    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    get_model("openai/gpt-5.1", base_url=loopback.url).generate("hello")
    assert loopback.requests[-1].headers["authorization"] == "Bearer sk-first"


def test_a_hook_may_enforce_a_limit(loopback: LoopbackServer) -> None:
    @hooks("budget", "stops after one call")
    class Budget(Hooks):
        calls = 0

        def on_model_usage(self, data: ModelUsageData) -> None:
            Budget.calls += 1
            if Budget.calls > 1:
                raise LimitExceededError("custom", value=Budget.calls, limit=1)

    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    model.generate("one")
    with pytest.raises(LimitExceededError, match="Exceeded custom limit: 1"):
        model.generate("two")
    assert loopback.count == 2


def test_no_hooks_no_observer(loopback: LoopbackServer) -> None:
    hooks("recorder", "records")(record([]))
    assert EMITTER in observe.observers
    unregister_hooks("recorder")
    assert EMITTER not in observe.observers
    import modelkit.api

    assert modelkit.api.api_key_override is None


def test_count_tokens_calls_no_hook(loopback: LoopbackServer) -> None:
    # docs/observability.md, "Differences from Inspect": Model.count_tokens calls no hook
    # (OpenAI's POST /responses/input_tokens answers {"object": "response.input_tokens",
    # "input_tokens": n}: https://platform.openai.com/docs/api-reference/responses/input-tokens)
    events: List[Any] = []
    hooks("recorder", "records")(record(events))
    loopback.default = Reply(200, {"object": "response.input_tokens", "input_tokens": 7})
    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY, memoize=False)
    assert model.count_tokens("hello there") == 7
    assert loopback.requests[-1].path.endswith("/responses/input_tokens")
    assert events == []
