"""What ``Model``'s batch methods do, given the model's API and merged config.

``model.py`` keeps the methods and their documentation; here a handle given
as a ``BatchHandle``, its JSON text or its dict is read and checked against
the model, and ``submit`` / ``collect`` read ``BatchConfig`` (size, polling,
deadline) from the config before calling the driver (``_run``).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from .._prepare import GenerateRequest
from ..cache._policy import policy_for
from ..config import BatchConfig, GenerateConfig
from ..errors import ConfigError
from ..output import ModelOutput, ModelUsage
from . import _run
from ._types import BatchHandle, BatchStatus

__all__ = ["HandleInput", "cancel", "collect", "handle_for", "status", "submit"]

HandleInput = Union[BatchHandle, str, Dict[str, Any]]


def handle_for(api: Any, handle: HandleInput) -> BatchHandle:
    """``handle`` as a ``BatchHandle`` (``ConfigError`` when it is another model's)."""
    if isinstance(handle, str):
        handle = BatchHandle.from_json(handle)
    elif isinstance(handle, dict):
        handle = BatchHandle.from_dict(handle)
    if (handle.provider, handle.model) != (api.provider, api.model_name):
        model = f"{api.provider}/{api.model_name}" if api.provider else api.model_name
        raise ConfigError(
            f"this handle is for {handle.provider}/{handle.model}, not {model}; "
            f"collect it with get_model({handle.provider + '/' + handle.model!r})"
        )
    return handle


def submit(
    api: Any, requests: Iterable[GenerateRequest], config: GenerateConfig, cache: Any
) -> BatchHandle:
    """Send ``requests`` through ``api``'s batch API (split by ``BatchConfig.size``)."""
    size = config.batch.size if isinstance(config.batch, BatchConfig) else None
    client = _run.client_for(api)
    return _run.submit(api, client, requests, policy=policy_for(cache), size=size)


def status(api: Any, handle: HandleInput) -> BatchStatus:
    """Where a submitted job is (one request per batch)."""
    return _run.status(_run.client_for(api), handle_for(api, handle))


def collect(
    api: Any,
    handle: HandleInput,
    config: GenerateConfig,
    wait: bool,
    progress: Optional[Callable[[int, int], Any]],
    add_usage: Callable[[Optional[ModelUsage]], None],
) -> List[Any]:
    """A job's outputs in input order, waiting for them when ``wait`` (usage added)."""
    job = handle_for(api, handle)
    client = _run.client_for(api)
    if wait:
        batch = config.batch if isinstance(config.batch, BatchConfig) else None
        final = _run.wait(client, job, batch, deadline=config.timeout, progress=progress)
    else:
        final = _run.status(client, job)
    outputs = _run.collect(api, client, job, final)
    for output in outputs:
        if isinstance(output, ModelOutput):
            add_usage(output.usage)
    return outputs


def cancel(api: Any, handle: HandleInput) -> BatchStatus:
    """Cancel a job's unfinished batches; the status after asking."""
    return _run.cancel(_run.client_for(api), handle_for(api, handle))
