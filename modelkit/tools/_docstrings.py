"""A small docstring parser: the description and per-parameter text.

Tools built from functions take their description and the description of
each parameter from the docstring. Three styles are read: Google
(``Args:`` with ``name (type): text`` items), NumPy (``Parameters`` over a
dashed underline, ``name : type`` items) and reST (``:param name: text``).
The description is the text before the first section; every other section
(returns, raises, examples...) is ignored.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

import attrs

__all__ = ["Docstring", "parse_docstring"]

# Sections whose items describe parameters (or, for classes, attributes).
_PARAM_SECTIONS = {
    "args",
    "arguments",
    "parameters",
    "params",
    "param",
    "keyword args",
    "keyword arguments",
    "other parameters",
    "attributes",
}
_GOOGLE_SECTIONS = _PARAM_SECTIONS | {
    "returns",
    "return",
    "yields",
    "yield",
    "raises",
    "raise",
    "except",
    "exceptions",
    "examples",
    "example",
    "note",
    "notes",
    "warning",
    "warnings",
    "see also",
    "todo",
    "references",
    "methods",
}
_GOOGLE_HEADER = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
_GOOGLE_ITEM = re.compile(r"^\s*\*{0,2}([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:(?:\s+(.*))?$")
_NUMPY_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_NUMPY_ITEM = re.compile(r"^\*{0,2}([A-Za-z_][\w, *]*?)\s*(?::.*)?$")
_REST_FIELD = re.compile(r"^:([A-Za-z]+)((?:\s+[^:]+)?)\s*:(.*)$")
_REST_PARAM_KINDS = {"param", "parameter", "arg", "argument", "key", "keyword"}


@attrs.frozen
class Docstring:
    """What a docstring says: the description, and text for each parameter."""

    description: str = ""
    params: Dict[str, str] = attrs.field(factory=dict)


def parse_docstring(doc: Optional[str]) -> Docstring:
    """Parse a Google, NumPy or reST docstring (the style is detected).

    Args:
        doc: the raw docstring (``fn.__doc__``), or ``None``.

    Returns:
        The description (text before the first section) and a description
        for each documented parameter, whitespace normalised.
    """
    if not doc or not doc.strip():
        return Docstring()
    lines = _clean(doc)
    if any(_REST_FIELD.match(line) for line in lines):
        return _parse_rest(lines)
    if any(_is_numpy_header(lines, i) for i in range(len(lines))):
        return _parse_numpy(lines)
    return _parse_google(lines)


def _clean(doc: str) -> List[str]:
    """The docstring's lines, common indentation (after the first line) removed."""
    lines = doc.expandtabs().splitlines()
    rest = [line for line in lines[1:] if line.strip()]
    margin = min((len(line) - len(line.lstrip()) for line in rest), default=0)
    cleaned = [lines[0].strip()] + [line[margin:].rstrip() for line in lines[1:]]
    while cleaned and not cleaned[0]:
        cleaned.pop(0)
    return cleaned


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(lines: List[str]) -> str:
    """Paragraphs kept (blank line), lines within a paragraph joined by spaces."""
    paragraphs: List[str] = []
    current: List[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _description(lines: List[str], end: int) -> str:
    return _join(lines[:end])


# --- Google -------------------------------------------------------------------


def _google_sections(lines: List[str]) -> List[Tuple[str, int]]:
    found = []
    for i, line in enumerate(lines):
        match = _GOOGLE_HEADER.match(line)
        if match and _indent(line) == 0 and match.group(1).lower() in _GOOGLE_SECTIONS:
            found.append((match.group(1).lower(), i))
    return found


def _parse_google(lines: List[str]) -> Docstring:
    sections = _google_sections(lines)
    end = sections[0][1] if sections else len(lines)
    params: Dict[str, str] = {}
    bounds = [index for _, index in sections] + [len(lines)]
    for (name, start), stop in zip(sections, bounds[1:]):
        if name in _PARAM_SECTIONS:
            params.update(_google_items(lines[start + 1 : stop]))
    return Docstring(description=_description(lines, end), params=params)


def _google_items(body: List[str]) -> Dict[str, str]:
    content = [line for line in body if line.strip()]
    if not content:
        return {}
    item_indent = min(_indent(line) for line in content)
    items: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    for line in body:
        match = _GOOGLE_ITEM.match(line) if _indent(line) == item_indent else None
        if match:
            current = items.setdefault(match.group(1), [])
            current.append(match.group(2) or "")
        elif current is not None:
            current.append(line)
    return {name: _join(text) for name, text in items.items()}


# --- NumPy --------------------------------------------------------------------


def _is_numpy_header(lines: List[str], i: int) -> bool:
    return (
        i + 1 < len(lines)
        and bool(lines[i].strip())
        and _indent(lines[i]) == 0
        and bool(_NUMPY_UNDERLINE.match(lines[i + 1]))
    )


def _parse_numpy(lines: List[str]) -> Docstring:
    headers = [i for i in range(len(lines)) if _is_numpy_header(lines, i)]
    params: Dict[str, str] = {}
    bounds = [*headers, len(lines)]
    for start, stop in zip(headers, bounds[1:]):
        if lines[start].strip().lower() in _PARAM_SECTIONS:
            params.update(_numpy_items(lines[start + 2 : stop]))
    return Docstring(description=_description(lines, headers[0]), params=params)


def _numpy_items(body: List[str]) -> Dict[str, str]:
    items: Dict[str, List[str]] = {}
    current: List[List[str]] = []
    for line in body:
        match = _NUMPY_ITEM.match(line) if line.strip() and _indent(line) == 0 else None
        if match:
            names = [n.strip().lstrip("*") for n in match.group(1).split(",") if n.strip()]
            current = [items.setdefault(name, []) for name in names]
        else:
            for text in current:
                text.append(line)
    return {name: _join(text) for name, text in items.items()}


# --- reST ---------------------------------------------------------------------


def _parse_rest(lines: List[str]) -> Docstring:
    first = next(i for i, line in enumerate(lines) if _REST_FIELD.match(line))
    params: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    for line in lines[first:]:
        match = _REST_FIELD.match(line)
        if match:
            kind, arg, text = match.group(1).lower(), match.group(2).split(), match.group(3)
            current = None
            if kind in _REST_PARAM_KINDS and arg:
                current = params.setdefault(arg[-1].lstrip("*"), [])
                current.append(text)
        elif current is not None and _indent(line) > 0:
            current.append(line)
        elif not line.strip():
            continue
        else:
            current = None
    return Docstring(
        description=_description(lines, first),
        params={name: _join(text) for name, text in params.items()},
    )
