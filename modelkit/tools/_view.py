"""How a tool call is shown and how its results are played back: Inspect's view types.

``ToolCallContent`` and ``ToolCallView`` are what a ``ToolCallViewer``
returns for a call (Inspect's transcript viewer renders them; modelkit has
no viewer, but keeps them on the ``ToolDef`` so Inspect tools carry them
unchanged). A ``ToolCallModelInput`` rewrites a tool's results each time
the history is sent to the model (``_prepare`` applies it), for example to
keep only the last screenshot.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Dict, List, Literal, Optional, TypedDict, Union

import attrs

from .._serde import Decoder, Serializable
from ._types import ToolCall

__all__ = [
    "ToolCallContent",
    "ToolCallModelInput",
    "ToolCallModelInputHints",
    "ToolCallView",
    "ToolCallViewer",
]


@attrs.define
class ToolCallContent(Serializable):
    """Content shown for a tool call.

    Args:
        format: ``"text"`` or ``"markdown"``.
        content: the text or markdown.
        title: a plain-text title.
    """

    format: Literal["text", "markdown"]
    content: str = ""
    title: Optional[str] = None


@attrs.define
class ToolCallView(Serializable):
    """A custom view of a tool call: the tool's state (``context``) and the call."""

    context: Optional[ToolCallContent] = None
    call: Optional[ToolCallContent] = None

    _decoders: ClassVar[Dict[str, Decoder]] = {
        "context": lambda d: ToolCallContent.from_dict(d),
        "call": lambda d: ToolCallContent.from_dict(d),
    }


ToolCallViewer = Callable[[ToolCall], ToolCallView]
"""Renders a tool call as a ``ToolCallView``."""


class ToolCallModelInputHints(TypedDict):
    """What a ``ToolCallModelInput`` is told about the model it writes for."""

    disable_computer_screenshot_truncation: bool


ToolCallModelInput = Callable[
    [int, int, Union[str, List[Any]], ToolCallModelInputHints], Union[str, List[Any]]
]
"""``model_input(index, total, content, hints)``: the content one result of
this tool is sent as. ``index`` counts this tool's results in the history
from 0, ``total`` is how many there are, ``content`` the message content."""
