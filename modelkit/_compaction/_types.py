"""``CompactionStrategy`` (what each strategy implements), ``CompactionResult`` and ``Compact``.

A strategy's ``compact(model, messages, tools)`` returns the input to send
and, optionally, a message to append to the history (a summary). An
``async def compact`` (a strategy ported from Inspect as it is) is run to
completion. ``threshold`` is a token count (an ``int``, or a number above
1) or a share of the model's context window (a ``float`` up to 1).
"""

from __future__ import annotations

import abc
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    List,
    Literal,
    NamedTuple,
    Optional,
    Protocol,
    Tuple,
    Union,
)

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..messages import ChatMessage, ChatMessageUser
    from ..output import ModelOutput
    from ..tools._types import ToolInfo

__all__ = ["Compact", "CompactionResult", "CompactionStrategy"]


class CompactionResult(NamedTuple):
    """What one ``compact`` produced, and which strategy produced it.

    Args:
        input: the input to present to the model.
        message: a message to append to the history (e.g. a summary), or ``None``.
        preserve_prefix: the producing strategy's ``preserve_prefix``.
        applied: the class name of the strategy that produced ``input``.
        fallback_reason: why a delegating strategy did not use its first choice.
    """

    input: List[ChatMessage]
    message: Optional[ChatMessageUser]
    preserve_prefix: bool
    applied: str
    fallback_reason: Optional[str] = None


class CompactionStrategy(abc.ABC):
    """A way to make a conversation smaller (Inspect's ``CompactionStrategy``).

    Args:
        type: ``"summary"``, ``"edit"`` or ``"trim"``.
        threshold: a token count, or a share (up to 1.0) of the context
            window, past which the handler compacts.
        memory: before compacting, warn the model to save what matters
            with the ``memory`` tool (when it has one).
    """

    def __init__(
        self,
        *,
        type: Literal["summary", "edit", "trim"],
        threshold: Union[int, float] = 0.9,
        memory: bool = True,
    ) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ConfigError(f"threshold must be a number, got {threshold!r}")
        if not threshold > 0:
            raise ConfigError(f"threshold must be above 0, got {threshold!r}")
        self.type = type
        self.threshold = threshold
        self._memory = memory

    @property
    def memory(self) -> bool:
        """Whether to warn the model to save content to memory before compaction."""
        return self._memory

    @property
    def preserve_prefix(self) -> bool:
        """Whether the handler puts the prefix messages back into the compacted input.

        ``True`` by default; native compaction keeps only system messages
        (the provider keeps or encodes the rest).
        """
        return True

    def _repr_params_(self) -> Dict[str, Any]:
        return {"type": self.type, "threshold": self.threshold, "memory": self.memory}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._repr_params_().items())
        return f"{type(self).__name__}({params})"

    @abc.abstractmethod
    def compact(
        self, model: Any, messages: List[ChatMessage], tools: List[ToolInfo]
    ) -> Tuple[List[ChatMessage], Optional[ChatMessageUser]]:
        """Compact ``messages`` for ``model``.

        Returns:
            The input to present to the model, and a message to append to
            the history (or ``None``).
        """

    def compact_outcome(
        self, model: Any, messages: List[ChatMessage], tools: List[ToolInfo]
    ) -> CompactionResult:
        """``compact``, with the strategy that ran (delegating strategies name theirs)."""
        from .._engine.pool import resolve

        input, message = resolve(self.compact(model, messages, tools))
        return CompactionResult(
            input=list(input),
            message=message,
            preserve_prefix=self.preserve_prefix,
            applied=type(self).__name__,
        )


class Compact(Protocol):
    """What ``compaction()`` returns (Inspect's ``Compact``, synchronous)."""

    def compact_input(
        self, messages: List[ChatMessage], force: bool = False
    ) -> Tuple[List[ChatMessage], Optional[ChatMessageUser]]:
        """The input to send for the history ``messages``, and a message to append to it.

        Args:
            messages: the whole history so far.
            force: compact now, whatever the token count (e.g. after the
                API said the input is too long).
        """
        ...

    def record_output(self, input: List[ChatMessage], output: ModelOutput) -> None:
        """Note what ``input`` cost in tokens (``output.usage``), for the next decision."""
        ...
