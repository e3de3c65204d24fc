"""Mistral chat streaming: ``chat.completion.chunk`` SSE events to deltas and the final body.

With ``"stream": true`` the API sends chunks whose ``choices[].delta`` holds
the next ``content`` (a string, or for reasoning models a list of ``text``
and ``thinking`` chunks) and ``tool_calls`` (each one whole: client-python's
``models/toolcall.py`` requires ``function.name`` and ``arguments`` and reads
a missing ``index`` as 0, so parallel calls may all say index 0),
``logprobs`` (``{"content": [...]}``, the tokens of this chunk, when asked
for), ``finish_reason`` and ``usage`` on the last chunk, then
``data: [DONE]`` (https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post,
``CompletionEvent``; mistralai 3.7.0 ``CompletionResponseStreamChoice``).
The chunks are folded into the chat-completion body ``generate`` would
get, read by ``parse_completion``: text kept as lists of pieces and joined
once, tool calls by ``_tool_stream.ToolCalls`` (``whole_calls``: index a
key, at most ``MAX_TOOL_CALLS`` per choice).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from ..._events import StreamDelta, TextDelta
from ...errors import APIError
from .._rest import error_from_status, error_message
from .._streaming import StreamDecoder, Thoughts
from .._tool_stream import ToolCalls

__all__ = ["MistralStreamDecoder"]


class _Choice:
    """One choice's content runs (``[kind, pieces]``), tool calls and logprobs."""

    __slots__ = ("finish", "index", "logprobs", "runs", "text_runs", "thoughts", "tools")

    def __init__(self, index: int) -> None:
        self.index = index
        self.runs: List[List[Any]] = []  # [["text" | "thinking", [pieces]], ...]
        self.tools = ToolCalls(whole_calls=True)
        self.finish: Optional[str] = None
        self.logprobs: Optional[List[Any]] = None
        self.thoughts = Thoughts()
        self.text_runs = 0

    def add(self, kind: str, text: str) -> List[StreamDelta]:
        """Append ``text`` to the last run of ``kind`` (or a new one); its events.

        Runs of one kind are separated by runs of the other, so two text runs
        mean thinking between them: the content is a list of parts and its
        text joins them with ``"\\n"``; thinking runs join with a blank line.
        """
        new = not (self.runs and self.runs[-1][0] == kind)
        if new:
            self.runs.append([kind, [text]])
        else:
            self.runs[-1][1].append(text)
        if kind == "thinking":
            return self.thoughts.deltas(len(self.runs) - 1, text, self.index)
        separator: List[StreamDelta] = []
        if new:
            if self.text_runs:
                separator.append(TextDelta("\n", self.index))
            self.text_runs += 1
        return [*separator, TextDelta(text, self.index)] if text else separator

    def wire(self) -> Dict[str, Any]:
        content: List[Dict[str, Any]] = []
        for kind, pieces in self.runs:
            text = "".join(pieces)
            if kind == "text":
                content.append({"type": "text", "text": text})
            else:
                content.append({"type": "thinking", "thinking": [{"type": "text", "text": text}]})
        message: Dict[str, Any] = {"role": "assistant", "content": content}
        if self.tools:
            message["tool_calls"] = self.tools.wire()
        choice: Dict[str, Any] = {"index": self.index, "message": message}
        if self.finish:
            choice["finish_reason"] = self.finish
        if self.logprobs is not None:
            choice["logprobs"] = {"content": self.logprobs}
        return choice


class MistralStreamDecoder(StreamDecoder):
    """Folds Mistral chunks into a chat-completion body."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.done = False
        self._top: Dict[str, Any] = {}
        self._choices: Dict[int, _Choice] = {}

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
            state = self._choices.get(index)
            if state is None:
                state = self._choices[index] = _Choice(index)
            delta = choice.get("delta") or {}
            self._content(state, delta.get("content"), deltas)
            for piece in delta.get("tool_calls") or ():
                deltas.append(state.tools.add(piece, index))
            if choice.get("finish_reason"):
                state.finish = choice["finish_reason"]
            logprobs = choice.get("logprobs")
            if isinstance(logprobs, dict) and logprobs.get("content"):
                if state.logprobs is None:
                    state.logprobs = []
                state.logprobs.extend(logprobs["content"])
        return deltas

    def _content(self, state: _Choice, content: Any, deltas: List[StreamDelta]) -> None:
        chunks: List[Dict[str, Any]] = (
            [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        )
        for chunk in chunks:
            if chunk.get("type") == "text" and chunk.get("text"):
                deltas.extend(state.add("text", chunk["text"]))
            elif chunk.get("type") == "thinking":
                text = "".join(c.get("text", "") for c in chunk.get("thinking") or ())
                deltas.extend(state.add("thinking", text))

    def body(self) -> Dict[str, Any]:
        return {**self._top, "choices": [self._choices[i].wire() for i in sorted(self._choices)]}

    def _error(self, chunk: Dict[str, Any]) -> APIError:
        chunk = self.clean(chunk)
        code = chunk.get("code")
        status = code if isinstance(code, int) and code >= 400 else 500
        return error_from_status(
            status,
            error_message(chunk, json.dumps(chunk)),
            provider=self.provider,
            model=self.model,
            body=chunk,
        )
