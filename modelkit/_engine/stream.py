"""The engine for streams: a connection slot for the stream's life, retries before the first event.

``StreamRun`` takes a slot of the API's connection limit (and passes the
fleet gate, ``fleet``: a fleet-wide lease, request and token budgets), then opens the
provider's stream (``api.stream``) and waits for its first delta, retrying
the way ``run_request`` does (same policy, same deadline) while nothing
has been yielded. Once a delta has been handed to the caller, a failure is
final: it raises the ``APIError`` with ``output`` set to what arrived so
far. ``config.timeout`` bounds the whole stream, retries and waits
included; ``config.stream_idle_timeout`` bounds the silence between reads;
``config.attempt_timeout`` bounds each attempt until its first event
(sending, the response headers, the first delta: a slow start is cut and
retried), after which the stream has the rest of ``timeout``.

The slot is held until the stream ends, fails or is closed; ``close()``
(leaving the ``with`` block, breaking out of a ``for`` loop over the
``Model.stream`` object, or garbage collection) drops the connection and
frees the slot at once. The last event is ``StreamEnd`` with the complete
output, its ``time`` and ``call`` filled in.

Given ``on_attempt`` (``generate(..., on_stream=)``, where the stream is a
means and the output the result), a failure after deltas is retried too,
the whole attempt again, as ``run_request`` retries a buffered call:
``on_attempt(n)`` is called before each attempt so the caller can tell
its consumer that the deltas it had belong to a failed attempt.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Generator, Iterator, List, Optional

import attrs

from .._events import APIStream, ReplayStream, StreamDelta, StreamEnd, StreamEvent
from ..errors import APIError, APITimeoutError
from ..info._cost import price_output
from ..output import ModelOutput
from . import observe
from .fleet import Gate, gate_for
from .limits import ConnectionLimit, limit_for
from .retry import DEFAULT_MAX_RETRIES, Retrying
from .run import _log_call, retry_or_raise

if TYPE_CHECKING:
    from .._prepare import GenerateRequest
    from ..api import ModelAPI

__all__ = ["StreamRun"]

logger = logging.getLogger("modelkit")

_WHOLE_STREAM = "the stream did not finish within"  # HttpStream's deadline message


class StreamRun:
    """One streamed generation under the engine's limits; iterate it for events.

    Args:
        api: the provider's API.
        request: the normalised request.
        retrying: retry policy, sleep and clock (tests inject fakes).
        cache_write: the output will be stored in the response cache (for observers).
        on_attempt: called with the attempt's number (1, 2, ...) before
            each attempt; given, a failure after deltas is retried as well.
    """

    def __init__(
        self,
        api: ModelAPI,
        request: GenerateRequest,
        retrying: Optional[Retrying] = None,
        cache_write: bool = False,
        on_attempt: Optional[Callable[[int], None]] = None,
    ) -> None:
        self.api = api
        self.cache_write = cache_write
        self._observed: Optional[observe.Observed] = None
        self.request = request
        self.retrying = retrying or Retrying()
        self.on_attempt = on_attempt
        self.output: Optional[ModelOutput] = None
        self._stream: Optional[APIStream] = None
        self._limit: Optional[ConnectionLimit] = None
        self._gate: Optional[Gate] = None
        self._start = 0.0
        self._deadline: Optional[float] = None
        self._attempts = 0
        self._started = False
        self._closed = False

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._started:
            raise RuntimeError("a stream can be iterated only once")
        self._started = True
        return self._events()

    def _events(self) -> Iterator[StreamEvent]:
        try:
            if observe.observers:  # hooks, telemetry, usage limits (a limit may refuse here)
                self._observed = observe.start(self.api, self.request, "stream", self.cache_write)
            config = self.request.config
            size = config.max_connections or self.api.max_connections()
            key = self.api.connection_key()
            self._limit = limit_for(key, size)
            self._limit.acquire(size)
            self._gate = gate_for(key, size, config).__enter__()
            clock = self.retrying.clock
            self._start = clock()
            self._deadline = None if config.timeout is None else self._start + config.timeout
            self._attempts = 0
            while True:
                first = self._open()
                if first:
                    yield first[0]
                if (yield from self._rest()):
                    return
        except BaseException as error:
            if self._observed is not None and not isinstance(error, GeneratorExit):
                self._observed.fail(self.api, error)
                self._observed = None
            raise
        finally:
            if self._observed is not None and self.output is None:
                self._observed.fail(self.api, GeneratorExit())  # closed before its end
            self.close()

    @property
    def replayed(self) -> bool:
        """The provider did not stream: its whole answer is being played back."""
        return isinstance(self._stream, ReplayStream)

    def _open(self) -> List[StreamDelta]:
        """Open the stream and read its first delta, retrying until one arrives."""
        api, retrying = self.api, self.retrying
        config, clock = self.request.config, retrying.clock
        max_retries = DEFAULT_MAX_RETRIES if config.max_retries is None else config.max_retries
        start, deadline = self._start, self._deadline
        while True:
            self._attempts += 1
            attempts = self._attempts
            if self.on_attempt is not None:
                self.on_attempt(attempts)
            assert self._gate is not None  # each budget wait ends by the deadline
            left = None if deadline is None else deadline - clock()
            self._gate.before_request(left, config.timeout, (api.provider, api.model_name))
            remaining = None if deadline is None else deadline - clock()
            # attempt_timeout bounds this attempt until its first delta (the
            # request, the response headers and the first event); once one
            # arrived the rest of the stream gets the call's remaining time.
            first_wait = config.attempt_timeout
            if first_wait is not None and remaining is not None and remaining <= first_wait:
                first_wait = None  # the call's own deadline comes first
            limit = first_wait if first_wait is not None else remaining
            attempt_config = (
                config if limit is None else attrs.evolve(config, timeout=max(limit, 0.001))
            )
            stream: Optional[APIStream] = None
            if self._observed is not None:  # after every wait: a usage limit reached refuses
                self._observed.attempt(api, attempts)
            self._sent = clock()
            try:
                stream = api.stream(
                    self.request.input, self.request.tools, self.request.tool_choice, attempt_config
                )
                self._stream = stream
                self._iterator = iter(stream)
                first = next(self._iterator)
                if first_wait is not None:
                    stream.extend(None if deadline is None else deadline - clock())
                return [first]
            except StopIteration:
                return []
            except APIError as error:
                if stream is not None:
                    stream.close()
                if first_wait is not None and isinstance(error, APITimeoutError):
                    if error.message.startswith(_WHOLE_STREAM):
                        error.message = f"no first event within attempt_timeout={first_wait:g}s"
                call = error.call or (stream.call if stream is not None else None)
                retry_or_raise(
                    api,
                    error,
                    call,
                    attempts,
                    max_retries,
                    deadline,
                    start,
                    retrying,
                    self._observed,
                )

    def _rest(self) -> Generator[StreamEvent, None, bool]:
        """The rest of the stream; ``True`` once it ended, ``False`` to try again."""
        stream = self._stream
        assert stream is not None
        try:
            yield from self._iterator
            output = stream.finish()
        except APIError as error:
            error.attempts = self._attempts
            error.output = stream.partial()
            if error.call is None:
                error.call = stream.call
            if self.on_attempt is not None:  # the whole attempt again, if the policy says so
                stream.close()
                config = self.request.config
                retries = DEFAULT_MAX_RETRIES if config.max_retries is None else config.max_retries
                retry_or_raise(
                    self.api,
                    error,
                    error.call,
                    self._attempts,
                    retries,
                    self._deadline,
                    self._start,
                    self.retrying,
                    self._observed,
                )
                return False
            _log_call(
                self.api, stream.call, error, self.retrying.clock() - self._start, self._attempts
            )
            raise
        if self._gate is not None:
            self._gate.after_response(output)
        output.time = self.retrying.clock() - self._start
        if stream.call is not None:
            output.call = stream.call
        price_output(self.api, output)
        _log_call(self.api, stream.call, None, output.time, self._attempts)
        self.output = output
        if self._observed is not None:
            observed, self._observed = self._observed, None
            observed.finish(
                self.api, output, self.retrying.clock() - self._sent, self._attempts - 1
            )
        yield StreamEnd(output)
        return True

    def close(self) -> None:
        """Drop the connection and free the slot (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._stream is not None:
                self._stream.close()
        finally:
            try:
                if self._gate is not None:
                    self._gate.__exit__(None, None, None)
            finally:
                if self._limit is not None:
                    self._limit.release()
