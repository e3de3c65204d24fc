"""The fleet features' costs: Redis cache against sqlite, the limiter, Dask against one process.

1. Cache: ``mockllm`` ``generate(prompt)`` uncached (the floor), then hits
   and misses (lookup, call, store) with the sqlite cache and with the
   Redis cache (a local ``redis-server`` on a loopback port), medians of
   many calls, each as a ratio to the floor.
2. Limiter: the same uncached call with no limits (the floor), with
   in-process request and token budgets, with fleet leases on Redis
   (``MODELKIT_LIMITS_URL``), and with leases plus Redis budgets: what each
   adds per call.
3. Dask: 600 prompts (20% repeats) against a loopback provider answering
   after 20 ms, ``max_connections=8``: ``Model.generate_many`` in one
   process (the floor) against ``client.map`` on a two-process
   ``LocalCluster`` sharing the Redis cache and limits.

Needs ``redis-server`` on PATH and ``redis`` / ``dask[distributed]``
installed (``make test-fleet`` installs them); skips a part otherwise.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List

ROOT = Path(tempfile.mkdtemp(prefix="modelkit-bench-fleet-"))
os.environ["MODELKIT_CACHE_DIR"] = str(ROOT)
HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "tests"))

from _report import report  # noqa: E402
from loopback import LoopbackServer, Received, Reply, chat_completion  # noqa: E402
from redis_server import RedisServer, missing_reason  # noqa: E402

import modelkit  # noqa: E402 - after MODELKIT_CACHE_DIR is set

CALLS = 2_000
PROMPT = "Summarise the plot of Hamlet in two sentences, please: prompt {}"


def _median_us(fn: Callable[[int], object], calls: int = CALLS) -> float:
    samples: List[float] = []
    for i in range(calls):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def _row(label: str, us: float, floor: float) -> None:
    print(f"  {label:<46} {us:>9.1f} {us / floor:>8.2f}x")


def bench_cache(redis_url: str) -> None:
    print(f"\n1. cache ({CALLS} calls each)              median us  vs floor")
    model = modelkit.get_model("mockllm/bench-cache")
    floor = _median_us(lambda i: model.generate(PROMPT.format(i)))
    _row("uncached generate (floor)", floor, floor)
    for name, url in (("sqlite", ""), ("redis", redis_url)):
        os.environ["MODELKIT_CACHE_URL"] = url
        miss = _median_us(lambda i, n=name: model.generate(PROMPT.format(f"{n}{i}"), cache=True))
        hit = _median_us(lambda i, n=name: model.generate(PROMPT.format(f"{n}{i}"), cache=True))
        _row(f"{name}: miss + store", miss, floor)
        _row(f"{name}: hit", hit, floor)
        if name == "redis":
            _redis_floor(model, url)
    os.environ["MODELKIT_CACHE_URL"] = ""


def _redis_floor(model: modelkit.Model, url: str) -> None:
    """A Redis hit in turns with its floor: redis-py ``GET`` of the same bytes + ``json.loads``."""
    import json

    import redis

    client = redis.Redis.from_url(url)
    output = model.generate(PROMPT.format("redis0"), cache=True)
    client.set("bench:floor", json.dumps(output.to_dict(), separators=(",", ":")).encode())
    floors: List[float] = []
    hits: List[float] = []
    clock = time.perf_counter
    for i in range(CALLS):
        start = clock()
        json.loads(client.get("bench:floor"))  # type: ignore[arg-type]
        middle = clock()
        model.generate(PROMPT.format(f"redis{i}"), cache=True)
        hits.append(clock() - middle)
        floors.append(middle - start)
    floor, hit = statistics.median(floors) * 1e6, statistics.median(hits) * 1e6
    client.close()
    print(
        f"  redis hit in turns with redis-py GET + json.loads ({floor:.1f} us): {hit / floor:.2f}x"
    )
    report("a Redis cache hit", "redis-py GET + json.loads", floor, hit, 1.5)


def bench_limits(redis_url: str) -> None:
    print(f"\n2. limiter ({CALLS} uncached calls each)      median us  vs floor")
    budgets = {"requests_per_minute": 10**9, "tokens_per_minute": 10**12}
    plain = modelkit.get_model("mockllm/bench-limits")
    budgeted = modelkit.get_model("mockllm/bench-limits", config=budgets)
    floor = _median_us(lambda i: plain.generate("hi"))
    _row("no limits beyond the process's (floor)", floor, floor)
    _row(
        "request + token budgets, in process",
        _median_us(lambda i: budgeted.generate("hi")),
        floor,
    )
    os.environ["MODELKIT_LIMITS_URL"] = redis_url
    _row("fleet lease on Redis", _median_us(lambda i: plain.generate("hi")), floor)
    _row(
        "fleet lease + budgets on Redis",
        _median_us(lambda i: budgeted.generate("hi")),
        floor,
    )
    os.environ["MODELKIT_LIMITS_URL"] = ""


def _echo(received: Received) -> Reply:
    prompt = received.json()["messages"][-1]["content"]
    return Reply(body=chat_completion(content=prompt), delay=0.02)


def bench_dask(redis: RedisServer) -> None:
    try:
        import distributed
    except ImportError:
        print("\n3. dask: skipped (pip install 'dask[distributed]')")
        return
    server = LoopbackServer(default=_echo).start()
    prompts = [f"q{i}" for i in range(480)]
    prompts += prompts[:120]
    config = {"max_connections": 8}
    try:
        model = modelkit.get_model("vllm/bench", base_url=f"{server.url}/v1", config=config)
        os.environ["MODELKIT_CACHE_URL"] = redis.url
        start = time.perf_counter()
        model.generate_many(prompts, cache=True)
        one = time.perf_counter() - start
        client = redis.client()
        client.flushall()
        os.environ["MODELKIT_LIMITS_URL"] = redis.url
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=8,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
        dask_client = distributed.Client(cluster)
        try:
            dask_client.gather(dask_client.map(str, range(4)))  # workers up and warm
            start = time.perf_counter()
            outputs = dask_client.gather(
                dask_client.map(model.generate, prompts, cache=True, pure=False)
            )
            fleet = time.perf_counter() - start
        finally:
            dask_client.close()
            cluster.close()
        assert [o.completion for o in outputs] == prompts
        print(f"\n3. {len(prompts)} prompts, 20 ms each, max_connections=8   seconds  prompts/s")
        print(
            f"  {'one process, generate_many (floor)':<44} {one:>8.2f} {len(prompts) / one:>9.0f}"
        )
        print(
            f"  {'Dask, 2 worker processes, client.map':<44} {fleet:>8.2f} "
            f"{len(prompts) / fleet:>9.0f}   ({one / fleet:.2f}x the floor's throughput)"
        )
    finally:
        os.environ["MODELKIT_CACHE_URL"] = ""
        os.environ["MODELKIT_LIMITS_URL"] = ""
        server.stop()


def main() -> int:
    reason = missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    try:
        with RedisServer() as redis:
            bench_cache(redis.url)
            bench_limits(redis.url)
            bench_dask(redis)
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)
    print(f"\n(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, medians)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
