"""What hooks and OpenTelemetry add to a call, against the bare call in the same run.

``mockllm/model`` answers without a network, so the engine's own cost per
call is what is measured (prepare, the engine's run, price, usage). Rows:
the bare call (the floor: no hooks, no telemetry, as every call pays
today), with a no-op hook (``on_model_usage`` doing nothing; the emitter
observes each call), and with OpenTelemetry on (an SDK ``TracerProvider``
with a ``SimpleSpanProcessor`` into an ``InMemorySpanExporter``, and a
``MeterProvider`` with an ``InMemoryMetricReader``). The variants take
turns in rounds of ``BENCH_CALLS`` / 20 calls, in a random order each
round; the table gives the median microseconds per call of the rounds and
the ratio to the floor. Run: ``.venv/bin/python benchmarks/bench_observe.py``.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelkit import get_model
from modelkit._engine import observe

CALLS = int(os.environ.get("BENCH_CALLS", "20000"))
ROUNDS = 20


def main() -> None:
    from modelkit.hooks import Hooks, ModelUsageData, hooks, unregister_hooks

    model = get_model("mockllm/model")
    model.generate("warm up")  # the first call decides on telemetry (nothing configured here)
    assert observe.observers == (), observe.observers

    class NoOp(Hooks):
        def on_model_usage(self, data: ModelUsageData) -> None:
            pass

    def bare() -> None:
        pass

    def with_hook() -> None:
        hooks("noop", "does nothing")(NoOp)

    def without_hook() -> None:
        unregister_hooks("noop")

    tracing = _telemetry()
    setups: Dict[str, Tuple[Callable[[], None], Callable[[], None]]] = {
        "bare call (floor)": (bare, bare),
        "+ a no-op hook": (with_hook, without_hook),
    }
    if tracing is not None:
        setups["+ OpenTelemetry (in-memory SDK)"] = tracing
    per_round = max(CALLS // ROUNDS, 1)
    times: Dict[str, List[float]] = {name: [] for name in setups}
    for _ in range(ROUNDS):
        order = list(setups)
        random.shuffle(order)
        for name in order:
            on, off = setups[name]
            on()
            try:
                times[name].append(_round(model.generate, per_round))
            finally:
                off()
    floor = statistics.median(times["bare call (floor)"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{per_round * ROUNDS} calls per row, load average {load:.2f}, {os.cpu_count()} CPUs")
    print(f"{'variant':36} {'us/call':>9} {'ratio':>7}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:36} {median * 1e6:9.1f} {median / floor:7.3f}x")


def _round(generate: Callable[[str], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        generate("Say hello")
    return (time.perf_counter() - start) / calls


def _telemetry() -> Optional[Tuple[Callable[[], None], Callable[[], None]]]:
    try:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    except ImportError:
        print("(opentelemetry-sdk not installed: no telemetry row)")
        return None
    from modelkit.hooks import telemetry

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])

    def on() -> None:
        telemetry.instrument(tracer_provider, meter_provider)

    def off() -> None:
        telemetry.uninstrument()
        exporter.clear()

    return on, off


if __name__ == "__main__":
    main()
