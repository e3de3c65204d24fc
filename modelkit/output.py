"""What a generation returns: choices, stop reasons, usage, logprobs, calls.

``ModelOutput`` holds one ``ChatCompletionChoice`` per completion the API
returned; ``.message``, ``.completion`` and ``.stop_reason`` read the first.
``ModelUsage`` follows one convention for every provider: ``input_tokens``
excludes tokens read from the prompt cache (those are in
``input_tokens_cache_read``), ``output_tokens`` includes reasoning tokens,
and ``total_tokens`` is the sum of all. ``ModelCall`` records one request
and its response, secrets already redacted. As in Inspect, outputs are
mutable: ``output.completion = "..."`` sets the first choice's text.
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Literal,
    Optional,
    Tuple,
    Union,
)

import attrs

from . import _response_headers
from ._lazy import LazyModule, lazy_exports
from ._serde import Decoder, Serializable, list_of
from .errors import ResponseFormatError
from .messages import ChatMessageAssistant

if TYPE_CHECKING:
    from . import _output_parts
    from ._content import Content
    from ._output_parts import (
        Logprob,
        Logprobs,
        ModelFallback,
        StopCategory,
        StopDetails,
        TopLogprob,
    )
else:
    # The fields below name these classes through a stand-in that imports
    # _output_parts when a hint is resolved or a value decoded: an answer
    # without logprobs, stop details or a fallback never builds them.
    _output_parts = LazyModule("modelkit._output_parts")

__all__ = [
    "ChatCompletionChoice",
    "Logprob",
    "Logprobs",
    "ModelCall",
    "ModelFallback",
    "ModelOutput",
    "ModelUsage",
    "StopCategory",
    "StopDetails",
    "StopReason",
    "TopLogprob",
]

StopReason = Literal[
    "stop", "max_tokens", "model_length", "tool_calls", "content_filter", "unknown"
]
"""Why the model stopped: it finished (``stop``), hit ``max_tokens``, ran out
of context (``model_length``), called tools, was filtered, or ``unknown``."""


@attrs.define
class ModelUsage(Serializable):
    """Token usage of one call (or a running total: usages add with ``+``).

    Args:
        input_tokens: input tokens not read from the prompt cache.
        output_tokens: output tokens, reasoning tokens included.
        total_tokens: all of the above plus cache reads and writes.
        input_tokens_cache_write: input tokens written to the prompt cache.
        input_tokens_cache_read: input tokens read from the prompt cache.
        reasoning_tokens: the part of ``output_tokens`` spent on reasoning.
        total_cost: what the call cost in dollars, from the model table
            (``modelkit.info``); ``None`` when the model's price is unknown,
            ``0.0`` for an answer served from the response cache.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_cache_write: Optional[int] = None
    input_tokens_cache_read: Optional[int] = None
    reasoning_tokens: Optional[int] = None
    total_cost: Optional[float] = None

    def __add__(self, other: ModelUsage) -> ModelUsage:
        # Each optional field: None when both are None, else the sum (None as 0);
        # written out, not through a helper: every call adds its usage to the model's.
        a, b = self.input_tokens_cache_write, other.input_tokens_cache_write
        write = None if a is None and b is None else (a or 0) + (b or 0)
        a, b = self.input_tokens_cache_read, other.input_tokens_cache_read
        read = None if a is None and b is None else (a or 0) + (b or 0)
        a, b = self.reasoning_tokens, other.reasoning_tokens
        reasoning = None if a is None and b is None else (a or 0) + (b or 0)
        c, d = self.total_cost, other.total_cost
        cost = None if c is None and d is None else (c or 0) + (d or 0)
        return ModelUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            input_tokens_cache_write=write,
            input_tokens_cache_read=read,
            reasoning_tokens=reasoning,
            total_cost=cost,
        )


@attrs.define
class ChatCompletionChoice(Serializable):
    """One completion: the assistant message, why it stopped, its logprobs.

    ``stop_details`` says more about a refusal or a content filter, when
    the API reported it. ``prompt_logprobs`` holds the log probability of
    each prompt token, when asked for with ``GenerateConfig.prompt_logprobs``
    (vLLM), as in Inspect.
    """

    message: ChatMessageAssistant
    stop_reason: StopReason = "unknown"
    logprobs: Optional[_output_parts.Logprobs] = None
    prompt_logprobs: Optional[_output_parts.Logprobs] = None
    stop_details: Optional[_output_parts.StopDetails] = attrs.field(default=None, kw_only=True)

    _dump_first: ClassVar[Tuple[str, ...]] = ("message", "stop_reason", "stop_details")
    _decoders: ClassVar[Dict[str, Decoder]] = {
        "message": ChatMessageAssistant.from_dict,
        "stop_details": lambda data: _output_parts.StopDetails.from_dict(data),
        "logprobs": lambda data: _output_parts.Logprobs.from_dict(data),
        "prompt_logprobs": lambda data: _output_parts.Logprobs.from_dict(data),
    }


