"""Build Bedrock Runtime ``Converse`` request bodies from modelkit's types.

Pure converters for ``modelkit.providers.bedrock``: system messages become
``system`` blocks; the rest become ``messages`` that strictly alternate
between ``user`` and ``assistant`` (same-role runs merged, tool results sent
as ``toolResult`` blocks first in the next user turn); media and
documents (``DocumentBlock``: ``format``, a ``name`` of the characters the
API allows, ``source``) are sent as base64 ``bytes`` (or an
``s3Location`` for ``s3://`` URIs). Tools and
inference settings come from ``_config``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Dict, List, Optional, Tuple, Union

from ..._media import guess_mime, media_type_error, parse_media, read_media
from ...config import GenerateConfig
from ...errors import ConfigError
from ...messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    Content,
    ContentAudio,
    ContentDocument,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentVideo,
)
from ...tools._types import ToolChoice, ToolInfo
from .._common import append_turn, as_parts
from ._config import (
    THINKING_ANSWER_TOKENS,
    additional_fields,
    inference_config,
    tool_config,
)

__all__ = ["content_blocks", "converse_body", "messages_to_wire", "tool_use_id"]

_IMAGE_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
}

_DOCUMENT_FORMATS = {
    "application/pdf": "pdf",
    "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html",
    "text/plain": "txt",
    "text/markdown": "md",
}
"""MIME type -> ``DocumentBlock.format`` (the formats the Converse API lists)."""
_TOOL_USE_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

Block = Dict[str, Any]


def converse_body(
    messages: List[ChatMessage],
    tools: List[ToolInfo],
    tool_choice: ToolChoice,
    config: GenerateConfig,
    model_id: str,
    extra_fields: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """The JSON body of a ``Converse`` request.

    Args:
        messages: the conversation.
        tools: tools the model may call.
        tool_choice: which tool the model should use.
        config: generation options.
        model_id: the model id, inference profile or ARN.
        extra_fields: ``additionalModelRequestFields`` to send as well
            (they win over the ones derived from ``config``).

    Raises:
        ConfigError: a message, tool or option Converse cannot take.
    """
    system, wire = messages_to_wire(messages, model_id)
    body: Dict[str, Any] = {"messages": wire}
    if system:
        body["system"] = system
    inference = inference_config(config)
    has_tool_blocks = any(
        "toolUse" in block or "toolResult" in block for m in wire for block in m["content"]
    )
    tools_wire = tool_config(tools, tool_choice, has_tool_blocks)
    if tools_wire is not None:
        body["toolConfig"] = tools_wire
    additional = additional_fields(config, model_id)
    additional.update(extra_fields or {})
    budget = (additional.get("thinking") or {}).get("budget_tokens")
    if isinstance(budget, int) and config.max_tokens is None:
        inference["maxTokens"] = budget + THINKING_ANSWER_TOKENS
    elif isinstance(budget, int) and config.max_tokens is not None and budget >= config.max_tokens:
        raise ConfigError(
            f"bedrock: Claude's thinking budget ({budget} tokens) must be below max_tokens "
            f"({config.max_tokens}); raise max_tokens or lower reasoning_effort"
        )
    if inference:
        body["inferenceConfig"] = inference
    if additional:
        body["additionalModelRequestFields"] = additional
    return body


# --- messages ---------------------------------------------------------------


def messages_to_wire(
    messages: List[ChatMessage], model_id: str
) -> Tuple[List[Block], List[Dict[str, Any]]]:
    """``(system blocks, messages)`` for a conversation.

    Raises:
        ConfigError: a tool message without ``tool_call_id``, or media
            Converse cannot take.
    """
    system: List[Block] = []
    wire: List[Dict[str, Any]] = []
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            if message.text.strip():
                system.append({"text": message.text})
            continue
        if isinstance(message, ChatMessageAssistant):
            role, blocks = "assistant", _assistant_blocks(message, model_id)
        elif isinstance(message, ChatMessageTool):
            role, blocks = "user", [_tool_result(message)]
        else:
            role, blocks = "user", content_blocks(message.content)
        append_turn(wire, role, blocks)
    for turn in wire:
        # Tool results lead their user turn, as Claude requires.
        turn["content"].sort(key=lambda block: 0 if "toolResult" in block else 1)
    return system, wire


def content_blocks(content: Union[str, List[Content]]) -> List[Block]:
    """Blocks for user-side content: text, image, audio, video."""
    if isinstance(content, str):
        return [{"text": content}] if content.strip() else []
    blocks: List[Block] = []
    for item in content:
        if isinstance(item, ContentText):
            if item.text.strip():
                blocks.append({"text": item.text})
        elif isinstance(item, ContentImage):
            blocks.append({"image": _image(item.image)})
        elif isinstance(item, ContentAudio):
            blocks.append({"audio": {"format": item.format, "source": _source(item.audio)}})
        elif isinstance(item, ContentVideo):
            blocks.append({"video": {"format": item.format, "source": _source(item.video)}})
        elif isinstance(item, ContentDocument):
            blocks.append({"document": _document(item)})
    return blocks


def _assistant_blocks(message: ChatMessageAssistant, model_id: str) -> List[Block]:
    # Reasoning goes back only to the model that wrote it (its signature
    # means nothing to another model).
    replay = message.model is None or message.model == model_id
    blocks: List[Block] = []
    for item in as_parts(message.content):
        if isinstance(item, ContentReasoning):
            if not replay:
                continue
            if item.redacted and item.data:
                blocks.append({"reasoningContent": {"redactedContent": item.data}})
            elif item.reasoning and not item.redacted:
                text: Dict[str, str] = {"text": item.reasoning}
                if item.signature:
                    text["signature"] = item.signature
                blocks.append({"reasoningContent": {"reasoningText": text}})
        else:
            blocks.extend(content_blocks([item]))
    for call in message.tool_calls or []:
        blocks.append(
            {
                "toolUse": {
                    "toolUseId": tool_use_id(call.id),
                    "name": call.function,
                    "input": call.arguments,
                }
            }
        )
    return blocks


def _tool_result(message: ChatMessageTool) -> Block:
    if not message.tool_call_id:
        raise ConfigError(
            "bedrock: a tool message needs tool_call_id (the id of the tool call it answers)"
        )
    if message.error is not None:
        content: List[Block] = [{"text": message.error.message}]
    else:
        content = content_blocks(message.content)
    result: Dict[str, Any] = {"toolUseId": tool_use_id(message.tool_call_id), "content": content}
    if message.error is not None:
        result["status"] = "error"
    return {"toolResult": result}


def tool_use_id(call_id: str) -> str:
    """``call_id`` as a valid ``toolUseId`` (``[a-zA-Z0-9_-]``, at most 64).

    Ids from other providers that do not fit are rewritten the same way
    every time, so a ``toolUse`` and its ``toolResult`` still match.
    """
    if _TOOL_USE_ID.match(call_id):
        return call_id
    digest = hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:8]
    return f"{re.sub(r'[^a-zA-Z0-9_-]', '_', call_id)[:55]}_{digest}"


def _image(source: str) -> Dict[str, Any]:
    mime, wire_source = _media(source)
    image_format = _IMAGE_FORMATS.get(mime or "")
    if image_format is None:
        raise media_type_error("bedrock", "image", mime, source, "PNG, JPEG, GIF or WebP")
    return {"format": image_format, "source": wire_source}


def _document(part: ContentDocument) -> Dict[str, Any]:
    """A ``DocumentBlock``: its ``format`` from the file's type, a neutral ``name``."""
    extension = part.filename.rsplit(".", 1)[-1].lower() if "." in part.filename else ""
    document_format = _DOCUMENT_FORMATS.get(part.mime_type) or (
        extension if extension in _DOCUMENT_FORMATS.values() else None
    )
    if document_format is None:
        raise ConfigError(
            f"bedrock: document {part.filename!r} is {part.mime_type}; Converse takes "
            f"{', '.join(sorted(set(_DOCUMENT_FORMATS.values())))} documents"
        )
    stem = part.filename.rsplit(".", 1)[0] if "." in part.filename else part.filename
    name = re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9\s\-\(\)\[\]]", "-", stem)).strip()
    return {
        "format": document_format,
        "name": name[:200] or "document",
        "source": _source(part.document),
    }


def _source(source: str) -> Dict[str, Any]:
    return _media(source)[1]


def _media(source: str) -> Tuple[Optional[str], Dict[str, Any]]:
    """``(mime type, Converse source)`` for a data URI, local file or s3:// URI."""
    ref = parse_media(source)
    if ref.is_url and source.startswith("s3://"):
        return guess_mime(source), {"s3Location": {"uri": source}}
    if ref.is_url:
        raise ConfigError(
            f"bedrock: Converse takes media as bytes or an s3:// URI, not {source[:60]!r}; "
            "download it and pass a local path or a data: URI"
        )
    mime, data = read_media(ref, "media", provider="bedrock")
    return mime, {"bytes": data}
