"""Media references as the providers read them: URLs, ``data:`` URIs and local files.

A ``ContentImage``/``ContentAudio``/``ContentVideo`` holds one string: a URL,
a ``data:`` URI or the path of a local file (``file://`` allowed).
``parse_media`` tells them apart; ``read_media`` turns a data URI or a file
into ``(mime type, base64 text)``; ``data_uri`` makes a base64 data URI of a
file; ``guess_mime`` guesses a type from a file name; ``media_type_error``
words the error for a type a provider cannot take. Which types and which
URLs a provider accepts stays in the provider. Every error is a
``ConfigError`` naming the file. No import-time work: ``base64``,
``mimetypes`` and ``urllib.parse`` are imported on first use.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple, Optional, Tuple, Union

from .errors import ConfigError

__all__ = [
    "MediaRef",
    "data_uri",
    "guess_mime",
    "media_type_error",
    "parse_media",
    "read_media",
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
    """
    match = re.match(_DATA_URI, source, re.DOTALL)
    if match:
        mime, params, payload = match.groups()
        encoded = any(p.strip().lower() == "base64" for p in params.split(";"))
        return MediaRef(source, None, mime.strip().lower() or None, payload, encoded)
    if source.startswith(_FILE_SCHEME):
        return MediaRef(source, path=source[len(_FILE_SCHEME) :])
    if re.match(_URL, source):
        return MediaRef(source)
    return MediaRef(source, path=source)


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
        ConfigError: ``source`` is a URL, a data URI that is not base64, or
            a file that does not exist or cannot be read.
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
    try:
        with open(ref.path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigError(
            f"{prefix}cannot read {kind} file {ref.path!r} ({exc.strerror or exc}); give the "
            f"path of a readable file or a data: URI"
        ) from exc
    import base64

    return guess_mime(ref.path), base64.b64encode(raw).decode("ascii")


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
