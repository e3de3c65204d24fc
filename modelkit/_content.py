"""Content parts: text, reasoning, media, documents, provider data, server tool use.

``ContentText`` (with the citations the model gave for it), ``ContentReasoning``
(kept with its signature so a provider gets it back verbatim), the media
``ContentImage``/``ContentAudio``/``ContentVideo``, and the ``Content``
union of every part, which ``content_from_dict`` reads by ``type``. Parts
are defined here, apart from the messages that hold them: ``messages``
exports them on first use (PEP 562), so a call whose messages are plain
strings builds none of these classes (issue 24, cold start).

``ContentDocument`` is a document given to the model (a PDF, plain text, a
spreadsheet...): a local path, a URL or a ``data:`` URI, with a file name
and MIME type worked out from it when not given, as Inspect does. Which
providers take which documents is decided in each provider (one that cannot
take any raises ``ConfigError``). ``ContentData`` is an opaque provider
payload kept in a conversation so it can be sent back. ``ContentToolUse``
is a tool the provider ran itself (web search, code execution, an MCP
call): what was asked and what came back, with ``internal`` holding the
provider's own blocks so the turn goes back to that provider unchanged.
"""

from __future__ import annotations

import re
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Literal,
    Mapping,
    Optional,
    Tuple,
    Union,
)

import attrs

from ._serde import Decoder, Serializable
from .errors import ConfigError

if TYPE_CHECKING:
    from . import _citation
else:

    class _LazyCitations:
        """``_citation`` for ``ContentText``'s annotation: the citation classes load
        when something resolves the hint (``typing.get_type_hints``) or decodes
        a citation, not with this module (a first call needs none of them)."""

        def __getattr__(self, name: str) -> Any:
            from . import _citation

            return getattr(_citation, name)

    _citation = _LazyCitations()

__all__ = [
    "CONTENT_CLASSES",
    "Content",
    "ContentAudio",
    "ContentData",
    "ContentDocument",
    "ContentImage",
    "ContentReasoning",
    "ContentText",
    "ContentToolUse",
    "ContentVideo",
    "ToolUseType",
    "content_from_dict",
]

ToolUseType = Literal["web_search", "mcp_call", "code_execution"]
"""The kinds of server-side tool call (``ContentToolUse.tool_type``)."""

_DATA_URI_TYPE = r"^data:([^;,]*)"


