"""Build OpenAI chat-completions request bodies (shared by the OpenAI family).

Pure converters from modelkit's messages, tools and ``GenerateConfig`` to the
JSON body of ``POST /chat/completions``. What differs between OpenAI models
and the servers that copy the format (the system role, the name of the token
limit, parameters a server rejects, where reasoning goes back) is described
by a ``WireOptions`` value, so each provider is a table entry, not a copy.
The one piece of I/O is reading a local image or audio file named in the
input (through ``modelkit._media``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

from ..._record import Record
from ...config import GenerateConfig
from ...errors import ConfigError
from ...messages import ChatMessageAssistant, ChatMessageUser
from .._effort import EffortMap, map_effort

if TYPE_CHECKING:
    from ..._content import Content, ContentDocument, ContentReasoning
    from ..._response_schema import ResponseSchema
    from ...messages import ChatMessage
    from ...tools._choice import ToolChoice
    from ...tools._records import ToolCall, ToolInfo

__all__ = [
    "WireOptions",
    "build_body",
    "config_params",
    "effort_not_sent",
    "messages_to_wire",
    "tool_choice_to_wire",
    "tools_to_wire",
]


class WireOptions(Record):
    """How one model or server wants the OpenAI request shaped.

    Args:
        system_role: the role system messages are sent as (``"system"``,
            ``"developer"`` or, for models without either, ``"user"``).
        max_tokens_field: ``"max_tokens"`` or ``"max_completion_tokens"``.
        unsupported: request fields the server rejects; they are left off
            (and reported) instead of being sent.
        extra_fields: ``GenerateConfig`` fields the server takes under the
            same name beyond OpenAI's (e.g. ``top_k``).
        reasoning_effort: ``"reasoning_effort"`` (a top-level field),
            ``"reasoning"`` (OpenRouter's ``reasoning: {effort}``), or ``None``
            when the server takes no effort setting.
        efforts: how ``reasoning_effort`` values map onto the server's
            scale (``modelkit.providers._effort``); unlisted values go as is.
        thinking_switch: ``reasoning_effort="none"`` is sent as
            ``thinking: {"type": "disabled"}`` (DeepSeek), not as an effort.
        reasoning_field: the assistant-message field earlier reasoning is
            sent back in (``reasoning_content``, ``reasoning``), or ``None``.
        reasoning_details: also send back OpenRouter ``reasoning_details``
            kept (as JSON) in ``ContentReasoning.data``.
        max_stop_seqs: the most stop sequences the API takes, if limited.
        logprobs_as_count: ``logprobs`` is an integer count of top tokens
            (Together) rather than a boolean plus ``top_logprobs``.
        response_format: how ``response_schema`` is sent (see
            ``response_format_to_wire``), or ``None`` when the server has no
            structured-output mode (a ``response_schema`` is then refused).
        logprobs_need_top: the server returns no logprobs unless
            ``top_logprobs`` is sent too (llama-cpp-python): ``logprobs``
            alone is sent with ``top_logprobs: 1``.
        server_tools: whose built-in tools the Responses converters map
            ``web_search()``/``code_execution()`` to and send back:
            ``"openai"``, or ``"grok"`` for xAI's Responses API.
    """

    __slots__ = (
        "efforts",
        "extra_fields",
        "logprobs_as_count",
        "logprobs_need_top",
        "max_stop_seqs",
        "max_tokens_field",
        "reasoning_details",
        "reasoning_effort",
        "reasoning_field",
        "response_format",
        "server_tools",
        "system_role",
        "thinking_switch",
        "unsupported",
    )

    system_role: str
    max_tokens_field: str
    unsupported: FrozenSet[str]
    extra_fields: Tuple[str, ...]
    reasoning_effort: Optional[str]
    efforts: EffortMap
    thinking_switch: bool
    reasoning_field: Optional[str]
    reasoning_details: bool
    max_stop_seqs: Optional[int]
    logprobs_as_count: bool
    logprobs_need_top: bool
    response_format: Optional[str]
    server_tools: str

    def __init__(
        self,
        system_role: str = "system",
        max_tokens_field: str = "max_tokens",
        unsupported: FrozenSet[str] = frozenset(),
        extra_fields: Tuple[str, ...] = (),
        reasoning_effort: Optional[str] = "reasoning_effort",
        efforts: EffortMap = (),
        thinking_switch: bool = False,
        reasoning_field: Optional[str] = None,
        reasoning_details: bool = False,
        max_stop_seqs: Optional[int] = None,
        logprobs_as_count: bool = False,
        logprobs_need_top: bool = False,
        response_format: Optional[str] = "json_schema",
        server_tools: str = "openai",
    ) -> None:
        self.system_role = system_role
        self.max_tokens_field = max_tokens_field
        self.unsupported = unsupported
        self.extra_fields = extra_fields
        self.reasoning_effort = reasoning_effort
        self.efforts = efforts
        self.thinking_switch = thinking_switch
        self.reasoning_field = reasoning_field
        self.reasoning_details = reasoning_details
        self.max_stop_seqs = max_stop_seqs
        self.logprobs_as_count = logprobs_as_count
        self.logprobs_need_top = logprobs_need_top
        self.response_format = response_format
        self.server_tools = server_tools


def effort_not_sent(config: GenerateConfig, options: WireOptions) -> bool:
    """Whether ``config.reasoning_effort`` has no value on this server's effort scale."""
    effort = config.reasoning_effort
    if effort is None or options.reasoning_effort is None:
        return False
    if effort == "none" and options.thinking_switch:
        return False
    return map_effort(effort, options.efforts) is None


def response_format_to_wire(schema: ResponseSchema, kind: str) -> Dict[str, Any]:
    """``response_format`` for ``schema`` in the shape a server takes.

    ``kind`` is ``"json_schema"`` (OpenAI: ``{"type": "json_schema",
    "json_schema": {name, schema, description, strict}}``),
    ``"json_object_schema"`` (``{"type": "json_object", "schema": ...}``:
    llama-cpp-python 0.3.x, which answers the OpenAI shape with HTTP 500) or
    ``"json_object"`` (JSON mode only, the schema goes in a system message).
    """
    if kind == "json_object_schema":
        return {"type": "json_object", "schema": schema.json_schema}
    if kind == "json_object":
        return {"type": "json_object"}
    inner: Dict[str, Any] = {"name": schema.name, "schema": schema.json_schema}
    if schema.description:
        inner["description"] = schema.description
    if schema.strict is not None:
        inner["strict"] = schema.strict
    return {"type": "json_schema", "json_schema": inner}


def schema_instruction(schema: ResponseSchema) -> str:
    """The system message that carries the schema for servers with JSON mode only."""
    about = f" ({schema.description})" if schema.description else ""
    return (
        f"Answer with a single JSON object{about} and nothing else. It must match this "
        f"JSON Schema: {json.dumps(schema.json_schema)}"
    )


def build_body(
    model: Optional[str],
    messages: List[ChatMessage],
    tools: List[ToolInfo],
    tool_choice: ToolChoice,
    config: GenerateConfig,
    options: WireOptions,
    config_part: Optional[Tuple[Dict[str, Any], List[str]]] = None,
) -> Tuple[Dict[str, Any], List[str]]:
    """The request body, and the names of set fields left off as unsupported.

    Args:
        model: the ``model`` field, or ``None`` to leave it out (Azure's
            deployment URLs name the model in the path).
        config_part: ``config_params(config, options, bool(tools))`` when
            the caller has it already (a batch: one config for every line).

    Raises:
        ConfigError: the input cannot be sent (video, a missing media file,
            too many stop sequences, a tool message without its call id).
    """
    body: Dict[str, Any] = {} if model is None else {"model": model}
    body["messages"] = messages_to_wire(messages, options)
    if tools:
        body["tools"] = tools_to_wire(tools)
        body["tool_choice"] = tool_choice_to_wire(tool_choice)
    params, dropped = config_part or config_params(config, options, has_tools=bool(tools))
    body.update(params)
    schema = config.response_schema
    if schema is not None and options.response_format is not None:
        body["response_format"] = response_format_to_wire(schema, options.response_format)
        if options.response_format == "json_object":
            instruction = {"role": options.system_role, "content": schema_instruction(schema)}
            body["messages"] = [instruction, *body["messages"]]
    return body, dropped


def config_params(
    config: GenerateConfig, options: WireOptions, has_tools: bool
) -> Tuple[Dict[str, Any], List[str]]:
    """The body fields for ``config``, and the set ones left off as unsupported."""
    params: Dict[str, Any] = {}
    if config.max_tokens is not None:
        params[options.max_tokens_field] = config.max_tokens
    # (each field read by name, not by getattr in a loop: every call reads them)
    if config.temperature is not None:
        params["temperature"] = config.temperature
    if config.top_p is not None:
        params["top_p"] = config.top_p
    if config.frequency_penalty is not None:
        params["frequency_penalty"] = config.frequency_penalty
    if config.presence_penalty is not None:
        params["presence_penalty"] = config.presence_penalty
    if config.seed is not None:
        params["seed"] = config.seed
    if config.stop_seqs is not None:
        limit = options.max_stop_seqs
        if limit is not None and len(config.stop_seqs) > limit:
            raise ConfigError(
                f"stop_seqs has {len(config.stop_seqs)} sequences; this API takes at most {limit}"
            )
        params["stop"] = list(config.stop_seqs)
    if config.num_choices is not None:
        params["n"] = config.num_choices
    if config.logprobs is not None or config.top_logprobs is not None:
        params.update(_logprob_params(config, options))
    if config.logit_bias is not None:
        params["logit_bias"] = {str(token): bias for token, bias in config.logit_bias.items()}
    if has_tools and config.parallel_tool_calls is not None:
        params["parallel_tool_calls"] = config.parallel_tool_calls
    dropped: List[str] = []
    effort, field = config.reasoning_effort, options.reasoning_effort
    if effort == "none" and options.thinking_switch:
        params["thinking"] = {"type": "disabled"}
    elif effort is not None and field is None:
        if effort != "none":  # no effort setting: "none" asks for nothing it could send
            dropped.append("reasoning_effort")
    elif effort is not None and field is not None:
        wire = map_effort(effort, options.efforts)  # None: the API warns (effort_not_sent)
        if wire is not None and field == "reasoning":
            params["reasoning"] = {"effort": wire}
        elif wire is not None:
            params[field] = wire
    for name in options.extra_fields:
        value = getattr(config, name)
        if value is not None:
            params[name] = value
    unsupported = options.unsupported
    if params and unsupported and not unsupported.isdisjoint(params):
        for name in sorted(unsupported.intersection(params)):
            if name == "n" and params[name] == 1:
                continue
            del params[name]
            dropped.append(name)
    return params, dropped


def _logprob_params(config: GenerateConfig, options: WireOptions) -> Dict[str, Any]:
    wanted = config.logprobs if config.logprobs is not None else config.top_logprobs is not None
    if config.logprobs is None and config.top_logprobs is None:
        return {}
    if options.logprobs_as_count:
        return {"logprobs": max(config.top_logprobs or 0, 1)} if wanted else {}
    params: Dict[str, Any] = {"logprobs": wanted}
    if wanted and config.top_logprobs is not None:
        params["top_logprobs"] = config.top_logprobs
    elif wanted and options.logprobs_need_top:
        params["top_logprobs"] = 1
    return params


def tools_to_wire(tools: Sequence[ToolInfo]) -> List[Dict[str, Any]]:
    """Tool definitions as OpenAI ``function`` tools."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.parameters.to_schema(),
            },
        }
        for tool in tools
    ]


def tool_choice_to_wire(choice: ToolChoice) -> Any:
    """``auto``/``none`` as is, ``any`` as ``required``, a named tool as an object."""
    if isinstance(choice, str):
        return "required" if choice == "any" else choice
    return {"type": "function", "function": {"name": choice.name}}


def messages_to_wire(messages: List[ChatMessage], options: WireOptions) -> List[Dict[str, Any]]:
    """Chat messages as OpenAI ``messages``."""
    wire = []
    for message in messages:
        if type(message) is ChatMessageUser and type(message.content) is str:
            wire.append({"role": "user", "content": message.content})  # a prompt: no call
        else:
            wire.append(_message_to_wire(message, options))
    return wire


def _message_to_wire(message: ChatMessage, options: WireOptions) -> Dict[str, Any]:
    if isinstance(message, ChatMessageUser):
        return {"role": "user", "content": _user_content(message.content)}
    if isinstance(message, ChatMessageAssistant):
        return _assistant_to_wire(message, options)
    from ...messages import ChatMessageSystem, ChatMessageTool  # (built with the first one)

    if isinstance(message, ChatMessageSystem):
        return {"role": options.system_role, "content": message.text}
    if isinstance(message, ChatMessageTool):
        if not message.tool_call_id:
            raise ConfigError(
                "a tool message needs the tool_call_id of the call it answers "
                "(ChatMessageTool(content=..., tool_call_id=call.id))"
            )
        text = f"Error: {message.error.message}" if message.error else message.text
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": text}
    raise ConfigError(f"cannot send a message of type {type(message).__name__}")


def _user_content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    from ..._content import ContentReasoning, ContentText  # loaded by the first parts

    if all(isinstance(part, (ContentText, ContentReasoning)) for part in content):
        # Plain text is sent as a string: some compatible servers only take strings.
        return "\n".join(part.text for part in content if isinstance(part, ContentText))
    return [_part_to_wire(part) for part in content if not isinstance(part, ContentReasoning)]


def _part_to_wire(part: Content) -> Dict[str, Any]:
    from ..._content import ContentAudio, ContentDocument, ContentImage, ContentText, ContentVideo

    if isinstance(part, ContentText):
        return {"type": "text", "text": part.text}
    if isinstance(part, ContentImage):
        url = part.image
        if not url.startswith(("http://", "https://")):
            from ..._media import data_uri  # loaded by the first local media

            url = data_uri(url, "image", default_mime="image/png")
        return {"type": "image_url", "image_url": {"url": url, "detail": part.detail}}
    if isinstance(part, ContentAudio):
        if part.audio.startswith(("http://", "https://")):
            raise ConfigError(
                "audio must be a local file or a base64 data: URI; this API does not fetch URLs"
            )
        from ..._media import read_media

        data = read_media(part.audio, "audio")[1]
        return {"type": "input_audio", "input_audio": {"data": data, "format": part.format}}
    if isinstance(part, ContentVideo):
        raise ConfigError(
            "this API does not accept video input (ContentVideo); send frames as images, "
            "or use a provider that takes video (e.g. google)"
        )
    if isinstance(part, ContentDocument):
        return _file_part(part)
    raise ConfigError(f"cannot send content of type {type(part).__name__}")


def _file_part(part: ContentDocument) -> Dict[str, Any]:
    """A ``file`` part: Chat Completions takes PDF documents only, as base64 data."""
    if part.mime_type != "application/pdf":
        raise ConfigError(
            f"Chat Completions takes PDF documents only, not {part.mime_type} "
            f"({part.filename!r}); use the Responses API (openai models with "
            f"responses_api=True) or send the document's text as text"
        )
    if part.document.startswith(("http://", "https://")):
        raise ConfigError(
            f"Chat Completions cannot fetch a document from a URL ({part.filename!r}); "
            f"download it and pass a local path or a data: URI"
        )
    from ..._media import data_uri

    file_data = data_uri(part.document, "document", default_mime=part.mime_type)
    return {"type": "file", "file": {"filename": part.filename, "file_data": file_data}}


def _assistant_to_wire(message: ChatMessageAssistant, options: WireOptions) -> Dict[str, Any]:
    content = message.content
    if isinstance(content, str):
        text, reasoning_parts = content, []
    else:
        from ..._content import ContentReasoning, ContentText

        text = "\n".join(part.text for part in content if isinstance(part, ContentText))
        reasoning_parts = [part for part in content if isinstance(part, ContentReasoning)]
    wire: Dict[str, Any] = {"role": "assistant", "content": text}
    if message.tool_calls:
        wire["content"] = text or None
        wire["tool_calls"] = [_tool_call_to_wire(call) for call in message.tool_calls]
    if options.reasoning_field:
        reasoning = "\n".join(p.reasoning for p in reasoning_parts if p.reasoning)
        reasoning = reasoning or message.reasoning or ""
        if reasoning:
            wire[options.reasoning_field] = reasoning
        if options.reasoning_details:
            details = _reasoning_details(reasoning_parts)
            if details:
                wire["reasoning_details"] = details
    return wire


def _reasoning_details(parts: List[ContentReasoning]) -> List[Any]:
    details: List[Any] = []
    for part in parts:
        if not part.data:
            continue
        try:
            value = json.loads(part.data)
        except ValueError:
            continue
        details.extend(value if isinstance(value, list) else [value])
    return details


def _tool_call_to_wire(call: ToolCall) -> Dict[str, Any]:
    # Arguments that did not parse go back exactly as the model wrote them.
    arguments = call.raw_arguments if call.parse_error and call.raw_arguments is not None else None
    return {
        "id": call.id,
        "type": "function",
        "function": {
            "name": call.function,
            "arguments": arguments if arguments is not None else json.dumps(call.arguments),
        },
    }
