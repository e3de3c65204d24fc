"""The small attrs classes ``GenerateConfig``'s fields may hold, built on first use.

``AdaptiveConcurrency`` (``adaptive_connections``' bounds and tuning,
Inspect's name), ``ImageOutput`` and ``OutputModality`` (``modalities``)
and ``BatchConfig`` (``batch``). ``modelkit.config`` exports them on first
use (PEP 562) and its converters and validators import this module only
for a value that needs one, so a cold start whose config leaves these
fields ``None`` builds none of these classes (issue 24).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Dict, FrozenSet, Literal, Mapping, Optional, Tuple, Union

import attrs

from ._config_checks import check_positive, number_in, positive_int
from ._serde import Serializable
from .errors import ConfigError

__all__ = ["AdaptiveConcurrency", "BatchConfig", "ImageOutput", "OutputModality"]


def _fraction(name: str, value: Any, closed: bool) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (0 < value < 1 or (closed and value == 1)):
        allowed = "in (0, 1]" if closed else "in (0, 1)"
        raise ConfigError(f"adaptive_connections {name} must be {allowed}, got {value!r}")
    return float(value)


_DEFAULT_MIN, _DEFAULT_START, _DEFAULT_MAX = 10, 20, 100


class _Implicit(int):
    """A default bound the caller did not give (moved into range after init)."""


def _plain(value: Any) -> Any:
    return int(value) if type(value) is _Implicit else value


@attrs.define(kw_only=True)
class AdaptiveConcurrency(Serializable):
    """Bounds and tuning of ``GenerateConfig.adaptive_connections`` (Inspect's names).

    The limit starts at ``start``, grows by ``scale_up_percent`` of itself
    after each round of successful calls that used it, towards ``max``, and
    is cut by ``decrease_factor`` on a rate limit (at most once per
    ``cooldown_seconds``), never below ``min``.

    Args:
        min: the lowest limit (>= 1).
        start: the first limit (within ``[min, max]``).
        max: the highest limit.
        cooldown_seconds: the least time between two cuts.
        decrease_factor: the factor a cut multiplies the limit by, in (0, 1).
        scale_up_percent: growth per clean round, a fraction in (0, 1].

    Raises:
        ConfigError: a bound or tuning value out of range.
    """

    min: int = attrs.field(default=_Implicit(_DEFAULT_MIN))
    start: int = attrs.field(default=_Implicit(_DEFAULT_START))
    max: int = _DEFAULT_MAX
    cooldown_seconds: float = 15.0
    decrease_factor: float = 0.8
    scale_up_percent: float = 0.05

    def __attrs_post_init__(self) -> None:
        # As Inspect: bounds not given follow the ones given, so that
        # AdaptiveConcurrency(max=8) or (min=1, max=15) is valid as it reads.
        if isinstance(self.max, int) and not isinstance(self.max, bool):
            if type(self.min) is _Implicit:
                self.min = self.max if self.max < _DEFAULT_MIN else _DEFAULT_MIN
            if type(self.start) is _Implicit and isinstance(self.min, int):
                self.start = max(self.min, min(_DEFAULT_START, self.max))
        self.min, self.start = _plain(self.min), _plain(self.start)
        for name in ("min", "start", "max"):
            positive_int(f"adaptive_connections {name}", getattr(self, name))
        if not self.min <= self.start <= self.max:
            raise ConfigError(
                f"adaptive_connections needs min <= start <= max, got min={self.min}, "
                f"start={self.start}, max={self.max}"
            )
        cooldown = self.cooldown_seconds
        if (
            isinstance(cooldown, bool)
            or not isinstance(cooldown, (int, float))
            or not math.isfinite(cooldown)
            or cooldown < 0
        ):
            raise ConfigError(
                f"adaptive_connections cooldown_seconds must be >= 0, got {cooldown!r}"
            )
        _fraction("decrease_factor", self.decrease_factor, closed=False)
        _fraction("scale_up_percent", self.scale_up_percent, closed=True)

    @classmethod
    def _coerce_input(cls, obj: Any) -> Any:
        """``model_validate`` also takes Inspect's ``"min-max"``/``"min-start-max"``."""
        return adaptive_from(obj) if isinstance(obj, str) else obj


def adaptive_from(value: Any) -> Any:
    """A converter: Inspect's ``"min-max"`` / ``"min-start-max"`` shorthand and
    dicts (from ``to_dict``) become ``AdaptiveConcurrency``; the rest is left
    for the validator."""
    if isinstance(value, str):
        try:
            numbers = [int(part) for part in value.split("-")]
        except ValueError:
            numbers = []
        if len(numbers) == 2:
            low, high = numbers
            return AdaptiveConcurrency(min=low, max=high)
        if len(numbers) == 3:
            return AdaptiveConcurrency(min=numbers[0], start=numbers[1], max=numbers[2])
        raise ConfigError(
            f"adaptive_connections {value!r} is not 'min-max' or 'min-start-max' (e.g. '1-20')"
        )
    if isinstance(value, Mapping):
        return AdaptiveConcurrency.from_dict(value)
    return value


@attrs.define
class ImageOutput(Serializable):
    """Image output, with options for the provider (Inspect's ``ImageOutput``).

    ``GenerateConfig(modalities=[ImageOutput(options={"openai": {...}})])``
    asks for images as ``"image"`` does, and passes ``options["openai"]``
    to OpenAI's ``image_generation`` tool (``size``, ``quality``,
    ``output_format``, ``background``...) as they are.

    Args:
        options: provider name (``"openai"``) to that provider's options.
    """

    options: Optional[Dict[str, Dict[str, Any]]] = None

    def __attrs_post_init__(self) -> None:
        if self.options is not None and not (
            isinstance(self.options, Mapping)
            and all(isinstance(v, Mapping) for v in self.options.values())
        ):
            raise ConfigError(
                "ImageOutput options must map a provider to its options, e.g. "
                f'{{"openai": {{"size": "1024x1024"}}}}; got {self.options!r}'
            )


OutputModality = Union[Literal["image"], ImageOutput]
"""An output modality beyond text: ``"image"`` or an ``ImageOutput`` (Inspect's type)."""


@attrs.define(kw_only=True)
class BatchConfig(Serializable):
    """How ``generate_many`` uses a provider's batch API (``GenerateConfig.batch``).

    Args:
        size: the most requests in one provider batch (default: the API's
            own limit); larger jobs are split into several batches.
        tick: seconds between the first status checks (default 15); the
            interval grows by half each check, up to ``max_tick``.
        max_tick: the longest wait between status checks (default 300).
        deadline: seconds to wait for the batches to finish (default: the
            config's ``timeout``, else no limit); when it passes,
            ``generate_many`` raises ``BatchTimeoutError`` carrying the handle.
        max_consecutive_check_failures: status checks in a row that may fail
            (connection errors, 5xx, 429) before waiting gives up (default 10).
    """

    size: Optional[int] = attrs.field(default=None, validator=number_in(1, None, integer=True))
    tick: Optional[float] = attrs.field(default=None, validator=check_positive)
    max_tick: Optional[float] = attrs.field(default=None, validator=check_positive)
    deadline: Optional[float] = attrs.field(default=None, validator=check_positive)
    max_consecutive_check_failures: Optional[int] = attrs.field(
        default=None, validator=number_in(1, None, integer=True)
    )

    _inspect_only: ClassVar[Tuple[str, ...]] = ("max_size", "send_delay", "max_batches")
    _modelkit_only: ClassVar[FrozenSet[str]] = frozenset({"max_tick", "deadline"})
