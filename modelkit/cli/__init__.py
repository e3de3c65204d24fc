"""The ``modelkit`` command and its subcommands.

Owns argument parsing, terminal output and exit codes: ``main`` parses,
dispatches and maps errors to exit statuses; each subcommand has a module
(``generate``, ``providers``, ``batch`` with ``batch_files`` and
``progress``, ``cache``), and ``options`` holds what they share. May import
anything in ``modelkit``; nothing in ``modelkit`` imports it.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
