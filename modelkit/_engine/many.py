"""Batch generation: many inputs over shared worker threads, outputs in input order.

``generate_many`` runs a ``generate`` callable (``Model.generate`` with the
call's tools, config and cache bound) for each input on the engine's
shared thread pool: ``max_workers`` runners (by default as many as the
connection limit allows in flight) each take the next input as soon as they
finish one, so no hand-off through the caller's thread sits between one
request and the next. Each input runs in a copy of the caller's
``contextvars`` context, so context-scoped settings such as the cache epoch
carry over. The pool's threads outlive the batch, and so do their HTTP
sessions and open connections. A failed input raises (the first failure to
happen; inputs not yet started are never started) or, with
``return_exceptions=True``, is returned as the exception in its slot.
``progress(done, total)`` is called on the caller's thread after each input.

The caller's thread waits for answers in slices of ``WAKE_SECONDS`` (see
``pool``), so Ctrl-C stops a batch whose requests are all held.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from typing import Any, Callable, Iterable, List, Optional, Tuple

from ..errors import ConfigError
from .pool import WAKE_SECONDS, shared_executor

__all__ = ["ProgressCallback", "generate_many", "next_finished"]

ProgressCallback = Callable[[int, int], Any]
"""Called as ``progress(done, total)`` after each input finishes."""


def generate_many(
    generate: Callable[[Any], Any],
    inputs: Iterable[Any],
    *,
    max_workers: int,
    return_exceptions: bool = False,
    progress: Optional[ProgressCallback] = None,
) -> List[Any]:
    """``generate(input)`` for each of ``inputs``, concurrently; see ``Model.generate_many``."""
    items = list(inputs)
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ConfigError(f"max_workers must be an integer >= 1, got {max_workers!r}")
    if progress is not None and not callable(progress):
        raise ConfigError(f"progress must be a callable (done, total), got {progress!r}")
    total = len(items)
    results: List[Any] = [None] * total
    if not items:
        return results
    context = contextvars.copy_context()
    finished: queue.SimpleQueue[Tuple[int, Any, bool]] = queue.SimpleQueue()
    upcoming = iter(range(total))
    lock = threading.Lock()
    stop = threading.Event()

    def runner() -> None:
        while not stop.is_set():
            with lock:
                index = next(upcoming, None)
            if index is None:
                return
            try:
                output = context.copy().run(generate, items[index])
            except BaseException as error:  # handed to the caller's thread, which decides
                finished.put((index, error, True))
            else:
                finished.put((index, output, False))

    executor = shared_executor()
    try:
        for _ in range(min(max_workers, total)):
            executor.submit(runner)
        for done in range(1, total + 1):
            index, value, failed = next_finished(finished)
            if failed and not return_exceptions:
                raise value
            results[index] = value
            if progress is not None:
                progress(done, total)
    finally:
        stop.set()
    return results


def next_finished(finished: queue.SimpleQueue[Tuple[int, Any, bool]]) -> Tuple[int, Any, bool]:
    """The next ``(index, value, failed)``, waking every ``WAKE_SECONDS`` for signals."""
    while True:
        try:
            return finished.get(timeout=WAKE_SECONDS)
        except queue.Empty:  # a pending KeyboardInterrupt raises on the way round
            continue
