"""HTTP for providers: one ``requests.Session`` per thread, errors mapped once.

``requests`` is imported on the first request, not at ``import modelkit``.
Sessions are per thread (``requests`` does not promise a Session is
thread-safe) and mount adapters with no urllib3 retries, so modelkit's own
retry loop is the only one and its counts are honest. Every low-level
failure becomes a modelkit ``APIConnectionError`` or ``APITimeoutError``
here, ``raise ... from`` the original.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, List, Mapping, Optional

import attrs

from .errors import APIConnectionError, APITimeoutError

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "DEFAULT_READ_TIMEOUT", "HttpClient", "HttpResponse"]

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 600.0
_CHUNK = 64 * 1024


@attrs.frozen
class HttpResponse:
    """A response read in full: status, lower-cased headers, raw body, time."""

    status: int
    headers: Dict[str, str]
    content: bytes
    elapsed: float

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` when it is not)."""
        return json.loads(self.content.decode("utf-8"))

    @property
    def text(self) -> str:
        """The body as text, undecodable bytes replaced."""
        return self.content.decode("utf-8", errors="replace")


class HttpClient:
    """Posts JSON for one provider instance, with a session per thread.

    Args:
        provider: provider name, for error messages.
        model: model name, for error messages.
        pool_size: connections kept per host in each thread's pool.
    """

    def __init__(self, provider: str, model: str, pool_size: int = 16) -> None:
        self.provider = provider
        self.model = model
        self.pool_size = pool_size
        self._local = threading.local()
        self._sessions: List[Any] = []
        self._lock = threading.Lock()

    def _session(self) -> Any:
        session = getattr(self._local, "session", None)
        if session is None:
            import requests
            from requests.adapters import HTTPAdapter

            session = requests.Session()
            adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=self.pool_size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def post(
        self,
        url: str,
        data: bytes,
        headers: Mapping[str, str],
        timeout: Optional[float] = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> HttpResponse:
        """POST ``data`` and read the whole response within ``timeout`` seconds.

        Raises:
            APITimeoutError: no full response within ``timeout``.
            APIConnectionError: the connection failed or broke mid-response.
        """
        import requests

        budget = DEFAULT_READ_TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + budget
        start = time.monotonic()
        try:
            with self._session().post(
                url,
                data=data,
                headers=dict(headers),
                timeout=(min(connect_timeout, budget), budget),
                stream=True,
            ) as response:
                content = self._read(response, deadline, budget)
                return HttpResponse(
                    status=response.status_code,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    content=content,
                    elapsed=time.monotonic() - start,
                )
        except requests.exceptions.Timeout as exc:
            raise self._timeout(budget) from exc
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise APIConnectionError(
                f"connection failed: {_describe(exc)}", provider=self.provider, model=self.model
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise APIConnectionError(
                f"request failed: {_describe(exc)}", provider=self.provider, model=self.model
            ) from exc

    def _read(self, response: Any, deadline: float, budget: float) -> bytes:
        chunks = []
        for chunk in response.iter_content(_CHUNK):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise self._timeout(budget)
        return b"".join(chunks)

    def _timeout(self, budget: float) -> APITimeoutError:
        return APITimeoutError(
            f"no complete response within {budget:.3g}s", provider=self.provider, model=self.model
        )

    def close(self) -> None:
        """Close every thread's session. The client can still be used after."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()


def _describe(exc: BaseException) -> str:
    """A one-line description of a requests exception, without URLs' queries."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
