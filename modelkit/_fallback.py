"""``GenerateConfig.fallback_models`` and ``fail_on_refusal``: what follows a failed call.

When a model fails for good (its last ``APIError``, after the engine's
retries) or refuses (stop reason ``content_filter``), each fallback model is
asked the same request in turn, with the same config (minus
``fallback_models``, so fallbacks never chain, and ``fail_on_refusal``); the first that answers
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

import attrs

from .config import GenerateConfig
from .errors import APIError, ModelRefusalError
from .output import ModelOutput

__all__ = ["answer", "check_refusal", "refused", "run_fallbacks"]

logger = logging.getLogger("modelkit")


def answer(
    primary: str,
    role: Optional[str],
    config: GenerateConfig,
    generate: Callable[[], ModelOutput],
    ask: Callable[[str, GenerateConfig], ModelOutput],
) -> ModelOutput:
    """The output of one call: ``generate()``, then the fallbacks if it failed or refused.

    Args:
        primary: the model asked first (``provider/model``).
        role: its role, for ``ModelRefusalError``.
        config: the call's merged config (``fallback_models``, ``fail_on_refusal``).
        generate: asks the primary model.
        ask: asks one fallback, by name, with the config it is to use.

    Raises:
        APIError: the primary failed and so did every fallback (or there are none).
        ModelRefusalError: the answer is a refusal and ``fail_on_refusal`` is set.
    """
    fallbacks = config.fallback_models
    try:
        output = generate()
    except APIError as error:
        if not fallbacks:
            raise
        outcome: Union[APIError, ModelOutput] = error
    else:
        outcome = output
    if fallbacks and (not isinstance(outcome, ModelOutput) or refused(outcome)):
        # fail_on_refusal is checked once, below, on the answer finally returned:
        # a fallback raising on its own refusal would skip the fallbacks after it
        settings = attrs.evolve(config, fallback_models=None, fail_on_refusal=None)
        outcome = run_fallbacks(primary, fallbacks, lambda name: ask(name, settings), outcome)
    assert isinstance(outcome, ModelOutput)
    check_refusal(outcome, config.fail_on_refusal, primary, role)
    return outcome


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
        from ._output_parts import ModelFallback  # built by the first fallback answer

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
