"""MCP 2026-07-28's request headers over Streamable HTTP: ``Mcp-Name`` and ``Mcp-Param-*``.

A 2026-07-28 request mirrors fields of its body into headers so that
gateways can route on them: ``Mcp-Method`` (the method), ``Mcp-Name``
(``params.name`` of ``tools/call``), and one ``Mcp-Param-{Name}`` for each
tool parameter whose schema carries ``"x-mcp-header": "{Name}"``. A value
that is not plain header-safe ASCII (non-ASCII, control characters,
leading or trailing whitespace, or text that looks like the sentinel
itself) is sent as ``=?base64?{UTF-8 in Base64}?=``. Strings go as they
are, integers in decimal, booleans as ``true``/``false``; a value that is
absent or ``null`` sends no header.

``param_paths`` checks a tool's annotations as the spec requires (a
token name, unique ignoring case, on a ``string``/``integer``/``boolean``
property reached from the root through ``properties`` keys only) and says
why a tool breaks them: such a tool must be left out of the tool list.
Everything here is pure and linear in the schema's size (depth capped).
See https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
(Request Metadata, Custom Headers from Tool Parameters, Value Encoding).
"""

from __future__ import annotations

import base64
import re
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["ANNOTATION", "BadAnnotation", "encode_value", "param_headers", "param_paths"]

ANNOTATION = "x-mcp-header"

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_SAFE = re.compile(r"^[\x20-\x7e\t]*$")
_MAX_DEPTH = 64
_PRIMITIVE = ("string", "integer", "boolean")
_DATA = (ANNOTATION, "const", "default", "enum", "examples")  # values, not schemas


class BadAnnotation(ValueError):
    """A tool's ``x-mcp-header`` annotations break the spec's constraints."""


def encode_value(value: str) -> str:
    """``value`` as a header value: itself when header-safe, else the Base64 sentinel form."""
    plain = (
        _SAFE.match(value) is not None
        and value == value.strip(" \t")
        and not (value.startswith("=?base64?") and value.endswith("?="))
    )
    if plain:
        return value
    return "=?base64?" + base64.b64encode(value.encode("utf-8")).decode("ascii") + "?="


def param_paths(schema: Any) -> Dict[str, Tuple[str, ...]]:
    """The ``Mcp-Param-*`` header names of a tool's ``inputSchema``, each with its property path.

    Raises:
        BadAnnotation: an annotation breaks a constraint (the message says which).
    """
    found: Dict[str, Tuple[str, ...]] = {}
    _walk(schema, (), True, found, 0)
    return {f"Mcp-Param-{name}": path for name, path in found.items()}


def param_headers(paths: Dict[str, Tuple[str, ...]], arguments: Any) -> Dict[str, str]:
    """The ``Mcp-Param-*`` headers for a call's ``arguments`` (absent and ``null`` values send none)."""
    headers: Dict[str, str] = {}
    for header, path in paths.items():
        value: Any = arguments
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        text = _as_text(value)
        if text is not None:
            headers[header] = encode_value(text)
    return headers


def _as_text(value: Any) -> Optional[str]:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    return None  # null, absent, or a value of no primitive type: the server judges the body


def _walk(
    node: Any, path: Tuple[str, ...], reachable: bool, found: Dict[str, Tuple[str, ...]], depth: int
) -> None:
    """Collect annotations under ``node``; ``reachable``: reached through ``properties`` only."""
    if depth > _MAX_DEPTH:
        raise BadAnnotation(f"its inputSchema nests deeper than {_MAX_DEPTH} levels")
    if isinstance(node, list):
        for item in node:
            _walk(item, path, False, found, depth + 1)
        return
    if not isinstance(node, dict):
        return
    if ANNOTATION in node:
        _check(node, path, reachable, found)
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            for name, child in value.items():
                _walk(child, (*path, str(name)), reachable, found, depth + 1)
        elif key not in _DATA and isinstance(value, (dict, list)):
            _walk(value, path, False, found, depth + 1)


def _check(
    node: Dict[str, Any], path: Tuple[str, ...], reachable: bool, found: Dict[str, Tuple[str, ...]]
) -> None:
    name = node[ANNOTATION]
    where = ".".join(path) or "the schema root"
    if not reachable or not path:
        raise BadAnnotation(f"{ANNOTATION} on {where} is not reached through properties alone")
    if not isinstance(name, str) or not _TOKEN.match(name):
        raise BadAnnotation(f"{ANNOTATION} {name!r} on {where} is not an HTTP header token")
    kinds: List[Any] = node["type"] if isinstance(node.get("type"), list) else [node.get("type")]
    kinds = [kind for kind in kinds if kind != "null"]
    if len(kinds) != 1 or kinds[0] not in _PRIMITIVE:
        raise BadAnnotation(
            f"{ANNOTATION} {name!r} on {where} is on a property that is not a string, "
            "integer or boolean"
        )
    if any(name.lower() == seen.lower() for seen in found):
        raise BadAnnotation(f"{ANNOTATION} {name!r} is used twice (names ignore case)")
    found[name] = path
