"""Streamed tool calls in the chat-completions shape, folded into whole calls.

OpenAI's chat-completions stream (and the compatible servers', and
Mistral's) sends each tool call in pieces under ``delta.tool_calls``:
``index`` says which call a piece belongs to, ``id`` and
``function.name`` usually come once, on the first piece, and
``function.arguments`` is text to append. ``ToolCalls`` folds the pieces
of one choice and returns the ``ToolCallDelta`` each one stands for; the
events add up to the folded calls.

Rules, each forced by a real server:

- ``index`` is a key, never a list position: calls are numbered in the
  order their first piece arrives (``ToolCallDelta.index`` and the
  body's ``tool_calls`` order agree), so ``index: 100000000`` costs one
  entry. A piece without an integer ``index`` starts a new call. At most
  ``MAX_TOOL_CALLS`` (1024) calls per choice: one more raises
  ``ValueError``, which the stream reports as ``ResponseFormatError``
  (``next_call`` applies the same cap in the other decoders).
- Name pieces are joined only while they are pieces. Some servers (MiniMax
  behind NVIDIA NIM, Fireworks, some gateways) repeat the full name in
  every piece of a call; others (Gemini's OpenAI endpoint) may split a
  name. A name piece is skipped when it equals the whole name so far, or
  when the call's arguments have begun (a name never follows its
  arguments); otherwise it is appended. ``ToolCallDelta.function`` carries
  only the pieces that were appended, ``id`` only a new id.
- ``whole_calls`` (Mistral): each piece is a whole call and several may
  say ``index`` 0, so a piece naming a function on a slot that already has
  a name, or carrying another id, starts the next call.

Text is kept as lists of pieces and joined once, by ``wire()``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from .._events import ToolCallDelta

__all__ = ["MAX_TOOL_CALLS", "ToolCalls", "next_call"]

MAX_TOOL_CALLS = 1024
"""The most tool calls one streamed choice may hold; more is a malformed stream."""


def next_call(count: int) -> int:
    """The number of a choice's next tool call, ``count`` calls in (every decoder's cap).

    Raises:
        ValueError: ``count`` is already ``MAX_TOOL_CALLS``.
    """
    if count >= MAX_TOOL_CALLS:
        raise ValueError(f"more than {MAX_TOOL_CALLS} tool calls in one choice")
    return count


class _Call:
    __slots__ = ("arguments", "id", "name", "name_size", "size")

    def __init__(self) -> None:
        self.id = ""
        self.name: List[str] = []
        self.name_size = 0
        self.arguments: List[str] = []
        self.size = 0  # characters of arguments so far

    def repeats(self, name: str) -> bool:
        """Whether ``name`` is the whole name so far, sent again."""
        return len(name) == self.name_size and "".join(self.name) == name


class ToolCalls:
    """The tool calls of one streamed choice.

    Args:
        whole_calls: each piece is a whole call (Mistral): see the module docstring.
    """

    def __init__(self, whole_calls: bool = False) -> None:
        self.whole_calls = whole_calls
        self._calls: List[_Call] = []
        self._at: Dict[int, int] = {}  # the wire's index -> the call's number

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, piece: Dict[str, Any], choice: int) -> ToolCallDelta:
        """Fold one ``delta.tool_calls[]`` piece; its event.

        Raises:
            ValueError: a piece that is not an object, or one call too many.
        """
        if not isinstance(piece, dict):
            raise ValueError(f"a tool call piece is {type(piece).__name__}, not an object")
        key = piece.get("index")
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        if not isinstance(key, int):
            key = None
        number = self._at.get(key) if key is not None else None
        if number is not None and self.whole_calls and _another_call(self._calls[number], piece):
            number = None
        if number is None:
            number = next_call(len(self._calls))
            self._calls.append(_Call())
            if key is not None:
                self._at[key] = number
        call = self._calls[number]
        function = piece.get("function") or {}
        new_id: Optional[str] = None
        if piece.get("id") and piece["id"] != call.id:
            call.id = new_id = str(piece["id"])
        name = function.get("name")
        new_name: Optional[str] = None
        if isinstance(name, str) and name and not call.size and not call.repeats(name):
            call.name.append(name)
            call.name_size += len(name)
            new_name = name
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # some servers send the whole object at once
            arguments = json.dumps(arguments)
        arguments = arguments if isinstance(arguments, str) else ""
        if arguments:
            call.arguments.append(arguments)
            call.size += len(arguments)
        return ToolCallDelta(number, new_id, new_name, arguments, choice)

    def wire(self) -> List[Dict[str, Any]]:
        """The calls in the shape of a non-streamed ``message.tool_calls``."""
        calls: List[Dict[str, Any]] = []
        for call in self._calls:
            wire: Dict[str, Any] = {
                "type": "function",
                "function": {"name": "".join(call.name), "arguments": "".join(call.arguments)},
            }
            if call.id:
                wire["id"] = call.id
            calls.append(wire)
        return calls


def _another_call(call: _Call, piece: Dict[str, Any]) -> bool:
    """Whether ``piece`` starts a new call although it names an occupied ``index``.

    Mistral's ``ToolCall`` has ``function.name`` and ``arguments`` required
    and ``index`` optional (the SDK reads a missing one as 0), so each
    streamed piece is a whole call and several arrive on index 0.
    """
    new_id = piece.get("id")
    if new_id and call.id and new_id != call.id:
        return True
    return bool((piece.get("function") or {}).get("name")) and bool(call.name)
