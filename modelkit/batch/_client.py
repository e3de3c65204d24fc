"""``BatchClient``: the five steps each provider's batch API implements.

A provider's client (``providers/<name>/_batch.py``) turns one request
into one item of its batch format (``encode``), sends a list of items as
one batch (``submit``), reads a batch's state (``status``), yields its
results as ``(custom_id, output or exception)`` in whatever order the API
returns them (``results``), and cancels it (``cancel``). ``max_requests``
and ``max_bytes`` are the API's documented limits per batch; the driver
splits jobs by them. The helpers below do the HTTP (through the provider's
shared ``HttpClient``, so its deadline and error mapping apply), JSON Lines
reading and ``multipart/form-data`` file uploads.
"""

from __future__ import annotations

import abc
import json
import logging
import os
from typing import (
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Pattern,
    Sequence,
    Tuple,
    Union,
)

import attrs

from .._json import loads as strict_json
from .._prepare import GenerateRequest
from .._wellformed import PARSE_ERRORS, check_output
from ..errors import APIError, ResponseFormatError
from ..output import ModelOutput
from ._trust import ID_PATTERN, path_id, same_origin, show_origin
from ._types import BatchJob, JobStatus

logger = logging.getLogger("modelkit")

__all__ = [
    "BatchClient",
    "BatchResult",
    "MultipartBody",
    "SubmittedJob",
    "compact_json",
    "jsonl",
    "multipart",
]

BatchResult = Tuple[str, Union[ModelOutput, Exception]]
"""One result: the request's ``custom_id`` and its output or error."""

Body = Union[bytes, "MultipartBody", None]
"""A request body: bytes, or a streamed upload."""

REQUEST_TIMEOUT = 300.0
"""Seconds one batch-API HTTP request (an upload, a status, a download) may take."""

MAX_FILE_BYTES = 4 * 1024**3
"""The largest body a batch request reads: result files outgrow the 64 MiB
cap on a model's answer (``$MODELKIT_MAX_RESPONSE_BYTES``)."""


@attrs.frozen
class SubmittedJob:
    """What ``submit`` returns: the batch id and ids to keep (e.g. the input file)."""

    id: str
    info: Dict[str, str] = attrs.field(factory=dict)


