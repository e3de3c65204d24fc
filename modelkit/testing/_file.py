"""A cassette file: one pretty-printed JSON document, read and written whole.

::

    {
      "modelkit_cassette": 1,
      "interactions": [
        {"request": {...}, "response": {...}},
        {"request": {...}, "error": {"kind": "connection", "type": ..., "message": ...}}
      ]
    }

Interactions are in the order their requests were sent, except that
requests in flight together are sorted by what they are matched on
(``Tape``). Writing goes
through a temporary file renamed over the old one, so a reader never sees
half a cassette. A file of a newer format version, or one that is not a
cassette, is refused with a ``ConfigError`` saying what to do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

from ..errors import ConfigError

__all__ = ["FORMAT_VERSION", "read_cassette", "write_cassette"]

FORMAT_VERSION = 1
_KEY = "modelkit_cassette"


def read_cassette(path: Path) -> List[Dict[str, Any]]:
    """The interactions written in ``path``.

    Raises:
        ConfigError: the file cannot be read, is not a cassette, or was
            written by a newer modelkit.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read cassette {path}: {exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"cassette {path} is not valid JSON ({exc}); re-record it") from exc
    version = document.get(_KEY) if isinstance(document, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConfigError(f"{path} is not a modelkit cassette (no integer {_KEY!r} version field)")
    if version > FORMAT_VERSION:
        raise ConfigError(
            f"cassette {path} has format version {version}, written by a newer modelkit; "
            f"this one reads version {FORMAT_VERSION} and older. Upgrade modelkit, or "
            "re-record the cassette with this version."
        )
    interactions = document.get("interactions")
    if not isinstance(interactions, list):
        raise ConfigError(f"cassette {path}: 'interactions' must be a list of recorded requests")
    for number, item in enumerate(interactions, 1):
        request = item.get("request") if isinstance(item, dict) else None
        if not (
            isinstance(request, dict)
            and isinstance(request.get("method"), str)
            and isinstance(request.get("url"), str)
            and isinstance(item.get("response", {}), dict)
        ):
            raise ConfigError(
                f"cassette {path}: interaction #{number} has no request with a method and "
                "a URL (or its response is not an object); re-record the cassette"
            )
    return interactions


def write_cassette(path: Path, interactions: List[Dict[str, Any]]) -> None:
    """Write ``interactions`` to ``path`` (its folder made if needed), atomically."""
    document = {_KEY: FORMAT_VERSION, "interactions": interactions}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a body: escape non-ASCII instead
        data = (json.dumps(document, indent=2) + "\n").encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
