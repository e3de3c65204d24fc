"""The CLI shows what a call cost: ``--json``, ``--usage``, ``modelkit batch``'s summary.

A cache hit costs 0 in each of them.

OpenAI chat completions usage shape as
https://platform.openai.com/docs/api-reference/chat/object documents it;
prices from the bundled table (gpt-5.1: $1.25 in, $0.125 cached, $10 out).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loopback import LoopbackServer, Reply, chat_completion

from modelkit.cli import generate, main

KEY = "sk-test-cli-cost"
ONE = (6 * 1.25 + 4 * 0.125 + 5 * 10.0) / 1e6  # 10 prompt tokens, 4 of them cached


@pytest.fixture
def priced(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    body = chat_completion("hi", model="gpt-5.1")
    body["usage"] = {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    loopback.default = Reply(body=body)
    return loopback


def test_json_and_usage_line(priced: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["generate", "-m", "openai/gpt-5.1", "--base-url", priced.url, "--json", "--usage", "hi"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["usage"]["total_cost"] == pytest.approx(ONE)
    assert captured.err == f"usage: 6 input, 5 output, 4 cache read tokens; ${ONE:.6f}\n"
    assert KEY not in captured.out + captured.err


def test_usage_line_of_a_model_without_a_price(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["generate", "-m", "mockllm/model", "--usage", "hi"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("usage: 1 input, ")
    assert "cost unknown (no price for mockllm/model" in err


def test_batch_summary_adds_up_the_cost(
    priced: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"input": f"q{i}"}) + "\n" for i in range(3)))
    argv = ["batch", "-m", "openai/gpt-5.1", "--base-url", priced.url, str(source)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["output"]["usage"]["total_cost"] for line in lines] == [pytest.approx(ONE)] * 3
    assert f"45 tokens, ${3 * ONE:.6f}, " in captured.err


def test_a_cache_hit_costs_nothing_in_json_and_the_usage_line(
    priced: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", "-m", "openai/gpt-5.1", "--base-url", priced.url, "--cache", "--json"]
    assert main([*argv, "--usage", "hi"]) == 0
    first = capsys.readouterr()
    assert json.loads(first.out)["usage"]["total_cost"] == pytest.approx(ONE)
    assert main([*argv, "--usage", "hi"]) == 0
    second = capsys.readouterr()
    assert priced.count == 1  # the second answer came from the cache
    hit = json.loads(second.out)
    assert hit["cached"] is True and hit["usage"]["total_cost"] == 0.0
    usage = "usage: 6 input, 5 output, 4 cache read tokens; $0.000000 (from the cache)\n"
    assert second.err == usage


def test_a_batch_answered_from_the_cache_costs_nothing(
    priced: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"input": f"q{i}"}) + "\n" for i in range(2)))
    argv = ["batch", "-m", "openai/gpt-5.1", "--base-url", priced.url, "--cache", str(source)]
    assert main(argv) == 0
    assert f"30 tokens, ${2 * ONE:.6f}, " in capsys.readouterr().err
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert priced.count == 2
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["output"]["usage"]["total_cost"] for line in lines] == [0.0, 0.0]
    assert "2 done, 0 failed, 2 cached, 0 tokens, $0.000000, " in captured.err


def test_a_streamed_answer_shows_its_cost_and_a_cached_one_costs_nothing(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # chat completions streaming chunks, usage in the last one
    # (https://platform.openai.com/docs/api-reference/chat-streaming/streaming)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setattr(generate, "_isatty", lambda stream: True)  # stdout "is a terminal"
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    chunks = [
        {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": usage},
    ]
    head = {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-5.1"}
    sse = "".join(f"data: {json.dumps({**head, **c})}\n\n" for c in chunks) + "data: [DONE]\n\n"
    loopback.default = Reply(body=sse, headers={"Content-Type": "text/event-stream"})
    argv = ["generate", "-m", "openai/gpt-5.1", "--base-url", loopback.url, "--cache", "--usage"]
    assert main([*argv, "hi"]) == 0
    first = capsys.readouterr()
    assert loopback.requests[-1].json()["stream"] is True
    assert first.err == f"usage: 6 input, 5 output, 4 cache read tokens; ${ONE:.6f}\n"
    assert main([*argv, "hi"]) == 0
    second = capsys.readouterr()
    assert loopback.count == 1
    assert second.err.endswith("; $0.000000 (from the cache)\n")
