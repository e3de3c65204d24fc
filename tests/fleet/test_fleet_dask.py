"""A Dask cluster of worker processes sharing one cache and one limit on Redis.

A ``distributed.LocalCluster`` (two worker processes under nannies, as
documented at https://distributed.dask.org/en/stable/api.html#cluster) runs
``Model.generate`` for 2,000 prompts, 20% of them repeats, through
``client.map`` with a model built in the driver; a real ``redis-server``
holds the shared cache and the fleet's leases, and the loopback server
(answering OpenAI-chat-shaped bodies that echo the prompt) stands in for the
provider and counts what reaches it. A named ``token_limit`` opened in each
task shares one count through the same Redis (``$MODELKIT_LIMITS_URL``) and
stops the whole job. Run by ``make test-fleet``.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import random
import signal
import threading
import time
from typing import Any, Dict, Iterator, List

import pytest
from loopback import LoopbackServer, Received, Reply, chat_completion

import modelkit

pytestmark = pytest.mark.fleet

MAX_CONNECTIONS = 4
LEASE_SECONDS = 2


def echo(received: Received) -> Reply:
    prompt = received.json()["messages"][-1]["content"]
    return Reply(body=chat_completion(content=f"echo:{prompt}"), delay=0.004)


def prompts_with_repeats(prefix: str, total: int, seed: int) -> List[str]:
    """``total`` prompts, 20% of them repeats of earlier ones (some close by)."""
    rng = random.Random(seed)
    distinct = [f"{prefix}-{i}" for i in range(total * 4 // 5)]
    prompts = list(distinct)
    for _ in range(total - len(distinct)):
        at = rng.randrange(len(prompts) + 1)
        near = prompts[max(0, at - rng.randrange(1, 8))] if prompts and at else distinct[0]
        prompts.insert(at, near)
    return prompts


def _fleet_environment(env: pytest.MonkeyPatch, url: str) -> None:
    """What every worker's environment holds: the only switch to the shared
    cache and limits. The nannies run in this process, so a worker they
    restart takes this process's environment at that moment."""
    env.setenv("MODELKIT_CACHE_URL", url)
    env.setenv("MODELKIT_LIMITS_URL", url)
    env.setenv("MODELKIT_LEASE_SECONDS", str(LEASE_SECONDS))
    env.setenv("MODELKIT_CACHE_CLAIM_SECONDS", "5")
    env.setenv("VLLM_API_KEY", "sk-fleet-env-key")


@pytest.fixture(scope="module")
def fleet(redis_server: Any) -> Iterator[Dict[str, Any]]:
    """The loopback provider, Redis, and a two-process Dask cluster sharing both."""
    # Imported here, not at collection: importing distributed installs tblib's
    # exception pickling for the whole process, which the rest of the suite
    # must not run under.
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is a test dep")
    server = LoopbackServer(default=echo, backlog=512).start()
    with pytest.MonkeyPatch.context() as env:
        _fleet_environment(env, redis_server.url)
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=2 * MAX_CONNECTIONS,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
        client = distributed.Client(cluster)
        try:
            yield {"server": server, "client": client, "redis": redis_server.client()}
        finally:
            client.close()
            cluster.close()
            server.stop()


@pytest.fixture
def fresh(
    fleet: Dict[str, Any], redis_server: Any, monkeypatch: pytest.MonkeyPatch
) -> Dict[str, Any]:
    _fleet_environment(monkeypatch, redis_server.url)
    fleet["redis"].flushall()
    fleet["server"].reset_counts()
    return fleet


def _model(server: LoopbackServer) -> modelkit.Model:
    return modelkit.get_model(
        "vllm/served",
        base_url=f"{server.url}/v1",
        config={"max_connections": MAX_CONNECTIONS, "max_retries": 2},
    )


def _reached(server: LoopbackServer) -> collections.Counter[str]:
    return collections.Counter(
        json.loads(r.body)["messages"][-1]["content"] for r in server.requests
    )


def _live_leases(redis: Any) -> int:
    seconds, micros = redis.time()
    now = seconds * 1000 + micros // 1000
    return sum(redis.zcount(name, now, "+inf") for name in redis.keys("modelkit:limits:*"))


