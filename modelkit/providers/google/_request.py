"""Build Gemini ``generateContent`` request bodies from modelkit's types.

Pure converters for ``modelkit.providers.google``: chat messages become
``systemInstruction`` plus ``contents`` (roles ``user`` and ``model`` only,
consecutive same-role turns merged, tool results sent back as
``functionResponse`` parts in a user turn). Images, audio and video given as
``data:`` URIs or local files are sent inline as base64; URLs are sent as
``fileData`` references; documents (``ContentDocument``, e.g. a PDF) the
same way, with their ``mime_type``. Thought signatures are sent back on the parts they
came with (see ``_assistant_parts``). Tools and ``generationConfig`` come
from ``_config``.
"""

from __future__ import annotations

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
    ContentData,
    ContentDocument,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentToolUse,
    ContentVideo,
)
from ...tools._types import ToolChoice, ToolInfo
from .._common import append_turn, as_parts
from ._builtin import combined_tool_config, split_tools
from ._config import generation_config, tool_config, tools_to_wire
from ._server_parts import server_parts

__all__ = ["LOCAL_ID_PREFIX", "content_parts", "media_part", "messages_to_wire", "request_body"]

LOCAL_ID_PREFIX = "mk_"
"""Prefix of tool-call ids modelkit makes up when Gemini sends none; such ids
are never sent back to the API."""

AUDIO_MIME = {"wav": "audio/wav", "mp3": "audio/mp3"}
VIDEO_MIME = {"mp4": "video/mp4", "mpeg": "video/mpeg", "mov": "video/mov"}

Part = Dict[str, Any]


def request_body(
    messages: List[ChatMessage],
    tools: List[ToolInfo],
    tool_choice: ToolChoice,
    config: GenerateConfig,
    model: str,
) -> Dict[str, Any]:
    """The JSON body of a ``generateContent`` request.

    Args:
        messages: the conversation.
        tools: tools the model may call.
        tool_choice: which tool the model should use.
        config: generation options.
        model: the model name (decides how ``reasoning_effort`` is sent).

    Raises:
        ConfigError: a message, tool or option Gemini cannot take.
    """
    system, contents = messages_to_wire(messages, model)
    body: Dict[str, Any] = {"contents": contents}
    if system is not None:
        body["systemInstruction"] = system
    native, functions = split_tools(tools)
    if functions:
        body["tools"] = tools_to_wire(functions)
        body["toolConfig"] = tool_config(tool_choice)
    if native:
        body["tools"] = body.get("tools", []) + native
        if functions:
            body["toolConfig"] = combined_tool_config(body["toolConfig"])
    generation = generation_config(config, model)
    if generation:
        body["generationConfig"] = generation
    return body


# --- messages ---------------------------------------------------------------


def messages_to_wire(
    messages: List[ChatMessage], model: str
) -> Tuple[Optional[Dict[str, Any]], List[Dict[str, Any]]]:
    """``(systemInstruction or None, contents)`` for a conversation.

    System messages, wherever they are, go into ``systemInstruction``;
    assistant turns take the role ``model``; tool results and user messages
    take ``user``. Consecutive turns with the same role are merged, as Gemini
    expects turns to alternate; empty turns are left out.
    """
    system: List[Part] = []
    contents: List[Dict[str, Any]] = []
    names: Dict[str, str] = {}
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            if message.text:
                system.append({"text": message.text})
            continue
        if isinstance(message, ChatMessageAssistant):
            role = "model"
            parts = _assistant_parts(message, model)
            for call in message.tool_calls or []:
                names[call.id] = call.function
        elif isinstance(message, ChatMessageTool):
            role = "user"
            parts = _tool_parts(message, names)
        else:
            role = "user"
            parts = content_parts(message.content)
        append_turn(contents, role, parts, key="parts")
    return ({"parts": system} if system else None), contents


def content_parts(content: Union[str, List[Content]]) -> List[Part]:
    """Parts for user-side content: text, and media inline or by reference."""
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: List[Part] = []
    for item in content:
        if isinstance(item, ContentText):
            if item.text:
                parts.append({"text": item.text})
        elif isinstance(item, ContentImage):
            parts.append(media_part(item.image, None))
        elif isinstance(item, ContentAudio):
            parts.append(media_part(item.audio, AUDIO_MIME.get(item.format)))
        elif isinstance(item, ContentVideo):
            parts.append(media_part(item.video, VIDEO_MIME.get(item.format)))
        elif isinstance(item, ContentDocument):
            parts.append(media_part(item.document, item.mime_type or None, declared=True))
    return parts


