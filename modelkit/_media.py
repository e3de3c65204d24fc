"""Media references as the providers read them: URLs, ``data:`` URIs and local files.

A ``ContentImage``/``ContentAudio``/``ContentVideo`` holds one string: a URL,
a ``data:`` URI or the path of a local file (``file://`` allowed).
``parse_media`` tells them apart; ``read_media`` turns a data URI or a file
into ``(mime type, base64 text)``; ``data_uri`` makes a base64 data URI of a
file; ``guess_mime`` guesses a type from a file name; ``media_type_error``
words the error for a type a provider cannot take; ``check_media`` refuses,
before any request, a content part whose data is not what the part says
(a ``.py`` file or ``data:text/x-python`` sent as an image). Which types and
which URLs a provider accepts stays in the provider. Every error is a
``ConfigError`` naming the file. No import-time work: ``base64``,
``mimetypes`` and ``urllib.parse`` are imported on first use.

Local files are read only when the policy in ``_media_guard`` allows them
(``set_media_policy``; allowed by default), and then only regular files, up
to a size cap.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple, Optional, Tuple, Union

from ._media_guard import (
    HEAD_BYTES,
    LOCAL_MEDIA_ENV,
    local_files_allowed,
    media_mismatch,
    read_file,
    set_media_policy,
    sniff,
)
from .errors import ConfigError

__all__ = [
    "MediaRef",
    "check_media",
    "data_uri",
    "guess_mime",
    "media_type_error",
    "parse_media",
    "read_media",
    "set_media_policy",
]

# Patterns, not compiled regexes: ``re`` compiles and caches them on first use.
_DATA_URI = r"^data:([^;,]*)((?:;[^;,]*)*),(.*)$"
_URL = r"^[a-zA-Z][a-zA-Z0-9+.-]*://"
_FILE_SCHEME = "file://"
_SHOWN = 80  # characters of a reference quoted in an error (data URIs are long)

_EXTENSIONS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
}
"""Image types the providers take that ``mimetypes`` does not know everywhere
(its table depends on the Python version and the system's ``mime.types``)."""


class MediaRef(NamedTuple):
    """A media reference, parsed: a URL, a ``data:`` URI or a local file.

    Attributes:
        source: the reference as given.
        path: the local file's path (``file://`` removed), or ``None``.
        mime_type: the type a data URI declares (lower-cased), or ``None``.
        payload: a data URI's data as written (base64 or percent-encoded),
            or ``None``.
        is_base64: the data URI's payload is base64 (``;base64``).
    """

    source: str
    path: Optional[str] = None
    mime_type: Optional[str] = None
    payload: Optional[str] = None
    is_base64: bool = False

    @property
    def is_data_uri(self) -> bool:
        """A ``data:`` URI."""
        return self.payload is not None

    @property
    def is_file(self) -> bool:
        """A local file path (or ``file://`` URL)."""
        return self.path is not None

    @property
    def is_url(self) -> bool:
        """A URL with a scheme other than ``file:`` (``https://``, ``s3://``...)."""
        return self.path is None and self.payload is None


def parse_media(source: str) -> MediaRef:
    """Tell a URL, a ``data:`` URI and a local file apart.

    A string that is neither a well-formed data URI nor ``scheme://...``
    (other than ``file://``) is a file path.

    Raises:
        ConfigError: local files are turned off (``set_media_policy``) and
            ``source`` is neither a ``data:`` URI nor an ``http(s)://`` URL.
    """
    if not isinstance(source, str):
        raise ConfigError(f"media must be a string (URL, data: URI or file), got {source!r}")
    match = re.match(_DATA_URI, source, re.DOTALL)
    if match:
        mime, params, payload = match.groups()
        encoded = any(p.strip().lower() == "base64" for p in params.split(";"))
        return MediaRef(source, None, mime.strip().lower() or None, payload, encoded)
    if not local_files_allowed() and not source.lower().startswith(("http://", "https://")):
        raise ConfigError(
            f"media {_shown(source)!r} is not a data: URI or an http(s) URL, and local files "
            f"are turned off (set_media_policy(local_files=False) or {LOCAL_MEDIA_ENV}); "
            f"pass the data as a data: URI"
        )
    if source.startswith(_FILE_SCHEME):
        return MediaRef(source, path=source[len(_FILE_SCHEME) :])
    if re.match(_URL, source):
        return MediaRef(source)
    return MediaRef(source, path=source)


def check_media(kind: str, source: str) -> None:
    """Refuse, before any request, media whose data is not what its part says.

    A data URI or file whose type (declared, or guessed from the name) is
    not ``kind``, and a data URI labelled as an image whose bytes are in no
    image format, are errors. URLs pass (the API fetches them). No file is
    read here; ``read_media`` checks a file's bytes when it reads them.

    Args:
        kind: ``image``, ``audio`` or ``video``.
        source: the content part's string.

    Raises:
        ConfigError: naming the value and what it holds instead.
    """
    ref = parse_media(source)
    if ref.is_url:
        return
    head: Optional[bytes] = None
    declared = ref.mime_type
    if ref.payload is not None and ref.is_base64:
        head = _decoded_head(ref.payload)
    elif ref.path is not None:
        declared = guess_mime(ref.path)
    problem = media_mismatch(kind, declared, head)
    if problem:
        raise ConfigError(f"{kind} {_shown(source)!r} is not an {kind}: {problem}")


def _decoded_head(payload: str) -> Optional[bytes]:
    import base64
    import binascii

    chunk = re.sub(r"\s+", "", payload[: HEAD_BYTES * 2])[: (HEAD_BYTES + 2) // 3 * 4]
    try:
        return base64.b64decode(chunk + "=" * (-len(chunk) % 4))
    except (binascii.Error, ValueError):
        return None


def guess_mime(name: str) -> Optional[str]:
    """The mime type of a file from its name's extension, or ``None``."""
    import mimetypes

    extension = os.path.splitext(name)[1].lower()
    return _EXTENSIONS.get(extension) or mimetypes.guess_type(name)[0]


def read_media(
    source: Union[str, MediaRef],
    kind: str = "media",
    *,
    provider: str = "",
    percent_encoded: bool = False,
) -> Tuple[Optional[str], str]:
    """``(mime type, base64 text)`` of a data URI or a local file.

    The type is the one the data URI declares, or the one ``guess_mime``
    finds from the file's name; ``None`` when neither gives one.

    Args:
        source: the reference (a string or a parsed ``MediaRef``).
        kind: what it is, for error messages (``image``, ``audio``...).
        provider: the provider name that starts error messages.
        percent_encoded: accept a data URI that is not base64 (its
            percent-decoded bytes are base64-encoded); else it is an error.

    Raises:
        ConfigError: ``source`` is a URL, a data URI that is not base64, a
            file that does not exist, cannot be read, is not a regular file,
            is larger than the policy's ``max_file_bytes``, or is named as
            an image but holds none; or local files are turned off.
    """
    ref = source if isinstance(source, MediaRef) else parse_media(source)
    prefix = f"{provider}: " if provider else ""
    if ref.payload is not None:
        if ref.is_base64:
            return ref.mime_type, ref.payload
        if not percent_encoded:
            raise ConfigError(
                f"{prefix}data URIs must be base64-encoded (data:<type>;base64,...), "
                f"got {_shown(ref.source)!r}"
            )
        import base64
        from urllib.parse import unquote_to_bytes

        return ref.mime_type, base64.b64encode(unquote_to_bytes(ref.payload)).decode("ascii")
    if ref.path is None:
        raise ConfigError(
            f"{prefix}cannot read {kind} from the URL {_shown(ref.source)!r}; download it and "
            f"give the path of the file or a data: URI"
        )
    raw = read_file(ref.path, kind, prefix)
    named = guess_mime(ref.path)
    found = sniff(raw[:HEAD_BYTES])
    # Labelled as an image (by the caller or the file's name): the bytes must be one.
    label = "image" if named and named.startswith("image/") else kind
    # A document may be of any type: only media said to be image/audio/video is checked.
    checked = label not in ("media", "document")
    problem = media_mismatch(label, named, raw[:HEAD_BYTES]) if checked else None
    if problem:
        raise ConfigError(f"{prefix}file {ref.path!r} cannot be sent as {label}: {problem}")
    mime = named or found
    import base64

    return mime, base64.b64encode(raw).decode("ascii")


def data_uri(
    source: Union[str, MediaRef],
    kind: str = "media",
    *,
    provider: str = "",
    default_mime: Optional[str] = None,
) -> str:
    """``source`` as a ``data:`` URI: a data URI as given, a local file read and encoded.

    Args:
        source: the reference (a string or a parsed ``MediaRef``).
        kind: what it is, for error messages (``image``, ``audio``...).
        provider: the provider name that starts error messages.
        default_mime: the type of a file whose name tells none.

    Raises:
        ConfigError: ``source`` is a URL, or a file that cannot be read or
            whose type is unknown (and no ``default_mime`` is given).
    """
    ref = source if isinstance(source, MediaRef) else parse_media(source)
    if ref.is_data_uri:
        return ref.source
    mime, data = read_media(ref, kind, provider=provider)
    mime = mime or default_mime
    if not mime:
        raise media_type_error(provider, kind, None, ref.source)
    return f"data:{mime};base64,{data}"


def media_type_error(
    provider: str, kind: str, mime_type: Optional[str], source: str, accepted: str = ""
) -> ConfigError:
    """The error for media of an unknown type, or of one the provider does not take.

    Args:
        provider: the provider name that starts the message.
        kind: what it is (``image``, ``media``...).
        mime_type: the type found, or ``None``/``""`` when unknown.
        source: the reference, quoted (shortened) in the message.
        accepted: the types the provider takes, in words.
    """
    prefix = f"{provider}: " if provider else ""
    shown = _shown(source)
    if not mime_type:
        use = f" ({accepted})" if accepted else ""
        return ConfigError(
            f"{prefix}cannot tell the {kind} type of {shown!r} from its name; give the file a "
            f"known extension{use} or pass a data: URI"
        )
    use = f"; use {accepted}" if accepted else ""
    return ConfigError(f"{prefix}{kind} type {mime_type!r} is not accepted (in {shown!r}){use}")


def _shown(source: str) -> str:
    return source if len(source) <= _SHOWN else source[: _SHOWN - 3] + "..."
