"""Gemini batch mode for ``google``.

``POST /v1beta/models/{model}:batchGenerateContent`` with ``{batch:
{display_name, input_config}}``: up to 20 MB of requests go inline
(``input_config.requests.requests`` = ``[{request, metadata: {key}}]``);
larger batches are uploaded first as a JSON Lines file of ``{key, request}``
lines through the Files API's resumable upload (``POST
/upload/v1beta/files``, then the upload URL it returns) and named by
``input_config.file_name``. The answer is an operation named
``batches/{id}``; ``GET /v1beta/batches/{id}`` reports ``metadata.state``
(``BATCH_STATE_PENDING``, ``_RUNNING``, ``_SUCCEEDED``, ``_FAILED``,
``_CANCELLED``, ``_EXPIRED``) and, when done, the results: inline
(``response.inlinedResponses.inlinedResponses``: ``{response | error,
metadata: {key}}``) or a file (``response.responsesFile``, JSON Lines of
``{key, response | error}`` from ``/download/v1beta/{file}:download?alt=media``).
``POST /v1beta/batches/{id}:cancel`` cancels. modelkit caps a batch at
200 MB (the API takes 2 GB files) so one file's worth stays small in memory.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterator, List, Sequence

from ..._prepare import GenerateRequest
from ...batch import BatchJob, JobStatus
from ...batch._client import REQUEST_TIMEOUT, BatchClient, BatchResult, SubmittedJob, compact_json
from ...batch._trust import ID_PATTERN
from ...errors import ResponseFormatError
from .._common import versioned_url
from ._response import google_error, output_from

__all__ = ["GoogleBatchClient"]

INLINE_LIMIT = 20 * 1024 * 1024
"""The most bytes of requests Gemini takes inline in one batch."""

STATES = {
    "BATCH_STATE_PENDING": "validating",
    "BATCH_STATE_RUNNING": "in_progress",
    "BATCH_STATE_SUCCEEDED": "completed",
    "BATCH_STATE_FAILED": "failed",
    "BATCH_STATE_CANCELLED": "cancelled",
    "BATCH_STATE_EXPIRED": "expired",
}
"""Gemini ``metadata.state`` -> modelkit's state."""


class GoogleBatchClient(BatchClient):
    """Batch mode for a ``GoogleAPI``."""

    max_requests = 100_000
    max_bytes = 200 * 1024 * 1024
    default_root = "https://generativelanguage.googleapis.com"
    job_pattern = re.compile(rf"batches/{ID_PATTERN.pattern}")
    file_pattern = re.compile(rf"files/{ID_PATTERN.pattern}")

    def _url(self, path: str) -> str:
        return versioned_url(self.root(), self.api.api_version, path, any_version=True)

    def headers(self) -> Dict[str, str]:
        return {"x-goog-api-key": self.api.api_key or ""}

    def encode(self, custom_id: str, request: GenerateRequest) -> bytes:
        built = self.api.build_request(
            request.input, request.tools, request.tool_choice, request.config
        )
        return compact_json({"key": custom_id, "request": built.body})

    def submit(self, items: Sequence[bytes]) -> SubmittedJob:
        name = self.api.model_name
        name = name if "/" in name else f"models/{name}"
        info: Dict[str, str] = {}
        if sum(len(item) + 1 for item in items) <= INLINE_LIMIT:
            inline: List[Dict[str, Any]] = []
            for item in items:
                line = json.loads(item)
                inline.append({"request": line["request"], "metadata": {"key": line["key"]}})
            source: Dict[str, Any] = {"requests": {"requests": inline}}
        else:
            info["input_file"] = self._upload(items)
            source = {"file_name": info["input_file"]}
        body = {"batch": {"display_name": "modelkit-batch", "input_config": source}}
        operation = self.post_json(self._url(f"{name}:batchGenerateContent"), body)
        return SubmittedJob(id=operation["name"], info=info)

    def _upload(self, items: Sequence[bytes]) -> str:
        """Upload ``items`` as a JSON Lines file (resumable protocol); its ``files/...`` name."""
        data = b"\n".join(items) + b"\n"
        http = self.api.http
        start = {
            **self.headers(),
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(len(data)),
            "X-Goog-Upload-Header-Content-Type": "application/jsonl",
            "Content-Type": "application/json",
        }
        meta = json.dumps({"file": {"display_name": "modelkit-batch-input"}}).encode()
        url = f"{self.root().rstrip('/')}/upload/{self.api.api_version}/files"
        self.check_origin(url)
        response = http.request("POST", url, meta, start, timeout=REQUEST_TIMEOUT)
        if response.status >= 400:
            raise self.api.parse_error(response)
        upload_url = response.headers.get("x-goog-upload-url")
        if not upload_url:
            raise ResponseFormatError(
                "the Files API gave no x-goog-upload-url",
                provider=self.api.provider,
                model=self.api.model_name,
            )
        finish = {
            **self.headers(),
            "X-Goog-Upload-Command": "upload, finalize",
            "X-Goog-Upload-Offset": "0",
        }
        uploaded = self.send("POST", upload_url, data, finish)
        name: str = uploaded["file"]["name"]
        return name

    def status(self, job: BatchJob) -> JobStatus:
        batch = self.send("GET", self._url(self.job_path(job.id)))
        metadata = batch.get("metadata") or {}
        stats = {k: int(v or 0) for k, v in (metadata.get("batchStats") or {}).items()}
        state = metadata.get("state") or ""
        results = batch.get("response") or metadata.get("output") or {}
        error = batch.get("error") or {}
        return JobStatus(
            id=job.id,
            state=STATES.get(state, "in_progress"),  # type: ignore[arg-type]
            total=stats.get("requestCount", 0),
            completed=stats.get("successfulRequestCount", 0) + stats.get("failedRequestCount", 0),
            failed=stats.get("failedRequestCount", 0),
            error=error.get("message") if isinstance(error, dict) else None,
            results=results if isinstance(results, dict) else {},
            provider_state=state or None,
        )

    def results(self, job: BatchJob, status: JobStatus) -> Iterator[BatchResult]:
        inline = (status.results.get("inlinedResponses") or {}).get("inlinedResponses")
        if inline is not None:
            for entry in inline:
                yield (
                    str((entry.get("metadata") or {}).get("key")),
                    self.checked(self._outcome, entry),
                )
        file_name = status.results.get("responsesFile")
        if file_name:
            name = self.file_path(file_name)
            url = f"{self.root().rstrip('/')}/download/{self.api.api_version}/{name}:download?alt=media"
            yield from self.file_results([url], self._outcome, id_field="key")

    def cancel(self, job: BatchJob) -> None:
        self.post_json(self._url(f"{self.job_path(job.id)}:cancel"), {})

    def _outcome(self, entry: Dict[str, Any]) -> Any:
        api = self.api
        where = {"provider": api.provider, "model": api.model_name}
        if entry.get("response") is not None:
            try:
                return output_from(entry["response"], api.model_name)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
                return api.format_error(f"unexpected batch result ({type(exc).__name__}: {exc})")
        error = entry.get("error") or {}
        status = int(error.get("code") or 500) if isinstance(error, dict) else 500
        body = {"error": error}
        return google_error(status, body, json.dumps(body), {}, secrets=[api.api_key], **where)
