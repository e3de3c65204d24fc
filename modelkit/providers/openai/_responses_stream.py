"""OpenAI Responses API streaming: ``response.*`` events to deltas.

With ``"stream": true`` the Responses API sends typed server-sent events:
``response.output_text.delta`` (text), ``response.refusal.delta``,
``response.reasoning_summary_text.delta`` (the reasoning summary),
``response.output_item.added`` for a ``function_call`` item (its call id and
name) and ``response.function_call_arguments.delta`` (its argument text),
and finally ``response.completed`` or ``response.incomplete`` carrying the
whole ``response`` object, which is the body ``generate`` would have
received and is read by the same converter. ``response.failed`` and
``error`` events raise the matching ``APIError``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from ..._events import ReasoningDelta, StreamDelta, TextDelta, ToolCallDelta
from ...errors import APIError
from .._streaming import StreamDecoder
from .._tool_stream import next_call
from ._responses_response import failed_response_error

__all__ = ["ResponsesStreamDecoder"]

_FINAL = ("response.completed", "response.incomplete")


class ResponsesStreamDecoder(StreamDecoder):
    """Turns Responses stream events into deltas; the final event's ``response`` is the body.

    Args:
        provider: for the errors raised by ``error`` / ``response.failed`` events.
        model: as above.
    """

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.done = False
        self._body: Dict[str, Any] = {}
        self._calls: Dict[int, int] = {}  # output_index -> tool call position

    def feed(self, event: Any) -> List[StreamDelta]:
        data = json.loads(event.data)
        kind = data.get("type") or event.event or ""
        if kind in _FINAL:
            self.done = True
            self._body = data.get("response") or {}
            return []
        if kind in ("response.failed", "error"):
            self.done = True
            raise self._error(data)
        delta = data.get("delta")
        if kind in ("response.output_text.delta", "response.refusal.delta") and delta:
            return [TextDelta(delta)]
        if kind == "response.reasoning_summary_text.delta" and delta:
            return [ReasoningDelta(delta)]
        if kind == "response.output_item.added":
            item = data.get("item") or {}
            if item.get("type") == "function_call":
                key = int(data.get("output_index") or 0)
                position = self._calls.get(key)
                if position is None:
                    position = self._calls[key] = next_call(len(self._calls))
                return [ToolCallDelta(position, item.get("call_id"), item.get("name"), "")]
        if kind == "response.function_call_arguments.delta" and delta:
            found = self._calls.get(int(data.get("output_index") or 0))
            if found is not None:
                return [ToolCallDelta(found, arguments=delta)]
        return []

    def body(self) -> Dict[str, Any]:
        return self._body

    def _error(self, data: Dict[str, Any]) -> APIError:
        data = self.clean(data)
        response = data.get("response")
        if not isinstance(response, dict):  # an ``error`` event: code and message at the top
            response = {"error": {"code": data.get("code"), "message": data.get("message")}}
        return failed_response_error(response, provider=self.provider, model=self.model)
