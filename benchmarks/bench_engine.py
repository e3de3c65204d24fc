"""The engine's cost per call, and batch throughput, against a loopback server.

1. Latency: ``model.generate(prompt)`` (``openai/gpt-4o`` pointed at the
   loopback server) against a raw ``requests.Session.post`` of the same URL,
   body and headers, in the same run, the clients taking turns call by call
   in a random order; medians of 3,000 calls each. Rows in between show where the time goes:
   modelkit's HTTP client alone, plus the provider (build the request,
   record the call, parse the answer), plus the engine (connection limit,
   retry loop, usage total). The official ``openai`` SDK joins the table
   when it is importable (it is not a dependency). A default ``requests``
   session reads proxies, the CA bundle and ``~/.netrc`` from the
   environment on every request; modelkit's sessions read them once, so the
   table also shows a raw session with ``trust_env=False``: the floor, since
   modelkit also skips those per-call lookups. Target: ``model.generate``
   at most 1.05x the floor.
2. Throughput: ``generate_many`` against a server answering after a fixed
   20 ms, at ``max_connections`` 1, 8 and 64, as a fraction of the ideal
   (``max_connections / 20 ms``), beside raw ``requests`` posts from as many
   threads, each with its own session: the machine's ceiling.

The server is a minimal asyncio HTTP/1.1 server (``serve`` below) run in a
separate process, so that it neither competes with the client for the GIL
nor, as the test suite's thread-per-connection server would, becomes the
bottleneck at 3,200 requests a second. Targets: ``model.generate`` at most
1.05x the ``trust_env=False`` floor; ``generate_many`` at least 90 % of
ideal at 8 and 64 connections. ``BENCH_CALLS`` sets the calls per client.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from _report import report

import modelkit

PROMPT = "Summarise the plot of Hamlet in two sentences."
CALLS = int(os.environ.get("BENCH_CALLS", "3000"))  # per client, interleaved call by call
BASELINE = "raw requests.Session.post"
FLOOR = "  ... with trust_env=False"
ADAPTER = "HTTPAdapter.send + json.loads (floor)"
GENERATE = "  + prepare = model.generate"
SDK = "openai SDK chat.completions.create"
DELAY = 0.020
CONNECTIONS = (1, 8, 64)
CALLS_PER_CONNECTION = 40  # a batch lasts 40 x 20 ms = 0.8 s at the ideal rate

_BODY = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello from the bench server",
                },
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11},
    }
).encode()


def serve(delay: float) -> None:
    """A minimal HTTP/1.1 keep-alive server: every request gets ``_BODY`` after ``delay``."""
    import asyncio

    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    answer = head % len(_BODY) + _BODY

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                for line in request.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        await reader.readexactly(int(line[15:]))
                if delay:
                    await asyncio.sleep(delay)
                writer.write(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def run() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
        await server.serve_forever()

    asyncio.run(run())


@contextmanager
def server(delay: float) -> Iterator[str]:
    """A bench server in its own process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(10)


def model_for(url: str, max_connections: Optional[int] = None) -> modelkit.Model:
    config = modelkit.GenerateConfig(max_connections=max_connections)
    return modelkit.get_model(
        "openai/gpt-4o",
        base_url=f"{url}/v1",
        api_key="sk-bench",
        config=config,
        memoize=False,
    )


def latencies(url: str) -> Dict[str, List[float]]:
    """Per-call latencies (seconds) of each client, the clients taking turns call by call."""
    from modelkit._engine.http import HttpClient
    from modelkit._engine.run import run_request

    model = model_for(url)
    request = model.prepare(PROMPT)
    api: Any = model.api
    wire = api.build_request(request.input, request.tools, request.tool_choice, request.config)
    data = json.dumps(wire.body).encode("utf-8")
    headers = api.sign(wire, data)
    session = requests.Session()
    no_env = requests.Session()
    no_env.trust_env = False
    client = HttpClient("openai", "gpt-4o")
    adapter = requests.adapters.HTTPAdapter()
    prepared = requests.Request("POST", wire.url, data=data, headers=headers).prepare()
    clients: Dict[str, Callable[[], object]] = {
        ADAPTER: lambda: json.loads(adapter.send(prepared, timeout=60).content),
        BASELINE: lambda: session.post(wire.url, data=data, headers=headers),
        "  ... then .json()": lambda: session.post(wire.url, data=data, headers=headers).json(),
        FLOOR: lambda: no_env.post(wire.url, data=data, headers=headers),
        "modelkit HttpClient.post": lambda: client.post(wire.url, data, headers),
        "  + provider (build, record, parse)": lambda: api.generate(
            request.input, request.tools, request.tool_choice, request.config
        ),
        "  + engine (limit, retries, usage)": lambda: run_request(model.api, request),
        GENERATE: lambda: model.generate(PROMPT),
    }
    sdk = _openai_sdk(url)
    if sdk is not None:
        clients[SDK] = sdk
    for call in clients.values():  # warm up: connections, imports, caches
        for _ in range(200):
            call()
    samples: Dict[str, List[float]] = {name: [] for name in clients}
    names = list(clients)
    shuffle = random.Random(1).shuffle
    clock = time.perf_counter
    for _ in range(CALLS):
        shuffle(names)  # a client's cost depends on what ran before it (caches): vary it
        for name in names:
            call = clients[name]
            start = clock()
            call()
            samples[name].append(clock() - start)
    return samples


