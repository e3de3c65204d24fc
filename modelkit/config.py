"""Generation options: ``GenerateConfig``, its ``merge`` and its validation.

Every field is ``None`` by default, meaning "not set: use the provider's
or the model's default". ``merge`` layers one config over another (the
other's set values win), the way requests merges per-call settings over a
session's. Values out of range raise ``ConfigError`` at construction,
naming the field and what it allows; so does a number that is not finite
(``inf``, ``nan``, or ``1e999`` read from JSON) anywhere in a config, in
whichever field it is.
"""

from __future__ import annotations

import copy
import functools
import operator
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Literal,
    Mapping,
    Optional,
    Union,
)

import attrs

from ._config_checks import (
    REASONING_EFFORTS,
    ReasoningEffort,
    check_cache_policy,
    check_finite,
    check_logit_bias,
    check_optional_bool,
    check_positive,
    check_reasoning_history,
    check_stop_seqs,
    logit_bias_keys,
    number_in,
    one_of,
)
from ._config_fields import (
    adaptive_value,
    check_adaptive,
    check_extra_body,
    check_extra_headers,
    check_modalities,
    check_model_names,
    modalities_value,
)
from ._copy import shallow_copy
from ._lazy import LazyModule, lazy_exports
from ._serde import Serializable
from .errors import ConfigError

if TYPE_CHECKING:
    from . import _config_types, _response_schema
    from ._config_args import GenerateConfigArgs
    from ._config_types import AdaptiveConcurrency, BatchConfig, ImageOutput, OutputModality
    from ._response_schema import ResponseSchema
else:
    # The field types below resolve (typing.get_type_hints) through these
    # stand-ins, which import the module on first use: a config that leaves
    # those fields None never builds their classes (issue 24, cold start).
    _config_types = LazyModule("modelkit._config_types")
    _response_schema = LazyModule("modelkit._response_schema")

__all__ = [
    "AdaptiveConcurrency",
    "BatchConfig",
    "GenerateConfig",
    "GenerateConfigArgs",
    "ImageOutput",
    "OutputModality",
    "ReasoningEffort",
    "ResponseSchema",
]


def _batch(value: Any) -> Any:
    """``True``, a batch size, a dict or a ``BatchConfig`` -> ``BatchConfig``; ``False`` stays."""
    if value is None or value is False:
        return value
    from ._config_types import BatchConfig

    if isinstance(value, BatchConfig):
        return value
    if value is True:
        return BatchConfig()
    if isinstance(value, int):
        return BatchConfig(size=value)
    if isinstance(value, Mapping):
        return BatchConfig.from_dict(value)
    raise ConfigError(f"batch must be True, False, a batch size or a BatchConfig, got {value!r}")


def _schema_value(value: Any) -> Any:
    if value is None:
        return value
    from ._response_schema import ResponseSchema

    if isinstance(value, ResponseSchema):
        return value
    if isinstance(value, Mapping):
        return ResponseSchema.from_dict(value)
    raise ConfigError(
        f"response_schema must be a ResponseSchema (or its dict), got {type(value).__name__}"
    )


