"""The engine: runs one normalised request within limits, with retries and a deadline.

``run_request`` takes a slot of the API's connection limit (``limits``)
and passes the fleet gate (``fleet``: a lease of a fleet-wide limit, and the
request and token budgets before and after each attempt), then calls the provider until it answers, an error is not worth retrying,
``max_retries`` is used up or ``config.timeout`` would pass (``retry``).
Each attempt gets the time that remains as its ``config.timeout``, and the
HTTP client cuts a request off when that runs out. On success the output
gets its ``time``, ``call`` record and cost (``usage.total_cost``, from
``info``: computed here, once per call); on failure the last real API error is raised, with ``attempts`` and
``call`` set. ``run_count`` runs a token count (``api.count_tokens``)
the same way: same limit, gate, retries, deadline and records. One DEBUG
line per call goes to the ``modelkit`` logger; request and response bodies
go to ``modelkit.http`` only when that logger itself is set to DEBUG.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

import attrs

from .. import _response_headers as seen_headers
from .._env import LIMITS_URL_VAR, env_value
from .._response_headers import ResponseHeaders, request_ids, retry_headers
from ..api import Compacted
from ..errors import APIError, APITimeoutError
from ..info._cost import price_output
from ..output import ModelCall, ModelOutput
from . import limits, observe
from .limits import limit_for
from .pool import is_awaitable, resolve
from .retry import DEFAULT_MAX_RETRIES, Retrying, as_quota_error, is_quota, retry_decision
from .tap import replaying_instantly

if TYPE_CHECKING:
    from .._prepare import GenerateRequest
    from ..api import ModelAPI
    from ..config import GenerateConfig
    from .adaptive import AdaptiveLimit
    from .fleet import Gate

Operation = Callable[["ModelAPI", "GenerateRequest", "GenerateConfig"], Any]
"""One attempt's call to the provider: ``api.generate`` or ``api.count_tokens``."""

__all__ = ["retry_or_raise", "run_compact", "run_count", "run_request"]

logger = logging.getLogger("modelkit")
http_logger = logging.getLogger("modelkit.http")

_DEFAULT_RETRYING = Retrying()


def run_request(
    api: ModelAPI,
    request: GenerateRequest,
    retrying: Optional[Retrying] = None,
    cache_write: bool = False,
) -> ModelOutput:
    """Generate ``request`` with ``api``, within its connection limit.

    Args:
        api: the provider's API.
        request: the normalised request.
        retrying: retry policy, sleep and clock (tests inject fakes).
        cache_write: the output will be stored in the response cache (for observers).

    Raises:
        APIError: the last attempt's error, when retrying cannot help or is
            used up, or the call's timeout ran out.
    """
    output: ModelOutput = _run(api, request, retrying, _generate, cache_write)
    return output


def run_count(api: ModelAPI, request: GenerateRequest, retrying: Optional[Retrying] = None) -> int:
    """Count ``request``'s input tokens with ``api``'s counting endpoint.

    The same run as ``run_request``: the connection limit, the fleet lease
    and request budget, retries, the deadline, the call record on errors.

    Raises:
        APIError: as ``run_request``.
    """
    count: int = _run(api, request, retrying, _count)
    return count


def run_compact(
    api: ModelAPI,
    request: GenerateRequest,
    instructions: Optional[str],
    retrying: Optional[Retrying] = None,
) -> Compacted:
    """Compact ``request``'s input with ``api``'s native compaction.

    The same run as ``run_request`` (limit, lease, budget, retries,
    deadline); ``NotImplementedError`` (no native compaction) goes straight
    through.

    Raises:
        APIError: as ``run_request``.
        NotImplementedError: the provider or model has no native compaction.
    """

    def compact(api: ModelAPI, request: GenerateRequest, config: GenerateConfig) -> Any:
        result = resolve(api.compact(request.input, request.tools, config, instructions))
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], ModelCall):
            return result  # (Compacted or APIError, call)
        if isinstance(result, Compacted):
            return result
        messages, usage = result  # Inspect's (messages, usage)
        return Compacted(list(messages), usage)

    compacted: Compacted = _run(api, request, retrying, compact)
    return compacted


def _generate(api: ModelAPI, request: GenerateRequest, config: GenerateConfig) -> Any:
    return api.generate(request.input, request.tools, request.tool_choice, config)


def _count(api: ModelAPI, request: GenerateRequest, config: GenerateConfig) -> Any:
    return api.count_tokens(request.input, config)


