"""A channel: one ``requests`` ``HTTPAdapter`` (its urllib3 pools) and the send through it.

A ``Channel`` serves one request at a time (``transport.Exchange`` borrows
it from its client). The adapter, with no urllib3 retries, keeps each
URL's connection pool and TLS setup (``requests`` builds the pool, checks
the CA bundle and the proxy for it, once per URL); a request is then handed
straight to that pool's ``urlopen`` with the arguments
``HTTPAdapter.send`` would give it — the request target (the full URL
through a plain HTTP proxy), the headers ``requests`` adds (user agent,
encodings, ``Content-Length``, the URL's userinfo as Basic auth), no
redirects, the body unread and undecoded — and none of what ``send``
builds around that per call (a ``PreparedRequest``, a ``Response`` with its
cookie jar, the timeout object, the proxy lookup). While ``HTTPAdapter.send``
is replaced (the ``responses`` library mocks HTTP that way, in modelkit's
tests and its users'), requests go through it instead, as a
``PreparedRequest``. Failures are raised as
the ``requests`` exceptions ``send`` raises for them (``ConnectionError``,
``ConnectTimeout``, ``ReadTimeout``, ``SSLError``, ``ProxyError``...), with
the same messages, so error mapping and cassettes see what they always saw.

Connections register with the request being sent on their thread
(``current.cutoff``), so that the deadline can shut their sockets down,
and write a request's head and a small ``bytes`` body in one ``send``
(``http.client`` makes two: two system calls and two TCP segments).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, Mapping, Optional, Tuple

__all__ = ["Answer", "Channel", "current"]

current = threading.local()
"""The request being sent on this thread (``cutoff``); urllib3 connections register with it."""

_adapter_class: Any = None


class Answer:
    """A response whose body is still unread: ``status_code``, ``headers``, ``raw``, ``url``.

    ``raw`` is urllib3's ``HTTPResponse`` (or what a cassette puts in its
    place); ``headers`` its case-insensitive headers.
    """

    __slots__ = ("headers", "raw", "status_code", "url")

    def __init__(self, raw: Any, url: str) -> None:
        self.raw = raw
        self.status_code: int = raw.status
        self.headers = raw.headers
        self.url = url

    def close(self) -> None:
        """Drop the connection (the body was not read to its end)."""
        self.raw.close()
        release = getattr(self.raw, "release_conn", None)
        if release is not None:
            release()


class _Route:
    """What a channel keeps per URL: the pool, the request target, the headers it implies."""

    __slots__ = ("auth", "pool", "target", "url", "verify")

    def __init__(self, url: str, auth: Dict[str, str]) -> None:
        self.url = url
        self.auth = auth
        self.pool: Any = None
        self.target = ""
        self.verify: Any = None


class Channel:
    """One adapter's pools, and each URL's route through them (see the module docstring)."""

    __slots__ = ("_timeouts", "adapter", "routes")

    def __init__(self, pool_size: int) -> None:
        self.adapter = _make_adapter(pool_size)
        self.routes: Dict[str, _Route] = {}
        self._timeouts: Dict[Tuple[float, float], Any] = {}

    def send(
        self,
        method: str,
        url: str,
        data: Any,
        headers: Mapping[str, str],
        timeout: Tuple[float, float],
        verify: Any,
        proxies: Mapping[str, str],
    ) -> Any:
        """Send the request; the response with its body unread (an ``Answer``; a mock's
        ``requests.Response`` while ``HTTPAdapter.send`` is replaced).

        Raises:
            requests.exceptions.RequestException: as ``HTTPAdapter.send`` raises them.
        """
        route = self.routes.get(url)
        if route is None:
            route = self._route(url)
        if type(self.adapter).send is not _genuine_send and not _genuine(self.adapter):
            return self._through_adapter(method, route, data, headers, timeout, verify, proxies)
        pool = route.pool
        if pool is None or pool.pool is None or route.verify is not verify:
            pool = self._connect(route, verify, proxies)  # first use, or the pool was closed
        limits = self._timeouts.get(timeout)
        if limits is None:
            limits = self._timeout(timeout)
        try:
            raw = pool.urlopen(
                method=method,
                url=route.target,
                body=data,
                headers=_with_defaults(headers, route.auth, data),
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=self.adapter.max_retries,
                timeout=limits,
                chunked=False,  # the body's Content-Length is always sent
            )
        except Exception as exc:
            failure = _as_requests_error(exc)
            if failure is None:
                raise
            raise failure  # noqa: B904 - as requests: the urllib3 error is its context
        return Answer(raw, route.url)

    def _through_adapter(
        self,
        method: str,
        route: _Route,
        data: Any,
        headers: Mapping[str, str],
        timeout: Tuple[float, float],
        verify: Any,
        proxies: Mapping[str, str],
    ) -> Any:
        """Send through ``HTTPAdapter.send`` (replaced by a mock); its ``requests.Response``."""
        from requests.models import PreparedRequest
        from requests.structures import CaseInsensitiveDict

        prepared = PreparedRequest()
        prepared.method = method
        prepared.url = route.url
        prepared.headers = CaseInsensitiveDict(_with_defaults(headers, route.auth, data))
        prepared.body = data
        return self.adapter.send(
            prepared, stream=True, timeout=timeout, verify=verify, proxies=dict(proxies)
        )

    def _route(self, url: str) -> _Route:
        route = _Route(*_normalised(url))
        if len(self.routes) > 64:
            self.routes.clear()
        self.routes[url] = route
        return route

    def _connect(self, route: _Route, verify: Any, proxies: Mapping[str, str]) -> Any:
        """The pool for ``route`` (made by the adapter, TLS set up), and its request target."""
        from requests.exceptions import InvalidURL
        from requests.models import PreparedRequest
        from urllib3.exceptions import LocationValueError

        adapter = self.adapter
        request = PreparedRequest()
        request.prepare(method="POST", url=route.url)
        try:
            if hasattr(adapter, "get_connection_with_tls_context"):  # requests >= 2.32.2
                pool = adapter.get_connection_with_tls_context(request, verify, dict(proxies))
            else:
                pool = adapter.get_connection(route.url, dict(proxies))
        except LocationValueError as exc:
            raise InvalidURL(exc) from None
        adapter.cert_verify(pool, route.url, verify, None)
        route.target = adapter.request_url(request, dict(proxies))
        route.pool, route.verify = pool, verify
        return pool

    def _timeout(self, timeout: Tuple[float, float]) -> Any:
        from urllib3.util.timeout import Timeout

        limits = Timeout(connect=timeout[0], read=timeout[1])
        if len(self._timeouts) > 32:
            self._timeouts.clear()
        self._timeouts[timeout] = limits
        return limits

    def close(self) -> None:
        self.adapter.close()
        self.routes = {}


_genuine_send: Any = None


def _genuine(adapter: Any) -> bool:
    """Whether ``adapter``'s ``send`` is ``requests``' own (remembered once seen), not a mock's."""
    global _genuine_send
    send = type(adapter).send
    if getattr(send, "__module__", None) == "requests.adapters" and _genuine_send is None:
        _genuine_send = send
    return send is _genuine_send


