"""The ``modelkit`` command line (also ``python -m modelkit``).

``main`` builds the parser from the subcommand modules (``generate``,
``providers``, ``batch``, ``cache``), runs the chosen handler and turns
every failure into an exit status and one line on stderr, never a
traceback:

- 0: done; 1: the command ran and failed (an API error, a missing API
  key, an unreadable file, a bad input line, failed batch lines);
- 2: the command line is wrong (an unknown option, no ``--model``, a bad
  option value): the subcommand's usage and what was wrong;
- 130: interrupted (Ctrl-C).

While a command runs, a warning (a ``CacheWarning``, a ``ConfigWarning``)
is one ``modelkit: warning: ...`` line on stderr instead of Python's
``file.py:103: CacheWarning`` form with a source line; the library's own
``warnings.showwarning`` is restored when ``main`` returns, and which
warnings show (``-W``, ``PYTHONWARNINGS``) is left to Python's filters.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from typing import Any, Callable, Iterator, List, Optional, Sequence, TextIO

from .. import __version__
from ..errors import CassetteMismatchError, ModelkitError
from . import batch, cache, generate, providers
from .options import UsageError, verbose_logging

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "one_line_warnings",
]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Run as the command (``argv`` is ``None``), an interrupted run ends the
    process at once rather than waiting for the requests still in flight
    (their answers are lost; every finished one is already written).
    """
    with one_line_warnings():
        code = _main(list(sys.argv[1:] if argv is None else argv))
    if code == EXIT_INTERRUPTED and argv is None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _main(words: List[str]) -> int:
    parser = build_parser(words)
    try:
        args, unknown = parser.parse_known_args(words)
        if unknown:  # reported by the subcommand, which argparse's own message does not name
            getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # --help, --version and argparse's usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Optional[Handler] = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with verbose_logging(getattr(args, "verbose", False)):
            return handler(args)
    except UsageError as exc:
        usage_parser: argparse.ArgumentParser = getattr(args, "parser", parser)
        usage_parser.print_usage(sys.stderr)
        print(f"{usage_parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("modelkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
        return EXIT_ERROR
    except CassetteMismatchError as exc:  # its diff is read line by line
        print(f"modelkit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ModelkitError as exc:
        print(f"modelkit: error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one line, never a traceback
        print(f"modelkit: unexpected {type(exc).__name__}: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The argument parser with every subcommand.

    Args:
        argv: the words to be parsed; ``batch`` looks at the word after it
            to tell ``batch FILE`` from ``batch <subcommand>``.
    """
    parser = argparse.ArgumentParser(
        prog="modelkit",
        description="One synchronous interface to many LLM APIs. "
        "Exit status: 0 done, 1 failed, 2 bad command line, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"modelkit {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    generate.register(commands)
    batch.register(commands, argv)
    providers.register(commands)
    cache.register(commands)
    return parser


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Show each warning as one ``modelkit: warning: ...`` line on stderr while inside.

    ``warnings.showwarning`` is process-wide, so warnings from worker
    threads (``batch``) come out the same way; the previous function is
    put back on the way out, whatever happened.
    """
    previous = warnings.showwarning

    def show(
        message: Any,
        category: Any,
        filename: str,
        lineno: int,
        file: Optional[TextIO] = None,
        line: Optional[str] = None,
    ) -> None:
        stream = file if file is not None else sys.stderr
        try:
            stream.write(f"modelkit: warning: {_one_line(str(message))}\n")
        except (AttributeError, OSError):  # no stderr (pythonw) or a closed one: drop it
            pass

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
