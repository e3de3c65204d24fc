"""Bedrock ``ConverseStream``: AWS event-stream messages to deltas and the Converse body.

``POST /model/{modelId}/converse-stream`` answers
``application/vnd.amazon.eventstream``: binary messages (framing and CRC32
checks in ``_engine.eventstream``) whose ``:event-type`` header names the
event and whose payload is JSON
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html):
``messageStart``; per block ``contentBlockStart`` (``start.toolUse`` with
its id and name), ``contentBlockDelta`` (``delta.text``,
``delta.toolUse.input`` fragments of JSON, ``delta.reasoningContent`` with
``text``, ``signature`` or ``redactedContent``) and ``contentBlockStop``;
``messageStop`` (``stopReason``); ``metadata`` (``usage``, ``metrics``).
A message with ``:message-type: exception`` (``throttlingException``,
``modelStreamErrorException``, ...) raises the matching API error. The
events are rebuilt into the ``ConverseResponse`` body read by ``output_from``
(text and reasoning kept as lists of pieces, joined once by ``body()``).
Several text blocks are joined by ``"\\n"`` in the output's text and
reasoning blocks by a blank line in its reasoning; the events carry those
separators, so they add up to the output.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from ..._events import ReasoningDelta, StreamDelta, TextDelta, ToolCallDelta
from ...errors import APIError
from .._forced import text_deltas
from .._streaming import StreamDecoder, Thoughts
from .._tool_stream import next_call
from ._response import bedrock_error

__all__ = ["ConverseStreamDecoder"]

_EXCEPTION_STATUS = {
    "throttlingException": 429,
    "validationException": 400,
    "serviceUnavailableException": 503,
    "modelStreamErrorException": 424,
    "internalServerException": 500,
}


class ConverseStreamDecoder(StreamDecoder):
    """Folds ConverseStream events into a ``ConverseResponse`` body."""

    framing = "eventstream"

    def __init__(self, provider: str, model: str, forced: Optional[str] = None) -> None:
        self.provider = provider
        self.model = model
        self.forced = forced  # structured output by a forced tool: its name
        self.done = False
        self._top: Dict[str, Any] = {}
        self._blocks: Dict[int, Dict[str, Any]] = {}
        self._json: Dict[int, List[str]] = {}
        self._tools: Dict[int, int] = {}
        self._text: Dict[int, List[str]] = {}  # block -> text (or reasoning text) pieces
        self._text_blocks = 0  # several: the output's text joins them with "\n"
        self._thoughts = Thoughts()  # reasoning blocks: joined by a blank line

    def feed(self, event: Any) -> List[StreamDelta]:
        deltas = self._feed(event)
        return text_deltas(deltas, 0) if self.forced and deltas else deltas

    def _feed(self, event: Any) -> List[StreamDelta]:
        headers = event.headers
        data = json.loads(event.payload.decode("utf-8")) if event.payload else {}
        if headers.get(":message-type") in ("exception", "error"):
            raise self._error(headers, data)
        kind = headers.get(":event-type")
        if kind == "contentBlockDelta":
            return self._delta(int(data.get("contentBlockIndex") or 0), data["delta"])
        if kind == "contentBlockStart":
            return self._start(int(data.get("contentBlockIndex") or 0), data.get("start") or {})
        if kind == "contentBlockStop":
            self._stop(int(data.get("contentBlockIndex") or 0))
        elif kind == "messageStop":
            self._top["stopReason"] = data.get("stopReason")
            if data.get("additionalModelResponseFields"):
                self._top["additionalModelResponseFields"] = data["additionalModelResponseFields"]
            self.done = True
        elif kind == "metadata":
            for key in ("usage", "metrics"):
                if key in data:
                    self._top[key] = data[key]
        return []

    def _start(self, index: int, start: Dict[str, Any]) -> List[StreamDelta]:
        tool = start.get("toolUse")
        if tool is None:
            return []
        number = self._tools[index] = next_call(len(self._tools))
        self._blocks[index] = {
            "toolUse": {"toolUseId": tool.get("toolUseId"), "name": tool.get("name")}
        }
        self._json[index] = []
        return [ToolCallDelta(number, tool.get("toolUseId"), tool.get("name"))]

    def _delta(self, index: int, delta: Dict[str, Any]) -> List[StreamDelta]:
        if "text" in delta:
            text = delta["text"]
            if not isinstance(text, str):
                raise ValueError(f"a text delta holds {type(text).__name__}")
            deltas: List[StreamDelta] = []
            if index not in self._blocks:
                self._blocks[index] = {"text": ""}
                if self._text_blocks:
                    deltas.append(TextDelta("\n"))
                self._text_blocks += 1
            self._text.setdefault(index, []).append(text)
            return [*deltas, TextDelta(text)] if text else deltas
        if "toolUse" in delta:
            fragment = str((delta["toolUse"] or {}).get("input") or "")
            self._json.setdefault(index, []).append(fragment)
            return [ToolCallDelta(self._tools.get(index, 0), arguments=fragment)]
        reasoning = delta.get("reasoningContent")
        if reasoning is not None:
            block = self._blocks.setdefault(index, {"reasoningContent": {}})["reasoningContent"]
            if "redactedContent" in reasoning:
                block["redactedContent"] = reasoning["redactedContent"]
                return []
            text = block.setdefault("reasoningText", {})
            if reasoning.get("text"):
                text.setdefault("text", "")
                self._text.setdefault(index, []).append(str(reasoning["text"]))
                return self._thoughts.deltas(index, str(reasoning["text"]))
            if reasoning.get("signature"):
                text["signature"] = reasoning["signature"]
                return [ReasoningDelta("", signature=reasoning["signature"])]
        return []

    def _stop(self, index: int) -> None:
        if index in self._json:
            text = "".join(self._json.pop(index))
            self._blocks[index]["toolUse"]["input"] = json.loads(text) if text.strip() else {}

    def body(self) -> Dict[str, Any]:
        for index in list(self._json):  # a tool block cut off mid-input
            text = "".join(self._json[index])
            try:
                self._blocks[index]["toolUse"]["input"] = json.loads(text) if text.strip() else {}
            except ValueError:
                self._blocks[index]["toolUse"]["input"] = text
        content = [self._joined(i) for i in sorted(self._blocks)]
        return {"output": {"message": {"role": "assistant", "content": content}}, **self._top}

    def _joined(self, index: int) -> Dict[str, Any]:
        block = self._blocks[index]
        pieces = self._text.get(index)
        if pieces is None:
            return block
        if "text" in block:
            return {**block, "text": "".join(pieces)}
        if "reasoningContent" in block:
            reasoning = block["reasoningContent"]
            text = {**reasoning.get("reasoningText", {}), "text": "".join(pieces)}
            return {**block, "reasoningContent": {**reasoning, "reasoningText": text}}
        return block

    def _error(self, headers: Dict[str, Any], data: Dict[str, Any]) -> APIError:
        data = self.clean(data)
        name = str(headers.get(":exception-type") or headers.get(":error-code") or "")
        status = _EXCEPTION_STATUS.get(name, 500)
        return bedrock_error(
            status,
            data,
            json.dumps(data),
            {"x-amzn-errortype": name[:1].upper() + name[1:]},
            provider=self.provider,
            model=self.model,
        )
