"""Mistral Conversations streaming: conversation events to deltas and the final body.

With ``"stream": true`` ``POST /v1/conversations`` sends server-sent events
(client-python ``ConversationEvents``): ``conversation.response.started``
(the ``conversation_id``), ``tool.execution.started`` / ``.delta`` / ``.done``
(a tool Mistral runs: ``name``, ``arguments`` in pieces, then ``info``),
``message.output.delta`` (the answer: ``content`` a string or one chunk —
``text``, ``thinking``, ``tool_reference``), ``function.call.delta`` (a
call of the caller's function: ``tool_call_id``, ``name``, ``arguments``),
``conversation.response.done`` (``usage``) and
``conversation.response.error`` (``message``, ``code``). Each event names
its ``output_index``; the entries are rebuilt in that order into the
``conversation.response`` body ``generate`` would get, read by
``parse_conversation``. Text is kept as lists of pieces and joined once;
at most ``MAX_ENTRIES`` entries are kept.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from ..._events import ReasoningDelta, StreamDelta, TextDelta, ToolCallDelta
from ...errors import APIError, ResponseFormatError
from .._rest import error_from_status
from .._streaming import StreamDecoder

__all__ = ["MAX_ENTRIES", "ConversationStreamDecoder"]

MAX_ENTRIES = 4096
"""The most output entries one stream may build (a guard against an endless stream)."""


class _Entry:
    """One output entry being built: its fixed fields and its text pieces."""

    __slots__ = ("chunks", "fields", "pieces")

    def __init__(self, fields: Dict[str, Any]) -> None:
        self.fields = fields
        self.pieces: List[str] = []  # tool or function arguments
        self.chunks: List[List[Any]] = []  # message content: [kind, pieces or chunk]

    def wire(self) -> Dict[str, Any]:
        entry = dict(self.fields)
        if entry["type"] != "message.output":
            entry["arguments"] = "".join(self.pieces)
            return entry
        content: List[Dict[str, Any]] = []
        for kind, value in self.chunks:
            if kind == "text":
                content.append({"type": "text", "text": "".join(value)})
            elif kind == "thinking":
                text = "".join(value)
                content.append({"type": "thinking", "thinking": [{"type": "text", "text": text}]})
            else:
                content.append(value)
        entry["content"] = content
        return entry


class ConversationStreamDecoder(StreamDecoder):
    """Folds conversation events into a ``conversation.response`` body."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.done = False
        self._top: Dict[str, Any] = {"object": "conversation.response"}
        self._entries: Dict[int, _Entry] = {}
        self._calls: Dict[int, int] = {}  # output_index -> tool call position

    def feed(self, event: Any) -> List[StreamDelta]:
        data = json.loads(event.data)
        kind = data.get("type") or event.event or ""
        if kind == "conversation.response.error":
            self.done = True
            raise self._error(data)
        if kind == "conversation.response.done":
            self.done = True
            self._top["usage"] = data.get("usage") or {}
            return []
        if kind == "conversation.response.started":
            self._top["conversation_id"] = data.get("conversation_id")
            return []
        index = int(data.get("output_index") or 0)
        if kind.startswith("tool.execution."):
            entry = self._entry(index, {"type": "tool.execution", "name": data.get("name")})
            entry.fields["id"] = data.get("id")
            if kind == "tool.execution.done":
                entry.fields["info"] = data.get("info") or {}
            else:
                entry.pieces.append(str(data.get("arguments") or ""))
            return []
        if kind == "function.call.delta":
            fields = {"type": "function.call", "tool_call_id": data.get("tool_call_id")}
            entry = self._entry(index, fields)
            entry.fields.update(id=data.get("id"), name=data.get("name"))
            entry.pieces.append(str(data.get("arguments") or ""))
            position = self._calls.setdefault(index, len(self._calls))
            first = len(entry.pieces) == 1
            return [
                ToolCallDelta(
                    position,
                    data.get("tool_call_id") if first else None,
                    data.get("name") if first else None,
                    str(data.get("arguments") or ""),
                )
            ]
        if kind == "message.output.delta":
            entry = self._entry(index, {"type": "message.output", "role": "assistant"})
            entry.fields.update(id=data.get("id"), model=data.get("model"))
            return self._content(entry, data.get("content"))
        return []  # agent hand-offs and events to come

    def _entry(self, index: int, fields: Dict[str, Any]) -> _Entry:
        entry = self._entries.get(index)
        if entry is None:
            if len(self._entries) >= MAX_ENTRIES:
                raise ResponseFormatError(
                    f"{self.provider}: the stream holds more than {MAX_ENTRIES} entries"
                )
            entry = self._entries[index] = _Entry(fields)
        return entry

    def _content(self, entry: _Entry, content: Any) -> List[StreamDelta]:
        chunk = {"type": "text", "text": content} if isinstance(content, str) else content
        if not isinstance(chunk, dict):
            return []
        kind = chunk.get("type")
        if kind == "text":
            text = str(chunk.get("text") or "")
            self._append(entry, "text", text)
            return [TextDelta(text)] if text else []
        if kind == "thinking":
            inner = chunk.get("thinking") or []
            text = "".join(c.get("text", "") for c in inner if isinstance(c, dict))
            self._append(entry, "thinking", text)
            return [ReasoningDelta(text)] if text else []
        entry.chunks.append([kind, chunk])  # tool_reference and others, whole
        return []

    @staticmethod
    def _append(entry: _Entry, kind: str, text: str) -> None:
        if entry.chunks and entry.chunks[-1][0] == kind:
            entry.chunks[-1][1].append(text)
        else:
            entry.chunks.append([kind, [text]])

    def body(self) -> Dict[str, Any]:
        outputs = [self._entries[i].wire() for i in sorted(self._entries)]
        return {**self._top, "outputs": outputs}

    def _error(self, data: Dict[str, Any]) -> APIError:
        data = self.clean(data)
        code = data.get("code")
        status = code if isinstance(code, int) and code >= 400 else 500
        message = str(data.get("message") or "the conversation failed")
        return error_from_status(
            status, message, provider=self.provider, model=self.model, body=data
        )