def _as_requests_error(exc: Exception) -> Optional[Exception]:
    """The ``requests`` exception ``HTTPAdapter.send`` raises for urllib3's ``exc``, if any."""
    from requests import exceptions as rq
    from urllib3 import exceptions as u3

    kind: Optional[type] = None
    if isinstance(exc, (u3.ProtocolError, OSError)):
        kind = rq.ConnectionError
    elif isinstance(exc, u3.MaxRetryError):
        reason = exc.reason
        if isinstance(reason, u3.ConnectTimeoutError) and not isinstance(
            reason, u3.NewConnectionError
        ):
            kind = rq.ConnectTimeout
        elif isinstance(reason, u3.ResponseError):
            kind = rq.RetryError
        elif isinstance(reason, u3.ProxyError):
            kind = rq.ProxyError
        elif isinstance(reason, u3.SSLError):
            kind = rq.SSLError
        else:
            kind = rq.ConnectionError
    elif isinstance(exc, u3.ClosedPoolError):
        kind = rq.ConnectionError
    elif isinstance(exc, u3.ProxyError):
        kind = rq.ProxyError
    elif isinstance(exc, u3.SSLError):
        kind = rq.SSLError
    elif isinstance(exc, u3.ReadTimeoutError):
        kind = rq.ReadTimeout
    elif isinstance(exc, getattr(u3, "InvalidHeader", ())):
        kind = rq.InvalidHeader
    return None if kind is None else kind(exc)


