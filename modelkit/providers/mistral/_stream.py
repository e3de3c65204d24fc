"""Mistral chat streaming: ``chat.completion.chunk`` SSE events to deltas and the final body.

With ``"stream": true`` the API sends chunks whose ``choices[].delta`` holds
the next ``content`` (a string, or for reasoning models a list of ``text``
and ``thinking`` chunks) and ``tool_calls`` (each one whole: client-python's
``models/toolcall.py`` requires ``function.name`` and ``arguments`` and reads
a missing ``index`` as 0, so parallel calls may all say index 0),
``finish_reason`` and ``usage`` on the last chunk, then ``data: [DONE]`` (https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post,
``CompletionEvent``). The chunks are folded into the chat-completion body
``generate`` would get, read by ``parse_completion``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from ..._events import ReasoningDelta, StreamDelta, TextDelta, ToolCallDelta
from ...errors import APIError
from .._rest import error_from_status, error_message
from .._streaming import StreamDecoder

__all__ = ["MistralStreamDecoder"]


def _another_call(slot: Dict[str, Any], piece: Dict[str, Any]) -> bool:
    """Whether ``piece`` is a new call although it names an occupied ``index``.

    Mistral's ``ToolCall`` has ``function.name`` and ``arguments`` required
    and ``index`` optional (the SDK reads a missing one as 0), so each streamed
    piece is a whole call and several arrive on index 0: one with a name (or
    an id other than the slot's) landing on a named slot is the next call.
    """
    new_id = piece.get("id")
    if new_id and slot["id"] and new_id != slot["id"]:
        return True
    return bool((piece.get("function") or {}).get("name")) and bool(slot["function"]["name"])


class MistralStreamDecoder(StreamDecoder):
    """Folds Mistral chunks into a chat-completion body."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.done = False
        self._top: Dict[str, Any] = {}
        self._choices: Dict[int, Dict[str, Any]] = {}

    def feed(self, event: Any) -> List[StreamDelta]:
        if event.data.startswith("[DONE]"):
            self.done = True
            return []
        chunk = json.loads(event.data)
        if chunk.get("object") == "error" or "error" in chunk:
            raise self._error(chunk)
        for key in ("id", "model", "created"):
            if chunk.get(key) and key not in self._top:
                self._top[key] = chunk[key]
        if chunk.get("usage"):
            self._top["usage"] = chunk["usage"]
        deltas: List[StreamDelta] = []
        for choice in chunk.get("choices") or ():
            index = int(choice.get("index") or 0)
            state = self._choices.setdefault(
                index, {"index": index, "message": {"role": "assistant", "content": []}}
            )
            delta = choice.get("delta") or {}
            self._content(state["message"]["content"], delta.get("content"), index, deltas)
            for piece in delta.get("tool_calls") or ():
                deltas.append(self._tool_call(state["message"], piece, index))
            if choice.get("finish_reason"):
                state["finish_reason"] = choice["finish_reason"]
        return deltas

    def _content(
        self, parts: List[Dict[str, Any]], content: Any, choice: int, deltas: List[StreamDelta]
    ) -> None:
        chunks: List[Dict[str, Any]] = (
            [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        )
        for chunk in chunks:
            if chunk.get("type") == "text" and chunk.get("text"):
                deltas.append(TextDelta(chunk["text"], choice))
                if parts and parts[-1]["type"] == "text":
                    parts[-1]["text"] += chunk["text"]
                else:
                    parts.append({"type": "text", "text": chunk["text"]})
            elif chunk.get("type") == "thinking":
                text = "".join(c.get("text", "") for c in chunk.get("thinking") or ())
                deltas.append(ReasoningDelta(text, choice=choice))
                if parts and parts[-1]["type"] == "thinking":
                    parts[-1]["thinking"][0]["text"] += text
                else:
                    parts.append({"type": "thinking", "thinking": [{"type": "text", "text": text}]})

    def _tool_call(
        self, message: Dict[str, Any], piece: Dict[str, Any], choice: int
    ) -> StreamDelta:
        calls: List[Dict[str, Any]] = message.setdefault("tool_calls", [])
        function = piece.get("function") or {}
        index = piece.get("index")
        slot = calls[index] if isinstance(index, int) and 0 <= index < len(calls) else None
        if not isinstance(index, int) or (slot is not None and _another_call(slot, piece)):
            index = len(calls)  # a whole new call, sent without an index of its own
        position = int(index)
        while len(calls) <= position:
            calls.append({"id": "", "function": {"name": "", "arguments": ""}})
        call = calls[position]
        call["id"] = piece.get("id") or call["id"]
        call["function"]["name"] += function.get("name") or ""
        arguments = function.get("arguments")
        arguments = json.dumps(arguments) if isinstance(arguments, dict) else arguments or ""
        call["function"]["arguments"] += arguments
        return ToolCallDelta(position, piece.get("id"), function.get("name"), arguments, choice)

    def body(self) -> Dict[str, Any]:
        return {**self._top, "choices": [self._choices[i] for i in sorted(self._choices)]}

    def _error(self, chunk: Dict[str, Any]) -> APIError:
        code = chunk.get("code")
        status = code if isinstance(code, int) and code >= 400 else 500
        return error_from_status(
            status,
            error_message(chunk, json.dumps(chunk)),
            provider=self.provider,
            model=self.model,
            body=chunk,
        )