def _run(
    api: ModelAPI,
    request: GenerateRequest,
    retrying: Optional[Retrying],
    operation: Operation,
    cache_write: bool = False,
) -> Any:
    retrying = retrying or _DEFAULT_RETRYING
    observed = None
    if observe.observers:  # hooks, telemetry, usage limits (a limit may refuse here)
        kind = "count" if operation is _count else "generate"
        observed = observe.start(api, request, kind, cache_write)
    config = request.config
    size = config.max_connections or api.max_connections()
    key = api.connection_key()
    limit = limits.registry.get(key) or limit_for(key, size)
    adaptive = None
    if config.adaptive_connections is not None and config.adaptive_connections is not False:
        from .adaptive import adaptive_for, adaptive_settings  # (only when asked for)

        settings = adaptive_settings(config.adaptive_connections, size)
        if settings is not None:
            adaptive = adaptive_for(key, limit, settings)
            size = adaptive.size
    try:
        limit.acquire(size)
    except BaseException as error:
        if observed is not None:
            observed.fail(api, error)
        raise
    try:
        if (
            not env_value(LIMITS_URL_VAR)
            and not config.requests_per_minute
            and not config.tokens_per_minute
        ):  # no fleet limit, no budget: nothing to enter, wait for or charge (and
            # _engine.fleet, with the Redis and budget code, is never imported)
            return _attempts(api, request, retrying, None, adaptive, operation, observed)
        from .fleet import OPEN, gate_for

        gate = gate_for(key, size, config)
        if gate is OPEN:  # (a blank $MODELKIT_LIMITS_URL)
            return _attempts(api, request, retrying, None, adaptive, operation, observed)
        with gate:
            return _attempts(api, request, retrying, gate, adaptive, operation, observed)
    except BaseException as error:
        if observed is not None:
            observed.fail(api, error)
        raise
    finally:
        limit.release()


def _attempts(
    api: ModelAPI,
    request: GenerateRequest,
    retrying: Retrying,
    gate: Optional[Gate],
    adaptive: Optional[AdaptiveLimit] = None,
    operation: Optional[Operation] = None,
    observed: Optional[observe.Observed] = None,
) -> Any:
    operation = operation or _generate
    config, clock = request.config, retrying.clock
    start = clock()
    deadline = None if config.timeout is None else start + config.timeout
    attempts = 0
    while True:
        attempts += 1
        if gate is not None:  # every budget wait (each attempt's) ends by the deadline
            left = None if deadline is None else deadline - clock()
            gate.before_request(left, config.timeout, (api.provider, api.model_name))
        remaining = None if deadline is None else deadline - clock()
        if config.attempt_timeout is not None:  # each attempt gets at most this, within timeout
            limit = config.attempt_timeout
            remaining = limit if remaining is None else min(limit, remaining)
        # A wait never ends past the deadline, but a late wake-up may: give the
        # attempt a sliver rather than a config that fails validation.
        attempt_config = (
            config if remaining is None else attrs.evolve(config, timeout=max(remaining, 0.001))
        )
        sent = 0.0
        if observed is not None:  # after every wait: a usage limit reached by now refuses
            observed.attempt(api, attempts)
            sent = clock()
        output, call = _attempt(api, request, attempt_config, operation)
        if adaptive is not None:
            if not isinstance(output, APIError):
                adaptive.success()
            else:
                decision = retry_decision(api, output)
                if decision and decision.kind == "rate_limit":
                    adaptive.rate_limited()
        if call is not None and http_logger.level and http_logger.level <= logging.DEBUG:
            http_logger.debug("%s %s", api.provider, json.dumps(call.to_dict(), default=repr))
        if isinstance(output, ModelOutput):
            if gate is not None:
                gate.after_response(output)
            done = clock()
            elapsed = done - start
            output.time = elapsed
            output.call = call
            price_output(api, output)
            if logger.isEnabledFor(logging.DEBUG):
                _log_call(api, call, None, elapsed, attempts)
            if observed is not None:
                observed.finish(api, output, done - sent, attempts - 1)
            return output
        if not isinstance(output, APIError):  # a token count
            if logger.isEnabledFor(logging.DEBUG):
                _log_call(api, call, None, clock() - start, attempts)
            if observed is not None:
                observed.finish(api, output, clock() - sent, attempts - 1)
            return output
        max_retries = DEFAULT_MAX_RETRIES if config.max_retries is None else config.max_retries
        retry_or_raise(
            api, output, call, attempts, max_retries, deadline, start, retrying, observed
        )


