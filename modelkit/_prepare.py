"""Normalising one call: what ``Model.generate`` turns its arguments into.

A prompt string becomes a user message (message dicts become messages),
the system-message override goes first, tools become ``ToolInfo`` with a
checked ``tool_choice`` (a tool's ``model_input`` rewrites its results in
the history), runs of user or assistant messages collapse where
the API asks, and reasoning is dropped unless the API takes it back. The
result is a ``GenerateRequest``: what the cache keys on and the engine sends.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Union

import attrs

from ._record import Record
from ._support import check_supported
from .api import ModelAPI
from .config import GenerateConfig
from .errors import ConfigError
from .messages import ChatMessageAssistant, ChatMessageBase, ChatMessageUser, message_from_dict

if TYPE_CHECKING:
    from ._content import Content
    from .messages import ChatMessage
    from .tools._choice import ToolChoice
    from .tools._records import ToolInfo
    from .tools._types import ToolSource

__all__ = ["GenerateRequest", "ModelInput", "ToolsInput", "input_messages", "prepare_request"]

ModelInput = Union[str, Sequence[Union["ChatMessage", Mapping[str, Any]]]]
"""A prompt string, or a list of chat messages or their dicts (``ChatMessage`` named
for type checkers: the union is built with the system and tool messages, on first use)."""
ToolsInput = Union[Sequence[Any], "ToolSource"]
"""Tools: a list of functions, ``ToolDef``, ``ToolInfo`` and ``ToolSource``,
or one ``ToolSource``; sources are expanded by the caller (``Model.prepare``).
(``ToolSource`` named for type checkers: a call without tools imports no tool module.)"""


class GenerateRequest(Record):
    """One generation, normalised: what the API is asked, with which config."""

    __slots__ = ("config", "input", "tool_choice", "tools")

    input: List[ChatMessage]
    tools: List[ToolInfo]
    tool_choice: ToolChoice
    config: GenerateConfig

    def __init__(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> None:
        self.input = input
        self.tools = tools
        self.tool_choice = tool_choice
        self.config = config


def prepare_request(
    api: ModelAPI,
    config: GenerateConfig,
    input: ModelInput,
    tools: ToolsInput = (),
    tool_choice: Optional[ToolChoice] = None,
    *,
    check: bool = True,
) -> GenerateRequest:
    """The request ``api`` is sent for ``input`` under the merged ``config``.

    ``check=False`` skips checking ``config`` against what ``api`` honours,
    for a caller that checked this same config already (``batch_submit``
    checks it with its first input).
    """
    if check:
        check_supported(api, config)
    messages: List[ChatMessage] = (
        [ChatMessageUser(content=input)] if type(input) is str else input_messages(input)
    )
    if config.system_message:
        from .messages import ChatMessageSystem  # (a plain prompt never builds it)

        messages.insert(0, ChatMessageSystem(content=config.system_message))
    infos: List[ToolInfo] = []
    if tools:  # tools from functions (schemas, docstrings: ~2 ms to import) only when given
        from .tools._function import to_tool_info
        from .tools._types import ToolSource

        if isinstance(tools, ToolSource) and not isinstance(tools, Sequence):
            raise ConfigError("prepare_request() takes tools with their ToolSources expanded")
        infos = [to_tool_info(tool) for tool in tools]
        messages = _with_model_input(tools, messages)
    choice: ToolChoice = tool_choice or ("auto" if infos else "none")
    if tool_choice:  # (the default just made is valid)
        _check_tool_choice(choice, infos)
    if (
        not infos
        and type(api).tools_required is not ModelAPI.tools_required
        and api.tools_required()
    ):
        infos = _tools_named_in(messages)
        choice = "none"
    if type(input) is str:
        # One user message, perhaps after the system message: no run to collapse,
        # no assistant message to strip of its reasoning.
        return GenerateRequest(input=messages, tools=infos, tool_choice=choice, config=config)
    if api.collapse_user_messages():
        messages = _collapse(messages, "user")
    if api.collapse_assistant_messages():
        messages = _collapse(messages, "assistant")
    history = config.reasoning_history
    if history is False or history == "none" or not api.has_reasoning_history():
        messages = [
            _without_reasoning(m) if isinstance(m, ChatMessageAssistant) else m for m in messages
        ]
    elif history == "last":  # Inspect's: only the last assistant message keeps it
        last = max(
            (i for i, m in enumerate(messages) if isinstance(m, ChatMessageAssistant)), default=-1
        )
        messages = [m if i == last else _without_reasoning(m) for i, m in enumerate(messages)]
    return GenerateRequest(input=messages, tools=infos, tool_choice=choice, config=config)


def input_messages(input: ModelInput) -> List[ChatMessage]:
    """The messages of a prompt string or a list of messages (or their dicts)."""
    if isinstance(input, str):
        return [ChatMessageUser(content=input)]
    if not isinstance(input, Sequence):
        raise ConfigError(
            f"input must be a string or a list of chat messages, got {type(input).__name__}"
        )
    messages: List[ChatMessage] = []
    for item in input:
        if isinstance(item, Mapping):
            messages.append(_checked(message_from_dict(item)))
        elif isinstance(item, (ChatMessageUser, ChatMessageAssistant)) or (
            isinstance(item, ChatMessageBase) and _system_or_tool(item)
        ):
            messages.append(_checked(item))
        else:
            raise ConfigError(
                f"input messages must be ChatMessage objects or dicts, got {type(item).__name__}"
            )
    if not messages:
        raise ConfigError("input is empty: give a prompt string or at least one message")
    return messages


def _system_or_tool(message: ChatMessageBase) -> bool:
    from .messages import ChatMessageSystem, ChatMessageTool  # built with the first such message

    return isinstance(message, (ChatMessageSystem, ChatMessageTool))


_STRING_FIELDS = ("text", "image", "audio", "video", "reasoning", "document")


def _checked(message: ChatMessage) -> ChatMessage:
    """``message`` with its content checked: parts only (known dicts become parts), media sane.

    Raises:
        ConfigError: naming a content value that is neither a string nor a
            list of content parts, a dict of an unknown content type, or
            media whose data is not what its part says.
    """
    content = message.content
    if isinstance(content, str):
        return message
    if not isinstance(content, (list, tuple)):
        raise ConfigError(
            f"{message.role} message content must be a string or a list of content parts, "
            f"got {content!r}"
        )
    parts = [_part(message.role, part) for part in content]
    if isinstance(content, list) and all(a is b for a, b in zip(parts, content)):
        return message
    return attrs.evolve(message, content=parts)


def _part(role: str, part: Any) -> Content:
    from ._content import CONTENT_CLASSES as _CONTENT  # with the first parts
    from ._content import content_from_dict

    if isinstance(part, Mapping):
        try:
            part = content_from_dict(part)
        except TypeError as exc:
            raise ConfigError(f"{role} message content part {part!r} is incomplete: {exc}") from exc
    if not isinstance(part, _CONTENT):
        names = ", ".join(kind.__name__ for kind in _CONTENT)
        raise ConfigError(
            f"{role} message content holds {part!r}, which is not a content part ({names})"
        )
    checked: Content = typing.cast("Content", part)
    kind = checked.type
    if kind not in _STRING_FIELDS:
        return checked
    value = getattr(part, kind)
    if not isinstance(value, str):
        raise ConfigError(f"{role} message {kind} part must hold a string, got {value!r}")
    if kind in ("image", "audio", "video"):
        from ._media import check_media  # loaded by the first media part

        check_media(kind, value)
    return checked


_HINTS = {"disable_computer_screenshot_truncation": False}


def _with_model_input(tools: Sequence[Any], messages: List[ChatMessage]) -> List[ChatMessage]:
    """``messages`` with each tool's results rewritten by its ``model_input``, if it has one.

    ``model_input(index, total, content, hints)`` is called for every result
    of that tool, ``index`` counting them from 0 and ``total`` their number;
    the messages given are not changed (changed ones are copies).
    """
    from .tools._function import attached_tool_def

    handlers = [d for d in map(attached_tool_def, tools) if d is not None and d.model_input]
    if not handlers:
        return messages
    from .messages import ChatMessageTool

    out = list(messages)
    for definition in handlers:
        places = [
            i
            for i, m in enumerate(out)
            if isinstance(m, ChatMessageTool) and m.function == definition.name
        ]
        for index, place in enumerate(places):
            message = out[place]
            content = definition.model_input(index, len(places), message.content, dict(_HINTS))
            if content is not message.content:
                out[place] = attrs.evolve(message, content=content)
    return out


def _check_tool_choice(choice: ToolChoice, tools: List[ToolInfo]) -> None:
    if isinstance(choice, str) and choice in ("auto", "any", "none"):
        return
    from .tools._choice import ToolFunction  # (a string choice never builds the class)

    if not isinstance(choice, ToolFunction):
        raise ConfigError(
            f"tool_choice must be 'auto', 'any', 'none' or ToolFunction(name), got {choice!r}"
        )
    if choice.name not in {t.name for t in tools}:
        raise ConfigError(f"tool_choice names {choice.name!r}, which is not among the tools")


def _tools_named_in(messages: List[ChatMessage]) -> List[ToolInfo]:
    """Placeholder tool definitions for tools a conversation already used."""
    names: Dict[str, None] = {}
    for message in messages:
        if isinstance(message, ChatMessageAssistant):
            for call in message.tool_calls or []:
                names.setdefault(call.function)
    from .tools._records import ToolInfo

    return [ToolInfo(name=name, description=name) for name in names]


def _collapse(messages: List[ChatMessage], role: str) -> List[ChatMessage]:
    """Merge each run of consecutive ``role`` messages into one."""
    out: List[ChatMessage] = []
    for message in messages:
        previous = out[-1] if out else None
        if previous is not None and previous.role == role and message.role == role:
            out[-1] = _merge_pair(previous, message)
        else:
            out.append(message)
    return out


def _merge_pair(first: Any, second: Any) -> Any:
    """One message of ``first``'s type holding both, as Inspect's ``combine_messages``:
    strings joined by a newline (else the parts of both), tool calls and
    tool-call ids concatenated, the later ``model`` and ``source`` winning,
    metadata merged (the later winning) with ``combined_from`` listing both ids."""
    a, b = first.content, second.content
    if isinstance(a, str) and isinstance(b, str):
        content: Any = f"{a}\n{b}"
    else:
        content = _parts(a) + _parts(b)
    metadata: Dict[str, Any] = {**(first.metadata or {}), **(second.metadata or {})}
    metadata["combined_from"] = [first.id, second.id]
    fields: Dict[str, Any] = {"source": second.source or first.source, "metadata": metadata}
    if isinstance(first, ChatMessageAssistant):
        fields["tool_calls"] = (first.tool_calls or []) + (second.tool_calls or []) or None
        fields["model"] = second.model or first.model
        reasoning = [r for r in (first.reasoning, second.reasoning) if r]
        fields["reasoning"] = "\n".join(reasoning) or None
    elif isinstance(first, ChatMessageUser):
        fields["tool_call_id"] = (first.tool_call_id or []) + (second.tool_call_id or []) or None
    return type(first)(content=content, **fields)


def _parts(content: Any) -> List[Any]:
    if not isinstance(content, str):
        return list(content)
    from ._content import ContentText

    return [ContentText(text=content)]


def _without_reasoning(message: ChatMessage) -> ChatMessage:
    if not isinstance(message, ChatMessageAssistant):
        return message
    content = message.content
    if not isinstance(content, str):
        from ._content import ContentReasoning

        if any(isinstance(p, ContentReasoning) for p in content):
            content = [p for p in content if not isinstance(p, ContentReasoning)]
        elif message.reasoning is None:
            return message
    elif message.reasoning is None:
        return message
    return attrs.evolve(message, content=content, reasoning=None)
