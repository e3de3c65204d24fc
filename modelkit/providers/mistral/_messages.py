"""Mistral chat messages on the wire, arranged the way Mistral's validator wants.

Pure converters used by ``mistral.py`` (the only I/O is reading a local
image or audio file a content part names). Mistral's request validator
(``mistral_common``'s ``MistralRequestValidatorV3`` and later) requires
tool-call ids of nine letters or digits, so foreign ids are remapped the
same way in the assistant's ``tool_calls`` and the tool message's
``tool_call_id``; it allows only an assistant or tool message after a tool
message, so a user message that follows one is folded into it; and it wants
the conversation to end with a user or tool message, or an assistant
message marked ``prefix``. Reasoning goes back as ``thinking`` chunks.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Dict, List, Sequence, Union

from ..._media import data_uri, read_media
from ...errors import ConfigError
from ...messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    Content,
    ContentAudio,
    ContentData,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentToolUse,
)
from .._common import as_parts

__all__ = ["messages_to_wire", "mistral_tool_call_id", "user_content"]

_TOOL_CALL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")

Chunk = Dict[str, Any]
WireMessage = Dict[str, Any]


def mistral_tool_call_id(call_id: str) -> str:
    """``call_id`` if it is nine letters or digits, else a stable nine-character stand-in."""
    if _TOOL_CALL_ID.match(call_id):
        return call_id
    return hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:9]


def messages_to_wire(messages: Sequence[ChatMessage]) -> List[WireMessage]:
    """The ``messages`` array, arranged the way Mistral's validator wants it.

    Raises:
        ConfigError: content Mistral does not take (video), or a tool
            message without an id.
    """
    wire: List[WireMessage] = []
    for message in messages:
        item = _message(message)
        if wire and wire[-1]["role"] == "tool" and item["role"] == "user":
            previous = wire[-1]
            previous["content"] = _as_chunks(previous["content"]) + _as_chunks(item["content"])
        else:
            wire.append(item)
    last = wire[-1] if wire else None
    if last is not None and last["role"] == "assistant" and not last.get("tool_calls"):
        last["prefix"] = True
    return wire


def _message(message: ChatMessage) -> WireMessage:
    if isinstance(message, ChatMessageSystem):
        return {"role": "system", "content": message.text}
    if isinstance(message, ChatMessageAssistant):
        return _assistant(message)
    if isinstance(message, ChatMessageTool):
        if not message.tool_call_id:
            raise ConfigError(
                "mistral: a tool message needs the tool_call_id of the call it answers"
            )
        tool: WireMessage = {
            "role": "tool",
            "tool_call_id": mistral_tool_call_id(message.tool_call_id),
        }
        if message.function:
            tool["name"] = message.function
        if message.error is not None:
            tool["content"] = f"Error: {message.error.message}"
        else:
            tool["content"] = user_content(message.content)
        return tool
    return {"role": "user", "content": user_content(message.content)}


def _assistant(message: ChatMessageAssistant) -> WireMessage:
    item: WireMessage = {"role": "assistant"}
    chunks: List[Chunk] = []
    for part in as_parts(message.content):
        if isinstance(part, ContentReasoning):
            if part.reasoning and not part.redacted:
                text = {"type": "text", "text": part.reasoning}
                chunks.append({"type": "thinking", "thinking": [text]})
        elif isinstance(part, ContentText):
            if part.text:
                chunks.append({"type": "text", "text": part.text})
        elif isinstance(part, (ContentToolUse, ContentData)):
            continue  # another provider's server-side tool call or data: nothing to send
        else:
            raise ConfigError(
                f"mistral: an assistant message may hold text, reasoning and tool calls, "
                f"not {part.type} content"
            )
    if chunks and all(chunk["type"] == "text" for chunk in chunks):
        item["content"] = "\n".join(chunk["text"] for chunk in chunks)
    elif chunks:
        item["content"] = chunks
    if message.tool_calls:
        item["tool_calls"] = [
            {
                "id": mistral_tool_call_id(call.id),
                "type": "function",
                "function": {"name": call.function, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    elif "content" not in item:
        item["content"] = ""
    return item


def user_content(content: Union[str, Sequence[Content]]) -> Union[str, List[Chunk]]:
    """A user (or tool result) message's content as Mistral's string or chunks."""
    if isinstance(content, str):
        return content
    chunks: List[Chunk] = []
    for part in content:
        if isinstance(part, ContentText):
            chunks.append({"type": "text", "text": part.text})
        elif isinstance(part, ContentImage):
            image: Dict[str, Any] = {"url": _image_url(part.image)}
            if part.detail != "auto":
                image["detail"] = part.detail
            chunks.append({"type": "image_url", "image_url": image})
        elif isinstance(part, ContentAudio):
            audio = read_media(part.audio, "audio", provider="mistral")[1]
            chunks.append({"type": "input_audio", "input_audio": audio})
        elif isinstance(part, ContentReasoning):
            continue
        else:
            raise ConfigError(
                f"mistral: the chat completions API does not accept {part.type} content; "
                f"send text, images or audio (documents: use anthropic, google, openai "
                f"or bedrock)"
            )
    return chunks


def _as_chunks(content: Union[str, List[Chunk], None]) -> List[Chunk]:
    if content is None or content == "":
        return []
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _image_url(image: str) -> str:
    if image.startswith(("http://", "https://")):
        return image
    return data_uri(image, "image", provider="mistral", default_mime="image/png")
