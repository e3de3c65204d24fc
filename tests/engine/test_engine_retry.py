"""Retry strategies on their own: what is retried, how long to wait, when to give up.

The ``Retry-After`` / ``retry-after-ms`` / ``x-should-retry`` handling follows
what the official OpenAI and Anthropic SDKs (Stainless-generated
``_base_client.py``) do, summarised in ``shared/PROVIDERS.md``; quota codes
are OpenAI's ``insufficient_quota`` (https://platform.openai.com/docs/guides/error-codes)
and Anthropic's ``enforced_spend_limit_reached`` (https://docs.anthropic.com/en/api/errors).
"""

from __future__ import annotations

import email.utils
from typing import Any, Dict, Optional

import pytest

from modelkit._engine.retry import (
    Backoff,
    RetryPolicy,
    as_quota_error,
    is_quota,
    is_retryable,
    retry_after,
)
from modelkit.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    QuotaExceededError,
    RateLimitError,
    ResponseFormatError,
)
from modelkit.providers._rest import error_from_status
from modelkit.providers.mockllm import MockLLM

API = MockLLM("model")


def _error(status: int, body: Any = None, headers: Optional[Dict[str, str]] = None) -> APIError:
    return error_from_status(
        status, "message", provider="p", model="m", body=body, headers=headers or {}
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "2"}, 2.0),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "whenever"}, None),
        ({}, None),
        # not finite: unusable, so the backoff decides (issue 16, point 9)
        ({"retry-after": "inf"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "1e999"}, None),
        ({"retry-after-ms": "nan", "retry-after": "2"}, 2.0),
        # dates no calendar holds: ValueError and OverflowError before
        ({"retry-after": "Wed, 21 Oct 99999 07:28:00 GMT"}, None),
        ({"retry-after": "Wed, 21 Oct 99999999999999999999 07:28:00 GMT"}, None),
    ],
)
def test_retry_after_headers(headers: Dict[str, str], expected: Optional[float]) -> None:
    assert retry_after(headers) == expected


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert retry_after({"retry-after": date}, now=lambda: now) == pytest.approx(7.0)
    past = email.utils.formatdate(now - 60, usegmt=True)
    assert retry_after({"retry-after": past}, now=lambda: now) == 0.0


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    backoff = Backoff(initial=0.5, multiplier=2.0, maximum=8.0, jitter=0.25)
    assert [backoff(n, lambda: 0.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff(2, lambda: 0.999999) == pytest.approx(1.5, rel=1e-5)
    assert backoff(10_000, lambda: 0.0) == 8.0


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (_error(429), True),
        (_error(408), True),
        (_error(409), True),
        (_error(500), True),
        (_error(502), True),
        (_error(503), True),
        (_error(529), True),
        (APITimeoutError("slow"), True),
        (APIConnectionError("reset"), True),
        (_error(400), False),
        (_error(401), False),
        (_error(403), False),
        (_error(404), False),
        (_error(422), False),
        (ResponseFormatError("not json", status=200), False),
        (QuotaExceededError("no credit", status=429), False),
        (
            _error(429, {"error": {"type": "insufficient_quota", "code": "insufficient_quota"}}),
            False,
        ),
        (ConfigError("bad"), False),
    ],
)
def test_what_is_retried(error: BaseException, retryable: bool) -> None:
    assert is_retryable(API, error) is retryable


def test_error_from_status_types() -> None:
    assert type(_error(429)) is RateLimitError
    assert type(_error(401)) is AuthenticationError
    assert type(_error(400)) is BadRequestError
    assert type(_error(529)) is APIError


def test_quota_codes() -> None:
    openai = {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota"}}
    anthropic = {
        "type": "error",
        "error": {
            "type": "rate_limit_error",
            "message": "spend limit",
            "details": {"error_code": "enforced_spend_limit_reached"},
        },
    }
    assert is_quota(_error(429, openai))
    assert is_quota(_error(429, anthropic))
    assert not is_quota(_error(429, {"error": {"type": "rate_limit_exceeded"}}))
    converted = as_quota_error(_error(429, openai, {"x-request-id": "r1"}))
    assert isinstance(converted, QuotaExceededError)
    assert (converted.status, converted.headers) == (429, {"x-request-id": "r1"})
    assert "retrying will not help" in str(converted)


def _decide(error: BaseException, retries: int = 0, remaining: Optional[float] = None) -> Any:
    return RetryPolicy().decide(API, error, retries, 5, remaining, rand=lambda: 0.0)


def test_decide_backoff_then_gives_up_after_max_retries() -> None:
    waits = [_decide(_error(503), n).wait for n in range(5)]
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0]
    final = _decide(_error(503), 5)
    assert final.wait is None and "max_retries=5" in final.reason


def test_decide_honours_retry_after_and_its_cap() -> None:
    assert _decide(_error(429, headers={"retry-after": "7"})).wait == 7.0
    too_long = _decide(_error(429, headers={"retry-after": "3600"}))
    assert too_long.wait is None and "3600" in too_long.reason


def test_decide_never_waits_past_the_deadline() -> None:
    assert _decide(_error(503), remaining=0.6).wait == 0.5
    late = _decide(_error(503), remaining=0.4)
    assert late.wait is None and "timeout" in late.reason
    assert _decide(_error(429, headers={"retry-after": "2"}), remaining=1.0).wait is None


def test_decide_x_should_retry_overrides_status() -> None:
    assert _decide(_error(503, headers={"x-should-retry": "false"})).wait is None
    assert _decide(_error(400, headers={"x-should-retry": "true"})).wait == 0.5


def test_decide_quota_is_final_even_when_told_to_retry() -> None:
    body = {"error": {"type": "insufficient_quota"}}
    assert _decide(_error(429, body, {"x-should-retry": "true"})).wait is None


def test_without_a_timeout_a_call_is_bounded_as_the_readme_says() -> None:
    # README ("Limits, retries, timeouts") and docs/engine.md: each attempt at most
    # 600 s, each wait at most 120 s, so (max_retries + 1) * 600 + max_retries * 120.
    from modelkit._engine.http import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT
    from modelkit._engine.retry import DEFAULT_MAX_RETRIES

    assert DEFAULT_READ_TIMEOUT == 600 and DEFAULT_CONNECT_TIMEOUT <= DEFAULT_READ_TIMEOUT
    policy = RetryPolicy()
    assert policy.backoff(10_000, lambda: 0.999) <= 120  # the longest backoff wait
    assert _decide(_error(429, headers={"retry-after": "120"})).wait == 120.0
    assert _decide(_error(429, headers={"retry-after": "121"})).wait is None  # gives up
    assert (DEFAULT_MAX_RETRIES + 1) * 600 + DEFAULT_MAX_RETRIES * 120 == 4200  # docs' figure
