"""What the token-counting endpoints share: the prompt fields of a body, the count read back.

Each endpoint takes the prompt part of its generation request (messages,
system, tools...) and none of the sampling fields, and answers one count.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping

from ._fields import count

__all__ = ["count_in", "prompt_fields"]


def prompt_fields(body: Mapping[str, Any], fields: Iterable[str]) -> Dict[str, Any]:
    """The keys of ``body`` named in ``fields``, in ``body``'s order."""
    wanted = set(fields)
    return {key: value for key, value in body.items() if key in wanted}


def count_in(body: Any, key: str) -> int:
    """The count under ``key`` of a response body.

    Raises:
        KeyError: ``key`` is missing; TypeError: ``body`` is not an object;
        ValueError: the count is not a whole number (each a parse error the
        caller reports as a ``ResponseFormatError``).
    """
    if not isinstance(body, dict):
        raise TypeError(f"a count response is a JSON object, got {type(body).__name__}")
    value = body[key]
    if value is None:
        raise ValueError(f"the count {key!r} is null")
    return count(value)
