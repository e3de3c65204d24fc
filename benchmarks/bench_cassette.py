"""What a cassette costs: a replayed call against the same call made live on loopback.

``model.generate(prompt)`` (``openai/gpt-4o``) against the minimal HTTP
server of ``bench_engine`` in a separate process, four ways, the ways
taking turns call by call in a random order (medians of ``BENCH_CALLS``
calls each, 2,000 by default; prompt ``i`` on the ``i``-th call of each):

- **live**: no cassette; the floor every other row is a ratio of;
- **live, no tap check**: ``Exchange.send`` replaced by its live send, so
  the row without the one ``None`` check a request pays for cassettes
  (target: within noise of the floor, 1.00 +- 0.03);
- **replay**: inside a cassette replaying a recording of the same calls
  (target: below 1.0, cheaper than the live call);
- **record**: inside a recording cassette (the copy of each body and the
  interaction kept; the file is written at the end).

Prints the medians, the ratios and the load average the run saw.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import model_for, server

from modelkit._engine import tap, transport
from modelkit.testing._file import read_cassette
from modelkit.testing._tape import Tape

CALLS = int(os.environ.get("BENCH_CALLS", "2000"))
WARM = 200
LIVE = "live (no cassette): the floor"
NO_CHECK = "live, no tap check"
REPLAY = "replay"
RECORD = "record"


def prompts(count: int, tag: str) -> List[str]:
    return [f"{tag} prompt {i}: summarise the plot of Hamlet in two sentences." for i in range(count)]


def run(url: str, folder: Path) -> Dict[str, List[float]]:
    model = model_for(url)
    measured = prompts(CALLS, "measured")
    warm = prompts(WARM, "warm")

    # The replayed cassette: a recording of the calls the replay row will make.
    recorded = folder / "replayed.json"
    tape = Tape(recorded, [], recording=True, timing=False)
    previous = tap.set_tap(tape)
    try:
        for prompt in warm + measured:
            model.generate(prompt)
    finally:
        tap.set_tap(previous)
    tape.save()
    replaying = Tape(recorded, read_cassette(recorded), recording=False, timing=False)
    recording = Tape(folder / "recorded.json", [], recording=True, timing=False)

    live_send = transport.Exchange.send_live
    checked_send = transport.Exchange.send

    def with_tap(chosen: Any, prompt: str) -> None:
        tap.set_tap(chosen)
        try:
            model.generate(prompt)
        finally:
            tap.set_tap(None)

    def unchecked(prompt: str) -> None:
        transport.Exchange.send = live_send  # type: ignore[method-assign]
        try:
            model.generate(prompt)
        finally:
            transport.Exchange.send = checked_send  # type: ignore[method-assign]

    ways: Dict[str, Callable[[str], Any]] = {
        LIVE: model.generate,
        NO_CHECK: unchecked,
        REPLAY: lambda prompt: with_tap(replaying, prompt),
        RECORD: lambda prompt: with_tap(recording, prompt),
    }
    for prompt in warm:  # connections, imports, caches
        for way in ways.values():
            way(prompt)
    samples: Dict[str, List[float]] = {name: [] for name in ways}
    names = list(ways)
    shuffle = random.Random(1).shuffle
    clock = time.perf_counter
    for prompt in measured:
        shuffle(names)
        for name in names:
            start = clock()
            ways[name](prompt)
            samples[name].append(clock() - start)
    assert all(replaying.used), "every recorded call was replayed"
    recording.save()
    return samples


def main() -> None:
    print(f"One call, {CALLS} of each way, loopback server in another process answering at once")
    before = os.getloadavg()
    with server(0.0) as url, tempfile.TemporaryDirectory() as folder:
        samples = run(url, Path(folder))
    after = os.getloadavg()
    floor = statistics.median(samples[LIVE])
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:32} {median * 1e6:8.1f} us   {median / floor:5.2f}x")
    print(f"load average (1 min) before {before[0]:.2f}, after {after[0]:.2f}; {os.cpu_count()} CPUs")
    replay = statistics.median(samples[REPLAY]) / floor
    check = statistics.median(samples[LIVE]) / statistics.median(samples[NO_CHECK])
    print(f"replay / live = {replay:.2f} (target < 1.0); live / no tap check = {check:.3f}")


if __name__ == "__main__":
    main()
