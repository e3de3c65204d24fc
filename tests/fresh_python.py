"""Run code in a fresh interpreter that sees this checkout's ``modelkit`` and nothing of ours.

The cold-start and lazy-import tests ask a new process what it loaded or
built; each used to spell out the same ``subprocess.run``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import modelkit

CHECKOUT = str(Path(modelkit.__file__).parents[1])


def run_fresh(code: str, *args: str, home: Path) -> Any:
    """Run ``python -c code args...`` in ``home`` and return its last stdout line, read as JSON.

    The process gets a bare environment: ``HOME`` is ``home`` (also its working
    directory, so a test can check nothing was written there), ``PYTHONPATH``
    this checkout, ``PATH`` the system's, and no bytecode caching (Python's
    files, not modelkit's). A non-zero exit fails the test with its stderr.
    """
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=home,
        env={
            "HOME": str(home),
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": CHECKOUT,
            "PYTHONDONTWRITEBYTECODE": "1",
        },
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
