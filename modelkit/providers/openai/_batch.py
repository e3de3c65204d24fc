"""OpenAI's Batch API, and Azure OpenAI's global batch, for ``openai`` and ``azure``.

A batch is a JSON Lines file uploaded to ``/files`` (``purpose=batch``),
one ``{custom_id, method, url, body}`` line per request, then
``POST /batches {input_file_id, endpoint, completion_window: "24h"}``.
Status comes from ``GET /batches/{id}``; when it has ended, the results
are lines of ``{custom_id, response: {status_code, body}, error}`` in the
output file and the error file (``GET /files/{id}/content``), in any
order. The bodies are the chat-completions or Responses bodies the model
uses for ``generate``, so both APIs batch; as in Inspect (whose OpenAI
provider keeps a Responses batcher beside the chat one), requests asking
for image output go to ``/v1/responses`` from a chat-completions model too,
and a Responses body in the results is read as one. One batch file holds
lines for one endpoint (the Batch API's rule), so a job cannot mix the two. Limits: 50,000 requests and
200 MB per file on OpenAI; 100,000 requests and 200 MB on Azure. Azure's
dated API puts ``api-version`` on every URL and the deployment name in each
line's ``model``; its v1 API (``/openai/v1/...``) takes lines whose ``url``
is ``/v1/chat/completions`` (or ``/v1/responses``) but a create body whose
``endpoint`` is ``/chat/completions``, as Microsoft's batch how-to shows
(MicrosoftDocs/azure-ai-docs ``articles/ai-foundry/openai/includes/batch/batch-rest.md``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, Sequence

from ..._prepare import GenerateRequest
from ...batch import BatchJob, JobStatus
from ...batch._client import BatchClient, BatchResult, SubmittedJob, compact_json
from ...errors import ConfigError
from ._request import config_params
from ._response import error_from_response, output_for_error
from ._responses_response import failed_response_error

__all__ = ["OpenAIBatchClient"]

STATES = {
    "validating": "validating",
    "in_progress": "in_progress",
    "finalizing": "finalizing",
    "completed": "completed",
    "failed": "failed",
    "expired": "expired",
    "cancelling": "cancelling",
    "cancelled": "cancelled",
}
"""OpenAI batch ``status`` -> modelkit's state (the same words)."""


