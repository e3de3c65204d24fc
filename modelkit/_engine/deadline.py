"""Alarms that run an action when a deadline passes, on one shared thread.

The HTTP client arms an alarm for each request; if the request is still
running when its time is up, the alarm cuts its socket. One daemon thread
(started on first use, and again in a forked child) serves every alarm
from a heap, so a request costs a heap push and no thread of its own.
Cancelled alarms are dropped lazily.

Nothing a caller passes can stop the thread: delays are clamped to
``[0, MAX_DELAY]`` (``nan`` and ``inf`` included), each wait to an hour, an
action's failure is logged and the loop goes on, and a thread that died
anyway is started again by the next ``schedule``. A forked child starts
with an empty watchdog: its parent's alarms would cut sockets the two
processes share.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
import weakref
from typing import Callable, List, Optional, Tuple

__all__ = ["MAX_DELAY", "Alarm", "Watchdog", "watchdog"]

MAX_DELAY = 7 * 24 * 3600.0
"""The longest delay an alarm takes; longer ones (and ``nan``) are clamped to it."""

_MAX_WAIT = 3600.0

logger = logging.getLogger("modelkit")

_PENDING, _CANCELLED, _FIRED = 0, 1, 2


class Alarm:
    """One scheduled action; ``cancel()`` it when the work finished in time."""

    __slots__ = ("_action", "_state", "_watchdog", "when")

    def __init__(self, watchdog: Watchdog, when: float, action: Callable[[], None]) -> None:
        self._watchdog = watchdog
        self._action = action
        self._state = _PENDING
        self.when = when

    @property
    def fired(self) -> bool:
        """Whether the action ran (or is running)."""
        return self._state == _FIRED

    def cancel(self) -> bool:
        """Stop the alarm; ``False`` when it had already fired."""
        return self._watchdog._cancel(self)


class Watchdog:
    """Runs alarms' actions at their deadlines, on one daemon thread.

    Args:
        clock: the monotonic clock deadlines are measured on.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._order = itertools.count()
        self._reset()
        _watchdogs.add(self)

    def _reset(self) -> None:
        """Forget every alarm and the thread (a new object, or a forked child)."""
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._heap: List[Tuple[float, int, Alarm]] = []
        self._cancelled = 0
        self._thread: Optional[threading.Thread] = None
        self._pid = os.getpid()

    def schedule(self, delay: float, action: Callable[[], None]) -> Alarm:
        """Run ``action`` in ``delay`` seconds unless the alarm is cancelled first.

        ``delay`` is clamped to ``[0, MAX_DELAY]``; ``nan`` counts as ``MAX_DELAY``.
        """
        if not 0.0 <= delay <= MAX_DELAY:
            delay = 0.0 if delay < 0.0 else MAX_DELAY
        alarm = Alarm(self, self._clock() + delay, action)
        with self._lock:
            # (A forked child's watchdog was reset by _after_fork_in_child, and a
            # thread that ended cleared _thread: no system call or thread query
            # per alarm where fork hooks exist.)
            if self._thread is None or (not _FORK_HOOKS and self._pid != os.getpid()):
                self._start()
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (alarm.when, next(self._order), alarm))
            if earliest is None or alarm.when < earliest:
                self._cond.notify()
        return alarm

    def _start(self) -> None:
        self._pid = os.getpid()
        self._heap = [entry for entry in self._heap if entry[2]._state == _PENDING]
        heapq.heapify(self._heap)
        self._cancelled = 0
        self._thread = threading.Thread(target=self._run, name="modelkit-watchdog", daemon=True)
        try:
            self._thread.start()
        except BaseException:  # (no thread to be had now: the next alarm tries again)
            self._thread = None
            raise

    def _cancel(self, alarm: Alarm) -> bool:
        with self._lock:
            if alarm._state == _FIRED:
                return False
            if alarm._state == _PENDING:
                alarm._state = _CANCELLED
                self._cancelled += 1
                if self._cancelled > 256 and self._cancelled * 2 > len(self._heap):
                    self._heap = [e for e in self._heap if e[2]._state == _PENDING]
                    heapq.heapify(self._heap)
                    self._cancelled = 0
            return True

    def _run(self) -> None:
        try:
            self._serve()
        finally:  # (never expected: the loop outlives every exception) the next alarm restarts it
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _serve(self) -> None:
        while True:
            try:
                due = self._next_due()
            except Exception:  # never expected; the loop must outlive it
                logger.debug("modelkit: the deadline watchdog recovered", exc_info=True)
                time.sleep(0.01)
                continue
            try:
                due._action()
            except Exception:  # an alarm's failure must not stop the others
                logger.debug("modelkit: a deadline action failed", exc_info=True)

    def _next_due(self) -> Alarm:
        """Wait for the earliest pending alarm's time; mark it fired and return it."""
        with self._cond:
            while True:
                while self._heap and self._heap[0][2]._state != _PENDING:
                    heapq.heappop(self._heap)
                    self._cancelled = max(0, self._cancelled - 1)
                if not self._heap:
                    self._cond.wait(_MAX_WAIT)
                    continue
                wait = self._heap[0][0] - self._clock()
                if wait > 0:
                    self._cond.wait(min(wait, _MAX_WAIT))
                    continue
                alarm = heapq.heappop(self._heap)[2]
                alarm._state = _FIRED
                return alarm


shared: Optional[Watchdog] = None
"""The process-wide watchdog once made (``watchdog()`` makes it)."""
_shared_lock = threading.Lock()


def watchdog() -> Watchdog:
    """The process-wide watchdog."""
    global shared
    if shared is None:
        with _shared_lock:
            if shared is None:
                shared = Watchdog()
    return shared


_watchdogs: weakref.WeakSet[Watchdog] = weakref.WeakSet()
"""Every watchdog made: a forked child resets each."""


def _after_fork_in_child() -> None:
    global _shared_lock
    _shared_lock = threading.Lock()
    for each in list(_watchdogs):
        each._reset()


_FORK_HOOKS = hasattr(os, "register_at_fork")
"""Whether a forked child resets the watchdog itself (else ``schedule`` compares pids)."""

if _FORK_HOOKS:
    os.register_at_fork(after_in_child=_after_fork_in_child)
