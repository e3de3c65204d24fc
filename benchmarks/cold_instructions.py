"""Cold start in instructions: valgrind counts of ``bench_import``'s first-call processes.

Wall times of whole processes on a shared machine swing with the load;
instruction counts do not. This runs each of ``bench_import.FIRST_CALL``'s
commands (a bare interpreter, the floor, the design floor, modelkit's
first call) once under ``valgrind --tool=cachegrind --cache-sim=no`` with
``PYTHONHASHSEED=0``, against the bench server on loopback, after
byte-compiling the packages as ``bench_import`` does, and prints the
millions of instructions each took and the ratios to the floor. Extra
arguments are more commands to count (``"import requests, attrs"``).
Run from the repository root (``python -c`` puts the working directory
first on ``sys.path``): ``python benchmarks/cold_instructions.py``.
Not part of ``make bench`` (valgrind takes about a minute).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine
import bench_import


def count(code: str, url: str, body: str) -> float:
    """Millions of instructions ``python -c code url body`` executes."""
    result = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            "-c",
            code,
            url,
            body,
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONHASHSEED="0"),
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind failed for {code!r}: {result.stderr[-2000:]}")
    return int(found.group(1).replace(",", "")) / 1e6


def main() -> None:
    bench_import.compile_packages()
    body = json.dumps(
        {"model": "gpt-4o", "messages": [{"role": "user", "content": bench_engine.PROMPT}]}
    )
    commands: Dict[str, str] = dict(bench_import.FIRST_CALL)
    commands.update({code: code for code in sys.argv[1:]})
    counts: Dict[str, float] = {}
    with bench_engine.server(0.0) as url:
        for name, code in commands.items():
            counts[name] = count(code, url, body)
            print(f"{name:<60} {counts[name]:8.1f} M", flush=True)
    names = list(bench_import.FIRST_CALL)
    floor, design, ours = counts[names[1]], counts[names[2]], counts[names[3]]
    print(
        f"first call: {ours / floor:.3f}x the floor (target <= 1.25x); the design floor "
        f"{design / floor:.3f}x; modelkit {ours / design:.3f}x the design floor"
    )


if __name__ == "__main__":
    main()
