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
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring_ascii,
)
from typing import Any, Callable, Iterable, Optional, Union

__all__ = ["MAX_DEPTH", "dumps_bytes", "loads"]

MAX_DEPTH = 128
"""The deepest nesting of arrays and objects accepted (real API bodies nest < 20)."""

_decoder: Optional[json.JSONDecoder] = None
_WHITESPACE = json.decoder.WHITESPACE.match  # type: ignore[attr-defined]
_SPACES = ("", " ", "\t", "\n", "\r")


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
    # _decoder.decode(text), without its two Python layers and, where there is
    # no whitespace around the document, its two regular-expression matches.
    start = _WHITESPACE(text, 0).end() if text[:1] in _SPACES else 0
    try:
        value, end = _decoder.scan_once(text, start)  # type: ignore[attr-defined]
    except StopIteration as err:
        raise json.JSONDecodeError("Expecting value", text, err.value) from None
    except RecursionError:
        raise ValueError(f"JSON nested too deeply (more than {MAX_DEPTH} levels)") from None
    if end != len(text):
        end = _WHITESPACE(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
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


def _not_serializable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_encoder() -> Callable[[Any, int], Iterable[str]]:
    """``json.dumps``' encoder with its defaults, made once: ``encode(value, 0)`` -> pieces."""
    if c_make_encoder is None:  # pragma: no cover - Pythons without the C accelerator
        encoder = json.JSONEncoder()
        return lambda value, level: encoder.iterencode(value)
    # json.dumps(value) builds this same C encoder on every call (after three
    # Python layers); one without circular-reference marks serves every thread
    # at once (a structure holding itself fails as too deep instead).
    made: Callable[[Any, int], Iterable[str]] = c_make_encoder(
        None, _not_serializable, encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    return made


_encode = _make_encoder()


def dumps_bytes(value: Any) -> bytes:
    """``json.dumps(value).encode("utf-8")``, byte for byte: a request body."""
    return "".join(_encode(value, 0)).encode("utf-8")
