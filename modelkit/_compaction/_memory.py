"""The ``memory`` tool around compaction: a warning before it, saved content cleared after.

When the model has a tool named ``memory``, the handler warns it (once per
window, at 90% of the threshold) to save notes before the history is
compacted; trimming and editing then replace the content arguments of
its memory calls with a short marker, keeping the rest.
"""

from __future__ import annotations

from typing import List

from ..messages import ChatMessage, ChatMessageAssistant, ChatMessageUser, message_id
from ..tools._types import ToolCall

__all__ = [
    "MEMORY_TOOL",
    "clear_memory_content",
    "has_memory_calls",
    "memory_warning_message",
]

MEMORY_TOOL = "memory"
"""The name of the memory tool."""

MEMORY_CONTENT_ARGS = ("file_text", "insert_text", "new_str")
"""Arguments of memory calls that hold saved content."""

_SAVED = "(content saved to memory)"


def clear_memory_content(messages: List[ChatMessage]) -> List[ChatMessage]:
    """``messages`` with the saved content of memory calls replaced by a marker (copies)."""
    result = list(messages)
    for index, message in enumerate(result):
        if not isinstance(message, ChatMessageAssistant) or not message.tool_calls:
            continue
        calls: List[ToolCall] = []
        changed = False
        for call in message.tool_calls:
            if call.function == MEMORY_TOOL and any(
                a in call.arguments for a in MEMORY_CONTENT_ARGS
            ):
                arguments = {
                    k: _SAVED if k in MEMORY_CONTENT_ARGS else v for k, v in call.arguments.items()
                }
                calls.append(ToolCall(id=call.id, function=call.function, arguments=arguments))
                changed = True
            else:
                calls.append(call)
        if changed:
            result[index] = message.model_copy(update={"id": message_id(), "tool_calls": calls})
    return result


def has_memory_calls(messages: List[ChatMessage]) -> bool:
    """Whether any assistant message called the memory tool."""
    return any(
        isinstance(m, ChatMessageAssistant)
        and any(c.function == MEMORY_TOOL for c in m.tool_calls or [])
        for m in messages
    )


def memory_warning_message() -> ChatMessageUser:
    """The message that asks the model to save notes before compaction."""
    return ChatMessageUser(
        content=(
            "Context compaction approaching. Use memory() to save concise notes on:\n"
            "- Key decisions made and why\n"
            "- Important discoveries (APIs, data structures, error solutions)\n"
            "- Critical file paths and changes made\n"
            "- Next steps to continue the task\n\n"
            "Do NOT save raw tool outputs or full file contents, keep notes brief "
            "and synthesized."
        )
    )