def retry_or_raise(
    api: ModelAPI,
    error: APIError,
    call: Optional[ModelCall],
    attempts: int,
    max_retries: int,
    deadline: Optional[float],
    start: float,
    retrying: Retrying,
    observed: Optional[observe.Observed] = None,
) -> None:
    """Wait before the next attempt, or raise the final error (``attempts`` and ``call`` set).

    Args:
        api: the provider (for ``should_retry``, and the log line).
        error: what the last attempt failed with.
        call: the last attempt's call record, if any.
        attempts: attempts made so far.
        max_retries: the most retries allowed.
        deadline: the ``retrying.clock`` time the call must end by, if any.
        start: when the call started, on ``retrying.clock``.
        retrying: the policy, and the functions it sleeps and reads time with.
        observed: the call's observers, told of the retry (not of the final error:
            the caller's ``except`` does that).
    """
    clock = retrying.clock
    left = None if deadline is None else deadline - clock()
    decision = retrying.policy.decide(
        api, error, attempts - 1, max_retries, left, retrying.random, retrying.now
    )
    if decision.wait is None:
        timeout = None if deadline is None else deadline - start
        final = _final_error(error, attempts, call, timeout, left)
        _log_call(api, call, final, clock() - start, attempts, decision.reason)
        if final is error:
            raise error
        raise final from error
    logger.info(
        "modelkit: %s/%s: %s; retry %d of %d in %.2fs (%s)",
        api.provider,
        api.model_name,
        _summary(error),
        attempts,
        max_retries,
        decision.wait,
        decision.reason,
    )
    if observed is not None:
        observed.retry(api, error, attempts, decision.wait)
    if not replaying_instantly():  # a cassette's replay is instant, backoff included
        retrying.sleep(decision.wait)


def _attempt(
    api: ModelAPI, request: GenerateRequest, config: Any, operation: Operation
) -> Tuple[Any, Optional[ModelCall]]:
    """One call to the provider: its result or API error, and its call record
    (with the request ids of the last response the attempt saw).

    The response headers are tracked as ``track_response_headers`` does,
    without its context manager's calls.
    """
    seen = ResponseHeaders()
    token = seen_headers.active.set(seen)
    try:
        if operation is _generate:
            result = api.generate(request.input, request.tools, request.tool_choice, config)
        else:
            result = operation(api, request, config)
        if type(result) is not tuple and is_awaitable(result):
            result = resolve(result)
    except APIError as error:
        _note_response(api, error, error.call, seen.latest, seen.status)
        return error, error.call
    finally:
        seen_headers.active.reset(token)
    if isinstance(result, tuple):
        output, call = result
    else:
        output, call = result, None
    if isinstance(output, APIError):
        _note_response(api, output, call, seen.latest, seen.status)
        return output, call
    if isinstance(output, BaseException):
        raise output
    _note_response(api, None, call, seen.latest, seen.status)
    return output, call


def _note_response(
    api: ModelAPI,
    error: Optional[APIError],
    call: Optional[ModelCall],
    headers: Optional[Dict[str, str]],
    status: Optional[int],
) -> None:
    """Put the request ids of the attempt's last response on its call record; give
    an error without headers the recorded ones (a provider's own ``Retry-After``)."""
    if headers is None:
        return
    if error is not None and not error.headers:
        error.headers = retry_headers(headers)
    if call is not None and call.request_ids is None:
        status = status or (200 if error is None else (error.status or 0))
        secrets = api.secrets() if hasattr(api, "secrets") else [api.api_key]
        pending = call._pending
        if pending is not None:  # a deferred record: the ids are read when the rest is
            object.__setattr__(
                call, "_pending", functools.partial(_with_ids, pending, headers, status, secrets)
            )
            object.__delattr__(call, "request_ids")
        else:
            call.request_ids = request_ids(headers, status, secrets) or None


def _with_ids(
    pending: Callable[[], Dict[str, Any]],
    headers: Dict[str, str],
    status: int,
    secrets: List[Optional[str]],
) -> Dict[str, Any]:
    """A deferred record's fields (``pending()``) with the request ids of ``headers``."""
    fields = pending()
    fields["request_ids"] = request_ids(headers, status, secrets) or None
    return fields


def _final_error(
    error: APIError,
    attempts: int,
    call: Optional[ModelCall],
    timeout: Optional[float],
    left: Optional[float],
) -> APIError:
    """The error to raise: ``error`` itself, with ``attempts`` and ``call`` set."""
    if is_quota(error):
        error = as_quota_error(error)
    error.attempts = attempts
    if call is not None:
        error.call = call
    if (
        isinstance(error, APITimeoutError)
        and timeout is not None
        and left is not None
        and left <= 0
    ):
        if "timeout=" not in error.message:
            error.message = f"{error.message} (the call's timeout={timeout:g}s ran out)"
            error.args = (error.message,)
    return error


def _summary(error: BaseException) -> str:
    if isinstance(error, APIError):
        status = f"HTTP {error.status}" if error.status is not None else type(error).__name__
        return f"{status}: {error.message}"
    return f"{type(error).__name__}: {error}"


def _log_call(
    api: ModelAPI,
    call: Optional[ModelCall],
    error: Optional[BaseException],
    elapsed: float,
    attempts: int,
    reason: str = "",
) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    status = call.status if call is not None else getattr(error, "status", None)
    outcome = "ok" if error is None else f"{type(error).__name__} ({reason})"
    logger.debug(
        "modelkit: %s/%s: HTTP %s in %.3fs, %d attempt%s: %s",
        api.provider,
        api.model_name,
        status if status is not None else "-",
        elapsed,
        attempts,
        "" if attempts == 1 else "s",
        outcome,
    )
