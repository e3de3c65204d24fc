"""An offline estimate of the tokens a request holds, for APIs with no counting endpoint.

Text is cut into pieces with a stdlib regex and each piece priced by its
kind, a rule fitted to modern byte-level BPE tokenizers (vocabularies of
100k-200k tokens): an English word of up to 10 letters is one token and a
longer one one per 10 letters, an accented word at least two, other
alphabets (Cyrillic, Greek...) one per 4 letters, CJK, kana and hangul one
per 1.2 characters; digits one per 3; a run of spaces, a newline with the
indentation after it, a leading ``_`` each one; punctuation one per 3
marks. Measured by ``scripts/measure_token_estimate.py`` against the Llama 3
and Qwen2 tokenizers on this repository's own docs, code and JSON fixtures
and a multilingual sample (figures in docs/cost.md). Media are priced as
Inspect prices them (``inspect_ai/model/_tokens.py``): an image 85 tokens
at ``detail="low"``, else 765; audio and video by their size when inline;
every message adds 4 tokens of framing. Linear in the input; no I/O.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable, List, Sequence

__all__ = [
    "estimate_part_tokens",
    "estimate_text_tokens",
    "estimate_tokens",
    "estimate_tool_tokens",
]

_PIECES = re.compile(r"\n+[ \t]*|[^\W\d_]+|\d+|_+[^\W\d_]*|[ \t]+|[^\w\s]+")

WORD_LETTERS = 10
PUNCTUATION_PER_TOKEN = 3
CJK_CHARS_PER_TOKEN = 1.2
OTHER_LETTERS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4
IMAGE_TOKENS_LOW = 85
IMAGE_TOKENS = 765
AUDIO_FALLBACK_TOKENS = 2000
VIDEO_FALLBACK_TOKENS = 8000
DOCUMENT_FALLBACK_TOKENS = 5000
_AUDIO_BYTES_PER_SECOND = 16_000
_VIDEO_BYTES_PER_SECOND = 500_000
_AUDIO_TOKENS_PER_SECOND = 50
_VIDEO_TOKENS_PER_SECOND = 400


def _word(piece: str) -> float:
    top = max(map(ord, piece))
    if top < 0x80:
        return 1 if len(piece) <= WORD_LETTERS else math.ceil(len(piece) / WORD_LETTERS)
    if top < 0x250:  # accented Latin
        return max(2, math.ceil(len(piece) / OTHER_LETTERS_PER_TOKEN))
    if top >= 0x3000:  # CJK, kana, hangul
        return len(piece) / CJK_CHARS_PER_TOKEN
    return math.ceil(len(piece) / OTHER_LETTERS_PER_TOKEN)


def estimate_text_tokens(text: str) -> int:
    """The estimated tokens of ``text`` (0 for an empty string)."""
    total = 0.0
    for match in _PIECES.finditer(text):
        piece = match.group()
        first = piece[0]
        if first == "\n":
            total += 1
        elif first in " \t":
            total += len(piece) > 1  # one space joins the word after it
        elif first == "_":
            total += 1 + (len(piece) > 8)
        elif first.isdigit():
            total += math.ceil(len(piece) / 3)
        elif first.isalpha():
            total += _word(piece)
        else:
            total += math.ceil(len(piece) / PUNCTUATION_PER_TOKEN)
    return math.ceil(total)


def _inline_bytes(url: Any) -> int:
    """The decoded size of a ``data:`` URI's payload (0 for anything else)."""
    if isinstance(url, str) and url.startswith("data:"):
        return (len(url) - url.find(",") - 1) * 3 // 4
    return 0


def estimate_part_tokens(part: Any) -> int:
    """The tokens one content part (text, image, audio, video, document, reasoning) costs."""
    kind = getattr(part, "type", None)
    if kind == "image":
        return IMAGE_TOKENS_LOW if getattr(part, "detail", None) == "low" else IMAGE_TOKENS
    if kind == "audio":
        size = _inline_bytes(getattr(part, "audio", None))
        seconds = size / _AUDIO_BYTES_PER_SECOND
        return max(50, int(seconds * _AUDIO_TOKENS_PER_SECOND)) if size else AUDIO_FALLBACK_TOKENS
    if kind == "video":
        size = _inline_bytes(getattr(part, "video", None))
        seconds = size / _VIDEO_BYTES_PER_SECOND
        return max(400, int(seconds * _VIDEO_TOKENS_PER_SECOND)) if size else VIDEO_FALLBACK_TOKENS
    if kind == "document":
        return DOCUMENT_FALLBACK_TOKENS
    if kind == "reasoning":
        if getattr(part, "redacted", False):
            return 0
        return estimate_text_tokens(getattr(part, "reasoning", "") or "")
    text = getattr(part, "text", None)
    return estimate_text_tokens(text) if isinstance(text, str) else 0


def estimate_tokens(messages: Iterable[Any]) -> int:
    """The estimated input tokens of ``messages`` (chat messages), at least 1."""
    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD
        content = message.content
        if isinstance(content, str):
            total += estimate_text_tokens(content)
        else:
            total += sum(estimate_part_tokens(part) for part in content)
        for call in getattr(message, "tool_calls", None) or ():
            total += estimate_text_tokens(call.function)
            total += estimate_text_tokens(json.dumps(call.arguments))
    return max(1, total)


def tools_json(tools: Sequence[Any]) -> List[str]:
    """Each tool as the JSON function definition an API is sent (as Inspect counts them)."""
    return [
        json.dumps(
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters.to_dict(),
                },
            }
        )
        for tool in tools
    ]


def estimate_tool_tokens(tools: Sequence[Any]) -> int:
    """The estimated tokens of ``tools``' definitions (0 for none)."""
    return sum(estimate_text_tokens(text) for text in tools_json(tools))
