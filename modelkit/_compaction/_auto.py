"""``CompactionAuto``: native compaction where the provider has it, else a summary."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Tuple, Union

from ..messages import ChatMessage, ChatMessageUser
from ._native import CompactionNative
from ._summary import CompactionSummary
from ._types import CompactionResult, CompactionStrategy

__all__ = ["CompactionAuto"]

logger = logging.getLogger("modelkit")


class CompactionAuto(CompactionStrategy):
    """Native compaction first; a summary when the provider has none or it fails.

    Args:
        threshold: a token count, or a share of the context window.
        instructions: more instructions for either kind of compaction.
        memory: warn the model to save notes first; ``"auto"``: only
            before a summary (native compaction keeps what matters itself).
    """

    def __init__(
        self,
        threshold: Union[int, float] = 0.9,
        instructions: Optional[str] = None,
        memory: Union[bool, str] = "auto",
    ) -> None:
        super().__init__(type="summary", threshold=threshold, memory=False)
        self._instructions = instructions
        self._memory_setting = memory
        native_memory = False if memory == "auto" else bool(memory)
        summary_memory = True if memory == "auto" else bool(memory)
        self._native = CompactionNative(threshold, instructions, native_memory)
        self._native._suggest_auto = False
        self._summary = CompactionSummary(
            threshold=threshold, instructions=instructions, memory=summary_memory
        )

    @property
    def memory(self) -> bool:
        """Whether to warn the model to save content to memory before compaction."""
        return True if self._memory_setting == "auto" else bool(self._memory_setting)

    def _repr_params_(self) -> Dict[str, Any]:
        params = super()._repr_params_()
        params.update(instructions=self._instructions, memory=self._memory_setting)
        return params

    def _delegate(
        self, model: Any, messages: List[ChatMessage], tools: List[Any]
    ) -> CompactionResult:
        try:
            return self._native.compact_outcome(model, messages, tools)
        except NotImplementedError as error:
            reason = f"native compaction not supported: {error}"
        except Exception as error:
            logger.warning(
                "modelkit: native compaction failed: %s. Falling back to summary compaction.",
                error,
            )
            reason = f"native compaction failed: {error}"
        outcome = self._summary.compact_outcome(model, messages, tools)
        return outcome._replace(fallback_reason=reason)

    def compact(
        self, model: Any, messages: List[ChatMessage], tools: List[Any]
    ) -> Tuple[List[ChatMessage], Optional[ChatMessageUser]]:
        """Native compaction, else a summary."""
        outcome = self._delegate(model, messages, tools)
        return outcome.input, outcome.message

    def compact_outcome(
        self, model: Any, messages: List[ChatMessage], tools: List[Any]
    ) -> CompactionResult:
        """The delegate's outcome (its ``preserve_prefix`` and name), ``fallback_reason`` set
        when the summary ran; a subclass that overrides ``compact`` is called through it."""
        if type(self).compact is not CompactionAuto.compact:
            return super().compact_outcome(model, messages, tools)
        return self._delegate(model, messages, tools)
