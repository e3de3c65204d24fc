"""``CompactionNative``: the provider's own server-side compaction (``Model.compact``).

OpenAI's Responses API compacts through ``POST /v1/responses/compact``;
a provider without a compaction API raises ``NotImplementedError`` (as in
Inspect), which ``CompactionAuto`` answers with a summary instead.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Tuple, Union

from ..messages import ChatMessage
from ._types import CompactionStrategy

__all__ = ["CompactionNative"]

logger = logging.getLogger("modelkit")


class CompactionNative(CompactionStrategy):
    """Compaction by the provider's API; the compacted part is opaque (encrypted).

    Only system messages of the prefix are put back: the provider keeps
    the user's messages itself, or encodes them in its compaction item.

    Args:
        threshold: a token count, or a share of the context window.
        instructions: more instructions for the provider's compaction.
        memory: warn the model to save notes first (default ``False``).
    """

    def __init__(
        self,
        threshold: Union[int, float] = 0.9,
        instructions: Optional[str] = None,
        memory: bool = False,
    ) -> None:
        super().__init__(type="summary", threshold=threshold, memory=memory)
        self._instructions = instructions
        self._suggest_auto = True

    @property
    def preserve_prefix(self) -> bool:
        """``False``: only the prefix's system messages are put back."""
        return False

    def _repr_params_(self) -> Dict[str, Any]:
        return {**super()._repr_params_(), "instructions": self._instructions}

    def compact(
        self, model: Any, messages: List[ChatMessage], tools: List[Any]
    ) -> Tuple[List[ChatMessage], None]:
        """The provider's compacted conversation, and no message to append.

        Raises:
            NotImplementedError: the provider (or this model) has no native compaction.
        """
        try:
            compacted, _ = model.compact(messages, tools, self._instructions)
        except NotImplementedError as error:
            message = str(error)
            try:
                message += f" Messages input had {model.count_tokens(messages):,} tokens."
            except Exception as count_error:
                logger.warning("modelkit: could not count tokens: %s", count_error)
            if self._suggest_auto:
                message += (
                    " Use CompactionAuto to fall back to CompactionSummary where native "
                    "compaction is not available."
                )
            raise NotImplementedError(message) from error
        return list(compacted), None
