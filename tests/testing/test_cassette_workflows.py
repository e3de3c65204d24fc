"""Cassettes over whole workflows: batch jobs, tool loops, token counting, waits skipped on replay.

Batch jobs run against ``tests/batch/batch_fakes.py`` (OpenAI's Files and
Batch APIs, https://platform.openai.com/docs/api-reference/batch, and
Anthropic's Message Batches,
https://docs.anthropic.com/en/api/creating-message-batches, and Gemini's
Batch API with a file input, https://ai.google.dev/gemini-api/docs/batch-mode):
the upload
(``multipart/form-data`` with a random boundary), the create, every status
check and the results file are recorded, then replayed with sockets
blocked. The tool loop follows OpenAI's chat completion ``tool_calls``
(https://platform.openai.com/docs/api-reference/chat/object). Token counts
come from Anthropic's ``POST /v1/messages/count_tokens``
(https://docs.anthropic.com/en/api/messages-count-tokens), Gemini's
``models/{model}:countTokens`` (https://ai.google.dev/api/tokens) and
OpenAI's ``POST /v1/responses/input_tokens``.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Any, List

import pytest
from loopback import LoopbackServer, Received, Reply, chat_completion

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batch"))

from batch_fakes import FakeAnthropic, FakeGemini, FakeOpenAI

import modelkit
from modelkit.config import BatchConfig
from modelkit.errors import RateLimitError
from modelkit.output import ModelOutput
from modelkit.testing import cassette

KEY = "sk-workflow-Key0123456789"
FAST = BatchConfig(tick=0.001, max_tick=0.01)


def block_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: socket.socket, *args: Any) -> None:
        raise AssertionError(f"a socket was connected during replay: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def texts(outputs: List[Any]) -> List[Any]:
    return [o.completion if isinstance(o, ModelOutput) else type(o).__name__ for o in outputs]


@pytest.mark.parametrize(
    ("fake_class", "spec", "prefix"),
    [
        pytest.param(FakeOpenAI, "openai/gpt-4o", "/v1", id="openai"),
        pytest.param(FakeAnthropic, "anthropic/claude-sonnet-4-5", "", id="anthropic"),
        pytest.param(FakeGemini, "google/gemini-2.5-flash", "", id="google-file"),
    ],
)
def test_a_batch_job_is_recorded_and_replayed(
    fake_class: Any, spec: str, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gemini's input goes through a file: a resumable upload whose session URL
    comes back in the ``x-goog-upload-url`` header (kept, so the replay follows it)."""
    from modelkit.providers.google import _batch

    monkeypatch.setattr(_batch, "INLINE_LIMIT", 10)
    path = tmp_path / "batch.json"
    prompts = ["a", "b", "FAIL c"]
    fake = fake_class()
    with LoopbackServer(default=fake) as server:
        fake.url = server.url  # where Anthropic's results_url points
        model = modelkit.get_model(spec, base_url=server.url + prefix, api_key=KEY, memoize=False)
        with cassette(path, mode="record"):
            handle = model.batch_submit(prompts)
            live = model.batch_collect(handle, config={"batch": FAST})
        sent = server.count
    text = path.read_text()
    assert KEY not in text
    written = json.loads(text)["interactions"]
    assert len(written) == sent >= 4  # submit (and upload), status checks, results
    if fake_class is FakeOpenAI:
        upload = written[0]["request"]["body"]["multipart"]
        assert [part["name"] for part in upload] == ["purpose", "file"]
        assert upload[1]["filename"] == "batch.jsonl"
        assert [line["custom_id"] for line in upload[1]["jsonl"]] == ["0", "1", "2"]
        assert "boundary" not in json.dumps(upload)

    if fake_class is FakeGemini:
        start = written[0]["response"]["headers"]
        assert start["x-goog-upload-url"].endswith("/upload/session/s1")
        assert written[1]["request"]["url"].endswith("/upload/session/s1")
        assert written[1]["request"]["body"]["jsonl"][0]["key"] == "0"

    block_sockets(monkeypatch)
    with cassette(path, mode="replay") as replayed:
        handle = model.batch_submit(prompts)  # a new random boundary: matched by its parts
        again = model.batch_collect(handle, config={"batch": FAST})
        assert replayed.tape is not None and all(replayed.tape.used)
    assert texts(again) == texts(live)
    assert texts(live)[:2] == ["echo: a", "echo: b"]


