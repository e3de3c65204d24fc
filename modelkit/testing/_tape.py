"""``Tape``: the tap a cassette sets on the engine, recording or replaying.

Every request of every provider, stream and batch client comes through
``Tape.send`` (``_engine.tap.set_tap``). Recording, it sends the
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
body (``_responses``, with ``_redact.Scrubber``, the scrubber of call
records and errors), also in the copy of a success (a server that echoes
a key in its answer).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .._redact import Scrubber, request_secrets
from ..errors import CassetteMismatchError, ConfigError
from ._bodies import request_body
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
from ._raw import Recording, failure_of, replayed_failure
from ._responses import first_line, kept_headers, replayed_response, written_response

__all__ = ["SAVE_INTERVAL", "Tape"]

SAVE_INTERVAL = 1.0
"""Seconds between two writes of a recording cassette while it records (always at its end)."""


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
            failure = failure_of(exc, scrubber.text(first_line(exc)))
            if failure is not None:
                entry["error"] = failure
            self._close(index, keep=failure is not None)
            raise
        status = int(response.status_code)
        headers = kept_headers(response.raw.headers, status, scrubber)
        elapsed = time.monotonic() - start

        def done(recording: Recording) -> None:
            fired = exchange.cutoff.fired
            timed = elapsed if self.timing else None
            entry.update(written_response(status, headers, recording, scrubber, fired, timed))
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
        try:
            return replayed_response(
                request["url"], response, entry.get("error"), exchange.cutoff, timing
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a hand-edited file
            exchange.alarm.cancel()
            raise ConfigError(
                f"cassette {self.path}: interaction #{index + 1} cannot be replayed "
                f"({type(exc).__name__}: {exc}); re-record the cassette"
            ) from exc
