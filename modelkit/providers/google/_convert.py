"""Gemini ``contents`` back to modelkit's messages.

The inverse of ``_request.messages_to_wire``, for
``modelkit.convert.messages_from_google``: the ``contents`` of a
``generateContent`` request (https://ai.google.dev/api/generate-content,
``Content`` and ``Part``; python-genai's snake_case ``ContentDict`` keys are
read too). A ``model`` turn is read by the response parser
(``choice_from_candidate``), so thoughts, thought signatures and function
calls come out as ``generate`` gives them (a call without an ``id`` gets
the same made-up id every time). In a ``user`` (or ``tool``) turn each
``functionResponse`` part becomes a tool message answering the call of
that id (else the latest call of that name), its ``response.output`` (or
``error``) as the content; the other parts become a user message: text,
and ``inlineData``/``fileData`` as images, audio, video or documents by
MIME type (inline data as a base64 ``data:`` URI).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional

from ...errors import ConfigError
from ...messages import (
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
from ...tools._types import ToolCallError
from ._response import choice_from_candidate

__all__ = ["messages_from_contents"]

_WHO = "messages_from_google"
_AUDIO = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mp3": "mp3", "audio/mpeg": "mp3"}
_VIDEO = {"video/mp4": "mp4", "video/mpeg": "mpeg", "video/mov": "mov", "video/quicktime": "mov"}


def messages_from_contents(
    contents: List[Dict[str, Any]], model: Optional[str]
) -> List[ChatMessage]:
    """Chat messages for Gemini ``contents`` (camelCase keys).

    Raises:
        ConfigError: a role or part this converter does not know.
    """
    out: List[ChatMessage] = []
    calls: Dict[str, str] = {}  # function name -> id of its latest call
    for turn, content in enumerate(contents):
        role = content.get("role") or "user"
        if role == "model":
            choice = choice_from_candidate({"content": content}, model or "", f"turn{turn}")
            message = choice.message
            message.model = model
            for call in message.tool_calls or []:
                calls[call.function] = call.id
            out.append(message)
        elif role in ("user", "tool"):
            out.extend(_user_turn(content.get("parts") or [], calls))
        else:
            raise ConfigError(f"{_WHO}: unknown role {role!r} (user, model or tool)")
    return out


def _user_turn(parts: List[Any], calls: Dict[str, str]) -> List[ChatMessage]:
    out: List[ChatMessage] = []
    pending: List[Content] = []
    for part in parts:
        response = part.get("functionResponse")
        if response is not None:
            if pending:
                out.append(_user(pending))
                pending = []
            out.append(_tool_message(response, calls))
        else:
            pending.append(_part(part))
    if pending:
        out.append(_user(pending))
    return out


def _user(parts: List[Content]) -> ChatMessageUser:
    if len(parts) == 1 and isinstance(parts[0], ContentText):
        return ChatMessageUser(content=parts[0].text)
    return ChatMessageUser(content=parts)


def _tool_message(response: Mapping[str, Any], calls: Dict[str, str]) -> ChatMessageTool:
    name = str(response.get("name") or "")
    call_id = str(response.get("id") or calls.get(name) or "")
    result = response.get("response")
    result = result if isinstance(result, Mapping) else {"output": result}
    if "error" in result and "output" not in result:
        text = _text(result["error"])
        return ChatMessageTool(
            content=text,
            tool_call_id=call_id,
            function=name,
            error=ToolCallError(type="unknown", message=text),
        )
    text = _text(result["output"]) if set(result) == {"output"} else json.dumps(result)
    return ChatMessageTool(content=text, tool_call_id=call_id, function=name)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _part(part: Mapping[str, Any]) -> Content:
    if "text" in part:
        return ContentText(text=str(part["text"]))
    inline = part.get("inlineData")
    if isinstance(inline, Mapping):
        mime = str(inline.get("mimeType") or "application/octet-stream")
        return _media(f"data:{mime};base64,{inline.get('data') or ''}", mime)
    file_data = part.get("fileData")
    if isinstance(file_data, Mapping):
        return _media(str(file_data["fileUri"]), str(file_data.get("mimeType") or ""))
    raise ConfigError(f"{_WHO}: cannot convert the part {sorted(part)} in a user turn")


def _media(source: str, mime: str) -> Content:
    if mime.startswith("image/"):
        return ContentImage(image=source)
    if mime in _AUDIO:
        return ContentAudio(audio=source, format=_AUDIO[mime])  # type: ignore[arg-type]
    if mime in _VIDEO:
        return ContentVideo(video=source, format=_VIDEO[mime])  # type: ignore[arg-type]
    return ContentDocument(document=source, mime_type=mime)
