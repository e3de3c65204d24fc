"""``generate(..., on_stream=)`` as an Inspect 0.3.285 user writes it.

Inspect's semantics (``inspect_ai/model/_stream.py`` and ``Model.generate``'s
docstring in 0.3.285): text, reasoning and tool-call deltas while the
answer streams; a ``StreamRetryEvent(attempt=n)`` before attempt ``n`` when
an earlier attempt delivered deltas; nothing for a cache hit or a provider
that does not stream; a handler that raises is logged and detached for the
rest of the call, which still returns its output. The wire side runs
against the loopback server speaking OpenAI's chat SSE
(https://platform.openai.com/docs/api-reference/chat-streaming).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any, List

import pytest
from loopback import LoopbackServer, Reply

from modelkit import (
    CachePolicy,
    GenerateConfig,
    ModelOutput,
    StreamHandler,
    StreamReasoningEvent,
    StreamRetryEvent,
    StreamTextEvent,
    StreamToolCallEvent,
    get_model,
)
from modelkit._events import ReasoningDelta, ToolCallDelta
from modelkit.errors import APIConnectionError, ConfigError

SSE = {"Content-Type": "text/event-stream"}
FAST = {"retry-after-ms": "1"}  # the server's own wait: retries without backoff


def cut() -> APIConnectionError:
    return APIConnectionError("connection reset", provider="mockllm", headers=FAST)


def sse_body(words: List[str]) -> bytes:
    chunks: List[Any] = [
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": w}}]} for w in words
    ]
    chunks.append(
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    )
    usage = {"prompt_tokens": 3, "completion_tokens": len(words), "total_tokens": 3 + len(words)}
    chunks.append({"id": "c", "model": "m", "choices": [], "usage": usage})
    return ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode()


WORDS = ["Paris ", "is ", "the ", "capital."]
BODY = sse_body(WORDS)
FIRST = BODY.index(b"\n\n") + 2  # the end of the first event


def collector() -> Any:
    events: List[Any] = []

    def handler(event: Any) -> None:
        events.append(event)

    handler.events = events  # type: ignore[attr-defined]
    return handler


def test_events_arrive_as_inspect_names_them_and_the_output_is_generates() -> None:
    script = [
        ReasoningDelta("Think. ", signature="sig"),
        "Hel",
        "lo",
        ToolCallDelta(0, "call_1", "add", '{"a": 1,'),
        ToolCallDelta(0, None, None, ' "b": 2}'),
    ]
    model = get_model("mockllm/model", custom_outputs=[script, script], memoize=False)
    handler = collector()
    streamed = model.generate("hi", on_stream=handler)
    assert handler.events == [
        StreamReasoningEvent(reasoning="Think. "),
        StreamTextEvent(text="Hel"),
        StreamTextEvent(text="lo"),
        StreamToolCallEvent(id="call_1", function="add", arguments='{"a": 1,'),
        StreamToolCallEvent(id="call_1", function="add", arguments=' "b": 2}'),  # id each time
    ]
    plain = model.generate("hi")
    streamed.time = plain.time = None
    assert streamed == plain
    assert streamed.message.tool_calls[0].arguments == {"a": 1, "b": 2}


def test_the_events_dump_as_inspects_pydantic_models_do() -> None:
    # inspect_ai 0.3.285: StreamTextEvent(text="a").model_dump() == {"type": "text", "text": "a"}
    assert StreamTextEvent(text="a").model_dump() == {"type": "text", "text": "a"}
    assert StreamReasoningEvent(reasoning="r").model_dump() == {
        "type": "reasoning",
        "reasoning": "r",
    }
    assert StreamToolCallEvent(arguments="{").model_dump() == {
        "type": "tool_call",
        "id": None,
        "function": None,
        "arguments": "{",
    }
    assert StreamRetryEvent(attempt=2).model_dump_json() == '{"type":"retry","attempt":2}'
    assert StreamRetryEvent.model_validate({"type": "retry", "attempt": 3}).attempt == 3


def test_an_async_def_handler_works_under_the_synchronous_generate() -> None:
    model = get_model("mockllm/model", custom_outputs=[["a", "b"]], memoize=False)
    seen: List[str] = []

    async def on_stream(event: Any) -> None:
        await asyncio.sleep(0)
        seen.append(event.text)

    assert model.generate("hi", on_stream=on_stream).completion == "ab"
    assert seen == ["a", "b"]


def test_generate_async_runs_an_async_handler_on_the_callers_loop() -> None:
    model = get_model("mockllm/model", custom_outputs=[["x", "y", "z"]], memoize=False)

    async def main() -> Any:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str] = asyncio.Queue()  # bound to this loop
        loops: List[Any] = []

        async def on_stream(event: Any) -> None:
            loops.append(asyncio.get_running_loop())
            await queue.put(event.text)

        output = await model.generate_async("hi", on_stream=on_stream)
        texts = [queue.get_nowait() for _ in range(queue.qsize())]
        return output, texts, loops, loop

    output, texts, loops, loop = asyncio.run(main())
    assert output.completion == "xyz"
    assert texts == ["x", "y", "z"]
    assert loops == [loop] * 3


def test_a_plain_handler_under_generate_async_runs_in_the_worker_thread() -> None:
    model = get_model("mockllm/model", custom_outputs=[["x"]], memoize=False)
    threads: List[Any] = []

    async def main() -> ModelOutput:
        return await model.generate_async(
            "hi", on_stream=lambda event: threads.append(threading.current_thread())
        )

    assert asyncio.run(main()).completion == "x"
    assert threads and threads[0] is not threading.main_thread()


def test_a_failure_after_deltas_is_retried_whole_and_announced() -> None:
    model = get_model(
        "mockllm/model", custom_outputs=[["one ", "two ", cut()], ["fresh ", "answer"]]
    )
    handler = collector()
    output = model.generate("hi", config=GenerateConfig(max_retries=2), on_stream=handler)
    assert output.completion == "fresh answer"
    assert handler.events == [
        StreamTextEvent(text="one "),
        StreamTextEvent(text="two "),
        StreamRetryEvent(attempt=2),
        StreamTextEvent(text="fresh "),
        StreamTextEvent(text="answer"),
    ]


def test_a_retry_before_any_delta_is_not_announced() -> None:
    model = get_model("mockllm/model", custom_outputs=[[cut()], ["ok"]])
    handler = collector()
    assert model.generate("hi", on_stream=handler).completion == "ok"
    assert handler.events == [StreamTextEvent(text="ok")]


def test_every_later_attempt_is_announced_once_something_streamed() -> None:
    model = get_model("mockllm/model", custom_outputs=[["a", cut()], [cut()], ["b"]])
    handler = collector()
    assert model.generate("hi", on_stream=handler).completion == "b"
    assert handler.events == [
        StreamTextEvent(text="a"),
        StreamRetryEvent(attempt=2),
        StreamRetryEvent(attempt=3),
        StreamTextEvent(text="b"),
    ]


def test_retries_used_up_raise_the_last_error() -> None:
    model = get_model("mockllm/model", custom_outputs=[["a", cut()], ["b", cut()]])
    handler = collector()
    with pytest.raises(APIConnectionError) as caught:
        model.generate("hi", config=GenerateConfig(max_retries=1), on_stream=handler)
    assert caught.value.attempts == 2
    assert handler.events == [
        StreamTextEvent(text="a"),
        StreamRetryEvent(attempt=2),
        StreamTextEvent(text="b"),
    ]


def test_a_handler_that_raises_is_logged_and_detached_and_the_call_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = get_model("mockllm/model", custom_outputs=[["a", "b", "c"], ["d", "e"]])
    calls: List[Any] = []

    def on_stream(event: Any) -> None:
        calls.append(event)
        raise ValueError("display broke")

    with caplog.at_level(logging.WARNING, logger="modelkit"):
        assert model.generate("hi", on_stream=on_stream).completion == "abc"
    assert calls == [StreamTextEvent(text="a")]  # detached after the first
    warnings = [r for r in caplog.records if "on_stream handler raised" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].exc_info is not None
    assert "mockllm/model" in warnings[0].getMessage()
    assert model.generate("hi", on_stream=on_stream).completion == "de"  # the next call tries again
    assert calls[-1] == StreamTextEvent(text="d")


def test_keyboard_interrupt_in_a_handler_is_not_swallowed() -> None:
    model = get_model("mockllm/model", custom_outputs=[["a"]], memoize=False)

    def on_stream(event: Any) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.generate("hi", on_stream=on_stream)


def test_a_cache_hit_sends_no_events_and_a_streamed_answer_is_stored() -> None:
    model = get_model("mockllm/model", custom_outputs=[["Paris ", "is ", "it."]], memoize=False)
    first = collector()
    stored = model.generate("capital?", cache=True, on_stream=first)
    assert len(first.events) == 3
    again = collector()
    hit = model.generate("capital?", cache=CachePolicy(expiry="1D"), on_stream=again)
    assert hit.completion == "Paris is it." == stored.completion
    assert hit.cached is not None or hit.usage.total_cost == 0.0
    assert again.events == []


def test_a_provider_that_does_not_stream_never_calls_the_handler() -> None:
    model = get_model(
        "mockllm/model",
        custom_outputs=[ModelOutput.from_content("mockllm/model", "whole")],
        memoize=False,
    )
    handler = collector()
    assert model.generate("hi", on_stream=handler).completion == "whole"
    assert handler.events == []


def test_a_handler_that_is_not_callable_is_a_config_error() -> None:
    model = get_model("mockllm/model", memoize=False)
    with pytest.raises(ConfigError, match="on_stream must be a function"):
        model.generate("hi", on_stream="print")  # type: ignore[arg-type]


def test_generate_loop_streams_every_turn() -> None:
    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: first.
            b: second.
        """
        return a + b

    script = [
        ["Let me add. ", ToolCallDelta(0, "c1", "add", '{"a": 1, "b": 2}')],
        ["It is ", "3."],
    ]
    model = get_model("mockllm/model", custom_outputs=script, memoize=False)
    handler: StreamHandler = collector()
    messages, output = model.generate_loop("1+2?", tools=[add], on_stream=handler)
    assert output.completion == "It is 3."
    assert [m.role for m in messages] == ["assistant", "tool", "assistant"]
    assert handler.events == [  # type: ignore[attr-defined]
        StreamTextEvent(text="Let me add. "),
        StreamToolCallEvent(id="c1", function="add", arguments='{"a": 1, "b": 2}'),
        StreamTextEvent(text="It is "),
        StreamTextEvent(text="3."),
    ]


