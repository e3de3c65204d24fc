"""Gemini streaming: ``streamGenerateContent?alt=sse`` chunks to deltas and the final body.

Each SSE ``data:`` is a ``GenerateContentResponse`` holding the next parts
of each candidate (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent):
text parts (``thought: true`` for thought summaries), whole ``functionCall``
parts, ``thoughtSignature`` on the part it signs; ``finishReason`` on a
candidate's last chunk; ``usageMetadata`` (cumulative, the last one wins),
``modelVersion`` and ``responseId``. The stream has no end event: it is
complete once every candidate has a ``finishReason`` (or the prompt was
blocked). An ``error`` object in a chunk raises the API's error. Adjacent
text parts of the same kind are joined (their pieces kept in lists and
joined once, by ``body()``), giving the body ``generateContent`` would
have answered, read by ``output_from``. Text parts that stay apart (a
function call between them) are joined by ``"\\n"`` in the output's text, and
thought parts by a blank line in its reasoning: the events carry those
separators too, so they add up to the output.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from ..._events import StreamDelta, TextDelta, ToolCallDelta
from ...errors import APIError
from .._streaming import StreamDecoder, Thoughts
from .._tool_stream import next_call
from ._response import google_error

__all__ = ["GeminiStreamDecoder"]


class GeminiStreamDecoder(StreamDecoder):
    """Folds ``GenerateContentResponse`` chunks into one response body."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.done = False
        self._top: Dict[str, Any] = {}
        self._candidates: Dict[int, Dict[str, Any]] = {}
        self._calls: Dict[int, int] = {}
        self._texts: Dict[int, int] = {}  # candidate -> text parts so far
        self._thoughts: Dict[int, Thoughts] = {}  # candidate -> its reasoning parts

    def feed(self, event: Any) -> List[StreamDelta]:
        chunk = json.loads(event.data)
        if chunk.get("error"):
            raise self._error(chunk)
        for key in ("usageMetadata", "modelVersion", "responseId", "promptFeedback"):
            if chunk.get(key):
                self._top[key] = chunk[key]
        if (chunk.get("promptFeedback") or {}).get("blockReason"):
            self.done = True
        deltas: List[StreamDelta] = []
        for candidate in chunk.get("candidates") or ():
            self._candidate(candidate, deltas)
        states = self._candidates.values()
        if states and all(state.get("finishReason") for state in states):
            self.done = True
        return deltas

    def _candidate(self, candidate: Dict[str, Any], deltas: List[StreamDelta]) -> None:
        index = int(candidate.get("index") or 0)
        state = self._candidates.get(index)
        if state is None:
            state = self._candidates[index] = {
                "index": index,
                "content": {"role": "model", "parts": []},
            }
        parts: List[Dict[str, Any]] = state["content"]["parts"]
        for part in (candidate.get("content") or {}).get("parts") or ():
            self._part(parts, dict(part), index, deltas)
        for key, value in candidate.items():
            if key not in ("content", "index") and value is not None:
                state[key] = value

    def _part(
        self,
        parts: List[Dict[str, Any]],
        part: Dict[str, Any],
        choice: int,
        deltas: List[StreamDelta],
    ) -> None:
        if "functionCall" in part:
            number = self._calls[choice] = next_call(self._calls.get(choice, -1) + 1)
            call = part["functionCall"]
            arguments = json.dumps(call.get("args") or {})
            deltas.append(
                ToolCallDelta(number, call.get("id"), call.get("name"), arguments, choice)
            )
            parts.append(part)
            return
        if "text" not in part:
            parts.append(part)
            return
        text, thought = part["text"], bool(part.get("thought"))
        if not isinstance(text, str):
            raise ValueError(f"a text part holds {type(text).__name__}")
        last = parts[-1] if parts else None
        if (
            last is not None
            and "text" in last
            and bool(last.get("thought")) == thought
            and not (last.get("thoughtSignature") and part.get("thoughtSignature"))
        ):
            target = last
            last["text"].append(text)
            if part.get("thoughtSignature"):
                last["thoughtSignature"] = part["thoughtSignature"]
        else:
            target = part
            part["text"] = [text]  # pieces until body() joins them
            parts.append(part)
            if not thought:  # several text parts: the output's text joins them with "\n"
                if self._texts.get(choice):
                    deltas.append(TextDelta("\n", choice))
                self._texts[choice] = self._texts.get(choice, 0) + 1
        if thought:
            thoughts = self._thoughts.setdefault(choice, Thoughts())
            deltas.extend(thoughts.deltas(id(target), text, choice))
        elif text:
            deltas.append(TextDelta(text, choice))

    def body(self) -> Dict[str, Any]:
        candidates = []
        for index in sorted(self._candidates):
            state = self._candidates[index]
            parts = [
                {**part, "text": "".join(part["text"])}
                if isinstance(part.get("text"), list)
                else part
                for part in state["content"]["parts"]
            ]
            candidates.append({**state, "content": {**state["content"], "parts": parts}})
        return {**self._top, "candidates": candidates} if candidates else dict(self._top)

    def _error(self, chunk: Dict[str, Any]) -> APIError:
        chunk = self.clean(chunk)
        error = chunk.get("error") or {}
        code = error.get("code") if isinstance(error, dict) else None
        status = code if isinstance(code, int) and code >= 400 else 500
        return google_error(
            status, chunk, json.dumps(chunk), {}, provider=self.provider, model=self.model
        )
