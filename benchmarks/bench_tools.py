"""Tools: the cost of defining one, of running a call through ``execute_tools``,
and what parallel execution buys, each against a baseline in the same run.

1. Definition: ``ToolDef.from_function`` on a six-parameter function
   (docstring parsing, hint evaluation, schema), against
   ``inspect.signature`` alone. Paid once per tool (``@tool``).
2. One call: ``execute_tools`` on a one-call message (validation, argument
   conversion, result message), against calling the function directly;
   with ``timeout=`` (a thread per call) too.
   An ``async def`` tool (Inspect's form: run on an event loop of its own)
   against the same call made synchronously.
3. Eight calls to a tool that sleeps 20 ms: ``parallel=False`` against the
   default ``parallel=True``.
"""

from __future__ import annotations

import enum
import inspect
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelkit import ChatMessageAssistant, ToolCall, ToolDef, execute_tools


class Unit(enum.Enum):
    C = "celsius"
    F = "fahrenheit"


def forecast(
    city: str,
    days: int = 3,
    unit: Unit = Unit.C,
    hours: Optional[List[int]] = None,
    extras: Optional[Dict[str, float]] = None,
    detailed: bool = False,
) -> str:
    """Get the weather forecast for a city.

    Args:
        city: the city name.
        days: how many days ahead.
        unit: the temperature unit.
        hours: hours of the day to report.
        extras: extra weighting per field.
        detailed: include wind and humidity.
    """
    return f"{city}: {days} days in {unit.value}"


async def forecast_async(city: str, days: int = 3) -> str:
    """Get the weather forecast for a city, asynchronously."""
    return f"{city}: {days} days"


def forecast_sync(city: str, days: int = 3) -> str:
    """Get the weather forecast for a city."""
    return f"{city}: {days} days"


def nap(ms: int) -> str:
    """Sleep for some milliseconds."""
    time.sleep(ms / 1000)
    return "ok"


def median_us(fn: Callable[[], object], runs: int) -> float:
    samples: List[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def row(name: str, value: float, baseline: float) -> None:
    print(f"{name:<46} {value:>12.1f} {value / baseline:>8.1f}x")


def main() -> None:
    print(f"{'case':<46} {'median (us)':>12} {'ratio':>9}")
    sig = median_us(lambda: inspect.signature(forecast), 2000)
    row("inspect.signature (baseline)", sig, sig)
    row("ToolDef.from_function", median_us(lambda: ToolDef.from_function(forecast), 2000), sig)

    definition = ToolDef.from_function(forecast)
    arguments: Dict[str, Any] = {"city": "Paris", "days": 2, "unit": "fahrenheit", "hours": [9]}
    message = ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c", function="forecast", arguments=arguments)]
    )
    direct = median_us(lambda: forecast("Paris", 2, Unit.F, [9]), 5000)
    print()
    row("direct call (baseline)", direct, direct)
    row(
        "execute_tools, one call",
        median_us(lambda: execute_tools(message, [definition]), 5000),
        direct,
    )
    row(
        "execute_tools, one call, timeout=5",
        median_us(lambda: execute_tools(message, [definition], timeout=5), 2000),
        direct,
    )

    short = {"city": "Paris", "days": 2}
    sync_message = ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c", function="forecast_sync", arguments=short)]
    )
    async_message = ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c", function="forecast_async", arguments=short)]
    )
    sync_def, async_def = ToolDef(forecast_sync), ToolDef(forecast_async)
    sync_call = median_us(lambda: execute_tools(sync_message, [sync_def]), 3000)
    print()
    row("execute_tools, sync tool (baseline)", sync_call, sync_call)
    row(
        "execute_tools, async def tool",
        median_us(lambda: execute_tools(async_message, [async_def]), 3000),
        sync_call,
    )

    naps = ChatMessageAssistant(
        content="",
        tool_calls=[ToolCall(id=str(i), function="nap", arguments={"ms": 20}) for i in range(8)],
    )
    nap_def = ToolDef.from_function(nap)
    sequential = median_us(lambda: execute_tools(naps, [nap_def], parallel=False), 5)
    print()
    row("8 x 20 ms calls, parallel=False (baseline)", sequential, sequential)
    row(
        "8 x 20 ms calls, parallel=True",
        median_us(lambda: execute_tools(naps, [nap_def]), 5),
        sequential,
    )


if __name__ == "__main__":
    main()
