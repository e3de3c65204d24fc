"""Keep secrets and bulky media out of logs, records and exceptions.

``redact_headers`` masks every credential-bearing header on a copy;
``shorten_media`` replaces base64 payloads (data URIs and long base64
strings) with a short note of their size. Both return new objects and never
change their input.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional, Sequence

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "x-amz-security-token",
        "proxy-authorization",
        "cookie",
    }
)
REDACTED = "[redacted]"

_DATA_URI = re.compile(r"^data:([\w/+.-]+);base64,(.*)$", re.DOTALL)
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_LONG_BASE64 = 512


def redact_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    """A copy of ``headers`` with every credential value replaced."""
    return {
        name: REDACTED if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


def redact_text(text: str, secrets: Sequence[Optional[str]]) -> str:
    """``text`` with each non-empty secret in ``secrets`` replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def shorten_media(value: Any) -> Any:
    """A copy of ``value`` with base64 media replaced by a note of its size."""
    if isinstance(value, str):
        return _shorten_string(value)
    if isinstance(value, dict):
        return {key: shorten_media(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [shorten_media(item) for item in value]
    return value


def _shorten_string(text: str) -> str:
    if len(text) < _LONG_BASE64:
        return text
    match = _DATA_URI.match(text)
    if match:
        return f"data:{match.group(1)};base64,[{len(match.group(2))} base64 characters]"
    if _BASE64.match(text):
        return f"[{len(text)} base64 characters]"
    return text
