"""Options shared by the generating subcommands (``generate``, ``batch``)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_generation_options", "generation_config"]


def add_generation_options(parser: argparse.ArgumentParser) -> None:
    """The options every generating command takes: model, system, sampling."""
    parser.add_argument("--model", "-m", help="provider/model (default: $MODELKIT_MODEL)")
    parser.add_argument("--system", "-s", help="system message")
    parser.add_argument("--temperature", "-t", type=float, help="sampling temperature, 0 to 2")
    parser.add_argument("--max-tokens", type=int, help="most tokens to generate")
    parser.add_argument("--base-url", help="alternate base URL for the API")


def generation_config(args: argparse.Namespace) -> Any:
    """The ``GenerateConfig`` the generation options ask for."""
    from ..config import GenerateConfig

    return GenerateConfig(
        system_message=args.system,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
    )
