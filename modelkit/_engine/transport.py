"""The way to the network under ``HttpClient``: channels, adapters, and one request's send.

A ``_Channel`` is an ``HTTPAdapter`` (its urllib3 pools) with no urllib3
retries, plus each URL's prepared form; it serves one request at a time.
Requests go through ``HTTPAdapter.send`` with a ``PreparedRequest`` built
here, so none of a ``Session``'s per-call work (cookies, hooks, redirects,
environment merging, ``~/.netrc``) is paid or applied.

``Exchange`` is one request's hold on the network, shared by the buffered
path (``http``) and the streaming one (``stream_http``): it borrows a
channel from the client's idle list, arms the deadline (an alarm on the
shared watchdog that shuts the request's sockets down through its
``_Cutoff``), sends, and gives the channel back.

``Exchange.send`` hands the request to the tap set in ``tap`` when there
is one (a cassette of ``modelkit.testing``), else sends it
(``send_live``): a request pays one ``None`` check for cassettes.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import tap as taps
from .deadline import MAX_DELAY, watchdog

__all__ = ["Exchange", "clamp_budget"]


def clamp_budget(timeout: Optional[float], default: float) -> float:
    """``timeout`` (``default`` when ``None``) kept within what the watchdog accepts."""
    budget = default if timeout is None else timeout
    if not 0.001 <= budget <= MAX_DELAY:  # nan and inf too: never a crash
        budget = 0.001 if budget < 0.001 else MAX_DELAY
    return budget


class Exchange:
    """One request's borrowed channel, its deadline alarm and its cut-off.

    Made when the request starts (the alarm runs from then); ``send`` sends
    it, ``give_back`` returns the channel to the client's idle list, or
    closes it when the client was closed meanwhile (its list replaced).

    Args:
        idle: the client's idle channels (one is taken, or a new one made).
        pool_size: connections a new channel keeps per host.
        budget: seconds before the cut-off fires.
    """

    __slots__ = ("alarm", "channel", "cutoff", "idle", "start")

    def __init__(self, idle: List[_Channel], pool_size: int, budget: float) -> None:
        self.idle = idle
        self.channel = idle.pop() if idle else _Channel(pool_size)
        self.cutoff = _Cutoff()
        self.start = time.monotonic()
        self.alarm = watchdog().schedule(budget, self.cutoff.fire)

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
        """Send the request, the body left unread; the ``requests.Response``."""
        tap = taps.current
        if tap is not None:
            return tap.send(self, method, url, data, headers, timeout, verify, proxies)
        return self.send_live(method, url, data, headers, timeout, verify, proxies)

    def send_live(
        self,
        method: str,
        url: str,
        data: Any,
        headers: Mapping[str, str],
        timeout: Tuple[float, float],
        verify: Any,
        proxies: Mapping[str, str],
    ) -> Any:
        """``send`` to the network, whatever tap is set."""
        _current.cutoff = self.cutoff
        try:
            channel = self.channel
            return channel.adapter.send(
                channel.prepare(method, url, data, headers),
                stream=True,
                timeout=timeout,
                verify=verify,
                proxies=proxies,
            )
        finally:
            _current.cutoff = None

    def give_back(self, idle: List[_Channel]) -> None:
        """Return the channel to ``idle`` (the client's list now), or close it."""
        if self.idle is idle:
            idle.append(self.channel)
        else:  # the client was closed meanwhile
            self.channel.close()


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
        self.cut()

    def cut(self) -> None:
        """Shut the connections' sockets down: a read blocked on one returns at once."""
        with self._lock:
            connections = list(self.connections)
        for connection in connections:
            shut_down(connection)


def shut_down(connection: Any) -> None:
    """Shut an HTTP connection's socket down, if it has one: a read blocked on it returns."""
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
    from requests.models import Response
    from requests.structures import CaseInsensitiveDict
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

    __slots__ = ("_request_types", "adapter", "urls")

    def __init__(self, pool_size: int) -> None:
        from requests.models import PreparedRequest
        from requests.structures import CaseInsensitiveDict

        self.adapter = _make_adapter(pool_size)
        self.urls: Dict[str, Tuple[str, Dict[str, str]]] = {}
        self._request_types = (PreparedRequest, CaseInsensitiveDict)  # not imported per call

    def prepare(
        self, method: str, url: str, data: Optional[bytes], headers: Mapping[str, str]
    ) -> Any:
        """A ``PreparedRequest`` for ``url``, its userinfo moved into Basic auth."""
        PreparedRequest, CaseInsensitiveDict = self._request_types
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


def _after_fork_in_child() -> None:
    """A forked child starts with no request registered on any thread."""
    global _current
    _current = threading.local()


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