@attrs.define
class ModelOutput(Serializable):
    """The output of one generation.

    Args:
        model: the model that generated it.
        choices: one entry per completion.
        usage: the tokens the call used.
        time: seconds the call took (filled in by ``Model.generate``).
        metadata: provider-specific extras.
        error: why the model refused, when it did (content moderation).
        cached: the output came from modelkit's response cache.
        fallback: set when a fallback model answered instead of the one asked.
        call: the ``ModelCall`` record of the request that produced it (not
            serialised, not compared; ``None`` for cache hits and mockllm).
    """

    model: str = ""
    choices: List[ChatCompletionChoice] = attrs.field(factory=list)
    usage: Optional[ModelUsage] = None
    time: Optional[float] = None
    metadata: Optional[Dict[str, Any]] = None
    error: Optional[str] = None
    cached: Optional[bool] = None
    fallback: Optional[_output_parts.ModelFallback] = None
    call: Optional[ModelCall] = attrs.field(
        default=None, eq=False, repr=False, metadata={"transient": True}
    )

    _computed: ClassVar[Tuple[str, ...]] = ("completion",)
    _dump_first: ClassVar[Tuple[str, ...]] = (
        "model",
        "choices",
        "completion",
        "usage",
        "input_context_tokens",
        "fallback",
        "time",
    )
    _inspect_only: ClassVar[Tuple[str, ...]] = ("input_context_tokens", "response_id")
    _modelkit_only: ClassVar[FrozenSet[str]] = frozenset({"cached"})
    _decoders: ClassVar[Dict[str, Decoder]] = {
        "choices": list_of(ChatCompletionChoice.from_dict),
        "usage": ModelUsage.from_dict,
        "fallback": lambda data: _output_parts.ModelFallback.from_dict(data),
    }

    @property
    def empty(self) -> bool:
        """No choices came back."""
        return not self.choices

    @property
    def stop_reason(self) -> StopReason:
        """The first choice's stop reason (``"unknown"`` with no choices)."""
        return self.choices[0].stop_reason if self.choices else "unknown"

    @property
    def message(self) -> ChatMessageAssistant:
        """The first choice's message (an empty one with no choices)."""
        return self.choices[0].message if self.choices else ChatMessageAssistant(content="")

    @property
    def completion(self) -> str:
        """The text of the first choice (``""`` with no choices)."""
        return self.message.text if self.choices else ""

    @completion.setter
    def completion(self, completion: str) -> None:
        """Set the first choice's text (a new ``"stop"`` choice when there is none)."""
        if self.choices:
            self.choices[0].message.text = completion
        else:
            message = ChatMessageAssistant(content=completion, model=self.model, source="generate")
            self.choices.append(ChatCompletionChoice(message=message, stop_reason="stop"))

    @classmethod
    def from_message(
        cls, message: ChatMessageAssistant, stop_reason: StopReason = "stop"
    ) -> ModelOutput:
        """An output whose one choice is ``message``."""
        return cls(
            model=message.model or "",
            choices=[ChatCompletionChoice(message=message, stop_reason=stop_reason)],
        )

    def parse(self, into: Any) -> Any:
        """The completion as JSON, checked against a schema, as ``into``.

        Args:
            into: a ``TypedDict``, dataclass, attrs class or pydantic model
                (the answer is checked against its schema and converted to
                it), or a ``ResponseSchema`` / JSON Schema dict (checked, a
                dict or list returned).

        Raises:
            ResponseFormatError: the answer is not JSON or does not match;
                ``.text`` is the raw answer.
        """
        from ._structured import parse_answer, schema_from_type

        target: Any = None
        if isinstance(getattr(into, "json_schema", None), dict):
            schema = into.json_schema
        elif isinstance(into, dict):
            schema = into
        else:
            schema, target = schema_from_type(into), into
        try:
            return parse_answer(self.completion, schema, target)
        except ResponseFormatError as error:
            error.model = error.model or self.model
            raise

    @classmethod
    def from_content(
        cls,
        model: str,
        content: Union[str, List[Content]],
        stop_reason: StopReason = "stop",
        error: Optional[str] = None,
        stop_details: Optional[StopDetails] = None,
    ) -> ModelOutput:
        """An output whose one choice holds ``content`` (text or content parts).

        Args:
            model: the model name.
            content: the text, or a list of content parts.
            stop_reason: why generation stopped.
            error: the error message, if any.
            stop_details: more about the stop (e.g. a refusal's category).
        """
        message = ChatMessageAssistant(content=content, model=model, source="generate")
        choice = ChatCompletionChoice(
            message=message, stop_reason=stop_reason, stop_details=stop_details
        )
        return cls(model=model, choices=[choice], error=error)

    @classmethod
    def for_tool_call(
        cls,
        model: str,
        tool_name: str,
        tool_arguments: Dict[str, Any],
        tool_call_id: Optional[str] = None,
        content: Optional[str] = None,
    ) -> ModelOutput:
        """An output whose one choice calls ``tool_name`` with ``tool_arguments``."""
        import uuid

        from .tools._records import ToolCall

        call = ToolCall(
            id=tool_call_id or str(uuid.uuid4()),
            function=tool_name,
            arguments=dict(tool_arguments),
        )
        message = ChatMessageAssistant(
            content=content if content is not None else f"tool call for tool {tool_name}",
            tool_calls=[call],
            model=model,
            source="generate",
        )
        return cls(
            model=model,
            choices=[ChatCompletionChoice(message=message, stop_reason="tool_calls")],
        )


