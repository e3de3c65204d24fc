"""Run every ```python block of one markdown file, as a reader would.

``python docs_runner.py FILE [LABEL]`` (``LABEL``, default the file's name,
names the file in reports).

The blocks run in order in one namespace (a later block may use what an
earlier one defined, as the page reads), with top-level ``await``
allowed. Tracebacks point at the markdown file's own lines. A block whose
first line is ``# docs-test: skip (<why>)`` is not run; the runner prints
``docs-test: skipped <label> block <n> (line <l>): <why>`` for it. The first
block that raises ends the run with exit status 1 and a report on stderr
naming the file, the block, its line and the error. ``tests/test_docs.py``
runs this in a subprocess against loopback fakes of the provider APIs.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

SKIP = re.compile(r"^# docs-test: skip \((?P<why>.+)\)\s*$")
BLOCK = re.compile(r"^```python[^\n]*\n(?P<code>.*?)^```", re.S | re.M)


def python_blocks(text: str) -> Iterator[Tuple[int, int, str]]:
    """``(number, first line, code)`` of each ```python block, numbered from 1."""
    for number, match in enumerate(BLOCK.finditer(text), start=1):
        yield number, text[: match.start("code")].count("\n") + 1, match.group("code")


def skip_reason(code: str) -> Any:
    """The ``why`` of a block's skip marker, or ``None``."""
    lines = code.strip().splitlines()
    found = SKIP.match(lines[0]) if lines else None
    return found.group("why") if found else None


def run(path: Path, label: str) -> int:
    """Run ``path``'s blocks (``label`` names it in reports); 0 when all ran, else 1."""
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    for number, line, code in python_blocks(path.read_text(encoding="utf-8")):
        where = f"{label} block {number} (line {line})"
        why = skip_reason(code)
        if why is not None:
            print(f"docs-test: skipped {where}: {why}", flush=True)
            continue
        try:
            tree = ast.parse(code, str(path))
            ast.increment_lineno(tree, line - 1)
            flags = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)
            compiled = compile(tree, str(path), "exec", flags=flags, dont_inherit=True)
            result = eval(compiled, namespace)  # the docs' own code, on purpose
            if inspect.iscoroutine(result):
                asyncio.run(result)
        except BaseException as exc:  # report anything, SystemExit included, then stop
            frames = [
                frame
                for frame in traceback.extract_tb(exc.__traceback__)
                if frame.filename == str(path)
            ]
            print(f"\n{where} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            for frame in frames:
                print(f"  line {frame.lineno}: {frame.line}", file=sys.stderr)
            print("\nfull traceback:", file=sys.stderr)
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    page = Path(sys.argv[1]).resolve()
    sys.exit(run(page, sys.argv[2] if len(sys.argv) > 2 else page.name))
