"""``Record``: the base of modelkit's internal records, plain slotted classes.

The public types (messages, outputs, config, ``ModelInfo`` ...) are attrs
classes. The records modelkit passes between its own layers (a request
on its way to the engine, an HTTP request and response, wire and parse
options, the retry policy) are not: each attrs class costs about 4 M
instructions to build at import (its generated methods compiled, three
``type()`` calls for a slotted class), and a serverless cold start pays
that for every class its first call imports (issue 24, docs/engine.md).

A record declares its ``__slots__`` (its fields, in order) and writes its
own ``__init__``; ``Record`` gives it what attrs did: a repr naming each
field, equality and a hash over the fields, ``replace`` (``attrs.evolve``)
and pickling (``__slots__`` classes pickle by their fields). Records are
not changed after they are made, by convention: ``replace`` makes a new one.
"""

from __future__ import annotations

from typing import Any, Tuple, TypeVar

__all__ = ["Record"]

R = TypeVar("R", bound="Record")


class Record:
    """A plain record: its ``__slots__`` are its fields (the repr lists them in that order)."""

    __slots__: Tuple[str, ...] = ()

    def _values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__qualname__, *self._values()))

    def replace(self: R, **changes: Any) -> R:
        """A copy with ``changes`` (field name to value), as ``attrs.evolve`` makes one.

        Raises:
            TypeError: a change names no field of this record.
        """
        unknown = set(changes) - set(self.__slots__)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        new = object.__new__(type(self))
        for name in self.__slots__:
            object.__setattr__(new, name, changes[name] if name in changes else getattr(self, name))
        return new
