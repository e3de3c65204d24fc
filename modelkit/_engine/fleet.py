"""Limits across processes and machines: connection leases and per-minute budgets.

``gate_for(key, config)`` is what ``run_request`` passes each call through,
after it took a slot of the process's own ``ConnectionLimit``:

* **Fleet-wide connections** (``$MODELKIT_LIMITS_URL=redis://...``): a slot
  is a lease, a member of the Redis sorted set
  ``modelkit:limits:<connection key>:leases`` scored with its expiry on the
  server's clock. One Lua script drops expired leases and adds ours only
  while fewer than ``max_connections`` are live, so every process and
  machine naming the same server and connection key shares one limit. A
  thread of each process renews its leases every third of their life
  (``$MODELKIT_LEASE_SECONDS``, default 30); a process that dies stops
  renewing, and its slots come back within one lease life. A process that
  stalls longer than that (a debugger, a swapped-out VM) may find its
  lease retaken: the limit can then be exceeded by the stalled calls.
* **Budgets** (``config.requests_per_minute``, ``config.tokens_per_minute``):
  token buckets per connection key (``budget``), in this process, or in
  Redis when ``$MODELKIT_LIMITS_URL`` is set.

Without ``$MODELKIT_LIMITS_URL`` and budgets, the gate does nothing. When
Redis cannot be reached, one ``LimitsWarning`` says so and calls go on
under the process's own limits (the provider's rate limiting and our
retries remain the backstop). The lease keeper is rebuilt in a child after
``fork``: the parent's leases stay the parent's, renewed by its own keeper.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any, Dict, Optional, Set, Tuple

from .._env import LIMITS_URL_VAR, env_value
from .._redis import is_redis_url, link_for
from ..errors import APITimeoutError, ConfigError
from .budget import LocalBucket, RedisBucket, charge_for

if TYPE_CHECKING:
    from .._redis import RedisLink
    from ..config import GenerateConfig
    from ..output import ModelOutput

__all__ = ["LEASE_SECONDS", "LIMITS_URL_VAR", "OPEN", "Gate", "LimitsWarning", "gate_for"]

"""The environment variable naming the Redis server that holds fleet-wide limits."""

LEASE_SECONDS = 30.0
"""A lease's life unless ``$MODELKIT_LEASE_SECONDS`` says otherwise."""

_CHARGE = -1e18
"""``need`` of a charge: it never waits."""


class LimitsWarning(UserWarning):
    """Fleet-wide limits could not reach Redis; the process's own limits apply."""


def lease_seconds() -> float:
    """The lease life in force (read from the environment at call time)."""
    raw = os.environ.get("MODELKIT_LEASE_SECONDS")
    try:
        value = float(raw) if raw else LEASE_SECONDS
    except ValueError:
        raise ConfigError(
            f"$MODELKIT_LEASE_SECONDS must be a number of seconds, got {raw!r}"
        ) from None
    if not value > 0.1:
        raise ConfigError(f"$MODELKIT_LEASE_SECONDS must be more than 0.1, got {raw!r}")
    return value


_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
  return 1
end
return 0
"""

_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[1]))
return renewed
"""


class _Keeper:
    """Renews this process's live leases every third of their life."""

    def __init__(self) -> None:
        self.held: Dict[Tuple[str, str], Set[str]] = {}  # (url, set key) -> lease ids
        self.lock = threading.Lock()
        self.thread: Optional[threading.Thread] = None
        self.pid = os.getpid()
        self.period = LEASE_SECONDS
        self.wake = threading.Event()

    def add(self, url: str, name: str, lease: str, seconds: float) -> None:
        with self.lock:
            self.held.setdefault((url, name), set()).add(lease)
            if seconds != self.period:  # a new lease life: renew on its schedule now
                self.period = seconds
                self.wake.set()
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._run, name="modelkit-leases", daemon=True
                )
                self.thread.start()

    def remove(self, url: str, name: str, lease: str) -> None:
        with self.lock:
            leases = self.held.get((url, name))
            if leases is not None:
                leases.discard(lease)
                if not leases:
                    del self.held[(url, name)]

    def _run(self) -> None:
        while self.pid == os.getpid():
            self.wake.wait(self.period / 3)
            self.wake.clear()
            try:
                seconds = lease_seconds()
            except ConfigError:
                seconds = LEASE_SECONDS
            self.period = seconds
            with self.lock:
                batches = [(key, sorted(leases)) for key, leases in self.held.items()]
            for (url, name), leases in batches:
                link = link_for(url, "connection limits", LimitsWarning)
                client = link.client()
                if client is None:
                    continue
                try:
                    client.eval(_RENEW, 1, name, int(seconds * 1000), *leases)
                except link.errors as exc:
                    link.failed(exc)


_keeper = _Keeper()


