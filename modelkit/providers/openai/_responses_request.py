"""Build OpenAI Responses API request bodies (``POST /v1/responses``).

Pure converters from modelkit's messages, tools and ``GenerateConfig`` to
the JSON body the Responses API documents: messages become *input items*
(``{role, content}`` messages, ``function_call`` and
``function_call_output`` items, ``reasoning`` items, and OpenAI's own
server-side tool items, kept in ``ContentToolUse.internal``), tools are flat
``{type: "function", name, parameters, strict}`` objects, and the token
limit is ``max_output_tokens``, ``verbosity`` and ``response_schema`` go in
``text`` (``{verbosity, format: {type: "json_schema", name, schema, strict}}``).

Reasoning is kept statelessly: every request says ``store: false``, and
reasoning models are asked for ``include: ["reasoning.encrypted_content"]``.
The encrypted reasoning comes back in a ``ContentReasoning`` part
(``data``; the item id in ``signature``) and is sent back as a
``reasoning`` item on the next turn, so multi-turn reasoning works without
any state on OpenAI's side. What the API has no field for (``stop``,
``seed``, penalties, ``logit_bias``) is left off and reported, as the chat
converter does for parameters a model rejects.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..._config_fields import image_output
from ..._media import data_uri
from ...config import GenerateConfig
from ...errors import ConfigError
from ...messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    Content,
    ContentAudio,
    ContentDocument,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentToolUse,
)
from ...tools._types import ToolChoice, ToolFunction, ToolInfo, internal_tool_type
from ...tools.builtin._server import server_tool_options
from .._common import as_parts
from .._effort import map_effort
from ._compact import compaction_item
from ._request import WireOptions, _part_to_wire, _tool_call_to_wire, response_format_to_wire
from ._responses_tools import replay_item, replay_text
from ._xai_tools import xai_replay_item, xai_tool_choice, xai_tools

__all__ = [
    "ENCRYPTED_REASONING",
    "LOGPROBS_INCLUDE",
    "build_responses_body",
    "input_items",
    "responses_tools",
]

ENCRYPTED_REASONING = "reasoning.encrypted_content"
LOGPROBS_INCLUDE = "message.output_text.logprobs"
CODE_OUTPUTS_INCLUDE = "code_interpreter_call.outputs"
"""Asked for with a code interpreter, so its logs and images come back (as Inspect)."""

_NO_FIELD = ("stop_seqs", "seed", "frequency_penalty", "presence_penalty", "logit_bias")
"""Config fields the Responses API has no parameter for."""


def build_responses_body(
    model: Optional[str],
    messages: List[ChatMessage],
    tools: List[ToolInfo],
    tool_choice: ToolChoice,
    config: GenerateConfig,
    options: WireOptions,
) -> Tuple[Dict[str, Any], List[str]]:
    """The request body, and the names of set config fields left off.

    Args:
        model: the ``model`` field (``None`` leaves it out).
        messages: the normalised conversation.
        tools: tools the model may call.
        tool_choice: which tool to use.
        config: the merged generation config.
        options: the model family's rules (system role, rejected fields).

    Raises:
        ConfigError: ``num_choices`` above 1 (the API makes one answer per
            request), video input, or a tool message without its call id.
    """
    if config.num_choices is not None and config.num_choices > 1:
        raise ConfigError(
            "num_choices > 1 is not available on the Responses API; "
            "pass responses_api=False to get_model() to use chat completions"
        )
    reasoning_model = options.max_tokens_field == "max_completion_tokens"
    body: Dict[str, Any] = {} if model is None else {"model": model}
    grok = options.server_tools == "grok"
    body["input"] = input_items(messages, options.system_role, options.server_tools)
    if tools:
        body["tools"] = xai_tools(tools) if grok else responses_tools(tools)
        body["tool_choice"] = (
            xai_tool_choice(tool_choice, body["tools"])
            if grok
            else _tool_choice(tool_choice, body["tools"])
        )
    image = image_output(config.modalities)
    if image is not None:  # at most one image_generation tool, with the caller's options
        tool_options = dict((image.options or {}).get("openai") or {})
        body.setdefault("tools", []).append({**tool_options, "type": "image_generation"})
    dropped = [name for name in _NO_FIELD if getattr(config, name) is not None]
    if config.max_tokens is not None:
        body["max_output_tokens"] = config.max_tokens
    for name in ("temperature", "top_p"):
        value = getattr(config, name)
        if value is None:
            continue
        if name in options.unsupported:
            dropped.append(name)
        else:
            body[name] = value
    if tools and config.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = config.parallel_tool_calls
    reasoning = _reasoning(config, options)
    if reasoning and reasoning_model:
        body["reasoning"] = reasoning
    elif reasoning:  # a model that does not reason: effort "none" is what it does
        dropped.extend(
            f"reasoning_{k}" for k, v in reasoning.items() if (k, v) != ("effort", "none")
        )
    text: Dict[str, Any] = {}
    if config.verbosity is not None and "verbosity" in options.unsupported:
        dropped.append("verbosity")
    elif config.verbosity is not None:
        text["verbosity"] = config.verbosity
    if config.response_schema is not None:
        inner = response_format_to_wire(config.response_schema, "json_schema")["json_schema"]
        text["format"] = {"type": "json_schema", **inner}
    if text:
        body["text"] = text
    include: List[str] = [ENCRYPTED_REASONING] if reasoning_model or grok else []
    if not grok and any(tool.get("type") == "code_interpreter" for tool in body.get("tools", ())):
        include.append(CODE_OUTPUTS_INCLUDE)
    if config.logprobs or (config.logprobs is None and config.top_logprobs is not None):
        if "logprobs" in options.unsupported:
            dropped.append("logprobs")
        else:
            include.append(LOGPROBS_INCLUDE)
            if config.top_logprobs is not None:
                body["top_logprobs"] = config.top_logprobs
    body["store"] = False
    if include:
        body["include"] = include
    return body, dropped


def _reasoning(config: GenerateConfig, options: WireOptions) -> Dict[str, Any]:
    reasoning: Dict[str, Any] = {}
    effort = config.reasoning_effort
    wire = None if effort is None else map_effort(effort, options.efforts)
    if wire is not None:  # (None: not on the API's scale, the API warns)
        reasoning["effort"] = wire
    if config.reasoning_mode is not None:
        reasoning["mode"] = config.reasoning_mode
    if config.reasoning_summary not in (None, "none"):
        reasoning["summary"] = config.reasoning_summary
    return reasoning


def responses_tools(tools: Sequence[ToolInfo]) -> List[Dict[str, Any]]:
    """Tool definitions as Responses tools.

    Function tools are ``function`` tools (``strict`` off, as in chat);
    ``web_search()`` is OpenAI's ``web_search`` tool with its ``openai``
    options, ``code_execution()`` its ``code_interpreter`` (``container``
    from the ``openai`` options, else ``{"type": "auto"}``), as Inspect
    maps them (https://platform.openai.com/docs/guides/tools-web-search,
    https://platform.openai.com/docs/guides/tools-code-interpreter).
    """
    wire: List[Dict[str, Any]] = []
    for tool in tools:
        options = server_tool_options(tool, "openai")
        if options is not None and internal_tool_type(tool) == "web_search":
            wire.append({"type": "web_search", **options})
        elif options is not None:
            container = options.get("container", {"type": "auto"})
            wire.append({"type": "code_interpreter", "container": container})
        else:
            wire.append(
                {
                    "type": "function",
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters.to_schema(),
                    "strict": False,
                }
            )
    return wire


_HOSTED_CHOICE = {
    "web_search": ("web_search", "web_search_preview"),
    "code_execution": ("code_interpreter", "code_interpreter"),
}
"""A forced server-side tool: ``(its tool type, the hosted-tool choice type)``, as Inspect sends them."""


def _tool_choice(choice: ToolChoice, tools: Sequence[Dict[str, Any]]) -> Any:
    if isinstance(choice, ToolFunction):
        hosted = _HOSTED_CHOICE.get(choice.name)
        if hosted is not None and any(tool["type"] == hosted[0] for tool in tools):
            return {"type": hosted[1]}  # ToolChoiceTypes, not a function
        return {"type": "function", "name": choice.name}
    return "required" if choice == "any" else choice


def input_items(
    messages: List[ChatMessage], system_role: str = "system", server_tools: str = "openai"
) -> List[Dict[str, Any]]:
    """The conversation as Responses input items, in order.

    ``server_tools`` (``"openai"`` or ``"grok"``) says whose server-side
    tool items are sent back.
    """
    items: List[Dict[str, Any]] = []
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            items.append({"role": system_role, "content": message.text})
        elif isinstance(message, ChatMessageUser):
            items.extend(_user_items(message))
        elif isinstance(message, ChatMessageAssistant):
            items.extend(_assistant_items(message, server_tools))
        elif isinstance(message, ChatMessageTool):
            if not message.tool_call_id:
                raise ConfigError(
                    "a tool message needs the tool_call_id of the call it answers "
                    "(ChatMessageTool(content=..., tool_call_id=call.id))"
                )
            text = f"Error: {message.error.message}" if message.error else message.text
            items.append(
                {"type": "function_call_output", "call_id": message.tool_call_id, "output": text}
            )
        else:
            raise ConfigError(f"cannot send a message of type {type(message).__name__}")
    return items


def _user_items(message: ChatMessageUser) -> List[Dict[str, Any]]:
    """A user message's items: a ``compaction`` item where it holds one (from
    ``Model.compact``), a user message for its other parts."""
    items: List[Dict[str, Any]] = []
    parts: List[Dict[str, Any]] = []
    for part in as_parts(message.content):
        item = compaction_item(part)
        if item is not None:
            items.append(item)
            continue
        wire = _user_part(part)
        if wire is not None:
            parts.append(wire)
    if parts or not items:
        items.append({"role": "user", "content": parts})
    return items


def _user_part(part: Content) -> Optional[Dict[str, Any]]:
    if isinstance(part, ContentReasoning):
        return None
    if isinstance(part, ContentText):
        return {"type": "input_text", "text": part.text}
    if isinstance(part, ContentDocument):
        return input_file(part)
    wire = _part_to_wire(part)  # the chat shapes, checked the same way
    if isinstance(part, ContentImage):
        return {"type": "input_image", "image_url": wire["image_url"]["url"], "detail": part.detail}
    if isinstance(part, ContentAudio):
        return {"type": "input_audio", "input_audio": wire["input_audio"]}
    raise ConfigError(f"cannot send content of type {type(part).__name__}")


def input_file(part: ContentDocument) -> Dict[str, Any]:
    """An ``input_file`` part: ``file_url`` for an http(s) URL, else base64 ``file_data``."""
    if part.document.startswith(("http://", "https://")):
        return {"type": "input_file", "file_url": part.document}
    file_data = data_uri(part.document, "document", default_mime=part.mime_type)
    return {"type": "input_file", "filename": part.filename, "file_data": file_data}


def _assistant_items(message: ChatMessageAssistant, server_tools: str) -> List[Dict[str, Any]]:
    items: List[Dict[str, Any]] = []
    texts: List[str] = []
    for part in as_parts(message.content):
        if isinstance(part, ContentReasoning):
            item = _reasoning_item(part)
            if item is not None:
                items.append(item)
        elif isinstance(part, ContentText):
            texts.append(part.text)
        elif isinstance(part, ContentToolUse) and server_tools == "grok":  # xAI's, verbatim
            server = xai_replay_item(part)
            if server is not None:
                items.append(server)
        elif isinstance(part, ContentToolUse):  # OpenAI's own, where it was; else left out
            server = replay_item(part)
            if server is not None:
                items.append(server)
            text = replay_text(part)
            if text is not None:
                texts.append(text)
    text = "\n".join(texts)
    if text:
        items.append({"role": "assistant", "content": text})
    images = [_user_part(p) for p in as_parts(message.content) if isinstance(p, ContentImage)]
    if images:  # generated images go back as the user's (as Inspect: replaying the
        items.append({"role": "user", "content": images})  # call item needs store=true)
    for call in message.tool_calls or []:
        function = _tool_call_to_wire(call)["function"]
        items.append(
            {
                "type": "function_call",
                "call_id": call.id,
                "name": function["name"],
                "arguments": function["arguments"],
            }
        )
    return items


def _reasoning_item(part: ContentReasoning) -> Optional[Dict[str, Any]]:
    """A reasoning item to send back, or ``None`` for another API's reasoning.

    Only reasoning this API produced can go back: an ``rs_`` item id in
    ``signature`` or its encrypted content in ``data``.
    """
    own_id = part.signature if part.signature and part.signature.startswith("rs_") else None
    if own_id is None and not part.data:
        return None
    item: Dict[str, Any] = {"type": "reasoning"}
    if own_id:
        item["id"] = own_id
    summary = part.reasoning if part.reasoning and not part.redacted else ""
    item["summary"] = [{"type": "summary_text", "text": summary}] if summary else []
    if part.data:
        item["encrypted_content"] = part.data
    return item
