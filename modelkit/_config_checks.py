"""Validators of ``GenerateConfig``'s and ``BatchConfig``'s original fields.

Each ``check_*`` takes attrs' ``(instance, attribute, value)`` and raises a
``ConfigError`` naming the field and what it allows; ``number_in`` and
``one_of`` make such validators. A validator that already refuses ``inf``
and ``nan`` says so (``rejects_non_finite``), so ``GenerateConfig`` skips
those fields in its sweep for non-finite numbers (``check_finite``). The
fields Inspect added later are checked in ``_config_fields``.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping, Optional

from .errors import ConfigError

__all__ = [
    "REASONING_EFFORTS",
    "ReasoningEffort",
    "check_cache_policy",
    "check_finite",
    "check_logit_bias",
    "check_optional_bool",
    "check_positive",
    "check_reasoning_history",
    "check_stop_seqs",
    "logit_bias_keys",
    "number_in",
    "one_of",
]


ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
"""``GenerateConfig.reasoning_effort``'s values (Inspect's), exported by ``modelkit.config``."""
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def check_finite(name: str, value: Any) -> None:
    """Raise ``ConfigError`` when ``value`` holds a float that is not finite, at any depth."""
    if value is None or value.__class__ in (bool, int, str):  # most fields: cheap
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"{name} must be a finite number, got {value!r}")
    elif isinstance(value, Mapping):
        for item in value.values():
            check_finite(name, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_finite(name, item)


def number_in(low: Optional[float], high: Optional[float], integer: bool = False) -> Any:
    """A validator: ``None``, or a number within [low, high]."""
    kind = "an integer" if integer else "a number"

    def check(instance: Any, attribute: Any, value: Any) -> None:
        if value is None:
            return
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if not ok_type or isinstance(value, bool):
            raise ConfigError(f"{attribute.name} must be {kind}, got {value!r}")
        check_finite(attribute.name, value)
        if (low is not None and value < low) or (high is not None and value > high):
            if high is None:
                allowed = f">= {low}"
            elif low is None:
                allowed = f"<= {high}"
            else:
                allowed = f"between {low} and {high}"
            raise ConfigError(f"{attribute.name} must be {allowed}, got {value!r}")

    check.rejects_non_finite = True  # type: ignore[attr-defined]
    return check


def check_positive(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, float):
        check_finite(attribute.name, value)
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
    ):
        raise ConfigError(f"{attribute.name} must be a number > 0, got {value!r}")


check_positive.rejects_non_finite = True  # type: ignore[attr-defined]


def one_of(*allowed: Any) -> Any:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if value is not None and value not in allowed:
            options = ", ".join(repr(a) for a in allowed)
            raise ConfigError(f"{attribute.name} must be one of {options}, got {value!r}")

    return check


def check_optional_bool(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise ConfigError(f"{attribute.name} must be True or False, got {value!r}")


def check_reasoning_history(instance: Any, attribute: Any, value: Any) -> None:
    if value is None or isinstance(value, bool) or value in ("none", "all", "last", "auto"):
        return
    raise ConfigError(
        f"reasoning_history must be True, False, 'none', 'all', 'last' or 'auto', got {value!r}"
    )


def check_cache_policy(instance: Any, attribute: Any, value: Any) -> None:
    # A CachePolicy (found by shape: the cache package sits above this one),
    # or the dict its to_dict() makes.
    if value is None or isinstance(value, bool) or hasattr(value, "expiry_seconds"):
        return
    if isinstance(value, Mapping) and set(value) <= {"expiry", "per_epoch", "scopes"}:
        return
    raise ConfigError(f"cache must be True, False or a CachePolicy, got {value!r}")


def check_stop_seqs(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and (
        isinstance(value, str) or not all(isinstance(s, str) and s for s in value)
    ):
        raise ConfigError(f"stop_seqs must be a list of non-empty strings, got {value!r}")


def check_logit_bias(instance: Any, attribute: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ConfigError(f"logit_bias must be a dict of token id to bias, got {value!r}")
    for token, bias in value.items():
        if isinstance(token, bool) or not isinstance(token, int):
            raise ConfigError(f"logit_bias keys must be integer token ids, got {token!r}")
        if isinstance(bias, bool) or not isinstance(bias, (int, float)) or not -100 <= bias <= 100:
            raise ConfigError(f"logit_bias values must be between -100 and 100, got {bias!r}")


def logit_bias_keys(value: Any) -> Any:
    """JSON turns int keys into strings; turn digit strings back into ints."""
    if isinstance(value, Mapping):
        return {
            int(k) if isinstance(k, str) and k.lstrip("-").isdigit() else k: v
            for k, v in value.items()
        }
    return value


def positive_int(name: str, value: Any) -> int:
    """``value`` when it is an integer >= 1 (not a bool), else a ``ConfigError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
    return value