@attrs.define
class ModelCall(Serializable):
    """One request to a model API and what came back, secrets redacted.

    Args:
        request: the request body, base64 media shortened.
        response: the response body, or ``None`` when none arrived.
        time: seconds from sending the request to reading the response.
        status: the HTTP status, when there was a response.
        url: where the request went.
        headers: the request headers, credentials redacted.
        total_cost: what the call cost in dollars (``None``: price unknown,
            or no usage came back).
        request_ids: the provider's request id(s), read from the response
            headers (``x-request-id`` and the like).
    """

    request: Dict[str, Any]
    response: Optional[Any] = None
    time: Optional[float] = None
    status: Optional[int] = None
    url: Optional[str] = None
    headers: Optional[Dict[str, str]] = None
    total_cost: Optional[float] = None
    request_ids: Optional[List[_response_headers.ModelRequestId]] = None
    _pending: Optional[Callable[[], Dict[str, Any]]] = attrs.field(
        default=None, init=False, eq=False, repr=False, metadata={"transient": True}
    )

    _inspect_only: ClassVar[Tuple[str, ...]] = ("error", "call_refs", "call_key")
    _dump_first: ClassVar[Tuple[str, ...]] = ("request", "response", "error")
    _modelkit_only: ClassVar[FrozenSet[str]] = frozenset(
        {"status", "url", "headers", "total_cost", "request_ids"}
    )
    _decoders: ClassVar[Dict[str, Decoder]] = {
        "request_ids": list_of(lambda data: _response_headers.ModelRequestId.from_dict(data))
    }

    @classmethod
    def deferred(cls, build: Callable[[], Dict[str, Any]], **known: Any) -> ModelCall:
        """A record whose remaining fields ``build()`` returns when one is first read.

        Copying and shortening request and response bodies for a record
        nobody reads would cost every call; a deferred record does that work
        on first access (reading a field, ``repr``, ``==``, ``to_dict``,
        pickling). ``build`` must be pure and must return every field that
        ``known`` does not give.
        """
        call = cls.__new__(cls)
        put = object.__setattr__
        put(call, "total_cost", None)
        put(call, "request_ids", None)  # set after the attempt, without building
        for name, value in known.items():  # (may replace either)
            put(call, name, value)
        put(call, "_pending", build)
        return call

    def __getattr__(self, name: str) -> Any:
        # Reached only for a field not set yet: those a deferred record builds.
        try:
            pending = object.__getattribute__(self, "_pending")
        except AttributeError:
            pending = None
        if pending is None or name.startswith("__"):
            raise AttributeError(name)
        for key, value in pending().items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_pending", None)
        return object.__getattribute__(self, name)


__getattr__ = lazy_exports(
    __name__,
    {
        name: "._output_parts"
        for name in (
            "Logprob",
            "Logprobs",
            "ModelFallback",
            "StopCategory",
            "StopDetails",
            "TopLogprob",
        )
    },
)
