"""A leading ``<think>…</think>`` block in streamed text, told apart from the answer.

Servers that leave a model's reasoning in the content (DeepSeek-R1 and
Qwen3 style models on Groq, Hugging Face, Together, vLLM, Ollama, ...)
answer ``<think>reasoning</think>answer``. ``parse_completion`` reads the
whole content with ``THINK``: optional whitespace, ``<think>``, the
reasoning (stripped), ``</think>`` and the whitespace after it, or the end
of the content when the block never closes (an answer cut off while
thinking, read as vLLM's reasoning parsers read it: all reasoning).

``ThinkSplitter`` makes the same cut on the content as it streams, in
pieces split anywhere (inside a tag too): ``feed`` returns the
``("reasoning" | "text", piece)`` runs known so far and ``end`` the rest,
so the reasoning runs join to exactly the reasoning ``parse_completion``
finds and the text runs to exactly its text. Held back at any moment:
at most the 7 characters of a tag begun, and whitespace whose fate
(stripped or kept) is not known yet. Linear: nothing is rebuilt with
``old + piece``.
"""

from __future__ import annotations

import re
from typing import List, Tuple

__all__ = ["THINK", "ThinkSplitter"]

THINK = re.compile(r"^\s*<think>(.*?)(?:</think>\s*|\Z)", re.DOTALL)
"""The leading reasoning block: ``group(1)`` is the reasoning, unstripped."""

_OPEN, _CLOSE = "<think>", "</think>"
_START, _REASONING, _AFTER, _TEXT = range(4)

Run = Tuple[str, str]


class ThinkSplitter:
    """Splits one choice's streamed content into reasoning and text runs."""

    __slots__ = ("_held", "_lead", "_state", "_tag", "_ws")

    def __init__(self) -> None:
        self._state = _START
        self._held: List[str] = []  # before the first non-space: pieces not yet placed
        self._tag = ""  # a begun "</think>" at the end of the reasoning so far
        self._ws: List[str] = []  # whitespace inside the reasoning, kept if more follows
        self._lead = True  # no reasoning character out yet (leading whitespace is dropped)

    def feed(self, piece: str) -> List[Run]:
        """The runs ``piece`` completes."""
        runs: List[Run] = []
        if self._state == _TEXT:
            runs.append(("text", piece))
        elif self._state == _START:
            self._start(piece, runs)
        elif self._state == _REASONING:
            self._reasoning(piece, runs)
        else:
            self._after(piece, runs)
        return runs

    def end(self) -> List[Run]:
        """The runs still held when the content ends."""
        runs: List[Run] = []
        if self._state == _START and self._held:
            runs.append(("text", "".join(self._held)))  # no block: all of it is text
        elif self._state == _REASONING:
            tag, self._tag = self._tag, ""
            self._reason(tag, True, runs)  # an unclosed block: reasoning to the end
        self._held = []
        self._state = _TEXT
        return runs

    def _start(self, piece: str, runs: List[Run]) -> None:
        self._held.append(piece)
        if not piece or piece.isspace():
            return
        # The first non-space piece decides (it may hold only part of "<think>").
        held = "".join(self._held)
        begun = held.lstrip()
        if begun.startswith(_OPEN):
            self._held = []
            self._state = _REASONING
            self._reasoning(begun[len(_OPEN) :], runs)
        elif len(begun) < len(_OPEN) and _OPEN.startswith(begun):
            self._held = [held]  # joined once more at most: it holds under 7 visible characters
        else:
            self._held = []
            self._state = _TEXT
            runs.append(("text", held))

    def _reasoning(self, piece: str, runs: List[Run]) -> None:
        text = self._tag + piece if self._tag else piece
        self._tag = ""
        at = text.find(_CLOSE)
        if at >= 0:
            self._reason(text[:at], True, runs)
            self._state = _AFTER
            self._after(text[at + len(_CLOSE) :], runs)
            return
        for size in range(min(len(_CLOSE) - 1, len(text)), 0, -1):
            if _CLOSE.startswith(text[-size:]):
                self._tag, text = text[-size:], text[:-size]
                break
        self._reason(text, False, runs)

    def _reason(self, text: str, final: bool, runs: List[Run]) -> None:
        """Reasoning text, stripped as ``.strip()`` strips the whole."""
        if self._lead:
            text = text.lstrip()
            if not text:
                return
            self._lead = False
        body = text.rstrip()
        if body:
            runs.append(("reasoning", "".join(self._ws) + body if self._ws else body))
            self._ws = []
        if final:
            self._ws = []
        elif len(body) < len(text):
            self._ws.append(text[len(body) :])

    def _after(self, piece: str, runs: List[Run]) -> None:
        text = piece.lstrip()
        if text:
            self._state = _TEXT
            runs.append(("text", text))
