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

import os
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
from ._serde import Decoder, Serializable
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
    from .tools import _records as _tool_records
    from .tools._records import ToolCall, ToolCallError
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


def _decode_content(value: Any) -> Any:
    if isinstance(value, str):
        return value
    from ._content import content_from_dict

    return [content_from_dict(part) for part in value]


_decode_content.__dict__["keeps"] = str  # from_dict's builders skip the call for a string


def _tool_calls_from_list(items: List[Any]) -> List[ToolCall]:
    from .tools._records import ToolCall  # with the first tool call

    return [ToolCall.from_dict(item) for item in items]


def _tool_call_error(data: Any) -> ToolCallError:
    from .tools._records import ToolCallError

    return ToolCallError.from_dict(data)


def message_id() -> str:
    """A new random message id: 128 random bits as 32 hex digits (no import).

    The bits come from ``os.urandom``, read for ``_ID_BATCH`` ids at once
    (one system call, not one per message: a call makes two messages); a
    forked child drops the ids its parent had read, so the two never share one.
    """
    while True:
        try:
            return _ids.pop()
        except IndexError:  # (list.pop and extend are atomic: threads share the stock)
            digits = os.urandom(16 * _ID_BATCH).hex()
            _ids.extend([digits[i : i + 32] for i in range(0, 32 * _ID_BATCH, 32)])


_ID_BATCH = 64
_ids: List[str] = []
"""Message ids read but not given out yet (``message_id``)."""

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ids.clear)


@attrs.define
class ChatMessageBase(Serializable):
    """What every chat message has.

    Args:
        content: a plain string or a list of content parts.
        source: ``"input"``, ``"generate"`` or ``"operator"``: where the
            message came from.
        id: a unique id (made when not given; not compared, not sent).
        metadata: your own data about the message (never sent to the model).
    """

    content: Union[str, List[_content.Content]]
    source: Optional[Literal["input", "generate", "operator"]] = attrs.field(
        default=None, kw_only=True
    )
    id: Optional[str] = attrs.field(default=None, kw_only=True, eq=False)
    metadata: Optional[Dict[str, Any]] = attrs.field(default=None, kw_only=True)
    role: Literal["system", "user", "assistant", "tool"] = attrs.field(default="user", init=False)

    _decoders: ClassVar[Dict[str, Decoder]] = {"content": _decode_content}
    _dump_first: ClassVar[Tuple[str, ...]] = ("id", "content", "source", "metadata", "role")

    def __attrs_post_init__(self) -> None:
        if self.id is None:
            self.id = message_id()

    @property
    def text(self) -> str:
        """The text of the message: the string, or its text parts joined by newlines."""
        if isinstance(self.content, str):
            return self.content
        from ._content import ContentText

        return "\n".join(part.text for part in self.content if isinstance(part, ContentText))

    @text.setter
    def text(self, text: str) -> None:
        """Set the text, as Inspect does: a string content is replaced; in a
        list, the first text part takes ``text`` (other text parts go, media
        stays), or one is appended."""
        if isinstance(self.content, str):
            self.content = text
            return
        from ._content import ContentText

        parts: List[Content] = []
        placed = False
        for part in self.content:
            if not isinstance(part, ContentText):
                parts.append(part)
            elif not placed:
                parts.append(ContentText(text=text))
                placed = True
        if not placed:
            parts.append(ContentText(text=text))
        self.content = parts

    @property
    def content_list(self) -> List[Content]:
        """The content as a list of parts (a string is one text part)."""
        if isinstance(self.content, str):
            from ._content import ContentText

            return [ContentText(text=self.content)]
        return self.content


@attrs.define
class ChatMessageSystem(ChatMessageBase):
    """A system message."""

    role: Literal["system"] = attrs.field(default="system", init=False)


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


@attrs.define
class ChatMessageTool(ChatMessageBase):
    """The result of a tool call.

    Args:
        tool_call_id: the id of the call this answers.
        function: the name of the tool that was called.
        error: what went wrong, when the call failed.
    """

    tool_call_id: Optional[str] = attrs.field(default=None, kw_only=True)
    function: Optional[str] = attrs.field(default=None, kw_only=True)
    error: Optional[_tool_records.ToolCallError] = attrs.field(default=None, kw_only=True)
    role: Literal["tool"] = attrs.field(default="tool", init=False)

    _decoders: ClassVar[Dict[str, Decoder]] = {
        "content": _decode_content,
        "error": _tool_call_error,
    }


ChatMessage = Union[ChatMessageSystem, ChatMessageUser, ChatMessageAssistant, ChatMessageTool]

_MESSAGE_ROLES: Dict[str, Any] = {
    "system": ChatMessageSystem,
    "user": ChatMessageUser,
    "assistant": ChatMessageAssistant,
    "tool": ChatMessageTool,
}


def message_from_dict(data: Mapping[str, Any]) -> ChatMessage:
    """Build the chat message whose ``role`` the dict names.

    Raises:
        ConfigError: ``data`` has no ``role``, or one that is not a role
            (the message says which roles there are).
    """
    roles = ", ".join(repr(role) for role in _MESSAGE_ROLES)
    if "role" not in data:
        keys = ", ".join(repr(key) for key in list(data)[:8]) or "none"
        raise ConfigError(
            f"message dict has no 'role' (its keys: {keys}); give one of {roles}, "
            f'e.g. {{"role": "user", "content": "Hello"}}'
        )
    role = data["role"]
    cls = _MESSAGE_ROLES.get(role) if isinstance(role, str) else None
    if cls is None:
        raise ConfigError(
            f"message role {shorten(repr(role), 80)} is not a role; give one of {roles}"
        )
    message: ChatMessage = cls.from_dict(data)
    return message


__getattr__ = lazy_exports(
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
