"""Start-up and per-line cost of the ``modelkit`` command, against a bare interpreter.

Each command runs in a fresh interpreter (``sys.executable -m modelkit``),
interleaved with the floor (``python -c pass``), many times; the table shows
medians and the cost over that floor. The batch row answers 200 mockllm
prompts from a JSONL file to an ``-o`` file (written line by line, then put
in input order), so its cost over ``generate`` is the per-line overhead.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

RUNS = 15
LINES = 200


def _time(argv: List[str], env: Dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "prompts.jsonl")
        with open(source, "w", encoding="utf-8") as stream:
            stream.writelines(f'"prompt {i}"\n' for i in range(LINES))
        out = os.path.join(tmp, "answers.jsonl")
        env = dict(os.environ, MODELKIT_CACHE_DIR=os.path.join(tmp, "cache"))
        cli = [sys.executable, "-m", "modelkit"]
        commands = {
            "python -c pass (floor)": [sys.executable, "-c", "pass"],
            "modelkit --version": [*cli, "--version"],
            "modelkit generate (mockllm)": [*cli, "generate", "-m", "mockllm/model", "hi"],
            f"modelkit batch, {LINES} lines (mockllm)": [
                *cli,
                "batch",
                "-q",
                "-m",
                "mockllm/model",
                source,
                "-o",
                out,
            ],
        }
        samples: Dict[str, List[float]] = {name: [] for name in commands}
        for _ in range(RUNS):
            for name, argv in commands.items():
                if os.path.exists(out):
                    os.remove(out)  # else the batch would resume: nothing left to do
                samples[name].append(_time(argv, env))
    floor = statistics.median(samples["python -c pass (floor)"])
    print(f"{'command':<36} {'median ms':>10} {'over floor ms':>14} {'x floor':>8}")
    for name, times in samples.items():
        median = statistics.median(times)
        print(
            f"{name:<36} {median * 1000:>10.1f} {(median - floor) * 1000:>14.1f} "
            f"{median / floor:>8.2f}"
        )
    generate = statistics.median(samples["modelkit generate (mockllm)"])
    batch = statistics.median(samples[f"modelkit batch, {LINES} lines (mockllm)"])
    print(f"\nper batch line over generate: {(batch - generate) / LINES * 1000:.2f} ms")


if __name__ == "__main__":
    main()
