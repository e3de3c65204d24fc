"""The shared worker pool behind ``generate_async`` and ``generate_many``.

``run_in_thread`` serves asyncio callers from one thread pool
(``shared_executor``, also used by ``generate_many``) sized well above any
connection limit, so ``generate_async`` calls gathered together are bounded
by the same limits as threads, not by asyncio's small default executor.
"""

from __future__ import annotations

import contextvars
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["ASYNC_WORKERS", "run_in_thread", "shared_executor"]

T = TypeVar("T")

ASYNC_WORKERS = 256
"""Threads serving ``generate_async`` and ``generate_many``; more than any
sensible connection limit, and started only as they are needed."""

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
