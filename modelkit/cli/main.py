"""The ``modelkit`` command line (also ``python -m modelkit``).

``modelkit generate`` prints one completion (or the whole output as JSON),
``modelkit providers`` lists providers with the environment variables each
reads, and the ``batch`` and ``cache`` subcommands come from their own
modules. Errors print one line on stderr and exit non-zero; no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, List, Optional, Sequence

from .. import __version__
from ..errors import ModelkitError
from . import batch, cache
from .options import add_generation_options, generation_config

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Optional[Callable[[argparse.Namespace], int]] = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("modelkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ModelkitError as exc:
        print(f"modelkit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one line, never a traceback
        print(f"modelkit: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="modelkit", description="One synchronous interface to many LLM APIs."
    )
    parser.add_argument("--version", action="version", version=f"modelkit {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_generate(commands)
    _add_providers(commands)
    batch.register(commands)
    cache.register(commands)
    return parser


def _add_generate(commands: Any) -> None:
    parser = commands.add_parser("generate", help="generate one completion")
    add_generation_options(parser)
    parser.add_argument("--json", action="store_true", help="print the whole ModelOutput as JSON")
    parser.add_argument("prompt", help="the prompt; '-' reads it from stdin")
    parser.set_defaults(handler=_generate)


def _generate(args: argparse.Namespace) -> int:
    from ..model import get_model

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise ModelkitError("the prompt is empty")
    model = get_model(args.model, config=generation_config(args), base_url=args.base_url)
    output = model.generate(prompt)
    if args.json:
        print(json.dumps(output.to_dict(), indent=2))
    else:
        print(output.completion)
    return 0


def _add_providers(commands: Any) -> None:
    parser = commands.add_parser("providers", help="list providers and their environment variables")
    parser.set_defaults(handler=_providers)


def _providers(args: argparse.Namespace) -> int:
    from ..api import provider_names, resolve_provider

    rows: List[str] = []
    for name in provider_names():
        try:
            env_vars = resolve_provider(name).env_vars
        except (ModelkitError, ImportError) as exc:
            rows.append(f"{name:<18} (cannot load: {exc})")
            continue
        described = ", ".join(env_vars) if env_vars else "-"
        rows.append(f"{name:<18} {described}")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
