"""Mistral's Conversations API, for the tools Mistral runs itself.

Mistral runs ``web_search`` and ``code_interpreter`` only through
``POST /v1/conversations`` (https://docs.mistral.ai/agents/connectors/websearch,
https://docs.mistral.ai/agents/connectors/code_interpreter; client-python
``ConversationRequest``/``ConversationResponse``), which Inspect 0.3.285's
``mistral`` provider uses with ``store: false``. The request holds
``inputs`` entries (``message.input`` for the user, ``message.output`` for
the assistant, ``function.call`` and ``function.result``), the system
messages as ``instructions``, ``tools`` (``{"type": "web_search"}``,
``{"type": "code_interpreter"}``, ``function`` tools as in chat) and the
sampling settings in ``completion_args``. The response's ``outputs`` are
``tool.execution`` entries (``name``, ``arguments``, ``info``), which become
``ContentToolUse`` parts as Inspect maps them (``result`` the ``info`` as
JSON, empty when there is none), ``message.output`` entries, whose ``tool_reference`` chunks cite the
text chunk before them (``UrlCitation``), and ``function.call`` entries
(tool calls). Mistral does not take its tool executions back as input, so
they are sent back as assistant text (``web_search: {arguments}`` and the
result), as Inspect does.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..._citation import Citation, UrlCitation
from ..._content import ToolUseType
from ...config import GenerateConfig
from ...errors import ConfigError
from ...messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    Content,
    ContentAudio,
    ContentReasoning,
    ContentText,
    ContentToolUse,
)
from ...output import ChatCompletionChoice, ModelOutput
from ...tools._types import ToolCall, ToolChoice, ToolFunction, ToolInfo, internal_tool_type
from ...tools.builtin._server import server_tool_options
from .._common import as_parts, assistant_message
from ..openai._request import tools_to_wire
from ._messages import mistral_tool_call_id, user_content
from ._wire import parse_tool_call, parse_usage, sampling

__all__ = ["SERVER_TOOLS", "conversation_body", "has_own_tool_use", "parse_conversation"]

SERVER_TOOLS = {"web_search": "web_search", "code_execution": "code_interpreter"}
"""modelkit's server-side tool -> the Conversations tool type it is sent as."""
_TOOL_TYPE: Dict[str, ToolUseType] = {
    "web_search": "web_search",
    "web_search_premium": "web_search",
    "code_interpreter": "code_execution",
}
_KEY = "mistral"
_KEPT = ("type", "id", "name", "arguments", "info")
"""What a tool execution's part keeps in ``internal`` (a stream gives no timestamps)."""


def conversation_body(
    model: str,
    input: Sequence[ChatMessage],
    tools: Sequence[ToolInfo],
    tool_choice: ToolChoice,
    config: GenerateConfig,
) -> Dict[str, Any]:
    """The ``POST /v1/conversations`` body for one generation (nothing stored).

    Raises:
        ConfigError: audio or video input (the Conversations API takes
            text, images and documents), or a tool message without its id.
    """
    system = [m.text for m in input if isinstance(m, ChatMessageSystem)]
    body: Dict[str, Any] = {"model": model, "inputs": _entries(input)}
    if system:
        body["instructions"] = "\n\n".join(system)
    if tools:
        body["tools"] = [_tool(tool) for tool in tools]
    args = _completion_args(config, tool_choice if tools else None)
    if args:
        body["completion_args"] = args
    body["store"] = False
    return body


def _tool(tool: ToolInfo) -> Dict[str, Any]:
    kind = internal_tool_type(tool)
    if kind in SERVER_TOOLS and server_tool_options(tool, _KEY) is not None:
        return {"type": SERVER_TOOLS[kind]}
    wire: Dict[str, Any] = tools_to_wire([tool])[0]
    return wire


def _completion_args(config: GenerateConfig, choice: Optional[ToolChoice]) -> Dict[str, Any]:
    args = sampling(config)
    if isinstance(choice, ToolFunction):  # no choice names one tool here (as Inspect)
        args["tool_choice"] = "any"
    elif choice is not None:
        args["tool_choice"] = choice
    return args


def _entries(messages: Sequence[ChatMessage]) -> List[Dict[str, Any]]:
    entries: List[Dict[str, Any]] = []
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            continue
        if isinstance(message, ChatMessageAssistant):
            entries.extend(_assistant(message))
        elif isinstance(message, ChatMessageTool):
            if not message.tool_call_id:
                raise ConfigError(
                    "mistral: a tool message needs the tool_call_id of the call it answers"
                )
            result = f"Error: {message.error.message}" if message.error else message.text
            entries.append(
                {
                    "type": "function.result",
                    "tool_call_id": mistral_tool_call_id(message.tool_call_id),
                    "result": result,
                }
            )
        else:
            if any(isinstance(p, ContentAudio) for p in as_parts(message.content)):
                raise ConfigError(
                    "mistral: the Conversations API (used for web_search()/code_execution()) "
                    "takes no audio; send audio without those tools"
                )
            content = user_content(message.content)
            entries.append({"type": "message.input", "role": "user", "content": content})
    return entries


