"""``ToolFunction`` and ``ToolChoice``, built when a tool choice names a tool.

``tools._types`` (and ``tools``, ``modelkit``) export them on first use
(PEP 562), and ``ToolFunction.__module__`` stays ``modelkit.tools._types``:
a call that leaves the tool choice to its default (a string) never builds
the class (issue 24, cold start).
"""

from __future__ import annotations

from typing import Literal, Union

import attrs

from .._serde import Serializable

__all__ = ["ToolChoice", "ToolFunction"]


@attrs.define
class ToolFunction(Serializable):
    """A ``ToolChoice`` naming the one tool the model must call."""

    __module__ = "modelkit.tools._types"

    name: str


ToolChoice = Union[Literal["auto", "any", "none"], ToolFunction]
"""``"auto"``: the model decides; ``"any"``: it must call some tool;
``"none"``: it must not call one; ``ToolFunction(name)``: it must call that one."""