def test_two_thousand_prompts_on_two_workers(fresh: Dict[str, Any]) -> None:
    server, client = fresh["server"], fresh["client"]
    model = _model(server)
    prompts = prompts_with_repeats("p", 2000, seed=15)
    assert len(set(prompts)) == 1600
    futures = client.map(model.generate, prompts, cache=True, pure=False)
    outputs = client.gather(futures)
    assert [o.completion for o in outputs] == [f"echo:{p}" for p in prompts]
    reached = _reached(server)
    assert set(reached) == set(prompts)
    assert max(reached.values()) == 1  # repeats, even those in flight together: the cache
    assert sum(bool(o.cached) for o in outputs) == 400
    assert server.max_in_flight <= MAX_CONNECTIONS
    assert server.requests[0].headers["authorization"] == "Bearer sk-fleet-env-key"
    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids
    assert _live_leases(fresh["redis"]) == 0

    # Once per expiry: when the entries expire, each prompt is asked once more.
    redis = fresh["redis"]
    for name in redis.scan_iter("modelkit:cache:*"):
        redis.pexpire(name, 1)
    again = prompts[:300]
    time.sleep(0.01)
    outputs = client.gather(client.map(model.generate, again, cache=True, pure=False))
    assert [o.completion for o in outputs] == [f"echo:{p}" for p in again]
    reached = _reached(server)
    assert {p: reached[p] for p in again} == {p: 2 for p in again}


def test_a_worker_killed_mid_job_loses_nothing(fresh: Dict[str, Any]) -> None:
    server, client, redis = fresh["server"], fresh["client"], fresh["redis"]
    model = _model(server)
    prompts = prompts_with_repeats("k", 1000, seed=16)
    victim = next(iter(client.run(os.getpid).values()))
    killed = threading.Event()

    def kill_when_busy() -> None:
        while server.count < 200:
            time.sleep(0.005)
        os.kill(victim, signal.SIGKILL)
        killed.set()

    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    futures = client.map(model.generate, prompts, cache=True, pure=False)
    outputs = client.gather(futures)
    killer.join(5)
    assert killed.is_set()
    assert [o.completion for o in outputs] == [f"echo:{p}" for p in prompts]
    reached = _reached(server)
    assert set(reached) == set(prompts)
    # Only calls the dead worker had in flight (it held at most every lease) are repeated.
    assert sum(n - 1 for n in reached.values()) <= MAX_CONNECTIONS
    assert server.max_in_flight <= MAX_CONNECTIONS
    deadline = time.monotonic() + LEASE_SECONDS + 5
    while _live_leases(redis):
        assert time.monotonic() < deadline, "the dead worker's leases did not expire"
        time.sleep(0.1)


FLEET_TOKENS = 900  # 100 answers of 9 tokens


def _generate_within_the_job_limit(model: modelkit.Model, prompt: str) -> str:
    """Run on a worker: one generation inside the job's shared token limit."""
    try:
        with modelkit.token_limit(FLEET_TOKENS, name="fleet-job"):
            return model.generate(prompt).completion
    except modelkit.LimitExceededError as error:
        return f"limit {error.message}"


def test_a_named_limit_stops_the_whole_fleet(fresh: Dict[str, Any]) -> None:
    server, client, redis = fresh["server"], fresh["client"], fresh["redis"]
    model = _model(server)
    prompts = [f"l{i}" for i in range(400)]
    results = client.gather(
        client.map(_generate_within_the_job_limit, [model] * len(prompts), prompts, pure=False)
    )
    sent = server.count
    # The check before each request is made holding a fleet lease: once the count
    # reaches the limit, only the requests already in flight (the other leases) go out.
    assert 100 <= sent <= 100 + MAX_CONNECTIONS - 1
    assert float(redis.get("modelkit:limits:usage:token:all:fleet-job")) == 9 * sent
    answered = [r for r in results if r.startswith("echo:")]
    stopped = [r for r in results if r.startswith("limit Token limit")]
    assert len(answered) + len(stopped) == len(prompts)
    # a call whose answer came as the count crossed raises after it: sent, counted, stopped
    assert sent - MAX_CONNECTIONS * 2 <= len(answered) <= 100
    assert len(set(client.run(os.getpid).values())) == 2
