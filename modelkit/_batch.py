"""Batch generation: many inputs through a thread pool, outputs in input order.

``generate_many`` runs ``model.generate`` for each input on a pool of worker
threads (by default as many as the connection limit allows in flight), each
in a copy of the caller's ``contextvars`` context, so context-scoped
settings such as the cache epoch carry over. The connection limit still
bounds what is in flight, whatever the pool size. A failed item raises (the
first failure to happen; items not yet started are cancelled) or, with
``return_exceptions=True``, is returned as the exception in its slot.
``progress(done, total)`` is called on the caller's thread after each item.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional

from .errors import ConfigError

if TYPE_CHECKING:
    from .model import ConfigInput, Model, ModelInput, ToolsInput
    from .tools import ToolChoice

__all__ = ["ProgressCallback", "generate_many"]

ProgressCallback = Callable[[int, int], Any]
"""Called as ``progress(done, total)`` after each item finishes."""


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
    if not items:
        return results
    executor = ThreadPoolExecutor(min(max_workers, total), thread_name_prefix="modelkit-batch")
    futures: Dict[Future[Any], int] = {}
    try:
        for index, item in enumerate(items):
            context = contextvars.copy_context()
            future = executor.submit(
                context.run, model.generate, item, tools, tool_choice, config, cache
            )
            futures[future] = index
        for done, future in enumerate(as_completed(futures), start=1):
            error = future.exception()
            if error is not None and not return_exceptions:
                raise error
            results[futures[future]] = error if error is not None else future.result()
            if progress is not None:
                progress(done, total)
    finally:
        for future in futures:
            future.cancel()
        executor.shutdown(wait=False)
    return results
