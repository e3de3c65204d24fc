"""Low-level HTTP failures as modelkit errors, and credentials kept out of them.

``map_failure`` turns what ``requests``, urllib3, ``http.client``, ``zlib``
or the socket raised into ``APITimeoutError`` or ``APIConnectionError`` (the
one place this mapping lives); ``explain`` words it as one line that says
what failed, with which ``host:port``, and what to check (a refused
connection, a name that does not resolve, a TLS handshake, a reset, a
response cut short), never urllib3's internals (``_Pool(host=...)``, "Max
retries exceeded"); ``drop_request`` unlinks the request, and its
credential headers, from the original so that it never travels with the
error; ``scrub_error`` replaces a request's credentials in an ``APIError``.
"""

from __future__ import annotations

import socket
from typing import Any, List, Optional

from .._redact import Scrubber
from ..errors import APIConnectionError, APIError, APITimeoutError

__all__ = [
    "drop_request",
    "explain",
    "map_failure",
    "scrub_error",
]

_CHECK_SERVER = "is the server running, and is the base URL right?"
_CHECK_URL = "is the base URL right?"


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
    exc: Exception,
    fired: bool,
    budget: float,
    provider: str,
    model: str,
    url: Optional[str] = None,
) -> Optional[APIError]:
    """The modelkit error for a low-level failure, or ``None`` when it is not one.

    Args:
        exc: what ``requests``, urllib3, ``http.client``, ``zlib`` or the socket raised.
        fired: whether the call's deadline alarm cut the connection.
        budget: the seconds the request had.
        provider: for the error.
        model: for the error.
        url: the request's URL, whose ``host:port`` the message names.
    """
    import http.client
    import zlib

    from requests import exceptions as rq
    from urllib3 import exceptions as u3

    timeouts = (rq.Timeout, u3.ReadTimeoutError, socket.timeout)
    connect_timeout = isinstance(exc, (u3.ConnectTimeoutError, rq.ConnectTimeout)) and not any(
        isinstance(link, u3.NewConnectionError) for link in _chain(exc)
    )
    where = _where(exc, url)
    if connect_timeout and not fired:
        message = f"connecting to {where} timed out (is the host reachable? {_CHECK_URL})"
        return APITimeoutError(message, provider=provider, model=model)
    if fired or isinstance(exc, timeouts):
        message = f"no complete response from {where} within {budget:.3g}s"
        return APITimeoutError(message, provider=provider, model=model)
    known = (
        rq.RequestException,
        u3.HTTPError,
        OSError,
        http.client.HTTPException,
        zlib.error,
    )
    if not isinstance(exc, known):
        return None
    return APIConnectionError(explain(exc, url), provider=provider, model=model)


def explain(exc: BaseException, url: Optional[str] = None) -> str:
    """One line: what failed, with which ``host:port``, and what to check.

    Args:
        exc: a failure of ``requests``, urllib3, ``http.client`` or the socket.
        url: the request's URL; without it the host is read from the
            failure itself when urllib3 recorded it.
    """
    import http.client
    import ssl
    import zlib

    chain = _chain(exc)
    where = _where(exc, url)

    def find(kind: Any) -> Optional[BaseException]:
        return next((link for link in chain if isinstance(link, kind)), None)

    unresolved = find(socket.gaierror)
    if unresolved is not None or _named(chain, "NameResolutionError"):
        host = where.rsplit(":", 1)[0]
        why = getattr(unresolved, "strerror", None) or "name not found"
        return (
            f"cannot resolve host {host} ({where}): {why} "
            f"(is the host name in the base URL right? is DNS reachable?)"
        )
    tls = find(ssl.SSLError)
    if tls is not None or _named(chain, "SSLError"):
        return f"TLS handshake with {where} failed: {_tls_reason(tls)}"
    if find(ConnectionRefusedError) is not None:
        return f"cannot connect to {where}: connection refused ({_CHECK_SERVER})"
    short = find(http.client.IncompleteRead)
    if short is not None:
        got = len(getattr(short, "partial", b"") or b"")
        more = getattr(short, "expected", None)
        left = f", {more} more expected" if isinstance(more, int) else ""
        return (
            f"the response from {where} ended early ({got} bytes read{left}): "
            f"the server or a proxy closed the connection"
        )
    answered = _answered(chain)
    dropped = find(ConnectionResetError)  # the outermost: a reset, or a close (its subclass)
    if isinstance(dropped, http.client.RemoteDisconnected):
        return f"{where} closed the connection without answering ({_CHECK_SERVER})"
    if dropped is not None:
        if answered:
            return f"connection to {where} was reset while the response was read"
        return f"connection to {where} was reset before the server answered ({_CHECK_SERVER})"
    if _named(chain, "NewConnectionError"):
        return f"cannot connect to {where}: {_os_reason(chain)} ({_CHECK_SERVER})"
    if find(zlib.error) is not None or _named(chain, "ContentDecodingError", "DecodeError"):
        return f"the response from {where} could not be decoded ({_os_reason(chain)})"
    if _named(chain, "InvalidURL", "LocationValueError", "InvalidSchema", "MissingSchema"):
        return f"the request URL for {where} is not valid: {_os_reason(chain)} ({_CHECK_URL})"
    state = "the connection broke" if answered else "the request failed"
    return f"{state} ({where}): {_os_reason(chain)} ({_CHECK_SERVER})"


