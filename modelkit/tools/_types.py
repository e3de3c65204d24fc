"""Tool types: what a model may call, what it called, and what went wrong.

``ToolInfo`` (name, description, JSON-Schema ``ToolParams``) is what
providers turn into their wire form; ``ToolCall`` is a call the model made;
``ToolCallError`` is a failure reported back to the model; ``ToolChoice``
steers which tool the model uses; a ``Tool`` is any plain callable offered
as a tool. ``ToolDef`` (a callable with its ``ToolInfo``) lives in
``_function``, beside the code that builds one from a function.
``ToolInfo``, ``ToolParam(s)``, ``ToolCall`` and ``ToolCallError`` are
defined in ``_records``, ``ToolFunction`` and ``ToolChoice`` in ``_choice``,
and exported here on first use: a call without tools or a named tool
choice builds none of them (issue 24, cold start).
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Optional,
    Protocol,
    Sequence,
    runtime_checkable,
)

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ._choice import ToolChoice, ToolFunction
    from ._records import (
        ToolCall,
        ToolCallError,
        ToolInfo,
        ToolParam,
        ToolParams,
    )

__all__ = [
    "INTERNAL_TOOL_TYPE",
    "Tool",
    "ToolCall",
    "ToolCallError",
    "ToolChoice",
    "ToolError",
    "ToolFunction",
    "ToolInfo",
    "ToolParam",
    "ToolParams",
    "ToolResult",
    "ToolSource",
    "internal_tool_type",
]

Tool = Callable[..., Any]
"""A plain Python function offered to the model as a tool."""

ToolResult = Any
"""What a tool may return (Inspect's name): a string, number or bool, content
parts, or (in modelkit) any JSON-ready value, attrs instance or dataclass."""


class ToolError(Exception):
    """Raised by a tool to report an error to the model (as Inspect's ``ToolError``).

    ``execute_tools`` turns it into a ``ToolCallError`` whose message is
    ``message`` alone; any other exception is reported with its type name.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


INTERNAL_TOOL_TYPE = "__internal_tool_type__"
"""The ``ToolInfo.options`` key naming a tool the provider runs itself
(``"web_search"``, ``"code_execution"``, ``"mcp_call"``), as Inspect's."""


def internal_tool_type(tool: ToolInfo) -> Optional[str]:
    """The server-side tool type of ``tool``, or ``None`` for a function tool.

    Tools a provider runs within one API call (web search, code execution,
    hosted MCP) carry their type under ``INTERNAL_TOOL_TYPE`` in ``options``.
    """
    found = (tool.options or {}).get(INTERNAL_TOOL_TYPE)
    return None if found is None else str(found)


@runtime_checkable
class ToolSource(Protocol):
    """Anything whose ``tools()`` returns tools (Inspect's protocol, synchronous).

    A ``ToolSource`` is accepted wherever tools are, alone or in the list;
    ``tools()`` is asked each time a call needs the tools. An ``async def
    tools()`` (Inspect's form) is run to completion.
    """

    def tools(self) -> Sequence[Any]:
        """The tools: functions, ``ToolDef``s or ``ToolInfo``s."""
        ...


def tool_choice_to_dict(choice: ToolChoice) -> Any:
    """A ``ToolChoice`` as JSON-ready data (a string or ``{"name": ...}``)."""
    return choice if isinstance(choice, str) else choice.to_dict()


__getattr__ = lazy_exports(
    __name__,
    {
        **{
            name: "._records"
            for name in (
                "ToolCall",
                "ToolCallError",
                "ToolCallErrorType",
                "ToolInfo",
                "ToolParam",
                "ToolParams",
            )
        },
        "ToolChoice": "._choice",
        "ToolFunction": "._choice",
    },
)
