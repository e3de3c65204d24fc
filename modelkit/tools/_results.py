"""Tool results as chat messages: text, JSON, content parts, truncation, images.

A tool may return a string, a number or bool (rendered with ``str()``, as
Inspect does), ``None``, JSON-ready data, an attrs
instance or dataclass (sent as JSON), or content parts (``ContentText``,
``ContentImage``, ``ContentDocument``...). Text longer than the byte limit
is cut at a UTF-8 character boundary, after a note telling the model so.
For providers that cannot take images in tool results, images (and
documents) move to one user message after the results (as Inspect does
with images), the tool message keeping a pointer to it.
"""

from __future__ import annotations

import json
from typing import Any, List, Union

import attrs

from ..messages import (
    ChatMessage,
    ChatMessageTool,
    ChatMessageUser,
    Content,
    ContentAudio,
    ContentDocument,
    ContentImage,
    ContentText,
    ContentVideo,
)
from ._types import ToolCall, ToolCallError

__all__ = ["DOCUMENT_MOVED", "IMAGE_MOVED", "move_images", "result_message"]

IMAGE_MOVED = "(The image this tool returned is in the next user message.)"
DOCUMENT_MOVED = "(The document this tool returned is in the next user message.)"

_MEDIA = (ContentText, ContentImage, ContentAudio, ContentVideo, ContentDocument)
_MOVED = {ContentImage: IMAGE_MOVED, ContentDocument: DOCUMENT_MOVED}


def result_message(call: ToolCall, result: Any, limit: int) -> ChatMessageTool:
    """The message answering ``call``: its result (or error) as content."""
    if isinstance(result, ToolCallError):
        return ChatMessageTool(
            content=f"Error: {result.message}",
            tool_call_id=call.id,
            function=call.function,
            error=result,
        )
    content = _truncate(_content(result), limit, call.function)
    return ChatMessageTool(content=content, tool_call_id=call.id, function=call.function)


def _content(value: Any) -> Union[str, List[Content]]:
    if isinstance(value, str):
        return value
    if isinstance(value, _MEDIA):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, _MEDIA) for v in value):
        return list(value)
    if value is None:
        return ""
    if isinstance(value, (int, float)):  # Inspect's rendering: str(), so True is "True"
        return str(value)
    if attrs.has(type(value)):
        value = attrs.asdict(value)
    elif "__dataclass_fields__" in getattr(type(value), "__dict__", {}):
        import dataclasses

        value = dataclasses.asdict(value)
    if isinstance(value, (dict, list, tuple)):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _truncate(content: Union[str, List[Content]], limit: int, name: str) -> Any:
    if limit <= 0:
        return content
    parts = [ContentText(text=content)] if isinstance(content, str) else content
    total = sum(len(p.text.encode("utf-8")) for p in parts if isinstance(p, ContentText))
    if total <= limit:
        return content
    note = (
        f"[The output of tool {name!r} was {total} bytes, over the {limit}-byte limit; "
        f"only the first {limit} bytes are shown.]\n"
    )
    left, noted = limit, False
    out: List[Content] = []
    for part in parts:
        if not isinstance(part, ContentText):
            out.append(part)
            continue
        data = part.text.encode("utf-8")
        text = data[:left].decode("utf-8", errors="ignore")
        left -= min(left, len(data))
        if not noted:
            text, noted = note + text, True
        if text:
            out.append(ContentText(text=text))
    return out[0].text if isinstance(content, str) else out  # type: ignore[union-attr]


def move_images(messages: List[ChatMessage]) -> List[ChatMessage]:
    """``messages`` with tool-result images and documents moved to one user message at the end."""
    images: List[Content] = []
    ids: List[str] = []
    out: List[ChatMessage] = []
    for message in messages:
        if (
            not isinstance(message, ChatMessageTool)
            or isinstance(message.content, str)
            or not any(type(p) in _MOVED for p in message.content)
        ):
            out.append(message)
            continue
        kept: List[Content] = []
        for part in message.content:
            note = _MOVED.get(type(part))
            if note is not None:
                images.append(part)
                kept.append(ContentText(text=note))
            else:
                kept.append(part)
        out.append(attrs.evolve(message, content=kept))
        ids.append(message.tool_call_id or "")
    if images:
        out.append(ChatMessageUser(content=images, tool_call_id=ids))
    return out
