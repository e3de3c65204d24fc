"""``Tape``: the tap a cassette sets on the engine's transport, recording or replaying.

Every request of every provider, stream and batch client comes through
``Tape.send`` (``_engine.transport.set_tap``). Recording, it sends the
request, hands the engine the live response with its body copied as it is
read (``_raw.Recording``), and keeps the interaction when the engine
releases the body (the file is written at most once a second while
recording, and when the cassette ends); replaying, it finds the first recorded request with the
same key that was not replayed yet (so identical requests replay in
recorded order, whichever thread sends them), builds a ``requests``
response from it, and opens no socket. A request with no recorded answer
raises ``CassetteMismatchError`` with the closest recorded one and a diff.

Nothing secret is written: the request keeps no credential header, no
userinfo and no credential query parameter (``_match``), and every
credential the request carried is replaced in the response's headers and
body (``_redact.Scrubber``, the scrubber of call records and errors), also
in the copy of a success (a server that echoes a key in its answer).
Volatile response headers (``Date``, request ids, rate-limit counters of a
success) are left out so that re-recording the same calls changes little.
"""

from __future__ import annotations

import threading
import time
import zlib
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .._redact import Scrubber, request_secrets
from ..errors import CassetteMismatchError
from ._bodies import body_pieces, request_body, response_body
from ._file import write_cassette
from ._match import (
    Key,
    aws_secrets,
    match_key,
    mismatch_message,
    public_url,
    request_headers,
    url_secrets,
)
from ._raw import Recording, Replayed, failure_of, replayed_failure

__all__ = ["SAVE_INTERVAL", "Tape"]

SAVE_INTERVAL = 1.0
"""Seconds between two writes of a recording cassette while it records (always at its end)."""

_TRANSPORT_HEADERS = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}
)
_VOLATILE_HEADERS = frozenset(
    {
        "date",
        "server",
        "x-powered-by",
        "set-cookie",
        "age",
        "alt-svc",
        "via",
        "cf-ray",
        "cf-cache-status",
        "server-timing",
        "strict-transport-security",
        "x-envoy-upstream-service-time",
        "openai-processing-ms",
        "x-amzn-trace-id",
        "x-cloud-trace-context",
    }
)
_SUCCESS_VOLATILE = ("x-request-id", "request-id", "x-amzn-requestid", "apim-request-id")
_SUCCESS_VOLATILE_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-", "x-ms-")


def _kept(name: str, status: int) -> bool:
    if name in _TRANSPORT_HEADERS or name in _VOLATILE_HEADERS:
        return False
    if status < 400 and (name in _SUCCESS_VOLATILE or name.startswith(_SUCCESS_VOLATILE_PREFIXES)):
        return False
    return True


def _materialised(data: Any) -> Optional[bytes]:
    """The request body as bytes (a streamed upload is joined: it is read twice)."""
    if data is None or isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    return b"".join(data)


