"""``CompactionEdit``: clear old tool results and reasoning, keeping the conversation's shape.

In order, as Inspect's: reasoning goes from assistant turns older than the
last ``keep_thinking_turns`` (where the API allows it; a Gemini replay
anchor stays); tool uses (client calls with their results, and server-side
``ContentToolUse`` parts) beyond the latest ``keep_tool_uses`` get their
result replaced by ``TOOL_RESULT_REMOVED``, or, with
``keep_tool_inputs=False``, the call and its result are removed and a
placeholder text says so; memory content is cleared; citations go; a
trailing assistant message goes. Edited messages are copies with new ids.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

from .._history import _without_citations
from ..errors import ConfigError
from ..messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageTool,
    ContentReasoning,
    ContentText,
    message_id,
)
from ._memory import clear_memory_content
from ._types import CompactionStrategy

__all__ = ["TOOL_RESULT_REMOVED", "CompactionEdit", "is_result_cleared"]

TOOL_RESULT_REMOVED = "(Tool result removed)"
"""What a cleared tool result reads."""

MCP_LIST_TOOLS_NAME = "mcp_list_tools"  # lists tools: context, never cleared
TOOL_SEARCH_NAME = "tool_search"  # its result holds tool definitions: never cleared


class CompactionEdit(CompactionStrategy):
    """Compaction by editing the history: old tool results and reasoning cleared.

    Args:
        threshold: a token count, or a share of the context window.
        memory: warn the model to save notes first (when it has a ``memory`` tool).
        keep_thinking_turns: keep reasoning in the last N assistant turns
            (``"all"``: keep all of it).
        keep_tool_uses: how many of the latest tool uses keep their results.
        keep_tool_inputs: ``False``: remove the calls too, not only their results.
        exclude_tools: names of tools whose uses are never cleared.
    """

    def __init__(
        self,
        threshold: Union[int, float] = 0.9,
        memory: bool = True,
        keep_thinking_turns: Union[str, int] = 1,
        keep_tool_uses: int = 3,
        keep_tool_inputs: bool = True,
        exclude_tools: Optional[List[str]] = None,
    ) -> None:
        super().__init__(type="edit", threshold=threshold, memory=memory)
        if keep_thinking_turns != "all" and (
            isinstance(keep_thinking_turns, bool)
            or not isinstance(keep_thinking_turns, int)
            or keep_thinking_turns < 0
        ):
            raise ConfigError(
                f'keep_thinking_turns must be "all" or a count of 0 or more, got {keep_thinking_turns!r}'
            )
        if (
            isinstance(keep_tool_uses, bool)
            or not isinstance(keep_tool_uses, int)
            or keep_tool_uses < 0
        ):
            raise ConfigError(
                f"keep_tool_uses must be a count of 0 or more, got {keep_tool_uses!r}"
            )
        self.keep_thinking_turns = keep_thinking_turns
        self.keep_tool_uses = keep_tool_uses
        self.keep_tool_inputs = keep_tool_inputs
        self.exclude_tools = exclude_tools

    def _repr_params_(self) -> Dict[str, Any]:
        return {
            **super()._repr_params_(),
            "keep_thinking_turns": self.keep_thinking_turns,
            "keep_tool_uses": self.keep_tool_uses,
            "keep_tool_inputs": self.keep_tool_inputs,
            "exclude_tools": self.exclude_tools,
        }

    def compact(
        self, model: Any, messages: List[ChatMessage], tools: List[Any]
    ) -> Tuple[List[ChatMessage], None]:
        """The edited history, and no message to append."""
        result: List[ChatMessage] = list(messages)
        api = getattr(model, "api", None)
        allowed = api is None or api.compact_reasoning_history()
        if self.keep_thinking_turns != "all" and allowed:
            keep = int(self.keep_thinking_turns)
            turns = 0
            for index in range(len(result) - 1, -1, -1):
                message = result[index]
                if isinstance(message, ChatMessageAssistant):
                    turns += 1
                    if turns > keep:
                        result[index] = _without_reasoning(message)

        uses = self._tool_uses(result)
        if self.keep_tool_uses == 0:
            clear = uses
        else:
            clear = uses[: -self.keep_tool_uses] if len(uses) > self.keep_tool_uses else []
        # server-side parts first: that pass replaces messages without moving any
        result = _clear_server_uses(result, [u for u in clear if u[0] == "server"])
        for _, assistant, call, tool_index in reversed([u for u in clear if u[0] == "client"]):
            if self.keep_tool_inputs:
                update = {"id": message_id(), "content": TOOL_RESULT_REMOVED}
                result[tool_index] = result[tool_index].model_copy(update=update)
            else:
                del result[tool_index]
                result[assistant] = _without_call(result[assistant], call)
        if self.memory:
            result = clear_memory_content(result)
        result = [_without_citations(m) for m in result]
        while result and result[-1].role == "assistant":
            result.pop()
        return result, None

    def _tool_uses(self, messages: List[ChatMessage]) -> List[Tuple[str, int, Any, int]]:
        """Every tool use, oldest first: ``("client", assistant, call, tool message)``
        or ``("server", message, part index, part)``."""
        excluded = set(self.exclude_tools or [])
        uses: List[Tuple[str, int, Any, int]] = []
        for index, message in enumerate(messages):
            if not isinstance(message, ChatMessageAssistant):
                continue
            for call in message.tool_calls or []:
                if call.function == TOOL_SEARCH_NAME or call.function in excluded:
                    continue
                answer = _tool_message(messages, call.id, index)
                if answer is not None:
                    uses.append(("client", index, call, answer))
            if isinstance(message.content, list):
                for part_index, part in enumerate(message.content):
                    if part.type != "tool_use" or part.name == MCP_LIST_TOOLS_NAME:
                        continue
                    if part.tool_type in excluded or part.name in excluded:
                        continue
                    uses.append(("server", index, part_index, part))  # type: ignore[arg-type]
        return uses


def is_result_cleared(content: Any) -> bool:
    """Whether a ``ContentToolUse``'s result was cleared by compaction."""
    return bool(getattr(content, "result", None) == TOOL_RESULT_REMOVED)


