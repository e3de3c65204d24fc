"""The converter fixtures: ``tests/fixtures/convert/<name>`` as JSON (for ``test_convert``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "convert"


def load(name: str) -> Any:
    """A fresh copy of the JSON in ``tests/fixtures/convert/<name>``."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))
