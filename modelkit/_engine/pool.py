"""The shared worker pool behind ``generate_async`` and ``generate_many``.

``run_in_thread`` serves asyncio callers from one thread pool
(``shared_executor``, also used by ``generate_many``) sized well above any
connection limit, so ``generate_async`` calls gathered together are bounded
by the same limits as threads, not by asyncio's small default executor.
``resolve`` goes the other way: it runs what an ``async def`` (a provider's
``generate``, a tool) returned to completion, for the synchronous path.
A forked child gets a pool of its own on first use (the parent's workers
are not in it, and submitting to their queue would wait forever).

A thread that waits for others waits in slices of ``WAKE_SECONDS``: the
kernel may hand a Ctrl-C to any thread, and then the interpreter is only
flagged; a waiter blocked for good would raise ``KeyboardInterrupt`` only
when what it waits for arrives, which may be never.
"""

from __future__ import annotations

import contextvars
import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = [
    "ASYNC_WORKERS",
    "WAKE_SECONDS",
    "is_awaitable",
    "resolve",
    "run_in_thread",
    "shared_executor",
]

T = TypeVar("T")

ASYNC_WORKERS = 256
"""Threads serving ``generate_async`` and ``generate_many``; more than any
sensible connection limit, and started only as they are needed."""

WAKE_SECONDS = 0.2
"""How often a thread waiting for others wakes, so a pending Ctrl-C raises."""

_executor: Optional[ThreadPoolExecutor] = None
_executor_lock = threading.Lock()


def shared_executor() -> ThreadPoolExecutor:
    """The thread pool serving ``generate_async`` and ``generate_many`` (made on first use).

    Its threads (up to ``ASYNC_WORKERS``) stay alive between uses, and with
    them their HTTP sessions and open connections.
    """
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                from concurrent.futures import ThreadPoolExecutor

                _executor = ThreadPoolExecutor(ASYNC_WORKERS, thread_name_prefix="modelkit")
    return _executor


async def run_in_thread(call: Callable[[], T]) -> T:
    """Run ``call`` on the shared worker pool, in a copy of the caller's context."""
    import asyncio  # not at module level: it costs ~40 ms of cold start

    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    result: Any = await loop.run_in_executor(shared_executor(), context.run, call)
    return result  # type: ignore[no-any-return]


def is_awaitable(value: Any) -> bool:
    """Whether ``value`` is a coroutine or another awaitable object."""
    return hasattr(value, "__await__") and not isinstance(value, type)


def resolve(value: Any) -> Any:
    """``value``, or, when it is awaitable, what it gives once run to completion.

    The awaitable runs on a new event loop in this thread; when this thread
    already runs a loop (synchronous modelkit called from async code), on a
    new loop in a helper thread, this one waiting for it.
    """
    if not is_awaitable(value):
        return value
    import asyncio

    async def wait() -> Any:
        return await value

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop in this thread: the common case
        return asyncio.run(wait())
    box: Dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(wait())
        except BaseException as exc:  # handed back below
            box["error"] = exc

    thread = threading.Thread(target=target, name="modelkit-await", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(WAKE_SECONDS)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _after_fork_in_child() -> None:
    global _executor, _executor_lock
    _executor = None
    _executor_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
