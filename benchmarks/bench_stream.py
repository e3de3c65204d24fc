"""Streaming overhead: time to first event and cost per event, against raw ``requests``.

Both sides read the same OpenAI chat SSE answers from the same loopback
server (``tests/loopback.py``, in this process): the floor is a bare
``requests.Session.post(..., stream=True)`` whose ``iter_lines()`` is read
until the first ``data:`` line's JSON is decoded (time to first event), or
to the end with every line decoded (per event). modelkit is
``Model.stream`` on the ``openai`` provider, with its SSE parser, chunk
folding, delta events, connection slot, retry loop and deadline alarm.
Prints medians and what modelkit adds (target: < 1 ms before the first
event, < 20 us per event).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import requests
from loopback import LoopbackServer, Reply

from modelkit import get_model
from modelkit._events import TextDelta

SHORT, LONG, ROUNDS, LONG_ROUNDS = 5, 2000, 300, 15
HEADERS = {"Content-Type": "text/event-stream"}


def sse(events: int) -> bytes:
    chunk = {"id": "c", "object": "chat.completion.chunk", "model": "m", "choices": []}
    lines = []
    for n in range(events):
        chunk["choices"] = [{"index": 0, "delta": {"content": f"tok{n} "}, "finish_reason": None}]
        lines.append(f"data: {json.dumps(chunk)}\n\n")
    chunk["choices"] = [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    lines.append(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n")
    return "".join(lines).encode()


def raw_first(session: requests.Session, url: str, body: bytes) -> float:
    start = time.perf_counter()
    with session.post(
        url, data=body, headers={"Content-Type": "application/json"}, stream=True
    ) as r:
        for line in r.iter_lines():
            if line.startswith(b"data: {"):
                json.loads(line[6:])
                elapsed = time.perf_counter() - start
                break
        for _ in r.iter_lines():  # read to the end, so the connection is reused
            pass
    return elapsed


def raw_all(session: requests.Session, url: str, body: bytes) -> float:
    start = time.perf_counter()
    with session.post(
        url, data=body, headers={"Content-Type": "application/json"}, stream=True
    ) as r:
        for line in r.iter_lines():
            if line.startswith(b"data: {"):
                json.loads(line[6:])
    return time.perf_counter() - start


def modelkit_first(model: object) -> float:
    start = time.perf_counter()
    with model.stream("hi") as stream:  # type: ignore[attr-defined]
        events = iter(stream)
        first = next(events)
        elapsed = time.perf_counter() - start
        assert isinstance(first, TextDelta)
        for _ in events:
            pass
    return elapsed


def modelkit_all(model: object) -> float:
    start = time.perf_counter()
    with model.stream("hi") as stream:  # type: ignore[attr-defined]
        for _ in stream:
            pass
    return time.perf_counter() - start


def median(run: Callable[[], float], rounds: int) -> float:
    for _ in range(5):  # warm up: connections, imports, caches
        run()
    return statistics.median(run() for _ in range(rounds))


def main() -> None:
    with LoopbackServer(default=Reply(body=sse(SHORT), headers=HEADERS)) as server:
        url = f"{server.url}/chat/completions"
        model = get_model("openai/m", base_url=server.url, api_key="sk-bench")
        session = requests.Session()
        request = json.dumps(
            {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        ).encode()
        raw_ttfe = median(lambda: raw_first(session, url, request), ROUNDS)
        mk_ttfe = median(lambda: modelkit_first(model), ROUNDS)
        server.default = Reply(body=sse(LONG), headers=HEADERS)
        raw_total = median(lambda: raw_all(session, url, request), LONG_ROUNDS)
        mk_total = median(lambda: modelkit_all(model), LONG_ROUNDS)
    per_raw, per_mk = raw_total / LONG * 1e6, mk_total / LONG * 1e6
    print(f"time to first event ({SHORT}-event answers, median of {ROUNDS}):")
    print(f"  raw requests iter_lines  {raw_ttfe * 1e3:8.3f} ms   (floor)")
    print(
        f"  modelkit Model.stream    {mk_ttfe * 1e3:8.3f} ms   {mk_ttfe / raw_ttfe:5.2f}x, "
        f"+{(mk_ttfe - raw_ttfe) * 1e3:.3f} ms (target < 1 ms)"
    )
    print(f"per event ({LONG}-event answers, median of {LONG_ROUNDS}):")
    print(f"  raw requests iter_lines  {per_raw:8.2f} us   (floor)")
    print(
        f"  modelkit Model.stream    {per_mk:8.2f} us   {per_mk / per_raw:5.2f}x, "
        f"+{per_mk - per_raw:.2f} us (target < 20 us)"
    )


if __name__ == "__main__":
    main()