def _chain(exc: BaseException) -> List[BaseException]:
    """``exc`` and the exceptions it wraps (``args``, ``reason``, cause, context), at most 16."""
    found: List[BaseException] = []
    todo: List[Optional[BaseException]] = [exc]
    while todo and len(found) < 16:
        link = todo.pop(0)
        if link is None or any(link is seen for seen in found):
            continue
        found.append(link)
        todo.extend(arg for arg in getattr(link, "args", ()) if isinstance(arg, BaseException))
        reason = getattr(link, "reason", None)
        todo.append(reason if isinstance(reason, BaseException) else None)
        todo.extend((link.__cause__, link.__context__))
    return found


def _named(chain: List[BaseException], *names: str) -> bool:
    """Whether a link's class is one of ``names`` (urllib3's classes, not imported here)."""
    return any(type(link).__name__ in names for link in chain)


def _where(exc: BaseException, url: Optional[str]) -> str:
    """``host:port`` of ``url``, else of the connection urllib3 recorded, else ``the server``."""
    from urllib.parse import urlsplit

    if url:
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:  # a port that is not a number
            host, port = None, None
        if host:
            default = 443 if parts.scheme == "https" else 80
            return _host_port(host, port or default)
    for link in _chain(exc):
        for name in ("conn", "pool"):
            owner = getattr(link, name, None)
            host = getattr(owner, "host", None)
            if isinstance(host, str) and host:
                port = getattr(owner, "port", None)
                return _host_port(host, port if isinstance(port, int) else None)
    return "the server"


def _host_port(host: str, port: Optional[int]) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{shown}:{port}" if port else shown


def _answered(chain: List[BaseException]) -> bool:
    """Whether the failure came after the response began (urllib3's "Connection broken")."""
    return any("Connection broken" in str(link.args[0]) for link in chain if link.args)


def _tls_reason(tls: Optional[BaseException]) -> str:
    verify = getattr(tls, "verify_message", None)
    if verify:
        return (
            f"certificate not trusted ({verify}); if the server is the one you meant, "
            f"point $REQUESTS_CA_BUNDLE at the CA that signed its certificate"
        )
    reason = str(getattr(tls, "reason", "") or "")
    if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL", ""):
        code = f" ({reason})" if reason else ""
        return (
            f"the server does not speak TLS{code}; for a plain HTTP server use an http:// base URL"
        )
    return f"{reason.lower().replace('_', ' ')} ({_CHECK_URL})"


def _os_reason(chain: List[BaseException]) -> str:
    """The innermost plain reason (an ``OSError``'s text), without urllib3's wrappers."""
    for link in reversed(chain):
        if isinstance(link, OSError) and link.strerror:
            return str(link.strerror).lower()
    innermost = chain[-1]
    text = str(innermost).splitlines()[0] if str(innermost) else type(innermost).__name__
    if "Max retries exceeded" in text or "_Pool(" in text or "Conn(" in text:
        return type(innermost).__name__
    return text[:200]


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
