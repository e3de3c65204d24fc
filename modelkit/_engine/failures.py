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

import re
import socket
from typing import List, Optional

from .._redact import Scrubber
from ..errors import APIConnectionError, APIError, APITimeoutError

__all__ = [
    "deadline_error",
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
        return deadline_error(budget, provider, model, url, exc)
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


def deadline_error(
    budget: float,
    provider: str,
    model: str,
    url: Optional[str],
    exc: Optional[BaseException] = None,
) -> APITimeoutError:
    """The ``APITimeoutError`` for a response not complete within ``budget`` seconds."""
    where = _where(exc, url)
    message = f"no complete response from {where} within {budget:.3g}s"
    return APITimeoutError(message, provider=provider, model=model)


def explain(exc: BaseException, url: Optional[str] = None) -> str:
    """One line: what failed, with which ``host:port``, and what to check.

    The failure is recognised from the classes and texts of the exceptions
    it wraps (the same words urllib3 and the OS use on every platform), so
    that a failure replayed from its recorded text reads as it did live.

    Args:
        exc: a failure of ``requests``, urllib3, ``http.client`` or the socket.
        url: the request's URL; without it the host is read from the
            failure itself when urllib3 recorded it.
    """
    chain = _chain(exc)
    where = _where(exc, url)
    text = " | ".join(f"{type(link).__name__}: {link}" for link in chain)

    def first(*needles: str) -> int:
        """Where the earliest of ``needles`` is in ``text`` (len(text) when none is)."""
        found = [text.find(needle) for needle in needles]
        return min([at for at in found if at >= 0], default=len(text))

    def has(*needles: str) -> bool:
        return first(*needles) < len(text)

    if has(*_DNS):
        host = where.rsplit(":", 1)[0] if not where.endswith("]") else where
        resolved = next((x for x in chain if isinstance(x, socket.gaierror)), None)
        why = getattr(resolved, "strerror", None) or _errno_text(text) or "name not found"
        return (
            f"cannot resolve host {host} ({where}): {why} "
            f"(is the host name in the base URL right? is DNS reachable?)"
        )
    if has("SSLError", "SSLCertVerificationError", "[SSL", "CERTIFICATE_VERIFY_FAILED"):
        return f"TLS handshake with {where} failed: {_tls_reason(chain, text)}"
    if has("ConnectionRefusedError", "Connection refused", "actively refused"):
        return f"cannot connect to {where}: connection refused ({_CHECK_SERVER})"
    short = re.search(r"IncompleteRead\((\d+) bytes read(?:, (\d+) more expected)?", text)
    if short:
        left = f", {short.group(2)} more expected" if short.group(2) else ""
        return (
            f"the response from {where} ended early ({short.group(1)} bytes read{left}): "
            f"the server or a proxy closed the connection"
        )
    closed = first("RemoteDisconnected", "Remote end closed connection")
    reset = first("ConnectionResetError", "Connection reset by peer", "forcibly closed")
    answered = has("Connection broken")
    if closed < len(text) and closed <= reset:
        return f"{where} closed the connection without answering ({_CHECK_SERVER})"
    if reset < len(text):
        if answered:
            return f"connection to {where} was reset while the response was read"
        return f"connection to {where} was reset before the server answered ({_CHECK_SERVER})"
    if has("NewConnectionError", "Failed to establish a new connection"):
        why = _errno_text(text) or "no connection"
        return f"cannot connect to {where}: {why.lower()} ({_CHECK_SERVER})"
    if has("ContentDecodingError", "DecodeError", "zlib", "Error -3 while decompressing"):
        return f"the response from {where} could not be decompressed ({_last_words(chain)})"
    if has(*_BAD_URL):
        return f"the request URL for {where} is not valid: {_last_words(chain)} ({_CHECK_URL})"
    state = "the connection broke" if answered else "the request failed"
    return f"{state} ({where}): {_last_words(chain)} ({_CHECK_SERVER})"


_DNS = (
    "gaierror",
    "NameResolutionError",
    "Failed to resolve",
    "Name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "Temporary failure in name resolution",
    "No address associated with hostname",
)
_BAD_URL = (
    "InvalidURL",
    "LocationValueError",
    "LocationParseError",
    "InvalidSchema",
    "MissingSchema",
)


def _errno_text(text: str) -> Optional[str]:
    """The OS's words after ``[Errno N]`` in ``text`` (``Connection refused``), if any."""
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    return found.group(1).strip() if found else None


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


def _where(exc: Optional[BaseException], url: Optional[str]) -> str:
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
    for link in _chain(exc) if exc is not None else []:
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


def _tls_reason(chain: List[BaseException], text: str) -> str:
    verify = next(
        (getattr(x, "verify_message", None) for x in chain if hasattr(x, "verify_message")), None
    )
    found = re.search(r"certificate verify failed: ([^(')\]]+)", text)
    if verify or found:
        why = verify or (found.group(1).strip() if found else "")
        return (
            f"certificate not trusted ({why}); if the server is the one you meant, "
            f"point $REQUESTS_CA_BUNDLE at the CA that signed its certificate"
        )
    code = re.search(r"\[SSL: ([A-Z_]+)\]", text)
    reason = code.group(1) if code else ""
    if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL", ""):
        shown = f" ({reason})" if reason else ""
        return (
            f"the server does not speak TLS{shown}; for a plain HTTP server use an http:// base URL"
        )
    return f"{reason.lower().replace('_', ' ')} ({_CHECK_URL})"


def _last_words(chain: List[BaseException]) -> str:
    """The innermost plain reason (an ``OSError``'s words), without urllib3's wrappers."""
    for link in reversed(chain):
        if isinstance(link, OSError) and link.strerror:
            return str(link.strerror).lower()
    innermost = chain[-1]
    words = str(innermost).splitlines()[0] if str(innermost) else type(innermost).__name__
    errno_words = _errno_text(words)
    if errno_words:
        return errno_words.lower()
    if "Max retries exceeded" in words or "Pool(" in words or "Conn(" in words:
        return type(innermost).__name__
    return words[:200]


def drop_request(exc: BaseException) -> None:
    """Unlink the request (its Authorization header) and the connection pool from ``exc``.

    Our ``APIError`` is raised ``from`` this exception; picklers that keep
    an exception's cause (``tblib``, which Dask installs in every worker)
    would otherwise ship the API key along with an error, or fail on
    urllib3's pool (a class of our own adapter, which cannot be pickled).
    Every wrapped exception counts (``args``, ``reason``, cause, context).
    Call it after ``map_failure``, which may read the pool's host.
    """
    for link in _chain(exc):
        held = getattr(
            link, "__dict__", {}
        )  # instance fields only: urllib3 2's .pool is a property
        for name in ("request", "response", "pool", "conn"):
            if held.get(name) is not None:
                held[name] = None
