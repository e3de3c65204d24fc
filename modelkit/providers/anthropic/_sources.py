"""Anthropic content sources: images and documents as the Messages API takes them.

An image is a ``url`` or ``base64`` source (JPEG, PNG, GIF, WebP). A
document (https://docs.anthropic.com/en/docs/build-with-claude/pdf-support,
``citations``) is a ``document`` block whose source is a PDF (``base64`` or
``url``), plain text (``{"type": "text", "media_type": "text/plain",
"data"}``) or an image (``{"type": "content", "content": [image block]}``),
titled with the file name, with ``citations: {"enabled": true}`` when the
part asks for them. Other document types are a ``ConfigError``. The only
I/O is reading a local file named by the part.
"""

from __future__ import annotations

from typing import Any, Dict

from ..._media import media_type_error, read_media
from ...errors import ConfigError
from ...messages import ContentDocument

__all__ = ["IMAGE_MEDIA_TYPES", "document_block", "image_source"]

Block = Dict[str, Any]

IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
"""The image types the Messages API accepts."""


def image_source(image: str) -> Block:
    """An image ``source``: ``url`` for http(s) links, else ``base64``.

    Raises:
        ConfigError: the file cannot be read, or its type is not one the API
            accepts (JPEG, PNG, GIF, WebP).
    """
    if image.startswith(("http://", "https://")):
        return {"type": "url", "url": image}
    media_type, data = read_media(image, "image", provider="anthropic", percent_encoded=True)
    if media_type not in IMAGE_MEDIA_TYPES:
        raise media_type_error(
            "anthropic", "image", media_type, image, "one of " + ", ".join(IMAGE_MEDIA_TYPES)
        )
    return {"type": "base64", "media_type": media_type, "data": data}


def document_block(part: ContentDocument) -> Block:
    """A ``document`` block: a PDF (base64 or URL), plain text, or an image.

    Raises:
        ConfigError: a document type the API does not take (it reads PDF,
            text and images), or text that is not UTF-8.
    """
    mime = part.mime_type
    source: Block
    if mime == "application/pdf":
        if part.document.startswith(("http://", "https://")):
            source = {"type": "url", "url": part.document}
        else:
            data = read_media(part.document, "document", provider="anthropic")[1]
            source = {"type": "base64", "media_type": mime, "data": data}
    elif mime.startswith("image/"):
        source = {
            "type": "content",
            "content": [{"type": "image", "source": image_source(part.document)}],
        }
    elif mime.startswith("text/") or mime in _TEXT_TYPES:
        source = {"type": "text", "media_type": "text/plain", "data": _document_text(part)}
    else:
        raise ConfigError(
            f"anthropic: document {part.filename!r} is {mime}; the Messages API reads PDF, "
            f"plain-text and image documents (convert it, or send its text)"
        )
    block: Block = {"type": "document", "source": source}
    if part.filename:
        block["title"] = part.filename
    if part.citations and source["type"] != "content":
        block["citations"] = {"enabled": True}
    return block


_TEXT_TYPES = ("application/json", "application/xml", "application/x-yaml")


def _document_text(part: ContentDocument) -> str:
    if part.document.startswith(("http://", "https://")):
        raise ConfigError(
            f"anthropic: a text document is sent as its text; download {part.filename!r} "
            f"and pass a local path or a data: URI"
        )
    import base64

    data = read_media(part.document, "document", provider="anthropic", percent_encoded=True)[1]
    try:
        return base64.b64decode(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"anthropic: text document {part.filename!r} is not UTF-8 text ({exc})"
        ) from exc
