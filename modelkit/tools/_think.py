"""``think()``: a tool that lets the model write down a thought (Inspect's).

Calling it changes nothing and returns an empty string; the thought stays
in the conversation as the call's argument. Not a substitute for a
model's own reasoning: it suits long tool-using conversations where a
model should pause between calls.
"""

from __future__ import annotations

from typing import Any, Optional

from ._function import ToolDef
from ._view import ToolCallContent, ToolCallView, ToolCallViewer

__all__ = ["think"]


def think(description: Optional[str] = None, thought_description: Optional[str] = None) -> Any:
    """The think tool (runs in parallel with other calls).

    Args:
        description: replaces the tool's description.
        thought_description: replaces the description of its ``thought`` parameter.

    Returns:
        The tool function, ready to pass in ``tools``.
    """

    def execute(thought: str) -> str:
        """Think something through before acting.

        This tool fetches nothing and changes nothing: the thought is only
        kept in the conversation. Use it to reason about a complex step or
        to note what you have learned so far.

        Args:
            thought: The thought.
        """
        return ""

    return ToolDef(
        execute,
        name="think",
        description=description,
        parameters={"thought": thought_description} if thought_description else None,
        parallel=True,
        viewer=_viewer(),
    ).as_tool()


def _viewer() -> ToolCallViewer:
    def view(call: Any) -> ToolCallView:
        return ToolCallView(
            call=ToolCallContent(format="markdown", content=str(call.arguments.get("thought", "")))
        )

    return view
