"""``ModelInfo`` and ``ModelCost``: what is known about a model, and its prices.

Field for field Inspect's (``inspect_ai.model.ModelInfo`` / ``ModelCost``),
as attrs classes. Prices are dollars per million tokens. ``ModelCost`` may
also carry a long-prompt tier (``long_prompt_threshold`` and
``long_prompt``): a request whose prompt is longer than the threshold is
billed entirely at the tier's prices, as Anthropic bills Claude Haiku 5.5;
and off-peak prices (``off_peak`` with ``peak_hours``): a request sent
outside the provider's peak hours is billed at ``off_peak``'s prices, as
DeepSeek bills its models.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Dict, List, Optional, Tuple

import attrs

from .._serde import Decoder, Serializable
from ..errors import ConfigError

__all__ = ["ModelCost", "ModelInfo", "PeakHours"]

_DERIVED = {"transient": True}  # worked out from the fields; not data

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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


def _minutes(clock: str) -> int:
    hours, _, minutes = clock.partition(":")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 24 * 60 or len(minutes) != 2:
        raise ValueError(clock)
    return value


@attrs.define
class PeakHours(Serializable):
    """When a provider's peak (full) prices apply, in the provider's own clock.

    Args:
        utc_offset: the clock the hours and weekdays are read in
            (``"+08:00"``: Beijing time).
        weekdays: the days with peak hours (``"Mon"`` ... ``"Sun"``).
        hours: the peak windows of those days, ``"HH:MM-HH:MM"`` (start
            included, end excluded).
    """

    utc_offset: str
    weekdays: List[str]
    hours: List[str]
    _offset: datetime.timedelta = attrs.field(init=False, repr=False, eq=False, metadata=_DERIVED)
    _days: Tuple[int, ...] = attrs.field(init=False, repr=False, eq=False, metadata=_DERIVED)
    _windows: Tuple[Tuple[int, int], ...] = attrs.field(
        init=False, repr=False, eq=False, metadata=_DERIVED
    )

    def __attrs_post_init__(self) -> None:
        where = "PeakHours"
        offset = str(self.utc_offset)
        sign, clock = offset[:1], offset[1:]
        try:
            if sign not in ("+", "-") or not clock:
                raise ValueError(self.utc_offset)
            minutes = _minutes(clock)
        except ValueError:
            raise ConfigError(
                f"{where}.utc_offset: '+HH:MM' or '-HH:MM' is needed, got {self.utc_offset!r}"
            ) from None
        self._offset = datetime.timedelta(minutes=minutes if sign == "+" else -minutes)
        if not self.weekdays or any(day not in _WEEKDAYS for day in self.weekdays):
            raise ConfigError(
                f"{where}.weekdays: day names from {', '.join(_WEEKDAYS)} are needed, "
                f"got {self.weekdays!r}"
            )
        self._days = tuple(_WEEKDAYS.index(day) for day in self.weekdays)
        windows = []
        for window in self.hours if isinstance(self.hours, list) else [None]:
            start, _, end = str(window).partition("-")
            try:
                span = (_minutes(start), _minutes(end))
            except ValueError:
                span = (0, 0)
            if not span[0] < span[1]:
                raise ConfigError(
                    f"{where}.hours: windows 'HH:MM-HH:MM' (start before end) are needed, "
                    f"got {window!r}"
                )
            windows.append(span)
        if not windows:
            raise ConfigError(f"{where}.hours: at least one 'HH:MM-HH:MM' window is needed")
        self._windows = tuple(windows)

    def contains(self, at: datetime.datetime) -> bool:
        """Whether the moment ``at`` (timezone-aware; naive is taken as UTC) is peak."""
        if at.tzinfo is None:
            at = at.replace(tzinfo=datetime.timezone.utc)
        local = at.astimezone(datetime.timezone.utc) + self._offset
        if local.weekday() not in self._days:
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self._windows)


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
        off_peak: with ``peak_hours``, the prices of a request sent outside
            the peak hours (the other prices are the peak ones).
        peak_hours: with ``off_peak``, when the peak prices apply.
    """

    input: float = _price("input")
    output: float = _price("output")
    input_cache_write: float = _price("input_cache_write")
    input_cache_read: float = _price("input_cache_read")
    long_prompt_threshold: Optional[int] = None
    long_prompt: Optional[ModelCost] = None
    off_peak: Optional[ModelCost] = None
    peak_hours: Optional[PeakHours] = None

    _decoders: ClassVar[Dict[str, Decoder]] = {"peak_hours": PeakHours.from_dict}

    def __attrs_post_init__(self) -> None:
        if (self.long_prompt is None) != (self.long_prompt_threshold is None):
            raise ConfigError(
                "ModelCost: long_prompt and long_prompt_threshold go together (set both or neither)"
            )
        if (self.off_peak is None) != (self.peak_hours is None):
            raise ConfigError(
                "ModelCost: off_peak and peak_hours go together (set both or neither)"
            )


ModelCost._decoders["long_prompt"] = ModelCost.from_dict
ModelCost._decoders["off_peak"] = ModelCost.from_dict


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
