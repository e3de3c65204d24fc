"""Streaming overhead: time to first event and cost per event, against raw ``requests``.

Both sides read the same OpenAI chat SSE answers from the same loopback
server (``tests/loopback.py``, in this process): the floor is a bare
``requests.Session.post(..., stream=True)`` whose ``iter_lines()`` is read
until the first ``data:`` line's JSON is decoded (time to first event), or
to the end with every line decoded (per event). modelkit is
``Model.stream`` on the ``openai`` provider, with its SSE parser, chunk
folding, delta events, connection slot, retry loop and deadline alarm.
The two take turns round by round; the floor's session has
``trust_env=False`` (modelkit reads the environment once, not per request).
The official ``openai`` SDK (``stream=True``), when it is installed
(``make bench`` installs ``requirements-bench.txt``), takes the same turns.
Prints medians and the ratios (targets: <= 1.1x to the first event,
<= 1.3x per event over 200-event answers).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import requests
from _report import report
from loopback import LoopbackServer, Reply

from modelkit import get_model
from modelkit._events import TextDelta

SHORT, LONG, ROUNDS, LONG_ROUNDS = 5, 200, 300, 100
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


def medians(*calls: Callable[[], float], rounds: int) -> List[float]:
    """Medians of each of ``calls``, run in turns (the load changes all alike)."""
    for _ in range(5):  # warm up: connections, imports, caches
        for call in calls:
            call()
    samples: List[List[float]] = [[] for _ in calls]
    for _ in range(rounds):
        for call, times in zip(calls, samples):
            times.append(call())
    return [statistics.median(times) for times in samples]


def openai_sdk(base_url: str) -> Optional[Any]:
    """The official ``openai`` client on the loopback server, if it is installed."""
    try:
        import openai
    except ImportError:
        return None
    return openai.OpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)


def sdk_first(client: Any) -> float:
    start = time.perf_counter()
    chunks = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    events = iter(chunks)
    first = next(events)
    elapsed = time.perf_counter() - start
    assert first.choices[0].delta.content
    for _ in events:
        pass
    return elapsed


def sdk_all(client: Any) -> float:
    start = time.perf_counter()
    for _ in client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    ):
        pass
    return time.perf_counter() - start


def main() -> None:
    with LoopbackServer(default=Reply(body=sse(SHORT), headers=HEADERS)) as server:
        url = f"{server.url}/chat/completions"
        model = get_model("openai/m", base_url=server.url, api_key="sk-bench")
        session = requests.Session()
        session.trust_env = False  # modelkit reads the environment once, not per request
        sdk = openai_sdk(server.url)
        request = json.dumps(
            {
                "model": "m",
                "messages": [{"role": "user", "content": "hi"}],
                "stream": True,
            }
        ).encode()
        firsts = [lambda: raw_first(session, url, request), lambda: modelkit_first(model)]
        if sdk is not None:
            firsts.append(lambda: sdk_first(sdk))
        raw_ttfe, mk_ttfe, *sdk_ttfe = medians(*firsts, rounds=ROUNDS)
        server.default = Reply(body=sse(LONG), headers=HEADERS)
        alls = [lambda: raw_all(session, url, request), lambda: modelkit_all(model)]
        if sdk is not None:
            alls.append(lambda: sdk_all(sdk))
        raw_total, mk_total, *sdk_total = medians(*alls, rounds=LONG_ROUNDS)
    per_raw, per_mk = raw_total / LONG * 1e6, mk_total / LONG * 1e6
    per_sdk = sdk_total[0] / LONG * 1e6 if sdk_total else None
    first_sdk = sdk_ttfe[0] * 1e6 if sdk_ttfe else None
    floor_name = "Session(trust_env=False) iter_lines + json.loads"
    print(f"time to first event ({SHORT}-event answers, median of {ROUNDS}, in turns):")
    print(f"  raw requests iter_lines  {raw_ttfe * 1e3:8.3f} ms   (floor)")
    print(
        f"  modelkit Model.stream    {mk_ttfe * 1e3:8.3f} ms   {mk_ttfe / raw_ttfe:5.2f}x, "
        f"+{(mk_ttfe - raw_ttfe) * 1e3:.3f} ms (target <= 1.1x)"
    )
    if first_sdk is not None:
        print(
            f"  openai SDK stream=True   {first_sdk / 1e3:8.3f} ms   {first_sdk / 1e6 / raw_ttfe:5.2f}x"
        )
    print(f"per event ({LONG}-event answers, median of {LONG_ROUNDS}, in turns):")
    print(f"  raw requests iter_lines  {per_raw:8.2f} us   (floor)")
    print(
        f"  modelkit Model.stream    {per_mk:8.2f} us   {per_mk / per_raw:5.2f}x, "
        f"+{per_mk - per_raw:.2f} us (target <= 1.3x)"
    )
    if per_sdk is not None:
        print(f"  openai SDK stream=True   {per_sdk:8.2f} us   {per_sdk / per_raw:5.2f}x")
    else:
        print("(openai SDK not installed here: left out)")
    report(
        "a stream, first event",
        floor_name,
        raw_ttfe * 1e6,
        mk_ttfe * 1e6,
        1.1,
        sdk=first_sdk,
        sdk_name="openai",
    )
    report(
        "a stream, per event (200)",
        floor_name,
        per_raw,
        per_mk,
        1.3,
        sdk=per_sdk,
        sdk_name="openai",
    )


# --- Linear streams (issue 19, point 10): 40,000 deltas of 100 characters ---

DELTAS, WIDTH = 40_000, 100


def _openai_body(n: int) -> bytes:
    piece = "x" * WIDTH
    lines = [
        "data: "
        + json.dumps(
            {
                "id": "c",
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": piece}}],
            }
        )
        for _ in range(n)
    ]
    end = {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    lines += ["data: " + json.dumps(end), "data: [DONE]"]
    return ("\n\n".join(lines) + "\n\n").encode()


def _anthropic_body(n: int) -> bytes:
    piece = "x" * WIDTH
    message = {
        "id": "msg",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "m",
        "stop_reason": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    events = [
        {"type": "message_start", "message": message},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": ""},
        },
    ]
    delta = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": piece},
    }
    events += [delta] * n
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": n},
        },
        {"type": "message_stop"},
    ]
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def _google_body(n: int) -> bytes:
    piece = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "x" * WIDTH}]}, "index": 0}]
    }
    last = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": ""}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ]
    }
    return "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in [piece] * n + [last]).encode()


def _long_line(size: int) -> bytes:
    return b"data: " + b"x" * size + b"\n\n"


LINEAR_CASES = (
    ("openai/m", "/chat/completions", _openai_body),
    ("mistral/m", "/chat/completions", _openai_body),
    ("anthropic/m", "/messages", _anthropic_body),
    ("google/m", "", _google_body),
)


def raw_lines(session: requests.Session, url: str, body: bytes) -> float:
    """The floor: read every line with ``iter_lines`` and decode each ``data:`` JSON."""
    start = time.perf_counter()
    with session.post(
        url, data=body, headers={"Content-Type": "application/json"}, stream=True
    ) as r:
        for line in r.iter_lines():
            if line.startswith(b"data: {"):
                json.loads(line[6:])
    return time.perf_counter() - start


def linear() -> None:
    """Time 40,000 deltas of 100 characters per provider, and one 32 MiB SSE line."""
    from modelkit._engine.sse import SSEParser

    print(f"{DELTAS} deltas of {WIDTH} characters (one stream each):")
    for name, path, make in LINEAR_CASES:
        body = make(DELTAS)
        with LoopbackServer(default=Reply(body=body, headers=HEADERS)) as server:
            model = get_model(name, base_url=server.url, api_key="k-bench", memoize=False)
            session = requests.Session()
            floor = raw_lines(session, server.url + path, b"{}")
            start = time.perf_counter()
            output = model.stream("hi").final_output()
            took = time.perf_counter() - start
        assert len(output.completion) == DELTAS * WIDTH, len(output.completion)
        print(
            f"  {name:12} {took:8.3f} s   floor (iter_lines + json) {floor:6.3f} s   {took / floor:6.2f}x"
        )
    size = 32 * 1024 * 1024
    data = _long_line(size)
    pieces = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    start = time.perf_counter()
    floor_join = b"".join(pieces)
    floor = time.perf_counter() - start
    parser = (
        SSEParser(max_event=size + 1024)
        if "max_event" in SSEParser.__init__.__code__.co_varnames
        else SSEParser()
    )
    start = time.perf_counter()
    events = [event for piece in pieces for event in parser.feed(piece)]
    took = time.perf_counter() - start
    assert len(events) == 1 and len(events[0].data) == size and floor_join
    print(f"one 32 MiB SSE line in 64 KiB reads: {took:.3f} s   floor (b''.join) {floor:.3f} s")


if __name__ == "__main__":
    linear() if "--linear" in sys.argv else main()
