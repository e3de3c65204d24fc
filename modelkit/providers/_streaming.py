"""Streaming for JSON-over-HTTP providers: wire events in, deltas and a final output out.

A provider that streams gives ``RestAPI`` a ``StreamDecoder``: ``feed``
turns one wire event (an ``SSEEvent``, or an ``EventMessage`` for AWS
event-stream framing) into deltas while it rebuilds the body the API
would have answered without streaming; ``body()`` is that body, so the
final ``ModelOutput`` comes from the provider's own ``parse_response``,
the converter ``generate`` uses, and both paths give equal outputs.

``RestStream`` drives it over an ``HttpStream``: an event the decoder
cannot read, or one larger than the SSE parser's limit, becomes
``ResponseFormatError``; a body that ends before the API's end-of-stream
signal becomes ``APIConnectionError``; the API's own ``error`` events
become the ``APIError`` the decoder raises. No credential of the request
reaches an error: a decoder builds error events' errors from
``clean(data)``, and a malformed event's message, its chained exception
and the partial output are scrubbed (a server may echo the key anywhere).

Decoders are linear in the stream: text is kept as lists of pieces and
joined once, in ``body()``, never rebuilt with ``old + delta``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Set

import attrs

from .._engine.eventstream import EventStreamDecoder, EventStreamError
from .._engine.response import HttpResponse
from .._engine.sse import SSEError, SSEParser
from .._engine.stream_http import HttpStream, open_stream
from .._events import APIStream, ReasoningDelta, StreamDelta
from .._redact import Scrubber, redact_headers, shorten_media
from .._wellformed import PARSE_ERRORS
from ..config import GenerateConfig
from ..errors import APIConnectionError, APIError, ResponseFormatError, shorten
from ..output import ModelCall, ModelOutput

if TYPE_CHECKING:
    from typing import Protocol

    from .._engine.http import HttpClient

    class HttpRequest(Protocol):
        @property
        def url(self) -> str: ...

        @property
        def headers(self) -> Dict[str, str]: ...

        @property
        def body(self) -> Dict[str, Any]: ...

    class RestAPI(Protocol):
        """What ``RestStream`` uses of a ``_rest.RestAPI`` (named here to avoid a cycle)."""

        provider: str
        model_name: str

        @property
        def http(self) -> HttpClient: ...

        def parse_error(self, response: HttpResponse) -> APIError: ...

        def error_for(self, response: HttpResponse) -> APIError: ...

        def output_of(
            self, body: Any, response: HttpResponse, config: GenerateConfig
        ) -> ModelOutput: ...


__all__ = ["RestStream", "StreamDecoder", "Thoughts", "open_rest_stream"]

_MALFORMED = PARSE_ERRORS  # RecursionError and OverflowError too (issue 16, point 9)


class StreamDecoder:
    """One stream's wire events to deltas, and the non-streamed body they add up to.

    Attributes:
        framing: ``"sse"`` (server-sent events) or ``"eventstream"`` (AWS).
        done: the API's end-of-stream signal arrived.
    """

    framing = "sse"
    done = False
    scrubber: Scrubber = Scrubber(())  # RestStream gives the request's

    def clean(self, data: Any) -> Any:
        """``data`` (an error event's JSON) with the request's credentials replaced."""
        return self.scrubber.value(data)

    def feed(self, event: Any) -> List[StreamDelta]:
        """The deltas in one wire event (raises ``APIError`` for an error event)."""
        raise NotImplementedError

    def body(self) -> Any:
        """The response body the events add up to, as ``generate`` would have read it."""
        raise NotImplementedError


class Thoughts:
    """The reasoning events of one choice whose reasoning comes in several parts.

    ``assistant_message`` joins the non-empty reasoning parts with a blank
    line; ``deltas`` gives a part's next text, preceded by
    ``ReasoningDelta("\\n\\n")`` when it is the first text of a part after
    another part had some, so the events add up to ``message.reasoning``.
    """

    __slots__ = ("_filled",)

    def __init__(self) -> None:
        self._filled: Set[Any] = set()  # the parts with text so far

    def deltas(self, part: Any, text: str, choice: int = 0) -> List[StreamDelta]:
        """The events for ``text`` added to reasoning part ``part`` (a key)."""
        if not text:
            return []
        out: List[StreamDelta] = []
        if part not in self._filled:
            if self._filled:
                out.append(ReasoningDelta("\n\n", choice=choice))
            self._filled.add(part)
        out.append(ReasoningDelta(text, choice=choice))
        return out


def open_rest_stream(
    api: RestAPI,
    request: HttpRequest,
    data: bytes,
    headers: Dict[str, str],
    decoder: StreamDecoder,
    config: GenerateConfig,
    scrubber: Scrubber,
    scrub: Callable[[APIError], APIError],
) -> RestStream:
    """Send ``data`` (``request``'s body, ``headers`` signed) and return the stream.

    Args:
        api: the provider.
        request: the request (URL, body for the record).
        data: the body as sent.
        headers: the headers as sent.
        decoder: the provider's decoder for this stream.
        config: for ``timeout`` and ``stream_idle_timeout``.
        scrubber: replaces the request's credentials in what is recorded.
        scrub: does the same to an ``APIError``.

    Raises:
        APIError: the API answered with an error status (``call`` recorded),
            or the connection failed.
    """
    http = open_stream(
        api.http,
        request.url,
        data,
        headers,
        timeout=config.timeout,
        idle_timeout=config.stream_idle_timeout,
    )
    call = ModelCall(
        request=shorten_media(request.body),
        status=http.status,
        url=scrubber.text(request.url),
        headers=scrubber.headers(redact_headers(headers)),
    )
    if http.status >= 400:
        response = http.read_all().scrub(scrubber)
        try:
            body: Any = response.json()
        except ValueError:
            body = shorten(response.text, 2000)
        error = api.error_for(response)
        error.call = attrs.evolve(call, response=body, time=response.elapsed)
        raise error
    return RestStream(api, http, decoder, call, scrubber, scrub, config)


class RestStream(APIStream):
    """Deltas from one HTTP stream, read through the provider's decoder."""

    def __init__(
        self,
        api: RestAPI,
        http: HttpStream,
        decoder: StreamDecoder,
        call: ModelCall,
        scrubber: Scrubber,
        scrub: Callable[[APIError], APIError],
        config: GenerateConfig,
    ) -> None:
        self.api = api
        self.config = config
        self.http = http
        self.decoder = decoder
        decoder.scrubber = scrubber
        self.scrubber = scrubber
        self.scrub = scrub
        self.call: ModelCall = call

    def __iter__(self) -> Iterator[StreamDelta]:
        decoder = self.decoder
        parser: Any = EventStreamDecoder() if decoder.framing == "eventstream" else SSEParser()
        feed = decoder.feed
        failure: Optional[ResponseFormatError] = None
        try:
            for chunk in self.http.chunks():
                for event in parser.feed(chunk):
                    yield from feed(event)
            if isinstance(parser, SSEParser):
                for event in parser.flush():
                    yield from feed(event)
        except APIError as error:
            self._record()
            error.call = error.call or self.call
            raise self.scrub(error)  # noqa: B904 - the error itself, cleaned
        except EventStreamError as exc:
            failure = self._malformed(f"bad event-stream frame: {exc}", exc)
        except SSEError as exc:
            failure = self._malformed(f"{exc} (the limit of one event)", exc)
        except _MALFORMED as exc:
            failure = self._malformed(f"malformed stream event ({type(exc).__name__}: {exc})", exc)
        if failure is not None:
            raise failure  # outside the handler: no implicit link to an unscrubbed exception
        if not decoder.done or parser.pending:
            self._record()
            raise APIConnectionError(
                "the stream ended before the API's end-of-stream event",
                provider=self.api.provider,
                model=self.api.model_name,
                call=self.call,
            )
        self._record()

    def finish(self) -> ModelOutput:
        body = self.decoder.body()
        response = HttpResponse(self.http.status, self.http.headers, b"", self.http.elapsed)
        failure: Optional[ResponseFormatError] = None
        try:
            return self.api.output_of(body, response, self.config)
        except _MALFORMED as exc:
            detail = f"{type(exc).__name__}: {exc}"
            failure = self._malformed(f"unexpected streamed response ({detail})", exc)
        raise failure

    def partial(self) -> Optional[ModelOutput]:
        """What arrived before a failure, scrubbed (it goes into the error)."""
        try:
            output = self.finish()
        except APIError:
            return None
        if not self.scrubber:
            return output
        data = output.to_dict()
        clean = self.scrubber.value(data)
        return output if clean is data else ModelOutput.from_dict(clean)

    def close(self) -> None:
        self.http.close()

    def extend(self, timeout: Optional[float]) -> None:
        self.http.extend(timeout)

    def _record(self) -> None:
        try:
            body = self.decoder.body()
        except _MALFORMED:
            body = None
        self.call = attrs.evolve(
            self.call,
            response=self.scrubber.value(shorten_media(body)),
            time=self.http.elapsed_now(),
        )

    def _malformed(self, message: str, cause: BaseException) -> ResponseFormatError:
        """The error for an unreadable stream, scrubbed (``cause`` kept when it is clean)."""
        self._record()
        error = ResponseFormatError(
            self.scrubber.text(message),
            provider=self.api.provider,
            model=self.api.model_name,
            call=self.call,
        )
        error.__cause__ = cause
        self.scrub(error)
        return error
