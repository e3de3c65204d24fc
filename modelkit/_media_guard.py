"""What local media may be read, how, and whether data is what it says.

``set_media_policy`` turns local files off for applications that pass
untrusted strings as media (only ``data:`` URIs and ``http(s)://`` URLs are
then accepted) and caps the bytes read from one file; ``local_files_allowed``
reads the setting (else ``MODELKIT_LOCAL_MEDIA``). ``read_file`` reads a
regular file only (never ``/dev/zero``, a FIFO, a socket), without blocking
on a FIFO, and no more than the cap. ``sniff(head)`` names a type from a
file's first bytes; ``media_mismatch`` says why data labelled as an image,
audio or video is not one (a ``.py`` file, or a text file behind a symlink
named ``innocent.png``). No import-time work.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from .errors import ConfigError

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "HEAD_BYTES",
    "LOCAL_MEDIA_ENV",
    "local_files_allowed",
    "media_mismatch",
    "read_file",
    "set_media_policy",
    "sniff",
]

DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
"""The most bytes read from one local media file unless ``set_media_policy`` says otherwise."""

LOCAL_MEDIA_ENV = "MODELKIT_LOCAL_MEDIA"
_DENY = ("0", "no", "false", "off", "deny")
_ALLOW = ("", "1", "yes", "true", "on", "allow")
_policy: Dict[str, Any] = {"local_files": None, "max_file_bytes": DEFAULT_MAX_FILE_BYTES}

HEAD_BYTES = 16
"""How many leading bytes ``sniff`` needs."""

_PREFIXES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x00\x00\x01\xba", "video/mpeg"),
    (b"\x00\x00\x01\xb3", "video/mpeg"),
    (b"\x1aE\xdf\xa3", "video/webm"),
    (b"%PDF-", "application/pdf"),
)
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_FTYP = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"avif": "image/avif",
    b"qt  ": "video/quicktime",
    b"M4A ": "audio/mp4",
}


def sniff(head: bytes) -> Optional[str]:
    """The media type ``head`` (a file's first bytes) starts like, or ``None``."""
    for prefix, mime in _PREFIXES:
        if head.startswith(prefix):
            return mime
    if head[:4] == b"RIFF":
        return _RIFF.get(head[8:12])
    if head[4:8] == b"ftyp":
        return _FTYP.get(head[8:12], "video/mp4")
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"  # an MPEG audio frame without an ID3 tag
    return None


def media_mismatch(kind: str, declared: Optional[str], head: Optional[bytes]) -> Optional[str]:
    """Why data said to be ``kind`` (``image``, ``audio``, ``video``) is not, or ``None``.

    Args:
        kind: what the content part says it holds.
        declared: the type a data URI declares or the file name suggests.
        head: the data's first bytes, when at hand.
    """
    if declared and "/" in declared and declared.split("/", 1)[0] != kind:
        return f"its type is {declared}, not {kind}/*"
    if head is None or kind != "image":
        return None
    found = sniff(head)
    if found is None or not found.startswith("image/"):
        what = f"{found} data" if found else "not in any image format"
        return f"its bytes are {what} (PNG, JPEG, GIF, WebP, HEIC... expected)"
    return None


def set_media_policy(
    *, local_files: Optional[bool] = None, max_file_bytes: Optional[int] = None
) -> None:
    """Set, for the whole process, what media strings may read from the local disk.

    Content parts take a URL, a ``data:`` URI or the path of a local file.
    When the strings come from someone you do not trust (a web form, a
    model's output), turn local files off: then a path (``/etc/passwd``,
    ``file:///...``, ``../x.png``) is a ``ConfigError`` and only ``data:``
    URIs and ``http(s)://`` URLs are accepted.

    Args:
        local_files: read local files (``True``, the default, as Inspect
            does) or refuse them (``False``); ``None`` leaves the setting
            alone. Unset, ``MODELKIT_LOCAL_MEDIA=deny`` (or ``0``, ``no``,
            ``false``, ``off``) in the environment refuses them, ``allow``
            (``1``, ``yes``, ``true``, ``on``) reads them, and any other
            value is a ``ConfigError`` when media is first read.
        max_file_bytes: the most bytes read from one file (default 32 MiB);
            ``None`` leaves the setting alone.

    Raises:
        ConfigError: a value of the wrong type.
    """
    if local_files is not None:
        if not isinstance(local_files, bool):
            raise ConfigError(f"local_files must be True or False, got {local_files!r}")
        _policy["local_files"] = local_files
    if max_file_bytes is not None:
        if isinstance(max_file_bytes, bool) or not isinstance(max_file_bytes, int):
            raise ConfigError(f"max_file_bytes must be an integer, got {max_file_bytes!r}")
        if max_file_bytes < 1:
            raise ConfigError(f"max_file_bytes must be >= 1, got {max_file_bytes!r}")
        _policy["max_file_bytes"] = max_file_bytes


def local_files_allowed() -> bool:
    """Whether media strings may name local files (``set_media_policy``, else the environment).

    Raises:
        ConfigError: ``MODELKIT_LOCAL_MEDIA`` holds a value that is neither
            an allow nor a deny word: a typo (``disabled``, ``block``) fails
            closed instead of reading local files.
    """
    allowed: Optional[bool] = _policy["local_files"]
    if allowed is not None:
        return allowed
    value = os.environ.get(LOCAL_MEDIA_ENV, "").strip().lower()
    if value in _DENY:
        return False
    if value in _ALLOW:
        return True
    raise ConfigError(
        f"{LOCAL_MEDIA_ENV}={value!r} is not a value it takes: use one of "
        f"{', '.join(v for v in _DENY)} to refuse local media files, or one of "
        f"{', '.join(v for v in _ALLOW if v)} (or leave it unset) to read them"
    )


def read_file(path: str, kind: str, prefix: str) -> bytes:
    """The bytes of the regular file at ``path``, at most the policy's ``max_file_bytes``."""
    import stat

    limit: int = _policy["max_file_bytes"]
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ConfigError(
            f"{prefix}cannot read {kind} file {path!r} ({exc.strerror or exc}); give the "
            f"path of a readable file or a data: URI"
        ) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"{prefix}{kind} {path!r} is not a regular file (a device, FIFO, socket or "
                f"directory); give the path of a file or a data: URI"
            )
        raw = b""
        if info.st_size <= limit:  # /proc files say 0 and hold more: read one byte past
            with os.fdopen(os.dup(fd), "rb") as handle:
                raw = handle.read(limit + 1)
        if info.st_size > limit or len(raw) > limit:
            raise ConfigError(
                f"{prefix}{kind} file {path!r} is larger than {limit} bytes, the most "
                f"modelkit reads (set_media_policy(max_file_bytes=...) raises it)"
            )
    finally:
        os.close(fd)
    return raw
