"""``CompactionTrim``: keep the system and input messages and the latest share of the rest."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

from .._history import trim_messages
from ..errors import ConfigError
from ._memory import clear_memory_content
from ._types import CompactionStrategy

__all__ = ["CompactionTrim"]


class CompactionTrim(CompactionStrategy):
    """Compaction by trimming the history (``trim_messages``).

    Keeps every system message and the input, then ``preserve`` of the
    remaining messages (the most recent), every tool call still answered
    and no trailing assistant message.

    Args:
        threshold: a token count, or a share of the context window.
        memory: warn the model to save notes first (when it has a ``memory`` tool).
        preserve: the share of the conversation to keep (default 0.8).
    """

    def __init__(
        self,
        *,
        threshold: Union[int, float] = 0.9,
        memory: bool = True,
        preserve: float = 0.8,
    ) -> None:
        super().__init__(type="trim", threshold=threshold, memory=memory)
        if not 0 <= preserve <= 1:
            raise ConfigError(f"preserve must be in range [0,1], got {preserve}")
        self.preserve = preserve

    def _repr_params_(self) -> Dict[str, Any]:
        return {**super()._repr_params_(), "preserve": self.preserve}

    def compact(
        self, model: Any, messages: List[Any], tools: List[Any]
    ) -> Tuple[List[Any], Optional[Any]]:
        """The trimmed history, and no message to append."""
        trimmed = trim_messages(messages, preserve=self.preserve)
        if self.memory:
            trimmed = clear_memory_content(trimmed)
        return trimmed, None
