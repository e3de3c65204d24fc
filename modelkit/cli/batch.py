"""``modelkit batch``: generate for every line of a JSONL file.

The file formats (input lines, output lines, resuming) are described in
``batch_files``. Inputs run concurrently within ``--max-connections``; each
answer is written as soon as it is ready, so an interrupted run keeps every
finished line, and re-running with the same ``-o`` skips the inputs that
file already answers. Progress (with failures) is drawn on stderr when it
is a terminal, and a one-line summary ends every run. Exit status: 0 when
every input was answered, 1 when any failed (their lines hold the error)
or the input is invalid, 130 when interrupted.

``modelkit batch WORD ...`` runs a subcommand instead when ``WORD`` is one
of ``group_commands()`` (e.g. provider batch APIs); any other word is the
input file.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Dict, List, Sequence

from ..errors import APIError, ConfigError
from . import provider_batch
from .batch_files import BatchInput, OrderedWriter, OutputFile, read_inputs
from .options import add_generation_options, cache_policy, make_model
from .progress import BatchStats, ProgressBar

__all__ = ["add_file_options", "group_commands", "read_inputs", "register", "run"]

_DESCRIPTION = """\
Generate an answer for each line of a JSONL file. A line is a JSON string
(the prompt), a JSON list of chat messages, or an object with "input" (one
of those) and any other keys, which are copied to its output line.

Each output line has "index" (the input's position, from 0), the input's
other keys, and "output" (the whole output as JSON) or "error". Lines are
written as they finish; an -o file is put in input order when the run ends.
Re-running with the same -o file answers only the inputs it lacks (failed
ones included). Exit status: 0 all answered, 1 some failed, 2 bad command
line, 130 interrupted.

examples:
  modelkit batch --model mockllm/model prompts.jsonl
  modelkit batch --model openai/gpt-4o-mini --cache prompts.jsonl -o answers.jsonl
"""

GroupCommand = Callable[[Any], None]


def group_commands() -> Dict[str, GroupCommand]:
    """Subcommands of ``modelkit batch`` other than running a file.

    Each maps its name to a function that adds its parser to the ``batch``
    parser's subparsers (setting ``handler`` and ``parser`` defaults, as
    the other subcommands do).
    """
    return provider_batch.commands(_line)


def register(subparsers: Any, argv: Sequence[str] = ()) -> None:
    """Add the ``batch`` subcommand to the CLI's subparsers.

    Args:
        subparsers: the ``modelkit`` parser's subparsers.
        argv: the words to be parsed: ``batch NAME`` with ``NAME`` in
            :func:`group_commands` adds the subcommand form instead.
    """
    commands = group_commands()
    if len(argv) >= 2 and argv[0] == "batch" and argv[1] in commands:
        parser = subparsers.add_parser("batch", help="generate for each line of a JSONL file")
        group = parser.add_subparsers(title="batch commands", metavar="COMMAND")
        for add in commands.values():
            add(group)
        return
    epilog = f"batch commands: {', '.join(commands)} (modelkit batch COMMAND --help)"
    parser = subparsers.add_parser(
        "batch",
        help="generate for each line of a JSONL file",
        description=_DESCRIPTION,
        epilog=epilog if commands else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_file_options(parser)
    parser.set_defaults(handler=run, parser=parser)


def add_file_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``modelkit batch FILE``."""
    add_generation_options(parser)
    parser.add_argument(
        "--max-connections", type=int, metavar="N", help="requests in flight at once"
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar and no summary on stderr"
    )
    parser.add_argument(
        "input", metavar="INPUT.jsonl", help="prompts, one JSON value a line ('-': stdin)"
    )
    parser.add_argument(
        "-o", "--output", metavar="OUTPUT.jsonl", help="where to write (default: stdout)"
    )
    provider_batch.add_option(parser)


def run(args: argparse.Namespace) -> int:
    """Run a batch as ``args`` ask; returns the exit status."""
    from .._engine.many import generate_many

    inputs = _load(args.input)
    if args.provider_batch:
        return provider_batch.run_file(args, inputs, _line)
    to_file = args.output is not None and args.output != "-"
    model = make_model(args, max_connections=args.max_connections)
    file = OutputFile(args.output, len(inputs)) if to_file else None
    todo = [item for item in inputs if file is None or item.index not in file.done]
    stats = BatchStats(len(todo), skipped=len(inputs) - len(todo))
    writer = file or OrderedWriter(sys.stdout)
    policy = cache_policy(args)

    def work(item: BatchInput) -> None:
        try:
            result: Any = model.generate(item.input, cache=policy)
        except Exception as exc:  # every failure becomes the input's error line
            result = exc
        stats.record(result, item.index)
        writer.write(item.index, json.dumps(_line(item, result), ensure_ascii=False))

    bar = None if args.quiet or not _isatty(sys.stderr) else ProgressBar(sys.stderr, stats)
    completed = False
    try:
        if todo:
            workers = model.config.max_connections or model.api.max_connections()
            generate_many(work, todo, max_workers=workers, progress=bar)
        completed = True
    finally:
        writer.close(sort=completed)
        if bar is not None:
            bar.close()
        if not args.quiet:
            stats.report(sys.stderr)
    return 1 if stats.failed else 0


def _load(path: str) -> List[BatchInput]:
    if path == "-":
        return read_inputs(sys.stdin, "stdin")
    try:
        with open(path, encoding="utf-8") as stream:
            return read_inputs(stream, path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text: {exc.reason}") from exc


def _line(item: BatchInput, result: Any) -> Dict[str, Any]:
    line: Dict[str, Any] = {"index": item.index, **item.extra}
    if not isinstance(result, BaseException):
        line["output"] = result.to_dict()
        return line
    error: Dict[str, Any] = {"type": type(result).__name__, "message": str(result)}
    if isinstance(result, APIError) and result.status is not None:
        error["status"] = result.status
    line["error"] = error
    return line


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
