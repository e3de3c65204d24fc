"""``GenerateConfig.fallback_models`` and ``fail_on_refusal``: what follows a failed call.

When a model fails for good (its last ``APIError``, after the engine's
retries) or refuses (stop reason ``content_filter``), each fallback model is
asked the same request in turn, with the same config (minus
``fallback_models``, so fallbacks never chain); the first that answers
without refusing wins, and its output's ``fallback`` names both models.
When every fallback fails, the last error is raised (the primary's is its
``__context__``); when they only refuse, the last refusal is returned.
``fail_on_refusal`` is checked on the answer that is finally returned.

A fallback named without a provider (``"claude-3-5-haiku-latest"``) is a
model of the same provider, reached with the same base URL and key.
"""

from __future__ import annotations

import logging
from typing import Callable, List, Optional, Union

from .errors import APIError, ModelRefusalError
from .output import ModelFallback, ModelOutput

__all__ = ["check_refusal", "refused", "run_fallbacks"]

logger = logging.getLogger("modelkit")


def refused(output: ModelOutput) -> bool:
    """The output is a refusal: its first choice stopped on ``content_filter``."""
    return bool(output.choices) and output.stop_reason == "content_filter"


def run_fallbacks(
    primary: str,
    fallbacks: List[str],
    generate: Callable[[str], ModelOutput],
    outcome: Union[APIError, ModelOutput],
) -> ModelOutput:
    """The first answer from ``fallbacks`` (asked through ``generate(name)``).

    Args:
        primary: the model that failed (``provider/model``).
        fallbacks: the models to try, in order.
        generate: asks one fallback the request (raises ``APIError`` on failure).
        outcome: the primary's last error, or its refusal.

    Raises:
        APIError: every fallback failed (the last one's error).
    """
    last: Union[APIError, ModelOutput] = outcome
    for name in fallbacks:
        logger.info("modelkit: %s failed (%s); trying fallback %s", primary, _why(last), name)
        try:
            output = generate(name)
        except APIError as error:
            last = error
            continue
        output.fallback = ModelFallback(model=primary, fallback_model=name)
        if not refused(output):
            return output
        last = output
    if isinstance(last, APIError):
        raise last
    return last


def check_refusal(
    output: ModelOutput, fail: Optional[bool], model: str, role: Optional[str]
) -> None:
    """Raise ``ModelRefusalError`` for a refusal when ``fail_on_refusal`` is set."""
    if fail and refused(output):
        raise ModelRefusalError(output, model, role)


def _why(outcome: Union[APIError, ModelOutput]) -> str:
    if isinstance(outcome, ModelOutput):
        return "refused"
    return f"{type(outcome).__name__}: {outcome.message}"
