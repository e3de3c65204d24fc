"""The model table: the bundled ``model_info.json``, a user file, and registrations.

Nothing is read until a lookup needs it; then, once per process, the
bundled file and the file named by ``$MODELKIT_MODEL_INFO`` (the same
shape; its entries extend or replace the bundled ones). ``set_model_info``
and ``set_model_cost`` register entries over both. A name is looked up as
given (``provider/model``), then case-insensitively, then through the
entries' ``aliases``, then without a dated snapshot suffix
(``-20251001``, ``-2025-11-13``); a bare model name matches when exactly
one provider lists it. Nothing here reaches the network.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from ..errors import ConfigError

if TYPE_CHECKING:  # (built by the first entry parsed: a first call of a model
    # the table does not list builds neither class)
    from ._types import ModelCost, ModelInfo

__all__ = [
    "ENV_VAR",
    "batch_discount",
    "clear_model_info_cache",
    "cost_for",
    "get_model_info",
    "prices_date",
    "set_model_cost",
    "set_model_info",
]

ENV_VAR = "MODELKIT_MODEL_INFO"
"""Names a JSON file shaped like the bundled one whose models extend or override it."""

BUNDLED = Path(__file__).with_name("model_info.json")

# Keys that record where a fact came from; not ModelInfo/ModelCost fields.
PROVENANCE = ("aliases", "source", "read", "note")

_SNAPSHOT = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")

_lock = threading.RLock()
_table: Optional[_Table] = None
_custom: Dict[str, ModelInfo] = {}
_memo: Dict[str, Optional[ModelInfo]] = {}
_UNKNOWN: Any = object()  # not in _memo yet


class _Table:
    """The parsed files: models by key, aliases, batch discounts, the date.

    The bundled file's entries become ``ModelInfo`` when first looked up
    (``pending`` until then: a first call prices one model, not all of them;
    ``tests/info/test_model_table.py`` parses every one); a user file's are
    parsed when it is read, so that a malformed entry is reported at once.
    """

    def __init__(self) -> None:
        self.date = ""
        self.models: Dict[str, ModelInfo] = {}
        self.pending: Dict[str, Tuple[Any, str]] = {}
        self.aliases: Dict[str, str] = {}
        self.discounts: Dict[str, float] = {}
        self.lower: Dict[str, str] = {}

    def add_file(self, path: Path, lazily: bool = False) -> None:
        import json

        from .._json import loads

        try:  # the bundled file is ours: plain json (no depth walk over its 44 KB)
            data = json.loads(path.read_bytes()) if lazily else loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"model info file {str(path)!r} cannot be read: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("models", {}), dict):
            raise ConfigError(
                f"model info file {str(path)!r}: a JSON object with a 'models' object is needed"
            )
        self.date = str(data.get("date") or self.date)
        for key, entry in data.get("models", {}).items():
            if lazily:
                aliases = entry_aliases(key, entry, str(path))
                self.pending[key] = (entry, str(path))
                self.models.pop(key, None)
            else:
                info, aliases = parse_entry(key, entry, str(path))
                self.models[key] = info
                self.pending.pop(key, None)
            for alias in aliases:
                self.aliases[alias] = key
        for provider, entry in (data.get("batch_discounts") or {}).items():
            self.discounts[provider] = parse_discount(provider, entry, str(path))
        self.lower = {key.lower(): key for key in [*self.keys(), *self.aliases]}

    def keys(self) -> List[str]:
        """Every model key, parsed or not."""
        return [*self.models, *self.pending]

    def get(self, key: str) -> Optional[ModelInfo]:
        """The ``ModelInfo`` of ``key``, parsing its entry on first use (under ``_lock``)."""
        info = self.models.get(key)
        if info is None and key in self.pending:
            entry, where = self.pending.pop(key)
            info = self.models[key] = parse_entry(key, entry, where)[0]
        return info

    def find(self, name: str) -> Optional[ModelInfo]:
        key = self.aliases.get(name, name)
        found = self.get(key)
        if found is not None:
            return found
        lowered = self.lower.get(name.lower())
        if lowered is not None:
            return self.get(self.aliases.get(lowered, lowered))
        return None


def parse_entry(key: str, entry: Any, where: str) -> Tuple[ModelInfo, List[str]]:
    """One ``models`` entry as a ``ModelInfo`` and its aliases.

    Raises:
        ConfigError: the entry is not shaped as ``ModelInfo`` (naming ``where``).
    """
    if "/" not in key or not isinstance(entry, dict):
        raise ConfigError(
            f"{where}: models[{key!r}]: keys are 'provider/model' and values JSON objects"
        )
    from ._types import ModelInfo

    fields = {k: v for k, v in entry.items() if k not in PROVENANCE}
    cost = fields.get("cost")
    if isinstance(cost, dict):
        fields["cost"] = strip_provenance(cost)
    try:
        info = ModelInfo.from_dict(fields)
    except (ConfigError, TypeError) as exc:
        raise ConfigError(f"{where}: models[{key!r}]: {exc}") from exc
    return info, entry_aliases(key, entry, where)


def entry_aliases(key: str, entry: Any, where: str) -> List[str]:
    """The ``aliases`` of a ``models`` entry (checked: a list of names)."""
    if "/" not in key or not isinstance(entry, dict):
        raise ConfigError(
            f"{where}: models[{key!r}]: keys are 'provider/model' and values JSON objects"
        )
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ConfigError(f"{where}: models[{key!r}].aliases: a list of names is needed")
    return list(aliases)


def strip_provenance(cost: Mapping[str, Any]) -> Dict[str, Any]:
    """A cost entry without its source notes (also inside its long-prompt tier)."""
    out = {k: v for k, v in cost.items() if k not in PROVENANCE}
    if isinstance(out.get("long_prompt"), dict):
        out["long_prompt"] = strip_provenance(out["long_prompt"])
    return out


def parse_discount(provider: str, entry: Any, where: str) -> float:
    """A ``batch_discounts`` entry's fraction off (0.5 for half price)."""
    value = entry.get("discount") if isinstance(entry, dict) else entry
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(
            f"{where}: batch_discounts[{provider!r}]: a discount between 0 and 1 is needed"
        )
    return float(value)