def _replays_reasoning(message: ChatMessageAssistant, model: str) -> bool:
    """Only Gemini's own thoughts and signatures are sent back to Gemini."""
    return message.model is None or message.model == model or "gemini" in message.model.lower()


def _assistant_parts(message: ChatMessageAssistant, model: str) -> List[Part]:
    """Parts for a model turn, with every thought signature where it came from.

    Thoughts (``ContentReasoning`` with text) become ``thought`` parts. A
    signature Gemini put on a non-thought part is kept by the response
    parser as ``ContentReasoning(reasoning="", signature=..., redacted=True)``
    just before the part it signs; its ``data`` names the tool call when the
    signed part was a ``functionCall``.
    """
    replay = _replays_reasoning(message, model)
    parts: List[Part] = []
    pending: Optional[str] = None
    call_signatures: Dict[str, str] = {}
    for item in as_parts(message.content):
        if isinstance(item, ContentReasoning):
            if not replay:
                continue
            if item.redacted and not item.reasoning and item.signature:
                if item.data:
                    call_signatures[item.data] = item.signature
                else:
                    pending = item.signature
            elif item.reasoning and not item.redacted:
                thought: Part = {"text": item.reasoning, "thought": True}
                if item.signature:
                    thought["thoughtSignature"] = item.signature
                parts.append(thought)
            continue
        if isinstance(item, ContentToolUse):
            own = server_parts(item) if replay else None
            parts.extend(own or [])  # Gemini's own server parts, as they came
            continue
        if isinstance(item, ContentData):
            continue  # another provider's data
        if isinstance(item, ContentText):
            if not item.text and pending is None:
                continue
            part: Part = {"text": item.text}
        else:
            part = content_parts([item])[0]
        if pending is not None:
            part["thoughtSignature"] = pending
            pending = None
        parts.append(part)
    for call in message.tool_calls or []:
        function_call: Dict[str, Any] = {"name": call.function, "args": call.arguments}
        if call.id and not call.id.startswith(LOCAL_ID_PREFIX):
            function_call["id"] = call.id
        part = {"functionCall": function_call}
        signature = call_signatures.get(call.id) or pending
        pending = None
        if signature:
            part["thoughtSignature"] = signature
        parts.append(part)
    if pending is not None:
        parts.append({"text": "", "thoughtSignature": pending})
    return parts


def _tool_parts(message: ChatMessageTool, names: Dict[str, str]) -> List[Part]:
    """A ``functionResponse`` part (then any media the result carries)."""
    name = message.function or names.get(message.tool_call_id or "")
    if not name:
        raise ConfigError(
            "google: a tool message needs function= (the tool's name), or a tool_call_id "
            "matching a tool call in an earlier assistant message"
        )
    if message.error is not None:
        response: Dict[str, Any] = {"error": message.error.message}
    else:
        response = {"output": message.text}
    function_response: Dict[str, Any] = {"name": name, "response": response}
    if message.tool_call_id and not message.tool_call_id.startswith(LOCAL_ID_PREFIX):
        function_response["id"] = message.tool_call_id
    parts: List[Part] = [{"functionResponse": function_response}]
    if not isinstance(message.content, str):
        media: List[Content] = [i for i in message.content if not isinstance(i, ContentText)]
        parts.extend(content_parts(media))
    return parts


def media_part(source: str, mime_type: Optional[str], declared: bool = False) -> Part:
    """An ``inlineData`` part for a data URI or local file, else ``fileData``.

    Args:
        source: the URL, data URI or file.
        mime_type: the type the content part names, if any.
        declared: ``mime_type`` wins over a data URI's own type (a
            ``ContentDocument``'s ``mime_type`` is what the caller declared).

    Raises:
        ConfigError: the file cannot be read, or its media type is unknown.
    """
    ref = parse_media(source)
    if ref.is_url:
        file_data: Dict[str, str] = {"fileUri": source}
        guessed = mime_type or guess_mime(source.split("?", 1)[0])
        if guessed:
            file_data["mimeType"] = guessed
        return {"fileData": file_data}
    # A data URI's own type wins; a file's comes from its format, else its name.
    mime = (mime_type if declared else None) or ref.mime_type or mime_type
    mime = mime or (guess_mime(ref.path) if ref.path else None)
    if mime is None:
        raise media_type_error("google", "media", None, ref.path or source)
    _, data = read_media(ref, "media", provider="google")
    return {"inlineData": {"mimeType": mime, "data": data}}
