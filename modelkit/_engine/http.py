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
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import attrs

from .._redact import Scrubber, redact_url, request_secrets
from ..errors import APIConnectionError, APIError, APITimeoutError, ResponseFormatError
from .body import ENV_VAR, BodyTooLarge, max_response_bytes, read_body
from .deadline import MAX_DELAY, watchdog

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "HttpClient",
    "HttpResponse",
    "scrub_error",
]

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
        """Keeps each URL's pool, TLS setup and request target; builds lean responses.

        An adapter serves one client, whose proxies and CA bundle are fixed,
        so a URL always gets the same pool: the per-call key building,
        ``os.path.isdir`` on a CA bundle and cookie parsing are paid once.
        """

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools
            self._routes: Dict[Any, Any] = {}

        def _cached(self, key: Any, make: Any) -> Any:
            pool = self._routes.get(key)
            if pool is None or pool.pool is None:  # the manager closes pools it evicts
                pool = make()
                if len(self._routes) > 64:
                    self._routes.clear()
                self._routes[key] = pool
            return pool

        def get_connection_with_tls_context(
            self, request: Any, verify: Any, proxies: Any = None, cert: Any = None
        ) -> Any:
            parent = super().get_connection_with_tls_context
            return self._cached(
                (request.url, verify), lambda: parent(request, verify, proxies, cert)
            )

        def get_connection(self, url: Any, proxies: Any = None) -> Any:  # requests < 2.32.2
            parent = super().get_connection
            return self._cached((url, None), lambda: parent(url, proxies))

        def cert_verify(self, conn: Any, url: Any, verify: Any, cert: Any) -> None:
            if getattr(conn, "_modelkit_verify", None) != (verify, cert):
                super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
                conn._modelkit_verify = (verify, cert)

        def build_response(self, req: Any, resp: Any) -> Any:
            from requests.models import Response
            from requests.structures import CaseInsensitiveDict

            response = Response()  # no cookie jar parsing: modelkit sends no cookies
            response.status_code = resp.status
            response.headers = CaseInsensitiveDict(resp.headers)
            response.raw = resp
            response.reason = resp.reason
            response.url = req.url
            response.request = req
            response.connection = self
            return response

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            if hasattr(manager, "pool_classes_by_scheme") and not proxy.startswith("socks"):
                manager.pool_classes_by_scheme = pools
            return manager

    return _Adapter


class _Channel:
    """One borrowed way to the network: an adapter (its pools), and each URL's prepared form.

    A request is sent through ``HTTPAdapter.send`` with a ``PreparedRequest``
    built directly (URL normalised once per URL), so none of a
    ``Session``'s per-call work (cookies, hooks, redirects, environment
    merging) is paid; the adapter caches each URL's pool and TLS setup.
    """

    __slots__ = ("adapter", "urls")

    def __init__(self, pool_size: int) -> None:
        self.adapter = _make_adapter(pool_size)
        self.urls: Dict[str, Tuple[str, Dict[str, str]]] = {}

    def prepare(
        self, method: str, url: str, data: Optional[bytes], headers: Mapping[str, str]
    ) -> Any:
        """A ``PreparedRequest`` for ``url``, its userinfo moved into Basic auth."""
        from requests.models import PreparedRequest
        from requests.structures import CaseInsensitiveDict

        known = self.urls.get(url)
        if known is None:
            known = self.urls[url] = _normalised(url)
            if len(self.urls) > 64:
                self.urls.clear()
        prepared = PreparedRequest()
        prepared.method = method
        prepared.url = known[0]
        prepared.headers = CaseInsensitiveDict(_with_defaults(headers, known[1], data))
        prepared.body = data
        return prepared

    def close(self) -> None:
        self.adapter.close()


def _normalised(url: str) -> Tuple[str, Dict[str, str]]:
    """``url`` as ``requests`` sends it, without userinfo, and the Basic auth header it implies."""
    from requests.auth import _basic_auth_str
    from requests.models import PreparedRequest
    from requests.utils import get_auth_from_url, urldefragauth

    prepared = PreparedRequest()
    prepared.prepare_url(url, None)
    full = str(prepared.url)
    user, password = get_auth_from_url(full)
    if not (user or password):
        return full, {}
    return urldefragauth(full), {"Authorization": _basic_auth_str(user, password)}


