"""``RetryDecision``: what ``ModelAPI.should_retry`` says about an error (Inspect's type).

A decision is truthy when the error is worth retrying, so code written for
the older ``bool`` answer (``if api.should_retry(ex): ...``) still reads
right. ``kind`` tells the adaptive connection limit how to count the retry:
``"rate_limit"`` cuts the limit, ``"transient"`` (5xx, timeouts, dropped
connections) only keeps the call from counting as a clean success.
``retry_after`` is the wait the API asked for, when the provider knows it.

:func:`classify` is the default classification every built-in provider
uses; :func:`as_decision` reads a provider's answer (a ``bool`` from a
provider written against Inspect's older signature counts as transient).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

import attrs

from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
    ResponseFormatError,
    is_quota,
)

__all__ = ["RetryDecision", "as_decision", "classify"]

RETRYABLE_STATUSES = (408, 409, 429)
"""Statuses below 500 worth retrying: request timeout, conflict, rate limit."""


@attrs.frozen
class RetryDecision:
    """Whether to retry an error, and how the retry counts (Inspect's ``RetryDecision``).

    Build one with :meth:`no`, :meth:`transient` or :meth:`rate_limit`.

    Args:
        retry: retry the request.
        kind: ``"rate_limit"`` (cuts an adaptive connection limit) or
            ``"transient"`` (does not).
        retry_after: seconds the server asked to wait, if it said.
    """

    retry: bool
    kind: Literal["rate_limit", "transient"] = "transient"
    retry_after: Optional[float] = None

    def __bool__(self) -> bool:
        return self.retry

    @classmethod
    def no(cls) -> RetryDecision:
        """Do not retry."""
        return cls(retry=False)

    @classmethod
    def transient(cls, retry_after: Optional[float] = None) -> RetryDecision:
        """Retry a passing failure (5xx, timeout, dropped connection)."""
        return cls(retry=True, kind="transient", retry_after=retry_after)

    @classmethod
    def rate_limit(cls, retry_after: Optional[float] = None) -> RetryDecision:
        """Retry after the API said to slow down."""
        return cls(retry=True, kind="rate_limit", retry_after=retry_after)


def classify(error: BaseException, rate_limited: bool) -> RetryDecision:
    """The default decision for ``error`` (``rate_limited``: the API's own rate-limit signal).

    Quota or credit exhaustion is never retried (waiting will not fix it);
    a rate limit is; so are timeouts, connection errors, 408, 409 and every
    5xx. Other 4xx and answers modelkit cannot parse are not.
    """
    if is_quota(error):
        return RetryDecision.no()
    if rate_limited:
        return RetryDecision.rate_limit()
    if isinstance(error, (APITimeoutError, APIConnectionError)):
        return RetryDecision.transient()
    if isinstance(error, (BadRequestError, ResponseFormatError)):
        return RetryDecision.no()
    if isinstance(error, APIError) and error.status is not None:
        if error.status == 429:
            return RetryDecision.rate_limit()
        if error.status in RETRYABLE_STATUSES or error.status >= 500:
            return RetryDecision.transient()
    return RetryDecision.no()


def as_decision(answer: Any) -> RetryDecision:
    """A provider's ``should_retry`` answer as a decision (``True``: transient)."""
    if isinstance(answer, RetryDecision):
        return answer
    return RetryDecision.transient() if answer else RetryDecision.no()