def _after_fork_in_child() -> None:
    global _keeper
    _keeper = _Keeper()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Gate:
    """One call's passage through the fleet limits and budgets of its key."""

    def __init__(
        self,
        link: Optional[RedisLink],
        key: str,
        size: int,
        rpm: Optional[int],
        tpm: Optional[int],
    ) -> None:
        self.link = link
        self.key = key
        self.size = size
        self.rpm = rpm
        self.tpm = tpm
        self.lease: Optional[str] = None

    @property
    def _set(self) -> str:
        return f"modelkit:limits:{self.key}:leases"

    def __enter__(self) -> Gate:
        if self.link is not None:
            self.lease = _acquire(self.link, self._set, self.size)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.link is None or self.lease is None:
            return
        _keeper.remove(self.link.url, self._set, self.lease)
        client = self.link.client()
        if client is not None:
            try:
                client.zrem(self._set, self.lease)
            except self.link.errors as error:
                self.link.failed(error)
        self.lease = None

    def before_request(
        self,
        left: Optional[float] = None,
        timeout: Optional[float] = None,
        where: Tuple[str, str] = ("", ""),
    ) -> None:
        """Wait for the request and token budgets to allow one more request.

        Args:
            left: seconds left of the call's deadline (``None``: no deadline).
            timeout: the call's ``timeout``, for the message.
            where: ``(provider, model)``, for the error.

        Raises:
            APITimeoutError: a budget would make the call wait past its deadline
                (raised at once, nothing sent).
        """
        end = None if left is None else time.monotonic() + left
        budgets = (
            ("requests_per_minute", "rpm", self.rpm, 1),
            ("tokens_per_minute", "tpm", self.tpm, 0),
        )
        for kind, name, rate, cost in budgets:
            if not rate:
                continue
            within = None if end is None else max(end - time.monotonic(), 0.0)
            short = _bucket(self.link, self.key, name).take(rate, 1, cost, within)
            if short > 0:
                limit = (
                    f"the call's timeout={timeout:g}s" if timeout is not None else "the deadline"
                )
                raise APITimeoutError(
                    f"the {kind}={rate} budget has no room for another {short:.3g}s, "
                    f"past {limit}; nothing was sent (raise the budget or the timeout)",
                    provider=where[0],
                    model=where[1],
                )

    def after_response(self, output: ModelOutput) -> None:
        """Charge the tokens ``output`` reports to the token budget (``charge_for``)."""
        if self.tpm and output.usage is not None and output.usage.total_tokens:
            cost = charge_for(self.tpm, output.usage.total_tokens)
            _bucket(self.link, self.key, "tpm").take(self.tpm, _CHARGE, cost)


def _acquire(link: RedisLink, name: str, size: int) -> Optional[str]:
    """A lease in ``name`` once fewer than ``size`` are live; ``None`` if Redis is away."""
    import random
    import uuid

    lease = f"{os.getpid()}-{uuid.uuid4().hex}"
    wait = 0.002
    while True:
        client = link.client()
        if client is None:
            return None
        seconds = lease_seconds()
        try:
            got = client.eval(_ACQUIRE, 1, name, size, int(seconds * 1000), lease)
        except link.errors as exc:
            link.failed(exc)
            return None
        if got:
            _keeper.add(link.url, name, lease, seconds)
            return lease
        time.sleep(wait * (0.5 + random.random()))
        wait = min(wait * 1.5, 0.01)


_buckets: Dict[Tuple[Optional[str], str, str], Any] = {}
_buckets_lock = threading.Lock()


def _bucket(link: Optional[RedisLink], key: str, kind: str) -> Any:
    url = None if link is None else link.url
    found = _buckets.get((url, key, kind))
    if found is None:
        with _buckets_lock:
            found = _buckets.get((url, key, kind))
            if found is None:
                found = (
                    LocalBucket()
                    if link is None
                    else RedisBucket(link, f"modelkit:limits:{key}:{kind}")
                )
                _buckets[(url, key, kind)] = found
    return found


OPEN = Gate(None, "", 0, None, None)
"""The gate when nothing is configured: every step does nothing (the engine skips it)."""


def gate_for(key: str, size: int, config: GenerateConfig) -> Gate:
    """The gate of one call to connection ``key`` with ``size`` connections.

    Raises:
        ConfigError: ``$MODELKIT_LIMITS_URL`` is set but not a Redis URL, or
            the ``redis`` package is missing.
    """
    url = env_value(LIMITS_URL_VAR) or ""  # (every call reads it: without os.environ's layers)
    if url:
        url = url.strip()
    rpm, tpm = config.requests_per_minute, config.tokens_per_minute
    if not url and not rpm and not tpm:
        return OPEN
    link = None
    if url:
        if not is_redis_url(url):
            from .._redact import redact_url

            raise ConfigError(
                f"${LIMITS_URL_VAR}={redact_url(url)!r} is not a Redis URL: use "
                "redis://host:6379/0 (or rediss://, unix://), or unset it for per-process limits"
            )
        link = link_for(url, "connection limits", LimitsWarning)
    return Gate(link, key, size, rpm, tpm)
