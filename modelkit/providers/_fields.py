"""Reading typed fields out of a response body: the shared, strict readers.

A provider's parser reads token counts with ``count``/``optional_count``
and message content with ``content_of``; each raises ``ValueError`` (which
``RestAPI.generate`` turns into a ``ResponseFormatError``) for a value of
the wrong type, instead of coercing it (``int("12")``), overflowing on it
(``int(1e999)``) or quietly dropping it (content that is a dict). The
whole output is then checked once more by ``_wellformed.check_output``.
"""

from __future__ import annotations

import math
from typing import Any, List, Optional, Union

__all__ = ["content_of", "count", "optional_count"]


def count(value: Any) -> int:
    """A token count: an integer (an integral, finite float is accepted); ``None`` is 0.

    Raises:
        ValueError: a string, a list, a bool, ``inf``, ``nan``, a fraction...
    """
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    shown = repr(value)
    raise ValueError(f"a token count is {shown[:40]}, not a whole number")


def optional_count(value: Any) -> Optional[int]:
    """``count(value)``, except that ``None`` stays ``None``."""
    return None if value is None else count(value)


def content_of(value: Any) -> Union[str, List[Any]]:
    """Message content as sent: a string or a list of parts; ``None`` is ``""``.

    Raises:
        ValueError: content of any other type (a number, a dict...).
    """
    if value is None:
        return ""
    if isinstance(value, (str, list)):
        return value
    shown = repr(value)
    raise ValueError(f"message content is {shown[:40]}, not a string or a list of parts")