@attrs.define
class ContentDocument(Serializable):
    """A document (e.g. a PDF): a local file path, a URL or a base64 ``data:`` URI.

    Args:
        document: where the document is, or its ``data:`` URI.
        filename: its file name (from the path, or ``document.<subtype>`` for
            a data URI, when not given).
        mime_type: its MIME type (from the data URI or the file name; else
            ``application/octet-stream``).
        citations: ask for citations into this document (Anthropic: text and
            PDF documents; other providers ignore it).
        internal: provider-specific data.
    """

    document: str
    filename: str = ""
    mime_type: str = ""
    citations: bool = False
    internal: Optional[Any] = attrs.field(default=None, kw_only=True)
    type: Literal["document"] = attrs.field(default="document", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("internal", "type")  # Inspect's order

    def __attrs_post_init__(self) -> None:
        if not self.document or (self.filename and self.mime_type):
            return
        if self.document.startswith("data:"):
            match = re.match(_DATA_URI_TYPE, self.document)
            declared = match.group(1).strip().lower() if match else ""
            self.mime_type = self.mime_type or declared or "application/octet-stream"
            self.filename = self.filename or f"document.{self.mime_type.split('/')[-1]}"
            return
        path = self.document.split("?", 1)[0].split("#", 1)[0]
        name = path.rstrip("/").replace("\\", "/").rsplit("/", 1)[-1]
        self.filename = self.filename or name
        if not self.mime_type:
            import mimetypes

            guessed, _ = mimetypes.guess_type(name)
            self.mime_type = guessed or "application/octet-stream"


@attrs.define
class ContentData(Serializable):
    """A provider-specific payload kept in the conversation (never shown as text).

    Args:
        data: the payload, as JSON data.
        internal: provider-specific data.
    """

    data: Dict[str, Any]
    internal: Optional[Any] = attrs.field(default=None, kw_only=True)
    type: Literal["data"] = attrs.field(default="data", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("internal", "type")  # Inspect's order


@attrs.define(kw_only=True)
class ContentToolUse(Serializable):
    """A tool the provider ran on its side (web search, code execution, MCP).

    Args:
        tool_type: ``"web_search"``, ``"mcp_call"`` or ``"code_execution"``.
        id: the provider's id for the call.
        name: the tool's name (e.g. ``web_search``, ``code_execution``).
        context: where it ran (e.g. the MCP server's name).
        arguments: what the tool was given, as JSON text.
        result: what it returned, as JSON text.
        error: the error it reported, if any.
        internal: the provider's own blocks for the call, sent back
            unchanged to that provider.
    """

    tool_type: ToolUseType
    id: str
    name: str
    context: Optional[str] = None
    arguments: str
    result: str
    error: Optional[str] = None
    internal: Optional[Any] = None
    type: Literal["tool_use"] = attrs.field(default="tool_use", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("internal", "type")  # Inspect's order


def _citations_from_list(items: List[Any]) -> List[_citation.Citation]:
    """Decoder of ``ContentText.citations`` (the citation classes load with the first)."""
    from ._citation import citations_from_list

    return citations_from_list(items)


@attrs.define
class ContentText(Serializable):
    """Text content.

    Args:
        text: the text.
        citations: the sources the model cited for this text (as Inspect:
            ``UrlCitation``, ``DocumentCitation``, ``ContentCitation``).
    """

    text: str
    citations: Optional[List[_citation.Citation]] = attrs.field(default=None, kw_only=True)
    type: Literal["text"] = attrs.field(default="text", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = (
        "internal",
        "type",
        "text",
        "refusal",
        "citations",
        "cache_breakpoint",
    )
    _inspect_only: ClassVar[Tuple[str, ...]] = ("internal", "refusal", "cache_breakpoint")
    _decoders: ClassVar[Dict[str, Decoder]] = {"citations": _citations_from_list}


@attrs.define
class ContentImage(Serializable):
    """An image: an http(s) URL, a ``data:`` URI, or a local file path.

    Args:
        image: where the image is, or its base64 ``data:`` URI.
        detail: ``"auto"``, ``"low"`` or ``"high"`` (OpenAI only).
    """

    image: str
    detail: Literal["auto", "low", "high"] = "auto"
    type: Literal["image"] = attrs.field(default="image", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("internal", "type")
    _inspect_only: ClassVar[Tuple[str, ...]] = ("internal",)


@attrs.define
class ContentAudio(Serializable):
    """Audio: a local file path or a base64 ``data:`` URI, in ``format``."""

    audio: str
    format: Literal["wav", "mp3"]
    type: Literal["audio"] = attrs.field(default="audio", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("internal", "type")
    _inspect_only: ClassVar[Tuple[str, ...]] = ("internal",)


@attrs.define
class ContentVideo(Serializable):
    """Video: a local file path, URL or base64 ``data:`` URI, in ``format``."""

    video: str
    format: Literal["mp4", "mpeg", "mov"]
    type: Literal["video"] = attrs.field(default="video", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("internal", "type")
    _inspect_only: ClassVar[Tuple[str, ...]] = ("internal",)


@attrs.define
class ContentReasoning(Serializable):
    """A model's reasoning, kept so it can be sent back unchanged.

    Args:
        reasoning: the reasoning text (empty when redacted).
        signature: the provider's signature over it, needed to send it back.
        redacted: the provider returned it encrypted; ``data`` holds it.
        data: the opaque, encrypted reasoning of a redacted block.
    """

    reasoning: str
    signature: Optional[str] = None
    redacted: bool = False
    data: Optional[str] = None
    type: Literal["reasoning"] = attrs.field(default="reasoning", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("internal", "type", "reasoning", "summary")
    _inspect_only: ClassVar[Tuple[str, ...]] = ("internal", "summary")
    _modelkit_only: ClassVar[FrozenSet[str]] = frozenset({"data"})


Content = Union[
    ContentText,
    ContentReasoning,
    ContentImage,
    ContentAudio,
    ContentVideo,
    ContentData,
    ContentToolUse,
    ContentDocument,
]

_CONTENT_TYPES: Dict[str, Any] = {
    "text": ContentText,
    "image": ContentImage,
    "audio": ContentAudio,
    "video": ContentVideo,
    "reasoning": ContentReasoning,
    "data": ContentData,
    "tool_use": ContentToolUse,
    "document": ContentDocument,
}


def content_from_dict(data: Mapping[str, Any]) -> Content:
    """Build the content part whose ``type`` the dict names."""
    cls = _CONTENT_TYPES.get(data.get("type", ""))
    if cls is None:
        raise ConfigError(
            f"unknown content type {data.get('type')!r}; expected one of {sorted(_CONTENT_TYPES)}"
        )
    part: Content = cls.from_dict(data)
    return part


CONTENT_CLASSES: Tuple[type, ...] = (
    ContentText,
    ContentReasoning,
    ContentImage,
    ContentAudio,
    ContentVideo,
    ContentData,
    ContentToolUse,
    ContentDocument,
)
"""Every content part class, in ``Content``'s order (``isinstance`` against a part)."""