class OpenAIBatchClient(BatchClient):
    """Batches for an ``OpenAIAPI`` or ``AzureOpenAIAPI``."""

    max_requests = 50_000
    max_bytes = 200 * 1024 * 1024

    def __init__(self, api: Any) -> None:
        super().__init__(api)
        self.azure = hasattr(api, "api_version")
        if self.azure:
            self.max_requests = 100_000
        # Lines' ``url``: Azure's dated API names the endpoint without /v1; OpenAI and
        # Azure v1 with it. The create body's ``endpoint``: /v1 on OpenAI only.
        self._prefix = "" if self.azure and not api._v1 else "/v1"
        self._set_endpoint(api)
        self._route_config: Any = None
        self._line_api = api
        self.encoded = False
        # A line needs only the body (request_body); a subclass that overrides
        # build_request alone is batched through its build_request.
        builder = next((c for c in type(api).__mro__ if "build_request" in vars(c)), None)
        own = builder is not None and "request_body" in vars(builder)
        self._body = api.request_body if own else None
        self._config: Any = None
        self._has_tools = False
        self._part: Any = None

    def _set_endpoint(self, api: Any) -> None:
        self.endpoint = f"{self._prefix}/{api.path()}"
        self.job_endpoint = f"/{api.path()}" if self.azure else self.endpoint

    def _route(self, request: GenerateRequest) -> None:
        """Which API builds the lines of ``request.config``: the model's, or its Responses twin.

        Worked out once per config of the job (see ``_config_part``).

        Raises:
            ConfigError: the job mixes requests for the two endpoints.
        """
        self._route_config = request.config
        api = self.api.per_call(request.config, request.input, request.tools)
        if api is not self._line_api:
            if self.encoded:
                raise ConfigError(
                    f"{self.api.provider}/{self.api.model_name}: a batch holds requests for "
                    "one endpoint; requests asking for image output go to the Responses API "
                    "and the others to chat completions: submit them as separate batches "
                    "(or pass responses_api=True to get_model)"
                )
            self._line_api = api
            self._set_endpoint(api)

    def _config_part(self, request: GenerateRequest) -> Any:
        """The body fields of the request's config, worked out once per config of the job.

        ``batch_submit`` gives every request of a job the same config object,
        which nothing changes while the job is encoded; another config (or
        tools where there were none) is worked out afresh.
        """
        config, has_tools = request.config, bool(request.tools)
        if self.api.responses_api:
            return None
        if config is not self._config or has_tools != self._has_tools:
            options = self.api.wire_options(config)
            self._config, self._has_tools = config, has_tools
            self._part = config_params(config, options, has_tools=has_tools)
        return self._part

    def _url(self, path: str) -> str:
        api = self.api
        if not self.azure:
            return f"{api.base_url}/{path}"
        if api._v1:
            return f"{api._root}/openai/v1/{path}"
        return f"{api._root}/openai/{path}?api-version={api.api_version}"

    def encode(self, custom_id: str, request: GenerateRequest) -> bytes:
        if request.config is not self._route_config:
            self._route(request)
        self.encoded = True
        if self._line_api is not self.api:  # image output, through the Responses API
            body = self._line_api.request_body(
                request.input, request.tools, request.tool_choice, request.config
            )
        elif self._body is not None:
            config = request.config
            part = (
                self._part
                if config is self._config and bool(request.tools) == self._has_tools
                else self._config_part(request)
            )
            body = self._body(request.input, request.tools, request.tool_choice, config, part)
        else:
            built = self.api.build_request(
                request.input, request.tools, request.tool_choice, request.config
            )
            body = built.body
        if "model" not in body:  # Azure deployment URLs name the model; batch lines must
            body = {"model": self.api.model_name, **body}
        line = {"custom_id": custom_id, "method": "POST", "url": self.endpoint, "body": body}
        return compact_json(line)

    def submit(self, items: Sequence[bytes]) -> SubmittedJob:
        file_id = self.upload_jsonl(self._url("files"), items)
        request = {
            "input_file_id": file_id,
            "endpoint": self.job_endpoint,
            "completion_window": "24h",
        }
        batch = self.post_json(self._url("batches"), request)
        return SubmittedJob(id=batch["id"], info={"input_file_id": file_id})

    def status(self, job: BatchJob) -> JobStatus:
        batch = self.send("GET", self._url(f"batches/{self.job_path(job.id)}"))
        counts = batch.get("request_counts") or {}
        errors = (batch.get("errors") or {}).get("data") or []
        error = "; ".join(str(e.get("message") or e.get("code")) for e in errors) or None
        results = {k: batch[k] for k in ("output_file_id", "error_file_id") if batch.get(k)}
        return JobStatus(
            id=job.id,
            state=STATES.get(batch.get("status") or "", "in_progress"),  # type: ignore[arg-type]
            total=int(counts.get("total") or 0),
            completed=int(counts.get("completed") or 0) + int(counts.get("failed") or 0),
            failed=int(counts.get("failed") or 0),
            error=error,
            results=results,
            provider_state=batch.get("status"),
        )

    def results(self, job: BatchJob, status: JobStatus) -> Iterator[BatchResult]:
        names = ("output_file_id", "error_file_id")
        files = [status.results[n] for n in names if status.results.get(n)]
        urls = [self._url(f"files/{self.file_path(file_id)}/content") for file_id in files]
        return self.file_results(urls, self._outcome)

    def cancel(self, job: BatchJob) -> None:
        self.post_json(self._url(f"batches/{self.job_path(job.id)}/cancel"), {})

    def _outcome(self, line: Dict[str, Any]) -> Any:
        return self.response_line(line, self._parse, self._error)

    def _parse(self, body: Dict[str, Any]) -> Any:
        if body.get("status") == "failed":  # a Responses body that failed
            return failed_response_error(
                body, provider=self.api.provider, model=self.api.model_name
            )
        api = self.api
        if body.get("object") == "response" and not api.responses_api:  # image output
            api = api.twin("_responses_twin", responses_api=True)
        return api.parse_body(body)

    def _error(self, status: int, body: Any) -> Any:
        api = self.api
        error = error_from_response(
            status, body, json.dumps(body), {}, provider=api.provider, model=api.model_name
        )
        answer = output_for_error(error, api.model_name)
        return answer if answer is not None else error
