"""``RetryDecision`` and ``ModelAPI.should_retry``, as Inspect 0.3.285 defines them.

Inspect's ``inspect_ai/model/_model.py``: ``RetryDecision`` (frozen, truthy iff
``retry``; ``no()``, ``transient(retry_after=)``, ``rate_limit(retry_after=)``)
and ``ModelAPI.should_retry(ex) -> bool | RetryDecision`` (a plain ``True``
counts as a transient retry; only ``rate_limit`` scales an adaptive
connection limit down).
"""

from __future__ import annotations

from typing import Any, List, Union

import pytest

from modelkit import GenerateConfig, Model, ModelAPI
from modelkit._engine import adaptive
from modelkit._engine.retry import Retrying
from modelkit._engine.run import run_request
from modelkit._retry_decision import RetryDecision
from modelkit.errors import (
    APIError,
    APITimeoutError,
    BadRequestError,
    QuotaExceededError,
    RateLimitError,
)
from modelkit.providers.mockllm import MockLLM


class Flaky(ModelAPI):
    """A provider written the Inspect way: it fails, and says how to retry."""

    def __init__(self, error: Exception, answer: Union[bool, RetryDecision, None]) -> None:
        super().__init__("flaky-model", base_url=f"http://flaky/{id(self)}")
        self.error = error
        self.answer = answer
        self.calls = 0

    def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> Any:
        self.calls += 1
        raise self.error

    def should_retry(self, ex: BaseException) -> Union[bool, RetryDecision]:
        assert ex is self.error
        return super().should_retry(ex) if self.answer is None else self.answer


def run(api: Flaky, **config: Any) -> List[float]:
    waits: List[float] = []
    model = Model(api, GenerateConfig(max_retries=3, **config))
    with pytest.raises(APIError):
        run_request(api, model.prepare("hi"), Retrying(sleep=waits.append, random=lambda: 0.0))
    return waits


def test_decisions_are_truthy_as_the_bool_they_replace() -> None:
    assert not RetryDecision.no()
    assert RetryDecision.transient() and RetryDecision.transient().kind == "transient"
    limit = RetryDecision.rate_limit(retry_after=2.0)
    assert limit and (limit.kind, limit.retry_after) == ("rate_limit", 2.0)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RateLimitError("slow down", status=429), RetryDecision.rate_limit()),
        (APIError("overloaded", status=503), RetryDecision.transient()),
        (APITimeoutError("slow"), RetryDecision.transient()),
        (BadRequestError("bad", status=400), RetryDecision.no()),
        (QuotaExceededError("no credit", status=429), RetryDecision.no()),
    ],
)
def test_built_in_providers_classify_errors(error: Exception, expected: RetryDecision) -> None:
    assert MockLLM("model").should_retry(error) == expected


def test_a_provider_saying_no_is_not_retried() -> None:
    api = Flaky(APIError("unavailable", status=503), RetryDecision.no())
    assert run(api) == [] and api.calls == 1


def test_a_legacy_true_retries_an_error_modelkit_would_not() -> None:
    api = Flaky(BadRequestError("flaky gateway", status=400), True)
    assert len(run(api)) == 3 and api.calls == 4


def test_the_providers_retry_after_sets_the_wait() -> None:
    api = Flaky(APIError("busy", status=503), RetryDecision.transient(retry_after=2.5))
    assert run(api) == [2.5, 2.5, 2.5]


def test_only_rate_limit_decisions_cut_the_adaptive_limit() -> None:
    def cuts(answer: RetryDecision) -> int:
        api = Flaky(APIError("busy", status=503), answer)
        run(api, adaptive_connections="2-30-40", max_connections=40)
        return 30 - adaptive._controllers[api.connection_key()].size

    assert cuts(RetryDecision.transient()) == 0
    assert cuts(RetryDecision.rate_limit()) > 0
