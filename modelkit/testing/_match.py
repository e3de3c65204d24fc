"""What a cassette keeps of a request, what it matches on, and the diff shown on a miss.

A request is written as ``{"method", "url", "headers", "body"}``: the URL
without its userinfo or credential query parameters (``key=``, AWS
presigned-URL fields), the headers without credentials, signatures,
dates and transport details (``request_headers``), the body in the forms
of ``_bodies``. It is matched on its method, the URL's path and query
(parameters sorted; the host is left out, so a cassette replays against
another server or port) and the body in canonical JSON (keys sorted).
Headers never take part: an AWS SigV4 signature differs on every request.
"""

from __future__ import annotations

import difflib
import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._redact import SECRET_HEADERS, Scrubber

__all__ = ["Key", "match_key", "mismatch_message", "public_url", "request_headers", "url_secrets"]

Key = Tuple[str, str, str]

SECRET_PARAMS = frozenset(
    {
        "key",
        "api-key",
        "api_key",
        "apikey",
        "access_token",
        "token",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-amz-date",
    }
)
_DROPPED_HEADERS = frozenset(
    {
        "user-agent",
        "accept-encoding",
        "connection",
        "content-length",
        "host",
        "date",
        "x-amz-date",
        "x-amz-content-sha256",
    }
)
_SECRET_WORDS = ("auth", "key", "token", "secret", "signature", "cookie", "credential", "password")


def _secret_param(name: str) -> bool:
    return name.lower() in SECRET_PARAMS


def public_url(url: str) -> str:
    """``url`` without userinfo or credential query parameters."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _secret_param(k)
    ]
    return urlunsplit((parts.scheme, host, parts.path, urlencode(query), ""))


def url_secrets(url: str) -> List[str]:
    """The credential values in ``url``'s query (``key=...``)."""
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    return [value for name, value in query if _secret_param(name) and value]


def aws_secrets(headers: Mapping[str, str]) -> List[str]:
    """The access key id and signature inside an AWS SigV4 ``Authorization`` header."""
    found: List[str] = []
    for name, value in headers.items():
        if name.lower() == "authorization" and value.startswith("AWS4-"):
            for field in value.split(","):
                label, _, item = field.strip().rpartition(" ")[2].partition("=")
                if label == "Credential":
                    found.append(item.split("/")[0])
                elif label == "Signature":
                    found.append(item)
    return [item for item in found if len(item) >= 8]


def request_headers(headers: Mapping[str, str], scrubber: Scrubber) -> Dict[str, str]:
    """The headers worth keeping, names lower-cased and sorted, credentials left out."""
    kept: Dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if (
            lowered in SECRET_HEADERS
            or lowered in _DROPPED_HEADERS
            or any(word in lowered for word in _SECRET_WORDS)
            or (lowered == "accept" and value == "*/*")
        ):
            continue
        kept[lowered] = scrubber.text(value)
    return dict(sorted(kept.items()))


def _target(url: str) -> str:
    parts = urlsplit(url)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _secret_param(k)
    )
    return parts.path + (f"?{urlencode(query)}" if query else "")


def canonical(value: Any) -> str:
    """``value`` as canonical JSON: keys sorted, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def match_key(request: Mapping[str, Any]) -> Key:
    """What a written request is matched on: method, path and query, canonical body."""
    return (
        str(request["method"]).upper(),
        _target(str(request["url"])),
        canonical(request.get("body")),
    )


def _described(request: Mapping[str, Any]) -> List[str]:
    lines = [f"{str(request['method']).upper()} {_target(str(request['url']))}"]
    body = request.get("body")
    if body is not None:
        lines += json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return lines


def mismatch_message(
    path: str,
    request: Mapping[str, Any],
    recorded: Sequence[Mapping[str, Any]],
    used: Sequence[bool],
) -> str:
    """Why ``request`` has no recorded answer: the closest recorded request, and a diff.

    Args:
        path: the cassette's path.
        request: the request, as written.
        recorded: the cassette's requests, in order.
        used: which of them were already replayed.
    """
    key = match_key(request)
    head = f"cassette {path} has no recorded answer for {key[0]} {key[1]}"
    same = [i for i, item in enumerate(recorded) if match_key(item) == key]
    if same:
        return (
            f"{head}: it holds {len(same)} identical request(s), all replayed already "
            "(the code now makes this request more often than when it was recorded). "
            "Re-record the cassette (mode='record', or pytest --modelkit-record) if that is intended."
        )
    if not recorded:
        return f"{head}: the cassette holds no request. Record it (mode='record')."
    mine = _described(request)
    closest = _closest(mine, recorded, used)
    theirs = _described(recorded[closest])
    diff = list(
        difflib.unified_diff(theirs, mine, "recorded request", "this request", n=2, lineterm="")
    )
    shown = diff[:60] + ([f"... ({len(diff) - 60} more diff lines)"] if len(diff) > 60 else [])
    state = "already replayed" if used[closest] else "not yet replayed"
    return "\n".join(
        [
            f"{head}.",
            f"The closest recorded request (#{closest + 1} of {len(recorded)}, {state}) differs:",
            *shown,
            "If the change is intended, re-record the cassette (mode='record', or pytest "
            "--modelkit-record) and review the diff of the file.",
        ]
    )


def _closest(mine: List[str], recorded: Sequence[Mapping[str, Any]], used: Sequence[bool]) -> int:
    """The index of the recorded request most like ``mine`` (unused ones first on a tie).

    Only requests to the same method and target are compared when there are
    any, so the search stays short in a long cassette.
    """
    same_target = [i for i, item in enumerate(recorded) if _described(item)[0] == mine[0]]
    best: Optional[Tuple[float, int, int]] = None
    for index in same_target or range(len(recorded)):
        theirs = _described(recorded[index])
        matcher = difflib.SequenceMatcher(None, theirs, mine, autojunk=False)
        score = (matcher.ratio() + (1.0 if theirs[0] == mine[0] else 0.0), not used[index], -index)
        if best is None or score > best:
            best = score
    assert best is not None
    return -best[2]
