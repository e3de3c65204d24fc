"""Small pure helpers that several provider modules share.

``assistant_message`` builds the assistant message of a response from its
content parts and tool calls, the same way for every API whose answer is a
list of typed blocks (Anthropic, Bedrock, Gemini, Mistral).
"""

from __future__ import annotations

from typing import List, Sequence, Union

from ..messages import ChatMessageAssistant, Content, ContentReasoning, ContentText
from ..tools import ToolCall

__all__ = ["assistant_message"]


def assistant_message(
    parts: Sequence[Content],
    tool_calls: Sequence[ToolCall],
    model: str,
    *,
    join_texts: bool = False,
) -> ChatMessageAssistant:
    """The assistant message for a response's content parts and tool calls.

    The content is a string when there is no part or a single text part
    (with ``join_texts``, when every part is text: they are concatenated, as
    for APIs that split one answer into several text blocks); otherwise it
    is the list of parts. ``reasoning`` is the non-empty reasoning texts
    joined by blank lines, or ``None``.

    Args:
        parts: text, reasoning and media parts, in order.
        tool_calls: the tool calls the model made.
        model: the model that answered.
        join_texts: concatenate several text parts into one string.
    """
    content: Union[str, List[Content]] = list(parts)
    if all(isinstance(p, ContentText) for p in parts) and (join_texts or len(parts) <= 1):
        content = "".join(p.text for p in parts if isinstance(p, ContentText))
    thoughts = [p.reasoning for p in parts if isinstance(p, ContentReasoning) and p.reasoning]
    return ChatMessageAssistant(
        content=content,
        tool_calls=list(tool_calls) or None,
        reasoning="\n\n".join(thoughts) or None,
        model=model,
        source="generate",
    )
