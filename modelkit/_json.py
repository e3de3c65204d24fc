"""Strict JSON decoding for what comes from outside: API responses and cached entries.

``loads`` is ``json.loads`` that turns hostile input into a ``ValueError``,
the one error callers already treat as "not JSON": nesting deeper than
``MAX_DEPTH`` (100,000 levels used to raise ``RecursionError`` here, or in
any recursive code further on), the non-standard constants ``NaN`` and
``Infinity``, and text that is not UTF-8. A literal such as ``1e999``
still parses (as ``inf``, as ``json`` does); where such a number would
reach an output, the output check (``output.check_output``) refuses it.
On the common path this costs two ``str.count`` calls over ``json.loads``;
the depth is measured (a walk without recursion over the arrays and
objects) only for a body with more brackets than ``MAX_DEPTH``.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Union

__all__ = ["MAX_DEPTH", "loads"]

MAX_DEPTH = 128
"""The deepest nesting of arrays and objects accepted (real API bodies nest < 20)."""

_decoder: Optional[json.JSONDecoder] = None


def loads(data: Union[str, bytes]) -> Any:
    """``data`` parsed as JSON.

    Raises:
        ValueError: not JSON, not UTF-8, nested deeper than ``MAX_DEPTH``, or
            holding ``NaN`` or ``Infinity``.
    """
    global _decoder
    text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    if _decoder is None:
        _decoder = json.JSONDecoder(parse_constant=_no_constant)
    try:
        value = _decoder.decode(text)
    except RecursionError:
        raise ValueError(f"JSON nested too deeply (more than {MAX_DEPTH} levels)") from None
    if (
        isinstance(value, (dict, list))
        and text.count("[") + text.count("{") > MAX_DEPTH
        and _depth_exceeds(value, MAX_DEPTH)
    ):
        raise ValueError(f"JSON nested too deeply (more than {MAX_DEPTH} levels)")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"JSON holds {name}, which is not a number")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays and objects deeper than ``limit`` (without recursing)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False
