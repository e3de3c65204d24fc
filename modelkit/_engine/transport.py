"""The way to the network under ``HttpClient``: one request's hold on a channel.

A ``channel.Channel`` is an ``HTTPAdapter``'s urllib3 pools with no urllib3
retries, plus each URL's route through them; it serves one request at a
time and sends it straight to the pool, so none of a ``Session``'s
per-call work (cookies, hooks, redirects, environment merging,
``~/.netrc``), nor of ``HTTPAdapter.send``'s, is paid or applied.

``Exchange`` is one request's hold on the network, shared by the buffered
path (``http``) and the streaming one (``stream_http``): it borrows a
channel from the client's idle list, arms the deadline (an alarm on the
shared watchdog that shuts the request's sockets down through its
``_Cutoff``), sends, and gives the channel back.

``Exchange.send`` hands the request to the tap set in ``tap`` when there
is one (a cassette of ``modelkit.testing``), else sends it
(``send_live``): a request pays one ``None`` check for cassettes.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, List, Mapping, Optional, Tuple

from . import channel as channels
from . import deadline
from . import tap as taps
from .channel import Channel
from .deadline import MAX_DELAY, watchdog

__all__ = ["Exchange", "clamp_budget"]


def clamp_budget(timeout: Optional[float], default: float) -> float:
    """``timeout`` (``default`` when ``None``) kept within what the watchdog accepts."""
    budget = default if timeout is None else timeout
    if not 0.001 <= budget <= MAX_DELAY:  # nan and inf too: never a crash
        budget = 0.001 if budget < 0.001 else MAX_DELAY
    return budget


class Exchange:
    """One request's borrowed channel, its deadline alarm and its cut-off.

    Made when the request starts (the alarm runs from then); ``send`` sends
    it, ``give_back`` returns the channel to the client's idle list, or
    closes it when the client was closed meanwhile (its list replaced).

    Args:
        idle: the client's idle channels (one is taken, or a new one made).
        pool_size: connections a new channel keeps per host.
        budget: seconds before the cut-off fires.
    """

    __slots__ = ("alarm", "channel", "cutoff", "idle", "start")

    def __init__(self, idle: List[Channel], pool_size: int, budget: float) -> None:
        self.idle = idle
        self.channel = idle.pop() if idle else Channel(pool_size)
        self.cutoff = _Cutoff()
        self.start = time.monotonic()
        self.alarm = (deadline.shared or watchdog()).schedule(budget, self.cutoff.fire)

    def send(
        self,
        method: str,
        url: str,
        data: Any,
        headers: Mapping[str, str],
        timeout: Tuple[float, float],
        verify: Any,
        proxies: Mapping[str, str],
    ) -> Any:
        """Send the request, the body left unread; the response (``channel.Answer``)."""
        tap = taps.current
        if tap is not None:
            return tap.send(self, method, url, data, headers, timeout, verify, proxies)
        current = channels.current  # send_live's work, without its call
        current.cutoff = self.cutoff
        try:
            return self.channel.send(method, url, data, headers, timeout, verify, proxies)
        finally:
            current.cutoff = None

    def send_live(
        self,
        method: str,
        url: str,
        data: Any,
        headers: Mapping[str, str],
        timeout: Tuple[float, float],
        verify: Any,
        proxies: Mapping[str, str],
    ) -> Any:
        """``send`` to the network, whatever tap is set."""
        current = channels.current
        current.cutoff = self.cutoff
        try:
            return self.channel.send(method, url, data, headers, timeout, verify, proxies)
        finally:
            current.cutoff = None

    def give_back(self, idle: List[Channel]) -> None:
        """Return the channel to ``idle`` (the client's list now), or close it."""
        if self.idle is idle:
            idle.append(self.channel)
        else:  # the client was closed meanwhile
            self.channel.close()


class _Cutoff:
    """The connections one request uses, and the means to cut them at its deadline."""

    __slots__ = ("_lock", "connections", "done", "fired")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.connections: List[Any] = []
        self.done = False
        self.fired = False

    def watch(self, connection: Any) -> None:
        with self._lock:
            self.connections.append(connection)

    def finish(self) -> None:
        with self._lock:
            self.done = True

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
        self.cut()

    def cut(self) -> None:
        """Shut the connections' sockets down: a read blocked on one returns at once."""
        with self._lock:
            connections = list(self.connections)
        for connection in connections:
            shut_down(connection)


def shut_down(connection: Any) -> None:
    """Shut an HTTP connection's socket down, if it has one: a read blocked on it returns."""
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
