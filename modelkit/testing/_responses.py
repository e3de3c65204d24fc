"""How a response is written in a cassette, and rebuilt from it for the engine.

``written_response`` turns a live response the engine has read (through
``_raw.Recording``) into its written form: the status, the headers worth
keeping (``kept_headers``: no credential, nothing volatile such as
``Date``, request ids or the rate-limit counters of a success, no
transport detail; the echo of a request's credential replaced), the body
decoded from gzip or deflate and in the forms of ``_bodies``, how it
ended (a failure, the deadline, or the reader stopping early), and, when
asked, its timing. ``replayed_response`` builds the ``requests.Response``
that replays it, its body a ``_raw.Replayed``.
"""

from __future__ import annotations

import zlib
from typing import Any, Dict, List, Optional

from .._redact import Scrubber
from ._bodies import body_pieces, response_body
from ._raw import Recording, Replayed, failure_of

__all__ = ["first_line", "kept_headers", "replayed_response", "written_response"]

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
    """Whether a response header (name lower-cased) is written."""
    if name in _TRANSPORT_HEADERS or name in _VOLATILE_HEADERS:
        return False
    if status < 400 and (name in _SUCCESS_VOLATILE or name.startswith(_SUCCESS_VOLATILE_PREFIXES)):
        return False
    return True


def kept_headers(headers: Any, status: int, scrubber: Scrubber) -> Dict[str, str]:
    """The response headers worth writing, names lower-cased, credentials replaced."""
    return {
        name.lower(): scrubber.text(value)
        for name, value in headers.items()
        if _kept(name.lower(), status)
    }


def written_response(
    status: int,
    headers: Dict[str, str],
    recording: Recording,
    scrubber: Scrubber,
    fired: bool,
    elapsed: Optional[float],
) -> Dict[str, Any]:
    """An interaction's ``response`` (and ``error``, ``incomplete``, ``timing``) as written.

    Args:
        status: the HTTP status.
        headers: the kept headers (``kept_headers``); a body kept encoded adds its encoding.
        recording: the body as the engine read it.
        scrubber: replaces the request's credentials.
        fired: the request's deadline cut it off.
        elapsed: seconds to the headers, when timing is recorded.
    """
    encoding = ""
    for name, value in recording.headers.items():
        if name.lower() == "content-encoding":
            encoding = str(value).strip().lower()
    content = b"".join(recording.pieces)
    if encoding in ("gzip", "x-gzip", "deflate") and not recording.decoded:
        content = _inflated(content, encoding, recording) or content
    elif encoding not in ("", "identity") and not recording.decoded:
        headers["content-encoding"] = encoding  # kept encoded, so replayed encoded
    body = response_body(scrubber.bytes(content), headers.get("content-type", ""))
    written: Dict[str, Any] = {
        "response": {
            "status": status,
            "headers": dict(sorted(headers.items())),
            "body": scrubber.value(body),
        }
    }
    if fired:
        written["error"] = {"kind": "deadline"}
    elif recording.failure is not None:
        failure = failure_of(recording.failure, scrubber.text(first_line(recording.failure)))
        if failure is not None:
            written["error"] = failure
    elif not recording.ended:
        written["incomplete"] = True  # the reader stopped early: replayed as far as read
    if elapsed is not None:
        written["timing"] = {
            "headers": round(elapsed, 4),
            "pieces": _piece_times(recording, body_pieces(written["response"]["body"])),
        }
    return written


def replayed_response(
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


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text, at most 300 characters."""
    text = str(exc)
    return (text.splitlines()[0] if text else "")[:300]
