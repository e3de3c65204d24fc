"""Provider batch APIs: submit many requests at once, collect the answers later.

OpenAI, Azure OpenAI, Anthropic, Gemini and Mistral run large jobs
asynchronously, at about half the price. This package is the
provider-neutral part: the handle a submission returns (``_types``:
small, JSON-serialisable, enough for another process to collect), one
vocabulary of job states, the ``BatchClient`` each provider implements
beside its own module (``providers/<name>/_batch.py``), and the driver
(``_run``) that splits a job by the API's documented limits, skips cache
hits, polls with backoff within a deadline and maps results back to
inputs in order, storing them in the cache.

It may import the engine's HTTP client, the cache, the request type and
the shared value types; never a provider or ``Model`` (``model.py`` hands
it the API and its batch client).
"""

from __future__ import annotations

from ._client import BatchClient, SubmittedJob
from ._types import TERMINAL_STATES, BatchHandle, BatchJob, BatchState, BatchStatus, JobStatus

__all__ = [
    "TERMINAL_STATES",
    "BatchClient",
    "BatchHandle",
    "BatchJob",
    "BatchState",
    "BatchStatus",
    "JobStatus",
    "SubmittedJob",
]
