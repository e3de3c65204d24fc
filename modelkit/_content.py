"""Content parts beyond text and media: documents, provider data, server tool use.

``ContentDocument`` is a document given to the model (a PDF, plain text, a
spreadsheet...): a local path, a URL or a ``data:`` URI, with a file name
and MIME type worked out from it when not given, as Inspect does. Which
providers take which documents is decided in each provider (one that cannot
take any raises ``ConfigError``). ``ContentData`` is an opaque provider
payload kept in a conversation so it can be sent back. ``ContentToolUse``
is a tool the provider ran itself (web search, code execution, an MCP
call): what was asked and what came back, with ``internal`` holding the
provider's own blocks so the turn goes back to that provider unchanged.
``messages`` puts them in the ``Content`` union.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Dict, Literal, Optional, Tuple

import attrs

from ._serde import Serializable

__all__ = ["ContentData", "ContentDocument", "ContentToolUse", "ToolUseType"]

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