# --- over sockets: the OpenAI chat stream from the loopback server ---------------------


def openai_model(server: LoopbackServer, **config: Any) -> Any:
    return get_model(
        "openai/m", base_url=server.url, api_key="sk-loop", config=config, memoize=False
    )


def test_on_stream_streams_the_request_and_returns_generates_output(
    loopback: LoopbackServer,
) -> None:
    loopback.default = Reply(body=BODY, headers=SSE)
    handler = collector()
    output = openai_model(loopback).generate("capital?", on_stream=handler)
    assert [e.text for e in handler.events] == WORDS
    assert loopback.requests[-1].json()["stream"] is True
    assert output.completion == "Paris is the capital."
    assert output.usage is not None and output.usage.output_tokens == 4


def test_a_cut_mid_stream_is_retried_whole_with_a_retry_event(loopback: LoopbackServer) -> None:
    loopback.script(Reply(body=BODY, headers=SSE, reset_after=FIRST + 20))
    loopback.default = Reply(body=BODY, headers=SSE)
    handler = collector()
    output = openai_model(loopback, max_retries=2).generate("capital?", on_stream=handler)
    assert output.completion == "Paris is the capital."
    assert handler.events == [
        StreamTextEvent(text="Paris "),
        StreamRetryEvent(attempt=2),
        *[StreamTextEvent(text=w) for w in WORDS],
    ]
    assert loopback.count == 2


