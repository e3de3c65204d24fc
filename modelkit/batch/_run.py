"""The driver: submit a job, wait for it, collect it in input order.

``submit`` reads the requests one at a time (an iterator is never turned
into a list), answers cache hits from the cache instead of sending them,
encodes the rest and sends a batch whenever the next item would pass the
API's request or byte limit, so at most one batch's items are held in
memory. If sending a later batch fails, the batches already sent are
cancelled before the error is raised. ``wait`` polls every unfinished
batch, starting at ``tick`` seconds and growing by half up to
``max_tick``, within the deadline; transient status failures (connection,
timeout, 429, 5xx) are retried up to ``max_consecutive_check_failures`` in
a row. ``collect`` maps each result to its input through the ``custom_id``
(the input's index) in one pass, so its time is linear in the job size;
an input without a result gets an error saying why (its batch expired,
was cancelled or failed). Results are stored in the cache under the keys
the handle carries.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from .._engine.tap import replaying_instantly
from .._prepare import GenerateRequest
from ..cache import _lookup
from ..cache._policy import CachePolicy
from ..config import BatchConfig
from ..errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BatchError,
    BatchNotDoneError,
    BatchTimeoutError,
    ConfigError,
    ModelkitError,
    RateLimitError,
    ResponseFormatError,
)
from ..info._cost import price_output
from ..output import ModelOutput
from ._client import BatchClient
from ._types import BatchHandle, BatchJob, BatchStatus, JobStatus, index_runs

__all__ = ["cancel", "client_for", "collect", "status", "submit", "wait"]

logger = logging.getLogger("modelkit")

DEFAULT_TICK = 15.0
DEFAULT_MAX_TICK = 300.0
DEFAULT_CHECK_FAILURES = 10
BATCH_PROVIDERS = "openai, azure, anthropic, google and mistral"

Progress = Optional[Callable[[int, int], Any]]
Outcome = Union[ModelOutput, Exception]


def client_for(api: Any) -> BatchClient:
    """The batch client of ``api``'s provider.

    Raises:
        ConfigError: the provider has no batch API in modelkit.
    """
    client = api.batch_client()
    if client is None:
        raise ConfigError(
            f"{api.provider} has no batch API in modelkit (batch works with {BATCH_PROVIDERS}); "
            "leave GenerateConfig.batch unset to run the inputs concurrently instead"
        )
    if not isinstance(client, BatchClient):
        raise ConfigError(
            f"{api.provider}: batch_client() must return a modelkit.batch.BatchClient, "
            f"got {type(client).__name__}"
        )
    return client


def submit(
    api: Any,
    client: BatchClient,
    requests: Iterable[GenerateRequest],
    *,
    policy: Optional[CachePolicy] = None,
    size: Optional[int] = None,
) -> BatchHandle:
    """Send ``requests`` as one or more provider batches; the handle to collect them.

    Raises:
        ConfigError: one request alone is larger than a batch may be.
        APIError: the API refused a batch (those already sent are cancelled).
    """
    handle = BatchHandle(
        provider=api.provider,
        model=api.model_name,
        size=0,
        base_url=client.root() or api.base_url,
        keys=[] if policy is not None else None,
        cache_expiry=policy.expiry_seconds if policy is not None else None,
    )
    most = min(size or client.max_requests, client.max_requests)
    items: List[bytes] = []
    indices: List[int] = []
    used = 0

    def flush() -> None:
        sent = client.submit(items)
        handle.jobs.append(BatchJob(id=sent.id, runs=index_runs(indices), info=dict(sent.info)))
        logger.debug(
            "%s/%s: batch %s sent (%d requests)", api.provider, api.model_name, sent.id, len(items)
        )
        items.clear()
        indices.clear()

    count = 0
    keys = handle.keys if policy is not None else None
    encode, max_bytes = client.encode, client.max_bytes
    try:
        for index, request in enumerate(requests):
            count = index + 1
            if keys is not None and policy is not None:
                key = _lookup.key_for(api, request, policy)
                keys.append(key)
                if key is not None and _lookup.fetch_key(api, key) is not None:
                    handle.cached.append(index)
                    continue
            item = encode(str(index), request)
            size_of = len(item) + 1
            if size_of > max_bytes:
                raise ConfigError(
                    f"input {index} is {len(item)} bytes as a batch request; a batch of "
                    f"{api.provider} takes at most {max_bytes} bytes"
                )
            if items and (len(items) >= most or used + size_of > max_bytes):
                flush()
                used = 0
            items.append(item)
            indices.append(index)
            used += size_of
        if items:
            flush()
    except BaseException:
        _cancel_quietly(client, handle.jobs)
        raise
    handle.size = count
    return handle


def status(client: BatchClient, handle: BatchHandle) -> BatchStatus:
    """Where the job is now (one status request per batch)."""
    return BatchStatus.combine(handle, [client.status(job) for job in handle.jobs])


def wait(
    client: BatchClient,
    handle: BatchHandle,
    config: Optional[BatchConfig] = None,
    *,
    deadline: Optional[float] = None,
    progress: Progress = None,
    sleep: Callable[[float], Any] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BatchStatus:
    """Poll until every batch has ended; their final status.

    Args:
        client: the provider's batch client.
        handle: the job.
        config: ``tick``, ``max_tick``, ``deadline`` and the check-failure limit.
        deadline: seconds to wait when ``config`` sets none (``timeout``).
        progress: called as ``progress(done, total)`` after each check.
        sleep: waits between checks (injectable for tests).
        clock: a monotonic clock (injectable for tests).

    Raises:
        BatchTimeoutError: the deadline passed first (``error.handle`` is the job).
        APIError: status checks failed too many times in a row, or for good.
    """
    config = config or BatchConfig()
    interval = config.tick or DEFAULT_TICK
    longest = max(config.max_tick or DEFAULT_MAX_TICK, interval)
    limit = config.deadline if config.deadline is not None else deadline
    allowed = config.max_consecutive_check_failures or DEFAULT_CHECK_FAILURES
    start = clock()
    known: Dict[int, JobStatus] = {}
    failures = 0
    while True:
        try:
            for number, job in enumerate(handle.jobs):
                if number not in known or not known[number].done:
                    known[number] = client.status(job)
            failures = 0
        except APIError as exc:
            failures += 1
            if not _transient(exc) or failures >= allowed:
                raise
            logger.debug("batch status check failed (%d in a row): %s", failures, exc)
        if len(known) == len(handle.jobs):
            current = BatchStatus.combine(handle, [known[n] for n in range(len(handle.jobs))])
            if progress is not None:
                progress(current.completed, current.total)
            if current.done:
                return current
        remaining = None if limit is None else limit - (clock() - start)
        if remaining is not None and remaining <= 0:
            raise BatchTimeoutError(
                f"{handle.provider}/{handle.model}: the batches had not ended after {limit:g} s; "
                "they keep running: collect them later with model.batch_collect(error.handle)",
                handle,
            )
        if not replaying_instantly():  # a cassette replays the recorded checks at once
            sleep(interval if remaining is None else min(interval, remaining))
        interval = min(interval * 1.5, longest)


def collect(
    api: Any, client: BatchClient, handle: BatchHandle, final: BatchStatus
) -> List[Outcome]:
    """Each input's output or error, in input order, from ended batches.

    Raises:
        BatchNotDoneError: a batch has not ended yet.
    """
    if not final.done:
        raise BatchNotDoneError(
            f"{handle.provider}/{handle.model}: the batches have not ended "
            f"(state {final.state}, {final.completed}/{final.total} done); "
            "check model.batch_status(handle), or collect with wait=True",
            handle,
        )
    outputs: List[Optional[Outcome]] = [None] * handle.size
    keys = handle.keys
    for job, job_status in zip(handle.jobs, final.jobs):
        for custom_id, result in client.results(job, job_status):
            index = _index(custom_id, handle.size)
            if index is None:
                logger.warning(
                    "batch %s: result for unknown custom_id %r ignored", job.id, custom_id
                )
                continue
            outputs[index] = result
            if isinstance(result, ModelOutput):
                price_output(api, result, batch=True)
            if keys is not None and isinstance(result, ModelOutput):
                key = keys[index] if index < len(keys) else None
                if key is not None:
                    _lookup.store_key(api, key, handle.cache_expiry, result)
        for index in job.indices():
            if outputs[index] is None:
                outputs[index] = _missing(api, job_status)
    for index in handle.cached:
        key = keys[index] if keys is not None else None
        hit = _lookup.fetch_key(api, key) if key is not None else None
        outputs[index] = hit or BatchError(
            f"input {index} was answered from the cache at submit, but the entry is gone "
            "(expired or cleared); submit it again",
            handle,
        )
    return [outcome for outcome in outputs if outcome is not None]


def cancel(client: BatchClient, handle: BatchHandle) -> BatchStatus:
    """Cancel every batch that has not ended; the status after asking."""
    for job in handle.jobs:
        if not client.status(job).done:
            client.cancel(job)
    return status(client, handle)


def _index(custom_id: str, size: int) -> Optional[int]:
    if not custom_id.isdigit():
        return None
    index = int(custom_id)
    return index if index < size else None


def _missing(api: Any, job: JobStatus) -> Exception:
    where = {"provider": api.provider, "model": api.model_name}
    if job.state == "expired":
        return APITimeoutError(
            f"batch {job.id} expired before this request ran; submit it again", **where
        )
    if job.state == "cancelled":
        return APIError(f"batch {job.id} was cancelled before this request ran", **where)
    if job.state == "failed":
        return APIError(f"batch {job.id} failed: {job.error or 'no reason given'}", **where)
    return ResponseFormatError(f"batch {job.id} ended without a result for this request", **where)


def _transient(error: APIError) -> bool:
    if isinstance(error, (APIConnectionError, APITimeoutError, RateLimitError)):
        return True
    return error.status is not None and error.status >= 500


def _cancel_quietly(client: BatchClient, jobs: List[BatchJob]) -> None:
    for job in jobs:
        try:
            client.cancel(job)
        except ModelkitError as exc:
            logger.warning("could not cancel batch %s after a failed submit: %s", job.id, exc)
