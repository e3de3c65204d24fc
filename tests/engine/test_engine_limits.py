"""Connection limits under load: the server never sees more requests in flight than allowed.

The loopback server counts the requests it is answering at once; every
path into the engine (threads calling ``generate``, ``generate_many``,
``generate_async`` gathered with asyncio) must keep that count within
``max_connections`` while every call returns its own answer, in order.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List

import pytest
from engine_provider import echo, loopback_model
from loopback import LoopbackServer, Received, Reply

from modelkit import GenerateConfig
from modelkit._engine.limits import ConnectionLimit, limit_for

CALLS = 400
LIMIT = 8


@pytest.fixture
def echo_server(loopback: LoopbackServer) -> LoopbackServer:
    loopback.default = echo(delay=0.004)
    return loopback


def _prompts(n: int = CALLS) -> List[str]:
    return [f"prompt {i}" for i in range(n)]


def test_400_calls_from_32_threads(echo_server: LoopbackServer) -> None:
    model = loopback_model(echo_server.url, config=GenerateConfig(max_connections=LIMIT))
    with ThreadPoolExecutor(32) as pool:
        outputs = list(pool.map(model.generate, _prompts()))
    assert [o.completion for o in outputs] == _prompts()
    assert echo_server.count == CALLS
    assert echo_server.max_in_flight <= LIMIT
    assert echo_server.max_in_flight >= 2  # the limit is reached, not serialised
    assert model.usage.total_tokens == 9 * CALLS


def test_400_calls_via_generate_many(echo_server: LoopbackServer) -> None:
    model = loopback_model(echo_server.url)
    outputs = model.generate_many(_prompts(), config=GenerateConfig(max_connections=LIMIT))
    assert [o.completion for o in outputs] == _prompts()
    assert echo_server.count == CALLS
    assert 2 <= echo_server.max_in_flight <= LIMIT


def test_generate_many_with_more_workers_than_connections(echo_server: LoopbackServer) -> None:
    model = loopback_model(echo_server.url, config=GenerateConfig(max_connections=LIMIT))
    outputs = model.generate_many(_prompts(200), max_workers=64)
    assert [o.completion for o in outputs] == _prompts(200)
    assert echo_server.max_in_flight <= LIMIT


def test_400_calls_via_asyncio(echo_server: LoopbackServer) -> None:
    model = loopback_model(echo_server.url, config=GenerateConfig(max_connections=LIMIT))

    async def main() -> List[str]:
        outputs = await asyncio.gather(*(model.generate_async(p) for p in _prompts()))
        return [o.completion for o in outputs]

    assert asyncio.run(main()) == _prompts()
    assert echo_server.count == CALLS
    assert 2 <= echo_server.max_in_flight <= LIMIT


def _gather(parties: int) -> Callable[[Received], Reply]:
    """A responder holding each request until ``parties`` are in flight at once (or 10 s)."""
    barrier = threading.Barrier(parties)

    def respond(received: Received) -> Reply:
        try:
            barrier.wait(10)
        except threading.BrokenBarrierError:
            pass
        return Reply()

    return respond


def test_asyncio_is_not_throttled_by_the_default_executor(loopback: LoopbackServer) -> None:
    loopback.default = _gather(16)
    model = loopback_model(loopback.url, config=GenerateConfig(max_connections=16))

    async def main() -> None:
        await asyncio.gather(*(model.generate_async("hi") for _ in range(16)))

    asyncio.run(main())
    assert loopback.max_in_flight == 16  # asyncio's default pool would allow min(32, cpus + 4)


def test_models_sharing_a_key_share_one_limit(echo_server: LoopbackServer) -> None:
    first = loopback_model(echo_server.url, config=GenerateConfig(max_connections=4))
    second = loopback_model(echo_server.url, config=GenerateConfig(max_connections=4))
    assert first.api.connection_key() == second.api.connection_key()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: (first if i % 2 else second).generate(str(i)), range(120)))
    assert echo_server.max_in_flight <= 4


def test_the_provider_default_applies_without_config(echo_server: LoopbackServer) -> None:
    model = loopback_model(echo_server.url, max_connections=3)
    model.generate_many(_prompts(60), max_workers=12)
    assert 2 <= echo_server.max_in_flight <= 3


def test_a_different_key_gets_its_own_limit(echo_server: LoopbackServer) -> None:
    model = loopback_model(echo_server.url, config=GenerateConfig(max_connections=2))
    other = loopback_model(echo_server.url, config=GenerateConfig(max_connections=2))
    other.api.api_key = "sk-another-account"
    assert model.api.connection_key() != other.api.connection_key()
    echo_server.default = _gather(4)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: (model if i % 2 else other).generate("x"), range(8)))
    assert echo_server.max_in_flight == 4


def test_slots_are_released_after_errors(loopback: LoopbackServer) -> None:
    loopback.default = Reply(400, {"error": {"message": "no"}})
    model = loopback_model(loopback.url, config=GenerateConfig(max_connections=1))
    for _ in range(3):
        with pytest.raises(ValueError):
            model.generate("x")
    limit = limit_for(model.api.connection_key(), 1)
    assert (limit.active, limit.waiting) == (0, 0)


# --- ConnectionLimit on its own ------------------------------------------------


def test_limit_resizes_when_idle_and_keeps_its_size_when_busy() -> None:
    limit = ConnectionLimit("k", 2)
    limit.acquire(5)
    assert limit.size == 5  # idle: the new size applies
    limit.acquire(1)
    assert limit.size == 5  # busy: stays
    limit.release()
    limit.release()
    limit.acquire(1)
    assert limit.size == 1
    limit.release()


def test_limit_blocks_at_its_size_and_wakes_a_waiter() -> None:
    limit = ConnectionLimit("k", 1)
    limit.acquire(1)
    got = threading.Event()

    def waiter() -> None:
        limit.acquire(1)
        got.set()
        limit.release()

    thread = threading.Thread(target=waiter)
    thread.start()
    assert not got.wait(0.1)
    assert limit.waiting == 1
    limit.release()
    assert got.wait(2)
    thread.join()
    assert (limit.active, limit.waiting) == (0, 0)


def test_limit_for_shares_one_limit_per_key() -> None:
    key = f"test-key-{time.monotonic()}"
    assert limit_for(key, 3) is limit_for(key, 7)
    assert limit_for(key, 3).size == 3
