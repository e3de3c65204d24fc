"""HTTP for the MCP transports: requests sessions, deadlines, caps and credential scrubbing.

One ``requests.Session`` per thread (``requests`` does not promise one is
thread-safe), no redirects followed (a redirect could carry the headers'
credentials to another host: it is an error naming the status), and every
request bounded twice: ``(connect, read)`` socket timeouts, and an alarm on
the engine's watchdog that shuts the socket down when the request's
deadline passes, so a server trickling bytes cannot hold a call past it.
Every text taken from a response or an exception for an error message
goes through the ``Scrubber`` of the configured credentials.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..._engine.transport import shut_down
from ..._redact import Scrubber, redact_url, request_secrets
from ...errors import MCPServerError, MCPTimeoutError, shorten
from ._config import MCPServerConfigHTTP
from ._rpc import remaining

__all__ = ["Unreachable", "Web", "cut", "shown_url"]

_CHUNK = 64 * 1024


class Unreachable(MCPServerError):
    """The connection failed or broke (not a timeout, not an answer that breaks the protocol)."""


class Web:
    """The HTTP side of one server's transport.

    Args:
        config: the server's URL, name and headers.
        timeout: seconds to connect and to send.
    """

    def __init__(self, config: MCPServerConfigHTTP, timeout: float) -> None:
        self.name = config.name
        self.timeout = timeout
        self.headers = dict(config.headers or {})
        values = [value for value in self.headers.values() if len(value) >= 4]
        values += [v for _, v in parse_qsl(urlsplit(config.url).query) if len(v) >= 4]
        self.scrub = Scrubber(request_secrets(self.headers, config.url, values))
        self._local = threading.local()
        self._sessions: List[Any] = []
        self._lock = threading.Lock()
        self.response: Any = None  # the last response opened (the SSE transport cuts it)

    def _session(self) -> Any:
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    @contextlib.contextmanager
    def post(
        self,
        url: str,
        message: Dict[str, Any],
        headers: Dict[str, str],
        deadline: float,
        what: str,
        seconds: Optional[float],
    ) -> Iterator[Any]:
        """POST ``message`` as JSON; the response, its body unread, closed after the block."""
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        sent = {**self.headers, **headers, "Content-Type": "application/json"}
        with self.request("POST", url, sent, deadline, what, seconds, body) as response:
            yield response

    @contextlib.contextmanager
    def request(
        self,
        method: str,
        url: str,
        headers: Dict[str, str],
        deadline: float,
        what: str,
        seconds: Optional[float],
        body: Optional[bytes] = None,
        silence: Optional[float] = None,
    ) -> Iterator[Any]:
        """Send one request; the streamed response, cut at ``deadline``, closed after the block.

        ``silence`` caps each socket read (default: the time left).
        """
        import requests

        from ..._engine.deadline import watchdog

        left = remaining(self.name, deadline, what, seconds)
        try:
            response = self._session().request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=(min(self.timeout, left), min(left, silence or left)),
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.Timeout:
            raise self._timeout(what, seconds) from None
        except requests.exceptions.RequestException as exc:
            raise self._unreachable(exc) from None
        self.response = response
        alarm = watchdog().schedule(deadline - _now(), lambda: cut(response))
        try:
            if 300 <= response.status_code < 400:
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} redirected {what} (HTTP {response.status_code}); "
                    "configure the URL it redirects to",
                )
            yield response
        except requests.exceptions.Timeout:
            raise self._timeout(what, seconds) from None
        except requests.exceptions.RequestException as exc:
            if alarm.fired:
                raise self._timeout(what, seconds) from None
            raise self._unreachable(exc) from None
        finally:
            alarm.cancel()
            response.close()

    def chunks(
        self, response: Any, deadline: float, what: str, seconds: Optional[float]
    ) -> Iterator[bytes]:
        """The body's bytes as they arrive (the deadline checked before each read)."""
        from ..._engine.stream_http import _legacy_reader

        raw = response.raw
        # urllib3 2: whatever has arrived, up to a chunk; 1.26: one HTTP chunk at a
        # time, or what has arrived of a body that ends when the connection closes
        read = getattr(raw, "read1", None) or _legacy_reader(raw)
        pieces: Iterator[bytes] = iter(lambda: read(_CHUNK), b"")
        while True:
            remaining(self.name, deadline, what, seconds)
            try:
                chunk = next(pieces, b"")
            except Exception as exc:  # urllib3's errors differ across versions
                if _now() >= deadline:
                    raise self._timeout(what, seconds) from None
                raise self._unreachable(exc) from None
            if not chunk:
                if _now() >= deadline:  # the cut at the deadline reads as the body's end
                    raise self._timeout(what, seconds)
                return
            yield chunk

    def read(
        self, response: Any, cap: int, deadline: float, what: str, seconds: Optional[float]
    ) -> bytes:
        """The whole body, refused past ``cap`` bytes."""
        parts: List[bytes] = []
        total = 0
        for chunk in self.chunks(response, deadline, what, seconds):
            total += len(chunk)
            if total > cap:
                raise MCPServerError(
                    server=self.name,
                    message=f"MCP server {self.name!r} answered {what} with over {cap} bytes",
                )
            parts.append(chunk)
        return b"".join(parts)

    def status_error(self, response: Any, what: str) -> MCPServerError:
        """The error for an HTTP error status, with a scrubbed start of the body."""
        try:
            head = response.raw.read(2000, decode_content=True) or b""
        except Exception:  # the body is only a hint here
            head = b""
        text = self.scrub.text(head.decode("utf-8", "replace")).strip()
        hint = (
            " (check the credentials in headers / authorization)"
            if response.status_code
            in (
                401,
                403,
            )
            else ""
        )
        detail = f": {shorten(text, 300)}" if text else ""
        return MCPServerError(
            server=self.name,
            message=f"MCP server {self.name!r} answered {what} with HTTP {response.status_code}"
            f"{hint}{detail}",
        )

    def delete(self, url: str, headers: Dict[str, str]) -> None:
        """Best-effort ``DELETE`` (ending a session); failures are only logged."""
        from ._rpc import deadline_after

        try:
            sent = {**self.headers, **headers}
            with self.request("DELETE", url, sent, deadline_after(self.timeout), "DELETE", None):
                pass
        except MCPServerError:
            pass

    def close(self) -> None:
        """Close every thread's session."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def _timeout(self, what: str, seconds: Optional[float]) -> MCPTimeoutError:
        limit = f" within {seconds:g}s" if seconds is not None else ""
        return MCPTimeoutError(
            server=self.name, message=f"MCP server {self.name!r} did not answer {what}{limit}"
        )

    def _unreachable(self, exc: BaseException) -> MCPServerError:
        detail = shorten(self.scrub.text(str(exc)), 300)
        return Unreachable(
            server=self.name,
            message=f"MCP server {self.name!r} could not be reached ({type(exc).__name__}: {detail})",
        )


def _now() -> float:
    import time

    return time.monotonic()


def cut(response: Any) -> None:
    """Shut the response's socket down (the deadline passed)."""
    shut_down(
        getattr(response.raw, "_connection", None) or getattr(response.raw, "connection", None)
    )


def shown_url(url: str) -> str:
    """``url`` without its query and with its userinfo redacted, for names and messages."""
    parts = urlsplit(redact_url(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
