"""Threads a limit block starts count in it: the starter's context carried into them.

A limit lives in context variables, and a ``threading.Thread`` starts in an
empty context, so a thread user code starts inside ``token_limit`` /
``cost_limit`` would not see the limit. ``install`` (called when a limit
is entered, once per process: ``import modelkit`` and calls without limits
never pay for it) wraps two standard-library methods:

* ``Thread.start``: when a limit is in force in the starting thread, the
  new thread's ``run`` runs in a copy of the starter's context (taken at
  ``start``), so generations in it count in the block's limits;
* ``ThreadPoolExecutor.submit`` (and so ``map``): when a limit is in force
  in the submitting thread, the function runs in a copy of the submitter's
  context.

Outside any limit block both behave exactly as before: nothing is copied.
A pool's own worker threads (``concurrent.futures``, ``multiprocessing.pool``)
never take their starter's context, even when the pool grows inside a
block: they outlive it and serve work submitted from anywhere, so only
each submitted function carries its submitter's context. The wrapping is
inherited by a forked child (the classes are the same objects); the lock
guarding ``install`` is made anew in the child, so a fork that happens
while another thread installs cannot leave it held.
"""

from __future__ import annotations

import contextvars
import functools
import os
import threading
from typing import Any, Callable

from ._trees import cost_tree, token_tree

__all__ = ["install", "installed"]

_POOL_MODULES = ("concurrent.futures.thread", "multiprocessing.pool")
"""Modules whose thread targets are pool workers or pool housekeeping."""

_installed = False
_lock = threading.Lock()


def installed() -> bool:
    """Whether ``Thread`` and ``ThreadPoolExecutor`` carry limits into their threads."""
    return _installed


def _limit_in_force() -> bool:
    return token_tree.leaf.get() is not None or cost_tree.leaf.get() is not None


def _is_pool_worker(thread: threading.Thread) -> bool:
    target = getattr(thread, "_target", None)  # set by Thread.__init__ on 3.8-3.13
    return getattr(target, "__module__", None) in _POOL_MODULES


def _carry_context(thread: threading.Thread) -> None:
    """Make ``thread`` run in a copy of the current context."""
    context = contextvars.copy_context()
    run = thread.run

    def run_in_context() -> None:
        try:
            context.run(run)
        finally:
            thread.__dict__.pop("run", None)  # no cycle left behind, as Thread.run does

    thread.run = run_in_context  # type: ignore[method-assign]  # shadows run for this thread only


def _wrap_start(start: Callable[[threading.Thread], None]) -> Callable[[threading.Thread], None]:
    @functools.wraps(start)
    def start_carrying_limits(self: threading.Thread) -> None:
        if _limit_in_force() and not _is_pool_worker(self):
            _carry_context(self)
        start(self)

    return start_carrying_limits


def _wrap_submit(submit: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(submit)
    def submit_carrying_limits(
        self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Any:
        if _limit_in_force():
            return submit(self, contextvars.copy_context().run, fn, *args, **kwargs)
        return submit(self, fn, *args, **kwargs)

    return submit_carrying_limits


def install() -> None:
    """Carry limits into threads from now on in this process (idempotent, thread-safe)."""
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        from concurrent.futures import ThreadPoolExecutor

        # the point of this module: the standard classes' methods, replaced by wrappers
        threading.Thread.start = _wrap_start(threading.Thread.start)  # type: ignore[method-assign, assignment]
        ThreadPoolExecutor.submit = _wrap_submit(ThreadPoolExecutor.submit)  # type: ignore[method-assign]
        _installed = True


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)
