"""``ChatMessageBase``, the base of every chat message, and the helpers all messages share.

Defined here so that ``messages`` (the user and assistant messages) and
``_system_tool_messages`` (built on first use: issue 24, cold start) both
build on it; ``ChatMessageBase.__module__`` stays ``modelkit.messages``,
which exports it, and its type hints resolve there.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Literal, Optional, Tuple, Union

import attrs

from ._serde import Decoder, Serializable

if TYPE_CHECKING:
    from . import _content
    from ._content import Content
    from .tools._records import ToolCall, ToolCallError

__all__ = ["ChatMessageBase", "message_id"]


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

    __module__ = "modelkit.messages"

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
            try:  # message_id(), without its call while the stock lasts
                self.id = _ids.pop()
            except IndexError:
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
