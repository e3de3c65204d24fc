"""Tools: what a model may call, tools made from Python functions, and running them.

Owns the tool types (``_types``), tools from functions (``_function``, with
``_schema``, ``_docstrings`` and ``_hints``; ``@tool`` in ``_decorator``), argument validation
(``_validate``), ``tool_with`` (``_with``), the view types (``_view``),
``think()`` (``_think``), tool sources expanded and connected
(``_sources``), ``execute_tools`` and its result messages (``_execute``,
``_results``) and the generate loop (``_loop``). The types and ``_function``
import only ``errors`` and ``_serde``, since ``messages`` is built on them;
``_sources``, ``_execute``, ``_results`` and ``_loop`` may also import the shared types, the engine's pool and
``_prepare``, and reach a model only through the ``generate`` callable they
are given. This ``__init__`` re-exports the first group only, so importing a
tool type never loads the message types through it; ``tool`` and
``ToolDef`` load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._types import (
    INTERNAL_TOOL_TYPE,
    Tool,
    ToolError,
    ToolResult,
    ToolSource,
    internal_tool_type,
)

if TYPE_CHECKING:
    from ._choice import ToolChoice, ToolFunction
    from ._decorator import tool
    from ._function import ToolDef
    from ._records import ToolCall, ToolCallError, ToolInfo, ToolParam, ToolParams

__all__ = [
    "INTERNAL_TOOL_TYPE",
    "Tool",
    "ToolCall",
    "ToolCallError",
    "ToolChoice",
    "ToolDef",
    "ToolError",
    "ToolFunction",
    "ToolInfo",
    "ToolParam",
    "ToolParams",
    "ToolResult",
    "ToolSource",
    "internal_tool_type",
    "tool",
]


_RECORDS = frozenset({"ToolCall", "ToolCallError", "ToolInfo", "ToolParam", "ToolParams"})


def __getattr__(name: str) -> Any:
    # ``tool`` and ``ToolDef`` (schemas, docstrings, hints: ~4 ms) load on
    # first use, so a provider importing a tool type does not pay for them.
    if name == "tool":
        from ._decorator import tool

        return tool
    if name == "ToolDef":
        from ._function import ToolDef

        return ToolDef
    if name in _RECORDS:  # a call without tools builds none of them (issue 24)
        from . import _records

        return getattr(_records, name)
    if name in ("ToolChoice", "ToolFunction"):  # nor a call leaving tool_choice a string
        from . import _choice

        return getattr(_choice, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
