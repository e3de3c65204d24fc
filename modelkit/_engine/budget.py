"""Request-per-minute and token-per-minute budgets: token buckets per connection key.

A budget of ``rate`` per minute is a bucket holding at most ``rate`` units
(one minute's worth, so a quiet key may burst that much at once) and
refilled at ``rate / 60`` units a second. ``take(need, cost, within)``
waits until the bucket holds ``need`` units, then removes ``cost``:

* requests: ``take(1, 1)`` before each request sent (retries included);
* tokens: ``take(1, 0)`` before each request (the bucket must not be in
  debt), then a charge after it with the tokens the response reports,
  which may put the bucket in debt; later requests wait until the refill
  pays it off. No estimate is made before a call, so one call may
  overshoot the budget by its own size; the minute after pays for it.

The worst case no server can make worse: ``charge_for`` caps what one
response is charged at the budget itself (``rate``), so a usage claiming
10^12 tokens costs at most one minute's wait, not 19 years (a provider
rejects a request larger than its per-minute limit anyway). And a wait
never outlives the call: with ``within`` (the seconds left of the call's
``timeout``), ``take`` returns the wait it would need, without waiting or
taking, as soon as that wait would end past the deadline; the caller
raises the usual ``APITimeoutError``.

``LocalBucket`` keeps the level in this process; ``RedisBucket`` keeps it
in a Redis hash updated by one Lua script on the server's clock, so every
process and machine sharing the key shares the budget. A bucket that
cannot reach Redis lets calls through (the link warns once).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Optional

__all__ = ["LocalBucket", "RedisBucket", "charge_for"]

logger = logging.getLogger("modelkit")


def charge_for(rate: int, used: float) -> float:
    """What a response that reports ``used`` tokens is charged: ``0 <= charge <= rate``."""
    if not used > 0:  # nothing, a negative count or nan: never a credit
        return 0.0
    if used > rate:
        logger.info(
            "modelkit: a response reported %.0f tokens, more than the tokens_per_minute "
            "budget (%d); charged as %d",
            used,
            rate,
            rate,
        )
        return float(rate)
    return float(used)


class LocalBucket:
    """A token bucket in this process.

    Args:
        clock: monotonic seconds (tests pass a fake).
        sleep: waits that many seconds (tests pass a fake that advances ``clock``).
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.level: Optional[float] = None  # full until first used
        self._stamp = 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def take(self, rate: int, need: float, cost: float, within: Optional[float] = None) -> float:
        """Wait until ``need`` units are there, then remove ``cost`` (see the module).

        Returns:
            ``0.0`` once taken; else the wait still needed, when it would end
            more than ``within`` seconds from now (nothing is taken then).
        """
        end = None if within is None else self._clock() + within
        while True:
            with self._lock:
                wait = self._try(rate, need, cost)
            if wait <= 0:
                return 0.0
            if end is not None and self._clock() + wait > end:
                return wait
            self._sleep(wait)

    def _try(self, rate: int, need: float, cost: float) -> float:
        now = self._clock()
        per_second = rate / 60.0
        if self.level is None:
            self.level = float(rate)
        else:
            self.level = min(float(rate), self.level + (now - self._stamp) * per_second)
        self._stamp = now
        if self.level >= min(need, float(rate)):
            self.level -= cost
            return 0.0
        return (min(need, float(rate)) - self.level) / per_second


_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local need = math.min(tonumber(ARGV[2]), rate)
local cost = tonumber(ARGV[3])
local per_ms = rate / 60000
local state = redis.call('HMGET', KEYS[1], 'level', 'stamp')
local level = tonumber(state[1])
if level == nil then
  level = rate
else
  level = math.min(rate, level + (now - tonumber(state[2])) * per_ms)
end
local wait = 0
if level >= need then
  level = level - cost
else
  wait = math.ceil((need - level) / per_ms)
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'stamp', now)
redis.call('PEXPIRE', KEYS[1], 120000)
return wait
"""
"""Refill by the server's clock, then take ``cost`` if ``need`` is there;
returns the milliseconds to wait (0: taken). Idle buckets vanish after 2 min."""


class RedisBucket:
    """A token bucket shared through one Redis hash.

    Args:
        link: the ``RedisLink`` to the server.
        name: the hash's key.
        sleep: waits that many seconds.
    """

    def __init__(self, link: Any, name: str, sleep: Callable[[float], Any] = time.sleep) -> None:
        self.link = link
        self.name = name
        self._sleep = sleep
        self._script: Any = None

    def take(self, rate: int, need: float, cost: float, within: Optional[float] = None) -> float:
        """As ``LocalBucket.take``, on the shared level (``0.0`` too when Redis is away)."""
        end = None if within is None else time.monotonic() + within
        while True:
            client = self.link.client()
            if client is None:
                return 0.0
            try:
                if self._script is None:
                    self._script = client.register_script(_TAKE)
                wait_ms = int(
                    self._script(keys=[self.name], args=[rate, need, cost], client=client)
                )
            except self.link.errors as exc:
                self.link.failed(exc)
                return 0.0
            if wait_ms <= 0:
                return 0.0
            if end is not None and time.monotonic() + wait_ms / 1000.0 > end:
                return wait_ms / 1000.0
            self._sleep(wait_ms / 1000.0)
