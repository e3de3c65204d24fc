"""Retry decisions: which errors to retry, and how long to wait before the next try.

Small strategies in the manner of tenacity, kept apart from the loop that
uses them (``run``) so each can be tested alone. ``Retrying`` bundles a
``RetryPolicy`` with the ``sleep``, ``clock`` and ``random`` functions it
uses, so tests inject fakes and record the waits instead of sleeping.

What is retried is what ``api.should_retry`` says (by default: the API's
rate-limit signal, ``api.is_rate_limit``, HTTP 429, 408, 409, every 5xx
(Anthropic's 529 included), connection errors and timeouts); a server's
``x-should-retry: true|false`` header overrides that.
Never retried: other 4xx, responses modelkit cannot parse, and quota or
credit exhaustion (OpenAI's ``insufficient_quota``, Anthropic's spend limit),
which waiting will not fix.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Callable, Mapping, Optional

from .._record import Record
from ..errors import APIError, as_quota_error, is_quota

if TYPE_CHECKING:
    from .._retry_decision import RetryDecision
    from ..api import ModelAPI

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "Backoff",
    "Decision",
    "RetryPolicy",
    "Retrying",
    "as_quota_error",
    "is_quota",
    "is_retryable",
    "retry_after",
    "retry_decision",
]

DEFAULT_MAX_RETRIES = 5


class Backoff(Record):
    """Exponential backoff with jitter: ``initial * multiplier**n``, capped.

    The n-th retry (from 0) waits that long times a random factor in
    ``[1 - jitter, 1]``, so waits never exceed ``maximum``.
    """

    __slots__ = ("initial", "jitter", "maximum", "multiplier")

    initial: float
    multiplier: float
    maximum: float
    jitter: float

    def __init__(
        self,
        initial: float = 0.5,
        multiplier: float = 2.0,
        maximum: float = 30.0,
        jitter: float = 0.25,
    ) -> None:
        self.initial = initial
        self.multiplier = multiplier
        self.maximum = maximum
        self.jitter = jitter

    def __call__(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        base = min(self.initial * self.multiplier ** min(retry, 64), self.maximum)
        return base * (1.0 - self.jitter * rand())


_BACKOFF = Backoff()


def retry_after(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> Optional[float]:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``retry-after``.

    ``retry-after`` may be seconds (a float is accepted) or an HTTP date.
    Names are matched lower-case. Returns ``None`` when neither is usable
    (not a number or date, not finite, a date no calendar holds).
    """
    millis = headers.get("retry-after-ms")
    if millis:
        seconds = _finite(millis)
        if seconds is not None:
            return max(0.0, seconds / 1000.0)
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _finite(value)
    if seconds is not None:
        return max(0.0, seconds)
    import email.utils  # only for HTTP-date Retry-After; costs ~13 ms to import

    try:  # a year of 5 or 20 digits raises ValueError or OverflowError
        parsed = email.utils.parsedate_tz(value)
        return None if parsed is None else max(0.0, email.utils.mktime_tz(parsed) - now())
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


def _finite(text: str) -> Optional[float]:
    """``text`` as a finite number of seconds, else ``None`` (``inf``, ``nan``, not a number)."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number - number == 0 else None  # inf - inf and nan - nan are nan


def retry_decision(api: ModelAPI, error: BaseException) -> RetryDecision:
    """``api.should_retry(error)`` as a ``RetryDecision`` (ignoring ``x-should-retry``)."""
    from .._retry_decision import RetryDecision, as_decision  # after an error only

    if is_quota(error):  # waiting never fixes it, whatever a provider says
        return RetryDecision.no()
    return as_decision(api.should_retry(error))


def is_retryable(api: ModelAPI, error: BaseException) -> bool:
    """Whether retrying may help (ignoring the ``x-should-retry`` header)."""
    return bool(retry_decision(api, error))


class Decision(Record):
    """Retry after ``wait`` seconds, or (``wait is None``) give up, and why."""

    __slots__ = ("reason", "wait")

    wait: Optional[float]
    reason: str

    def __init__(self, wait: Optional[float], reason: str) -> None:
        self.wait = wait
        self.reason = reason


class RetryPolicy(Record):
    """When to retry and how long to wait.

    Args:
        backoff: the wait when the server does not say.
        max_retry_after: the longest ``Retry-After`` honoured; a server
            asking for more makes the call give up at once.
    """

    __slots__ = ("backoff", "max_retry_after")

    backoff: Backoff
    max_retry_after: float

    def __init__(self, backoff: Optional[Backoff] = None, max_retry_after: float = 120.0) -> None:
        self.backoff = _BACKOFF if backoff is None else backoff
        self.max_retry_after = max_retry_after

    def decide(
        self,
        api: ModelAPI,
        error: BaseException,
        retries: int,
        max_retries: int,
        remaining: Optional[float],
        rand: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> Decision:
        """Whether to retry after ``error``, given ``retries`` made so far.

        Args:
            api: the provider (for ``should_retry``).
            error: what the last attempt raised or returned.
            retries: retries already made (0 after the first attempt).
            max_retries: the most retries allowed.
            remaining: seconds left before the call's deadline, if it has one.
            rand: a random number in [0, 1) for the jitter.
            now: wall-clock time, for ``Retry-After`` dates.
        """
        headers = error.headers if isinstance(error, APIError) else {}
        override = headers.get("x-should-retry")
        if is_quota(error):
            return Decision(None, "out of credit or quota")
        if override == "false":
            return Decision(None, "the server said x-should-retry: false")
        decision = retry_decision(api, error)
        if override != "true" and not decision:
            return Decision(None, "not retryable")
        if retries >= max_retries:
            return Decision(None, f"max_retries={max_retries} used up")
        hinted = retry_after(headers, now)
        if hinted is None:
            hinted = decision.retry_after
        if hinted is not None and hinted > self.max_retry_after:
            return Decision(
                None,
                f"the server asked to wait {hinted:.0f}s, more than {self.max_retry_after:.0f}s",
            )
        wait = hinted if hinted is not None else self.backoff(retries, rand)
        if remaining is not None and wait >= remaining:
            return Decision(
                None,
                f"the call's timeout leaves {max(remaining, 0):.3g}s, less than the {wait:.3g}s wait",
            )
        return Decision(wait, "retry-after" if hinted is not None else "backoff")


_RANDOM = random.random  # (Retrying's field of that name hides the module in its class body)


class Retrying(Record):
    """A ``RetryPolicy`` with the functions it sleeps and reads time with."""

    __slots__ = ("clock", "now", "policy", "random", "sleep")

    policy: RetryPolicy
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    random: Callable[[], float]
    now: Callable[[], float]

    def __init__(
        self,
        policy: Optional[RetryPolicy] = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _RANDOM,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.policy = _POLICY if policy is None else policy
        self.sleep = sleep
        self.clock = clock
        self.random = random
        self.now = now


_POLICY = RetryPolicy()
