"""``anthropic``: Claude models through the Anthropic Messages API.

``POST {base}/v1/messages`` with the key in ``x-api-key`` and a pinned
``anthropic-version`` (``2023-06-01``, the version that still takes
``temperature``/``top_p``/``top_k``). ``max_tokens`` is always sent (a
per-model default when the config has none). ``reasoning_effort`` turns on
extended thinking (``_thinking``): models from Claude 4.6 on get
``{"type": "adaptive"}`` with ``output_config.effort``; older ones get
``{"type": "enabled"}`` with a ``budget_tokens`` taken from
``THINKING_BUDGETS``, ``max_tokens`` kept above it; ``"none"`` turns
thinking off where a model thinks by default. ``reasoning_tokens`` sets that budget itself (Claude before 4.7),
and ``effort`` is sent as ``output_config.effort`` with the effort beta
flag (``reasoning_effort``'s adaptive effort wins over it). Thinking blocks come back as ``ContentReasoning`` with their
signatures and are sent back unchanged. ``cache_prompt`` (``"auto"``: when
tools are present) places ``cache_control`` breakpoints, written with the
``cache_ttl`` model argument's TTL (``"1h"``: the 1-hour cache, billed at
2x input rather than 1.25x). Usage keeps
Anthropic's split: ``input_tokens`` excludes cache reads and writes, which
are reported beside it; the total is the sum of all four counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Dict, FrozenSet, List, Optional, Sequence

from ..._engine.response import HttpResponse
from ...api import modelapi
from ...config import GenerateConfig
from ...errors import APIError, ConfigError
from ...messages import ChatMessage
from ...output import ModelOutput
from ...tools._types import ToolChoice, ToolFunction, ToolInfo
from ...tools.builtin._server import check_server_tools
from .._common import env_first, versioned_url
from .._counting import count_in, prompt_fields
from .._forced import answer_from_tool, check_forced
from .._rest import HttpRequest, RestAPI, json_or_none
from ._builtin import allow_direct_search, server_tool_betas
from ._compaction import COMPACT_BETA, has_compact_edit, has_compaction, needs_compact_edit
from ._messages import (
    add_cache_breakpoints,
    messages_to_wire,
    system_to_wire,
    tool_choice_to_wire,
    tools_to_wire,
)
from ._response import STOP_REASONS, error_type, parse_error_body, parse_message
from ._thinking import (
    ADAPTIVE_EFFORTS,
    THINKING_BUDGETS,
    model_version,
    thinking_budget,
    thinking_fields,
    thinking_mode,
)

if TYPE_CHECKING:
    from .._streaming import StreamDecoder

__all__ = [
    "ADAPTIVE_EFFORTS",
    "API_VERSION",
    "STOP_REASONS",
    "THINKING_BUDGETS",
    "AnthropicAPI",
    "default_max_tokens",
    "model_version",
    "parse_error_body",
    "parse_message",
    "request_body",
    "thinking_mode",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
EFFORT_BETA = "effort-2025-11-24"
"""The ``anthropic-beta`` flag sent with ``output_config.effort`` (as Inspect does)."""
CONFIG_FIELDS = frozenset(
    {"top_k", "effort", "reasoning_tokens", "extra_headers", "extra_body", "response_schema"}
)
"""The optional ``GenerateConfig`` fields this provider honours."""
COUNT_FIELDS = (
    "model", "messages", "system", "tools", "tool_choice", "thinking",
    "output_config", "cache_control", "mcp_servers", "context_management",
)  # fmt: skip
"""The body fields ``/v1/messages/count_tokens`` takes (the API reference's parameters)."""
KEY_VARS = ("ANTHROPIC_API_KEY",)
BASE_URL_VAR = "ANTHROPIC_BASE_URL"


def native_structured_output(model: str) -> bool:
    """Whether ``model`` takes ``output_config.format`` (Claude 4.5 and later).

    Structured outputs are generally available (no beta header) on Sonnet
    4.5, Opus 4.5, Haiku 4.5 and the 4.6 models; Opus 4.1 had them only in
    the retired ``output_format`` beta, so it, older models and ids with no
    version get a forced tool instead.
    """
    version = model_version(model)
    return version is not None and version >= (4, 5)


def default_max_tokens(model: str) -> int:
    """The ``max_tokens`` sent when the config sets none.

    4096 for Claude 3 (their ceiling), 16384 for adaptive-thinking models
    (thinking counts against it), 8192 otherwise.
    """
    version = model_version(model)
    if version is not None and version < (3, 5):
        return 4096
    if thinking_mode(model) == "adaptive":
        return 16384
    return 8192


def request_body(
    model: str,
    input: Sequence[ChatMessage],
    tools: Sequence[ToolInfo],
    tool_choice: ToolChoice,
    config: GenerateConfig,
    mode: Optional[str] = None,
    cache_ttl: Optional[str] = None,
) -> Dict[str, Any]:
    """The Messages API request body for one generation.

    Args:
        model: the model id.
        input: the conversation.
        tools: tools the model may call.
        tool_choice: which tool to use.
        config: generation options.
        mode: ``"adaptive"`` or ``"budget"`` thinking (default: by model).
        cache_ttl: the TTL of the prompt-cache breakpoints (``"5m"``,
            ``"1h"``; default: the API's, 5 minutes).

    Raises:
        ConfigError: a value the API cannot take (temperature above 1,
            several choices, max_tokens not above the thinking budget).
    """
    if config.temperature is not None and config.temperature > 1:
        raise ConfigError(
            f"anthropic: temperature must be between 0 and 1, got {config.temperature}"
        )
    if config.num_choices is not None and config.num_choices > 1:
        raise ConfigError(
            f"anthropic: the Messages API returns one completion per request; "
            f"num_choices={config.num_choices} is not supported (make several calls)"
        )
    mode = mode or thinking_mode(model)
    body: Dict[str, Any] = {"model": model, "max_tokens": _max_tokens(model, config, mode)}
    system = system_to_wire(input)
    if system:
        body["system"] = system
    body["messages"] = messages_to_wire(input)
    if tools:
        body["tools"] = tools_to_wire(tools, mode == "adaptive")
        if isinstance(tool_choice, ToolFunction) and tool_choice.name == "web_search":
            allow_direct_search(body["tools"])
        body["tool_choice"] = tool_choice_to_wire(tool_choice, config.parallel_tool_calls)
    body.update(thinking_fields("anthropic", model, config, mode))
    for field, key in (("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k")):
        value = getattr(config, field)
        if value is not None:
            body[key] = value
    if config.stop_seqs:
        body["stop_sequences"] = list(config.stop_seqs)
    if config.cache_prompt is True or (config.cache_prompt in (None, "auto") and tools):
        add_cache_breakpoints(body, cache_ttl)
    return body


def _max_tokens(model: str, config: GenerateConfig, mode: str) -> int:
    budget = thinking_budget(model, config, mode)
    if config.max_tokens is None:
        return default_max_tokens(model) + budget
    if budget and config.max_tokens <= budget:
        setting = (
            f"reasoning_tokens={budget}"
            if config.reasoning_tokens is not None
            else f"reasoning_effort={config.reasoning_effort!r} ({budget} tokens)"
        )
        raise ConfigError(
            f"anthropic: max_tokens ({config.max_tokens}) must be above the thinking budget "
            f"for {setting}; raise max_tokens, lower the budget, or leave max_tokens unset"
        )
    return config.max_tokens


@modelapi("anthropic")
class AnthropicAPI(RestAPI):
    """Claude models through the Anthropic Messages API.

    Args:
        model_name: the model id (``claude-sonnet-4-5``, ``claude-opus-4-7``...).
        base_url: the API root (default ``$ANTHROPIC_BASE_URL``, else
            ``https://api.anthropic.com``); ``/v1/messages`` is appended.
        api_key: the API key (default ``$ANTHROPIC_API_KEY``).
        config: the model's default generation config.
        anthropic_version: the ``anthropic-version`` header.
        betas: ``anthropic-beta`` flags to send.
        thinking: ``"adaptive"`` or ``"budget"`` extended thinking, to
            override the choice made from the model id.
        cache_ttl: ``"5m"`` or ``"1h"``, the lifetime of the prompt-cache
            entries this API writes (as Inspect's; its ``"auto"`` escalation
            is not offered). ``"1h"`` entries are billed at the 1-hour write
            rate, and the call's cost says so. Default: the API's 5 minutes.
    """

    requires_api_key = True
    cache_ignores = frozenset({"cache_ttl"})  # how long the provider keeps a prefix, not answers
    env_vars: ClassVar[Dict[str, str]] = {
        "ANTHROPIC_API_KEY": "API key (required)",
        "ANTHROPIC_BASE_URL": f"API root URL (default {DEFAULT_BASE_URL})",
    }

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
        anthropic_version: str = API_VERSION,
        betas: Optional[Sequence[str]] = None,
        thinking: Optional[str] = None,
        cache_ttl: Optional[str] = None,
    ) -> None:
        if thinking not in (None, "adaptive", "budget"):
            raise ConfigError(
                f"anthropic: thinking must be 'adaptive' or 'budget', got {thinking!r}"
            )
        if cache_ttl not in (None, "5m", "1h"):
            raise ConfigError(f"anthropic: cache_ttl must be '5m' or '1h', got {cache_ttl!r}")
        super().__init__(
            model_name,
            base_url=base_url or env_first(BASE_URL_VAR),
            api_key=api_key,
            api_key_vars=KEY_VARS,
            config=config,
        )
        self.anthropic_version = anthropic_version
        self.betas = list(betas or [])
        self.thinking = thinking
        self.cache_ttl = cache_ttl

    @property
    def url(self) -> str:
        """Where requests go: the base URL plus ``/v1/messages``."""
        return versioned_url(self.base_url or DEFAULT_BASE_URL, "v1", "messages")

    def max_tokens(self) -> Optional[int]:
        return default_max_tokens(self.model_name)

    def canonical_name(self) -> str:
        return f"anthropic/{self.model_name}"

    def is_rate_limit(self, ex: BaseException) -> bool:
        """Rate limits (429) and API-wide overload (529 ``overloaded_error``)."""
        if super().is_rate_limit(ex):
            return True
        return isinstance(ex, APIError) and (
            ex.status == 529 or error_type(ex.body) == "overloaded_error"
        )

    def tool_result_images(self) -> bool:
        return True

    def has_reasoning_history(self) -> bool:
        return True

    def cache_write_ttl(self) -> Optional[str]:
        """The TTL every breakpoint this API places is written with (``None``: 5 minutes)."""
        return self.cache_ttl

    def batch_client(self) -> Any:
        from ._batch import AnthropicBatchClient

        return AnthropicBatchClient(self)

    def build_request(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> HttpRequest:
        check_server_tools(self.provider, "anthropic", tools, ("web_search", "code_execution"))
        body = request_body(
            self.model_name, input, tools, tool_choice, config, self.thinking, self.cache_ttl
        )
        structured = config.response_schema
        if structured is not None and native_structured_output(self.model_name):
            output_config = body.setdefault("output_config", {})
            output_config["format"] = {"type": "json_schema", "schema": structured.json_schema}
        elif structured is not None:
            thinking = body.get("thinking", {}).get("type") in ("enabled", "adaptive")
            check_forced(self.provider, structured, bool(tools), thinking)
            tool = {"name": structured.name, "input_schema": structured.json_schema}
            if structured.description:
                tool["description"] = structured.description
            body["tools"] = [tool]
            body["tool_choice"] = {"type": "tool", "name": structured.name}
        headers = {
            "x-api-key": self.api_key or "",
            "anthropic-version": self.anthropic_version,
            "content-type": "application/json",
        }
        betas = list(self.betas)
        if config.effort is not None and EFFORT_BETA not in betas:
            betas.append(EFFORT_BETA)
        betas.extend(b for b in server_tool_betas(body.get("tools", ())) if b not in betas)
        extra = (config.extra_body or {}).get("context_management")
        if not has_compact_edit(extra) and has_compaction(input):
            window_1m = thinking_mode(self.model_name) == "adaptive"  # 4.6 and later
            body["context_management"] = needs_compact_edit(betas, window_1m)
        compacting = has_compact_edit(extra) or has_compact_edit(body.get("context_management"))
        if compacting and COMPACT_BETA not in betas:
            betas.append(COMPACT_BETA)
        if betas:
            headers["anthropic-beta"] = ",".join(betas)
        return HttpRequest(url=self.url, headers=headers, body=body)

    def config_fields(self) -> FrozenSet[str]:
        return CONFIG_FIELDS

    # --- native compaction: the compact_20260112 edit, paused after it -------

    def compact(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        config: GenerateConfig,
        instructions: Optional[str] = None,
    ) -> Any:
        """Compaction by the Messages API (see ``_compaction.compact``)."""
        from ._compaction import compact

        return compact(self, input, tools, config, instructions)

    # --- token counting: POST /v1/messages/count_tokens ---------------------

    def native_token_count(self) -> bool:
        return True

    def count_request(self, input: List[ChatMessage], config: GenerateConfig) -> HttpRequest:
        """The Messages request's prompt fields, to ``/v1/messages/count_tokens``."""
        request = self.build_request(input, [], "none", config)
        body = prompt_fields(request.body, COUNT_FIELDS)
        return HttpRequest(url=f"{request.url}/count_tokens", headers=request.headers, body=body)

    def parse_count(self, body: Any) -> int:
        return count_in(body, "input_tokens")

    def parse_response(self, body: Any, response: HttpResponse) -> ModelOutput:
        return parse_message(body, self.model_name)

    def stream_decoder(self, config: GenerateConfig) -> Optional[StreamDecoder]:
        from ._stream import MessagesStreamDecoder

        return MessagesStreamDecoder(self.provider, self.model_name, self._forced_tool(config))

    def _forced_tool(self, config: GenerateConfig) -> Optional[str]:
        """The forced tool serving ``response_schema`` (``None``: native or not asked)."""
        schema = config.response_schema
        if schema is None or native_structured_output(self.model_name):
            return None
        return schema.name

    def finish_output(self, output: ModelOutput, config: GenerateConfig) -> ModelOutput:
        forced = self._forced_tool(config)
        return answer_from_tool(output, forced) if forced else output

    def parse_error(self, response: HttpResponse) -> APIError:
        body = json_or_none(response)
        return parse_error_body(
            response.status,
            body,
            response.text,
            response.headers,
            provider=self.provider,
            model=self.model_name,
        )
