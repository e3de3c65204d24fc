"""``Model.stream`` honours ``fallback_models``, ``fail_on_refusal`` and ``attempt_timeout``; ``stream_async``.

Over real sockets: the loopback server speaks OpenAI's chat-completions
stream (https://platform.openai.com/docs/api-reference/chat-streaming, the
chunk object; ``finish_reason: "content_filter"`` is a refusal), and answers
by the ``model`` the request names, so a primary and its fallback can
behave differently on one server.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from typing import Any, Callable, Dict, List

import pytest
from loopback import LoopbackServer, Received, Reply

from modelkit import get_model
from modelkit._engine.limits import limit_for
from modelkit._events import StreamEnd, TextDelta
from modelkit.errors import APIError, APITimeoutError, ModelRefusalError, RateLimitError
from modelkit.model import Model
from modelkit.output import ModelFallback

SSE = {"Content-Type": "text/event-stream"}
BUSY = Reply(status=503, body={"error": {"message": "busy"}}, headers={"retry-after-ms": "1"})


def sse(words: List[str], finish: str = "stop") -> bytes:
    chunks: List[Dict[str, Any]] = [
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": w}}]} for w in words
    ]
    chunks.append(
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
    )
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return text.encode()


WORDS = ["one ", "two ", "three"]
BODY = sse(WORDS)
FIRST = BODY.index(b"\n\n") + 2


def by_model(replies: Dict[str, Reply]) -> Callable[[Received], Reply]:
    return lambda received: replies[received.json()["model"]]


def model_for(server: LoopbackServer, name: str = "primary", **config: Any) -> Model:
    return get_model(
        f"openai/{name}", base_url=server.url, api_key="sk-loop", config=config, memoize=False
    )


def models_asked(server: LoopbackServer) -> List[str]:
    return [received.json()["model"] for received in server.requests]


# --- fallback_models ------------------------------------------------------------


def test_a_failure_before_the_first_event_moves_to_the_next_fallback(
    loopback: LoopbackServer,
) -> None:
    loopback.default = by_model(
        {"primary": BUSY, "second": BUSY, "third": Reply(body=BODY, headers=SSE)}
    )
    model = model_for(loopback, max_retries=0, fallback_models=["second", "third"])
    with model.stream("hi") as stream:
        events = list(stream)
    assert [e.text for e in events if isinstance(e, TextDelta)] == WORDS
    assert isinstance(events[-1], StreamEnd)
    assert stream.output is events[-1].output
    assert stream.output.fallback == ModelFallback(model="openai/primary", fallback_model="third")
    assert models_asked(loopback) == ["primary", "second", "third"]


def test_when_every_fallback_fails_the_last_error_is_raised(loopback: LoopbackServer) -> None:
    limited = Reply(
        status=429, body={"error": {"message": "slow down"}}, headers={"retry-after-ms": "1"}
    )
    loopback.default = by_model({"primary": BUSY, "second": limited})
    model = model_for(loopback, max_retries=0, fallback_models=["second"])
    with pytest.raises(RateLimitError, match="slow down") as caught:
        list(model.stream("hi"))
    assert isinstance(caught.value.__context__, APIError)  # the primary's, kept
    assert "busy" in caught.value.__context__.message


def test_a_failure_after_the_first_event_raises_with_the_partial_output(
    loopback: LoopbackServer,
) -> None:
    loopback.default = by_model(
        {
            "primary": Reply(body=BODY, headers=SSE, reset_after=FIRST + 10),
            "second": Reply(body=BODY, headers=SSE),
        }
    )
    model = model_for(loopback, max_retries=0, fallback_models=["second"])
    seen: List[Any] = []
    with pytest.raises(APIError) as caught:
        for event in model.stream("hi"):
            seen.append(event)
    assert seen == [TextDelta("one ")]
    assert caught.value.output is not None and caught.value.output.completion == "one "
    assert models_asked(loopback) == ["primary"]  # never a second answer after the first began


# --- fail_on_refusal ------------------------------------------------------------


def test_fail_on_refusal_raises_at_the_end_of_a_refused_stream(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=sse(["I can't "], finish="content_filter"), headers=SSE)
    seen: List[Any] = []
    with pytest.raises(ModelRefusalError) as caught:
        for event in model_for(loopback, fail_on_refusal=True).stream("hi"):
            seen.append(event)
    assert seen == [TextDelta("I can't ")]  # the deltas came, the StreamEnd did not
    assert caught.value.output.stop_reason == "content_filter"
    refused = model_for(loopback).stream("hi").final_output()  # without it: the refusal
    assert refused.stop_reason == "content_filter"


# --- attempt_timeout ------------------------------------------------------------


def test_attempt_timeout_cuts_a_slow_start_and_retries(loopback: LoopbackServer) -> None:
    loopback.script(Reply(body=BODY, headers=SSE, delay=5))  # headers only after 5 s
    loopback.default = Reply(body=BODY, headers=SSE)
    model = model_for(loopback, attempt_timeout=0.3, max_retries=1, timeout=30)
    assert model.stream("hi").final_output().completion == "".join(WORDS)
    assert loopback.count == 2


def test_attempt_timeout_names_itself_when_no_attempt_starts(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=BODY, headers=SSE, delay=5)
    model = model_for(loopback, attempt_timeout=0.3, max_retries=0)
    with pytest.raises(APITimeoutError, match=r"no first event within attempt_timeout=0\.3s"):
        list(model.stream("hi"))


def test_attempt_timeout_does_not_bound_a_stream_that_started(loopback: LoopbackServer) -> None:
    # The first event comes at once; the whole stream takes ~0.9 s, three attempt_timeouts.
    loopback.default = Reply(body=BODY, headers=SSE, trickle=(FIRST, 0.3))
    model = model_for(loopback, attempt_timeout=0.3, max_retries=0, timeout=30)
    assert model.stream("hi").final_output().completion == "".join(WORDS)
    assert loopback.count == 1


# --- stream_async ---------------------------------------------------------------


def test_stream_async_yields_the_events_and_the_output(loopback: LoopbackServer) -> None:
    loopback.default = by_model({"primary": BUSY, "second": Reply(body=BODY, headers=SSE)})
    model = model_for(loopback, max_retries=0, fallback_models=["second"])

    async def main() -> Any:
        async with model.stream_async("hi") as stream:
            events = [event async for event in stream]
        return events, stream.output

    events, output = asyncio.run(main())
    assert [e.text for e in events if isinstance(e, TextDelta)] == WORDS
    assert isinstance(events[-1], StreamEnd) and output is events[-1].output
    assert output.fallback is not None and output.fallback.fallback_model == "second"


def test_stream_async_closes_the_connection_on_early_exit(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=BODY, headers=SSE, trickle=(FIRST, 0.5))
    model = model_for(loopback, max_connections=1)
    limit = limit_for(model.api.connection_key(), 1)

    async def main() -> None:
        async with model.stream_async("hi") as stream:
            async for _ in stream:
                assert limit.active == 1
                break
        assert limit.active == 0

    asyncio.run(main())
    wait_for(lambda: loopback.in_flight == 0)


class _StallingServer:
    """Sends the headers and the first event, then waits for the client to hang up."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.hung_up = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {len(BODY)}\r\n\r\n"
        conn.sendall(head.encode() + BODY[:FIRST])
        conn.settimeout(10)
        try:
            while conn.recv(65536):  # the rest of the request body, then EOF when it hangs up
                pass
            self.hung_up.set()
        except socket.timeout:  # still connected: it never hung up
            pass
        except OSError:  # a reset is hanging up too
            self.hung_up.set()
        conn.close()
        self.listener.close()


def test_cancelling_the_task_closes_the_connection() -> None:
    server = _StallingServer()
    model = get_model(
        "openai/primary",
        base_url=server.url,
        api_key="sk-loop",
        memoize=False,
        config={"max_connections": 1, "max_retries": 0},
    )
    limit = limit_for(model.api.connection_key(), 1)
    seen: List[Any] = []

    async def read() -> None:
        async with model.stream_async("hi") as stream:
            async for event in stream:
                seen.append(event)

    async def main() -> None:
        task = asyncio.ensure_future(read())
        while not seen and not task.done():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # a worker thread is now blocked reading the stalled stream
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert seen == [TextDelta("one ")]
    assert limit.active == 0
    assert server.hung_up.wait(5), "the server never saw the connection close"


def test_stream_async_checks_its_input_on_entering() -> None:
    from modelkit.errors import ConfigError

    model = get_model("mockllm/model", memoize=False)

    async def main() -> None:
        async with model.stream_async("hi", config={"temprature": 1}):  # type: ignore[typeddict-unknown-key]
            pass

    with pytest.raises(ConfigError, match="did you mean 'temperature'"):
        asyncio.run(main())


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)
