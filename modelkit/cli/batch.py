"""``modelkit batch``: generate for every line of a JSONL file, outputs in order.

Each non-blank input line is one generation: a JSON string (the prompt), a
JSON list of chat messages, or an object ``{"input": <string or message
list>}``. Each output line, in input order, is the ``ModelOutput`` as JSON
(``to_dict()``), or ``{"error": {"type", "message", "status"}}`` for an
input that failed. The whole input is checked before any request is made.
Inputs run concurrently within ``--max-connections``; a progress bar goes to
stderr when it is a terminal. Exit status: 0 when every input succeeded, 1
when any failed (their lines are still written) or the input is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any, Dict, List, Optional

from ..errors import APIError, ConfigError
from ..messages import message_from_dict

__all__ = ["read_inputs", "register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``batch`` subcommand to the CLI's subparsers."""
    from .options import add_generation_options

    parser = subparsers.add_parser(
        "batch",
        help="generate for each line of a JSONL file",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    add_generation_options(parser)
    parser.add_argument(
        "--max-connections", type=int, help="requests in flight at once (default: the provider's)"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds each input may take, retries included"
    )
    parser.add_argument("--max-retries", type=int, help="retries per input (default 5)")
    parser.add_argument(
        "input", metavar="INPUT.jsonl", help="prompts, one JSON value a line ('-': stdin)"
    )
    parser.add_argument(
        "-o", "--output", metavar="OUTPUT.jsonl", help="where to write (default: stdout)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run a batch as ``args`` ask; returns the exit status."""
    from ..model import get_model
    from .options import generation_config

    inputs = _load(args.input)
    config = generation_config(args).merge(
        {
            "max_connections": args.max_connections,
            "timeout": args.timeout,
            "max_retries": args.max_retries,
        }
    )
    model = get_model(args.model, config=config, base_url=args.base_url)
    bar = _ProgressBar(sys.stderr) if _isatty(sys.stderr) else None
    try:
        results = model.generate_many(inputs, return_exceptions=True, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    lines = [json.dumps(_line(result), ensure_ascii=False) for result in results]
    _write(args.output, lines)
    failed = sum(1 for result in results if isinstance(result, BaseException))
    if failed:
        print(
            f"modelkit: {failed} of {len(results)} inputs failed (their lines hold the error)",
            file=sys.stderr,
        )
        return 1
    return 0


def read_inputs(stream: IO[str], name: str = "input") -> List[Any]:
    """The generation inputs in ``stream``, one per non-blank line.

    Raises:
        ConfigError: a line is not JSON or not a prompt, naming the line.
    """
    inputs: List[Any] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            inputs.append(_parse_line(json.loads(line)))
        except ValueError as exc:  # JSON errors and ConfigError (a ValueError)
            raise ConfigError(f"{name} line {number}: {exc}") from exc
    if not inputs:
        raise ConfigError(f"{name} has no inputs: give one JSON prompt per line")
    return inputs


def _parse_line(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) != {"input"}:
            raise ConfigError(f'an object line must be {{"input": ...}}, got keys {sorted(value)}')
        value = value["input"]
    if isinstance(value, str):
        if not value.strip():
            raise ConfigError("the prompt is empty")
        return value
    if isinstance(value, list) and value:
        return [message_from_dict(item) if isinstance(item, dict) else _bad(item) for item in value]
    raise ConfigError(
        'expected a JSON string, a list of chat messages, or {"input": ...}; '
        f"got {json.dumps(value)[:80]}"
    )


def _bad(item: Any) -> Any:
    raise ConfigError(f"a message must be a JSON object with a role, got {json.dumps(item)[:80]}")


def _load(path: str) -> List[Any]:
    if path == "-":
        return read_inputs(sys.stdin, "stdin")
    try:
        with open(path, encoding="utf-8") as stream:
            return read_inputs(stream, path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text: {exc.reason}") from exc


def _line(result: Any) -> Dict[str, Any]:
    if not isinstance(result, BaseException):
        data: Dict[str, Any] = result.to_dict()
        return data
    error: Dict[str, Any] = {"type": type(result).__name__, "message": str(result)}
    if isinstance(result, APIError) and result.status is not None:
        error["status"] = result.status
    return {"error": error}


def _write(path: Optional[str], lines: List[str]) -> None:
    text = "".join(f"{line}\n" for line in lines)
    if path is None or path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class _ProgressBar:
    """A one-line progress bar redrawn in place on a terminal."""

    width = 30

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