class Tape:
    """The interactions of one cassette, and the ``send`` that records or replays them.

    Args:
        path: the cassette file (written after each recorded interaction).
        interactions: the recorded interactions (replaying) or ``[]``.
        recording: record (send, and write) rather than replay.
        timing: record the time of each response and piece; replay at that pace.
    """

    def __init__(
        self, path: Path, interactions: List[Dict[str, Any]], recording: bool, timing: bool
    ) -> None:
        self.path = path
        self.recording = recording
        self.timing = timing
        self.interactions = interactions
        self.used = [False] * len(interactions)
        self._finished: List[bool] = [True] * len(interactions)
        self._starts: List[float] = [0.0] * len(interactions)  # when each was sent (recording)
        self._ends: List[float] = [0.0] * len(interactions)  # and when it finished
        self._lock = threading.Lock()
        self._saved_at = float("-inf")
        self._keys: Dict[Key, List[int]] = {}  # each key's interactions, in recorded order
        self._next: Dict[Key, int] = {}  # how many of them were replayed
        for index, item in enumerate(interactions):
            self._keys.setdefault(match_key(item["request"]), []).append(index)

    @property
    def instant(self) -> bool:
        """Replaying without recorded timing: the engine skips its waits between requests."""
        return not self.recording and not self.timing

    def send(
        self,
        exchange: Any,
        method: str,
        url: str,
        data: Any,
        headers: Mapping[str, str],
        timeout: Tuple[float, float],
        verify: Any,
        proxies: Mapping[str, str],
    ) -> Any:
        """The response to one request (see the module docstring)."""
        body = _materialised(data)
        secrets = request_secrets(headers, url, [*url_secrets(url), *aws_secrets(headers)])
        scrubber = Scrubber(secrets)
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        written = request_body(body, content_type)
        request: Dict[str, Any] = {
            "method": method.upper(),
            "url": public_url(url),
            "headers": request_headers(headers, scrubber),
        }
        if written is not None:
            request["body"] = scrubber.value(written)
        if self.recording:
            return self._record(
                exchange, request, scrubber, (method, url, body, headers), timeout, verify, proxies
            )
        return self._replay(exchange, request)

    # --- recording -------------------------------------------------------------

    def _record(
        self,
        exchange: Any,
        request: Dict[str, Any],
        scrubber: Scrubber,
        sent: Tuple[str, str, Optional[bytes], Mapping[str, str]],
        timeout: Tuple[float, float],
        verify: Any,
        proxies: Mapping[str, str],
    ) -> Any:
        entry: Dict[str, Any] = {"request": request}
        with self._lock:
            self.interactions.append(entry)
            self._finished.append(False)
            self._starts.append(time.monotonic())
            self._ends.append(float("inf"))
            self.used.append(True)
            index = len(self.interactions) - 1
        start = time.monotonic()
        try:
            response = exchange.send_live(*sent, timeout, verify, proxies)
        except BaseException as exc:
            failure = failure_of(exc, scrubber.text(_first_line(exc)))
            if failure is not None:
                entry["error"] = failure
            self._close(index, keep=failure is not None)
            raise
        status = int(response.status_code)
        headers = {
            name.lower(): scrubber.text(value)
            for name, value in response.raw.headers.items()
            if _kept(name.lower(), status)
        }
        encoding = str(response.raw.headers.get("content-encoding", "")).strip().lower()
        elapsed = time.monotonic() - start

        def done(recording: Recording) -> None:
            content = b"".join(recording.pieces)
            if encoding in ("gzip", "x-gzip", "deflate") and not recording.decoded:
                content = _inflated(content, encoding, recording) or content
            elif encoding not in ("", "identity") and not recording.decoded:
                headers["content-encoding"] = encoding  # kept encoded, so replayed encoded
            body = response_body(scrubber.bytes(content), headers.get("content-type", ""))
            entry["response"] = {
                "status": status,
                "headers": dict(sorted(headers.items())),
                "body": scrubber.value(body),
            }
            if exchange.cutoff.fired:
                entry["error"] = {"kind": "deadline"}
            elif recording.failure is not None:
                failure = failure_of(
                    recording.failure, scrubber.text(_first_line(recording.failure))
                )
                if failure is not None:
                    entry["error"] = failure
            elif not recording.ended:
                entry["incomplete"] = True  # the reader stopped early: replayed as far as read
            if self.timing:
                entry["timing"] = {
                    "headers": round(elapsed, 4),
                    "pieces": _piece_times(recording, body_pieces(entry["response"]["body"])),
                }
            self._close(index, keep=True)

        response.raw = Recording(response.raw, done, start)
        return response

    def _close(self, index: int, keep: bool) -> None:
        """Mark an interaction finished; write the file if it was not written this second."""
        with self._lock:
            self._finished[index] = keep
            self._ends[index] = time.monotonic()
            if keep and time.monotonic() - self._saved_at >= SAVE_INTERVAL:
                self._save_locked()

    def save(self) -> None:
        """Write the finished interactions to the cassette file."""
        with self._lock:
            self._save_locked()

    def _save_locked(self) -> None:
        finished = [self.interactions[i] for i in self._written_order() if self._finished[i]]
        write_cassette(self.path, finished)
        self._saved_at = time.monotonic()

    def _written_order(self) -> List[int]:
        """The interactions in the order they are written: as sent, except that requests
        in flight together (``generate_many``, which sends them in a racy order) are
        sorted by their match key, so that re-recording them writes the same file.
        Identical requests keep the order they were sent in (the sort is stable)."""
        order: List[int] = []
        group: List[int] = []
        group_end = float("-inf")
        for index, end in enumerate(self._ends):
            started = self._starts[index]
            if group and started >= group_end:
                order += sorted(group, key=lambda i: match_key(self.interactions[i]["request"]))
                group = []
            group.append(index)
            group_end = max(group_end, end) if len(group) > 1 else end
        return order + sorted(group, key=lambda i: match_key(self.interactions[i]["request"]))

    # --- replaying -------------------------------------------------------------

    def _replay(self, exchange: Any, request: Dict[str, Any]) -> Any:
        key = match_key(request)
        with self._lock:
            indexes = self._keys.get(key, ())
            done = self._next.get(key, 0)
            index = indexes[done] if done < len(indexes) else None
            if index is None:
                message = mismatch_message(
                    str(self.path),
                    request,
                    [item["request"] for item in self.interactions],
                    self.used,
                )
                exchange.alarm.cancel()  # the stream path does not expect this error
                raise CassetteMismatchError(message, cassette=str(self.path))
            self.used[index] = True
            self._next[key] = done + 1
        entry = self.interactions[index]
        timing = entry.get("timing") if self.timing else None
        if timing:
            time.sleep(max(0.0, float(timing.get("headers", 0.0))))
        response = entry.get("response")
        if response is None:
            raise replayed_failure(entry.get("error") or {}, reading=False)
        return _response(request["url"], response, entry.get("error"), exchange.cutoff, timing)