def _assistant(message: ChatMessageAssistant) -> List[Dict[str, Any]]:
    entries: List[Dict[str, Any]] = []
    chunks: List[Dict[str, Any]] = []

    def flush() -> None:
        if chunks:
            entries.append({"type": "message.output", "role": "assistant", "content": list(chunks)})
            chunks.clear()

    for part in as_parts(message.content):
        if isinstance(part, ContentReasoning) and part.reasoning and not part.redacted:
            chunks.append(
                {"type": "thinking", "thinking": [{"type": "text", "text": part.reasoning}]}
            )
        elif isinstance(part, ContentText) and part.text:
            chunks.append({"type": "text", "text": part.text})
        elif isinstance(part, ContentToolUse) and _KEY in (part.internal or {}):
            flush()  # Mistral takes no tool.execution input: sent as text, as Inspect
            text = f"{part.name}: {part.arguments}\n\n{part.error or part.result}"
            entries.append({"type": "message.output", "role": "assistant", "content": text})
    flush()
    for call in message.tool_calls or []:
        entries.append(
            {
                "type": "function.call",
                "tool_call_id": mistral_tool_call_id(call.id),
                "name": call.function,
                "arguments": json.dumps(call.arguments),
            }
        )
    return entries


def has_own_tool_use(messages: Sequence[ChatMessage]) -> bool:
    """Whether the history holds a tool execution Mistral ran (kept in ``internal``)."""
    return any(
        isinstance(part, ContentToolUse) and _KEY in (part.internal or {})
        for message in messages
        if isinstance(message, ChatMessageAssistant) and isinstance(message.content, list)
        for part in message.content
    )


def parse_conversation(body: Mapping[str, Any], model: str) -> ModelOutput:
    """A ``ModelOutput`` from a ``conversation.response`` body."""
    parts: List[Content] = []
    calls: List[ToolCall] = []
    name = model
    for entry in body.get("outputs") or []:
        kind = entry.get("type")
        if kind == "tool.execution":
            parts.append(_tool_use(entry))
        elif kind == "message.output":
            name = entry.get("model") or name
            parts.extend(_message_parts(entry.get("content")))
        elif kind == "function.call":
            wire = {"id": entry.get("tool_call_id"), "function": entry}
            calls.append(parse_tool_call(wire))
    choice = ChatCompletionChoice(
        message=assistant_message(parts, calls, name, join_texts=True),
        stop_reason="tool_calls" if calls else "stop",
    )
    conversation = body.get("conversation_id")
    return ModelOutput(
        model=name,
        choices=[choice],
        usage=parse_usage(body.get("usage") or {}),
        metadata={"conversation_id": conversation} if conversation else None,
    )


def _tool_use(entry: Mapping[str, Any]) -> ContentToolUse:
    name = str(entry.get("name") or "")
    arguments = entry.get("arguments")
    info = entry.get("info")
    return ContentToolUse(
        tool_type=_TOOL_TYPE.get(name, "web_search"),
        id=str(entry.get("id") or ""),
        name=name,
        arguments=arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
        result=json.dumps(info) if info else "",
        internal={_KEY: {key: entry.get(key) for key in _KEPT}},
    )


def _message_parts(content: Any) -> List[Content]:
    if isinstance(content, str):
        return [ContentText(text=content)]
    parts: List[Content] = []
    for chunk in content or []:
        kind = chunk.get("type") if isinstance(chunk, Mapping) else None
        if kind == "text":
            parts.append(ContentText(text=str(chunk.get("text") or "")))
        elif kind == "tool_reference":
            citation = _citation(chunk)
            last = parts[-1] if parts else None
            if isinstance(last, ContentText):
                last.citations = [*(last.citations or []), citation]
            else:
                parts.append(ContentText(text="", citations=[citation]))
        elif kind == "thinking":
            inner = chunk.get("thinking") or []
            text = "".join(c.get("text", "") for c in inner if isinstance(c, Mapping))
            parts.append(ContentReasoning(reasoning=text))
    return parts


def _citation(chunk: Mapping[str, Any]) -> Citation:
    description = chunk.get("description")
    return UrlCitation(
        url=str(chunk.get("url") or ""),
        title=chunk.get("title"),
        cited_text=description if isinstance(description, str) else None,
    )
