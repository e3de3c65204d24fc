"""What a ``token_limit`` meters: ``"all"``, ``"output"`` or an arithmetic formula.

A formula (Inspect's ``type="(input * 0.1) + output"``) is parsed with
``ast`` and checked against a whitelist before it is ever evaluated:
numbers, the names ``input`` and ``output``, ``+ - * /``, parentheses and
unary ``+``/``-``. Nothing else is accepted (no calls, attributes,
subscripts, comparisons, ``**``, other names), and evaluation walks the
checked tree itself, so no text a user passes is ever run as code. In a
formula ``input`` is the true prompt size (input tokens plus cache reads
and writes) and ``output`` the output tokens (reasoning included).

A formula is evaluated over the block's running totals, as Inspect's is,
and floored. One whose value is a constant plus a multiple of each name
(``affine``: no name multiplied by a name, no name in a divisor) can also be
summed call by call, which is what a count shared by name (in Redis) keeps.
Evaluation never raises once a formula is accepted: a division by zero or a
value that is not finite meters ``MAX_AMOUNT``, so the limit stops the block.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import TYPE_CHECKING, Callable, Dict, Optional, Sequence, Tuple, Type, cast

from ..errors import ConfigError

if TYPE_CHECKING:
    from typing_extensions import TypeGuard

    from ..output import ModelUsage

__all__ = ["MAX_AMOUNT", "Metering", "Parts"]

MAX_AMOUNT = 1e15
"""The most one call records (tokens or dollars): past any limit, still a finite number."""

MAX_FORMULA = 500
"""The longest formula accepted (characters), so parsing and evaluating stay shallow."""

NAMES = ("input", "output")
"""The names a formula may use."""

Parts = Tuple[float, float, float]
"""A usage as a formula sees it: (true input, output, total) tokens."""

_BINARY: Dict[Type[ast.operator], Tuple[str, Callable[[float, float], float]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
}
_UNARY: Dict[Type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _bad(formula: str, what: str) -> ConfigError:
    return ConfigError(
        f"token_limit type {formula!r}: {what}. A formula may use numbers, 'input' "
        "(prompt tokens, cached included), 'output' (output tokens), + - * / and "
        "parentheses, e.g. '(input * 0.1) + output'; or use type 'all' or 'output'"
    )


def _degree(node: ast.AST, formula: str) -> Optional[int]:
    """Check ``node``; its degree in the names (0 or 1; ``None``: not affine)."""
    if isinstance(node, ast.Expression):
        return _degree(node.body, formula)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _degree(node.left, formula), _degree(node.right, formula)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Mult):
            return None if left and right else left + right
        if isinstance(node.op, ast.Div):
            return None if right else left
        return max(left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _degree(node.operand, formula)
    if isinstance(node, ast.Constant) and _is_number(node.value):
        if not math.isfinite(node.value):
            raise _bad(formula, f"the number {node.value!r} is not finite")
        return 0
    if isinstance(node, ast.Name):
        if node.id not in NAMES:
            raise _bad(formula, f"unknown name {node.id!r} (only 'input' and 'output')")
        return 1
    if isinstance(node, ast.BinOp):
        raise _bad(formula, f"the operator in {_source(formula, node)!r} is not allowed")
    raise _bad(formula, f"{_source(formula, node)!r} is not allowed")


def _is_number(value: object) -> TypeGuard[float]:
    return type(value) in (int, float)


def _source(formula: str, node: ast.AST) -> str:
    return ast.get_source_segment(formula, node) or type(node).__name__


def _evaluate(node: ast.AST, input: float, output: float) -> float:
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)][1](
            _evaluate(node.left, input, output), _evaluate(node.right, input, output)
        )
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, input, output))
    if isinstance(node, ast.Constant):
        return float(cast(float, node.value))
    return input if node.id == "input" else output  # type: ignore[attr-defined]


def _part(value: Optional[int]) -> float:
    """A usage count as metered: 0 when missing or negative, at most ``MAX_AMOUNT``."""
    if not value or not value > 0:
        return 0.0
    return min(float(value), MAX_AMOUNT)


class Metering:
    """How one ``token_limit`` type turns usage into the tokens it counts.

    Raises:
        ConfigError: ``type`` is neither ``"all"``, ``"output"`` nor an accepted
            formula, or the formula divides by zero before any token is used.
    """

    def __init__(self, type: str) -> None:
        if not isinstance(type, str):
            raise ConfigError(f"token_limit type must be a string, got {type!r}")
        self.type = type
        self._tree: Optional[ast.expr] = None
        self.affine = True
        if type not in ("all", "output"):
            self._compile(type)
        self.base = self._raw((0.0, 0.0, 0.0))
        if not math.isfinite(self.base):
            raise _bad(type, "it divides by zero (or is not finite) before any token is used")

    def _compile(self, formula: str) -> None:
        formula = formula.strip()
        if len(formula) > MAX_FORMULA:
            raise _bad(formula[:40] + "...", f"it is longer than {MAX_FORMULA} characters")
        try:
            tree = ast.parse(formula, mode="eval")
        except SyntaxError as exc:
            raise _bad(formula, f"it is not an arithmetic expression ({exc.msg})") from None
        except (ValueError, RecursionError, MemoryError):  # a NUL byte; nesting too deep
            raise _bad(formula, "it is not an arithmetic expression") from None
        self.affine = _degree(tree, formula) is not None
        self._tree = tree.body

    @property
    def key(self) -> str:
        """The type as a shared count's key names it (a formula without spaces)."""
        return "".join(self.type.split())

    @staticmethod
    def parts(usage: ModelUsage) -> Parts:
        """``usage`` as the metering reads it: (true input, output, total) tokens."""
        input = (
            _part(usage.input_tokens)
            + _part(usage.input_tokens_cache_read)
            + _part(usage.input_tokens_cache_write)
        )
        return min(input, MAX_AMOUNT), _part(usage.output_tokens), _part(usage.total_tokens)

    def _raw(self, parts: Sequence[float]) -> float:
        if self._tree is None:
            return parts[2] if self.type == "all" else parts[1]
        try:
            value = _evaluate(self._tree, parts[0], parts[1])
        except ZeroDivisionError:
            return math.inf
        except OverflowError:  # pragma: no cover - float arithmetic gives inf instead
            return math.inf
        return value

    def amount(self, parts: Sequence[float]) -> float:
        """The metered value of ``parts`` over what no usage meters (``base``),
        between ``-MAX_AMOUNT`` and ``MAX_AMOUNT`` (not finite: ``MAX_AMOUNT``)."""
        value = self._raw(parts)
        if not math.isfinite(value):
            return MAX_AMOUNT
        return max(-MAX_AMOUNT, min(value - self.base, MAX_AMOUNT))

    def tokens(self, amount: float) -> int:
        """The whole tokens metered, from a sum of ``amount``s (floored, as Inspect's;
        rounded to 1e-6 first, so a float sum's last-digit error does not cost a token)."""
        return math.floor(round(self.base + amount, 6))
