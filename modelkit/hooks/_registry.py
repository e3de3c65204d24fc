"""``@hooks``: the registry of model hooks.

``@hooks(name, description)`` makes one instance of the class and keeps it
under ``name`` (registering a name again replaces its hooks). The first
registration installs the emitter (``_emit``) as an engine observer and, if
a hook overrides ``override_api_key``, the API-key seam of ``modelkit.api``;
with no hooks registered neither is installed and calls pay nothing for hooks.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Type, TypeVar, Union, cast

from . import _emit
from ._hooks import Hooks

__all__ = ["hooks", "registered_hooks", "unregister_hooks"]

T = TypeVar("T", bound=Hooks)

_registry: Dict[str, Hooks] = {}
_descriptions: Dict[str, str] = {}
_lock = threading.Lock()


def hooks(name: str, description: str) -> Callable[..., Type[T]]:
    """Register a ``Hooks`` subclass: one instance of it runs for every call.

    Decorate the class, or (as Inspect allows) a function returning it, which
    is called now (so the class can be imported lazily).

    Args:
        name: the hooks' unique name (registering it again replaces them).
        description: what they do (shown by ``registered_hooks``).

    Raises:
        ConfigError: what is decorated is not a ``Hooks`` subclass nor a
            function returning one.
    """

    def register(target: Union[Type[T], Callable[[], Type[T]]]) -> Type[T]:
        from ..errors import ConfigError

        cls: Any = target if isinstance(target, type) or not callable(target) else target()
        if not (isinstance(cls, type) and issubclass(cls, Hooks)):
            raise ConfigError(
                f"@hooks({name!r}) decorates a Hooks subclass (or a function returning "
                f"one), got {cls!r}; write `class MyHooks(Hooks): ...`"
            )
        instance = cls()
        _install(name, instance, description)
        return cast("Type[T]", cls)

    return register


def registered_hooks() -> Dict[str, str]:
    """The registered hooks' names, each with its description."""
    return {name: _descriptions.get(name, "") for name, _ in _emit.snapshot}


def unregister_hooks(name: str) -> None:
    """Remove the hooks registered under ``name`` (no error if there are none)."""
    with _lock:
        _registry.pop(name, None)
        _descriptions.pop(name, None)
        _refresh()


def _install(name: str, instance: Hooks, description: str) -> None:
    with _lock:
        _registry[name] = instance
        _descriptions[name] = description
        _refresh()


def _refresh() -> None:
    _emit.publish(tuple(_registry.items()))