class BatchClient(abc.ABC):
    """One provider's batch API, for one model.

    Args:
        api: the provider's ``ModelAPI`` (its HTTP client, credentials,
            request builder and error mapping are used).

    Attributes:
        max_requests: the most requests one batch may hold.
        max_bytes: the most bytes of encoded items one batch may hold.
        default_root: the API root when the model sets no ``base_url``.
        job_pattern: what a batch id must look like to go into a URL path.
        file_pattern: what a file id (or name) must look like, likewise.
    """

    max_requests: int = 50_000
    max_bytes: int = 200 * 1024 * 1024
    default_root: str = ""
    job_pattern: Pattern[str] = ID_PATTERN
    file_pattern: Pattern[str] = ID_PATTERN

    def __init__(self, api: Any) -> None:
        self.api = api

    @abc.abstractmethod
    def encode(self, custom_id: str, request: GenerateRequest) -> bytes:
        """One request as one item of the batch input (JSON, no newline)."""

    @abc.abstractmethod
    def submit(self, items: Sequence[bytes]) -> SubmittedJob:
        """Send ``items`` as one batch."""

    @abc.abstractmethod
    def status(self, job: BatchJob) -> JobStatus:
        """Where ``job`` is."""

    @abc.abstractmethod
    def results(self, job: BatchJob, status: JobStatus) -> Iterator[BatchResult]:
        """The results of an ended batch, in the API's order."""

    @abc.abstractmethod
    def cancel(self, job: BatchJob) -> None:
        """Ask the API to cancel ``job`` (finished requests keep their results)."""

    # --- helpers for subclasses ----------------------------------------------

    def root(self) -> str:
        """The configured API root: the only origin that receives credentials."""
        root: str = self.api.base_url or self.default_root
        return root

    def job_path(self, job_id: str) -> str:
        """``job_id`` checked against ``job_pattern`` and quoted for a URL path."""
        return self._path_id(job_id, self.job_pattern, "batch id")

    def file_path(self, file_id: str) -> str:
        """``file_id`` checked against ``file_pattern`` and quoted for a URL path."""
        return self._path_id(file_id, self.file_pattern, "file id")

    def _path_id(self, value: str, pattern: Pattern[str], what: str) -> str:
        quoted = path_id(value, pattern)
        if quoted is None:
            raise ResponseFormatError(
                f"the batch API gave a {what} that is not one ({str(value)[:80]!r}); "
                "it was not put into a URL",
                provider=self.api.provider,
                model=self.api.model_name,
            )
        return quoted

    def send(
        self,
        method: str,
        url: str,
        data: Body = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Any:
        """``method url`` through the provider's HTTP client; the JSON answer.

        Raises:
            APIError: the API answered an error (mapped by the provider).
            ResponseFormatError: the answer is not JSON.
        """
        content = self.fetch(method, url, data, headers)
        try:
            return strict_json(content)
        except ValueError as exc:
            raise ResponseFormatError(
                f"batch API answered something that is not JSON: {content[:200]!r}",
                provider=self.api.provider,
                model=self.api.model_name,
            ) from exc

    def post_json(self, url: str, body: Any) -> Any:
        """``POST url`` with ``body`` as JSON; the JSON answer (as ``send``)."""
        return self.send(
            "POST", url, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )

    def fetch(
        self,
        method: str,
        url: str,
        data: Body = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> bytes:
        """The raw body of ``method url`` (raises the provider's error on 4xx/5xx).

        Raises:
            ResponseFormatError: ``url`` is not on the configured API's origin
                (nothing is sent: the credentials go to that origin only).
        """
        self.check_origin(url)
        all_headers = {**self.headers(), **(headers or {})}
        response = self.api.http.request(
            method, url, data, all_headers, timeout=REQUEST_TIMEOUT, max_bytes=MAX_FILE_BYTES
        )
        if response.status >= 400:
            raise self.api.parse_error(response)
        content: bytes = response.content
        return content

    def check_origin(self, url: str) -> None:
        """Refuse to send credentials to ``url`` unless it is on the configured API's origin."""
        if not same_origin(url, self.root()):
            raise ResponseFormatError(
                f"the batch API pointed to {show_origin(url)}, which is not the configured "
                f"API ({show_origin(self.root())}); modelkit sends credentials only to the "
                "configured API's origin, so nothing was sent. If that host is the API, "
                "configure it as the base URL",
                provider=self.api.provider,
                model=self.api.model_name,
            )

    def checked(self, outcome: Callable[..., Any], *args: Any) -> Any:
        """``outcome(*args)``; a malformed result is a ``ResponseFormatError`` for that input.

        Parsing a result can fail like parsing a response (``1e999`` as a
        status, a string as a token count); the output it makes must pass
        ``check_output``. Neither stops the other inputs' results.
        """
        try:
            result = outcome(*args)
            if isinstance(result, ModelOutput):
                check_output(result)
            return result
        except PARSE_ERRORS as exc:
            return ResponseFormatError(
                f"malformed batch result ({type(exc).__name__}: {exc})",
                provider=self.api.provider,
                model=self.api.model_name,
            )

    # --- the JSON Lines file APIs (OpenAI, Azure, Mistral) ----------------------

    def upload_jsonl(self, url: str, items: Sequence[bytes]) -> str:
        """Upload ``items`` to ``url`` as a ``purpose=batch`` JSON Lines file; its id."""
        data, content_type = multipart({"purpose": "batch"}, "batch.jsonl", items)
        uploaded = self.send("POST", url, data, {"Content-Type": content_type})
        file_id: str = uploaded["id"]
        return file_id

    def file_results(
        self,
        urls: Sequence[str],
        outcome: Callable[[Dict[str, Any]], Any],
        id_field: str = "custom_id",
    ) -> Iterator[BatchResult]:
        """Each ``{<id_field>, ...}`` line of the result files at ``urls``, through ``outcome``."""
        for url in urls:
            for line in jsonl(self.fetch("GET", url)):
                yield str(line.get(id_field)), self.checked(outcome, line)

    def response_line(
        self,
        line: Dict[str, Any],
        parse: Callable[[Dict[str, Any]], Any],
        error_for: Callable[[int, Any], Any],
    ) -> Any:
        """The outcome of a ``{custom_id, response: {status_code, body}, error}`` line.

        Args:
            line: the result line.
            parse: a 200 body to an output (or an error).
            error_for: an error status and body to the provider's exception.
        """
        response = line.get("response") or {}
        status = int(response.get("status_code") or 0)
        body = response.get("body")
        if status == 0 and isinstance(body, dict) and "error" not in body:
            status = 200  # no status_code: Mistral documents only ``response.body``
        if status == 200 and isinstance(body, dict):
            return parse(body)
        if status >= 400:
            return error_for(status, body)
        failure = line.get("error") or {}
        message = failure.get("message") if isinstance(failure, dict) else failure
        code = failure.get("code") if isinstance(failure, dict) else None
        text = str(message or "the batch returned no response for this request")
        return APIError(
            f"{text} ({code})" if code else text,
            provider=self.api.provider,
            model=self.api.model_name,
        )

    def headers(self) -> Dict[str, str]:
        """Credentials for every batch-API request (default: the provider's)."""
        headers: Dict[str, str] = self.api.auth_headers()
        return headers


_COMPACT = json.JSONEncoder(separators=(",", ":"))


def compact_json(item: Any) -> bytes:
    """``item`` as one batch line: ``json.dumps(item, separators=(",", ":"))``, UTF-8.

    One encoder serves every line: ``json.dumps`` with options builds a new
    ``JSONEncoder`` per call.
    """
    return _COMPACT.encode(item).encode("utf-8")


def jsonl(content: bytes) -> Iterator[Dict[str, Any]]:
    """The JSON objects of a JSON Lines body (blank lines skipped).

    A line that is not JSON, or is hostile (``_json``: nested too deeply,
    ``NaN``), is skipped with a warning: its input then ends without a
    result, an error for that input alone.
    """
    for number, line in enumerate(content.splitlines(), 1):
        if line.strip():
            try:
                value = strict_json(line)
            except ValueError as exc:
                logger.warning("batch result line %d skipped: %s", number, exc)
                continue
            if isinstance(value, dict):
                yield value


class MultipartBody:
    """A ``multipart/form-data`` upload streamed from the items, never copied whole.

    ``requests`` sends an object with ``__len__`` and ``__iter__`` with that
    ``Content-Length``, reading it in pieces of about 64 KiB, so uploading a
    batch file holds the items once, not twice.
    """

    CHUNK = 64 * 1024

    def __init__(self, head: bytes, items: Sequence[bytes], tail: bytes) -> None:
        self.head = head
        self.items = items
        self.tail = tail
        self.size = len(head) + sum(len(item) + 1 for item in items) + len(tail)

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[bytes]:
        buffer = bytearray(self.head)
        for item in self.items:
            buffer += item
            buffer += b"\n"
            if len(buffer) >= self.CHUNK:
                yield bytes(buffer)
                buffer.clear()
        buffer += self.tail
        yield bytes(buffer)


def multipart(
    fields: Mapping[str, str], filename: str, items: Sequence[bytes]
) -> Tuple[MultipartBody, str]:
    """A ``multipart/form-data`` body with ``fields`` and a JSON Lines file of ``items``.

    Returns:
        The body (streamed as it is sent) and its ``Content-Type`` header value.
    """
    boundary = f"modelkit-{os.urandom(12).hex()}"
    parts: List[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/jsonl\r\n\r\n".encode()
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    return MultipartBody(b"".join(parts), items, tail), f"multipart/form-data; boundary={boundary}"