class HttpClient:
    """Sends requests for one provider instance over a pool of channels.

    A request takes an idle channel (or makes one) and gives it back when
    its response is read, so a channel is used by one thread at a time and
    the channels, each keeping at most one connection alive per host, never
    outnumber the requests this client had in flight at once: the engine's
    connection limit bounds the sockets, not the number of calling threads.

    Args:
        provider: provider name, for error messages.
        model: model name, for error messages.
        pool_size: connections each channel keeps per host.

    Attributes:
        max_response_bytes: the largest decoded body read (default
            ``$MODELKIT_MAX_RESPONSE_BYTES``, else 64 MiB); larger ones raise
            ``ResponseFormatError``.
    """

    def __init__(self, provider: str, model: str, pool_size: int = 1) -> None:
        self.provider = provider
        self.model = model
        self.pool_size = pool_size
        self.max_response_bytes = max_response_bytes()
        self._idle: List[_Channel] = []  # channels not in use; list.pop/append are atomic
        self._proxy_cache: Dict[str, Dict[str, str]] = {}
        # The CA bundle from the environment, read once per client.
        self._verify: Any = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        _clients.add(self)

    def _forget(self) -> None:
        """Drop every channel without touching its sockets (a forked child's copies)."""
        self._idle = []
        self._proxy_cache = {}

    def post(
        self,
        url: str,
        data: bytes,
        headers: Mapping[str, str],
        timeout: Optional[float] = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        secrets: Sequence[Optional[str]] = (),
    ) -> HttpResponse:
        """POST ``data`` and read the whole response (see :meth:`request`)."""
        return self.request("POST", url, data, headers, timeout, connect_timeout, secrets)

    def request(
        self,
        method: str,
        url: str,
        data: Any,
        headers: Mapping[str, str],
        timeout: Optional[float] = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        secrets: Sequence[Optional[str]] = (),
        max_bytes: Optional[int] = None,
    ) -> HttpResponse:
        """Send ``method`` with ``data`` and read the whole response within ``timeout`` seconds.

        ``data`` is bytes, ``None``, or an object with ``__len__`` and
        ``__iter__`` (bytes pieces) that ``requests`` streams with that
        ``Content-Length`` (large uploads).

        The request is cut off when ``timeout`` (default
        ``DEFAULT_READ_TIMEOUT``) runs out, however slowly the server sends.
        A response with a status of 300 or more comes back with every
        credential the request carried (its secret headers, the URL's
        userinfo, and ``secrets``) replaced in its body and headers.

        Args:
            method: the HTTP method.
            url: where to send it.
            data: the body, or ``None``.
            headers: the request headers.
            timeout: seconds for the whole request (default ``DEFAULT_READ_TIMEOUT``).
            connect_timeout: seconds to connect.
            secrets: credentials beyond those in ``headers`` and ``url``.
            max_bytes: the largest decoded body accepted (default
                ``max_response_bytes``).

        Raises:
            APITimeoutError: no full response within ``timeout``.
            APIConnectionError: the connection failed or broke mid-response.
            ResponseFormatError: the body is larger than ``max_bytes``.
            APIError: the server answered with a redirect (never followed).
        """
        budget = DEFAULT_READ_TIMEOUT if timeout is None else timeout
        if not 0.001 <= budget <= MAX_DELAY:  # nan and inf too: never a crash
            budget = 0.001 if budget < 0.001 else MAX_DELAY
        idle = self._idle
        channel = idle.pop() if idle else _Channel(self.pool_size)
        cutoff = _Cutoff()
        start = time.monotonic()
        alarm = watchdog().schedule(budget, cutoff.fire)
        _current.cutoff = cutoff
        raw = None
        try:
            prepared = channel.prepare(method, url, data, headers)
            response = channel.adapter.send(
                prepared,
                stream=True,
                timeout=(min(connect_timeout, budget), budget),
                verify=self._verify,
                proxies=self._proxies(url),
            )
            raw = response.raw
            status = response.status_code
            lowered = {name.lower(): value for name, value in raw.headers.items()}
            if 300 <= status < 400:
                raise self._redirected(status, lowered)
            content = read_body(raw, lowered, max_bytes or self.max_response_bytes)
            raw.release_conn()
            raw = None
            cutoff.finish()
            if cutoff.fired:  # urllib3 1.x returns a cut-off body without raising
                raise self._timeout(budget)
            self._check_complete(lowered, content)
            result = HttpResponse(status, lowered, content, time.monotonic() - start)
        except BodyTooLarge as exc:
            raise self._scrubbed(self._too_large(exc), headers, url, secrets) from None
        except APIError as error:
            self._scrubbed(error, headers, url, secrets)
            raise
        except Exception as exc:
            cutoff.finish()
            _drop_request(exc)
            mapped = _mapped(exc, cutoff.fired, budget, self.provider, self.model)
            if mapped is None:
                raise
            raise self._scrubbed(mapped, headers, url, secrets) from exc
        finally:
            _current.cutoff = None
            alarm.cancel()
            if raw is not None:  # not read to its end: the connection cannot be reused
                raw.close()
                raw.release_conn()
            if idle is self._idle:
                idle.append(channel)
            else:  # the client was closed meanwhile
                channel.close()
        if status >= 300:
            result = result.scrub(Scrubber(request_secrets(headers, url, secrets)))
        return result

    def _scrubbed(
        self,
        error: APIError,
        headers: Mapping[str, str],
        url: str,
        secrets: Sequence[Optional[str]],
    ) -> APIError:
        scrub_error(error, Scrubber(request_secrets(headers, url, secrets)))
        return error

    def _too_large(self, exc: BodyTooLarge) -> ResponseFormatError:
        size = f" (Content-Length: {exc.declared})" if exc.declared is not None else ""
        return ResponseFormatError(
            f"response body larger than the {exc.cap} bytes modelkit reads{size}; "
            f"raise ${ENV_VAR} (or the client's max_response_bytes) if it is expected",
            provider=self.provider,
            model=self.model,
        )

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
        """Close the idle channels (those in use close when done). Usable after."""
        idle, self._idle = self._idle, []
        for channel in idle:
            channel.close()


