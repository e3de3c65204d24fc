"""Install modelkit (not editable) into an empty venv and check what came with it.

Only requests, attrs and their own dependencies may be installed, and the
installed package must work offline (a mockllm completion from the CLI).
Run: ``python scripts/check_runtime_deps.py``; exits non-zero on a problem.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ALLOWED = {
    "modelkit-llm",  # the distribution; the import name is modelkit
    "requests",
    "attrs",
    # requests' own dependencies
    "urllib3",
    "idna",
    "certifi",
    "charset-normalizer",
    # what venv itself installs
    "pip",
    "setuptools",
    "wheel",
}


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", str(root)], check=True, cwd=tmp
        )
        listed = subprocess.run(
            [str(python), "-m", "pip", "list", "--format=json"],
            check=True,
            capture_output=True,
            text=True,
        )
        installed = {item["name"].lower() for item in json.loads(listed.stdout)}
        extra = sorted(installed - ALLOWED)
        print("installed:", ", ".join(sorted(installed)))
        if extra:
            print(f"unexpected runtime dependencies: {', '.join(extra)}", file=sys.stderr)
            return 1
        demo = subprocess.run(
            [str(venv / "bin" / "modelkit"), "generate", "--model", "mockllm/model", "hi"],
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        print("installed CLI says:", demo.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
