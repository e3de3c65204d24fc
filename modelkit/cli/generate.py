"""``modelkit generate``: one prompt in, one answer out.

The prompt is the arguments joined by spaces (as ``echo`` joins them, so
``modelkit generate -m M Say hello`` needs no quotes), or stdin when none is
given (or ``-``) and stdin is not a terminal, so
``echo hi | modelkit generate -m ...`` works.
The answer's text goes to stdout (``--json``: the whole ``ModelOutput``);
on a terminal it is printed as it arrives (``Model.stream``), unless
``--no-stream`` asks to wait for the whole answer. ``--usage`` adds one
line on stderr: the tokens used and what they cost (``modelkit.info``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .options import UsageError, add_generation_options, cache_policy, make_model

__all__ = ["register", "run"]

_DESCRIPTION = """\
Generate one answer and print its text (or, with --json, the whole output).
The prompt is the PROMPT words joined by spaces (as echo joins them), or
stdin when PROMPT is left out or is '-'. Options go before the words; put
'--' before a prompt that starts with '-'.

examples:
  modelkit generate --model mockllm/model "Say hello"
  modelkit generate -m mockllm/model Say hello world
  echo "Say hello" | modelkit generate --model openai/gpt-4o-mini --json
"""


def register(subparsers: Any) -> None:
    """Add the ``generate`` subcommand to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "generate",
        help="generate one answer",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_generation_options(parser)
    parser.add_argument("--json", action="store_true", help="print the whole output as JSON")
    parser.add_argument(
        "--no-stream",
        action="store_true",
        help="on a terminal, wait for the whole answer instead of printing it as it arrives",
    )
    parser.add_argument(
        "--usage",
        action="store_true",
        help="print the tokens used and their cost in dollars on stderr",
    )
    parser.add_argument(
        "prompt",
        nargs="*",
        metavar="PROMPT",
        help="the prompt; several words are joined by spaces ('-': stdin)",
    )
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    """Generate as ``args`` ask and print the answer; returns the exit status."""
    prompt = read_prompt(args.prompt)
    model = make_model(args)
    if not args.json and not args.no_stream and _isatty(sys.stdout):
        with model.stream(prompt, cache=cache_policy(args)) as stream:
            for text in stream.text():
                sys.stdout.write(text)
                sys.stdout.flush()
        sys.stdout.write("\n")
        if args.usage:
            print(usage_line(str(model), stream.output), file=sys.stderr)
        return 0
    output = model.generate(prompt, cache=cache_policy(args))
    if args.json:
        print(json.dumps(output.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(output.completion)
    if args.usage:
        print(usage_line(str(model), output), file=sys.stderr)
    return 0


def usage_line(model: str, output: Any) -> str:
    """``usage: 12 input, 5 output (3 reasoning), 400 cache read tokens; $0.000125``."""
    usage = output.usage if output is not None else None
    if usage is None:
        return f"usage: {model} reported no usage"
    parts = [f"{usage.input_tokens} input", f"{usage.output_tokens} output"]
    if usage.reasoning_tokens:
        parts[-1] += f" ({usage.reasoning_tokens} reasoning)"
    if usage.input_tokens_cache_write:
        parts.append(f"{usage.input_tokens_cache_write} cache write")
    if usage.input_tokens_cache_read:
        parts.append(f"{usage.input_tokens_cache_read} cache read")
    if usage.total_cost is None:
        cost = f"cost unknown (no price for {model}; see docs/cost.md)"
    else:
        cost = f"${usage.total_cost:.6f}" + (" (from the cache)" if output.cached else "")
    return f"usage: {', '.join(parts)} tokens; {cost}"


def read_prompt(prompt: Any) -> str:
    """``prompt`` (a string, or words joined by spaces), else stdin's text.

    Stdin is read when ``prompt`` is ``None``, empty or ``'-'`` (or ``['-']``).

    Raises:
        UsageError: no prompt and stdin is a terminal, or the prompt is empty.
    """
    if isinstance(prompt, (list, tuple)):
        prompt = " ".join(prompt) if prompt else None
    if prompt is None or prompt == "-":
        if prompt is None and _isatty(sys.stdin):
            raise UsageError("give a PROMPT, or pipe one on stdin")
        prompt = sys.stdin.read()
    if not prompt.strip():
        raise UsageError("the prompt is empty")
    return str(prompt)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
