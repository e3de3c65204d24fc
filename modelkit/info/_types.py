"""``ModelInfo`` and ``ModelCost``: what is known about a model, and its prices.

Field for field Inspect's (``inspect_ai.model.ModelInfo`` / ``ModelCost``),
as attrs classes. Prices are dollars per million tokens. ``ModelCost`` may
also carry a long-prompt tier (``long_prompt_threshold`` and
``long_prompt``): a request whose prompt is longer than the threshold is
billed entirely at the tier's prices, as Anthropic bills Claude Haiku 5.5.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Dict, Optional

import attrs

from .._serde import Decoder, Serializable
from ..errors import ConfigError

__all__ = ["ModelCost", "ModelInfo"]


def _price(name: str) -> Any:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ConfigError(
                f"ModelCost.{attribute.name}: a price in dollars per million tokens "
                f"(a number >= 0) is needed, got {value!r}"
            )

    return attrs.field(validator=check)


def _as_date(value: Any) -> Optional[datetime.date]:
    if value is None or isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"ModelInfo: a date is a datetime.date or 'YYYY-MM-DD', got {value!r}")


@attrs.define
class ModelCost(Serializable):
    """A model's prices in dollars per million tokens.

    Args:
        input: input tokens not read from the prompt cache.
        output: output tokens (reasoning tokens included).
        input_cache_write: input tokens written to the prompt cache, at the
            provider's default TTL (Anthropic: the 5-minute rate; a 1-hour
            write is billed at 2x input instead of 1.25x, and
            ``compute_model_cost(..., cache_ttl="1h")`` applies that).
        input_cache_read: input tokens read from the prompt cache.
        long_prompt_threshold: with ``long_prompt``, the prompt length
            (input + cache reads + cache writes) above which a request is
            billed at ``long_prompt``'s prices.
        long_prompt: the prices of a request whose prompt is longer than
            ``long_prompt_threshold``.
    """

    input: float = _price("input")
    output: float = _price("output")
    input_cache_write: float = _price("input_cache_write")
    input_cache_read: float = _price("input_cache_read")
    long_prompt_threshold: Optional[int] = None
    long_prompt: Optional[ModelCost] = None

    _decoders: ClassVar[Dict[str, Decoder]] = {}

    def __attrs_post_init__(self) -> None:
        if (self.long_prompt is None) != (self.long_prompt_threshold is None):
            raise ConfigError(
                "ModelCost: long_prompt and long_prompt_threshold go together (set both or neither)"
            )


ModelCost._decoders["long_prompt"] = ModelCost.from_dict


@attrs.define
class ModelInfo(Serializable):
    """What is known about a model (``None``: not known).

    Args:
        organization: who makes it (``"Anthropic"``).
        model: its display name (``"Claude Opus 5"``).
        snapshot: the dated snapshot the name points at, if any.
        release_date: when it was released.
        knowledge_cutoff_date: its knowledge cutoff (month-precision dates
            are stored as the 1st of the month).
        context_length: its context window in tokens.
        output_tokens: the most tokens it may generate in one response.
        reasoning: whether it is a reasoning model.
        reasoning_effort_default: the provider's documented default
            ``reasoning_effort`` (``"high"``, ``"medium"``, ``"none"``...).
        family: the reference model name its capabilities follow.
        cost: its prices (``None``: unknown, so its calls cost ``None``).
    """

    organization: Optional[str] = None
    model: Optional[str] = None
    snapshot: Optional[str] = None
    release_date: Optional[datetime.date] = attrs.field(default=None, converter=_as_date)
    knowledge_cutoff_date: Optional[datetime.date] = attrs.field(default=None, converter=_as_date)
    context_length: Optional[int] = None
    output_tokens: Optional[int] = None
    reasoning: Optional[bool] = None
    reasoning_effort_default: Optional[str] = None
    family: Optional[str] = None
    cost: Optional[ModelCost] = None

    _decoders: ClassVar[Dict[str, Decoder]] = {"cost": ModelCost.from_dict}

    @property
    def input_tokens(self) -> Optional[int]:
        """The input capacity in tokens (the context length), as Inspect's."""
        return self.context_length

    def to_dict(self) -> Dict[str, Any]:
        """This value as JSON-ready data (dates as ``YYYY-MM-DD``)."""
        data = super().to_dict()
        for key in ("release_date", "knowledge_cutoff_date"):
            if key in data:
                data[key] = data[key].isoformat()
        return data
