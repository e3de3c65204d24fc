"""Keep secrets and bulky media out of logs, records and exceptions.

``redact_headers`` masks every credential-bearing header on a copy;
``redact_url`` masks the password (or token) in a URL's userinfo and the
secret values of its query (``?password=``), ``url_secrets`` lists them;
``request_secrets`` lists every credential a request carries (secret header
values, the bearer token inside them, the URL's userinfo, and any the
provider adds), and ``Scrubber`` replaces them in text, bytes and JSON data
derived from a response, so a server echoing a key cannot put it into an
exception, a log line or a record. ``shorten_media`` replaces base64
payloads (data URIs and long base64 strings) with a short note of their
size. All return new objects and never change their input.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

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

# Patterns as text: compiled (and cached by re) by the first long string, not at import.
_DATA_URI = r"^data:([\w/+.-]+);base64,(.*)$"
_BASE64 = r"^[A-Za-z0-9+/]+={0,2}$"
_LONG_BASE64 = 512


def redact_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    """A copy of ``headers`` with every credential value replaced."""
    return {
        name: REDACTED if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


SECRET_QUERY_NAMES = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "token",
        "access_token",
        "auth",
        "key",
        "api_key",
        "apikey",
        "api-key",
        "sig",
        "signature",
    }
)
"""Query parameters whose value is a credential (``redis://h?password=``, ``?key=``)."""


def _authority(url: str) -> Tuple[int, int, int]:
    """``(start, at, end)`` of ``url``'s authority: after ``//``, its last ``@``, its end.

    ``start`` is ``-1`` when the URL has no authority, ``at`` is ``-1``
    when it has no userinfo. The authority ends at the first ``/``, ``?`` or
    ``#`` (as ``urllib.parse`` and redis-py read it), and a password holding
    ``@`` is masked whole (the last ``@`` ends the userinfo).
    """
    scheme_end = url.find("://")
    if scheme_end < 0:
        return -1, -1, -1
    start = scheme_end + 3
    end = len(url)
    for mark in "/?#":
        found = url.find(mark, start)
        if 0 <= found < end:
            end = found
    return start, url.rfind("@", start, end), end


def _query_secrets(url: str) -> List[Tuple[int, int]]:
    """``(start, end)`` of each secret query value in ``url``."""
    question = url.find("?")
    if question < 0:
        return []
    stop = url.find("#", question)
    stop = len(url) if stop < 0 else stop
    spans: List[Tuple[int, int]] = []
    position = question + 1
    for pair in url[question + 1 : stop].split("&"):
        name, equals, value = pair.partition("=")
        if equals and value and name.strip().lower() in SECRET_QUERY_NAMES:
            begin = position + len(name) + 1
            spans.append((begin, begin + len(value)))
        position += len(pair) + 1
    return spans


def redact_url(url: str) -> str:
    """``url`` with every credential it holds replaced.

    The password of its userinfo (or a lone user, a token) and the values
    of query parameters that hold one (``SECRET_QUERY_NAMES``:
    ``redis://h:6379/0?password=...``, ``?key=...``), for every scheme,
    ``unix://`` sockets included.
    """
    for begin, end in reversed(_query_secrets(url)):
        url = f"{url[:begin]}{REDACTED}{url[end:]}"
    start, at, _ = _authority(url)
    if at < 0:
        return url
    userinfo = url[start:at]
    user, colon, _ = userinfo.partition(":")
    masked = f"{user}:{REDACTED}" if colon else REDACTED
    return f"{url[:start]}{masked}{url[at:]}"


def url_secrets(url: str) -> List[str]:
    """The credentials in ``url`` (see ``redact_url``), each also percent-decoded."""
    from urllib.parse import unquote

    found = [url[begin:end] for begin, end in _query_secrets(url)]
    start, at, _ = _authority(url)
    if at >= 0:
        user, colon, password = url[start:at].partition(":")
        found += [password, f"{user}:{password}"] if colon else [user]
    found += [unquote(item) for item in found]
    return [item for item in found if item]


def _userinfo(url: str) -> List[str]:
    """The credentials in ``url``'s userinfo: the password and ``user:password``
    (each also percent-decoded), their Basic-auth form, or a lone user name;
    and the secret query values."""
    found = url_secrets(url)
    start, at, _ = _authority(url)
    if at >= 0:
        from urllib.parse import unquote

        user, colon, password = url[start:at].partition(":")
        if colon:
            import base64

            plain = f"{unquote(user)}:{unquote(password)}".encode("latin-1", "replace")
            found.append(base64.b64encode(plain).decode("ascii"))
    return found


def request_secrets(
    headers: Mapping[str, str], url: str = "", extra: Iterable[Optional[str]] = ()
) -> Tuple[str, ...]:
    """Every credential a request carries, longest first.

    The values of ``SECRET_HEADERS`` and the token after their scheme
    (``Bearer <token>``), the userinfo of ``url``, and ``extra`` (secrets the
    provider holds, such as an AWS secret key). Empty values are left out;
    short ones are not.
    """
    found: List[str] = []
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS and value:
            found.append(value)
            _, space, token = value.partition(" ")
            if space and token.strip():
                found.append(token.strip())
    found.extend(_userinfo(url))
    found.extend(item for item in extra if item)
    return tuple(sorted({item for item in found if item.strip()}, key=len, reverse=True))


class Scrubber:
    """Replaces a request's credentials in what came back from the server.

    Each secret is matched as sent and as a JSON encoder may escape it
    (``\\/`` for ``/``, ``\\uXXXX`` for non-ASCII), in text and in bytes.

    Args:
        secrets: the credentials, e.g. from :func:`request_secrets`.
    """

    __slots__ = ("_bytes", "_text")

    def __init__(self, secrets: Sequence[str]) -> None:
        forms: List[str] = []
        for secret in secrets:
            forms.append(secret)
            escaped = json.dumps(secret)[1:-1]
            forms.append(escaped)
            forms.append(escaped.replace("/", "\\/"))
        unique = sorted(set(forms), key=len, reverse=True)
        self._text = tuple(unique)
        self._bytes = tuple((f.encode("utf-8"), REDACTED.encode()) for f in unique)

    def __bool__(self) -> bool:
        return bool(self._text)

    def __repr__(self) -> str:
        return f"Scrubber({len(self._text)} forms)"

    def text(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for secret in self._text:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def bytes(self, data: bytes) -> bytes:
        """``data`` with every secret replaced (the same object when none is in it)."""
        for secret, mask in self._bytes:
            if secret in data:
                data = data.replace(secret, mask)
        return data

    def value(self, value: Any) -> Any:
        """JSON data ``value`` with every secret replaced (``value`` itself when none is in it)."""
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, (bool, int, float)):
            return value
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):
            return self.text(repr(value))
        scrubbed = self.text(text)
        if scrubbed == text:
            return value
        try:
            return json.loads(scrubbed)
        except ValueError:  # a secret that spanned JSON syntax: keep the text
            return scrubbed

    def headers(self, headers: Mapping[str, str]) -> Dict[str, str]:
        """A copy of ``headers`` with every secret in their values replaced."""
        return {name: self.text(value) for name, value in headers.items()}


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
    match = re.match(_DATA_URI, text, re.DOTALL)
    if match:
        return f"data:{match.group(1)};base64,[{len(match.group(2))} base64 characters]"
    if re.match(_BASE64, text):
        return f"[{len(text)} base64 characters]"
    return text