def _response(
    url: str,
    written: Dict[str, Any],
    ending: Optional[Dict[str, Any]],
    cutoff: Any,
    timing: Optional[Dict[str, Any]],
) -> Any:
    """A ``requests.Response`` replaying a written response."""
    from requests.models import Response
    from requests.structures import CaseInsensitiveDict

    body = written.get("body")
    pieces = body_pieces(body)
    headers = {str(k).lower(): str(v) for k, v in (written.get("headers") or {}).items()}
    streamed = isinstance(body, dict) and ("sse" in body or "eventstream" in body)
    if ending is None and not streamed:
        headers["content-length"] = str(sum(len(piece) for piece in pieces))
    delays = None
    if timing:
        times = [float(t) for t in timing.get("pieces", [])]
        previous = [float(timing.get("headers", 0.0)), *times]
        delays = [now - before for now, before in zip(times, previous)]
    response = Response()
    response.status_code = int(written.get("status", 200))
    response.headers = CaseInsensitiveDict(headers)
    response.raw = Replayed(headers, pieces, ending, cutoff, delays)
    response.url = url
    return response


def _piece_times(recording: Recording, pieces: List[bytes]) -> List[float]:
    """When the last byte of each written piece arrived (seconds from the send)."""
    ends: List[int] = []
    total = 0
    for piece in recording.pieces:
        total += len(piece)
        ends.append(total)
    times: List[float] = []
    offset = read = 0
    for piece in pieces:
        offset += len(piece)
        while read < len(ends) - 1 and ends[read] < offset:
            read += 1
        times.append(round(recording.times[read], 4) if recording.times else 0.0)
    return times


def _inflated(content: bytes, encoding: str, recording: Recording) -> Optional[bytes]:
    """The decoded body of a whole gzip or deflate body, else ``None`` (kept as received)."""
    if not recording.ended:
        return None
    for wbits in (
        (16 + zlib.MAX_WBITS,) if encoding != "deflate" else (zlib.MAX_WBITS, -zlib.MAX_WBITS)
    ):
        try:
            return zlib.decompressobj(wbits).decompress(content)
        except zlib.error:
            continue
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return (text.splitlines()[0] if text else "")[:300]
