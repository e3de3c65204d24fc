"""The engine: runs one normalised request against the model's API.

``run_request`` calls the provider, raises what it reports, fills in the
output's ``time`` and adds its usage to the model's running total.
``run_in_thread`` lets asyncio callers run the synchronous path.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from .output import ModelOutput

if TYPE_CHECKING:
    from .model import GenerateRequest, Model

T = TypeVar("T")


def run_request(model: Model, request: GenerateRequest) -> ModelOutput:
    """Generate ``request`` with ``model``'s API and return the output."""
    start = time.monotonic()
    result = model.api.generate(request.input, request.tools, request.tool_choice, request.config)
    output = result[0] if isinstance(result, tuple) else result
    if isinstance(output, Exception):
        raise output
    output.time = time.monotonic() - start
    model.add_usage(output.usage)
    return output


async def run_in_thread(call: Callable[[], T]) -> T:
    """Run ``call`` in a worker thread and await its result."""
    import asyncio  # not at module level: it costs ~40 ms of cold start

    loop = asyncio.get_running_loop()
    result: Any = await loop.run_in_executor(None, call)
    return result  # type: ignore[no-any-return]
