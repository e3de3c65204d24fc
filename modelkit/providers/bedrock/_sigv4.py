"""AWS Signature Version 4 signing for Bedrock.

The signing functions are pure (no I/O, no environment or clock reads) and
follow AWS's published algorithm: a canonical request (method, normalised and
URI-encoded path, sorted query, lower-cased and trimmed headers, hex SHA-256
of the payload), a string to sign over its hash and the credential scope, a
signing key derived by chained HMAC-SHA256 from the secret, date, region and
service, and the final ``Authorization`` header. ``sign`` ties them together
for one request. As botocore does for every service but S3, the path that is
signed is the path as sent, normalised and then URI-encoded once more, so a
Bedrock model id such as ``anthropic.claude-3-5-sonnet-20240620-v1:0`` is sent
as ``...-v1%3A0`` (see ``quote_path_segment`` and ``bedrock_runtime_url``) and
signed as ``...-v1%253A0``. Finding the credentials and the region is
``_credentials``' job.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Mapping, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

__all__ = [
    "ALGORITHM",
    "HeadersLike",
    "amz_date",
    "authorization_header",
    "bedrock_runtime_url",
    "canonical_headers",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "credential_scope",
    "parse_query",
    "payload_hash",
    "quote_path_segment",
    "sign",
    "signature",
    "signing_key",
    "string_to_sign",
    "uri_encode",
]

ALGORITHM = "AWS4-HMAC-SHA256"

#: Headers given either as a mapping or as (name, value) pairs; pairs allow a
#: name to repeat, whose values are then joined with commas in that order.
HeadersLike = Union[Mapping[str, str], Iterable[Tuple[str, str]]]

# RFC 3986 unreserved characters: the only ones SigV4 leaves unescaped.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_SLASH = ord("/")

# Headers that a signer leaves out even when present at signing time: the
# Authorization header itself, hop-by-hop headers that a proxy may rewrite,
# and headers the HTTP stack may change (botocore leaves out the same set).
_UNSIGNED_HEADERS = frozenset(
    {
        "authorization",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WHITESPACE_RUN = re.compile(r"\s+")


# --------------------------------------------------------------------------
# Encoding and canonical forms
# --------------------------------------------------------------------------


def uri_encode(value: str, *, encode_slash: bool = True) -> str:
    """Percent-encode a string the way SigV4 requires.

    Every byte of the UTF-8 encoding is escaped as ``%XY`` (upper-case hex)
    except the RFC 3986 unreserved characters ``A-Z a-z 0-9 - _ . ~``.

    Args:
        value: The text to encode. Any ``%`` in it is itself encoded, so an
            already-encoded string comes out double-encoded.
        encode_slash: Whether ``/`` is escaped too (``False`` for whole paths).

    Returns:
        The encoded string.
    """
    out: List[str] = []
    for byte in value.encode("utf-8"):
        if byte in _UNRESERVED or (byte == _SLASH and not encode_slash):
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def quote_path_segment(segment: str) -> str:
    """Encode one path segment (such as a Bedrock model id) for a request URL.

    This is how botocore renders a non-greedy URI label: ``:`` becomes
    ``%3A`` and ``/`` becomes ``%2F``, so a model id or an inference-profile
    ARN stays a single segment.

    Args:
        segment: The raw segment text.

    Returns:
        The segment, percent-encoded for use in the URL that is sent.
    """
    return uri_encode(segment, encode_slash=True)


def bedrock_runtime_url(region: str, model_id: str, action: str = "converse") -> str:
    """Build the Bedrock Runtime URL for a model action.

    Args:
        region: The AWS region, e.g. ``us-east-1``.
        model_id: The model id, inference-profile id or ARN, unencoded.
        action: The final path segment: ``converse`` or ``converse-stream``.

    Returns:
        ``https://bedrock-runtime.<region>.amazonaws.com/model/<id>/<action>``
        with the model id encoded by ``quote_path_segment``.
    """
    return f"https://bedrock-runtime.{region}.amazonaws.com/model/{quote_path_segment(model_id)}/{action}"


def _normalize_path(path: str) -> str:
    """Remove empty, ``.`` and ``..`` segments, keeping a trailing slash."""
    segments: List[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    normalized = "/" + "/".join(segments)
    if segments and path.endswith("/"):
        normalized += "/"
    return normalized


def canonical_uri(path: str, *, normalize: bool = True) -> str:
    """Return the canonical URI for a request path.

    For every service except S3, AWS normalises the path (RFC 3986 dot
    segments removed, empty segments collapsed) and then URI-encodes it, with
    ``/`` kept. The input is the path exactly as it appears in the request
    line, so escapes already in it (``%3A``) are encoded again (``%253A``).

    Args:
        path: The request path, without query string; empty means ``/``.
        normalize: ``False`` for S3-style signing, which keeps the path as is.

    Returns:
        The canonical URI.
    """
    if not path:
        path = "/"
    if normalize:
        path = _normalize_path(path)
    return uri_encode(path, encode_slash=False)


def parse_query(query: str) -> List[Tuple[str, str]]:
    """Split a raw query string into decoded (name, value) pairs.

    ``%XY`` escapes are decoded; ``+`` is kept as a literal plus sign, as AWS
    does. A parameter without ``=`` has an empty value.

    Args:
        query: The query string, without the leading ``?``.

    Returns:
        The pairs, in their original order.
    """
    pairs: List[Tuple[str, str]] = []
    if not query:
        return pairs
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query(pairs: Iterable[Tuple[str, str]]) -> str:
    """Return the canonical query string for decoded query parameters.

    Each name and value is URI-encoded (``/`` included), then the pairs are
    sorted by encoded name and, for repeated names, by encoded value.

    Args:
        pairs: Decoded (name, value) pairs.

    Returns:
        ``name=value`` items joined with ``&``; empty when there are none.
    """
    encoded = sorted((uri_encode(name), uri_encode(value)) for name, value in pairs)
    return "&".join(f"{name}={value}" for name, value in encoded)


def _header_items(headers: HeadersLike) -> Iterable[Tuple[str, str]]:
    if isinstance(headers, Mapping):
        return headers.items()
    return headers


def _trim_value(value: str) -> str:
    return _WHITESPACE_RUN.sub(" ", value.strip())


def canonical_headers(
    headers: HeadersLike, signed_headers: Optional[Iterable[str]] = None
) -> Tuple[str, str]:
    """Return the canonical headers block and the signed-headers list.

    Names are lower-cased and trimmed; values are trimmed and runs of
    whitespace collapse to one space; a repeated name's values are joined
    with ``,`` in the order given.

    Args:
        headers: The request headers to sign from.
        signed_headers: Names to sign (any case). ``None`` signs every given
            header.

    Returns:
        A pair: the ``name:value\\n`` lines sorted by name, and the names
        joined with ``;``.

    Raises:
        ValueError: If a name in ``signed_headers`` is not among ``headers``.
    """
    merged: Dict[str, List[str]] = {}
    for name, value in _header_items(headers):
        merged.setdefault(name.strip().lower(), []).append(_trim_value(value))
    if signed_headers is None:
        names = sorted(merged)
    else:
        names = sorted({name.strip().lower() for name in signed_headers})
        missing = [name for name in names if name not in merged]
        if missing:
            raise ValueError("headers to sign are missing: {}".format(", ".join(missing)))
    block = "".join("{}:{}\n".format(name, ",".join(merged[name])) for name in names)
    return block, ";".join(names)


def payload_hash(payload: bytes) -> str:
    """Return the lower-case hex SHA-256 of a request body.

    Args:
        payload: The exact bytes sent as the body (``b""`` for none).

    Returns:
        64 hex digits.
    """
    return hashlib.sha256(payload).hexdigest()


def _split_target(url_or_path: str) -> Tuple[str, str]:
    """Split a URL or a request target into (path, raw query)."""
    if not url_or_path.startswith("/") and "://" in url_or_path:
        parts = urlsplit(url_or_path)
        return parts.path, parts.query
    path, _, query = url_or_path.partition("?")
    return path, query


def canonical_request(
    method: str,
    url_or_path: str,
    headers: HeadersLike,
    payload: bytes,
    signed_headers: Optional[Iterable[str]] = None,
    *,
    normalize_path: bool = True,
    content_sha256: Optional[str] = None,
) -> str:
    """Build the SigV4 canonical request.

    Args:
        method: The HTTP method, e.g. ``POST``.
        url_or_path: The full URL, or the request target (path with an
            optional ``?query``), exactly as sent.
        headers: The headers to sign from; must include ``host``.
        payload: The body bytes.
        signed_headers: Names to sign; ``None`` signs every given header.
        normalize_path: ``False`` for S3-style signing (see ``canonical_uri``).
        content_sha256: A precomputed payload hash (or ``UNSIGNED-PAYLOAD``)
            to use instead of hashing ``payload``.

    Returns:
        The six canonical-request lines joined by newlines (the canonical
        headers block contributes its own trailing newline).
    """
    path, query = _split_target(url_or_path)
    header_block, signed = canonical_headers(headers, signed_headers)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path, normalize=normalize_path),
            canonical_query(parse_query(query)),
            header_block,
            signed,
            content_sha256 if content_sha256 is not None else payload_hash(payload),
        ]
    )


# --------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------


def amz_date(now: datetime) -> str:
    """Format a time as an ``X-Amz-Date`` value (``YYYYMMDDTHHMMSSZ``, UTC).

    Args:
        now: The signing time; a naive datetime is taken to be UTC.

    Returns:
        The basic-format ISO 8601 UTC timestamp.
    """
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ")


def credential_scope(date: str, region: str, service: str) -> str:
    """Return ``<date>/<region>/<service>/aws4_request``.

    Args:
        date: The signing date as ``YYYYMMDD``.
        region: The AWS region.
        service: The signing service name (``bedrock`` for Bedrock Runtime).

    Returns:
        The credential scope.
    """
    return f"{date}/{region}/{service}/aws4_request"


def string_to_sign(timestamp: str, scope: str, canonical: str) -> str:
    """Build the SigV4 string to sign.

    Args:
        timestamp: The ``X-Amz-Date`` value.
        scope: The credential scope from ``credential_scope``.
        canonical: The canonical request from ``canonical_request``.

    Returns:
        The algorithm, timestamp, scope and hex SHA-256 of the canonical
        request, one per line.
    """
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return "\n".join([ALGORITHM, timestamp, scope, digest])


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """Derive the SigV4 signing key from a secret access key.

    Args:
        secret: The secret access key.
        date: The signing date as ``YYYYMMDD``.
        region: The AWS region.
        service: The signing service name.

    Returns:
        The 32-byte key ``HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region),
        service), "aws4_request")``.
    """
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def signature(key: bytes, to_sign: str) -> str:
    """Sign a string to sign with a derived signing key.

    Args:
        key: The key from ``signing_key``.
        to_sign: The string from ``string_to_sign``.

    Returns:
        The lower-case hex HMAC-SHA256 signature.
    """
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization_header(access_key: str, scope: str, signed_headers: str, sig: str) -> str:
    """Format the ``Authorization`` header value.

    Args:
        access_key: The access key id.
        scope: The credential scope.
        signed_headers: The ``;``-joined signed header names.
        sig: The hex signature.

    Returns:
        ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``.
    """
    return f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed_headers}, Signature={sig}"


def _host_header(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"cannot sign a URL without a host: {url!r}")
    if ":" in host:  # an IPv6 literal keeps its brackets in the Host header
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return host


def sign(
    method: str,
    url: str,
    headers: HeadersLike,
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    session_token: Optional[str] = None,
    region: str,
    service: str,
    now: datetime,
    include_content_sha256: bool = False,
) -> Dict[str, str]:
    """Sign one request and return the headers to add to it.

    Every header in ``headers`` is signed except ``Authorization``,
    ``User-Agent``, ``Expect``, ``X-Amzn-Trace-Id`` and hop-by-hop headers,
    plus ``host`` (taken from ``headers`` or else from the URL, the way an
    HTTP client will send it), ``x-amz-date`` and, when given, the session
    token. Pass exactly the headers that will be sent with these names; the
    client may add others (``Content-Length``, ``Accept-Encoding``...) since
    unsigned headers do not affect the signature.

    Args:
        method: The HTTP method.
        url: The full URL as it will be sent (path already percent-encoded,
            e.g. from ``bedrock_runtime_url``).
        headers: The request headers to sign, without auth headers.
        body: The exact body bytes.
        access_key: The access key id.
        secret_key: The secret access key.
        session_token: A temporary-credential session token, if any.
        region: The AWS region.
        service: The signing service name (``bedrock`` for Bedrock Runtime).
        now: The signing time (naive means UTC).
        include_content_sha256: Also send and sign ``x-amz-content-sha256``.
            botocore sends it only to S3-style services, not to Bedrock.

    Returns:
        ``Authorization`` and ``X-Amz-Date``, plus ``X-Amz-Security-Token``
        when a session token is given and ``x-amz-content-sha256`` when asked.
    """
    timestamp = amz_date(now)
    body_hash = payload_hash(body)
    added: Dict[str, str] = {"X-Amz-Date": timestamp}
    if session_token:
        added["X-Amz-Security-Token"] = session_token
    if include_content_sha256:
        added["x-amz-content-sha256"] = body_hash

    to_sign: List[Tuple[str, str]] = []
    replaced = {name.lower() for name in added}
    for name, value in _header_items(headers):
        lname = name.strip().lower()
        if lname in _UNSIGNED_HEADERS or lname in replaced:
            continue
        to_sign.append((name, value))
    if not any(name.strip().lower() == "host" for name, _ in to_sign):
        to_sign.append(("host", _host_header(url)))
    to_sign.extend(added.items())

    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    canonical = canonical_request(
        method, target, to_sign, body, normalize_path=service != "s3", content_sha256=body_hash
    )
    _, signed_names = canonical_headers(to_sign)
    scope = credential_scope(timestamp[:8], region, service)
    sig = signature(
        signing_key(secret_key, timestamp[:8], region, service),
        string_to_sign(timestamp, scope, canonical),
    )
    result = {"Authorization": authorization_header(access_key, scope, signed_names, sig)}
    result.update(added)
    return result
