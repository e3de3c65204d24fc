"""Options shared by the generating subcommands (``generate``, ``batch``), and usage errors.

``add_generation_options`` adds the model, sampling, limit, cache, key and
logging options; ``make_model``, ``cache_policy`` and ``verbose_logging``
turn the parsed options into what the library takes. A problem with the
command line itself raises ``UsageError``, which ``main`` reports with the
subcommand's usage and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from ..errors import ConfigError, MissingAPIKeyError, ModelkitError

__all__ = [
    "UsageError",
    "add_generation_options",
    "cache_policy",
    "make_model",
    "verbose_logging",
]


class UsageError(ModelkitError):
    """The command line is wrong (exit status 2, with the subcommand's usage)."""


def add_generation_options(parser: argparse.ArgumentParser) -> None:
    """The options every generating command takes."""
    parser.add_argument(
        "--model",
        "-m",
        metavar="PROVIDER/MODEL",
        help="e.g. openai/gpt-4o (default: $MODELKIT_MODEL)",
    )
    parser.add_argument("--system", "-s", metavar="TEXT", help="system message")
    parser.add_argument("--temperature", "-t", type=float, help="sampling temperature, 0 to 2")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="most tokens to generate")
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="time for each prompt, retries included"
    )
    parser.add_argument(
        "--max-retries", type=int, metavar="N", help="retries per prompt (default 5)"
    )
    parser.add_argument(
        "--cache", action="store_true", help="answer from the response cache, and fill it"
    )
    parser.add_argument(
        "--cache-expiry",
        type=_expiry,
        metavar="AGE",
        help="how long cached answers live, e.g. 12h, 7D (default 1W); implies --cache",
    )
    parser.add_argument("--base-url", metavar="URL", help="another base URL for the API")
    parser.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="read the API key from this environment variable instead of the provider's own",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log each attempt (and each retry) on stderr"
    )


def make_model(args: argparse.Namespace, **config: Any) -> Any:
    """The ``Model`` the options name, its config from the options and ``config``.

    Raises:
        UsageError: no model, an unknown provider or a bad option value.
        MissingAPIKeyError: the provider needs a key and none is set.
    """
    from ..api import resolve_provider
    from ..config import GenerateConfig
    from ..model import get_model

    spec = args.model or os.environ.get("MODELKIT_MODEL") or os.environ.get("INSPECT_EVAL_MODEL")
    if not spec:
        raise UsageError("no model: give --model PROVIDER/MODEL (e.g. --model mockllm/model)")
    provider, sep, name = spec.partition("/")
    if not sep or not provider or not name:
        raise UsageError(f"--model {spec}: expected PROVIDER/MODEL, e.g. openai/gpt-4o")
    try:
        resolve_provider(provider)
        settings = GenerateConfig(
            system_message=args.system,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            timeout=args.timeout,
            max_retries=args.max_retries,
            **config,
        )
    except MissingAPIKeyError:
        raise
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    api_key = _api_key(args.api_key_env)
    try:
        return get_model(spec, config=settings, base_url=args.base_url, api_key=api_key)
    except MissingAPIKeyError as exc:
        names = " or ".join(f"${v}" for v in exc.variables)
        raise ModelkitError(
            f"{exc.provider}: no API key found. Set {names}, or name the variable "
            "holding it with --api-key-env VAR"
        ) from None


def cache_policy(args: argparse.Namespace) -> Any:
    """``False``, or the ``CachePolicy`` that ``--cache`` / ``--cache-expiry`` ask for."""
    if not args.cache and args.cache_expiry is None:
        return False
    from ..cache import CachePolicy

    return CachePolicy(expiry=args.cache_expiry or "1W")


@contextmanager
def verbose_logging(enabled: bool) -> Iterator[None]:
    """With ``--verbose``: the ``modelkit`` logger's lines on stderr, one per attempt.

    Each failed attempt that is retried logs a line (INFO) and each call's
    outcome another (DEBUG). Request bodies stay off: the ``modelkit.http``
    logger is not touched. The logger is put back as it was afterwards.
    """
    if not enabled:
        yield
        return
    import logging  # here: not every command needs its ~4 ms of start-up

    logger = logging.getLogger("modelkit")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _api_key(variable: Optional[str]) -> Optional[str]:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise ModelkitError(f"--api-key-env {variable}: ${variable} is not set")
    return value


def _expiry(text: str) -> str:
    from ..cache._policy import parse_expiry

    try:
        parse_expiry(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text
