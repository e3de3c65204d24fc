"""The shape every JSON-over-HTTP provider shares.

A provider subclasses ``RestAPI`` and supplies three pure steps:
``build_request`` (messages, tools, config -> URL, headers, JSON body),
``parse_response`` (JSON body -> ``ModelOutput``) and, where its error
bodies differ from the common ``{"error": {"message": ...}}``,
``parse_error``. ``generate`` posts through the shared ``HttpClient``,
records a ``ModelCall`` with secrets redacted and media shortened, and
returns ``(output or exception, call)`` for the engine to raise, retry or
keep. A provider with a token-counting endpoint adds ``count_request`` and
``parse_count``; ``count_tokens`` posts them the same way (``exchange``).

Secrets are kept out here, once for every provider: every credential the
request carried (``_redact.request_secrets``: secret headers, bearer
tokens, the base URL's userinfo, and ``secrets()``) is replaced in an error
response's body and headers before anything parses it, in the call record
of every response, and in the messages of errors raised on the way, so a
server echoing a key cannot put it into an exception, a log or a record.
"""

from __future__ import annotations

import abc
import copy
import functools
import os
import threading
import typing
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

from .._engine.failures import scrub_error
from .._engine.http import HttpClient
from .._engine.response import HttpResponse
from .._json import dumps_bytes
from .._json import loads as strict_loads
from .._record import Record
from .._redact import Scrubber, redact_headers, request_secrets, shorten_media
from .._wellformed import PARSE_ERRORS, check_output
from ..api import ModelAPI
from ..config import GenerateConfig
from ..errors import (
    QUOTA_CODES,
    QUOTA_HINT,
    APIError,
    AuthenticationError,
    BadRequestError,
    QuotaExceededError,
    RateLimitError,
    ResponseFormatError,
    error_codes,
    shorten,
)
from ..output import ModelCall, ModelOutput
from ._extras import with_extras  # config.extra_headers / extra_body

if TYPE_CHECKING:
    from .._events import APIStream
    from ..messages import ChatMessage
    from ..tools._choice import ToolChoice
    from ..tools._records import ToolInfo
    from ._streaming import StreamDecoder

T = TypeVar("T")
A = TypeVar("A", bound="RestAPI")

_twin_lock = threading.Lock()

__all__ = [
    "HttpRequest",
    "RestAPI",
    "error_from_status",
    "error_message",
    "json_or_none",
    "scrub_error",
]


class HttpRequest(Record):
    """A request ready to send: where, with which headers, and the JSON body.

    Its repr shows the headers redacted (no credential in a log or a traceback).
    """

    __slots__ = ("body", "headers", "url")

    url: str
    headers: Dict[str, str]
    body: Dict[str, Any]

    def __init__(
        self, url: str, headers: Dict[str, str], body: Optional[Dict[str, Any]] = None
    ) -> None:
        self.url = url
        self.headers = headers
        self.body = {} if body is None else body

    def __repr__(self) -> str:
        headers = repr(redact_headers(self.headers))
        return f"HttpRequest(url={self.url!r}, headers={headers}, body={self.body!r})"


