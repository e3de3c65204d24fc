"""Anthropic Messages streaming: the SSE events to deltas and the final message body.

The events (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
``message_start`` (the message with empty ``content`` and the input usage),
per content block ``content_block_start`` / ``content_block_delta`` /
``content_block_stop``, then ``message_delta`` (``stop_reason``, cumulative
``usage``) and ``message_stop``; ``ping`` any time; ``error`` any time
(e.g. ``overloaded_error`` mid-stream), raised as the API's error.

Every block is rebuilt as the non-streamed message holds it, whatever its
type: ``content_block_start`` gives the block (server-tool results such as
``web_search_tool_result``, ``web_fetch_tool_result``,
``code_execution_tool_result``, ``bash_code_execution_tool_result``,
``text_editor_code_execution_tool_result``, ``tool_search_tool_result``,
``mcp_tool_result`` and ``container_upload`` arrive whole in it), and the
deltas complete it (anthropic-sdk-python ``lib/streaming``'s
``accumulate_event``): ``text_delta`` -> ``text``; ``thinking_delta`` ->
``thinking``; ``signature_delta`` -> ``signature``; ``citations_delta``
-> ``citations``; ``compaction_delta`` -> ``content`` and
``encrypted_content``; ``input_json_delta`` (``partial_json`` fragments,
for ``tool_use``, ``server_tool_use`` and ``mcp_tool_use`` blocks) ->
``input``, parsed at the block's stop. Unknown event, block and delta
types are kept as sent or skipped, as the page asks.

Events: text -> ``TextDelta``; thinking and signature ->
``ReasoningDelta``; a ``tool_use`` block (a call the caller runs) ->
``ToolCallDelta`` with its id and name, then its ``partial_json``.
Server-run tools produce no event: ``generate`` gives no tool call for
them either (it gives ``ContentToolUse`` parts). Text is kept as lists of
pieces and joined once.

Thinking blocks' texts are joined by a blank line in the output's
``reasoning``: the first text of a later non-empty block is preceded by
``ReasoningDelta("\\n\\n")`` (``_streaming.Thoughts``). When the answer's
content is a list of parts (a thinking, server-tool or
unknown block, or citations, is in it), its text is the text parts joined
by ``"\n"`` (Inspect's ``ChatMessage.text``): a text block after another
then starts with ``TextDelta("\n")``, so the text events still add up to
the output's text. The one case they cannot: citations first arriving on a
later text block after plain ones were streamed (the list is known too late).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from ..._events import ReasoningDelta, StreamDelta, TextDelta, ToolCallDelta
from ...errors import APIError
from .._forced import text_deltas
from .._streaming import StreamDecoder, Thoughts
from .._tool_stream import next_call
from ._response import parse_error_body

__all__ = ["MessagesStreamDecoder"]

_APPENDED = {"text_delta": "text", "thinking_delta": "thinking"}
"""Delta type -> the block field its text is appended to."""


class MessagesStreamDecoder(StreamDecoder):
    """Folds Messages stream events into a message body.

    Args:
        provider: for errors raised by ``error`` events.
        model: as above.
        forced: the forced tool's name, when structured output is served by one.
    """

    def __init__(self, provider: str, model: str, forced: Optional[str] = None) -> None:
        self.provider = provider
        self.model = model
        self.forced = forced  # structured output by a forced tool: its name
        self.done = False
        self._message: Dict[str, Any] = {}
        self._blocks: Dict[int, Dict[str, Any]] = {}
        self._pieces: Dict[int, Dict[str, List[str]]] = {}  # block -> field -> text pieces
        self._tools: Dict[int, int] = {}  # block index -> tool call number
        self._text_blocks = 0
        self._thoughts = Thoughts()  # "\n\n" between thinking blocks, as the output joins them
        self._parts = False  # the content will be a list of parts: texts join with "\n"

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
        self._pieces[index] = {}
        kind = block.get("type")
        if kind == "tool_use":
            number = self._tools[index] = next_call(len(self._tools))
            return [ToolCallDelta(number, block.get("id"), block.get("name"))]
        if kind == "text":
            self._parts = self._parts or bool(block.get("citations"))
            deltas: List[StreamDelta] = (
                [TextDelta("\n")] if self._text_blocks and self._parts else []
            )
            self._text_blocks += 1
            if block.get("text"):
                deltas.append(TextDelta(block["text"]))
            return deltas
        self._parts = True  # thinking, server tools, unknown blocks: parts of their own
        if kind == "thinking" and isinstance(block.get("thinking"), str):
            return self._thoughts.deltas(index, block["thinking"])
        return []

    def _delta(self, index: int, delta: Dict[str, Any]) -> List[StreamDelta]:
        block = self._blocks[index]  # a delta for a block never started: malformed
        kind = delta.get("type")
        field = _APPENDED.get(kind or "")
        if field is not None:
            text = delta.get(field)
            if not isinstance(text, str):
                return []
            self._append(index, field, text)
            if field == "text":
                return [TextDelta(text)]
            return self._thoughts.deltas(index, text) if block.get("type") == "thinking" else []
        if kind == "input_json_delta":
            text = delta.get("partial_json") or ""
            self._pieces[index].setdefault("input", []).append(text)
            number = self._tools.get(index)
            return [] if number is None else [ToolCallDelta(number, arguments=text)]
        if kind == "signature_delta":
            signature = delta.get("signature")
            block["signature"] = signature
            return [ReasoningDelta("", signature=signature)] if isinstance(signature, str) else []
        if kind == "citations_delta":
            self._parts = True
            block.setdefault("citations", []).append(delta.get("citation"))
        elif kind == "compaction_delta":
            block["content"] = delta.get("content")
            block["encrypted_content"] = delta.get("encrypted_content")
        return []

    def _append(self, index: int, field: str, text: str) -> None:
        pieces = self._pieces[index].get(field)
        if pieces is None:  # the start's text first
            start = self._blocks[index].get(field)
            pieces = self._pieces[index][field] = [start] if isinstance(start, str) else []
        pieces.append(text)

    def _stop(self, index: int) -> None:
        pieces = self._pieces.get(index, {}).pop("input", None)
        if pieces is not None:
            text = "".join(pieces)
            self._blocks[index]["input"] = json.loads(text) if text.strip() else {}

    def body(self) -> Dict[str, Any]:
        content: List[Dict[str, Any]] = []
        for index in sorted(self._blocks):
            block = dict(self._blocks[index])
            for field, pieces in self._pieces.get(index, {}).items():
                text = "".join(pieces)
                if field != "input":
                    block[field] = text
                    continue
                try:  # a tool block cut off mid-input
                    block["input"] = json.loads(text) if text.strip() else {}
                except ValueError:
                    block["input"] = text
            content.append(block)
        return {**self._message, "content": content}

    def _error(self, data: Dict[str, Any]) -> APIError:
        data = self.clean(data)
        kind = (data.get("error") or {}).get("type") or ""
        status = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500}.get(kind, 500)
        return parse_error_body(
            status, data, json.dumps(data), {}, provider=self.provider, model=self.model
        )
