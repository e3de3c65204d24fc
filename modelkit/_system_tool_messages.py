"""``ChatMessageSystem`` and ``ChatMessageTool``, built on first use.

``messages`` exports them (and the ``ChatMessage`` union naming them) on
first use (PEP 562), and their ``__module__``
stays ``modelkit.messages``: they pickle, document and resolve their type
hints from there. A plain prompt (one user message, one assistant answer)
never builds either class (issue 24, cold start); a system message, a tool
result or a message dict with one of those roles does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Dict, Literal, Optional

import attrs

from ._message_base import ChatMessageBase, _decode_content, _tool_call_error
from ._serde import Decoder

if TYPE_CHECKING:
    from .tools import _records as _tool_records

__all__ = ["ChatMessageSystem", "ChatMessageTool"]


@attrs.define
class ChatMessageSystem(ChatMessageBase):
    """A system message."""

    __module__ = "modelkit.messages"

    role: Literal["system"] = attrs.field(default="system", init=False)


@attrs.define
class ChatMessageTool(ChatMessageBase):
    """The result of a tool call.

    Args:
        tool_call_id: the id of the call this answers.
        function: the name of the tool that was called.
        error: what went wrong, when the call failed.
    """

    __module__ = "modelkit.messages"

    tool_call_id: Optional[str] = attrs.field(default=None, kw_only=True)
    function: Optional[str] = attrs.field(default=None, kw_only=True)
    error: Optional[_tool_records.ToolCallError] = attrs.field(default=None, kw_only=True)
    role: Literal["tool"] = attrs.field(default="tool", init=False)

    _decoders: ClassVar[Dict[str, Decoder]] = {
        "content": _decode_content,
        "error": _tool_call_error,
    }
