"""``tool_with``: change a tool's name, description, parameter descriptions or behaviour.

As Inspect's: the tool given is changed in place and returned, so every
later use of that object sees the change; other instances of the same tool
(each call of an Inspect-style ``@tool`` factory makes a new one) stay as
they were. To offer one tool under two names, make it twice.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, TypeVar

import attrs

from ..errors import ConfigError
from ._function import ToolDef, _checked, _described

__all__ = ["tool_with"]

T = TypeVar("T")


def tool_with(
    tool: T,
    name: Optional[str] = None,
    description: Optional[str] = None,
    parameters: Optional[Dict[str, str]] = None,
    parallel: Optional[bool] = None,
    viewer: Any = None,
    model_input: Any = None,
) -> T:
    """``tool`` with the attributes given replaced (in place); returns ``tool``.

    Args:
        tool: a tool function (plain, ``@tool``, or made by an Inspect-style
            factory) or a ``ToolDef``.
        name: the new tool name.
        description: the new description.
        parameters: new descriptions of parameters, by parameter name.
        parallel: whether calls may run at the same time as the other calls
            of one message.
        viewer: a ``ToolCallViewer``.
        model_input: a ``ToolCallModelInput``.

    Returns:
        ``tool`` itself, changed.

    Raises:
        ConfigError: ``parameters`` names a parameter the tool does not
            have, ``name`` is one model APIs reject, or ``tool`` cannot be
            marked (pass a ``ToolDef`` then).
    """
    if not isinstance(tool, ToolDef) and not callable(tool):
        raise ConfigError(f"tool_with() needs a tool function or a ToolDef, got {type(tool)!r}")
    current = tool if isinstance(tool, ToolDef) else ToolDef(tool)
    new_name = _checked(name) if name is not None else current.name
    params = _described(current.parameters, parameters or {}, new_name)
    changes: Dict[str, Any] = {"name": new_name, "parameters": params}
    if description is not None:
        changes["description"] = description
    if parallel is not None:
        changes["parallel"] = parallel
    if viewer is not None:
        changes["viewer"] = viewer
    if model_input is not None:
        changes["model_input"] = model_input
    if isinstance(tool, ToolDef):
        for key, value in changes.items():
            setattr(tool, key, value)
        return tool
    changed = attrs.evolve(current, **changes)
    changed.as_tool()
    return tool
