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
from ._client import BatchClient
from ._trust import check_base_url, path_id
from ._types import BatchHandle, BatchStatus

__all__ = ["HandleInput", "cancel", "collect", "handle_for", "status", "submit"]

HandleInput = Union[BatchHandle, str, Dict[str, Any]]


def handle_for(api: Any, handle: HandleInput, client: BatchClient) -> BatchHandle:
    """``handle`` as a ``BatchHandle``, checked against the model it is used with.

    Raises:
        ConfigError: the handle is another model's, was submitted to another
            API root (``_trust.check_base_url``), or holds a batch id that is
            not one (it would go into a URL path).
    """
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
    name = f"{handle.provider}/{handle.model}"
    check_base_url(handle.base_url or client.default_root or None, client.root(), name)
    for job in handle.jobs:
        if path_id(job.id, client.job_pattern) is None:
            raise ConfigError(
                f"this {name} batch handle holds a batch id that is not one "
                f"({str(job.id)[:80]!r}); the handle was edited or damaged: use the one "
                "batch_submit wrote"
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
    client = _run.client_for(api)
    return _run.status(client, handle_for(api, handle, client))


def collect(
    api: Any,
    handle: HandleInput,
    config: GenerateConfig,
    wait: bool,
    progress: Optional[Callable[[int, int], Any]],
    add_usage: Callable[[Optional[ModelUsage]], None],
) -> List[Any]:
    """A job's outputs in input order, waiting for them when ``wait`` (usage added)."""
    client = _run.client_for(api)
    job = handle_for(api, handle, client)
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
    client = _run.client_for(api)
    return _run.cancel(client, handle_for(api, handle, client))
