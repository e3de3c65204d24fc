"""Check a model table file's shape and report prices that are getting old.

Every model entry must read back as a ``ModelInfo``; every ``cost`` must
name the provider page it was read from (``source``, an https URL) and the
date it was read (``read``, ``YYYY-MM-DD``, not after the file's ``date``).
When the file has a ``providers`` section (the bundled one does: every
built-in provider, with its price page, the hosts its own pages live on, or
``"local": true`` for servers you run, which have no price), each model's
provider must be listed there and each price's ``source`` must be on one of
that provider's own hosts. A cost read more than ``--max-age`` days before
today is reported as stale:
re-read its page, update the numbers and ``read``, and the file's ``date``.
Nothing is fetched. Run: ``python scripts/check_model_info.py [FILE]``
(default: the bundled ``modelkit/info/model_info.json``); exits 1 on a shape
error, and with ``--fail-stale`` also on a stale price.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modelkit.errors import ConfigError  # noqa: E402 - after the path is set
from modelkit.info._table import BUNDLED, parse_discount, parse_entry  # noqa: E402


def _date(value: Any) -> datetime.date:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a 'YYYY-MM-DD' date")
    return datetime.date.fromisoformat(value)


def check_providers(providers: Any) -> Tuple[List[str], Dict[str, List[str]]]:
    """The shape errors of a ``providers`` section, and each provider's own hosts."""
    if not isinstance(providers, dict):
        return ["providers: an object of provider names is needed"], {}
    errors: List[str] = []
    hosts: Dict[str, List[str]] = {}
    for name, entry in providers.items():
        where = f"providers[{name!r}]"
        if not isinstance(entry, dict):
            errors.append(f"{where}: an object is needed")
            continue
        if entry.get("local") is True:
            hosts[name] = []
            continue
        page = entry.get("pricing")
        if not isinstance(page, str) or not page.startswith("https://"):
            errors.append(f"{where}.pricing: the provider's price page (https URL) is needed")
        domains = entry.get("domains")
        if (
            not isinstance(domains, list)
            or not domains
            or not all(isinstance(d, str) for d in domains)
        ):
            errors.append(f"{where}.domains: the hosts of the provider's own pages are needed")
            continue
        hosts[name] = domains
    return errors, hosts


def _on_own_host(source: str, domains: List[str]) -> bool:
    host = urlsplit(source).hostname or ""
    return any(host == d or host.endswith("." + d) for d in domains)


def check(data: Any, today: datetime.date, max_age: int) -> Tuple[List[str], List[str]]:
    """The shape errors and the stale prices of a table file's ``data``."""
    errors: List[str] = []
    stale: List[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        return ["the file must be a JSON object with a 'models' object"], stale
    try:
        file_date = _date(data.get("date"))
    except ValueError as exc:
        errors.append(f"date: {exc}")
        file_date = today
    for provider, entry in (data.get("batch_discounts") or {}).items():
        try:
            parse_discount(provider, entry, "batch_discounts")
        except ConfigError as exc:
            errors.append(str(exc))
    hosts: Optional[Dict[str, List[str]]] = None
    if "providers" in data:
        provider_errors, hosts = check_providers(data["providers"])
        errors.extend(provider_errors)
    models: Dict[str, Any] = data["models"]
    for key, entry in models.items():
        try:
            info, _aliases = parse_entry(key, entry, "models")
        except ConfigError as exc:
            errors.append(str(exc))
            continue
        provider = key.split("/", 1)[0]
        if hosts is not None and provider not in hosts:
            errors.append(f"models[{key!r}]: provider {provider!r} is not in 'providers'")
        if info.cost is None:
            continue
        cost = entry["cost"]
        source = cost.get("source")
        if not isinstance(source, str) or not source.startswith("https://"):
            errors.append(f"models[{key!r}].cost.source: the provider page (https URL) is needed")
        elif hosts is not None and provider in hosts and not _on_own_host(source, hosts[provider]):
            errors.append(
                f"models[{key!r}].cost.source: {source} is not one of {provider!r}'s own pages "
                f"({', '.join(hosts[provider]) or 'none: a local provider has no price page'})"
            )
        try:
            read = _date(cost.get("read"))
        except ValueError as exc:
            errors.append(f"models[{key!r}].cost.read: {exc}")
            continue
        if read > file_date:
            errors.append(f"models[{key!r}].cost.read {read} is after the file's date {file_date}")
        age = (today - read).days
        if age > max_age:
            stale.append(f"{key}: price read {read} ({age} days ago) from {source}")
    return errors, stale


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", default=str(BUNDLED), help="the table file")
    parser.add_argument("--max-age", type=int, default=90, metavar="DAYS", help="stale after")
    parser.add_argument("--fail-stale", action="store_true", help="exit 1 on a stale price")
    parser.add_argument("--today", help="the date to measure ages from (default: today)")
    args = parser.parse_args(argv)
    today = _date(args.today) if args.today else datetime.date.today()
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"{args.file}: cannot be read: {exc}", file=sys.stderr)
        return 1
    errors, stale = check(data, today, args.max_age)
    for line in errors:
        print(f"error: {line}")
    for line in stale:
        print(f"stale: {line}")
    priced = sum(1 for e in data["models"].values() if isinstance(e, dict) and e.get("cost"))
    providers = data.get("providers")
    listed = f", {len(providers)} providers" if isinstance(providers, dict) else ""
    print(
        f"{args.file}: {len(data['models'])} models, {priced} priced{listed}, "
        f"dated {data.get('date')}; "
        f"{len(errors)} errors, {len(stale)} stale (older than {args.max_age} days)"
    )
    return 1 if errors or (stale and args.fail_stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
