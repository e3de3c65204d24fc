"""Adaptive connection limits (``GenerateConfig.adaptive_connections``).

An ``AdaptiveLimit`` steers the size of one key's ``ConnectionLimit``:
it starts low, doubles after each round of successes that used it (slow
start) until the first rate limit, then grows by ``scale_up_percent`` of
itself per round (additive increase; fractions of a slot add up over
rounds, so at a small size it probes upwards only every few rounds); every rate limit cuts it by
``decrease_factor`` (multiplicative decrease), at most once per
``cooldown_seconds``, never below ``min`` nor above ``max``. A round is as
many successes as the current limit, and only counts when the calls in
flight reached 80% of the limit during it: a limit that was never used is
never proven, so it does not grow. Other failures (5xx, timeouts) neither
grow nor cut it.

Worst case: a burst of rate limits within one cooldown cuts the limit once;
the limit is always within ``[min, max]``; calls already in flight when it
shrinks finish, and new ones wait until the count is under the new size.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from .limits import ConnectionLimit

if TYPE_CHECKING:
    from .._config_types import AdaptiveConcurrency

__all__ = ["AdaptiveLimit", "adaptive_for", "adaptive_settings"]

ROUND_FLOOR = 4
"""Successes a round needs at least, however small the limit."""

SATURATION = 0.8
"""Share of the limit that must have been in flight in a round for it to grow."""


class AdaptiveLimit:
    """The controller of one connection key's adaptive size.

    Args:
        limit: the connection limit it resizes.
        settings: its bounds and tuning.
        clock: monotonic seconds (tests inject one).
    """

    def __init__(
        self,
        limit: ConnectionLimit,
        settings: AdaptiveConcurrency,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.settings = settings
        self.size = settings.start
        self._level = float(settings.start)  # size with the fractional growth kept
        self.slow_start = True
        self._clock = clock
        self._successes = 0
        self._peak = 0
        self._last_cut: Optional[float] = None
        self._lock = threading.Lock()
        limit.resize(self.size)

    def success(self) -> None:
        """Count a call that succeeded (while still holding its slot)."""
        with self._lock:
            self._successes += 1
            self._peak = max(self._peak, self.limit.active)
            if self._successes < max(ROUND_FLOOR, self.size):
                return
            saturated = self._peak >= SATURATION * self.size
            self._successes = self._peak = 0
            if not saturated or self.size >= self.settings.max:
                return
            if self.slow_start:
                self._level = float(self.size * 2)
            else:  # additive: a fraction of a slot per round, kept until it adds up
                self._level += self.size * self.settings.scale_up_percent
            self._set(min(self.settings.max, max(self.size, int(self._level))))

    def rate_limited(self) -> None:
        """Count a rate-limited attempt: cut the size, unless cut within the cooldown."""
        with self._lock:
            now = self._clock()
            if self._last_cut is not None and now - self._last_cut < self.settings.cooldown_seconds:
                return
            self._last_cut = now
            self.slow_start = False
            self._successes = self._peak = 0
            cut = min(int(self.size * self.settings.decrease_factor), self.size - 1)
            self._set(max(self.settings.min, cut))
            self._level = float(self.size)

    def _set(self, size: int) -> None:
        self.size = size
        self._level = max(self._level, float(size))
        self.limit.resize(size)


_controllers: Dict[str, AdaptiveLimit] = {}
_controllers_lock = threading.Lock()


def adaptive_settings(value: Any, max_connections: int) -> Optional[AdaptiveConcurrency]:
    """The bounds ``adaptive_connections`` asks for (``None``: a static limit).

    ``True`` grows from 1 towards ``max_connections`` (the config's, else
    the provider's); an integer is the maximum, from 1; an
    ``AdaptiveConcurrency`` is used as it is.
    """
    if value is None or value is False:
        return None
    from .._config_types import AdaptiveConcurrency  # built only once a config asks for it

    if isinstance(value, AdaptiveConcurrency):
        return value
    high = max_connections if value is True else int(value)
    return AdaptiveConcurrency(min=1, start=1, max=high)


def adaptive_for(key: str, limit: ConnectionLimit, settings: AdaptiveConcurrency) -> AdaptiveLimit:
    """The controller of ``key`` (made with ``settings`` on first use; later
    settings apply when they differ, starting it again)."""
    with _controllers_lock:
        found = _controllers.get(key)
        if found is None or found.settings != settings or found.limit is not limit:
            found = _controllers[key] = AdaptiveLimit(limit, settings)
        return found
