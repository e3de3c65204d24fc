"""Anthropic Messages streaming: the SSE events to deltas and the final message body.

The events (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
``message_start`` (the message with empty ``content`` and the input usage),
per content block ``content_block_start`` / ``content_block_delta`` /
``content_block_stop``, then ``message_delta`` (``stop_reason``, cumulative
``usage``) and ``message_stop``; ``ping`` any time; ``error`` any time
(e.g. ``overloaded_error`` mid-stream), raised as the API's error. Deltas:
``text_delta`` -> ``TextDelta``; ``thinking_delta`` and ``signature_delta``
-> ``ReasoningDelta``; ``input_json_delta`` (``partial_json`` fragments of
a ``tool_use`` block's input) -> ``ToolCallDelta``. Unknown event and delta
types are skipped, as the page asks. The blocks are rebuilt into the
message body ``generate`` would receive, read by ``parse_message``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from ..._events import ReasoningDelta, StreamDelta, TextDelta, ToolCallDelta
from ...errors import APIError
from .._forced import text_deltas
from .._streaming import StreamDecoder
from ._response import parse_error_body

__all__ = ["MessagesStreamDecoder"]


class MessagesStreamDecoder(StreamDecoder):
    """Folds Messages stream events into a message body.

    Args:
        provider: for errors raised by ``error`` events.
        model: as above.
    """

    def __init__(self, provider: str, model: str, forced: Optional[str] = None) -> None:
        self.provider = provider
        self.model = model
        self.forced = forced  # structured output by a forced tool: its name
        self.done = False
        self._message: Dict[str, Any] = {}
        self._blocks: Dict[int, Dict[str, Any]] = {}
        self._json: Dict[int, List[str]] = {}
        self._tools: Dict[int, int] = {}  # block index -> tool call number

    def feed(self, event: Any) -> List[StreamDelta]:
        deltas = self._feed(event)
        return text_deltas(deltas, 0) if self.forced and deltas else deltas

    def _feed(self, event: Any) -> List[StreamDelta]:
        data = json.loads(event.data)
        kind = data.get("type") or event.event
        if kind == "content_block_delta":
            return self._delta(int(data["index"]), data["delta"])
        if kind == "content_block_start":
            return self._start(int(data["index"]), dict(data["content_block"]))
        if kind == "content_block_stop":
            self._stop(int(data["index"]))
        elif kind == "message_start":
            self._message = dict(data["message"])
            self._message["usage"] = dict(self._message.get("usage") or {})
        elif kind == "message_delta":
            self._message.update(data.get("delta") or {})
            self._message.setdefault("usage", {}).update(data.get("usage") or {})
        elif kind == "message_stop":
            self.done = True
        elif kind == "error":
            raise self._error(data)
        return []

    def _start(self, index: int, block: Dict[str, Any]) -> List[StreamDelta]:
        self._blocks[index] = block
        kind = block.get("type")
        if kind == "tool_use":
            number = self._tools[index] = len(self._tools)
            self._json[index] = []
            return [ToolCallDelta(number, block.get("id"), block.get("name"))]
        if kind == "text" and block.get("text"):
            return [TextDelta(block["text"])]
        if kind == "thinking" and block.get("thinking"):
            return [ReasoningDelta(block["thinking"])]
        return []

    def _delta(self, index: int, delta: Dict[str, Any]) -> List[StreamDelta]:
        block = self._blocks[index]
        kind = delta.get("type")
        if kind == "text_delta":
            block["text"] = block.get("text", "") + delta["text"]
            return [TextDelta(delta["text"])]
        if kind == "input_json_delta":
            self._json[index].append(delta["partial_json"])
            return [ToolCallDelta(self._tools[index], arguments=delta["partial_json"])]
        if kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta["thinking"]
            return [ReasoningDelta(delta["thinking"])]
        if kind == "signature_delta":
            block["signature"] = block.get("signature", "") + delta["signature"]
            return [ReasoningDelta("", signature=delta["signature"])]
        if kind == "citations_delta":
            block.setdefault("citations", []).append(delta.get("citation"))
        return []

    def _stop(self, index: int) -> None:
        if index in self._json:
            text = "".join(self._json.pop(index))
            self._blocks[index]["input"] = json.loads(text) if text.strip() else {}

    def body(self) -> Dict[str, Any]:
        for index in list(self._json):  # a tool block cut off mid-input
            text = "".join(self._json[index])
            try:
                self._blocks[index]["input"] = json.loads(text) if text.strip() else {}
            except ValueError:
                self._blocks[index]["input"] = text
        return {**self._message, "content": [self._blocks[i] for i in sorted(self._blocks)]}

    def _error(self, data: Dict[str, Any]) -> APIError:
        kind = (data.get("error") or {}).get("type") or ""
        status = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500}.get(kind, 500)
        return parse_error_body(
            status, data, json.dumps(data), {}, provider=self.provider, model=self.model
        )
