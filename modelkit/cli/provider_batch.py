"""``modelkit batch --provider-batch`` and ``modelkit batch submit|status|collect|cancel``.

``--provider-batch`` runs ``modelkit batch FILE`` through the provider's
batch API (about half the price, answers within the API's window) instead
of concurrent requests: it submits, polls until the batches end and writes
the same output lines, in input order. The four subcommands split that in
two for jobs that outlive a process: ``submit`` writes the handle (JSON) and
returns at once; ``status``, ``collect`` and ``cancel`` take that handle
file, in any later process. The handle names the provider and model, so
they need no ``--model`` (given, it must match the handle). A handle never
decides where a key goes: the API key comes from the provider's variable
(or ``--api-key-env``) and the API root from ``--base-url``, the provider's
``*_BASE_URL`` variable or its default, and a handle submitted to another
root is refused (``batch._trust``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Dict, List

from ..errors import ConfigError
from .batch_files import BatchInput, OrderedWriter, OutputFile, read_inputs
from .options import add_generation_options, cache_policy, make_model
from .progress import BatchStats

__all__ = ["add_option", "commands", "run_file"]

LineOf = Callable[[BatchInput, Any], Dict[str, Any]]


def add_option(parser: argparse.ArgumentParser) -> None:
    """``--provider-batch`` and its tuning options, for ``modelkit batch FILE``."""
    parser.add_argument(
        "--provider-batch",
        action="store_true",
        help="send the inputs through the provider's batch API and wait for the answers",
    )
    _tuning(parser)


def _tuning(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--batch-size", type=int, metavar="N", help="most requests per provider batch"
    )
    parser.add_argument(
        "--poll", type=float, metavar="SECONDS", help="first wait between status checks (15)"
    )


def _batch_config(args: argparse.Namespace) -> Any:
    from ..config import BatchConfig

    return BatchConfig(size=args.batch_size, tick=args.poll, deadline=args.timeout)


def run_file(args: argparse.Namespace, inputs: List[BatchInput], line_of: LineOf) -> int:
    """``modelkit batch FILE --provider-batch``: submit, wait, write every line."""
    to_file = args.output is not None and args.output != "-"
    model = make_model(args)
    file = OutputFile(args.output, len(inputs)) if to_file else None
    todo = [item for item in inputs if file is None or item.index not in file.done]
    writer = file or OrderedWriter(sys.stdout)
    stats = BatchStats(len(todo), skipped=len(inputs) - len(todo))
    completed = False
    try:
        if todo:
            outputs = model.generate_many(
                [item.input for item in todo],
                cache=cache_policy(args),
                config={"batch": _batch_config(args)},
                return_exceptions=True,
                progress=None if args.quiet else _progress,
            )
            for item, result in zip(todo, outputs):
                stats.record(result, item.index)
                writer.write(item.index, json.dumps(line_of(item, result), ensure_ascii=False))
        completed = True
    finally:
        writer.close(sort=completed)
        if not args.quiet:
            stats.report(sys.stderr)
    return 1 if stats.failed else 0


def _progress(done: int, total: int) -> None:
    print(f"modelkit batch: {done}/{total} done by the provider", file=sys.stderr)


def commands(line_of: LineOf) -> Dict[str, Callable[[Any], None]]:
    """The ``modelkit batch`` subcommands around a handle.

    Args:
        line_of: makes an output line from an input and its result (``batch``'s).
    """

    def add_collect(group: Any) -> None:
        _add_collect(group, line_of)

    return {
        "submit": _add_submit,
        "status": _add_status,
        "collect": add_collect,
        "cancel": _add_cancel,
    }


def _add_submit(group: Any) -> None:
    parser = group.add_parser(
        "submit",
        help="send a JSONL file to the provider's batch API; write the handle",
        description="Send each line of INPUT.jsonl (as for `modelkit batch`) through the "
        "provider's batch API and write the job's handle (JSON) to -o or stdout. "
        "Collect it later with `modelkit batch collect HANDLE`.",
    )
    add_generation_options(parser)
    parser.add_argument("--batch-size", type=int, metavar="N", help="most requests per batch")
    parser.add_argument("input", metavar="INPUT.jsonl", help="prompts, one JSON value a line")
    parser.add_argument("-o", "--output", metavar="HANDLE.json", help="where to write the handle")
    parser.set_defaults(handler=_submit, parser=parser)


def _handle_parser(group: Any, name: str, help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = group.add_parser(name, help=help, description=help)
    parser.add_argument(
        "handle", metavar="HANDLE.json", help="the handle `submit` wrote ('-': stdin)"
    )
    parser.add_argument(
        "--model",
        "-m",
        metavar="PROVIDER/MODEL",
        help="the model the job was submitted with (default: the handle's; must match it)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the API root the job was submitted to (default: the provider's variable or "
        "default; the handle's must match it)",
    )
    parser.add_argument("--api-key-env", metavar="VAR", help="read the API key from this variable")
    parser.add_argument("--verbose", "-v", action="store_true", help="log each request on stderr")
    return parser


def _add_status(group: Any) -> None:
    parser = _handle_parser(group, "status", "print a submitted job's state and counts (JSON)")
    parser.set_defaults(handler=_status, parser=parser)


def _add_collect(group: Any, line_of: LineOf) -> None:
    parser = _handle_parser(group, "collect", "write a submitted job's answers as JSONL lines")
    parser.add_argument("-o", "--output", metavar="OUTPUT.jsonl", help="where to write")
    parser.add_argument(
        "--no-wait", action="store_true", help="fail (exit 1) instead of waiting for the job"
    )
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="most time to wait")
    parser.add_argument("--poll", type=float, metavar="SECONDS", help="first wait between checks")
    parser.set_defaults(handler=lambda args: _collect(args, line_of), parser=parser)


def _add_cancel(group: Any) -> None:
    parser = _handle_parser(group, "cancel", "cancel a submitted job's unfinished batches")
    parser.set_defaults(handler=_cancel, parser=parser)


def _submit(args: argparse.Namespace) -> int:
    inputs = _read(args.input, read_inputs)
    model = make_model(args)
    config = {"batch": {"size": args.batch_size}} if args.batch_size else None
    handle = model.batch_submit(
        [item.input for item in inputs], config=config, cache=cache_policy(args)
    )
    _write(args.output, handle.to_json() + "\n")
    print(
        f"modelkit batch: submitted {handle.size} inputs in {len(handle.jobs)} batches",
        file=sys.stderr,
    )
    return 0


def _status(args: argparse.Namespace) -> int:
    model, handle = _model_for(args)
    status = model.batch_status(handle)
    print(json.dumps({k: v for k, v in status.to_dict().items() if k != "jobs"}))
    for job in status.jobs:  # why a batch failed is not in the counts
        if job.error:
            reason = " ".join(job.error.split())[:300]
            print(f"modelkit batch: batch {job.id} {job.state}: {reason}", file=sys.stderr)
    return 0


def _collect(args: argparse.Namespace, line_of: LineOf) -> int:
    model, handle = _model_for(args)
    config: Dict[str, Any] = {"batch": {"tick": args.poll}, "timeout": args.timeout}
    outputs = model.batch_collect(handle, wait=not args.no_wait, config=config)
    stats = BatchStats(len(outputs))
    lines = []
    for index, output in enumerate(outputs):
        stats.record(output, index)
        lines.append(json.dumps(line_of(BatchInput(index, None), output), ensure_ascii=False))
    _write(args.output, "".join(line + "\n" for line in lines))
    stats.report(sys.stderr)
    return 1 if stats.failed else 0


def _cancel(args: argparse.Namespace) -> int:
    model, handle = _model_for(args)
    print(json.dumps({"state": model.batch_cancel(handle).state}))
    return 0


def _model_for(args: argparse.Namespace) -> Any:
    from ..batch import BatchHandle

    text = sys.stdin.read() if args.handle == "-" else _read(args.handle, lambda s, n: s.read())
    handle = BatchHandle.from_json(text)
    options = argparse.Namespace(
        model=args.model or f"{handle.provider}/{handle.model}",
        system=None,
        temperature=None,
        max_tokens=None,
        timeout=None,
        max_retries=None,
        base_url=args.base_url,  # never the handle's: it must not choose where the key goes
        api_key_env=args.api_key_env,
    )
    return make_model(options), handle


def _read(path: str, reader: Callable[[Any, str], Any]) -> Any:
    try:
        with open(path, encoding="utf-8") as stream:
            return reader(stream, path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _write(path: Any, text: str) -> None:
    if path is None or path == "-":
        sys.stdout.write(text)
        return
    try:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc
