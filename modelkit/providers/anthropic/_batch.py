"""Anthropic's Message Batches API for ``anthropic``.

``POST /v1/messages/batches {requests: [{custom_id, params}]}``, where
``params`` is the Messages request body ``generate`` would send; up to
100,000 requests or 256 MB per batch. ``GET /v1/messages/batches/{id}``
reports ``processing_status`` (``in_progress``, ``canceling``, ``ended``)
and ``request_counts``; once ended, ``results_url`` serves JSON Lines of
``{custom_id, result}`` with ``result.type`` ``succeeded`` (the message),
``errored`` (an error object), ``canceled`` or ``expired``, in any order.
A batch that ended with expired requests is ``expired``; one whose cancel
was asked for is ``cancelled``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, Sequence

from ..._prepare import GenerateRequest
from ...batch import BatchJob, JobStatus
from ...batch._client import BatchClient, BatchResult, SubmittedJob, compact_json, jsonl
from ...errors import APIError, APITimeoutError
from .._common import versioned_url
from ._response import parse_error_body, parse_message

__all__ = ["AnthropicBatchClient"]

ERROR_STATUS: Dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
"""An errored result's ``error.type`` -> the HTTP status it stands for."""


class AnthropicBatchClient(BatchClient):
    """Message Batches for an ``AnthropicAPI``."""

    max_requests = 100_000
    max_bytes = 256 * 1024 * 1024 - 64 * 1024  # room for the {"requests": [...]} envelope
    default_root = "https://api.anthropic.com"

    def _url(self, path: str = "") -> str:
        return versioned_url(self.root(), "v1", f"messages/batches{path}")

    def headers(self) -> Dict[str, str]:
        api = self.api
        headers = {"x-api-key": api.api_key or "", "anthropic-version": api.anthropic_version}
        if api.betas:
            headers["anthropic-beta"] = ",".join(api.betas)
        return headers

    def encode(self, custom_id: str, request: GenerateRequest) -> bytes:
        built = self.api.build_request(
            request.input, request.tools, request.tool_choice, request.config
        )
        item = {"custom_id": custom_id, "params": built.body}
        return compact_json(item)

    def submit(self, items: Sequence[bytes]) -> SubmittedJob:
        data = b'{"requests":[' + b",".join(items) + b"]}"
        batch = self.send("POST", self._url(), data, {"content-type": "application/json"})
        return SubmittedJob(id=batch["id"])

    def status(self, job: BatchJob) -> JobStatus:
        batch = self.send("GET", self._url(f"/{self.job_path(job.id)}"))
        counts = {k: int(v or 0) for k, v in (batch.get("request_counts") or {}).items()}
        ended = counts.get("succeeded", 0) + counts.get("errored", 0)
        ended += counts.get("canceled", 0) + counts.get("expired", 0)
        processing = batch.get("processing_status")
        if processing == "ended":
            if batch.get("cancel_initiated_at"):
                state = "cancelled"
            elif counts.get("expired"):
                state = "expired"
            else:
                state = "completed"
        else:
            state = "cancelling" if processing == "canceling" else "in_progress"
        return JobStatus(
            id=job.id,
            state=state,  # type: ignore[arg-type]
            total=ended + counts.get("processing", 0),
            completed=ended,
            failed=ended - counts.get("succeeded", 0),
            results={"results_url": batch["results_url"]} if batch.get("results_url") else {},
            provider_state=processing,
        )

    def results(self, job: BatchJob, status: JobStatus) -> Iterator[BatchResult]:
        url = status.results.get("results_url")
        if url:
            for line in jsonl(self.fetch("GET", url)):
                yield (
                    str(line.get("custom_id")),
                    self.checked(self._outcome, line.get("result") or {}),
                )

    def cancel(self, job: BatchJob) -> None:
        self.send(
            "POST",
            self._url(f"/{self.job_path(job.id)}/cancel"),
            b"",
            {"content-type": "application/json"},
        )

    def _outcome(self, result: Dict[str, Any]) -> Any:
        api = self.api
        where = {"provider": api.provider, "model": api.model_name}
        kind = result.get("type")
        if kind == "succeeded":
            return parse_message(result.get("message") or {}, api.model_name)
        if kind == "errored":
            body = result.get("error") or {}
            error_type = (body.get("error") or {}).get("type") or ""
            status = ERROR_STATUS.get(error_type, 500)
            return parse_error_body(status, body, json.dumps(body), {}, **where)
        if kind == "expired":
            return APITimeoutError("the batch expired before this request ran", **where)
        return APIError("the batch was cancelled before this request ran", **where)
