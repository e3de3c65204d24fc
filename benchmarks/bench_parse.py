"""Parsing a response: what the malformed-response checks cost, against plain parsing.

Issue 16, point 9 put two checks on every response: the strict JSON reader
(``_json.loads``: nesting and ``NaN``) and the output check
(``_wellformed.check_output``: every field of its declared type). Both are
measured on the path a call takes, in the same run as the floor they add
to: ``json.loads`` plus the provider's own converter, timed in alternation
(fastest of 15 rounds each).

1. A chat completion (OpenAI's documented body, ~0.6 KB).
2. A completion with logprobs for 400 tokens, 5 alternatives each (~100 KB).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelkit._json import loads as strict_json
from modelkit._wellformed import check_output
from modelkit.providers.openai._response import ParseOptions, parse_completion

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "openai"


def interleaved_us(fns: List[Callable[[], Any]], n: int, rounds: int = 15) -> List[float]:
    """Per-call microseconds of each of ``fns``, timed in alternation (the
    machine's load hits all alike), the fastest round of each."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for index, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(n):
                fn()
            best[index] = min(best[index], (time.perf_counter() - start) / n * 1e6)
    return best


def row(label: str, us: float, floor: float) -> None:
    print(f"  {label:<46} {us:10.1f} us   {us / floor:5.2f}x")


def with_logprobs(tokens: int) -> Dict[str, Any]:
    body: Dict[str, Any] = json.loads((FIXTURE / "length.response.json").read_text())
    entry = {
        "token": "tok",
        "logprob": -0.25,
        "bytes": [116, 111, 107],
        "top_logprobs": [{"token": f"t{i}", "logprob": -1.5 - i, "bytes": None} for i in range(5)],
    }
    body["choices"][0]["logprobs"] = {"content": [dict(entry) for _ in range(tokens)]}
    return body


def measure(name: str, text: str, n: int) -> None:
    options = ParseOptions()
    floor, strict, checked = interleaved_us(
        [
            lambda: parse_completion(json.loads(text), "m", options),
            lambda: parse_completion(strict_json(text), "m", options),
            lambda: check_output(parse_completion(strict_json(text), "m", options)),
        ],
        n,
    )
    print(f"{name} ({len(text)} bytes)")
    row("json.loads + parse_completion (floor)", floor, floor)
    row("strict JSON + parse_completion", strict, floor)
    row("strict JSON + parse_completion + check_output", checked, floor)


def main() -> None:
    measure("chat completion", (FIXTURE / "length.response.json").read_text(), 2000)
    print()
    measure("400 tokens of logprobs", json.dumps(with_logprobs(400)), 50)


if __name__ == "__main__":
    main()
