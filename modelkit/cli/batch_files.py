"""The files of ``modelkit batch``: reading prompts, writing answers, resuming.

An input line is a JSON string (the prompt), a JSON list of chat messages,
or an object with ``"input"`` (either of those) and any other keys, which
are copied to the line's output. An output line is that object's other
keys plus ``"index"`` (the input's 0-based position among the non-blank
lines) and either ``"output"`` (the ``ModelOutput`` as JSON) or
``"error"`` (``{"type", "message", "status"}``).

``OutputFile`` writes each line as soon as it is ready (one ``write`` and
a flush, so an interrupted run keeps every finished line) and puts the
file in input order when the run completes. Re-opened on a file from an
earlier run, it keeps the answered lines, drops the error lines (those
inputs are tried again) and tells the caller which indexes to skip.
"""

from __future__ import annotations

import json
import os
import threading
from typing import IO, Any, Dict, List, Optional, Set

from ..errors import ConfigError

__all__ = ["RESERVED_KEYS", "BatchInput", "OrderedWriter", "OutputFile", "read_inputs"]

RESERVED_KEYS = ("index", "output", "error")
"""Keys an input object may not have: the output line uses them."""


class BatchInput:
    """One input line: its position, what to generate from, and the keys to copy.

    A plain class, not an attrs one: this module loads with every
    ``modelkit`` command (``--version`` too), and attrs costs ~20 ms of start-up.
    """

    __slots__ = ("extra", "index", "input")

    def __init__(self, index: int, input: Any, extra: Optional[Dict[str, Any]] = None) -> None:
        self.index = index
        self.input = input
        self.extra: Dict[str, Any] = extra or {}

    def __repr__(self) -> str:
        return f"BatchInput({self.index!r}, {self.input!r}, {self.extra!r})"


def read_inputs(stream: IO[str], name: str = "input") -> List[BatchInput]:
    """The inputs in ``stream``, one per non-blank line.

    Raises:
        ConfigError: a line is not JSON or not a prompt, naming the line.
    """
    inputs: List[BatchInput] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value, extra = _parse_line(json.loads(line))
        except ValueError as exc:  # JSON errors and ConfigError (a ValueError)
            raise ConfigError(f"{name} line {number}: {exc}") from exc
        inputs.append(BatchInput(len(inputs), value, extra))
    if not inputs:
        raise ConfigError(f"{name} has no inputs: give one JSON prompt per line")
    return inputs


def _parse_line(value: Any) -> Any:
    extra: Dict[str, Any] = {}
    if isinstance(value, dict):
        if "input" not in value:
            raise ConfigError(f'an object line needs an "input" key, got keys {sorted(value)}')
        reserved = [key for key in RESERVED_KEYS if key in value]
        if reserved:
            raise ConfigError(f"{reserved[0]!r} is reserved for the output line; rename that key")
        extra = {key: item for key, item in value.items() if key != "input"}
        value = value["input"]
    if isinstance(value, str):
        if not value.strip():
            raise ConfigError("the prompt is empty")
        return value, extra
    if isinstance(value, list) and value:
        from ..messages import message_from_dict  # here: attrs is slow to import

        return [
            message_from_dict(item) if isinstance(item, dict) else _bad(item) for item in value
        ], extra
    raise ConfigError(
        'expected a JSON string, a list of chat messages, or {"input": ...}; '
        f"got {json.dumps(value)[:80]}"
    )


def _bad(item: Any) -> Any:
    raise ConfigError(f"a message must be a JSON object with a role, got {json.dumps(item)[:80]}")


class OrderedWriter:
    """Writes lines to a stream in index order, each as soon as those before it are written."""

    def __init__(self, stream: IO[str], start: int = 0) -> None:
        self.stream = stream
        self.next = start
        self.pending: Dict[int, str] = {}
        self.lock = threading.Lock()
        self.closed = False

    def write(self, index: int, line: str) -> None:
        """Queue ``line`` for ``index``; write every line that is now in order."""
        with self.lock:
            if self.closed:
                return
            self.pending[index] = line
            while self.next in self.pending:
                self.stream.write(self.pending.pop(self.next) + "\n")
                self.next += 1
            self.stream.flush()

    def close(self, sort: bool = True) -> None:
        """Write what is still queued (out of order: its lines carry ``index``)."""
        with self.lock:
            for index in sorted(self.pending):
                self.stream.write(self.pending[index] + "\n")
            self.pending.clear()
            self.stream.flush()
            self.closed = True


class OutputFile:
    """An ``-o`` file: lines appended as they finish, sorted by index at the end.

    Args:
        path: the file; created if missing, resumed if it holds lines of an
            earlier run of the same batch.
        total: how many inputs the batch has.

    Raises:
        ConfigError: the file cannot be read or written, or is not a batch
            output of ``total`` inputs.
    """

    def __init__(self, path: str, total: int) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.closed = False
        kept = _answered_lines(path, total)
        self.done: Set[int] = set(kept)
        try:
            if kept or os.path.exists(path):
                _replace(path, [kept[index] for index in sorted(kept)])
            self.stream: IO[str] = open(path, "a", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc

    def write(self, index: int, line: str) -> None:
        """Append ``line`` (for input ``index``) and flush it to the file."""
        with self.lock:
            if not self.closed:
                self.stream.write(line + "\n")
                self.stream.flush()

    def close(self, sort: bool) -> None:
        """Close the file; with ``sort``, put its lines in input order first."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            self.stream.close()
            if sort:
                lines = _answered_lines(self.path, None, keep_errors=True)
                _replace(self.path, [lines[index] for index in sorted(lines)])


def _answered_lines(path: str, total: Optional[int], keep_errors: bool = False) -> Dict[int, str]:
    """The lines of an earlier run's output by index (only answered ones unless ``keep_errors``)."""
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path} to resume from it: {exc}") from exc
    lines = text.split("\n")
    if lines and not text.endswith("\n"):
        lines.pop()  # a line cut short by a crash: that input runs again
    found: Dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            index = data["index"]
            valid = isinstance(index, int) and ("output" in data or "error" in data)
        except (ValueError, TypeError, KeyError):
            valid = False
        if not valid or (total is not None and not 0 <= index < total):
            raise ConfigError(
                f"{path} line {number} is not a line of this batch's output: "
                "delete the file or choose another -o to start over"
            )
        if keep_errors or "output" in data:
            found[index] = line
    return found


def _replace(path: str, lines: List[str]) -> None:
    """Write ``lines`` to ``path`` through a temporary file, so it is never half written."""
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write("".join(f"{line}\n" for line in lines))
    os.replace(temporary, path)