def _tool_turns(received: Received) -> Reply:
    messages = received.json()["messages"]
    if messages[-1]["role"] == "tool":
        return Reply(body=chat_completion(f"The sum is {messages[-1]['content']}"))
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "add", "arguments": json.dumps({"a": 2, "b": 3})},
    }
    body = chat_completion("")
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "tool_calls": [call]}
    body["choices"][0]["finish_reason"] = "tool_calls"
    return Reply(body=body)


def test_a_tool_loop_is_recorded_and_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: List[Any] = []

    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: the first.
            b: the second.
        """
        calls.append((a, b))
        return a + b

    path = tmp_path / "loop.json"
    with LoopbackServer(default=_tool_turns) as server:
        model = modelkit.get_model(
            "openai/gpt-4o", base_url=f"{server.url}/v1", api_key=KEY, memoize=False
        )
        with cassette(path, mode="record"):
            live = model.generate_loop("Add 2 and 3", tools=[add])
    assert live.output.completion == "The sum is 5"
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"):
        again = model.generate_loop("Add 2 and 3", tools=[add])
    assert again.output.completion == live.output.completion
    assert calls == [(2, 3), (2, 3)]  # the user's tool really ran on replay too
    assert [m.role for m in again.messages] == [m.role for m in live.messages]


def test_replay_skips_retry_waits_unless_timing_is_asked(tmp_path: Path) -> None:
    from modelkit._engine import retry, run

    waits: List[float] = []
    retrying = retry.Retrying(sleep=waits.append)
    api = modelkit.get_model("openai/gpt-4o", api_key=KEY, memoize=False).api
    error = RateLimitError("slow down", status=429, headers={"retry-after": "3"})

    def one_retry() -> None:
        run.retry_or_raise(api, error, None, 1, 5, None, 0.0, retrying)

    one_retry()
    path = tmp_path / "empty.json"
    with cassette(path, mode="record"):
        one_retry()
    assert waits == [3.0, 3.0]
    with cassette(path, mode="replay"):
        one_retry()
    assert waits == [3.0, 3.0]
    with cassette(path, mode="replay", timing=True):
        one_retry()
    assert waits == [3.0, 3.0, 3.0]


def _counts(received: Received) -> Reply:
    """Token counts as the counting endpoints answer them: Anthropic's
    ``/v1/messages/count_tokens`` (``input_tokens``), Gemini's ``:countTokens``
    (``totalTokens``), OpenAI's ``/v1/responses/input_tokens`` (``input_tokens``)."""
    size = len(received.body)
    if received.path.endswith(":countTokens"):
        return Reply(body={"totalTokens": size})
    return Reply(body={"object": "response.input_tokens", "input_tokens": size})


@pytest.mark.parametrize(
    ("spec", "suffix", "path_end"),
    [
        ("anthropic/claude-sonnet-4-5", "", "/v1/messages/count_tokens"),
        ("google/gemini-2.5-flash", "", ":countTokens"),
        ("openai/gpt-4o", "/v1", "/v1/responses/input_tokens"),
    ],
)
def test_token_counting_is_recorded_and_replayed(
    spec: str, suffix: str, path_end: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "count.json"
    with LoopbackServer(default=_counts) as server:
        model = modelkit.get_model(spec, base_url=server.url + suffix, api_key=KEY, memoize=False)
        with cassette(path, mode="record"):
            live = model.count_tokens("How many tokens is this?")
    assert live > 0
    [written] = json.loads(path.read_text())["interactions"]
    assert written["request"]["url"].endswith(path_end)
    block_sockets(monkeypatch)
    with cassette(path, mode="replay"):
        assert model.count_tokens("How many tokens is this?") == live
        with pytest.raises(modelkit.testing.CassetteMismatchError):
            model.count_tokens("And this one?")
