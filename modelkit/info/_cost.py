"""What a call cost in dollars: ``compute_model_cost`` and the batch discount.

``compute_model_cost`` follows Inspect's: each kind of token at its price
per million, a 1-hour prompt-cache write at 2x input rather than the
5-minute 1.25x that ``ModelCost.input_cache_write`` records. Beyond
Inspect's, a long-prompt tier (``ModelCost.long_prompt``) bills the whole
request at the tier's prices once its prompt passes the threshold, and
off-peak prices (``ModelCost.off_peak``) bill a request sent outside the
provider's peak hours. Batch jobs are billed at the provider's batch
discount (``batch_discount``). ``usage_cost`` is what the engine calls once
per finished call: the cost, or ``None`` when the model has no price.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..output import ModelOutput, ModelUsage

if TYPE_CHECKING:  # the classes are built when the table parses an entry, not by a first call
    from ._types import ModelCost

__all__ = ["CACHE_WRITE_1H_MULTIPLIER", "compute_model_cost", "price_output", "usage_cost"]

CACHE_WRITE_1H_MULTIPLIER = 2.0 / 1.25
"""Anthropic bills a 1-hour cache write at 2x base input and a 5-minute one
at 1.25x (platform.claude.com/docs/en/about-claude/pricing), so a 1-hour
write costs 2 / 1.25 times ``ModelCost.input_cache_write``."""

_PER_TOKEN = 1.0 / 1_000_000


def compute_model_cost(
    cost_data: ModelCost,
    usage: ModelUsage,
    cache_ttl: Optional[str] = None,
    *,
    at: Optional[datetime.datetime] = None,
) -> float:
    """The dollars ``usage`` costs at ``cost_data``'s prices.

    Args:
        cost_data: the model's prices per million tokens.
        usage: the call's token counts (``input_tokens`` excludes cache
            reads, as every provider's usage is normalised).
        cache_ttl: the prompt-cache TTL the call wrote with; ``"1h"`` bills
            cache writes at the 1-hour rate, anything else at
            ``input_cache_write``.
        at: when the request was sent (naive: UTC), for prices that depend
            on the hour (``cost_data.off_peak``); ``None`` bills at the peak
            (full) prices.

    Returns:
        The cost in dollars.
    """
    read = usage.input_tokens_cache_read or 0
    write = usage.input_tokens_cache_write or 0
    prices = cost_data
    if (
        at is not None
        and cost_data.off_peak is not None
        and cost_data.peak_hours is not None
        and not cost_data.peak_hours.contains(at)
    ):
        prices = cost_data.off_peak
    threshold = prices.long_prompt_threshold
    if prices.long_prompt is not None and threshold is not None:
        if usage.input_tokens + read + write > threshold:
            prices = prices.long_prompt
    write_price = prices.input_cache_write
    if cache_ttl == "1h":
        write_price *= CACHE_WRITE_1H_MULTIPLIER
    dollars = (
        usage.input_tokens * prices.input
        + usage.output_tokens * prices.output
        + write * write_price
        + read * prices.input_cache_read
    )
    return dollars * _PER_TOKEN


def usage_cost(
    provider: str,
    model: str,
    usage: Optional[ModelUsage],
    *,
    batch: bool = False,
    cache_ttl: Optional[str] = None,
    elapsed: Optional[float] = None,
) -> Optional[float]:
    """What one call of ``provider/model`` that used ``usage`` cost, or ``None``.

    ``None`` when there is no usage or no price for the model (the table is
    read on the first call). A batch job's call gets the provider's batch
    discount; a provider with none known is billed at the full price. A
    price that depends on the hour is the one in force when the request
    was sent: ``elapsed`` seconds ago (now, when not known).
    """
    if usage is None:
        return None
    from ._table import batch_discount, cost_for

    cost = cost_for(provider, model)
    if cost is None:
        return None
    at = None
    if cost.peak_hours is not None:
        at = _utc_now() - datetime.timedelta(seconds=elapsed or 0.0)
    dollars = compute_model_cost(cost, usage, cache_ttl, at=at)
    if batch:
        dollars *= 1.0 - batch_discount(provider)
    return dollars


def _utc_now() -> datetime.datetime:
    """The current time in UTC (tests move it)."""
    return datetime.datetime.now(datetime.timezone.utc)


_cost_for: Optional[Callable[[str, str], Optional[ModelCost]]] = None


def price_output(api: Any, output: ModelOutput, *, batch: bool = False) -> None:
    """Set what the call that produced ``output`` cost, once, where it finished.

    ``output.usage.total_cost`` (and its ``call``'s) becomes the dollars the
    call of ``api``'s model cost, or stays ``None`` when the price is unknown.
    A batch result gets the provider's batch discount. A cost the provider
    reported with the answer (OpenRouter's ``usage.cost``: what it charged)
    is kept: it is the bill, where the table is an estimate of it.
    """
    usage = output.usage
    if usage is None:
        return
    dollars: Optional[float] = usage.total_cost
    if dollars is None:
        global _cost_for
        if _cost_for is None:  # (imported once, not by every call: the table loads lazily)
            from ._table import cost_for

            _cost_for = cost_for
        if _cost_for(api.provider, api.model_name) is not None:  # the TTL asked only if priced
            dollars = usage_cost(
                api.provider,
                api.model_name,
                usage,
                batch=batch,
                cache_ttl=api.cache_write_ttl(),
                elapsed=None if batch else output.time,
            )
    usage.total_cost = dollars
    if output.call is not None:
        output.call.total_cost = dollars
