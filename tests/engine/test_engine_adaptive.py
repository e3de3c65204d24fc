"""``adaptive_connections`` and ``attempt_timeout`` against the loopback server.

The adaptive limit must converge under a server that answers 429 whenever
more than N requests are in flight (the behaviour Inspect 0.3.285 documents
for ``AdaptiveConcurrency``: slow start, then AIMD on rate-limit signals);
an attempt slower than ``attempt_timeout`` is abandoned and retried within
``timeout`` (Inspect: "if exceeded, will abandon attempt and retry
according to max_retries").
"""

from __future__ import annotations

from typing import Any, List

import pytest
from engine_provider import FakeTime, echo, loopback_model
from loopback import LoopbackServer, Received, Reply

from modelkit import AdaptiveConcurrency, ConfigError, GenerateConfig, RateLimitError
from modelkit._engine import adaptive
from modelkit._engine.limits import ConnectionLimit
from modelkit._engine.run import run_request

THROTTLE = 4


def throttling(server: LoopbackServer) -> Any:
    answer = echo(delay=0.01)

    def respond(received: Received) -> Reply:
        if server.in_flight > THROTTLE:  # counts this request too
            return Reply(status=429, body={"error": {"message": "slow down"}})
        return answer(received)

    return respond


def test_adaptive_limit_converges_below_a_throttling_server(loopback: LoopbackServer) -> None:
    loopback.default = throttling(loopback)
    settings = AdaptiveConcurrency(min=1, start=1, max=16, cooldown_seconds=0)
    config = GenerateConfig(adaptive_connections=settings, max_retries=0)
    model = loopback_model(loopback.url, config=config)
    results = model.generate_many(
        [f"p{i}" for i in range(240)], return_exceptions=True, max_workers=24
    )
    controller = adaptive._controllers[model.api.connection_key()]
    throttled = [isinstance(r, RateLimitError) for r in results]
    assert not controller.slow_start  # it grew past the server's limit and was cut
    assert 2 <= controller.size <= THROTTLE + 1  # AIMD keeps it just around N
    assert sum(throttled[-120:]) <= 12  # once converged, at most an occasional probe fails
    assert all(not isinstance(r, Exception) or isinstance(r, RateLimitError) for r in results)


def test_slow_start_doubles_then_cuts_on_rate_limits() -> None:
    limit = ConnectionLimit("k", 1)
    now: List[float] = [0.0]
    settings = AdaptiveConcurrency(min=2, start=2, max=40, cooldown_seconds=5)
    controller = adaptive.AdaptiveLimit(limit, settings, clock=lambda: now[0])
    sizes = []
    for _ in range(4):  # rounds in which every slot was used
        for _ in range(max(adaptive.ROUND_FLOOR, controller.size)):
            limit.active = controller.size
            controller.success()
        sizes.append(controller.size)
    assert sizes == [4, 8, 16, 32]
    controller.rate_limited()
    controller.rate_limited()  # within the cooldown: one cut only
    assert (controller.size, limit.size) == (25, 25)
    now[0] = 10.0
    controller.rate_limited()
    assert controller.size == 20
    for _ in range(20):  # additive growth now: 5% of 20 -> 1
        limit.active = 20
        controller.success()
    assert controller.size == 21
    controller.settings = AdaptiveConcurrency(min=2, start=2, max=40, scale_up_percent=0.01)
    for _ in range(21 * 4):  # 1% of 21 per round: no whole slot in four rounds...
        limit.active = 21
        controller.success()
    assert controller.size == 21
    for _ in range(21):  # ...but the fifth adds up to one
        limit.active = 21
        controller.success()
    assert controller.size == 22
    for _ in range(30):  # a round that never used the limit does not grow it
        limit.active = 3
        controller.success()
    assert controller.size == 22


def test_adaptive_connections_values() -> None:
    assert adaptive.adaptive_settings(True, 12) == AdaptiveConcurrency(min=1, start=1, max=12)
    assert adaptive.adaptive_settings(6, 12) == AdaptiveConcurrency(min=1, start=1, max=6)
    assert adaptive.adaptive_settings(False, 12) is None
    assert GenerateConfig(adaptive_connections="2-8").adaptive_connections == AdaptiveConcurrency(
        min=2, start=8, max=8
    )
    for bad in ("fast", 0, AdaptiveConcurrency, {"min": 5, "max": 2}):
        with pytest.raises(ConfigError, match="adaptive_connections"):
            GenerateConfig(adaptive_connections=bad)


def test_a_slow_attempt_is_abandoned_and_retried(loopback: LoopbackServer) -> None:
    loopback.script(Reply(body={"unused": True}, delay=2.0))
    loopback.default = echo()
    fake = FakeTime()
    model = loopback_model(loopback.url)
    request = model.prepare("again", config=GenerateConfig(attempt_timeout=0.2, timeout=60))
    output = run_request(model.api, request, fake.retrying())
    assert output.completion == "again"
    assert loopback.count == 2 and len(fake.sleeps) == 1


def test_attempt_timeout_is_validated() -> None:
    for bad in (0, -1, float("inf"), "1s"):
        with pytest.raises(ConfigError, match="attempt_timeout"):
            GenerateConfig(attempt_timeout=bad)
