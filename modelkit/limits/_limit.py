"""``Limit`` and ``cost_limit``: Inspect's usage limits, as context managers.

A limit is a node in a tree held by a ``contextvars.ContextVar``: entering
one makes it the leaf, its parent the limit that was the leaf before, so
limits nest and a thread started in a copy of the context (``generate_many``,
``generate_async``, the tool and stream threads, and, through ``_threads``,
any ``Thread`` or ``ThreadPoolExecutor`` work started inside a block)
counts into the same nodes.
A call's usage is recorded into the leaf and every ancestor; checks go from
the root to the leaf, so when several are exceeded at once the outermost
raises (as Inspect's do).

``_token`` holds ``token_limit`` (a ``Limit`` metering tokens). Each
node's count is this process's, or, for a limit given a ``name`` while
``$MODELKIT_LIMITS_URL`` names a Redis server, the fleet's (``_shared``).
Counts are kept under one lock; the worst case is a check racing a record
in another thread, which sees the count just before or just after it.
"""

from __future__ import annotations

import contextlib
import math
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Iterator, List, Optional, Type, cast

from ..errors import ConfigError, LimitExceededError
from ._formula import MAX_AMOUNT
from ._trees import Node, Tree, cost_tree, token_suspended, token_tree

if TYPE_CHECKING:
    from ..output import ModelUsage
    from ._shared import SharedCount

__all__ = [
    "Limit",
    "LimitScope",
    "apply_limits",
    "cost_limit",
    "cost_tree",
    "suspend_token_limit",
    "token_suspended",
    "token_tree",
]

_lock = threading.Lock()


class Limit:
    """Base class of the limit context managers (``token_limit``, ``cost_limit``).

    ``limit`` is the limit (``None``: unlimited; settable, never checked on
    setting), ``usage`` what was used while the block was open, and
    ``remaining`` their difference (``None`` when unlimited).
    """

    kind = ""
    parent: Optional[Limit] = None

    def __init__(self, limit: Optional[float], name: Optional[str]) -> None:
        self._validate(limit)
        self._limit = limit
        self._used = 0.0
        self._entered = False
        self.name = name
        self._shared: Optional[SharedCount] = None

    @property
    def limit(self) -> Optional[float]:
        """The limit in force (``None``: unlimited)."""
        return self._limit

    @limit.setter
    def limit(self, value: Optional[float]) -> None:
        self._validate(value)
        self._limit = value

    @property
    def usage(self) -> float:
        """What was used: in this block, or under ``name`` across the fleet when shared."""
        return self._value(False)

    def _usage(self, recent: bool) -> float:
        shared = self._shared
        if shared is not None:
            total = shared.read(recent)
            if total is not None:
                return total
        with _lock:
            return self._used

    @property
    def remaining(self) -> Optional[float]:
        """``limit - usage`` (``None`` when unlimited)."""
        return None if self._limit is None else self._limit - self.usage

    def __enter__(self) -> Limit:
        if self._entered:
            raise RuntimeError(
                "Each Limit may only be used once in a single 'with' block. Please "
                "create a new instance of the Limit."
            )
        self._entered = True
        if self.name is not None:
            from ._shared import shared_count

            self._shared = shared_count(self.kind_key(), self.name)
        from . import _observer, _threads

        _threads.install()
        _observer.entered()
        self.parent = cast(Optional[Limit], self._tree().push(self))
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Optional[TracebackType],
    ) -> None:
        from . import _observer

        try:
            popped = self._tree().pop()
        finally:
            _observer.exited()
        if popped is not cast("Node", self):
            raise RuntimeError(
                "The limit context manager being closed is not the leaf node in the "
                "tree. Make sure to open and close the context managers in a "
                "stack-like manner using a `with` statement."
            )

    def record(self, usage: ModelUsage) -> None:
        """Record a call's ``usage`` in this limit and every limit around it, each
        metering what it counts."""
        node: Optional[Limit] = self
        while node is not None:
            node._record_self(usage)
            node = node.parent

    def _record_self(self, usage: ModelUsage) -> None:
        """Record what this limit meters of ``usage``.

        A count a server made negative or ``nan`` is never a credit (nothing is
        recorded); one past ``MAX_AMOUNT`` is recorded as ``MAX_AMOUNT``.
        """
        amount = self.metered(usage)
        if not amount > 0:
            return
        amount = min(float(amount), MAX_AMOUNT)
        with _lock:
            self._used += amount
        if self._shared is not None:
            self._shared.add(amount)

    def check(self, raise_for_equal: bool = False, recent: bool = False) -> None:
        """Raise ``LimitExceededError`` if this limit or one around it is exceeded
        (or reached, with ``raise_for_equal``), the outermost first.

        With ``recent``, a shared count is the total this thread's last ``add``
        brought it to, when it has one (no second round trip to Redis).
        """
        chain: List[Limit] = []
        node: Optional[Limit] = self
        while node is not None:
            chain.append(node)
            node = node.parent
        for node in reversed(chain):
            node._check_self(raise_for_equal, recent)

    def _check_self(self, raise_for_equal: bool, recent: bool) -> None:
        limit = self._limit
        if limit is None:
            return
        value = self._value(recent)
        if value > limit or (raise_for_equal and value >= limit):
            status = "reached" if value == limit else "exceeded"
            raise LimitExceededError(
                self.kind,
                value=self._shown(value),
                limit=limit,
                message=self._message(status, value, limit),
                source=self,
            )

    def kind_key(self) -> str:
        """What this limit counts, as the shared count's key names it."""
        return self.kind

    def metered(self, usage: ModelUsage) -> float:
        """What of ``usage`` this limit counts (a cost limit: its dollars, or 0)."""
        return usage.total_cost or 0.0

    def _value(self, recent: bool) -> float:
        """The usage compared with the limit."""
        return self._usage(recent)

    def _shown(self, value: float) -> float:
        return value

    def _message(self, status: str, value: float, limit: float) -> str:
        raise NotImplementedError

    def _tree(self) -> Tree:
        raise NotImplementedError

    def _validate(self, value: Optional[float]) -> None:
        raise NotImplementedError


