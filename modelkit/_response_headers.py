"""Response headers of the model call in progress, and the request ids they carry.

``record_response_headers(headers)`` (Inspect's name) is for a provider that
makes its own HTTP calls: inside ``Model.generate`` it records the latest
response's headers, as modelkit's own HTTP client does for every built-in
provider. When the attempt ends, the engine reads the provider's request id
from them (``x-request-id``, ``request-id``, ``x-amzn-requestid``,
``mistral-correlation-id``, the headers Inspect reads) into
``ModelCall.request_ids`` as ``ModelRequestId`` values, and a failed
attempt's error without headers of its own gets them (so a recorded
``Retry-After`` sets the wait). Outside a call, recording does nothing.
Headers are kept only for the attempt, in a ``ContextVar`` (so per thread
and per task); nothing but the ids is stored.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional

from ._lazy import lazy_exports
from ._record import Record

if TYPE_CHECKING:
    from ._request_id import ModelRequestId

__all__ = [
    "REQUEST_ID_HEADERS",
    "ModelRequestId",
    "ResponseHeaders",
    "record_lowered_headers",
    "record_response_headers",
    "request_ids",
    "retry_headers",
    "track_response_headers",
]

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "mistral-correlation-id")
"""Response headers that carry a provider's request id (lower case), as Inspect reads them."""

_MAX_ID = 256  # a request id longer than this is not one; never store a server's essay


class ResponseHeaders(Record):
    """The latest response headers (lower-cased) seen during one attempt, and its status."""

    __slots__ = ("latest", "status")
    __hash__ = None  # type: ignore[assignment]  # changed as responses arrive

    latest: Optional[Dict[str, str]]
    status: Optional[int]

    def __init__(
        self, latest: Optional[Dict[str, str]] = None, status: Optional[int] = None
    ) -> None:
        self.latest = latest
        self.status = status


active: ContextVar[Optional[ResponseHeaders]] = ContextVar(
    "modelkit_response_headers", default=None
)
"""The attempt in progress's ``ResponseHeaders`` (the engine sets it for each attempt)."""


class track_response_headers:  # lower-case: called as a function, ``with track_response_headers()``
    """Within the block, :func:`record_response_headers` records into the value it gives.

    A plain context manager rather than a ``contextlib`` generator: every
    model call enters one.
    """

    __slots__ = ("_token", "tracked")

    def __init__(self) -> None:
        self.tracked = ResponseHeaders()
        self._token: Any = None

    def __enter__(self) -> ResponseHeaders:
        self._token = active.set(self.tracked)
        return self.tracked

    def __exit__(self, *exc: Any) -> None:
        active.reset(self._token)


def record_response_headers(headers: Mapping[str, str], status: Optional[int] = None) -> None:
    """Record the headers of an HTTP response to the model call in progress.

    For a provider that makes its own HTTP calls (modelkit's HTTP client
    records them for the built-in ones). Does nothing outside a call.

    Args:
        headers: the response's headers.
        status: the response's HTTP status, when known (a modelkit addition).
    """
    tracked = active.get()
    if tracked is not None:
        tracked.latest = {str(name).lower(): str(value) for name, value in headers.items()}
        tracked.status = status


def record_lowered_headers(headers: Dict[str, str], status: int) -> None:
    """``record_response_headers`` for headers already lower-cased ``str`` to ``str``
    (modelkit's HTTP client's): copied as they are, not rebuilt name by name."""
    tracked = active.get()
    if tracked is not None:
        tracked.latest = dict(headers)
        tracked.status = status


def request_ids(
    headers: Optional[Mapping[str, str]], status: int, secrets: Iterable[Optional[str]] = ()
) -> List[ModelRequestId]:
    """The request ids in lower-cased ``headers``, one per header that carries one.

    An id holding one of ``secrets`` (a server echoing a key) is left out.
    """
    if not headers:
        return []
    held = [secret for secret in secrets if secret]
    found = [
        name
        for name in REQUEST_ID_HEADERS
        if headers.get(name)
        and len(headers[name]) <= _MAX_ID
        and not any(secret in headers[name] for secret in held)
    ]
    if not found:
        return []
    from ._request_id import ModelRequestId  # (built by the first response carrying an id)

    return [ModelRequestId(id=headers[name], header=name, status=status) for name in found]


# Compiled (and cached by re) by the first error carrying retry headers, not at import.
_SECONDS = r"\d{1,10}(\.\d{1,6})?"
_HTTP_DATE = r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"


def retry_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    """The retry advice in ``headers`` (``retry-after``, ``retry-after-ms``,
    ``x-should-retry``), only in the forms those headers take, so that no other
    header value (nothing a server echoes) reaches an error."""
    out: Dict[str, str] = {}
    for name in ("retry-after", "retry-after-ms"):
        value = headers.get(name, "")
        if re.fullmatch(_SECONDS, value) or (
            name == "retry-after" and re.fullmatch(_HTTP_DATE, value)
        ):
            out[name] = value
    if headers.get("x-should-retry") in ("true", "false"):
        out["x-should-retry"] = headers["x-should-retry"]
    return out


__getattr__ = lazy_exports(__name__, {"ModelRequestId": "._request_id"})
