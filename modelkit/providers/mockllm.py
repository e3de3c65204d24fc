"""``mockllm``: a deterministic, offline model for tests and demos.

Without ``custom_outputs`` it answers every call with the same text. With
it, answers are scripted: a list or an iterator of outputs (or strings),
taken in order, or a callable ``(input, tools, tool_choice, config) ->
ModelOutput``. An answer may also be a list of chunks, as ``Model.stream``
delivers them: strings (text deltas), ``TextDelta`` / ``ReasoningDelta`` /
``ToolCallDelta``, or an exception, raised when the stream reaches it
(``generate`` raises it at once); the output is what the chunks add up to.
A plain output streams as one delta per part. A list that runs out raises an error saying how many
outputs it had. Usage is filled in (whitespace-separated words count as
tokens) when an output has none.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, Union

import attrs

from ..api import ModelAPI, modelapi
from ..config import GenerateConfig
from ..errors import ConfigError
from ..messages import ChatMessage
from ..output import ModelOutput, ModelUsage
from ..tools._types import ToolChoice, ToolInfo

if TYPE_CHECKING:
    from .._events import APIStream

DEFAULT_OUTPUT = "Default output from mockllm/{model}"

OutputFactory = Callable[[List[ChatMessage], List[ToolInfo], ToolChoice, GenerateConfig], Any]


@modelapi("mockllm")
class MockLLM(ModelAPI):
    """A model that answers from a script, never from the network.

    Args:
        model_name: any name (``"model"`` by convention).
        custom_outputs: the answers: a list or iterator of ``ModelOutput`` or
            strings, or a callable returning one per call.
    """

    cache_ignores = frozenset({"custom_outputs"})  # a script, keyed by its input as usual

    default_output = DEFAULT_OUTPUT.format(model="model")
    """What ``mockllm/model`` answers without a script (Inspect's attribute)."""

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
        custom_outputs: Union[OutputFactory, Any, None] = None,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config=config)
        self._lock = threading.Lock()
        self._served = 0
        self._factory: Optional[OutputFactory] = None
        self._outputs: Optional[Iterator[Any]] = None
        self._text: Optional[str] = None
        if custom_outputs is None:
            pass
        elif callable(custom_outputs) and not hasattr(custom_outputs, "__next__"):
            self._factory = custom_outputs
        elif isinstance(custom_outputs, (str, bytes)):
            # Inspect iterates a string and fails on its first character at the
            # first generate(); so does this, with a message that says why.
            self._text = repr(custom_outputs)
        elif not hasattr(custom_outputs, "__iter__"):
            raise ConfigError(
                "mockllm: custom_outputs must be an Iterable, Generator, or Callable "
                f"(a list of ModelOutput, say), got {custom_outputs!r}"
            )
        else:
            self._outputs = iter(custom_outputs)

    def generate(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        answer = self._answer(input, tools, tool_choice, config)
        if isinstance(answer, (list, tuple)):
            from ._mock_stream import ScriptedStream

            stream = ScriptedStream(self.model_name, answer, self._usage_for(input))
            for _ in stream:
                pass
            return stream.finish()
        return self._with_usage(self._as_output(answer), input)

    def stream(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> APIStream:
        from .._events import ReplayStream
        from ._mock_stream import ScriptedStream

        answer = self._answer(input, tools, tool_choice, config)
        if isinstance(answer, (list, tuple)):
            return ScriptedStream(self.model_name, answer, self._usage_for(input))
        return ReplayStream(self._with_usage(self._as_output(answer), input))

    def _answer(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> Any:
        if self._text is not None:
            raise ConfigError(
                "mockllm: output must be an instance of ModelOutput; custom_outputs is the "
                f"string {self._text}: pass a list, e.g. custom_outputs=[{self._text}]"
            )
        if self._factory is not None:
            return self._factory(input, tools, tool_choice, config)
        if self._outputs is not None:
            return self._next_output()
        return DEFAULT_OUTPUT.format(model=self.model_name)

    def _usage_for(self, input: List[ChatMessage]) -> Callable[[ModelOutput], ModelOutput]:
        return lambda output: self._with_usage(output, input)

    def _with_usage(self, output: ModelOutput, input: List[ChatMessage]) -> ModelOutput:
        if output.usage is None:
            output.usage = _usage(input, output)
        return output

    def _next_output(self) -> Any:
        with self._lock:
            try:
                output = next(self._outputs)  # type: ignore[arg-type]
            except StopIteration:
                raise ConfigError(  # a ValueError, as Inspect's
                    f"mockllm: custom_outputs ran out of values after {self._served} "
                    "output(s); give one output per generate() call"
                ) from None
            self._served += 1
            return output

    def _as_output(self, output: Any) -> ModelOutput:
        if isinstance(output, str):
            return ModelOutput.from_content(self.model_name, output)
        if not isinstance(output, ModelOutput):
            raise ConfigError(
                "mockllm: output must be an instance of ModelOutput (or a str); "
                f"got {type(output).__name__}: {output!r:.100}"
            )
        # A copy, so a scripted output reused across calls is never mutated.
        return attrs.evolve(output, model=output.model or self.model_name)


def _words(text: str) -> int:
    return len(text.split())


def _usage(input: List[ChatMessage], output: ModelOutput) -> ModelUsage:
    input_tokens = sum(_words(message.text) for message in input)
    output_tokens = sum(_words(choice.message.text) for choice in output.choices)
    return ModelUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
