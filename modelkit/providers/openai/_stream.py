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

A web search model's ``url_citation`` annotations come in ``delta.annotations``
(the last chunk; observed, openai-java issue 297: the SDKs do not declare
the field) and Azure's ``content_filter_results`` on each choice; both are
kept (a repeated annotation once, a category filtered in any chunk
filtered) so citations and stop details match ``generate``.

Tool-call pieces are folded by ``_tool_stream.ToolCalls`` (``index`` as a
key, at most ``MAX_TOOL_CALLS`` per choice, a repeated full name not
joined). With ``think_tags`` (the compatible presets) a leading
``<think>…</think>`` block in the content streams as ``ReasoningDelta``,
cut by ``_think.ThinkSplitter`` exactly where ``parse_completion`` cuts
the whole, unless the server already sent reasoning in its own field.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Set

from ..._events import ReasoningDelta, StreamDelta, TextDelta
from ...errors import APIError
from .._streaming import StreamDecoder
from .._think import Run, ThinkSplitter
from .._tool_stream import ToolCalls
from ._response import error_from_response

__all__ = ["ChatStreamDecoder"]

_REASONING_FIELDS = ("reasoning_content", "reasoning")


class _Choice:
    """One choice's pieces, joined once by ``wire``."""

    __slots__ = (
        "annotations",
        "cited",
        "content",
        "filters",
        "finish",
        "index",
        "logprobs",
        "reasoning",
        "refusal",
        "think",
        "tools",
    )

    def __init__(self, index: int, think_tags: bool) -> None:
        self.index = index
        self.content: List[str] = []
        self.refusal: List[str] = []
        self.reasoning: Dict[str, List[Any]] = {}  # field -> pieces (reasoning_details: items)
        self.tools = ToolCalls()
        self.finish: Optional[str] = None
        self.logprobs: Optional[List[Any]] = None
        self.think: Optional[ThinkSplitter] = ThinkSplitter() if think_tags else None
        self.annotations: List[Any] = []
        self.cited: Set[str] = set()  # the annotations seen, as JSON (linear de-duplication)
        self.filters: Dict[str, Any] = {}  # Azure's content_filter_results, merged

    def end(self) -> List[Run]:
        """What the ``<think>`` splitter still holds, at the stream's end."""
        think, self.think = self.think, None
        return think.end() if think is not None else []

    def wire(self) -> Dict[str, Any]:
        message: Dict[str, Any] = {"role": "assistant"}
        for field, pieces in self.reasoning.items():
            message[field] = pieces if field == "reasoning_details" else "".join(pieces)
        if self.content:
            message["content"] = "".join(self.content)
        if self.refusal:
            message["refusal"] = "".join(self.refusal)
        if self.tools:
            message["tool_calls"] = self.tools.wire()
        if self.annotations:
            message["annotations"] = self.annotations
        choice: Dict[str, Any] = {"index": self.index, "message": message}
        if self.filters:
            choice["content_filter_results"] = self.filters
        if self.finish:
            choice["finish_reason"] = self.finish
        if self.logprobs is not None:
            choice["logprobs"] = {"content": self.logprobs}
        return choice


class ChatStreamDecoder(StreamDecoder):
    """Folds chat-completion chunks into a ``chat.completion`` body.

    Args:
        provider: for the errors raised by ``error`` chunks.
        model: as above.
        think_tags: a leading ``<think>`` block in the content is reasoning
            (``ParseOptions.think_tags`` of the same API).
    """

    def __init__(self, provider: str, model: str, think_tags: bool = False) -> None:
        self.provider = provider
        self.model = model
        self.think_tags = think_tags
        self.done = False
        self._top: Dict[str, Any] = {}
        self._choices: Dict[int, _Choice] = {}

    def feed(self, event: Any) -> List[StreamDelta]:
        data = event.data
        if data.startswith("[DONE]"):
            self.done = True
            ended: List[StreamDelta] = []
            for index in sorted(self._choices):  # what a <think> splitter still holds
                self._runs(self._choices[index], self._choices[index].end(), ended)
            return ended
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
            state = self._choices[index] = _Choice(index, self.think_tags)
        delta = choice.get("delta") or {}
        for field in _REASONING_FIELDS:
            text = delta.get(field)
            if isinstance(text, str) and text:
                state.reasoning.setdefault(field, []).append(text)
                deltas.append(ReasoningDelta(text, choice=index))
        if delta.get("reasoning_details"):
            state.reasoning.setdefault("reasoning_details", []).extend(delta["reasoning_details"])
        text = delta.get("content")
        if isinstance(text, str) and text:
            self._content(state, text, deltas)
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            state.refusal.append(refusal)
            deltas.append(TextDelta(refusal, index))
        for piece in delta.get("tool_calls") or ():
            deltas.append(state.tools.add(piece, index))
        for annotation in delta.get("annotations") or ():
            key = json.dumps(annotation, sort_keys=True)
            if key not in state.cited:  # a repeat in a later chunk is one
                state.cited.add(key)
                state.annotations.append(annotation)
        filters = choice.get("content_filter_results")
        if isinstance(filters, dict):
            for name, result in filters.items():  # once filtered, a category stays filtered
                kept = state.filters.get(name)
                if not (isinstance(kept, dict) and kept.get("filtered")):
                    state.filters[name] = result
        if choice.get("finish_reason"):
            state.finish = choice["finish_reason"]
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict) and logprobs.get("content"):
            if state.logprobs is None:
                state.logprobs = []
            state.logprobs.extend(logprobs["content"])

    def _content(self, state: _Choice, text: str, deltas: List[StreamDelta]) -> None:
        if not state.content and any(field in state.reasoning for field in _REASONING_FIELDS):
            state.think = None  # reasoning has its own field: parse_completion reads no tags
        state.content.append(text)
        if state.think is None:
            deltas.append(TextDelta(text, state.index))
        else:
            self._runs(state, state.think.feed(text), deltas)

    @staticmethod
    def _runs(state: _Choice, runs: List[Run], deltas: List[StreamDelta]) -> None:
        for kind, text in runs:
            delta: StreamDelta = (
                ReasoningDelta(text, choice=state.index)
                if kind == "reasoning"
                else TextDelta(text, state.index)
            )
            deltas.append(delta)

    def body(self) -> Dict[str, Any]:
        return {
            **self._top,
            "object": "chat.completion",
            "choices": [self._choices[i].wire() for i in sorted(self._choices)],
        }

    def _error(self, chunk: Dict[str, Any]) -> APIError:
        chunk = self.clean(chunk)
        error = chunk.get("error") if isinstance(chunk.get("error"), dict) else chunk
        code = error.get("code") if isinstance(error, dict) else None
        status = code if isinstance(code, int) and code >= 400 else 500
        return error_from_response(
            status, chunk, json.dumps(chunk), {}, provider=self.provider, model=self.model
        )
