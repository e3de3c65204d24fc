"""HTTP for providers: ``HttpClient``, the buffered request path (a whole body, a hard deadline).

Its parts live beside it: ``transport`` (the channels, adapters and the
``Exchange`` one request holds, shared with ``stream_http``), ``body``
(reading a body under a size cap), ``failures`` (low-level errors mapped
to modelkit's, credentials scrubbed) and ``response`` (``HttpResponse``).

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

import operator
import os
import time
import weakref
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .._redact import Scrubber, redact_url, request_secrets
from .._response_headers import record_lowered_headers
from ..errors import APIConnectionError, APIError, APITimeoutError, ResponseFormatError
from .body import ENV_VAR, BodyTooLarge, max_response_bytes, read_body
from .channel import Channel
from .failures import deadline_error, drop_request, map_failure, scrub_error
from .response import HttpResponse
from .transport import Exchange, clamp_budget

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "HttpClient",
]

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 600.0
"""The most one request may take when the call sets no ``timeout``."""


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
        self._idle: List[Channel] = []  # channels not in use; list.pop/append are atomic
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
        budget = (
            DEFAULT_READ_TIMEOUT if timeout is None else clamp_budget(timeout, DEFAULT_READ_TIMEOUT)
        )
        exchange = Exchange(self._idle, self.pool_size, budget)
        cutoff = exchange.cutoff
        raw = None
        try:
            response = exchange.send(
                method,
                url,
                data,
                headers,
                (min(connect_timeout, budget), budget),
                self._verify,
                self._proxies(url),
            )
            raw = response.raw
            status = response.status_code
            lowered = _lowered(raw.headers)
            record_lowered_headers(lowered, status)  # for the call's request ids
            if 300 <= status < 400:
                raise self._redirected(status, lowered)
            content = read_body(raw, lowered, max_bytes or self.max_response_bytes)
            raw.release_conn()
            raw = None
            cutoff.finish()
            if cutoff.fired:  # urllib3 1.x returns a cut-off body without raising
                raise self._timeout(budget, url)
            self._check_complete(lowered, content)
            result = HttpResponse(status, lowered, content, time.monotonic() - exchange.start)
        except BodyTooLarge as exc:
            raise self._scrubbed(self._too_large(exc), headers, url, secrets) from None
        except APIError as error:
            self._scrubbed(error, headers, url, secrets)
            raise
        except Exception as exc:
            cutoff.finish()
            mapped = map_failure(exc, cutoff.fired, budget, self.provider, self.model, url)
            drop_request(exc)
            if mapped is None:
                raise
            raise self._scrubbed(mapped, headers, url, secrets) from exc
        finally:
            exchange.alarm.cancel()
            if raw is not None:  # not read to its end: the connection cannot be reused
                raw.close()
                raw.release_conn()
            exchange.give_back(self._idle)
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

    def _timeout(self, budget: float, url: str) -> APITimeoutError:
        return deadline_error(budget, self.provider, self.model, url)

    def close(self) -> None:
        """Close the idle channels (those in use close when done). Usable after."""
        idle, self._idle = self._idle, []
        for channel in idle:
            channel.close()


def _lowered(headers: Any) -> Dict[str, str]:
    """Response ``headers`` as a dict, names lower-cased; a repeated header's last value.

    urllib3's ``HTTPHeaderDict`` (1.26 and 2.x) keeps each header under its
    lower-cased name as ``[name, value, ...]``: read there, without its
    ``items()`` generator; anything else (a cassette's headers) through ``items()``.
    """
    container = getattr(headers, "_container", None)
    if type(container) is dict and type(headers).__module__ == "urllib3._collections":
        return dict(zip(container, map(_last, container.values())))  # (no Python frame)
    return {name.lower(): value for name, value in headers.items()}


_last = operator.itemgetter(-1)


_clients: weakref.WeakSet[HttpClient] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child must not read answers from the parent's pooled sockets."""
    for client in list(_clients):
        client._forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
