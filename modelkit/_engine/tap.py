"""The seam for recording and replaying HTTP: the tap every request is handed to.

``set_tap`` installs a tap (a cassette of ``modelkit.testing``, which
installs itself here: the engine never imports it). While one is set,
``transport.Exchange.send`` hands it every request of every client,
stream and batch job, with the exchange whose ``send_live`` it may call;
it answers with a response (``status_code``, ``headers``, ``raw``: a
``requests.Response``, or the live ``channel.Answer``), replayed or live.
With none set, a request pays one ``None`` check. ``replaying_instantly`` lets the loops
that wait between requests (retry backoff, batch polling) skip their waits
while answers are replayed without their recorded timing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Tuple

__all__ = ["Tap", "current", "current_tap", "replaying_instantly", "set_tap"]

if TYPE_CHECKING:
    from typing import Protocol

    class Tap(Protocol):
        """What records or replays requests."""

        def send(
            self,
            exchange: Any,
            method: str,
            url: str,
            data: Any,
            headers: Mapping[str, str],
            timeout: Tuple[float, float],
            verify: Any,
            proxies: Mapping[str, str],
        ) -> Any:
            """The response to the request (``status_code``, ``headers``, ``raw``):
            replayed, or the live one ``exchange.send_live`` (a
            ``transport.Exchange``) gives."""

        @property
        def instant(self) -> bool:
            """Replaying with no recorded timing (``replaying_instantly``)."""

else:
    Tap = Any

current: Optional[Tap] = None
"""The tap requests are handed to, or ``None`` (read by ``Exchange.send``)."""


def set_tap(tap: Optional[Tap]) -> Optional[Tap]:
    """Hand every request to ``tap`` from now on (``None``: to the network); the previous tap."""
    global current
    previous, current = current, tap
    return previous


def current_tap() -> Optional[Tap]:
    """The tap requests are handed to, or ``None``."""
    return current


def replaying_instantly() -> bool:
    """Whether answers are replayed without their recorded timing, so that the waits
    between requests (retry backoff, batch polling) are skipped too."""
    return current is not None and bool(getattr(current, "instant", False))