def _loaded() -> _Table:
    global _table
    table = _table
    if table is None:
        with _lock:
            if _table is None:
                fresh = _Table()
                fresh.add_file(BUNDLED, lazily=True)
                user = os.environ.get(ENV_VAR)
                if user:
                    fresh.add_file(Path(user).expanduser())
                _table = fresh
            table = _table
    return table


def _name_of(model: Any) -> str:
    if isinstance(model, str):
        return model
    api = getattr(model, "api", None)
    if api is not None and getattr(api, "provider", None):
        return f"{api.provider}/{api.model_name}"
    raise ConfigError(f"a model name 'provider/model' or a Model is needed, got {model!r}")


def _resolve(name: str) -> Optional[ModelInfo]:
    if name in _custom:
        return _custom[name]
    table = _loaded()
    found = table.find(name)
    if found is None:
        undated = _SNAPSHOT.sub("", name)
        if undated != name:
            found = _custom.get(undated) or table.find(undated)
    if found is None and "/" not in name:
        matches = [k for k in table.keys() if k.split("/", 1)[1].lower() == name.lower()]
        if len(matches) == 1:
            found = table.get(matches[0])
    return found


def get_model_info(model: Any) -> Optional[ModelInfo]:
    """What is known about ``model``: a ``Model`` or a ``"provider/model"`` name.

    Returns:
        Its ``ModelInfo`` (``cost`` ``None`` when its price is unknown), or
        ``None`` when the table does not list it.

    Raises:
        ConfigError: the bundled file or ``$MODELKIT_MODEL_INFO`` is malformed.
    """
    name = _name_of(model)
    try:
        return _memo[name]
    except KeyError:
        pass
    with _lock:
        found = _resolve(name)
        _memo[name] = found
    return found


def cost_for(provider: str, model: str) -> Optional[ModelCost]:
    """The prices of ``provider/model``, or ``None`` when unknown (memoised: every call asks)."""
    name = f"{provider}/{model}"
    info = _memo.get(name, _UNKNOWN)
    if info is _UNKNOWN:
        info = get_model_info(name)
    return None if info is None else info.cost


def set_model_info(model: str, info: ModelInfo) -> None:
    """Register ``info`` for ``model`` (``"provider/model"``), over the table.

    Raises:
        ConfigError: ``info`` is not a ``ModelInfo``.
    """
    from ._types import ModelInfo

    if not isinstance(info, ModelInfo):
        raise ConfigError(f"set_model_info: a ModelInfo is needed, got {type(info).__name__}")
    with _lock:
        _custom[_name_of(model)] = info
        _memo.clear()


def set_model_cost(model: str, cost: ModelCost) -> None:
    """Set the prices of a model the table (or ``set_model_info``) knows.

    Raises:
        ConfigError: the model is not known (use ``set_model_info`` with a
            ``ModelInfo`` that has a ``cost``), or ``cost`` is not a ``ModelCost``.
    """
    import attrs

    from ._types import ModelCost

    if not isinstance(cost, ModelCost):
        raise ConfigError(f"set_model_cost: a ModelCost is needed, got {type(cost).__name__}")
    name = _name_of(model)
    with _lock:
        info = _resolve(name)
        if info is None:
            raise ConfigError(
                f"model {name!r} is not in the model table; register it with "
                "set_model_info(name, ModelInfo(cost=ModelCost(...)))"
            )
        _custom[name] = attrs.evolve(info, cost=cost)
        _memo.clear()


def batch_discount(provider: str) -> float:
    """The fraction a provider's batch API takes off (0.0 when none is known)."""
    return _loaded().discounts.get(provider, 0.0)


def prices_date() -> str:
    """The date (``YYYY-MM-DD``) the table's prices were last read from the providers."""
    return _loaded().date


def clear_model_info_cache() -> None:
    """Forget registrations and the files read (they are read again on next use)."""
    global _table
    with _lock:
        _table = None
        _custom.clear()
        _memo.clear()
