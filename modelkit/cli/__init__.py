"""The ``modelkit`` command and its subcommands.

Owns argument parsing, terminal output and exit codes: ``main`` parses and
dispatches; ``generate``/``providers`` live in ``main``, ``batch`` and
``cache`` in modules of their own, the options they share in ``options``.
May import anything in ``modelkit``; nothing in ``modelkit`` imports it.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
