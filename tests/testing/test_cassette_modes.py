"""Cassette modes, matching, the file format, failures and threads, on a loopback OpenAI server.

Response bodies follow OpenAI's chat completion object
(https://platform.openai.com/docs/api-reference/chat/object), as
``tests/loopback.py``'s ``chat_completion`` builds it.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from loopback import LoopbackServer, Received, Reply, chat_completion

import modelkit
from modelkit._engine.tap import current_tap
from modelkit.errors import (
    APIConnectionError,
    APITimeoutError,
    CassetteMismatchError,
    ConfigError,
    ModelkitError,
)
from modelkit.testing import Cassette, cassette

KEY = "sk-modes-Key0123456789"


class Counting:
    """Answers each request with its prompt and how many requests came before it."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, received: Received) -> Reply:
        with self.lock:
            self.count += 1
            number = self.count
        prompt = received.json()["messages"][-1]["content"]
        return Reply(body=chat_completion(f"{prompt} #{number}"))


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(default=Counting()) as running:
        yield running


def model(server: LoopbackServer, **kwargs: Any) -> modelkit.Model:
    return modelkit.get_model(
        "openai/gpt-4o", base_url=f"{server.url}/v1", api_key=KEY, memoize=False, **kwargs
    )


def _refuse(self: socket.socket, *args: Any) -> None:
    raise AssertionError(f"a socket was connected during replay: {args}")


def block_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)


def interactions(path: Path) -> List[Dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["interactions"]  # type: ignore[no-any-return]


# --- modes -------------------------------------------------------------------


def test_once_records_when_missing_then_replays(server: LoopbackServer, tmp_path: Path) -> None:
    path = tmp_path / "once.json"
    with cassette(path) as first:
        assert first.recording
        assert model(server).generate("hi").completion == "hi #1"
    with cassette(path) as second:
        assert not second.recording
        assert model(server).generate("hi").completion == "hi #1"
    assert server.count == 1
    assert current_tap() is None


def test_replay_of_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist.*never records"):
        with cassette(tmp_path / "missing.json", mode="replay"):
            pass
    assert current_tap() is None


def test_unknown_mode_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="once, replay, record, off"):
        cassette(tmp_path / "x.json", mode="rewind")


