"""Mistral's batch jobs for ``mistral``.

A JSON Lines file of ``{custom_id, body}`` lines (the chat-completions body
``generate`` would send, without ``model``) is uploaded to ``/v1/files``
(``purpose=batch``), then ``POST /v1/batch/jobs {input_files, model,
endpoint: "/v1/chat/completions"}``. ``GET /v1/batch/jobs/{id}`` reports
``status`` (``QUEUED``, ``RUNNING``, ``SUCCESS``, ``FAILED``,
``TIMEOUT_EXCEEDED``, ``CANCELLATION_REQUESTED``, ``CANCELLED``) and the
request counts; the ``output_file`` and ``error_file`` hold
``{custom_id, response: {status_code, body}, error}`` lines, read as
OpenAI's: client-python's batch example confirms ``response.body`` only, so
a line without ``status_code`` is read as answered. modelkit sends
at most 100,000 requests and 200 MB per file (Mistral documents a 1M
request ceiling per job).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, Sequence

from ..._prepare import GenerateRequest
from ...batch import BatchJob, JobStatus
from ...batch._client import BatchClient, BatchResult, SubmittedJob, compact_json
from .._common import versioned_url
from .._rest import error_from_status

__all__ = ["MistralBatchClient"]

STATES = {
    "QUEUED": "validating",
    "RUNNING": "in_progress",
    "SUCCESS": "completed",
    "FAILED": "failed",
    "TIMEOUT_EXCEEDED": "expired",
    "CANCELLATION_REQUESTED": "cancelling",
    "CANCELLED": "cancelled",
}
"""Mistral job ``status`` -> modelkit's state."""


class MistralBatchClient(BatchClient):
    """Batch jobs for a ``MistralAPI``."""

    max_requests = 100_000
    max_bytes = 200 * 1024 * 1024
    default_root = "https://api.mistral.ai"

    def _url(self, path: str) -> str:
        return versioned_url(self.root(), "v1", path)

    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.api.api_key or ''}", "accept": "application/json"}

    def encode(self, custom_id: str, request: GenerateRequest) -> bytes:
        built = self.api.build_request(
            request.input, request.tools, request.tool_choice, request.config
        )
        body = {k: v for k, v in built.body.items() if k != "model"}
        return compact_json({"custom_id": custom_id, "body": body})

    def submit(self, items: Sequence[bytes]) -> SubmittedJob:
        file_id = self.upload_jsonl(self._url("files"), items)
        request = {
            "input_files": [file_id],
            "model": self.api.model_name,
            "endpoint": "/v1/chat/completions",
        }
        job = self.post_json(self._url("batch/jobs"), request)
        return SubmittedJob(id=job["id"], info={"input_file_id": file_id})

    def status(self, job: BatchJob) -> JobStatus:
        data = self.send("GET", self._url(f"batch/jobs/{self.job_path(job.id)}"))
        errors = data.get("errors") or []
        error = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict)) or None
        return JobStatus(
            id=job.id,
            state=STATES.get(data.get("status") or "", "in_progress"),  # type: ignore[arg-type]
            total=int(data.get("total_requests") or 0),
            completed=int(data.get("completed_requests") or 0),
            failed=int(data.get("failed_requests") or 0),
            error=error,
            results={k: data[k] for k in ("output_file", "error_file") if data.get(k)},
            provider_state=data.get("status"),
        )

    def results(self, job: BatchJob, status: JobStatus) -> Iterator[BatchResult]:
        files = [status.results[n] for n in ("output_file", "error_file") if status.results.get(n)]
        urls = [self._url(f"files/{self.file_path(file_id)}/content") for file_id in files]
        return self.file_results(urls, self._outcome)

    def cancel(self, job: BatchJob) -> None:
        self.send("POST", self._url(f"batch/jobs/{self.job_path(job.id)}/cancel"), b"")

    def _outcome(self, line: Dict[str, Any]) -> Any:
        return self.response_line(line, self.api.parse_body, self._error)

    def _error(self, status: int, body: Any) -> Any:
        api = self.api
        message = api.error_text(body, json.dumps(body))
        return error_from_status(
            status, message, provider=api.provider, model=api.model_name, body=body
        )
