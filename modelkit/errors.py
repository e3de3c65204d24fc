"""The exceptions modelkit raises, in one hierarchy.

Every error a caller can see is a ``ModelkitError``; each also subclasses
the builtin it resembles, so ``except ValueError`` still works::

    ModelkitError
      ConfigError(ValueError)         bad config value, model spec, provider
        MissingAPIKeyError            names the variables it looked in
      APIError                        provider, model, status, API message
        RateLimitError                429 or the API's rate-limit signal
        QuotaExceededError            out of credit or a daily quota (not retried;
                                      ``is_quota`` / ``as_quota_error`` classify)
        APITimeoutError(TimeoutError) the request or the call's deadline ran out
        APIConnectionError(ConnectionError)
        BadRequestError(ValueError)   a 4xx other than 429: never retried
          AuthenticationError         401 / 403
        ResponseFormatError(ValueError) an answer modelkit cannot parse
      ModelRefusalError               the model refused and fail_on_refusal is set
      LimitExceededError              a token_limit or cost_limit was reached (``type``,
                                      ``value``, ``limit``, ``source``)
      CacheError(OSError)             the cache cannot recover by itself
      BatchError                      a provider batch cannot be collected (``handle``)
        BatchNotDoneError             collected before its batches ended
        BatchTimeoutError(TimeoutError) waiting for them passed the deadline
      CassetteMismatchError(LookupError) a replayed request has no recorded answer
      MCPServerError(RuntimeError)    an MCP server failed to start, died or broke the
                                      protocol (``server`` names it)
        MCPTimeoutError(TimeoutError) it did not answer within its ``timeout``

    ConfigWarning(UserWarning)        a config field the provider cannot honour

Messages never carry an API key: providers build them from the API's own
error text, and ``APIError`` shortens long bodies.
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "BatchNotDoneError",
    "BatchTimeoutError",
    "CacheError",
    "CassetteMismatchError",
    "ConfigError",
    "ConfigWarning",
    "LimitExceededError",
    "MCPServerError",
    "MCPTimeoutError",
    "MissingAPIKeyError",
    "ModelRefusalError",
    "ModelkitError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseFormatError",
]

_MAX_DETAIL = 500


def shorten(text: str, limit: int = _MAX_DETAIL) -> str:
    """Cut ``text`` to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


class ModelkitError(Exception):
    """Base class of every error modelkit raises."""


class ConfigError(ModelkitError, ValueError):
    """A configuration value, model spec or provider name is not valid."""


class MissingAPIKeyError(ConfigError):
    """No API key was given and none was found in the environment."""

    def __init__(self, provider: str, variables: list[str]) -> None:
        self.provider = provider
        self.variables = list(variables)
        names = " or ".join(f"${v}" for v in self.variables) or "an api_key"
        super().__init__(
            f"{provider}: no API key found. Set {names}, or pass api_key= to get_model()."
        )

    def __reduce__(self) -> Any:
        return (type(self), (self.provider, self.variables))


class APIError(ModelkitError):
    """The model API answered with an error, or could not be reached.

    Attributes:
        provider: the provider's registry name (``"openai"``).
        model: the model name.
        status: the HTTP status, or ``None`` when no response arrived.
        message: the API's own error message.
        body: the parsed error body, when there was one.
        headers: the response headers (lower-cased names), when any.
        attempts: how many requests were made before giving up.
        call: the ``ModelCall`` record of the last request, when one was made.
        output: for a stream that failed part-way, the ``ModelOutput`` of
            what arrived before the failure (else ``None``).
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        model: str = "",
        status: Optional[int] = None,
        body: Any = None,
        headers: Optional[dict[str, str]] = None,
        attempts: int = 1,
        call: Any = None,
        output: Any = None,
    ) -> None:
        self.message = shorten(message)
        self.provider = provider
        self.model = model
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.attempts = attempts
        self.call = call
        self.output = output
        super().__init__(self.message)

    def __str__(self) -> str:
        where = "/".join(p for p in (self.provider, self.model) if p)
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        tries = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
        prefix = f"{where}: " if where else ""
        return f"{prefix}{status}: {self.message}{tries}"

    def __reduce__(self) -> Any:
        kwargs = {
            "provider": self.provider,
            "model": self.model,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
            "attempts": self.attempts,
            "call": self.call,
            "output": self.output,
        }
        return (_rebuild_api_error, (type(self), self.message, kwargs))


def _rebuild_api_error(cls: Any, message: str, kwargs: dict[str, Any]) -> Any:
    return cls(message, **kwargs)


class RateLimitError(APIError):
    """HTTP 429, or the provider's own rate-limit signal. Retried."""


class QuotaExceededError(APIError):
    """Credit or a daily quota is exhausted. Waiting will not help: not retried."""


class APITimeoutError(APIError, TimeoutError):
    """The request, or the whole call's deadline, ran out of time."""


class APIConnectionError(APIError, ConnectionError):
    """The connection failed or broke before a full response arrived."""


class BadRequestError(APIError, ValueError):
    """The API rejected the request (a 4xx other than 429). Never retried."""


class AuthenticationError(BadRequestError):
    """The API rejected the credentials (HTTP 401 or 403)."""