def _make_adapter(pool_size: int) -> Any:
    """An ``HTTPAdapter`` without retries whose connections report to ``current``."""
    global _adapter_class
    if _adapter_class is None:
        _adapter_class = _define_adapter()
    return _adapter_class(max_retries=0, pool_connections=4, pool_maxsize=pool_size)


_MERGE_MAX = 256 * 1024
"""The largest body sent in one write with the request head (larger: two writes)."""


class _OneWrite:
    """Connection mix-in: register with the request's cut-off; head and body in one write.

    ``http.client`` writes the request head, then the body, in two
    ``send`` calls: two system calls and, with ``TCP_NODELAY``, two TCP
    segments (two TLS records over HTTPS) for a small JSON body. For a
    ``bytes`` body up to ``_MERGE_MAX``, the head is held back and written
    together with the body, byte for byte what two writes would send. Any
    other write (another body type, a head that no body followed) goes out
    as before.
    """

    _head: Optional[bytes] = None
    _body: Optional[bytes] = None

    def request(self, method: str, url: str, body: Any = None, *args: Any, **kwargs: Any) -> Any:
        cutoff = getattr(current, "cutoff", None)  # _register(self), without its call
        if cutoff is not None:
            cutoff.watch(self)
        if type(body) is bytes and 0 < len(body) <= _MERGE_MAX and not kwargs.get("chunked"):
            self._body = body
        try:
            super().request(method, url, body, *args, **kwargs)  # type: ignore[misc]
        finally:
            head, self._head, self._body = self._head, None, None
        if head is not None:  # no body write followed (never seen): the head alone
            super().send(head)  # type: ignore[misc]

    def send(self, data: Any) -> None:
        body = self._body
        if body is not None:
            head = self._head
            if head is None:  # the request head: held for the body
                self._head = data
                return
            self._head = self._body = None
            if data is body:
                data = head + body
            else:  # not the body after all: the head first, as it would have gone
                super().send(head)  # type: ignore[misc]
        super().send(data)  # type: ignore[misc]


def _define_adapter() -> Any:
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class _Conn(_OneWrite, HTTPConnection):
        pass

    class _SConn(_OneWrite, HTTPSConnection):
        pass

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Conn

    class _SPool(HTTPSConnectionPool):
        ConnectionCls = _SConn

    pools = {"http": _Pool, "https": _SPool}

    class _Adapter(HTTPAdapter):
        """An adapter whose pools' connections register with the request's cut-off."""

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            if hasattr(manager, "pool_classes_by_scheme") and not proxy.startswith("socks"):
                manager.pool_classes_by_scheme = pools
            return manager

    return _Adapter


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


_BASE_HEADERS: Dict[str, str] = {}
_BASE_NAMES: Dict[str, str] = {}  # lower-cased name -> name, of _BASE_HEADERS


def _with_defaults(
    headers: Mapping[str, str], auth: Mapping[str, str], data: Any
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
        _BASE_NAMES.update({name.lower(): name for name in _BASE_HEADERS})
    sent = dict(headers)
    names = tuple(sent)
    plan = _plans.get(names) if not auth else None
    if plan is None:
        plan = _plan(names, auth)
    added, length = plan
    if added:
        sent.update(added)
    if length and data is not None:
        sent["Content-Length"] = str(len(data))
    return sent


_plans: Dict[Tuple[str, ...], Tuple[Dict[str, str], bool]] = {}
"""``_plan``'s answers by the names of a request's headers (a URL without userinfo)."""


def _plan(names: Tuple[str, ...], auth: Mapping[str, str]) -> Tuple[Dict[str, str], bool]:
    """The headers ``requests`` adds to headers named ``names``, and whether the length goes too.

    What a request adds depends only on the names it has (which it already
    sends; case-insensitively): worked out once per set of names.
    """
    given = set(map(str.lower, names))
    added = {
        name: _BASE_HEADERS[name] for lowered, name in _BASE_NAMES.items() if lowered not in given
    }
    for name, value in auth.items():
        if name.lower() not in given:
            added[name] = value
    plan = (added, "content-length" not in given)
    if not auth:
        if len(_plans) >= 64:
            _plans.clear()
        _plans[names] = plan
    return plan


def _after_fork_in_child() -> None:
    """A forked child starts with no request registered on any thread."""
    global current
    current = threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
