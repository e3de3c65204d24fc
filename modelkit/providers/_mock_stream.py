"""mockllm's scripted streams: a list of chunks played as a stream.

Loaded only when a script holds chunks (or a stream is asked for), so the
plain offline ``generate`` never loads the streaming types.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, List, Optional, Sequence

from .._events import (
    APIStream,
    ReasoningDelta,
    StreamDelta,
    TextDelta,
    ToolCallDelta,
    output_from_deltas,
)
from ..errors import ConfigError
from ..output import ModelOutput

__all__ = ["ScriptedStream"]


class ScriptedStream(APIStream):
    """A scripted list of chunks, played as a stream."""

    def __init__(
        self,
        model_name: str,
        chunks: Sequence[Any],
        finish_output: Callable[[ModelOutput], ModelOutput],
    ) -> None:
        for chunk in chunks:
            if not isinstance(chunk, (str, TextDelta, ReasoningDelta, ToolCallDelta, Exception)):
                raise ConfigError(
                    "mockllm: a scripted stream takes str, TextDelta, ReasoningDelta, "
                    f"ToolCallDelta or an exception; got {type(chunk).__name__}"
                )
        self._model_name = model_name
        self._chunks = list(chunks)
        self._finish_output = finish_output
        self._seen: List[StreamDelta] = []

    def __iter__(self) -> Iterator[StreamDelta]:
        for chunk in self._chunks:
            if isinstance(chunk, Exception):
                raise chunk
            delta = TextDelta(chunk) if isinstance(chunk, str) else chunk
            self._seen.append(delta)
            yield delta

    def finish(self) -> ModelOutput:
        return self._finish_output(output_from_deltas(self._seen, self._model_name))

    def partial(self) -> Optional[ModelOutput]:
        return self.finish()