def test_a_fallback_after_streamed_deltas_is_announced(loopback: LoopbackServer) -> None:
    def respond(received: Any) -> Reply:
        if received.json()["model"] == "m":
            return Reply(body=BODY, headers=SSE, reset_after=FIRST + 20)
        return Reply(body=sse_body(["from ", "backup"]), headers=SSE)

    loopback.default = respond
    model = openai_model(loopback, max_retries=0, fallback_models=["backup"])
    handler = collector()
    output = model.generate("capital?", on_stream=handler)
    assert output.completion == "from backup"
    assert output.fallback is not None and output.fallback.fallback_model == "backup"
    assert handler.events == [
        StreamTextEvent(text="Paris "),
        StreamRetryEvent(attempt=2),
        StreamTextEvent(text="from "),
        StreamTextEvent(text="backup"),
    ]


@pytest.mark.parametrize("keyword_cache", [False, True])
def test_generate_loop_takes_inspects_positional_order(
    loopback: LoopbackServer, keyword_cache: bool
) -> None:
    """Inspect's ``generate_loop(input, tools, config, cache, on_stream)`` has no
    ``tool_choice``: its config third, the cache and the handler after it."""
    loopback.default = Reply(body=BODY, headers=SSE)
    model = openai_model(loopback)
    config = GenerateConfig(max_tokens=77)
    handler = collector()
    if keyword_cache:
        messages, output = model.generate_loop(
            "capital?", [], config, cache=True, on_stream=handler
        )
    else:
        messages, output = model.generate_loop("capital?", [], config, True, handler)
    assert output.completion == "Paris is the capital." and len(messages) == 1
    assert loopback.requests[-1].json()["max_tokens"] == 77
    assert [e.text for e in handler.events] == WORDS
    again = model.generate_loop("capital?", [], config, True)  # the cache was on: no request
    assert again.output.completion == "Paris is the capital." and loopback.count == 1
    choice = model.generate_loop("capital?", [], "none", config, False, collector())
    assert choice.output.completion == "Paris is the capital." and loopback.count == 2


def test_with_several_choices_the_handler_gets_the_first_ones_events(
    loopback: LoopbackServer,
) -> None:
    # docs/streaming.md, "First choice only": Inspect's events carry no choice index.
    # Two choices interleaved, as the chat-streaming reference's `choices[].index` allows.
    chunks = [
        {"id": "c", "model": "m", "choices": [{"index": i, "delta": {"content": text}}]}
        for i, text in [(0, "Paris "), (1, "Lyon "), (1, "no."), (0, "yes.")]
    ]
    chunks += [
        {"id": "c", "model": "m", "choices": [{"index": i, "delta": {}, "finish_reason": "stop"}]}
        for i in (0, 1)
    ]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    loopback.default = Reply(body=body.encode(), headers=SSE)
    handler = collector()
    output = openai_model(loopback, num_choices=2).generate("capital?", on_stream=handler)
    assert handler.events == [StreamTextEvent(text="Paris "), StreamTextEvent(text="yes.")]
    assert [c.message.text for c in output.choices] == ["Paris yes.", "Lyon no."]
