"""Chat messages and their content parts.

Content is text (with the citations the model gave for it), an image,
audio, video, a document (``ContentDocument``), or (assistant side)
reasoning that a provider may need back verbatim with its signature, a
server-side tool call (``ContentToolUse``) or provider data
(``ContentData``); the parts live in ``_content``, which this module
exports on first use (a plain-text call builds none of them). A message's
``content`` is a plain string or a list of those parts; ``.text`` gives the
text either way. Unions are told apart by ``type`` (content) and ``role``
(messages), which ``content_from_dict`` and ``message_from_dict`` read.

As in Inspect, messages and content are mutable (``message.text = ...``,
``message.metadata = {...}``) and every message gets a unique ``id`` when
made without one. The ``id`` is not part of equality (two messages with
the same content compare equal) and never reaches a model API or the
response cache key.
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Literal,
    Mapping,
    Optional,
    Tuple,
    Union,
)

import attrs

from ._lazy import LazyModule, lazy_exports
from ._message_base import ChatMessageBase, _decode_content, _tool_calls_from_list
from ._message_base import message_id as message_id  # (its home before: _history imports it)
from ._serde import Decoder
from .errors import ConfigError, shorten

if TYPE_CHECKING:
    from . import _content
    from ._content import (
        Content,
        ContentAudio,
        ContentData,
        ContentDocument,
        ContentImage,
        ContentReasoning,
        ContentText,
        ContentToolUse,
        ContentVideo,
        content_from_dict,
    )
    from ._system_tool_messages import ChatMessageSystem, ChatMessageTool
    from .tools import _records as _tool_records
else:
    # Content parts live in _content, imported by the first list of parts
    # (or a name asked of this module): a plain-text first call builds none
    # of their classes (issue 24, cold start). Hints resolve through this.
    _content = LazyModule("modelkit._content")
    _tool_records = LazyModule("modelkit.tools._records")

__all__ = [
    "ChatMessage",
    "ChatMessageAssistant",
    "ChatMessageBase",
    "ChatMessageSystem",
    "ChatMessageTool",
    "ChatMessageUser",
    "Content",
    "ContentAudio",
    "ContentData",
    "ContentDocument",
    "ContentImage",
    "ContentReasoning",
    "ContentText",
    "ContentToolUse",
    "ContentVideo",
    "content_from_dict",
    "message_from_dict",
]


@attrs.define
class ChatMessageUser(ChatMessageBase):
    """A user message.

    Args:
        tool_call_id: the id(s) of tool calls this message carries content for.
    """

    tool_call_id: Optional[List[str]] = attrs.field(default=None, kw_only=True)
    role: Literal["user"] = attrs.field(default="user", init=False)


@attrs.define
class ChatMessageAssistant(ChatMessageBase):
    """An assistant message.

    Args:
        tool_calls: the tool calls the model made.
        reasoning: the model's reasoning, as plain text.
        model: the model that wrote it.
    """

    tool_calls: Optional[List[_tool_records.ToolCall]] = attrs.field(default=None, kw_only=True)
    reasoning: Optional[str] = attrs.field(default=None, kw_only=True)
    model: Optional[str] = attrs.field(default=None, kw_only=True)
    role: Literal["assistant"] = attrs.field(default="assistant", init=False)

    _modelkit_only: ClassVar[FrozenSet[str]] = frozenset({"reasoning"})

    _decoders: ClassVar[Dict[str, Decoder]] = {
        "content": _decode_content,
        "tool_calls": _tool_calls_from_list,
    }


if TYPE_CHECKING:
    ChatMessage = Union[ChatMessageSystem, ChatMessageUser, ChatMessageAssistant, ChatMessageTool]

_HINT_NAMES = (Any, ClassVar, Dict, List, Literal, Optional, Tuple, Union, Decoder, _tool_records)
"""The names the hints of ``ChatMessageBase``, ``ChatMessageSystem`` and ``ChatMessageTool``
use: they are defined in ``_message_base`` and ``_system_tool_messages`` with this module
as their ``__module__``, so ``typing.get_type_hints`` resolves them here."""

_RARE_ROLES = {"system": "ChatMessageSystem", "tool": "ChatMessageTool"}
"""Roles whose classes live in ``_system_tool_messages`` (exported here on first use)."""


def message_from_dict(data: Mapping[str, Any]) -> ChatMessage:
    """Build the chat message whose ``role`` the dict names.

    Raises:
        ConfigError: ``data`` has no ``role``, or one that is not a role
            (the message says which roles there are).
    """
    roles = "'system', 'user', 'assistant', 'tool'"
    if "role" not in data:
        keys = ", ".join(repr(key) for key in list(data)[:8]) or "none"
        raise ConfigError(
            f"message dict has no 'role' (its keys: {keys}); give one of {roles}, "
            f'e.g. {{"role": "user", "content": "Hello"}}'
        )
    role = data["role"]
    cls: Any = None
    if role == "user":
        cls = ChatMessageUser
    elif role == "assistant":
        cls = ChatMessageAssistant
    elif isinstance(role, str) and role in _RARE_ROLES:
        cls = __getattr__(_RARE_ROLES[role])
    if cls is None:
        raise ConfigError(
            f"message role {shorten(repr(role), 80)} is not a role; give one of {roles}"
        )
    message: ChatMessage = cls.from_dict(data)
    return message


_content_exports = lazy_exports(
    __name__,
    {
        name: "._content"
        for name in (
            "Content",
            "ContentAudio",
            "ContentData",
            "ContentDocument",
            "ContentImage",
            "ContentReasoning",
            "ContentText",
            "ContentToolUse",
            "ContentVideo",
            "content_from_dict",
        )
    },
)


def __getattr__(name: str) -> Any:
    # The system and tool messages (and the ChatMessage union naming them) are
    # built on first use: a plain prompt builds neither (issue 24, cold start).
    if name in ("ChatMessageSystem", "ChatMessageTool", "ChatMessage"):
        from ._system_tool_messages import ChatMessageSystem, ChatMessageTool

        namespace = globals()
        namespace["ChatMessageSystem"] = ChatMessageSystem
        namespace["ChatMessageTool"] = ChatMessageTool
        namespace["ChatMessage"] = Union[
            ChatMessageSystem, ChatMessageUser, ChatMessageAssistant, ChatMessageTool
        ]
        return namespace[name]
    return _content_exports(name)
