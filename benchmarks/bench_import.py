"""Cold-start cost of ``import modelkit``, against a bare interpreter in the same run.

Each command runs in a fresh interpreter (``sys.executable``), interleaved,
many times; the table shows medians and the cost over ``python -c pass``.
Target: ``import modelkit`` under 30 ms over the bare interpreter.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Dict, List

RUNS = 25
COMMANDS = {
    "python -c pass (baseline)": "pass",
    "import attrs": "import attrs",
    "import requests, attrs": "import requests, attrs",
    "import modelkit": "import modelkit",
    "import modelkit; first mockllm generate": (
        "import modelkit; modelkit.get_model('mockllm/model').generate('hi')"
    ),
    "import modelkit; load openai provider": (
        "import modelkit; modelkit.get_model('openai/gpt-4o', api_key='x')"
    ),
}
OPTIONAL = {"openai SDK (if installed)": "import openai"}


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def _available(code: str) -> bool:
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def main() -> None:
    commands = dict(COMMANDS)
    commands.update({name: code for name, code in OPTIONAL.items() if _available(code)})
    commands = {name: code for name, code in commands.items() if _available(code)}
    samples: Dict[str, List[float]] = {name: [] for name in commands}
    for _ in range(RUNS):
        for name, code in commands.items():
            samples[name].append(_time(code))
    base = statistics.median(samples["python -c pass (baseline)"])
    print(f"{'command':<42} {'median ms':>10} {'over bare ms':>13}")
    for name, times in samples.items():
        median = statistics.median(times)
        print(f"{name:<42} {median * 1000:>10.1f} {(median - base) * 1000:>13.1f}")
    over = (statistics.median(samples["import modelkit"]) - base) * 1000
    print(f"\nimport modelkit costs {over:.1f} ms over a bare interpreter (target < 30 ms)")


if __name__ == "__main__":
    main()
