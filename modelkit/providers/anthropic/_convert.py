"""Anthropic Messages request messages back to modelkit's messages.

The inverse of ``_messages.messages_to_wire``, for
``modelkit.convert.messages_from_anthropic``: the ``messages`` of a
``POST /v1/messages`` body (https://docs.anthropic.com/en/api/messages).
A user turn's ``text``, ``image`` and ``document`` blocks become a user
message (images and documents as URLs or base64 ``data:`` URIs, a text
document's text as a ``text/plain`` data URI, ``citations.enabled`` kept);
each ``tool_result`` block becomes a tool message (``is_error`` as a
``ToolCallError``), in block order. An assistant turn is read by the
response parser (``_response.parse_message``), so thinking, server-tool
blocks, citations and tool calls come out as ``generate`` gives them.
"""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Mapping

from ...errors import ConfigError
from ...messages import (
    ChatMessage,
    ChatMessageTool,
    ChatMessageUser,
    Content,
    ContentDocument,
    ContentImage,
    ContentText,
)
from ...tools._types import ToolCallError
from ._response import parse_message

__all__ = ["messages_from_wire"]

_WHO = "messages_from_anthropic"


def messages_from_wire(messages: List[Dict[str, Any]]) -> List[ChatMessage]:
    """Chat messages for the ``messages`` of a Messages API request.

    Raises:
        ConfigError: a role or block this converter does not know.
    """
    out: List[ChatMessage] = []
    names: Dict[str, str] = {}
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        if role == "assistant":
            assistant = parse_message({"content": list(blocks)}).message
            assistant.model = None
            for call in assistant.tool_calls or []:
                names[call.id] = call.function
            out.append(assistant)
        elif role == "user":
            out.extend(_user_turn(blocks, names))
        else:
            raise ConfigError(f"{_WHO}: unknown message role {role!r} (user or assistant)")
    return out


def _user_turn(blocks: List[Any], names: Dict[str, str]) -> List[ChatMessage]:
    out: List[ChatMessage] = []
    parts: List[Content] = []
    for block in blocks:
        if block.get("type") == "tool_result":
            if parts:
                out.append(ChatMessageUser(content=parts))
                parts = []
            out.append(_tool_message(block, names))
        else:
            parts.append(_part(block))
    if parts:
        only_text = len(parts) == 1 and isinstance(parts[0], ContentText)
        out.append(ChatMessageUser(content=parts[0].text if only_text else parts))  # type: ignore[union-attr]
    return out


def _tool_message(block: Mapping[str, Any], names: Dict[str, str]) -> ChatMessageTool:
    call_id = str(block.get("tool_use_id") or "")
    content = block.get("content")
    parts = [_part(b) for b in content] if isinstance(content, list) else []
    text = (
        content
        if isinstance(content, str)
        else "\n".join(p.text for p in parts if isinstance(p, ContentText))
    )
    if block.get("is_error"):
        return ChatMessageTool(
            content=text,
            tool_call_id=call_id,
            function=names.get(call_id),
            error=ToolCallError(type="unknown", message=text),
        )
    single = isinstance(content, str) or (
        len(parts) <= 1 and all(isinstance(p, ContentText) for p in parts)
    )
    body: Any = text if single else parts
    return ChatMessageTool(content=body, tool_call_id=call_id, function=names.get(call_id))


def _part(block: Mapping[str, Any]) -> Content:
    kind = block.get("type")
    if kind == "text":
        return ContentText(text=str(block.get("text") or ""))
    if kind == "image":
        return ContentImage(image=_source_uri(block["source"]))
    if kind == "document":
        return _document(block)
    raise ConfigError(f"{_WHO}: cannot convert a {kind!r} block in a user turn")


def _source_uri(source: Mapping[str, Any]) -> str:
    kind = source.get("type")
    if kind == "url":
        return str(source["url"])
    if kind == "base64":
        return f"data:{source['media_type']};base64,{source['data']}"
    if kind == "text":
        data = base64.b64encode(str(source["data"]).encode("utf-8")).decode("ascii")
        return f"data:text/plain;base64,{data}"
    raise ConfigError(f"{_WHO}: cannot convert a {kind!r} source (url, base64 or text)")


def _document(block: Mapping[str, Any]) -> ContentDocument:
    source = block["source"]
    title = block.get("title") or ""
    cited = bool((block.get("citations") or {}).get("enabled"))
    if source.get("type") == "content":
        inner = [b for b in source.get("content") or [] if b.get("type") == "image"]
        if len(inner) != 1:
            raise ConfigError(f"{_WHO}: a content document is converted when it holds one image")
        return ContentDocument(
            document=_source_uri(inner[0]["source"]), filename=title, citations=cited
        )
    mime = "text/plain" if source.get("type") == "text" else str(source.get("media_type") or "")
    if source.get("type") == "url":
        mime = mime or "application/pdf"  # URL documents are PDFs
    return ContentDocument(
        document=_source_uri(source), filename=title, mime_type=mime, citations=cited
    )
