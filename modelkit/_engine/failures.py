"""Low-level HTTP failures as modelkit errors, and credentials kept out of them.

``map_failure`` turns what ``requests``, urllib3, ``http.client``, ``zlib``
or the socket raised into ``APITimeoutError`` or ``APIConnectionError`` (the
one place this mapping lives); ``drop_request`` unlinks the request, and
its credential headers, from the original so that it never travels with the
error; ``scrub_error`` replaces a request's credentials in an ``APIError``.
"""

from __future__ import annotations

import socket
from typing import Optional

from .._redact import Scrubber
from ..errors import APIConnectionError, APIError, APITimeoutError

__all__ = ["describe", "drop_request", "is_connection", "map_failure", "scrub_error"]


def scrub_error(error: APIError, scrubber: Scrubber) -> APIError:
    """``error`` with the request's credentials replaced in its message, body and headers.

    A chained low-level exception whose text holds one (``requests`` and
    urllib3 put URLs, userinfo included, into some) is dropped from the chain.
    """
    if scrubber:
        error.message = scrubber.text(error.message)
        error.args = tuple(scrubber.text(a) if isinstance(a, str) else a for a in error.args)
        error.body = scrubber.value(error.body)
        error.headers = scrubber.headers(error.headers)
        for link in (error.__cause__, error.__context__):
            if link is not None and scrubber.text(str(link)) != str(link):
                error.__cause__ = error.__context__ = None
                error.__suppress_context__ = True
    return error


def map_failure(
    exc: Exception, fired: bool, budget: float, provider: str, model: str
) -> Optional[APIError]:
    """The modelkit error for a low-level failure, or ``None`` when it is not one."""
    import http.client
    import zlib

    from requests import exceptions as rq
    from urllib3 import exceptions as u3

    timeouts = (rq.Timeout, u3.ReadTimeoutError, socket.timeout)
    connect_timeout = isinstance(exc, u3.ConnectTimeoutError) and not isinstance(
        exc, u3.NewConnectionError
    )
    if fired or connect_timeout or isinstance(exc, timeouts):
        message = f"no complete response within {budget:.3g}s"
        return APITimeoutError(message, provider=provider, model=model)
    connection = (rq.ConnectionError, rq.ChunkedEncodingError, rq.ContentDecodingError)
    low_level = (u3.HTTPError, OSError, http.client.HTTPException, zlib.error)
    if isinstance(exc, connection) or (
        isinstance(exc, low_level)
        and not isinstance(exc, (u3.LocationValueError, rq.RequestException))
    ):
        verb = "connection failed"
    elif isinstance(exc, (rq.RequestException, u3.LocationValueError)):
        verb = "request failed"
    else:
        return None
    return APIConnectionError(f"{verb}: {describe(exc)}", provider=provider, model=model)


def is_connection(exc: BaseException) -> bool:
    """Whether a ``requests`` exception means the connection failed or broke."""
    import requests

    return isinstance(
        exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    )


def describe(exc: BaseException) -> str:
    """A one-line description of a low-level exception."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def drop_request(exc: BaseException) -> None:
    """Unlink the request (its Authorization header) from ``exc`` and its chain.

    Our ``APIError`` is raised ``from`` this exception; picklers that keep
    an exception's cause (``tblib``, which Dask installs in every worker)
    would otherwise ship the API key along with an error.
    """
    seen = 0
    current: Optional[BaseException] = exc
    while current is not None and seen < 8:
        for name in ("request", "response"):
            if getattr(current, name, None) is not None:
                try:
                    setattr(current, name, None)
                except AttributeError:
                    pass
        current = current.__cause__ or current.__context__
        seen += 1