class RestAPI(ModelAPI):
    """A provider speaking JSON over HTTP through the shared client."""

    _http: Optional[HttpClient] = None

    @property
    def http(self) -> HttpClient:
        """This provider's HTTP client, made on first use."""
        if self._http is None:
            if "MODELKIT_CASSETTE" in os.environ:  # a cassette for the whole process
                from ..testing._cassette import use_environment

                use_environment()
            self._http = HttpClient(self.provider, self.model_name)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def twin(self: A, name: str, **changes: Any) -> A:
        """A copy of this API with ``changes`` set, made once, kept as ``name``.

        The twin speaks another endpoint of the same provider (OpenAI's
        Responses API, Mistral's Conversations API) and shares this API's
        HTTP client (made now, so there is one) and settings.
        """
        twin: Optional[A] = self.__dict__.get(name)
        if twin is None:
            with _twin_lock:
                twin = self.__dict__.get(name)
                if twin is None:
                    self.http  # noqa: B018 - made now, so the twin shares the one client
                    twin = copy.copy(self)
                    for field, value in changes.items():
                        setattr(twin, field, value)
                    self.__dict__[name] = twin
        return twin

    @abc.abstractmethod
    def build_request(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> HttpRequest:
        """The request for this generation (pure: no I/O)."""

    @abc.abstractmethod
    def parse_response(self, body: Any, response: HttpResponse) -> ModelOutput:
        """Turn a successful response body into a ``ModelOutput`` (pure)."""

    def error_text(self, body: Any, text: str) -> str:
        """The API's own message from an error body (``body`` parsed, ``text`` raw)."""
        return error_message(body, text)

    def parse_error(self, response: HttpResponse) -> APIError:
        """Turn an error response into the right exception."""
        body = json_or_none(response)
        return error_from_status(
            response.status,
            self.error_text(body, response.text),
            provider=self.provider,
            model=self.model_name,
            body=body,
            headers=response.headers,
        )

    def error_for(self, response: HttpResponse) -> APIError:
        """``parse_error``, but an error body of an unexpected shape never escapes as a
        builtin error: it becomes the HTTP status's error with the body's text."""
        try:
            return self.parse_error(response)
        except PARSE_ERRORS:
            text = shorten(response.text.strip(), 300) or "(empty body)"
            return error_from_status(
                response.status,
                text,
                provider=self.provider,
                model=self.model_name,
                headers=response.headers,
            )

    def sign(self, request: HttpRequest, data: bytes) -> Dict[str, str]:
        """The headers to send with ``data``; signing APIs add theirs here."""
        return request.headers

    def secrets(self) -> List[Optional[str]]:
        """Credentials this API holds, beyond those its requests' headers carry."""
        return [self.api_key]

    def generate(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> Tuple[Union[ModelOutput, Exception], ModelCall]:
        request = self.build_request(input, tools, tool_choice, config)
        if config.extra_headers or config.extra_body:
            request = with_extras(request, config)
        return self.exchange(request, config, None)  # parsed by output_of

    def exchange(
        self,
        request: HttpRequest,
        config: GenerateConfig,
        parse: Optional[Callable[[Any, HttpResponse], T]],
    ) -> Tuple[Union[T, Exception], ModelCall]:
        """Post ``request`` and ``parse`` a successful JSON body; ``(result or error, call)``.

        Shared by generation and token counting: the same HTTP client,
        timeout, credential scrubbing, call record and error mapping.
        ``parse=None`` is generation's: ``output_of(body, response, config)``
        (without a ``functools.partial`` made and called per call).
        """
        data = dumps_bytes(request.body)
        cls = type(self)  # (the base's sign and secrets, without their calls)
        headers = request.headers if cls.sign is RestAPI.sign else self.sign(request, data)
        secrets = [self.api_key] if cls.secrets is RestAPI.secrets else self.secrets()
        # Errors (status >= 300) come back with every credential already scrubbed.
        http = self._http or self.http
        response = http.post(request.url, data, headers, config.timeout, secrets=secrets)
        try:  # json_or_none(response), without its two calls
            body = strict_loads(response.content)
        except ValueError:
            body = None
        call = ModelCall.deferred(
            functools.partial(_record, request, headers, secrets, response, body),
            time=response.elapsed,
            status=response.status,
        )
        if response.status >= 400:
            return self.error_for(response), call
        if body is None:
            text = _clean_text(request, headers, secrets, response)
            return self.format_error(f"response is not JSON: {shorten(text, 300)}"), call
        try:
            if parse is None:
                return typing.cast(T, self.output_of(body, response, config)), call
            return parse(body, response), call
        except PARSE_ERRORS as exc:
            scrubber = Scrubber(request_secrets(headers, request.url, secrets))
            detail = scrubber.text(f"{type(exc).__name__}: {exc}")
            text = _clean_text(request, headers, secrets, response)
            return (
                self.format_error(f"unexpected response ({detail}): {shorten(text, 300)}"),
                call,
            )

    def count_request(self, input: List[ChatMessage], config: GenerateConfig) -> HttpRequest:
        """The request to this API's token-counting endpoint (pure: no I/O).

        Providers whose ``native_token_count()`` is true override it.
        """
        raise NotImplementedError(f"{self.provider} has no token-counting endpoint")

    def parse_count(self, body: Any) -> int:
        """The input-token count in a counting endpoint's response body (pure)."""
        raise NotImplementedError(f"{self.provider} has no token-counting endpoint")

    def count_tokens(self, input: List[ChatMessage], config: GenerateConfig) -> Any:
        if not self.native_token_count():
            return super().count_tokens(input, config)
        request = self.count_request(input, config)
        return self.exchange(request, config, lambda body, response: self.parse_count(body))

    def finish_output(self, output: ModelOutput, config: GenerateConfig) -> ModelOutput:
        """The output of a parsed answer, after what ``config`` asks beyond parsing
        (structured output by a forced tool); both ``generate`` and streams call it."""
        return output

    def output_of(self, body: Any, response: HttpResponse, config: GenerateConfig) -> ModelOutput:
        """The checked output of a successful body, streamed or not.

        Raises:
            Exception: one of ``PARSE_ERRORS`` for a body of an unexpected shape.
        """
        output = self.parse_response(body, response)
        if type(self).finish_output is not RestAPI.finish_output:  # (the base's does nothing)
            output = self.finish_output(output, config)
        check_output(output)  # a returned output is always well-formed
        return output

    def stream_decoder(self, config: GenerateConfig) -> Optional[StreamDecoder]:
        """A fresh decoder of this API's stream, or ``None`` when it cannot stream."""
        return None

    def stream_request(self, request: HttpRequest, config: GenerateConfig) -> HttpRequest:
        """``request`` asking for a stream (by default: ``"stream": true`` in the body)."""
        return request.replace(body={**request.body, "stream": True})

    def stream(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> APIStream:
        decoder = self.stream_decoder(config)
        if decoder is None:
            return super().stream(input, tools, tool_choice, config)
        from ._streaming import open_rest_stream

        request = self.stream_request(self.build_request(input, tools, tool_choice, config), config)
        data = dumps_bytes(request.body)
        headers = self.sign(request, data)
        scrubber = Scrubber(request_secrets(headers, request.url, self.secrets()))

        def scrub(error: APIError) -> APIError:
            return scrub_error(error, scrubber)

        try:
            return open_rest_stream(self, request, data, headers, decoder, config, scrubber, scrub)
        except APIError as error:
            raise scrub(error)  # noqa: B904 - the error itself, cleaned, re-raised

    def format_error(self, message: str) -> ResponseFormatError:
        """A ``ResponseFormatError`` for this provider and model."""
        return ResponseFormatError(message, provider=self.provider, model=self.model_name)


def _record(
    request: HttpRequest,
    headers: Mapping[str, str],
    secrets: List[Optional[str]],
    response: HttpResponse,
    body: Any,
) -> Dict[str, Any]:
    """The fields of a deferred ``ModelCall``: bodies shortened, credentials scrubbed."""
    scrubber = Scrubber(request_secrets(headers, request.url, secrets))
    clean = response.scrub(scrubber)  # a success's record; its output is left as sent
    recorded = body if clean is response else json_or_none(clean)
    return {
        "request": shorten_media(request.body),
        "response": shorten_media(recorded) if recorded is not None else shorten(clean.text, 2000),
        "url": scrubber.text(request.url),
        "headers": scrubber.headers(redact_headers(headers)),
    }


def _clean_text(
    request: HttpRequest,
    headers: Mapping[str, str],
    secrets: List[Optional[str]],
    response: HttpResponse,
) -> str:
    """The response body as text, scrubbed of the request's credentials."""
    return response.scrub(Scrubber(request_secrets(headers, request.url, secrets))).text


def json_or_none(response: HttpResponse) -> Any:
    """The response body as JSON, or ``None`` when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def error_message(body: Any, text: str) -> str:
    """The API's own message from a common error body, else the raw text."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message") or error.get("msg") or error.get("detail")
            if message:
                kind = error.get("type") or error.get("code") or error.get("status")
                return f"{message} ({kind})" if kind and isinstance(kind, str) else str(message)
        elif isinstance(error, str):
            return error
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return shorten(text.strip(), 300) or "(empty body)"


def error_from_status(
    status: int,
    message: str,
    *,
    provider: str,
    model: str,
    body: Any = None,
    headers: Optional[Mapping[str, str]] = None,
) -> APIError:
    """The exception for an HTTP error status (429 rate limit, 401/403 auth, ...).

    402, or a body carrying an out-of-credit code (``errors.QUOTA_CODES``), is a
    ``QuotaExceededError`` whatever the status: waiting will not help.
    """
    kind: type = APIError
    if status == 402 or error_codes(body) & QUOTA_CODES:
        kind = QuotaExceededError
        message = f"{message} {QUOTA_HINT}"
    elif status == 429:
        kind = RateLimitError
    elif status in (401, 403):
        kind = AuthenticationError
    elif 400 <= status < 500 and status not in (408, 409):
        kind = BadRequestError
    error: APIError = kind(
        message,
        provider=provider,
        model=model,
        status=status,
        body=body,
        headers=dict(headers or {}),
    )
    return error
