"""Batch generation: many inputs over shared worker threads, outputs in input order.

``generate_many`` runs ``model.generate`` for each input on the engine's
shared thread pool, keeping at most ``max_workers`` inputs running at once
(by default as many as the connection limit allows in flight): a sliding
window, refilled as each input finishes. Each runs in a copy of the caller's
``contextvars`` context, so context-scoped settings such as the cache epoch
carry over. The pool's threads outlive the batch, and so do their HTTP
sessions and open connections. A failed input raises (the first failure to
happen; inputs not yet started are never started) or, with
``return_exceptions=True``, is returned as the exception in its slot.
``progress(done, total)`` is called on the caller's thread after each input.
"""

from __future__ import annotations

import contextvars
import queue
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Tuple

from ._engine import shared_executor
from .errors import ConfigError

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .model import ConfigInput, Model, ModelInput, ToolsInput
    from .tools import ToolChoice

__all__ = ["ProgressCallback", "generate_many"]

ProgressCallback = Callable[[int, int], Any]
"""Called as ``progress(done, total)`` after each input finishes."""


def generate_many(
    model: Model,
    inputs: Iterable[ModelInput],
    tools: ToolsInput = (),
    tool_choice: Optional[ToolChoice] = None,
    config: ConfigInput = None,
    cache: Any = False,
    *,
    return_exceptions: bool = False,
    progress: Optional[ProgressCallback] = None,
    max_workers: Optional[int] = None,
) -> List[Any]:
    """Generate an output for each of ``inputs``, concurrently; see ``Model.generate_many``."""
    items = list(inputs)
    if max_workers is None:
        merged = model.config.merge(config)
        max_workers = merged.max_connections or model.api.max_connections()
    elif isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ConfigError(f"max_workers must be an integer >= 1, got {max_workers!r}")
    if progress is not None and not callable(progress):
        raise ConfigError(f"progress must be a callable (done, total), got {progress!r}")
    total = len(items)
    results: List[Any] = [None] * total
    executor = shared_executor() if items else None
    finished: queue.SimpleQueue[Tuple[int, Future[Any]]] = queue.SimpleQueue()
    running: Dict[int, Future[Any]] = {}
    upcoming = iter(range(total))

    def start_next() -> None:
        index = next(upcoming, None)
        if index is None or executor is None:
            return
        context = contextvars.copy_context()
        future = executor.submit(
            context.run, model.generate, items[index], tools, tool_choice, config, cache
        )
        running[index] = future
        future.add_done_callback(lambda done: finished.put((index, done)))

    try:
        for _ in range(min(max_workers, total)):
            start_next()
        for done in range(1, total + 1):
            index, future = finished.get()
            del running[index]
            error = future.exception()
            if error is not None and not return_exceptions:
                raise error
            results[index] = error if error is not None else future.result()
            start_next()
            if progress is not None:
                progress(done, total)
    finally:
        for future in running.values():
            future.cancel()
    return results
