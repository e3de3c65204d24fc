"""Tool sources: turning ``tools=`` (tools, ``ToolSource``s, or one source) into tools.

A ``ToolSource`` may stand alone as ``tools=`` or sit in the list beside
plain tools; each is asked for its tools (an ``async def tools()`` is run
to completion) every time a call needs them, in order. ``connected``
enters, for the length of a ``with`` block, every source that is a context
manager (an MCP server, ``mcp_tools(...)``), so a tool loop keeps one
server session instead of starting one per call.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, List, Sequence

from ..errors import ConfigError
from ._function import ToolDef
from ._types import ToolInfo, ToolSource

__all__ = ["connected", "expand_tools", "is_tool_source"]


def is_tool_source(item: Any) -> bool:
    """Whether ``item`` is a ``ToolSource`` (and not a tool itself)."""
    return not isinstance(item, (ToolDef, ToolInfo)) and isinstance(item, ToolSource)


def _items(tools: Any) -> Sequence[Any]:
    if tools is None:
        return ()
    if is_tool_source(tools):
        return (tools,)
    if isinstance(tools, (str, bytes)) or not isinstance(tools, Sequence):
        raise ConfigError(
            "tools must be a list of tools (functions, ToolDef, ToolInfo or ToolSource) "
            f"or one ToolSource, got {type(tools).__name__}"
        )
    return tools


def expand_tools(tools: Any) -> List[Any]:
    """The tools in ``tools``, each ``ToolSource`` replaced by the tools it gives.

    Raises:
        ConfigError: ``tools`` is neither a list nor a ``ToolSource``, or a
            source's ``tools()`` returned something other than a list.
    """
    from .._engine.pool import resolve

    found: List[Any] = []
    for item in _items(tools):
        if not is_tool_source(item):
            found.append(item)
            continue
        given = resolve(item.tools())
        if isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
            raise ConfigError(
                f"{type(item).__name__}.tools() must return a list of tools, "
                f"got {type(given).__name__}"
            )
        found.extend(given)
    return found


@contextlib.contextmanager
def connected(tools: Any) -> Iterator[None]:
    """Enter every source in ``tools`` that is a context manager, until the block ends."""
    with contextlib.ExitStack() as stack:
        for item in _items(tools):
            if is_tool_source(item) and hasattr(item, "__enter__") and hasattr(item, "__exit__"):
                stack.enter_context(item)
        yield
