"""``call_tools``: Inspect's older name for running an assistant message's tool calls.

Kept so code written against it runs; it logs once that ``execute_tools``
is the name to use, as Inspect does, and returns only the tool messages.
"""

from __future__ import annotations

import logging
from typing import Any, List, Optional

from ..messages import ChatMessageAssistant, ChatMessageTool
from ._execute import execute_tools

__all__ = ["call_tools"]

logger = logging.getLogger("modelkit")
_warned = False


def call_tools(
    message: ChatMessageAssistant, tools: Any, max_output: Optional[int] = None
) -> List[ChatMessageTool]:
    """Run the tool calls of ``message`` (deprecated: use ``execute_tools``).

    Args:
        message: the assistant message whose calls to run.
        tools: the tools the model may call.
        max_output: bytes of text kept from each result (default 16 KiB).

    Returns:
        One ``ChatMessageTool`` per call, in call order.
    """
    global _warned
    if not _warned:
        _warned = True
        logger.warning("call_tools is deprecated -- please use execute_tools instead")
    messages, _ = execute_tools([message], tools, max_output)
    return [m for m in messages if isinstance(m, ChatMessageTool)]
