"""``token_limit``, ``TokenLimit`` and the token-limit helpers, as Inspect's.

A token limit meters each call's usage through its type (``_formula``):
``"all"`` counts ``total_tokens``, ``"output"`` ``output_tokens``, and a
formula over ``input`` and ``output`` is evaluated over the block's running
totals and floored, as Inspect evaluates it. A limit given a ``name`` keeps
its count in a shared count instead, which sums each call's metered value
(so only a formula that sums call by call, ``Metering.affine``, may be
shared). ``TokenLimit`` is the value form (tokens and type together) and
``parse_token_limit`` reads it from text such as ``"output:500k"``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, List, Optional, Union

import attrs

from .._serde import Serializable
from ..errors import ConfigError
from ._formula import MAX_AMOUNT, Metering
from ._limit import Limit, _lock
from ._trees import Tree, token_tree

if TYPE_CHECKING:
    from ..output import ModelUsage

__all__ = ["TokenLimit", "parse_token_limit", "token_limit", "token_limit_usage"]


def _check_tokens(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"TokenLimit.tokens must be a non-negative integer, got {value!r}")


def _check_type(instance: Any, attribute: Any, value: Any) -> None:
    Metering(value)  # raises ConfigError for a bad type


@attrs.define
class TokenLimit(Serializable):
    """A token limit as a value: how many tokens, and which are metered.

    Args:
        tokens: the most tokens.
        type: ``"all"`` (total tokens), ``"output"`` (output tokens, reasoning
            included) or a formula over ``input`` (the true prompt size, cache
            reads and writes included) and ``output``, e.g.
            ``"(input * 0.1) + output"``, floored to whole tokens.

    Raises:
        ConfigError: negative or non-integer ``tokens``, or a ``type`` that is
            not one of those.
    """

    tokens: int = attrs.field(validator=_check_tokens)
    type: str = attrs.field(default="all", validator=_check_type)


class _TokenLimit(Limit):
    kind = "token"

    def __init__(self, limit: Optional[int], type: str, name: Optional[str]) -> None:
        self._metering = Metering(type)
        if name is not None and not self._metering.affine:
            raise ConfigError(
                f"token_limit type {type!r} cannot be shared by name: a named limit adds up "
                "each call's metered tokens, which this formula (a name multiplied by a name, "
                "or a name in a divisor) does not allow; use a formula such as "
                "'(input * 0.1) + output', or no name"
            )
        self._totals: List[float] = [0.0, 0.0, 0.0]
        super().__init__(limit, name)

    @property
    def type(self) -> str:
        """Which tokens are metered (``"all"``, ``"output"`` or a formula)."""
        return self._metering.type

    def _record_self(self, usage: ModelUsage) -> None:
        metering = self._metering
        parts = metering.parts(usage)
        with _lock:
            totals = self._totals
            for index, part in enumerate(parts):
                totals[index] = min(totals[index] + part, MAX_AMOUNT)
            self._used = metering.amount(totals)
        if self._shared is not None:
            self._shared.add(metering.amount(parts))

    def metered(self, usage: ModelUsage) -> int:
        """The tokens this limit meters of ``usage`` alone."""
        return self._metering.tokens(self._metering.amount(self._metering.parts(usage)))

    def _value(self, recent: bool) -> float:
        return self._metering.tokens(self._usage(recent))

    def kind_key(self) -> str:
        return f"token:{self._metering.key}"

    def _shown(self, value: float) -> float:
        return int(value)

    def _message(self, status: str, value: float, limit: float) -> str:
        numbers = f"value: {int(value):,}; limit: {int(limit):,}"
        if self.type == "all":
            return f"Token limit {status}. {numbers}"
        if self.type == "output":
            return f"Output token limit {status}. {numbers}"
        return f"Token limit {status} ({self.type}). {numbers}"

    def _tree(self) -> Tree:
        return token_tree

    def _validate(self, value: Optional[float]) -> None:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ConfigError(
                f"Token limit value must be a non-negative integer or None: {value!r}"
            )


def token_limit(
    limit: Union[int, TokenLimit, None], type: str = "all", *, name: Optional[str] = None
) -> Limit:
    """Limit the tokens that generations inside the block may use.

    Every generation in the block counts — in any thread it starts (with
    ``threading.Thread``, a ``ThreadPoolExecutor``, ``generate_many``,
    ``generate_async``), streams, ``generate_loop``, provider batch results
    when they are read — except response cache hits. A request is not sent
    once the usage has reached the limit; a response whose usage crosses it
    raises after it is counted. Limits nest: each counts what happens inside
    it, and the outermost one exceeded raises.

    Args:
        limit: the most tokens the block may use (``None``: no limit), or a
            ``TokenLimit`` giving the tokens and the type together.
        type: ``"all"`` (each call's ``total_tokens``), ``"output"``
            (``output_tokens``, reasoning included) or an arithmetic formula
            over ``input`` (prompt tokens, cache reads and writes included)
            and ``output``, e.g. ``"(input * 0.1) + output"``: numbers,
            ``+ - * /`` and parentheses, evaluated over the block's totals and
            floored to whole tokens.
        name: share the count, under this name, with every process and
            machine using it while ``$MODELKIT_LIMITS_URL`` names a Redis
            server (modelkit's; Inspect's limits are per process).

    Raises:
        ConfigError: a negative or non-integer limit, a ``type`` that is
            neither ``"all"``, ``"output"`` nor such a formula (the message
            names the part refused), ``type`` given beside a ``TokenLimit``,
            or a named limit with a formula that does not add up call by call.
    """
    if isinstance(limit, TokenLimit):
        if type != "all":
            raise ConfigError(
                "Pass 'type' via either TokenLimit or the 'type' parameter, not both."
            )
        return _TokenLimit(limit.tokens, limit.type, name)
    return _TokenLimit(limit, type, name)


def token_limit_usage() -> Optional[int]:
    """The tokens the outermost ``token_limit`` in force has metered (its type
    applied), or ``None`` when none is in force or the outermost has no limit."""
    node = token_tree.leaf.get()
    if node is None:
        return None
    while node.parent is not None:
        node = node.parent
    root = node if isinstance(node, Limit) else None
    if root is None or root.limit is None:
        return None
    return int(root.usage)


_COUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmb]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


def parse_token_limit(value: str) -> Union[int, TokenLimit]:
    """Read a token limit written ``[<type>:]<number>[k|m|b]``, as Inspect's.

    ``500000``, ``500k``, ``1.5m``, ``output:1m``, ``(input*0.1)+output:2m``
    (case-insensitive; ``k`` is 1,000, ``m`` 1,000,000, ``b`` 1,000,000,000).

    Returns:
        An ``int`` for a limit on all tokens, else a ``TokenLimit``.

    Raises:
        ConfigError: text not of that form, a count that is not a whole number
            of tokens, or a type ``TokenLimit`` refuses.
    """
    if not isinstance(value, str):
        raise ConfigError(f"a token limit to parse is text, got {value!r}")
    type, _, count = value.rpartition(":")
    type = type.strip() or "all"
    match = _COUNT.match(count)
    if match is None:
        raise ConfigError(
            f"token limit: expected [<type>:]<number>[k|m|b] (e.g. 'output:500k'), got {value!r}"
        )
    number, unit = match.groups()
    scale = _UNITS[unit.lower()]
    whole, _, fraction = number.partition(".")
    tokens = int(whole) * scale
    if fraction:
        digits = int(fraction) * scale
        if digits % 10 ** len(fraction):
            raise ConfigError(f"token limit: must come to a whole number of tokens, got {value!r}")
        tokens += digits // 10 ** len(fraction)
    if type.lower() == "all":
        return tokens
    return TokenLimit(tokens=tokens, type="output" if type.lower() == "output" else type)
