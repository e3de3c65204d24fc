"""``modelkit providers``: every provider, and which of its environment variables are set.

Only whether each variable is set is shown, never its value.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Dict, List

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``providers`` subcommand to the CLI's subparsers."""
    parser = subparsers.add_parser(
        "providers",
        help="list providers and their environment variables",
        description="List every provider with the environment variables it reads; "
        "'(set)' marks those set here (values are never shown).",
    )
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    """Print the providers; returns the exit status."""
    rows = describe()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        if "error" in row:
            print(f"{row['name']:<18} (cannot load: {row['error']})")
            continue
        names = [f"{v['name']} (set)" if v["set"] else v["name"] for v in row["env"]]
        print(f"{row['name']:<18} {', '.join(names) or '-'}".rstrip())
    return 0


def describe() -> List[Dict[str, Any]]:
    """One ``{"name", "env": [{"name", "purpose", "set"}]}`` per provider, by name.

    A provider that cannot be loaded has ``"error"`` instead of ``"env"``.
    """
    from ..api import provider_names, resolve_provider
    from ..errors import ModelkitError

    rows: List[Dict[str, Any]] = []
    for name in provider_names():
        try:
            env_vars = resolve_provider(name).env_vars
        except (ModelkitError, ImportError) as exc:
            rows.append({"name": name, "error": str(exc)})
            continue
        env = [
            {"name": var, "purpose": purpose, "set": bool(os.environ.get(var))}
            for var, purpose in env_vars.items()
        ]
        rows.append({"name": name, "env": env})
    return rows
