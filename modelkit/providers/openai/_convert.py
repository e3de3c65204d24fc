"""OpenAI chat-completions messages back to modelkit's messages.

The inverse of ``_request.messages_to_wire``, for
``modelkit.convert.messages_from_openai``: each ``messages`` entry of a
``POST /chat/completions`` body (https://platform.openai.com/docs/api-reference/chat/create)
becomes a chat message. ``system`` and ``developer`` messages are system
messages; user content parts ``text``, ``image_url``, ``input_audio`` and
``file`` become ``ContentText``, ``ContentImage``, ``ContentAudio`` (a
base64 data URI) and ``ContentDocument``; an assistant message is read by
the response parser (``_response.parse_message``), so reasoning fields,
refusals and tool calls come out as they do from ``generate``; a ``tool``
message answers the call of that id (its function name taken from the
assistant message that made it).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Union

from ...errors import ConfigError
from ...messages import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    Content,
    ContentAudio,
    ContentDocument,
    ContentImage,
    ContentText,
)
from ._response import ParseOptions, assistant_from_wire

__all__ = ["content_part", "messages_from_wire"]

_AUDIO_MIME = {"wav": "audio/wav", "mp3": "audio/mpeg"}


def messages_from_wire(messages: List[Dict[str, Any]], model: Optional[str]) -> List[ChatMessage]:
    """Chat messages for the ``messages`` of a chat-completions request.

    Args:
        messages: the wire messages, as plain dicts.
        model: the model name to put on assistant messages.

    Raises:
        ConfigError: a role or content part this format does not have.
    """
    names: Dict[str, str] = {}
    out: List[ChatMessage] = []
    options = ParseOptions(reasoning_parts=True)
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            out.append(ChatMessageSystem(content=_content(message.get("content"))))
        elif role == "user":
            out.append(ChatMessageUser(content=_content(message.get("content"))))
        elif role == "assistant":
            assistant = assistant_from_wire(message, model or "", options)[0]
            assistant.model = model
            for call in assistant.tool_calls or []:
                names[call.id] = call.function
            out.append(assistant)
        elif role == "tool":
            call_id = str(message.get("tool_call_id") or "")
            out.append(
                ChatMessageTool(
                    content=_content(message.get("content")),
                    tool_call_id=call_id,
                    function=names.get(call_id),
                )
            )
        else:
            raise ConfigError(
                f"messages_from_openai: unknown message role {role!r} "
                f"(system, developer, user, assistant or tool)"
            )
    return out


def _content(content: Any) -> Union[str, List[Content]]:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return [content_part(part) for part in content]


def content_part(part: Mapping[str, Any], who: str = "messages_from_openai") -> Content:
    """The content part for one chat-completions user content part.

    Raises:
        ConfigError: a part type the API does not document, or a file by id.
    """
    kind = part.get("type")
    if kind == "text":
        return ContentText(text=str(part.get("text") or ""))
    if kind == "refusal":
        return ContentText(text=str(part.get("refusal") or ""))
    if kind == "image_url":
        image = part["image_url"]
        return ContentImage(image=str(image["url"]), detail=image.get("detail") or "auto")
    if kind == "input_audio":
        audio = part["input_audio"]
        audio_format = audio.get("format")
        if audio_format not in _AUDIO_MIME:
            raise ConfigError(f"{who}: input_audio format must be wav or mp3, got {audio_format!r}")
        mime = _AUDIO_MIME[audio_format]
        return ContentAudio(audio=f"data:{mime};base64,{audio['data']}", format=audio_format)
    if kind == "file":
        file = part["file"]
        if not file.get("file_data"):
            raise ConfigError(
                f"{who}: a file part by file_id cannot be converted "
                "(modelkit sends documents inline); give file_data"
            )
        return ContentDocument(document=str(file["file_data"]), filename=file.get("filename") or "")
    raise ConfigError(f"{who}: unknown content part type {kind!r}")
