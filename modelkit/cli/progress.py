"""The progress of ``modelkit batch``: counts, a bar on a terminal, a closing summary.

``BatchStats`` counts what finished (answered, failed, from the cache, the
tokens the new answers used) from any thread; ``ProgressBar`` redraws one
line in place on a terminal; ``BatchStats.summary`` is the one line
printed when the batch ends, however it ends, and ``BatchStats.error_line``
the line after it naming the first failed input and why (the output lines
hold every error).
"""

from __future__ import annotations

import threading
import time
from typing import IO, Any, Optional, Tuple

__all__ = ["BatchStats", "ProgressBar"]


class BatchStats:
    """Counts of a batch's finished inputs; ``record`` may be called from any thread.

    Args:
        total: the inputs to run in this invocation.
        skipped: inputs already answered by an earlier run (not in ``total``).
    """

    def __init__(self, total: int, skipped: int = 0) -> None:
        self.total = total
        self.skipped = skipped
        self.done = 0
        self.failed = 0
        self.cached = 0
        self.tokens = 0
        self.first_error: Optional[Tuple[int, BaseException]] = None
        self.cost = 0.0
        self.unpriced = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def record(self, result: Any, index: int = 0) -> None:
        """Count one finished input: a ``ModelOutput`` or the exception it raised.

        Args:
            result: the output or the exception.
            index: the input's index (the earliest failure is kept for ``error_line``).
        """
        with self._lock:
            if isinstance(result, BaseException):
                self.failed += 1
                if self.first_error is None or index < self.first_error[0]:
                    self.first_error = (index, result)
                return
            self.done += 1
            if result.cached:
                self.cached += 1
            elif result.usage is not None:
                self.tokens += result.usage.total_tokens
                if result.usage.total_cost is None:
                    self.unpriced += 1
                else:
                    self.cost += result.usage.total_cost

    @property
    def finished(self) -> int:
        """Inputs finished so far, answered or failed."""
        return self.done + self.failed

    def summary(self) -> str:
        """One line: answered, failed, cached, tokens, cost, time (and skipped, if any)."""
        elapsed = time.monotonic() - self.started
        text = (
            f"{self.done} done, {self.failed} failed, {self.cached} cached, "
            f"{self.tokens} tokens, {cost_text(self.cost, self.unpriced)}, {elapsed:.1f}s"
        )
        if self.finished < self.total:
            text += f"; {self.total - self.finished} not run"
        if self.skipped:
            text += f"; {self.skipped} answered by an earlier run"
        return text

    def error_line(self) -> Optional[str]:
        """One line naming the first failed input and its error, or ``None``."""
        if self.first_error is None:
            return None
        index, error = self.first_error
        message = " ".join(str(error).split())
        if len(message) > 300:
            message = message[:300] + "..."
        more = f" (and {self.failed - 1} more; see their output lines)" if self.failed > 1 else ""
        return f"input {index} failed: {type(error).__name__}: {message}{more}"

    def report(self, stream: IO[str]) -> None:
        """Write the summary line, then the first error's line if any input failed."""
        print(f"modelkit batch: {self.summary()}", file=stream)
        error = self.error_line()
        if error is not None:
            print(f"modelkit batch: {error}", file=stream)


def cost_text(dollars: float, unpriced: int = 0) -> str:
    """``$0.001234`` for what was priced, noting answers whose model has no price."""
    text = f"${dollars:.6f}"
    if unpriced:
        text += f" (+{unpriced} unpriced: no price for the model, see docs/cost.md)"
    return text


class ProgressBar:
    """A one-line progress bar with the failure count, redrawn in place on a terminal."""

    width = 30

    def __init__(self, stream: IO[str], stats: BatchStats) -> None:
        self.stream = stream
        self.stats = stats
        self.drawn = False

    def __call__(self, *_: Any) -> None:
        """Redraw (takes and ignores the engine's ``progress(done, total)`` arguments)."""
        stats = self.stats
        filled = self.width * stats.finished // max(stats.total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        failed = f"  {stats.failed} failed" if stats.failed else ""
        self.stream.write(f"\r[{bar}] {stats.finished}/{stats.total}{failed}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
