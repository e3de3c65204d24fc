"""Names and modules loaded on first use, for a cheap cold start (issue 24).

``lazy_exports`` makes a module's ``__getattr__`` (PEP 562) that imports a
name from the module that defines it the first time it is asked for, then
keeps it in the module's namespace; ``LazyModule`` stands in for a module in
type hints (``Optional[_config_types.BatchConfig]``), so that
``typing.get_type_hints`` still resolves them, importing the module then.
A module using either also imports the names under ``TYPE_CHECKING`` for
type checkers.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import Any, Callable, Dict

__all__ = ["LazyModule", "lazy_exports"]


class LazyModule:
    """Stands in for the module ``name``, importing it on the first attribute read."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        module: ModuleType = import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_exports(module: str, sources: Dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` serving each name of ``sources`` from its module.

    Args:
        module: the exporting module's ``__name__``.
        sources: exported name to the module defining it, relative to
            ``module``'s package (``"._config_types"``) or absolute.
    """
    namespace = sys.modules[module].__dict__
    package = namespace.get("__package__") or module.rpartition(".")[0]

    def __getattr__(name: str) -> Any:
        source = sources.get(name)
        if source is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(import_module(source, package), name)
        namespace[name] = value
        return value

    return __getattr__