def _openai_sdk(url: str) -> Optional[Callable[[], object]]:
    try:
        import openai
    except ImportError:
        return None
    sdk: Any = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-bench", max_retries=0)
    messages = [{"role": "user", "content": PROMPT}]
    return lambda: sdk.chat.completions.create(model="gpt-4o", messages=messages)


def throughput_modelkit(url: str, connections: int) -> float:
    """Calls per second of ``generate_many`` at ``connections``."""
    model = model_for(url, connections)
    model.generate_many([PROMPT] * connections * 2)  # warm: threads, sessions, connections
    calls = connections * CALLS_PER_CONNECTION
    start = time.perf_counter()
    model.generate_many([PROMPT] * calls)
    return calls / (time.perf_counter() - start)


def throughput_raw(url: str, connections: int) -> float:
    """Calls per second of raw ``requests`` posts from ``connections`` threads."""
    model = model_for(url)
    request = model.prepare(PROMPT)
    api: Any = model.api
    wire = api.build_request(request.input, request.tools, request.tool_choice, request.config)
    data = json.dumps(wire.body).encode("utf-8")
    barrier = threading.Barrier(connections + 1)

    def worker() -> None:
        session = requests.Session()
        session.post(wire.url, data=data, headers=wire.headers)  # connect before timing
        barrier.wait()
        for _ in range(CALLS_PER_CONNECTION):
            session.post(wire.url, data=data, headers=wire.headers)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return connections * CALLS_PER_CONNECTION / (time.perf_counter() - start)


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(float(sys.argv[2]))
        return
    print("Per-call latency, loopback server in another process answering at once")
    with server(0.0) as url:
        samples = latencies(url)
    base = statistics.median(samples[BASELINE])
    floor = statistics.median(samples[ADAPTER])
    print(f"{'client':<40} {'median us':>10} {'p90 us':>8} {'over raw':>9} {'x floor':>8}")
    for name, times in samples.items():
        median = statistics.median(times)
        p90 = sorted(times)[len(times) * 9 // 10]
        over = (median / base - 1) * 100
        print(
            f"{name:<40} {median * 1e6:>10.0f} {p90 * 1e6:>8.0f} {over:>8.1f}% "
            f"{median / floor:>7.2f}x"
        )
    ours = statistics.median(samples[GENERATE])
    print(f"model.generate = {ours / floor:.3f}x HTTPAdapter.send + json.loads (target <= 1.05x)")
    sdk = statistics.median(samples[SDK]) * 1e6 if SDK in samples else None
    if sdk is None:
        print("(openai SDK not installed here: left out)")
    report(
        "one call (openai, loopback)",
        "HTTPAdapter.send + json.loads",
        floor * 1e6,
        ours * 1e6,
        1.05,
        sdk=sdk,
        sdk_name="openai",
    )

    print(f"\ngenerate_many throughput, server answering after {DELAY * 1000:.0f} ms")
    print(
        f"{'max_connections':>15} {'ideal/s':>8} {'modelkit/s':>11} {'of ideal':>9} "
        f"{'raw requests/s':>15} {'of ideal':>9}"
    )
    with server(DELAY) as url:
        for connections in CONNECTIONS:
            ideal = connections / DELAY
            ours = throughput_modelkit(url, connections)
            raw = throughput_raw(url, connections)
            print(
                f"{connections:>15} {ideal:>8.0f} {ours:>11.0f} {ours / ideal * 100:>8.1f}% "
                f"{raw:>15.0f} {raw / ideal * 100:>8.1f}%"
            )
    print("\nTargets: model.generate <= 1.05x the floor; generate_many >= 90 % of ideal at 8, 64.")


if __name__ == "__main__":
    main()