@attrs.define(kw_only=True)
class GenerateConfig(Serializable):
    """Options for one generation; ``None`` everywhere means "use the default".

    Args:
        max_retries: retries after the first attempt (default 5).
        timeout: seconds the whole call may take, retries and waits included.
        max_connections: requests in flight at once to this API (default:
            the provider's); across a fleet with ``$MODELKIT_LIMITS_URL``.
        requests_per_minute: the most requests sent to this API a minute,
            retries included (client-side; across a fleet with
            ``$MODELKIT_LIMITS_URL``).
        tokens_per_minute: the most tokens (as responses report them) this
            API may use a minute; a call waits while the minute's budget is spent.
        system_message: a system message put before the input's messages.
        max_tokens: the most tokens to generate (default: the model's).
        top_p: nucleus sampling mass, 0 to 1.
        temperature: sampling temperature, 0 to 2.
        stop_seqs: sequences at which generation stops (not included).
        best_of: completions generated server-side, the best returned (vLLM).
        frequency_penalty: -2 to 2; penalises tokens by their frequency so far.
        presence_penalty: -2 to 2; penalises tokens that appeared so far.
        logit_bias: token id to a bias from -100 to 100.
        seed: random seed.
        top_k: sample only from the k most likely tokens.
        num_choices: how many completions to generate.
        logprobs: return log probabilities of the output tokens.
        top_logprobs: most likely tokens (0 to 20) to return at each position.
        parallel_tool_calls: allow several tool calls in one turn (default True).
        internal_tools: map tools to the model's built-in ones where it has them.
        max_tool_output: most bytes of tool output kept (default 16 KiB).
        cache_prompt: cache the prompt prefix; ``"auto"`` (default) caches
            when tools are present (Anthropic).
        reasoning_effort: Inspect's ``"none"``, ``"minimal"``, ``"low"``,
            ``"medium"``, ``"high"``, ``"xhigh"`` or ``"max"``; each provider
            sends the nearest value its API documents (see its page in
            docs/providers/), and warns (``ConfigWarning``) where it can
            send none.
        reasoning_history: send earlier reasoning back to the model: ``True``
            (or Inspect's ``"all"``/``"auto"``), ``False`` (``"none"``), or
            ``"last"``: only the last assistant message's.
        cache: ``True`` or a ``CachePolicy``: the response cache policy used
            when ``generate`` is not given ``cache=`` (``False``: no cache).
        batch: send ``generate_many``'s inputs through the provider's batch
            API: ``True``, a batch size, or a ``BatchConfig``.
        attempt_timeout: seconds each attempt may take (within ``timeout``);
            a slower attempt is abandoned and retried per ``max_retries``.
        adaptive_connections: grow the connection limit from low towards
            ``max_connections`` while calls succeed, cut it on rate limits:
            ``True``, an integer maximum, ``"min-max"``/``"min-start-max"``
            or an ``AdaptiveConcurrency``.
        prompt_logprobs: log probabilities per prompt token, 1 to 20 (vLLM).
        fallback_models: models tried in turn, each with the same request,
            when this one fails for good or refuses; ``output.fallback`` says
            which answered.
        fail_on_refusal: raise ``ModelRefusalError`` when the model stops
            with ``content_filter``.
        verbosity: ``"low"``, ``"medium"`` or ``"high"`` (OpenAI GPT-5).
        effort: ``"low"`` to ``"max"``: tokens spent on a response (Anthropic).
        reasoning_mode: ``"standard"`` or ``"pro"`` (OpenAI Responses API).
        reasoning_tokens: the most tokens to spend reasoning (Anthropic,
            Google, Bedrock Claude).
        reasoning_summary: ``"none"``, ``"concise"``, ``"detailed"`` or
            ``"auto"`` (OpenAI Responses API).
        extra_headers: headers added to each request; never credential headers.
        extra_body: fields merged into each request's JSON body.
        modalities: output modalities beyond text: ``["image"]`` or
            ``[ImageOutput(options=...)]`` (Gemini image models; OpenAI's
            Responses ``image_generation`` tool); images come back as
            ``ContentImage`` parts.
        stream_idle_timeout: seconds a stream may stay silent between two
            reads before it fails (``Model.stream``; default: only ``timeout``).
        response_schema: constrain the answer to JSON matching this
            ``ResponseSchema`` (each API's native structured-output mode).
    """

    max_retries: Optional[int] = attrs.field(
        default=None, validator=number_in(0, None, integer=True)
    )
    timeout: Optional[float] = attrs.field(default=None, validator=check_positive)
    max_connections: Optional[int] = attrs.field(
        default=None, validator=number_in(1, None, integer=True)
    )
    requests_per_minute: Optional[int] = attrs.field(
        default=None, validator=number_in(1, None, integer=True)
    )
    tokens_per_minute: Optional[int] = attrs.field(
        default=None, validator=number_in(1, None, integer=True)
    )
    system_message: Optional[str] = None
    max_tokens: Optional[int] = attrs.field(
        default=None, validator=number_in(1, None, integer=True)
    )
    top_p: Optional[float] = attrs.field(default=None, validator=number_in(0, 1))
    temperature: Optional[float] = attrs.field(default=None, validator=number_in(0, 2))
    stop_seqs: Optional[List[str]] = attrs.field(default=None, validator=check_stop_seqs)
    best_of: Optional[int] = attrs.field(default=None, validator=number_in(1, None, integer=True))
    frequency_penalty: Optional[float] = attrs.field(default=None, validator=number_in(-2, 2))
    presence_penalty: Optional[float] = attrs.field(default=None, validator=number_in(-2, 2))
    logit_bias: Optional[Dict[int, float]] = attrs.field(
        default=None, converter=logit_bias_keys, validator=check_logit_bias
    )
    seed: Optional[int] = attrs.field(default=None, validator=number_in(None, None, integer=True))
    top_k: Optional[int] = attrs.field(default=None, validator=number_in(1, None, integer=True))
    num_choices: Optional[int] = attrs.field(
        default=None, validator=number_in(1, None, integer=True)
    )
    logprobs: Optional[bool] = attrs.field(default=None, validator=check_optional_bool)
    top_logprobs: Optional[int] = attrs.field(
        default=None, validator=number_in(0, 20, integer=True)
    )
    parallel_tool_calls: Optional[bool] = attrs.field(default=None, validator=check_optional_bool)
    internal_tools: Optional[bool] = attrs.field(default=None, validator=check_optional_bool)
    max_tool_output: Optional[int] = attrs.field(
        default=None, validator=number_in(0, None, integer=True)
    )
    cache_prompt: Union[Literal["auto"], bool, None] = attrs.field(
        default=None, validator=one_of("auto", True, False)
    )
    reasoning_effort: Optional[ReasoningEffort] = attrs.field(
        default=None, validator=one_of(*REASONING_EFFORTS)
    )
    reasoning_history: Union[bool, Literal["none", "all", "last", "auto"], None] = attrs.field(
        default=None, validator=check_reasoning_history
    )
    cache: Any = attrs.field(default=None, validator=check_cache_policy)
    batch: Union[bool, _config_types.BatchConfig, None] = attrs.field(
        default=None, converter=_batch
    )
    attempt_timeout: Optional[float] = attrs.field(default=None, validator=check_positive)
    adaptive_connections: Union[bool, int, _config_types.AdaptiveConcurrency, None] = attrs.field(
        default=None, converter=adaptive_value, validator=check_adaptive
    )
    prompt_logprobs: Optional[int] = attrs.field(
        default=None, validator=number_in(1, 20, integer=True)
    )
    fallback_models: Optional[List[str]] = attrs.field(default=None, validator=check_model_names)
    fail_on_refusal: Optional[bool] = attrs.field(default=None, validator=check_optional_bool)
    verbosity: Optional[Literal["low", "medium", "high"]] = attrs.field(
        default=None, validator=one_of("low", "medium", "high")
    )
    effort: Optional[Literal["low", "medium", "high", "xhigh", "max"]] = attrs.field(
        default=None, validator=one_of("low", "medium", "high", "xhigh", "max")
    )
    reasoning_mode: Optional[Literal["standard", "pro"]] = attrs.field(
        default=None, validator=one_of("standard", "pro")
    )
    reasoning_tokens: Optional[int] = attrs.field(
        default=None, validator=number_in(0, None, integer=True)
    )
    reasoning_summary: Optional[Literal["none", "concise", "detailed", "auto"]] = attrs.field(
        default=None, validator=one_of("none", "concise", "detailed", "auto")
    )
    extra_headers: Optional[Dict[str, str]] = attrs.field(
        default=None, validator=check_extra_headers
    )
    extra_body: Optional[Dict[str, Any]] = attrs.field(default=None, validator=check_extra_body)
    modalities: Optional[List[_config_types.OutputModality]] = attrs.field(
        default=None, converter=modalities_value, validator=check_modalities
    )
    stream_idle_timeout: Optional[float] = attrs.field(default=None, validator=check_positive)
    response_schema: Optional[_response_schema.ResponseSchema] = attrs.field(
        default=None, converter=_schema_value
    )

    _modelkit_only: ClassVar[FrozenSet[str]] = frozenset(
        {"requests_per_minute", "tokens_per_minute"}
    )

    def __attrs_post_init__(self) -> None:
        # Every field, whatever its own validator checks: a non-finite number
        # is never a valid setting and cannot be sent as JSON. Most are None.
        for name in _SWEPT:
            value = getattr(self, name)
            if value is not None and type(value) not in _PLAIN:
                check_finite(name, value)

    def merge(self, other: Union[GenerateConfig, GenerateConfigArgs, None]) -> GenerateConfig:
        """A new config (never ``self``): this one with ``other``'s set values on top.

        Nested dicts and lists (``extra_body``, ``extra_headers``,
        ``stop_seqs``...) are copied, as Inspect copies them: changing the
        merged config never changes ``self`` or ``other``.

        Raises:
            ConfigError: ``other`` is a dict with a key that is not a field,
                or a value out of range.
        """
        if other is None:  # a copy of a valid config: nothing to check again
            return shallow_copy(self, _CONTAINERS)
        if isinstance(other, GenerateConfig):
            updates = {k: v for k, v in attrs.asdict(other, recurse=False).items() if v is not None}
        elif isinstance(other, Mapping):
            check_keys(other)
            updates = {k: v for k, v in other.items() if v is not None}
        else:
            raise ConfigError(
                f"merge() takes a GenerateConfig or a dict, got {type(other).__name__}"
            )
        return _unshared(attrs.evolve(self, **updates))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerateConfig:
        """Build a config from a dict, rejecting unknown keys with a ``ConfigError``."""
        check_keys(data)
        return cls(**data)


