"""Fleet-wide limits: connection leases on a real redis-server, and per-minute budgets.

Redis commands as documented at https://redis.io/docs/latest/commands/
(``EVAL``, ``TIME``, ``ZADD`` with ``XX``/``CH``, ``ZREMRANGEBYSCORE``).
Here: one process, and a ``fork`` of it; separate interpreters sharing a
limit are in ``tests/fleet/test_fleet_limits.py`` (``make test-fleet``).
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Any, List

import pytest
from loopback import LoopbackServer, Reply
from redis_server import _free_port

import modelkit
from modelkit import ConfigError
from modelkit._engine import fleet
from modelkit._engine.budget import LocalBucket, RedisBucket
from modelkit._redis import link_for


def test_leases_are_renewed_while_held_and_survive_a_fork(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer, redis_url: str
) -> None:
    monkeypatch.setenv("MODELKIT_LIMITS_URL", redis_url)
    monkeypatch.setenv("MODELKIT_LEASE_SECONDS", "0.6")
    config = modelkit.GenerateConfig()
    client = __import__("redis").Redis.from_url(redis_url)
    with fleet.gate_for("fork-test", 2, config) as gate:
        name = gate._set
        first = client.zscore(name, gate.lease)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: 3.12+
            pid = os.fork()
        if pid == 0:  # the child: its own keeper and client, one slot left
            code = 1
            try:
                with fleet.gate_for("fork-test", 2, config) as child:
                    code = 0 if child.lease and client.zcard(name) == 2 else 3
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 0
        time.sleep(1.5)  # more than two lease lives: only renewal keeps ours
        assert client.zscore(name, gate.lease) > first
        assert client.zcard(name) == 1
    assert client.zcard(name) == 0
    client.close()


def test_unreachable_redis_warns_once_and_limits_stay_per_process(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer
) -> None:
    monkeypatch.setenv("MODELKIT_LIMITS_URL", f"redis://:pw@127.0.0.1:{_free_port()}/0")
    model = modelkit.get_model("vllm/served", base_url=f"{loopback.url}/v1")
    with pytest.warns(fleet.LimitsWarning) as caught:
        for _ in range(3):
            model.generate("hi")
    assert len(caught) == 1
    assert "per process" in str(caught[0].message)
    assert ":pw@" not in str(caught[0].message)
    assert loopback.count == 3


def test_a_limits_url_that_is_not_redis_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer
) -> None:
    monkeypatch.setenv("MODELKIT_LIMITS_URL", "http://127.0.0.1:1")
    with pytest.raises(ConfigError, match="MODELKIT_LIMITS_URL"):
        modelkit.get_model("vllm/served", base_url=f"{loopback.url}/v1").generate("hi")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: List[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_request_budget_refills_at_its_rate() -> None:
    fake = FakeTime()
    bucket = LocalBucket(fake.clock, fake.sleep)
    for _ in range(60):
        bucket.take(60, 1, 1)
    assert fake.waits == []  # a full minute's worth at once
    bucket.take(60, 1, 1)
    assert fake.waits == [pytest.approx(1.0)]
    fake.now += 30
    for _ in range(30):
        bucket.take(60, 1, 1)
    assert len(fake.waits) == 1


def test_token_budget_charges_after_the_call_and_waits_off_the_debt() -> None:
    fake = FakeTime()
    bucket = LocalBucket(fake.clock, fake.sleep)
    bucket.take(600, 1, 0)  # a call may start
    bucket.take(600, fleet._CHARGE, 900)  # it used 900: 300 in debt, no wait
    assert fake.waits == []
    bucket.take(600, 1, 0)
    assert fake.waits == [pytest.approx(301 / 10)]


def test_budgets_apply_to_calls_and_retries(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTime()
    model = modelkit.get_model(
        "vllm/served",
        base_url=f"{loopback.url}/v1",
        config={"requests_per_minute": 2, "tokens_per_minute": 10, "max_retries": 1},
    )
    key = model.api.connection_key()
    monkeypatch.setitem(fleet._buckets, (None, key, "rpm"), LocalBucket(fake.clock, fake.sleep))
    monkeypatch.setitem(fleet._buckets, (None, key, "tpm"), LocalBucket(fake.clock, fake.sleep))
    loopback.script(Reply(status=500, body={"error": {"message": "x"}}))
    model.generate("one")  # a 500 and a retry: two requests, 9 tokens
    assert loopback.count == 2
    assert fake.waits == []
    model.generate("two")  # the request budget is spent: 30 s for one more
    assert fake.waits[0] == pytest.approx(30.0)
    assert loopback.count == 3


class Stop(Exception):
    pass


def test_redis_budget_is_shared_between_buckets(redis_url: str) -> None:
    waits: List[float] = []

    def sleep(seconds: float) -> Any:
        waits.append(seconds)
        raise Stop

    link = link_for(redis_url, "connection limits", fleet.LimitsWarning)
    one = RedisBucket(link, "modelkit:limits:test:rpm", sleep)
    two = RedisBucket(link, "modelkit:limits:test:rpm", sleep)
    one.take(3, 1, 1)
    two.take(3, 1, 1)
    one.take(3, 1, 1)
    with pytest.raises(Stop):
        two.take(3, 1, 1)
    assert 19.0 < waits[0] <= 20.0  # one request per 20 s