def _without_reasoning(message: ChatMessageAssistant) -> ChatMessageAssistant:
    if isinstance(message.content, str):
        return message
    kept = [p for p in message.content if not isinstance(p, ContentReasoning) or _is_anchor(p)]
    if len(kept) == len(message.content):
        return message
    return message.model_copy(update={"id": message_id(), "content": kept or ""})


def _is_anchor(part: ContentReasoning) -> bool:
    """A Gemini reasoning part that ties a function call to its thought signature."""
    internal = getattr(part, "internal", None)
    return isinstance(internal, dict) and "gemini_function_call_id" in internal


def _tool_message(messages: List[ChatMessage], call_id: str, start: int) -> Optional[int]:
    for index in range(start + 1, len(messages)):
        message = messages[index]
        if isinstance(message, ChatMessageTool) and message.tool_call_id == call_id:
            return index
    return None


def _without_call(message: ChatMessageAssistant, call: Any) -> ChatMessageAssistant:
    calls = [c for c in message.tool_calls or [] if c.id != call.id]
    note = ContentText(
        text=f"[Tool call: {call.function} (parameters and results removed from history)]"
    )
    if isinstance(message.content, str):
        content: List[Any] = (
            [ContentText(text=message.content), note] if message.content else [note]
        )
    else:
        content = [*list(message.content), note]
    update = {"id": message_id(), "tool_calls": calls or None, "content": content}
    return message.model_copy(update=update)


def _clear_server_uses(
    messages: List[ChatMessage], uses: List[Tuple[str, int, Any, int]]
) -> List[ChatMessage]:
    if not uses:
        return messages
    result = list(messages)
    by_message: Dict[int, List[Tuple[int, Any]]] = {}
    for _, index, part_index, part in uses:
        by_message.setdefault(index, []).append((part_index, part))
    for index, parts in by_message.items():
        message = result[index]
        content = list(message.content) if isinstance(message.content, list) else []
        for part_index, part in parts:
            content[part_index] = part.model_copy(update={"result": TOOL_RESULT_REMOVED})
        result[index] = message.model_copy(update={"id": message_id(), "content": content})
    return result
