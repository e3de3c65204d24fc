"""OpenAI chat-completions streaming: ``chat.completion.chunk`` events to deltas.

Each SSE ``data:`` line is a chunk whose ``choices[].delta`` carries a piece
of the message (``content``, ``refusal``, ``tool_calls`` pieces keyed by
``index``, and on compatible servers ``reasoning_content`` / ``reasoning``
/ ``reasoning_details``), ``finish_reason`` on the choice's last chunk and,
with ``stream_options.include_usage``, ``usage`` on a last chunk with no
choices; ``data: [DONE]`` ends the stream. A chunk carrying ``error``
(some servers report failures mid-stream that way) raises the API error.
The chunks are folded into the ``chat.completion`` body ``generate`` would
have received, which ``parse_completion`` reads.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from ..._events import ReasoningDelta, StreamDelta, TextDelta, ToolCallDelta
from ...errors import APIError
from .._streaming import StreamDecoder
from ._response import error_from_response

__all__ = ["ChatStreamDecoder"]


class ChatStreamDecoder(StreamDecoder):
    """Folds chat-completion chunks into a ``chat.completion`` body.

    Args:
        provider: for the errors raised by ``error`` chunks.
        model: as above.
    """

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.done = False
        self._top: Dict[str, Any] = {}
        self._choices: Dict[int, Dict[str, Any]] = {}

    def feed(self, event: Any) -> List[StreamDelta]:
        data = event.data
        if data.startswith("[DONE]"):
            self.done = True
            return []
        chunk = json.loads(data)
        if chunk.get("error") or event.event == "error":
            self.done = True
            raise self._error(chunk)
        for key in ("id", "model", "system_fingerprint", "created"):
            if chunk.get(key) and key not in self._top:
                self._top[key] = chunk[key]
        if chunk.get("usage"):
            self._top["usage"] = chunk["usage"]
        deltas: List[StreamDelta] = []
        for choice in chunk.get("choices") or ():
            self._choice(choice, deltas)
        return deltas

    def _choice(self, choice: Dict[str, Any], deltas: List[StreamDelta]) -> None:
        index = int(choice.get("index") or 0)
        state = self._choices.get(index)
        if state is None:
            state = self._choices[index] = {"index": index, "message": {"role": "assistant"}}
        message = state["message"]
        delta = choice.get("delta") or {}
        for field in ("reasoning_content", "reasoning"):
            text = delta.get(field)
            if isinstance(text, str) and text:
                message[field] = message.get(field, "") + text
                deltas.append(ReasoningDelta(text, choice=index))
        if delta.get("reasoning_details"):
            message.setdefault("reasoning_details", []).extend(delta["reasoning_details"])
        text = delta.get("content")
        if isinstance(text, str) and text:
            message["content"] = message.get("content", "") + text
            deltas.append(TextDelta(text, index))
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            message["refusal"] = message.get("refusal", "") + refusal
            deltas.append(TextDelta(refusal, index))
        for piece in delta.get("tool_calls") or ():
            deltas.append(self._tool_call(message, piece, index))
        if choice.get("finish_reason"):
            state["finish_reason"] = choice["finish_reason"]
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict) and logprobs.get("content"):
            target = state.setdefault("logprobs", {"content": []})
            target["content"].extend(logprobs["content"])

    def _tool_call(
        self, message: Dict[str, Any], piece: Dict[str, Any], choice: int
    ) -> StreamDelta:
        calls: List[Dict[str, Any]] = message.setdefault("tool_calls", [])
        position = int(piece.get("index", len(calls)))
        while len(calls) <= position:
            calls.append({"type": "function", "function": {"name": "", "arguments": ""}})
        call = calls[position]
        function = piece.get("function") or {}
        if piece.get("id"):
            call["id"] = piece["id"]
        if function.get("name"):
            call["function"]["name"] += function["name"]
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # some servers send the whole object at once
            arguments = json.dumps(arguments)
        arguments = arguments or ""
        call["function"]["arguments"] += arguments
        return ToolCallDelta(position, piece.get("id"), function.get("name"), arguments, choice)

    def body(self) -> Dict[str, Any]:
        return {
            **self._top,
            "object": "chat.completion",
            "choices": [self._choices[i] for i in sorted(self._choices)],
        }

    def _error(self, chunk: Dict[str, Any]) -> APIError:
        error = chunk.get("error") if isinstance(chunk.get("error"), dict) else chunk
        code = error.get("code") if isinstance(error, dict) else None
        status = code if isinstance(code, int) and code >= 400 else 500
        return error_from_response(
            status, chunk, json.dumps(chunk), {}, provider=self.provider, model=self.model
        )
