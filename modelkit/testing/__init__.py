"""Testing code that uses modelkit: cassettes that record model calls and replay them.

``from modelkit.testing import cassette``; see docs/testing.md. Owns the
cassette (``_cassette``: modes, the environment variables), the tap it
sets with ``_engine.tap.set_tap`` (``_tape``; ``_responses``: how a
response is written and rebuilt; ``_raw``: the bodies it hands the
engine), the file format (``_file``, ``_bodies``), request matching and
its diff (``_match``), and the pytest plugin (``pytest_plugin``,
registered through the ``pytest11`` entry point). May import the engine
(its tap), ``errors`` and ``_redact``; never a provider, ``model`` or the
CLI. Nothing here is imported by
``import modelkit``; the names below load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import CassetteMismatchError
    from ._cassette import Cassette, cassette

__all__ = ["Cassette", "CassetteMismatchError", "cassette"]


def __getattr__(name: str) -> Any:
    if name in ("Cassette", "cassette"):
        from . import _cassette

        return getattr(_cassette, name)
    if name == "CassetteMismatchError":
        from ..errors import CassetteMismatchError

        return CassetteMismatchError
    raise AttributeError(f"module 'modelkit.testing' has no attribute {name!r}")