_clients: weakref.WeakSet[HttpClient] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child must not read answers from the parent's pooled sockets."""
    global _current
    _current = threading.local()
    for client in list(_clients):
        client._forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


_BASE_HEADERS: Dict[str, str] = {}


def _with_defaults(
    headers: Mapping[str, str], auth: Mapping[str, str], data: Optional[bytes]
) -> Dict[str, str]:
    """``headers`` plus what ``requests`` would add: user agent, encodings, length, URL auth."""
    if not _BASE_HEADERS:
        from requests.utils import default_user_agent

        _BASE_HEADERS.update(
            {
                "User-Agent": default_user_agent(),
                "Accept-Encoding": "gzip, deflate",  # what body.read_body inflates itself
                "Accept": "*/*",
                "Connection": "keep-alive",
            }
        )
    sent = dict(headers)
    given = {name.lower() for name in sent}
    for extra in (_BASE_HEADERS, auth):
        for name, value in extra.items():
            if name.lower() not in given:
                sent[name] = value
    if data is not None and "content-length" not in given:
        sent["Content-Length"] = str(len(data))
    return sent


_timeout_class: Any = None


def _urllib3_timeout(connect: float, read: float) -> Any:
    global _timeout_class
    if _timeout_class is None:
        from urllib3.util import Timeout

        _timeout_class = Timeout
    return _timeout_class(connect=connect, read=read)


def _mapped(
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
    return APIConnectionError(f"{verb}: {_describe(exc)}", provider=provider, model=model)


def _is_connection(exc: BaseException) -> bool:
    """Whether a ``requests`` exception means the connection failed or broke."""
    import requests

    return isinstance(
        exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    )


def _describe(exc: BaseException) -> str:
    """A one-line description of a low-level exception."""
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
