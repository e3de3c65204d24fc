"""A summary request that fits the summarising model's window (Inspect's, for ``CompactionSummary``).

A long tool output just before compaction can make the summary request
itself too long for the model. When the messages and room for the answer
(the model's ``max_tokens``, at most half the window) exceed the context
window, the biggest piece of tool output is shrunk, one piece at a time,
until they fit, nothing more can shrink, or a shrink stops helping: a
text piece keeps its head and tail around a marker, half its length each
time; a media piece (image, audio, video, document) becomes a line saying
what was there. Pieces keep their places; the caller's messages are never
changed (shrunk copies replace them in the returned list). A model whose
window is unknown gets its messages back as they are.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from ..messages import ChatMessage, ChatMessageTool, ContentText

__all__ = ["MARKER", "fit_summary_input"]

MARKER = "\n\n...[tool output truncated for summarization]...\n\n"
"""Where the middle of a shortened tool output was."""

MAX_SHRINKS = 12
"""Pieces shrunk at most, one count of the messages after each."""

OUTPUT_RESERVE = 4096
"""Room kept for the answer when the model has no ``max_tokens``."""

CHARS_PER_TOKEN = 4
"""Weighs a media piece's estimated tokens against text pieces' lengths."""

_MEDIA = ("image", "audio", "video", "document")


def fit_summary_input(model: Any, messages: List[ChatMessage]) -> List[ChatMessage]:
    """``messages``, with the biggest tool output pieces shrunk until they fit ``model``."""
    from ..info import get_model_info

    info = get_model_info(model)
    window = None if info is None else info.context_length
    if not window:
        return messages
    answer = model.config.max_tokens or model.api.max_tokens() or OUTPUT_RESERVE
    target = window - min(answer, window // 2)
    tokens = model.count_tokens(messages)
    if tokens <= target:
        return messages
    messages = list(messages)
    for _ in range(MAX_SHRINKS):
        place = _biggest_piece(messages)
        if place is None:
            break
        messages[place[0]] = _shrunk(messages[place[0]], place[1])
        count = model.count_tokens(messages)
        if count >= tokens:
            break
        tokens = count
        if tokens <= target:
            break
    return messages


def _biggest_piece(messages: List[ChatMessage]) -> Optional[Tuple[int, int]]:
    """``(message index, part index)`` of the biggest tool output piece that can shrink."""
    from ..info._estimate import estimate_part_tokens

    best: Optional[Tuple[int, int]] = None
    best_size = -1
    for index, message in enumerate(messages):
        if not isinstance(message, ChatMessageTool):
            continue
        parts: List[Any] = (
            [message.content] if isinstance(message.content, str) else message.content
        )
        for number, part in enumerate(parts):
            text = part if isinstance(part, str) else getattr(part, "text", None)
            if isinstance(part, (str, ContentText)) and isinstance(text, str):
                if len(text) // 2 <= len(MARKER):
                    continue  # too short for halving to leave room for the marker
                size = len(text)
            elif getattr(part, "type", None) in _MEDIA:
                size = estimate_part_tokens(part) * CHARS_PER_TOKEN
            else:
                continue
            if size > best_size:
                best, best_size = (index, number), size
    return best


def _shrunk(message: ChatMessage, number: int) -> ChatMessage:
    """A copy of ``message`` with its part ``number`` halved (text) or named (media)."""
    if isinstance(message.content, str):
        return message.model_copy(update={"content": halved(message.content)})
    parts = list(message.content)
    part = parts[number]
    if isinstance(part, ContentText):
        parts[number] = ContentText(text=halved(part.text))
    else:
        parts[number] = ContentText(text=f"[{part.type} elided for summarization]")
    return message.model_copy(update={"content": parts})


def halved(text: str) -> str:
    """``text`` at half its length: its head and tail kept, ``MARKER`` between them."""
    keep = len(text) // 2 - len(MARKER)
    if keep <= 0:
        return text
    head = keep // 2
    return text[:head] + MARKER + text[len(text) - (keep - head) :]