def test_record_overwrites(server: LoopbackServer, tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    with cassette(path, mode="record"):
        model(server).generate("first")
        model(server).generate("second")
    with cassette(path, mode="record"):
        model(server).generate("third")
    written = interactions(path)
    assert [i["request"]["body"]["json"]["messages"][0]["content"] for i in written] == ["third"]
    assert server.count == 3


def test_off_passes_through_even_inside_a_replay(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "off.json"
    with cassette(path, mode="record"):
        model(server).generate("hi")
    with cassette(path, mode="replay"):
        assert model(server).generate("hi").completion == "hi #1"
        with cassette(path, mode="off"):
            assert model(server).generate("hi").completion == "hi #2"
        with pytest.raises(CassetteMismatchError):
            model(server).generate("new")
    assert server.count == 2


def test_decorator_uses_a_fresh_cassette_per_call(server: LoopbackServer, tmp_path: Path) -> None:
    path = tmp_path / "decorated.json"

    @cassette(path)
    def ask() -> str:
        return model(server).generate("hi").completion

    assert ask() == "hi #1"
    assert ask() == "hi #1"
    assert server.count == 1
    assert isinstance(cassette(path), Cassette)


def test_decorator_on_a_coroutine_function(server: LoopbackServer, tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "async.json"

    @cassette(path)
    async def ask() -> str:
        output = await model(server).generate_async("hi")
        return output.completion

    assert asyncio.run(ask()) == "hi #1"
    assert asyncio.run(ask()) == "hi #1"
    assert server.count == 1


# --- matching ----------------------------------------------------------------


def test_a_changed_prompt_fails_with_a_readable_diff(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "diff.json"
    with cassette(path, mode="record"):
        model(server).generate("Summarise the report in three bullet points")
        model(server).generate("Translate it to French")
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"):
        with pytest.raises(CassetteMismatchError) as caught:
            model(server).generate("Summarise the report in five bullet points")
    error = caught.value
    assert isinstance(error, ModelkitError) and isinstance(error, LookupError)
    assert error.cassette == str(path)
    message = str(error)
    assert str(path) in message
    assert "POST /v1/chat/completions" in message
    assert "closest recorded request (#1 of 2, not yet replayed)" in message
    assert '-        "content": "Summarise the report in three bullet points",' in message
    assert '+        "content": "Summarise the report in five bullet points",' in message
    assert "Translate" not in message
    assert KEY not in message


def test_identical_requests_replay_in_recorded_order(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "order.json"
    with cassette(path, mode="record"):
        live = [model(server).generate("roll").completion for _ in range(3)]
    assert live == ["roll #1", "roll #2", "roll #3"]
    block_sockets(monkeypatch)
    with cassette(path, mode="replay") as replayed:
        assert [model(server).generate("roll").completion for _ in range(2)] == live[:2]
        assert not replayed.all_played
        assert model(server).generate("roll").completion == live[2]
        assert replayed.all_played
        with pytest.raises(CassetteMismatchError, match="3 identical request.*replayed already"):
            model(server).generate("roll")


def test_the_host_and_credentials_do_not_take_part(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "portable.json"
    with cassette(path, mode="record"):
        model(server).generate("hi")
    block_sockets(monkeypatch)
    other = modelkit.get_model(
        "openai/gpt-4o", base_url="http://127.0.0.1:9/v1", api_key="sk-another-key", memoize=False
    )
    with cassette(path, mode="replay"):
        assert other.generate("hi").completion == "hi #1"


class Chained:
    """Answers ``prompt`` requests only once the next one has arrived (the last at once),
    so that each is still in flight when the next is sent; echoes the rest at once."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.arrived = 0
        self.condition = threading.Condition()

    def __call__(self, received: Received) -> Reply:
        prompt = received.json()["messages"][-1]["content"]
        if prompt.startswith("prompt"):
            with self.condition:
                self.arrived += 1
                number = self.arrived
                self.condition.notify_all()
                self.condition.wait_for(
                    lambda: self.arrived > number or number == self.total, timeout=10
                )
        return Reply(body=chat_completion(f"{prompt} #1"))


def test_generate_many_across_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "many.json"
    prompts = [f"prompt {i}" for i in range(12)]
    with LoopbackServer(default=Chained(len(prompts))) as server, cassette(path, mode="record"):
        model(server).generate("before")
        live = [o.completion for o in model(server).generate_many(prompts, max_workers=6)]
        model(server).generate("after")
    written = [i["request"]["body"]["json"]["messages"][0]["content"] for i in interactions(path)]
    # Sent in a racy order, the requests in flight together are written sorted:
    # re-recording them writes the same file. Calls before and after keep their place.
    assert written == ["before", *sorted(prompts), "after"]
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"):
        again = [o.completion for o in model(server).generate_many(prompts, max_workers=6)]
    assert again == live
    assert [text.split(" #")[0] for text in again] == prompts


# --- failures and retries ----------------------------------------------------


def test_a_429_then_a_200_replays_as_such(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "retry.json"
    limited = {"error": {"message": "Rate limit reached", "type": "requests"}}
    server.script(Reply(status=429, body=limited, headers={"retry-after": "0"}))
    with cassette(path, mode="record"):
        live = model(server).generate("hi")
    assert [i["response"]["status"] for i in interactions(path)] == [429, 200]
    assert interactions(path)[0]["response"]["headers"]["retry-after"] == "0"
    block_sockets(monkeypatch)
    with cassette(path, mode="replay") as replayed:
        again = model(server).generate("hi")
        assert replayed.tape is not None and replayed.tape.used == [True, True]
    assert again.completion == live.completion == "hi #1"


def test_an_error_status_replays_as_the_same_error(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "error.json"
    body = {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_request_error"}}
    server.script(Reply(status=401, body=body))
    with cassette(path, mode="record"), pytest.raises(modelkit.AuthenticationError) as live:
        model(server).generate("hi")
    assert KEY not in path.read_text()
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"), pytest.raises(modelkit.AuthenticationError) as again:
        model(server).generate("hi")
    assert str(again.value) == str(live.value)
    assert again.value.body == live.value.body


def test_a_connection_reset_mid_body_replays_as_the_same_failure(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "reset.json"
    server.script(Reply(reset_after=10))
    config = modelkit.GenerateConfig(max_retries=0)
    with cassette(path, mode="record"), pytest.raises(APIConnectionError) as live:
        model(server).generate("hi", config=config)
    assert interactions(path)[0]["error"]["kind"] == "connection"
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"), pytest.raises(APIConnectionError) as again:
        model(server).generate("hi", config=config)
    assert again.value.message == live.value.message


def test_a_refused_connection_then_success_replays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "refused.json"
    with LoopbackServer() as probe:
        dead = probe.url  # closed when the block ends: connections are refused
    dead_model = modelkit.get_model(
        "openai/gpt-4o", base_url=f"{dead}/v1", api_key=KEY, memoize=False
    )
    config = modelkit.GenerateConfig(max_retries=0)
    with cassette(path, mode="record"), pytest.raises(APIConnectionError) as live:
        dead_model.generate("hi", config=config)
    written = interactions(path)[0]
    assert "response" not in written and written["error"]["kind"] == "connection"
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"), pytest.raises(APIConnectionError) as again:
        dead_model.generate("hi", config=config)
    assert again.value.message == live.value.message


def test_a_deadline_replays_as_a_timeout(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deadline.json"
    server.script(Reply(trickle=(8, 0.05)))
    config = modelkit.GenerateConfig(max_retries=0, timeout=0.3)
    with cassette(path, mode="record"), pytest.raises(APITimeoutError) as live:
        model(server).generate("hi", config=config)
    assert interactions(path)[0]["error"] == {"kind": "deadline"}
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"), pytest.raises(APITimeoutError) as again:
        model(server).generate("hi", config=config)
    # Live, the call's clock ran out too, and the message says so; a replay is instant.
    said = f"no complete response from {server.url.split('//', 1)[1]} within 0.3s"
    assert live.value.message.startswith(said)
    assert again.value.message == said


# --- the file ----------------------------------------------------------------


def test_re_recording_the_same_calls_writes_the_same_file(tmp_path: Path) -> None:
    def fixed(received: Received) -> Reply:
        prompt = received.json()["messages"][-1]["content"]
        return Reply(body=chat_completion(prompt), headers={"Date": "x", "x-request-id": "y"})

    texts = []
    with LoopbackServer(default=fixed) as server:
        for _ in range(2):
            path = tmp_path / "stable.json"
            with cassette(path, mode="record"):
                model(server).generate("one")
                model(server).generate("two")
            texts.append(path.read_text())
    assert texts[0] == texts[1]
    assert texts[0].endswith("}\n")
    document = json.loads(texts[0])
    assert document["modelkit_cassette"] == 1
    response = document["interactions"][0]["response"]
    assert response["headers"] == {"content-type": "application/json"}
    assert response["body"]["json"]["choices"][0]["message"]["content"] == "one"


def test_a_cassette_from_a_newer_version_or_malformed_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"modelkit_cassette": 99, "interactions": []}))
    with pytest.raises(ConfigError, match="format version 99.*newer modelkit.*Upgrade"):
        with cassette(path):
            pass
    path.write_text(json.dumps({"interactions": []}))
    with pytest.raises(ConfigError, match="not a modelkit cassette"):
        with cassette(path, mode="replay"):
            pass
    path.write_text(json.dumps({"modelkit_cassette": 1, "interactions": [{"request": {}}]}))
    with pytest.raises(ConfigError, match="interaction #1 has no request with a method"):
        with cassette(path, mode="replay"):
            pass
    request = {"method": "POST", "url": "http://127.0.0.1:9/v1/chat/completions"}
    request["body"] = {"json": {"messages": [{"role": "user", "content": "hi"}], "model": "gpt-4o"}}
    edited = {"request": request, "response": {"status": 200, "body": {"yaml": "hi"}}}
    path.write_text(json.dumps({"modelkit_cassette": 1, "interactions": [edited]}))
    other = modelkit.get_model(
        "openai/gpt-4o", base_url="http://127.0.0.1:9/v1", api_key=KEY, memoize=False
    )
    with pytest.raises(ConfigError, match=r"interaction #1 cannot be replayed \(ValueError"):
        with cassette(path, mode="replay"):
            other.generate("hi")
    path.write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        with cassette(path, mode="replay"):
            pass


def test_a_gzip_answer_is_written_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed = gzip.compress(json.dumps(chat_completion("zipped")).encode())
    reply = Reply(body=packed, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    path = tmp_path / "gzip.json"
    with LoopbackServer(default=reply) as server, cassette(path, mode="record"):
        assert model(server).generate("hi").completion == "zipped"
    response = interactions(path)[0]["response"]
    assert "content-encoding" not in response["headers"]
    assert response["body"]["json"]["choices"][0]["message"]["content"] == "zipped"
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"):
        assert model(server).generate("hi").completion == "zipped"


def test_secrets_in_the_url_never_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "url.json"
    with LoopbackServer() as server:
        host = server.url.replace("http://", "")
        gateway = modelkit.get_model(
            "openai/gpt-4o",
            base_url=f"http://user:pw-Secret99@{host}/v1",
            api_key=KEY,
            memoize=False,
        )
        with cassette(path, mode="record"):
            gateway.generate("hi")
    text = path.read_text()
    assert "pw-Secret99" not in text and "user:" not in text
    assert interactions(path)[0]["request"]["url"] == f"{server.url}/v1/chat/completions"


def test_timing_is_recorded_and_replayed_only_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelkit.testing import _raw, _tape

    path = tmp_path / "timed.json"
    with LoopbackServer(default=Reply(delay=0.05)) as server:
        with cassette(path, mode="record", timing=True):
            model(server).generate("hi")
    timing = interactions(path)[0]["timing"]
    assert timing["headers"] >= 0.05 and len(timing["pieces"]) == 1
    waits: List[float] = []
    monkeypatch.setattr(_tape.time, "sleep", waits.append)
    monkeypatch.setattr(_raw.time, "sleep", waits.append)
    with cassette(path, mode="replay"):
        model(server).generate("hi")
    assert waits == []
    with cassette(path, mode="replay", timing=True):
        model(server).generate("hi")
    assert waits[0] == timing["headers"] and len(waits) == 2


def test_a_stream_with_no_recorded_answer_raises_the_mismatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream_body = (
        'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
        '"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}'
        "\n\ndata: [DONE]\n\n"
    )
    reply = Reply(body=stream_body, headers={"Content-Type": "text/event-stream"})
    path = tmp_path / "stream.json"
    with LoopbackServer(default=reply) as server, cassette(path, mode="record"):
        with model(server).stream("hi") as stream:
            texts = [e.text for e in stream if getattr(e, "text", None)]
        assert texts == ["Hi"]
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"):
        with model(server).stream("hi") as stream:
            list(stream)
        assert stream.output.completion == "Hi"
        with pytest.raises(CassetteMismatchError, match="hello"):
            with model(server).stream("hello") as stream:
                list(stream)
