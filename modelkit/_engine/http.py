"""HTTP for providers: pooled ``requests`` sessions, a hard deadline, errors mapped once.

``requests`` is imported on the first request, not at ``import modelkit``.
A request borrows an idle session from its client's pool (``requests``
does not promise a Session is thread-safe, so none is shared by two
requests at once), so open sockets follow the requests in flight, not the
number of threads that ever called. Sessions mount adapters with no urllib3 retries, so modelkit's own
retry loop is the only one and its counts are honest. Each session reads the
environment once, when it is made: proxies (``HTTP(S)_PROXY``, ``ALL_PROXY``,
``NO_PROXY``; resolved once per origin) and the CA bundle
(``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``); ``~/.netrc`` is never used, so
it cannot replace an API's credentials.

Each request has a hard deadline. ``requests``' read timeout only bounds
each socket read, so a server trickling a byte a second would never trip
it; instead an alarm on the shared watchdog (``deadline``) shuts the
request's socket down when its time is up, which makes the blocked read
return at once. A forked child drops every session it inherited (and the
watchdog its parent's alarms), so it never reads an answer from a socket
it shares with its parent. Every low-level failure becomes a modelkit
``APIConnectionError`` or ``APITimeoutError`` here, ``raise ... from`` the
original.

Redirects are never followed: an API that answers 3xx is misconfigured (or
a proxy is in the way), and following it would send the prompt and the
credential headers (``x-api-key``, ``api-key``, ``x-goog-api-key``,
``X-Amz-Security-Token``: ``requests`` strips only ``Authorization``) to
wherever ``Location`` points. The answer is an ``APIError`` naming it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import weakref
from typing import Any, Dict, List, Mapping, Optional

import attrs

from .._redact import Scrubber, redact_url
from ..errors import APIConnectionError, APIError, APITimeoutError
from .deadline import MAX_DELAY, watchdog

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "DEFAULT_READ_TIMEOUT", "HttpClient", "HttpResponse"]

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 600.0
"""The most one request may take when the call sets no ``timeout``."""


@attrs.frozen
class HttpResponse:
    """A response read in full: status, lower-cased headers, raw body, time."""

    status: int
    headers: Dict[str, str]
    content: bytes
    elapsed: float

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not, or is hostile: ``_json``)."""
        from .._json import loads

        return loads(self.content)

    @property
    def text(self) -> str:
        """The body as text, undecodable bytes replaced."""
        return self.content.decode("utf-8", errors="replace")

    def scrub(self, scrubber: Scrubber) -> HttpResponse:
        """This response with the request's credentials replaced in its body and headers.

        An error response's JSON body is also checked after parsing (a
        secret escaped in a way the byte-level pass does not know) and
        rewritten if needed. A response with nothing to replace is returned
        as it is.
        """
        if not scrubber:
            return self
        content = scrubber.bytes(self.content)
        if self.status >= 300:
            try:
                parsed = json.loads(content.decode("utf-8"))
            except (ValueError, RecursionError):
                parsed = None
            if isinstance(parsed, (dict, list, str)):
                clean = scrubber.value(parsed)
                if clean is not parsed:
                    content = json.dumps(clean).encode("utf-8")
        headers = scrubber.headers(self.headers)
        if content is self.content and headers == self.headers:
            return self
        return attrs.evolve(self, headers=headers, content=content)


class _Cutoff:
    """The connections one request uses, and the means to cut them at its deadline."""

    __slots__ = ("_lock", "connections", "done", "fired")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.connections: List[Any] = []
        self.done = False
        self.fired = False

    def watch(self, connection: Any) -> None:
        with self._lock:
            self.connections.append(connection)

    def finish(self) -> None:
        with self._lock:
            self.done = True

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            connections = list(self.connections)
        for connection in connections:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# The request being sent on this thread; urllib3 connections register with it.
_current = threading.local()
_adapter_class: Any = None


def _make_adapter(pool_size: int) -> Any:
    """An ``HTTPAdapter`` without retries whose connections report to ``_current``."""
    global _adapter_class
    if _adapter_class is None:
        _adapter_class = _define_adapter()
    return _adapter_class(max_retries=0, pool_connections=4, pool_maxsize=pool_size)


def _define_adapter() -> Any:
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def _register(connection: Any) -> None:
        cutoff = getattr(_current, "cutoff", None)
        if cutoff is not None:
            cutoff.watch(connection)

    class _Conn(HTTPConnection):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            _register(self)
            return super().request(*args, **kwargs)

    class _SConn(HTTPSConnection):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            _register(self)
            return super().request(*args, **kwargs)

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Conn

    class _SPool(HTTPSConnectionPool):
        ConnectionCls = _SConn

    pools = {"http": _Pool, "https": _SPool}

    class _Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            if hasattr(manager, "pool_classes_by_scheme") and not proxy.startswith("socks"):
                manager.pool_classes_by_scheme = pools
            return manager

    return _Adapter


