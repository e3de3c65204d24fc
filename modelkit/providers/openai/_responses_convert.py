"""OpenAI Responses input items back to modelkit's messages.

The inverse of ``_responses_request.input_items``, for
``modelkit.convert.messages_from_openai_responses``: the ``input`` of a
``POST /v1/responses`` body (https://platform.openai.com/docs/api-reference/responses/create).
``system``/``developer`` messages become system messages; a user message's
``input_text``, ``input_image``, ``input_audio`` and ``input_file`` parts
become text, images, audio and documents; a run of assistant-side items
(assistant ``message``s, ``reasoning``, ``function_call``, server-side
tool items such as ``web_search_call``) becomes one
assistant message, read by the response parser (``parse_responses_body``)
so it is what ``generate`` would have returned; ``function_call_output``
items become tool messages.
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
    ContentDocument,
    ContentText,
)
from ._convert import content_part
from ._responses_response import parse_responses_body
from ._responses_tools import SERVER_ITEMS

__all__ = ["messages_from_items"]

_ASSISTANT_ITEMS = frozenset({"reasoning", "function_call"}) | SERVER_ITEMS


def messages_from_items(items: List[Dict[str, Any]], model: Optional[str]) -> List[ChatMessage]:
    """Chat messages for a Responses ``input`` list.

    Raises:
        ConfigError: an item or content part this converter does not know.
    """
    out: List[ChatMessage] = []
    run: List[Dict[str, Any]] = []  # assistant-side items not yet made a message
    names: Dict[str, str] = {}
    for item in items:
        kind = item.get("type") or "message"
        role = item.get("role")
        if kind in _ASSISTANT_ITEMS or (kind == "message" and role == "assistant"):
            run.append(_output_item(item))
            if kind == "function_call":
                names[str(item.get("call_id"))] = str(item.get("name") or "")
            continue
        _flush(run, out, model)
        if kind == "function_call_output":
            call_id = str(item.get("call_id") or "")
            output = item.get("output")
            content = output if isinstance(output, str) else _parts(output or [])
            out.append(
                ChatMessageTool(content=content, tool_call_id=call_id, function=names.get(call_id))
            )
        elif kind == "message" and role in ("system", "developer"):
            out.append(ChatMessageSystem(content=_content(item.get("content"))))
        elif kind == "message" and role == "user":
            out.append(ChatMessageUser(content=_content(item.get("content"))))
        else:
            raise ConfigError(
                f"messages_from_openai_responses: cannot convert an input item of type "
                f"{kind!r}{f' (role {role!r})' if role else ''}"
            )
    _flush(run, out, model)
    return out


def _output_item(item: Mapping[str, Any]) -> Dict[str, Any]:
    """An assistant-side input item in the shape the response parser reads."""
    if item.get("type") in _ASSISTANT_ITEMS:
        return dict(item)
    content = item.get("content")
    if isinstance(content, str):
        content = [{"type": "output_text", "text": content}]
    return {"type": "message", "role": "assistant", "content": content or []}


def _flush(run: List[Dict[str, Any]], out: List[ChatMessage], model: Optional[str]) -> None:
    if not run:
        return
    message = parse_responses_body(
        {"output": list(run), "status": "completed"}, model or ""
    ).message
    message.model = model
    out.append(message)
    run.clear()


def _content(content: Any) -> Union[str, List[Content]]:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return _parts(content)


def _parts(parts: List[Any]) -> List[Content]:
    out: List[Content] = []
    for part in parts:
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            out.append(ContentText(text=str(part.get("text") or "")))
        elif kind == "input_image":
            chat = {
                "type": "image_url",
                "image_url": {"url": part.get("image_url"), "detail": part.get("detail")},
            }
            out.append(content_part(chat, "messages_from_openai_responses"))
        elif kind == "input_audio":
            out.append(content_part(dict(part), "messages_from_openai_responses"))
        elif kind == "input_file":
            out.append(_document(part))
        else:
            raise ConfigError(f"messages_from_openai_responses: unknown content part type {kind!r}")
    return out


def _document(part: Mapping[str, Any]) -> ContentDocument:
    if part.get("file_url"):
        return ContentDocument(document=str(part["file_url"]), filename=part.get("filename") or "")
    if part.get("file_data"):
        return ContentDocument(document=str(part["file_data"]), filename=part.get("filename") or "")
    raise ConfigError(
        "messages_from_openai_responses: an input_file by file_id cannot be converted "
        "(modelkit sends documents inline); give file_data or file_url"
    )