class ResponseFormatError(APIError, ValueError):
    """The API answered something modelkit cannot parse.

    Attributes:
        text: for a structured answer that is not valid JSON or does not
            match its schema, the answer's raw text (else ``None``).
    """

    def __init__(self, message: str, *, text: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.text = text

    def __reduce__(self) -> Any:
        rebuild, (cls, message, kwargs) = super().__reduce__()
        return (rebuild, (cls, message, {**kwargs, "text": self.text}))


class ModelRefusalError(ModelkitError):
    """The model refused (stop reason ``content_filter``) and ``fail_on_refusal`` is set.

    Args:
        output: the refused ``ModelOutput``.
        model: the model that refused (``provider/model``).
        role: the model's role, if it was resolved through one.
    """

    def __init__(self, output: Any, model: str, role: Optional[str] = None) -> None:
        self.output = output
        self.model = model
        self.role = role
        text = shorten(str(getattr(output, "completion", "") or ""), 200)
        where = f"{model} (role {role})" if role else model
        super().__init__(f"Model refusal: {where}: {text}")

    def __reduce__(self) -> Any:
        return (type(self), (self.output, self.model, self.role))


class LimitExceededError(ModelkitError):
    """A usage limit (``token_limit``, ``cost_limit``) was reached; Inspect's error.

    Raised before a request that could only exceed a reached limit is sent
    (``value >= limit``), and after a response whose usage crossed one.

    Args:
        type: the kind of limit (``"token"`` or ``"cost"``; Inspect's other kinds
            are accepted for code that raises its own).
        value: the usage compared with the limit (tokens, or dollars).
        limit: the limit.
        message: what to say (default ``"Exceeded {type} limit: {limit:,}"``).
        source: the ``Limit`` that raised it (``None`` after pickling).
    """

    def __init__(
        self,
        type: str,
        *,
        value: float,
        limit: float,
        message: Optional[str] = None,
        source: Any = None,
    ) -> None:
        self.type = type
        self.value = value
        self.value_str = _number(value)
        self.limit = limit
        self.limit_str = _number(limit)
        self.message = message or f"Exceeded {type} limit: {limit:,}"
        self.source = source
        super().__init__(self.message)

    def __reduce__(self) -> Any:
        return (_limit_error, (self.type, self.value, self.limit, self.message))


def _limit_error(type: str, value: float, limit: float, message: str) -> LimitExceededError:
    return LimitExceededError(type, value=value, limit=limit, message=message)


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


class ConfigWarning(UserWarning):
    """A ``GenerateConfig`` field the provider cannot honour is ignored (said once
    per provider and field)."""


class CacheError(ModelkitError, OSError):
    """The response cache failed in a way it cannot recover from."""


class BatchError(ModelkitError):
    """A provider batch job cannot be collected; ``handle`` is the job's handle.

    The batches keep running on the provider's side: collect them later
    with ``model.batch_collect(error.handle)``.
    """

    def __init__(self, message: str, handle: Any = None) -> None:
        super().__init__(message)
        self.handle = handle

    def __reduce__(self) -> Any:
        return (type(self), (str(self), self.handle))


class BatchNotDoneError(BatchError):
    """The batches have not ended yet (``batch_collect(handle, wait=False)``)."""


class BatchTimeoutError(BatchError, TimeoutError):
    """The batches did not end before the deadline (``BatchConfig.deadline`` or ``timeout``)."""


class CassetteMismatchError(ModelkitError, LookupError):
    """A request made while replaying a cassette has no recorded answer.

    The message names the cassette and shows the closest recorded request
    and a diff against it (``modelkit.testing``).

    Attributes:
        cassette: the cassette file's path.
    """

    def __init__(self, message: str, cassette: str = "") -> None:
        super().__init__(message)
        self.cassette = cassette

    def __reduce__(self) -> Any:
        return (type(self), (str(self), self.cassette))


class MCPServerError(ModelkitError, RuntimeError):
    """An MCP server could not be started or reached, died, or broke the protocol.

    A tool error the server reports (``isError``, a JSON-RPC error to a
    call) is not one: that goes back to the model. ``server`` is the
    server's name; the message never holds its credentials.
    """

    def __init__(self, message: str, server: str = "") -> None:
        super().__init__(message)
        self.server = server

    def __reduce__(self) -> Any:
        return (type(self), (str(self), self.server))


class MCPTimeoutError(MCPServerError, TimeoutError):
    """An MCP server did not answer a request within its ``timeout``."""


QUOTA_CODES = frozenset({"insufficient_quota", "enforced_spend_limit_reached", "billing_error"})
"""Error codes meaning "out of credit or quota" (OpenAI, Anthropic): waiting will not help."""

QUOTA_HINT = (
    "[out of credit or quota: retrying will not help; check the account's plan and billing]"
)


def error_codes(body: Any) -> set[str]:
    """The ``type`` / ``code`` / ``status`` / ``details.error_code`` strings of an error body."""
    codes = set()
    error = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(error, dict):
        for key in ("type", "code", "status"):
            if isinstance(error.get(key), str):
                codes.add(error[key])
        details = error.get("details")
        if isinstance(details, dict) and isinstance(details.get("error_code"), str):
            codes.add(details["error_code"])
    return codes


def is_quota(error: BaseException) -> bool:
    """Whether ``error`` says the account is out of credit or quota."""
    if isinstance(error, QuotaExceededError):
        return True
    return isinstance(error, APIError) and bool(error_codes(error.body) & QUOTA_CODES)


def as_quota_error(error: APIError) -> QuotaExceededError:
    """``error`` as a ``QuotaExceededError``, its message saying waiting will not help."""
    if isinstance(error, QuotaExceededError):
        return error
    return QuotaExceededError(
        f"{error.message} {QUOTA_HINT}",
        provider=error.provider,
        model=error.model,
        status=error.status,
        body=error.body,
        headers=error.headers,
        attempts=error.attempts,
        call=error.call,
    )