class HttpClient:
    """Posts JSON for one provider instance over a pool of sessions.

    A request takes an idle session (or makes one) and gives it back when
    its response is read, so a session is used by one thread at a time and
    the sessions, each keeping at most one connection alive per host, never
    outnumber the requests this client had in flight at once: the engine's
    connection limit bounds the sockets, not the number of calling threads.

    Args:
        provider: provider name, for error messages.
        model: model name, for error messages.
        pool_size: connections each session keeps per host.
    """

    def __init__(self, provider: str, model: str, pool_size: int = 1) -> None:
        self.provider = provider
        self.model = model
        self.pool_size = pool_size
        self._idle: List[Any] = []  # sessions not in use; list.pop/append are atomic
        self._proxy_cache: Dict[str, Dict[str, str]] = {}
        _clients.add(self)

    def _new_session(self) -> Any:
        import requests

        session = requests.Session()
        # Read the environment once per session, not on every request (requests
        # would look up proxies, CA bundle and ~/.netrc per call: ~0.1 ms each).
        session.trust_env = False
        session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        adapter = _make_adapter(self.pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def _forget(self) -> None:
        """Drop every session without touching its sockets (a forked child's copies)."""
        self._idle = []
        self._proxy_cache = {}

    def post(
        self,
        url: str,
        data: bytes,
        headers: Mapping[str, str],
        timeout: Optional[float] = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> HttpResponse:
        """POST ``data`` and read the whole response (see :meth:`request`)."""
        return self.request("POST", url, data, headers, timeout, connect_timeout)

    def request(
        self,
        method: str,
        url: str,
        data: Any,
        headers: Mapping[str, str],
        timeout: Optional[float] = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> HttpResponse:
        """Send ``method`` with ``data`` and read the whole response within ``timeout`` seconds.

        ``data`` is bytes, ``None``, or an object with ``__len__`` and
        ``__iter__`` (bytes pieces) that ``requests`` streams with that
        ``Content-Length`` (large uploads).

        The request is cut off when ``timeout`` (default
        ``DEFAULT_READ_TIMEOUT``) runs out, however slowly the server sends.

        Raises:
            APITimeoutError: no full response within ``timeout``.
            APIConnectionError: the connection failed or broke mid-response.
        """
        import requests

        budget = DEFAULT_READ_TIMEOUT if timeout is None else timeout
        if not 0.001 <= budget <= MAX_DELAY:  # nan and inf too: never a crash
            budget = 0.001 if budget < 0.001 else MAX_DELAY
        idle = self._idle
        session = idle.pop() if idle else self._new_session()
        cutoff = _Cutoff()
        start = time.monotonic()
        alarm = watchdog().schedule(budget, cutoff.fire)
        _current.cutoff = cutoff
        try:
            response = session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=(min(connect_timeout, budget), budget),
                proxies=self._proxies(url),
                allow_redirects=False,
            )
            content = response.content
            cutoff.finish()
            if cutoff.fired:  # urllib3 1.x returns a cut-off body without raising
                raise self._timeout(budget)
            self._check_complete(response.headers, content)
            if 300 <= response.status_code < 400:
                raise self._redirected(response.status_code, response.headers)
            return HttpResponse(
                status=response.status_code,
                headers=dict(response.headers.lower_items()),
                content=content,
                elapsed=time.monotonic() - start,
            )
        except requests.exceptions.RequestException as exc:
            cutoff.finish()
            _drop_request(exc)
            if cutoff.fired or isinstance(exc, requests.exceptions.Timeout):
                raise self._timeout(budget) from exc
            verb = "connection failed" if _is_connection(exc) else "request failed"
            raise APIConnectionError(
                f"{verb}: {_describe(exc)}", provider=self.provider, model=self.model
            ) from exc
        finally:
            _current.cutoff = None
            alarm.cancel()
            if idle is self._idle:
                idle.append(session)
            else:  # the client was closed meanwhile
                session.close()

    def _check_complete(self, headers: Mapping[str, str], content: bytes) -> None:
        """Raise ``APIConnectionError`` for a body shorter than its Content-Length.

        urllib3 2 checks this itself; urllib3 1.26 (still pinned by many
        legacy applications) silently returns the truncated body.
        """
        declared = headers.get("content-length")
        encoding = headers.get("content-encoding", "identity").lower()
        if declared is None or encoding != "identity" or not declared.isdigit():
            return
        if len(content) < int(declared):
            raise APIConnectionError(
                f"connection failed: response truncated ({len(content)} of {declared} bytes)",
                provider=self.provider,
                model=self.model,
            )

    def _proxies(self, url: str) -> Dict[str, str]:
        """The proxies the environment sets for ``url``'s origin (``NO_PROXY`` honoured)."""
        slash = url.find("/", url.find("//") + 2)
        origin = url if slash < 0 else url[:slash]
        cache = self._proxy_cache
        proxies = cache.get(origin)
        if proxies is None:
            from requests.utils import get_environ_proxies

            proxies = cache[origin] = dict(get_environ_proxies(url))
        return proxies

    def _redirected(self, status: int, headers: Mapping[str, str]) -> APIError:
        """The error for a redirect, which is never followed (see the module docstring)."""
        location = redact_url(headers.get("location") or "(no Location header)")
        return APIError(
            f"the API answered HTTP {status}, a redirect to {location}; modelkit does not "
            "follow redirects, which would send the request and its credentials elsewhere. "
            "Set base_url to where the API answers.",
            provider=self.provider,
            model=self.model,
            status=status,
            headers={k.lower(): v for k, v in headers.items()},
        )

    def _timeout(self, budget: float) -> APITimeoutError:
        return APITimeoutError(
            f"no complete response within {budget:.3g}s", provider=self.provider, model=self.model
        )

    def close(self) -> None:
        """Close the idle sessions (those in use close when done). Usable after."""
        idle, self._idle = self._idle, []
        for session in idle:
            session.close()


_clients: weakref.WeakSet[HttpClient] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child must not read answers from the parent's pooled sockets."""
    global _current
    _current = threading.local()
    for client in list(_clients):
        client._forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _is_connection(exc: BaseException) -> bool:
    import requests

    return isinstance(
        exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    )


def _describe(exc: BaseException) -> str:
    """A one-line description of a requests exception, without URLs' queries."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def _drop_request(exc: BaseException) -> None:
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
