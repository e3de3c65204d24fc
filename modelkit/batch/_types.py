"""The batch handle, job states and status values.

A ``BatchHandle`` is everything a later process needs to check on and
collect a submitted job: provider, model and base URL (never a key), one
``BatchJob`` per provider batch (its id, provider-specific ids such as the
input file, and which inputs it carries as index runs), the inputs that
were cache hits, and each input's cache key when caching was on. The
request key sent with each input (``custom_id``, Gemini's ``key``) is the
input's index, so results map back to inputs in order without a lookup
table. ``to_json`` / ``from_json`` round-trip it exactly; with no cache
hits a 100,000-input job's handle is a few hundred bytes.

Job states, whatever the provider calls them: ``validating`` →
``in_progress`` → ``finalizing`` → ``completed``, or ``failed``,
``expired``, ``cancelling`` → ``cancelled``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Literal, Optional, Tuple

import attrs

from .._serde import Serializable, list_of
from ..errors import ConfigError

__all__ = ["TERMINAL_STATES", "BatchHandle", "BatchJob", "BatchState", "BatchStatus", "JobStatus"]

BatchState = Literal[
    "validating",
    "in_progress",
    "finalizing",
    "completed",
    "failed",
    "expired",
    "cancelling",
    "cancelled",
]
TERMINAL_STATES = frozenset({"completed", "failed", "expired", "cancelled"})
"""States a batch never leaves."""

HANDLE_VERSION = 1


def index_runs(indices: List[int]) -> List[List[int]]:
    """Sorted indices as ``[start, stop)`` runs: ``[0, 1, 2, 5]`` -> ``[[0, 3], [5, 6]]``."""
    runs: List[List[int]] = []
    for index in indices:
        if runs and runs[-1][1] == index:
            runs[-1][1] = index + 1
        else:
            runs.append([index, index + 1])
    return runs


@attrs.define
class BatchJob(Serializable):
    """One provider batch of a job.

    Args:
        id: the provider's batch id.
        runs: the inputs it carries, as ``[start, stop)`` index runs.
        info: provider-specific ids kept for later (e.g. ``input_file_id``).
    """

    id: str
    runs: List[List[int]] = attrs.field(factory=list)
    info: Dict[str, str] = attrs.field(factory=dict)

    def indices(self) -> Iterator[int]:
        """The indices of the inputs in this batch, in order."""
        for start, stop in self.runs:
            yield from range(start, stop)

    @property
    def size(self) -> int:
        """How many inputs this batch carries."""
        return sum(stop - start for start, stop in self.runs)


@attrs.define
class BatchHandle(Serializable):
    """A submitted job: store it anywhere (``to_json``) and collect it later.

    Args:
        provider: the provider's registry name.
        model: the model name, without the provider.
        size: how many inputs the job has.
        jobs: the provider batches, in submission order.
        base_url: the API root the batches were sent to.
        cached: indices of inputs answered from the cache (not sent).
        keys: each input's cache key (hex), when caching was on.
        cache_expiry: seconds results stay in the cache (``None``: forever).
        version: the handle format.
    """

    provider: str
    model: str
    size: int
    jobs: List[BatchJob] = attrs.field(factory=list)
    base_url: Optional[str] = None
    cached: List[int] = attrs.field(factory=list)
    keys: Optional[List[Optional[str]]] = None
    cache_expiry: Optional[int] = None
    version: int = HANDLE_VERSION

    _decoders = {"jobs": list_of(BatchJob.from_dict)}

    def to_json(self) -> str:
        """The handle as compact JSON text."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> BatchHandle:
        """Read a handle written by :meth:`to_json`.

        Raises:
            ConfigError: the text is not a batch handle.
        """
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"not a batch handle (invalid JSON: {exc})") from exc
        if not isinstance(data, dict) or "jobs" not in data or "provider" not in data:
            raise ConfigError("not a batch handle: expected the JSON that to_json() wrote")
        if data.get("version", HANDLE_VERSION) != HANDLE_VERSION:
            raise ConfigError(f"batch handle version {data.get('version')} is not supported")
        return cls.from_dict(data)


@attrs.define
class JobStatus(Serializable):
    """Where one provider batch is.

    Args:
        id: the provider's batch id.
        state: the state, in modelkit's vocabulary.
        total: requests in the batch.
        completed: requests that finished (successfully or not).
        failed: requests that failed.
        error: why the batch failed, when it did.
        results: what the client needs to fetch results (file ids, URLs).
        provider_state: the provider's own name for the state.
    """

    id: str
    state: BatchState
    total: int = 0
    completed: int = 0
    failed: int = 0
    error: Optional[str] = None
    results: Dict[str, Any] = attrs.field(factory=dict)
    provider_state: Optional[str] = None

    @property
    def done(self) -> bool:
        """Whether the batch has ended."""
        return self.state in TERMINAL_STATES


@attrs.define
class BatchStatus(Serializable):
    """Where a whole job is: the least advanced of its batches, and counts.

    Args:
        state: ``completed`` only when every batch completed; a job with
            a failed, expired or cancelled batch reports that once all
            have ended; otherwise the least advanced running state.
        total: inputs in the job (cache hits included).
        completed: inputs with an answer or a final error so far.
        failed: inputs that failed so far.
        cached: inputs answered from the cache.
        jobs: each batch's status.
    """

    state: BatchState
    total: int
    completed: int
    failed: int
    cached: int
    jobs: List[JobStatus] = attrs.field(factory=list)

    @property
    def done(self) -> bool:
        """Whether every batch has ended (``batch_collect`` will not wait)."""
        return self.state in TERMINAL_STATES

    @classmethod
    def combine(cls, handle: BatchHandle, jobs: List[JobStatus]) -> BatchStatus:
        """The job's status from its batches' statuses."""
        states = [job.state for job in jobs]
        running = [s for s in states if s not in TERMINAL_STATES]
        state: BatchState
        if running:
            order = ("validating", "in_progress", "cancelling", "finalizing")
            state = min(running, key=order.index)
        else:
            bad = [s for s in states if s != "completed"]
            state = bad[0] if bad else "completed"
        completed = sum(min(j.completed, sizes) for j, sizes in _sizes(handle, jobs))
        return cls(
            state=state,
            total=handle.size,
            completed=completed + len(handle.cached),
            failed=sum(job.failed for job in jobs),
            cached=len(handle.cached),
            jobs=jobs,
        )


def _sizes(handle: BatchHandle, jobs: List[JobStatus]) -> List[Tuple[JobStatus, int]]:
    return [(status, job.size) for status, job in zip(jobs, handle.jobs)]