class _CostLimit(Limit):
    kind = "cost"

    def _message(self, status: str, value: float, limit: float) -> str:
        return f"Cost limit {status}. value: ${value:,.4f}; limit: ${limit:,.4f}"

    def _tree(self) -> Tree:
        return cost_tree

    def _validate(self, value: Optional[float]) -> None:
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not value >= 0
            or math.isinf(value)
        ):
            raise ConfigError(
                f"Cost limit value must be a non-negative number of dollars or None: {value!r}"
            )


def cost_limit(limit: Optional[float], *, name: Optional[str] = None) -> Limit:
    """Limit the dollars that generations inside the block may cost.

    Counts as ``token_limit`` does, each call's ``usage.total_cost`` (from
    the model table; a call to a model without a price counts nothing, and
    is logged once per model).

    Args:
        limit: the most dollars the block may spend (``None``: no limit).
        name: share the count across processes, as for ``token_limit``.

    Raises:
        ConfigError: a negative or non-numeric limit.
    """
    return _CostLimit(limit, name)


@contextlib.contextmanager
def suspend_token_limit() -> Iterator[None]:
    """Inside the block, tokens are not counted against any ``token_limit`` (nor checked)."""
    token = token_suspended.set(token_suspended.get() + 1)
    try:
        yield
    finally:
        token_suspended.reset(token)


class LimitScope:
    """What ``apply_limits`` yields: ``limit_error`` is the error one of its limits
    raised, if any."""

    def __init__(self) -> None:
        self.limit_error: Optional[LimitExceededError] = None


@contextlib.contextmanager
def apply_limits(limits: List[Limit], catch_errors: bool = False) -> Iterator[LimitScope]:
    """Enter ``limits`` for the block.

    Args:
        limits: the limits to apply.
        catch_errors: keep a ``LimitExceededError`` raised by one of ``limits``
            in the scope's ``limit_error`` instead of raising it (another
            limit's error always propagates).
    """
    scope = LimitScope()
    try:
        with contextlib.ExitStack() as stack:
            for limit in limits:
                stack.enter_context(limit)
            yield scope
    except LimitExceededError as error:
        if error.source is None or not any(error.source is limit for limit in limits):
            raise
        scope.limit_error = error
        if not catch_errors:
            raise
