"""Model facts and prices: ``ModelInfo``, ``ModelCost``, ``compute_model_cost``.

Owns the bundled ``model_info.json`` (each price with the provider page it
was read from and the date it was read; ``PRICES_DATE`` is the file's
date), the user file ``$MODELKIT_MODEL_INFO``, registrations
(``set_model_info``, ``set_model_cost``) and the cost of a call
(``compute_model_cost``, the batch discount). The JSON is read on the
first lookup, never at import, and nothing fetches prices at run time.
May import the shared types (``output``, ``errors``, ``_serde``, ``_json``);
the engine, batch and ``Model`` import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._lazy import lazy_exports
from ._cost import CACHE_WRITE_1H_MULTIPLIER, compute_model_cost
from ._table import (
    ENV_VAR,
    clear_model_info_cache,
    get_model_info,
    prices_date,
    set_model_cost,
    set_model_info,
)

if TYPE_CHECKING:
    from ._types import ModelCost, ModelInfo, PeakHours

__all__ = [
    "CACHE_WRITE_1H_MULTIPLIER",
    "ENV_VAR",
    "PRICES_DATE",
    "ModelCost",
    "ModelInfo",
    "PeakHours",
    "clear_model_info_cache",
    "compute_model_cost",
    "get_model_info",
    "set_model_cost",
    "set_model_info",
]


_type_exports = lazy_exports(
    __name__, {name: "._types" for name in ("ModelCost", "ModelInfo", "PeakHours")}
)


def __getattr__(name: str) -> Any:
    # PRICES_DATE reads the bundled file, so only when asked for; the types are
    # built when first used (a first call of a model the table does not price
    # builds none of them: docs/engine.md, cold start).
    if name == "PRICES_DATE":
        return prices_date()
    return _type_exports(name)
