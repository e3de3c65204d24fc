"""Call budgets: how many of modelkit's own Python functions each hot path runs.

A deterministic stand-in for a timed test (the suite never times
anything): ``sys.setprofile`` counts the Python function calls one
operation makes on the calling thread, after warm-up calls have filled
every per-process memo. Only calls into modelkit's own code count
(its modules, the ``__init__`` and other methods attrs generates for its
classes, its generated copiers), so the figures do not move with the
Python, ``requests`` or ``urllib3`` version; a change that adds work to a
path shows up here and must raise the budget on purpose. The budgets and
how they were measured are in docs/engine.md ("Call budgets"), which this
module checks against its own table.

The HTTP paths speak OpenAI's chat completions format
(https://platform.openai.com/docs/api-reference/chat/create and
https://platform.openai.com/docs/api-reference/chat-streaming) to the
loopback server.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
from loopback import LoopbackServer, Reply

import modelkit
from modelkit import get_model

PACKAGE = os.path.dirname(os.path.abspath(modelkit.__file__)) + os.sep
DOC = Path(__file__).resolve().parents[1] / "docs" / "engine.md"

# Measured after the fixes of issue 24 (docs/engine.md, "Call budgets"),
# plus a margin of about 5 %.
BUDGETS: Dict[str, int] = {
    "mockllm call, uncached": 49,
    "mockllm call, cache hit": 46,
    "HTTP call (openai, loopback)": 91,
    "streamed event (openai, loopback)": 10,
}


def _own(filename: str) -> bool:
    """Code of modelkit: its modules, or methods generated for its classes."""
    if filename.startswith(PACKAGE):
        return True
    return filename.startswith("<") and "modelkit" in filename


def count_calls(operation: Callable[[], Any]) -> int:
    """Calls into modelkit's own Python code while ``operation()`` runs on this thread."""
    calls = 0
    own: Dict[Any, bool] = {}

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            code = frame.f_code
            mine = own.get(code)
            if mine is None:
                mine = own[code] = _own(code.co_filename)
            if mine:
                calls += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        operation()
    finally:
        sys.setprofile(previous)
    return calls


def steady_count(operation: Callable[[], Any], warmups: int = 3) -> int:
    """``count_calls`` of ``operation`` once warm-up runs have filled every memo."""
    for _ in range(warmups):
        operation()
    return count_calls(operation)


def sse_body(words: List[str]) -> bytes:
    """An OpenAI chat stream: one content delta per word, the finish, the usage."""

    def chunk(choices: List[Any], **more: Any) -> str:
        body = {"id": "c", "object": "chat.completion.chunk", "model": "m", "choices": choices}
        body.update(more)
        return f"data: {json.dumps(body)}\n\n"

    parts = [chunk([{"index": 0, "delta": {"content": word}}]) for word in words]
    parts.append(chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}]))
    usage = {"prompt_tokens": 1, "completion_tokens": len(words), "total_tokens": len(words) + 1}
    parts.append(chunk([], usage=usage))
    return ("".join(parts) + "data: [DONE]\n\n").encode()


def measure() -> Dict[str, float]:
    """Today's count per path (the test's fixture sets a private cache directory)."""
    counts: Dict[str, float] = {}
    mock = get_model("mockllm/model")
    counts["mockllm call, uncached"] = steady_count(lambda: mock.generate("hello"))
    counts["mockllm call, cache hit"] = steady_count(lambda: mock.generate("hello", cache=True))
    with LoopbackServer() as server:
        model = get_model("openai/gpt-4o", base_url=server.url + "/v1", api_key="sk-test")
        counts["HTTP call (openai, loopback)"] = steady_count(lambda: model.generate("hello"))

        def stream(words: int) -> Callable[[], None]:
            body = sse_body([f"w{i} " for i in range(words)])

            def run() -> None:
                server.default = Reply(200, body, headers={"Content-Type": "text/event-stream"})
                with model.stream("hello") as events:
                    for _ in events:
                        pass

            return run

        short, long = steady_count(stream(50)), steady_count(stream(250))
        counts["streamed event (openai, loopback)"] = (long - short) / 200
    return counts


@pytest.fixture(scope="module")
def counts() -> Dict[str, float]:
    return measure()


@pytest.mark.parametrize("path", sorted(BUDGETS))
def test_path_within_its_call_budget(counts: Dict[str, float], path: str) -> None:
    assert counts[path] <= BUDGETS[path], (
        f"{path}: {counts[path]} calls into modelkit, budget {BUDGETS[path]}. "
        "If the new work is meant, raise the budget here and in docs/engine.md."
    )


def test_budgets_are_the_documented_ones() -> None:
    rows = dict(re.findall(r"^\| ([^|]+?) \| (\d+) \|", DOC.read_text(), re.MULTILINE))
    assert {path: int(rows.get(path, -1)) for path in BUDGETS} == BUDGETS


def test_counter_sees_added_work() -> None:
    """The counter counts modelkit's calls: one extra helper call shows."""
    from modelkit._serde import unstructure

    config = modelkit.GenerateConfig(temperature=0.5)
    once = count_calls(lambda: unstructure(config))
    twice = count_calls(lambda: (unstructure(config), unstructure(config)))
    assert once > 0 and twice == 2 * once


if __name__ == "__main__":  # print today's counts (run from tests/ with the cache dir set)
    for path, count in measure().items():
        print(f"{path}: {count}")
