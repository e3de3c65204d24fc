"""``GenerateConfigArgs``: ``GenerateConfig``'s fields as keyword arguments, for type checkers.

A ``TypedDict`` (Inspect's name) that ``modelkit.config`` exports on first
use: building it compiles each of its 42 annotations, work a cold start
does not need. ``tests/test_config.py`` checks its keys are the config's
fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Literal, Optional, TypedDict, Union

if TYPE_CHECKING:
    from ._config_checks import ReasoningEffort
    from ._config_types import AdaptiveConcurrency, BatchConfig, OutputModality
    from ._response_schema import ResponseSchema

__all__ = ["GenerateConfigArgs"]


class GenerateConfigArgs(TypedDict, total=False):
    """Keyword arguments that selectively override ``GenerateConfig``."""

    max_retries: Optional[int]
    timeout: Optional[float]
    max_connections: Optional[int]
    requests_per_minute: Optional[int]
    tokens_per_minute: Optional[int]
    system_message: Optional[str]
    max_tokens: Optional[int]
    top_p: Optional[float]
    temperature: Optional[float]
    stop_seqs: Optional[List[str]]
    best_of: Optional[int]
    frequency_penalty: Optional[float]
    presence_penalty: Optional[float]
    logit_bias: Optional[Dict[int, float]]
    seed: Optional[int]
    top_k: Optional[int]
    num_choices: Optional[int]
    logprobs: Optional[bool]
    top_logprobs: Optional[int]
    parallel_tool_calls: Optional[bool]
    internal_tools: Optional[bool]
    max_tool_output: Optional[int]
    cache_prompt: Union[Literal["auto"], bool, None]
    reasoning_effort: Optional[ReasoningEffort]
    reasoning_history: Union[bool, Literal["none", "all", "last", "auto"], None]
    cache: Any
    batch: Union[bool, int, BatchConfig, None]
    attempt_timeout: Optional[float]
    adaptive_connections: Union[bool, int, str, AdaptiveConcurrency, None]
    prompt_logprobs: Optional[int]
    fallback_models: Optional[List[str]]
    fail_on_refusal: Optional[bool]
    verbosity: Optional[Literal["low", "medium", "high"]]
    effort: Optional[Literal["low", "medium", "high", "xhigh", "max"]]
    reasoning_mode: Optional[Literal["standard", "pro"]]
    reasoning_tokens: Optional[int]
    reasoning_summary: Optional[Literal["none", "concise", "detailed", "auto"]]
    extra_headers: Optional[Dict[str, str]]
    extra_body: Optional[Dict[str, Any]]
    modalities: Optional[List[OutputModality]]
    stream_idle_timeout: Optional[float]
    response_schema: Optional[ResponseSchema]