FIELDS = tuple(f.name for f in attrs.fields(GenerateConfig))
_CONTAINERS = tuple(  # fields that may hold a dict or a list
    f.name for f in attrs.fields(GenerateConfig) if "Dict" in str(f.type) or "List" in str(f.type)
)


def holds_no_containers(config: GenerateConfig) -> bool:
    """No field of ``config`` holds a dict or a list (``merge`` would copy none)."""
    held: bool = _containers_of(config) == _NO_CONTAINERS  # (one C call reads them all)
    return held


_containers_of: Callable[[GenerateConfig], Any] = (
    operator.attrgetter(*_CONTAINERS)
    if len(_CONTAINERS) > 1  # (one name: attrgetter gives the value, not a tuple)
    else lambda config: tuple(getattr(config, name) for name in _CONTAINERS)
)
_NO_CONTAINERS = (None,) * len(_CONTAINERS)


def _unshared(config: GenerateConfig) -> GenerateConfig:
    """``config`` with its dicts and lists copied (set in place: it is a fresh copy)."""
    for name in _CONTAINERS:
        value = getattr(config, name)
        if isinstance(value, (dict, list)):
            object.__setattr__(config, name, copy.deepcopy(value))
    return config


_PLAIN = (str, int, bool)
_SWEPT = tuple(  # the fields whose own validator does not already reject inf and nan
    f.name
    for f in attrs.fields(GenerateConfig)
    if not getattr(f.validator, "rejects_non_finite", False)
)


def check_keys(data: Mapping[str, Any]) -> None:
    """Raise ``ConfigError`` naming any key of ``data`` that is not a config field.

    Each unknown key comes with the field it most likely meant
    (``temprature``: did you mean ``temperature``?), found by ``difflib``.
    """
    unknown = sorted((str(key) for key in data if key not in _FIELD_SET), key=str)
    if not unknown:
        return
    import difflib

    named = []
    for key in unknown:
        close = difflib.get_close_matches(key, FIELDS, n=1, cutoff=0.6)
        named.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
    plural = "s" if len(unknown) > 1 else ""
    raise ConfigError(
        f"unknown GenerateConfig field{plural} {', '.join(named)}. "
        f"Known fields: {', '.join(FIELDS)}"
    )


_FIELD_SET = frozenset(FIELDS)
_attrs_init = GenerateConfig.__init__


@functools.wraps(_attrs_init)
def _checked_init(self: GenerateConfig, *args: Any, **kwargs: Any) -> None:
    """attrs' ``__init__``, with an unknown keyword a ``ConfigError`` (not a bare TypeError)."""
    check_keys(kwargs)
    _attrs_init(self, *args, **kwargs)


# Wrapped after the class is built, so that type checkers still see attrs'
# typed signature (a hand-written ``__init__(**kwargs)`` would hide it).
setattr(GenerateConfig, "__init__", _checked_init)  # noqa: B010 - mypy refuses method assignment


# GenerateConfigArgs is for type checkers: building the TypedDict (42
# annotations, each compiled into a ForwardRef) and the classes of fields
# most configs leave None wait until asked for (PEP 562).
__getattr__ = lazy_exports(
    __name__,
    {
        "GenerateConfigArgs": "._config_args",
        "AdaptiveConcurrency": "._config_types",
        "BatchConfig": "._config_types",
        "ImageOutput": "._config_types",
        "OutputModality": "._config_types",
        "ResponseSchema": "._response_schema",
    },
)
