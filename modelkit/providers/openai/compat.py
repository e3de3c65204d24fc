"""Servers that speak OpenAI's chat-completions format, as a table of presets.

Each preset names a server's default base URL, the environment variables
for its key and base URL, its default connection limit and the quirks its
documentation states (request fields it rejects, where it puts reasoning,
the shape of its logprobs). The converters are OpenAI's; a preset only
changes the ``WireOptions`` and ``ParseOptions`` they are called with.

``openai-api/<name>/<model>`` serves any other such server: it reads
``<NAME>_API_KEY`` and ``<NAME>_BASE_URL`` (``<name>`` upper-cased, ``-``
as ``_``), and needs the base URL.
"""

from __future__ import annotations

import re
from typing import Any, Callable, ClassVar, Dict, FrozenSet, List, Optional, Tuple

import attrs

from ..._engine.response import HttpResponse
from ...api import ModelAPI, modelapi
from ...config import GenerateConfig
from ...errors import ConfigError
from ...messages import ChatMessage, ChatMessageAssistant, ContentToolUse
from ...output import ModelOutput
from ...tools._types import ToolInfo, internal_tool_type
from ...tools.builtin._server import SERVER_TOOL_TYPES
from .._common import env_first
from .._effort import LOW_TO_HIGH, MAX_AS_XHIGH, EffortMap
from ._request import WireOptions
from ._response import ParseOptions, prompt_logprobs
from .api import OPENAI_SAMPLING, OpenAIAPI

__all__ = ["PRESETS", "GenericOpenAIAPI", "OpenAICompatibleAPI", "Preset"]

ModelRules = Callable[[str], FrozenSet[str]]


_GROK_EFFORT = re.compile(r"^grok-(?:3-mini|4\.[3-9](?!\d)|4\.20-multi-agent|[5-9])")
"""The Grok models that take ``reasoning_effort``: grok-3-mini (``low``/``high``),
grok-4.3 and later (``none`` to ``high``), grok-4.20's multi-agent model; grok-3,
grok-4, grok-4-fast, grok-4-1-fast, grok-4.20 and grok-code-fast reject it (xAI's
reasoning guide, https://docs.x.ai/docs/guides/reasoning and its 2026 revision)."""


def _grok_rules(model: str) -> FrozenSet[str]:
    """xAI: reasoning models reject ``stop`` and penalties; few take an effort (``_GROK_EFFORT``)."""
    name = model.lower()
    rejected = set()
    reasoning = ("grok-3-mini" in name or name.startswith(("grok-4", "grok-code"))) and (
        "non-reasoning" not in name
    )
    if reasoning:
        rejected.update({"stop", "frequency_penalty", "presence_penalty"})
    if not _GROK_EFFORT.match(name):
        rejected.add("reasoning_effort")
    return frozenset(rejected)


def _grok_efforts(model: str) -> EffortMap:
    """grok-3-mini: ``low``/``medium``/``high`` (Inspect's clamp); later: ``none`` too."""
    if model.lower().startswith("grok-3-mini"):
        return LOW_TO_HIGH
    return (("minimal", "low"), ("xhigh", "high"), ("max", "high"))


def _gpt_oss_clamp(rest: EffortMap) -> Callable[[str], EffortMap]:
    """``rest``, or ``low``-to-``high`` only for gpt-oss and MiniMax M2 (as Inspect's clamp)."""

    def efforts(model: str) -> EffortMap:
        name = model.lower()
        return LOW_TO_HIGH if "gpt-oss" in name or "minimax-m2" in name else rest

    return efforts


def _deepseek_rules(model: str) -> FrozenSet[str]:
    """DeepSeek: the reasoner rejects logprobs."""
    return frozenset({"logprobs", "top_logprobs"}) if "reasoner" in model else frozenset()


@attrs.frozen
class Preset:
    """One OpenAI-compatible server.

    Args:
        name: the provider name (``groq``).
        base_url: the default API root, or ``None`` when it must be given.
        key_vars: environment variables that may hold the key, first wins.
        base_url_vars: environment variables that may hold the base URL.
        requires_key: fail early without a key.
        max_connections: default requests in flight at once.
        wire: how requests are shaped.
        think_tags: a leading ``<think>`` block in the content is reasoning.
        model_rules: extra request fields a given model rejects.
        efforts: the model's ``reasoning_effort`` scale (an effort map),
            when it is not the preset's ``wire.efforts``.
        reports_cost: each response's ``usage.cost`` is what the call was
            billed, in dollars; it is the call's cost, not the price table.
        summary: one line for ``modelkit providers``.
    """

    name: str
    base_url: Optional[str]
    key_vars: Tuple[str, ...]
    base_url_vars: Tuple[str, ...]
    requires_key: bool = True
    max_connections: int = 10
    wire: WireOptions = attrs.field(factory=WireOptions)
    think_tags: bool = True
    model_rules: Optional[ModelRules] = None
    efforts: Optional[Callable[[str], EffortMap]] = None
    reports_cost: bool = False
    summary: str = ""


PRESETS: Tuple[Preset, ...] = (
    Preset(
        "groq",
        "https://api.groq.com/openai/v1",
        ("GROQ_API_KEY",),
        ("GROQ_BASE_URL",),
        wire=WireOptions(
            unsupported=frozenset({"logprobs", "top_logprobs", "logit_bias", "n"}),
            efforts=LOW_TO_HIGH,
        ),
        summary="Groq (400s on logprobs, logit_bias, n > 1: left off)",
    ),
    Preset(
        "together",
        "https://api.together.xyz/v1",
        ("TOGETHER_API_KEY",),
        ("TOGETHER_BASE_URL",),
        wire=WireOptions(extra_fields=("top_k",), logprobs_as_count=True),
        efforts=_gpt_oss_clamp((("none", None), ("minimal", "low"))),
        summary="Together AI",
    ),
    Preset(
        "grok",
        "https://api.x.ai/v1",
        ("XAI_API_KEY", "GROK_API_KEY"),
        ("XAI_BASE_URL", "GROK_BASE_URL"),
        wire=WireOptions(server_tools="grok"),
        efforts=_grok_efforts,
        model_rules=_grok_rules,
        summary="xAI Grok (web_search()/code_execution() through its Responses API)",
    ),
    Preset(
        "vllm",
        "http://localhost:8000/v1",
        ("VLLM_API_KEY",),
        ("VLLM_BASE_URL",),
        requires_key=False,
        max_connections=32,
        wire=WireOptions(extra_fields=("top_k", "prompt_logprobs")),
        summary="a vLLM server",
    ),
    Preset(
        "llama-cpp-python",
        "http://localhost:8000/v1",
        ("LLAMA_CPP_PYTHON_API_KEY",),
        ("LLAMA_CPP_PYTHON_BASE_URL",),
        requires_key=False,
        max_connections=4,
        wire=WireOptions(
            unsupported=frozenset({"n", "parallel_tool_calls"}),
            extra_fields=("top_k",),
            reasoning_effort=None,
            logprobs_need_top=True,
            response_format="json_object_schema",
        ),
        summary="llama-cpp-python's server (python -m llama_cpp.server)",
    ),
    Preset(
        "ollama",
        "http://localhost:11434/v1",
        ("OLLAMA_API_KEY",),
        ("OLLAMA_BASE_URL",),
        requires_key=False,
        max_connections=4,
        wire=WireOptions(efforts=(("minimal", "low"), ("xhigh", "high"), ("max", "high"))),
        summary="Ollama's /v1 API",
    ),
    Preset(
        "openrouter",
        "https://openrouter.ai/api/v1",
        ("OPENROUTER_API_KEY",),
        ("OPENROUTER_BASE_URL",),
        wire=WireOptions(
            extra_fields=("top_k",),
            reasoning_effort="reasoning",
            efforts=MAX_AS_XHIGH,
            reasoning_field="reasoning",
            reasoning_details=True,
        ),
        reports_cost=True,
        summary="OpenRouter",
    ),
    Preset(
        "deepseek",
        "https://api.deepseek.com",
        ("DEEPSEEK_API_KEY",),
        ("DEEPSEEK_BASE_URL",),
        wire=WireOptions(
            reasoning_field="reasoning_content",
            response_format="json_object",
            efforts=(("minimal", "low"), ("medium", "high"), ("xhigh", "max")),
            thinking_switch=True,
        ),
        model_rules=_deepseek_rules,
        summary="DeepSeek",
    ),
    Preset(
        "fireworks",
        "https://api.fireworks.ai/inference/v1",
        ("FIREWORKS_API_KEY",),
        ("FIREWORKS_BASE_URL",),
        wire=WireOptions(extra_fields=("top_k",)),
        efforts=_gpt_oss_clamp((("minimal", "low"),)),
        summary="Fireworks AI",
    ),
    Preset(
        "hf",
        "https://router.huggingface.co/v1",
        ("HF_TOKEN",),
        ("HF_BASE_URL",),
        summary="Hugging Face inference router / a TGI server",
    ),
)


class OpenAICompatibleAPI(OpenAIAPI):
    """An OpenAI-compatible server described by a :class:`Preset`.

    Args:
        model_name: the model as the server names it.
        base_url: the API root (default: the preset's variables, else its URL).
        api_key: the key (default: the preset's key variables).
        config: the model's default generation config.
    """

    preset: ClassVar[Preset]

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
    ) -> None:
        self._setup(self.preset, model_name, base_url, api_key, config)

    def _setup(
        self,
        preset: Preset,
        model_name: str,
        base_url: Optional[str],
        api_key: Optional[str],
        config: Optional[GenerateConfig],
    ) -> None:
        self.settings = preset
        url = base_url or env_first(*preset.base_url_vars) or preset.base_url
        if not url:
            names = " or ".join(f"${v}" for v in preset.base_url_vars)
            raise ConfigError(
                f"{preset.name}: no base URL. Set {names} or pass base_url= to get_model()."
            )
        ModelAPI.__init__(
            self,
            model_name,
            base_url=url,
            api_key=api_key,
            api_key_vars=list(preset.key_vars),
            config=config,
        )
        self.organization = self.project = None
        self._init_state()

    def wire_options(self, config: GenerateConfig) -> WireOptions:
        wire = self.settings.wire
        if self.settings.model_rules is not None:
            extra = self.settings.model_rules(self.model_name)
            if extra:
                wire = wire.replace(unsupported=wire.unsupported | extra)
        if self.settings.efforts is not None:
            wire = wire.replace(efforts=self.settings.efforts(self.model_name))
        return wire

    def parse_options(self) -> ParseOptions:
        return ParseOptions(
            think_tags=self.settings.think_tags,
            reasoning_parts=self.settings.wire.reasoning_field is not None,
            reported_cost=self.settings.reports_cost,
        )

    def has_reasoning_history(self) -> bool:
        # xAI's Responses API takes its encrypted reasoning back (the twin below)
        return self.settings.wire.reasoning_field is not None or self._xai()

    def _xai(self) -> bool:
        return self.settings.wire.server_tools == "grok"

    def server_tool_key(self) -> Optional[str]:
        return "grok" if self._xai() else None

    def needs_responses(
        self, input: List[ChatMessage], tools: List[ToolInfo], config: GenerateConfig
    ) -> bool:
        """grok: a call with a server-side tool, or with xAI's tool calls in its history.

        xAI runs ``web_search``/``code_execution`` only on its Responses API
        (https://docs.x.ai/docs/guides/tools/overview; the chat completions
        ``search_parameters`` of Live Search is retired), so such a call goes
        there; later turns whose history holds xAI's tool calls follow, so the
        calls are sent back as xAI's documented stateless loop requires.
        """
        if not self._xai():
            return False
        if any(internal_tool_type(tool) in SERVER_TOOL_TYPES for tool in tools):
            return True
        return any(
            isinstance(part, ContentToolUse) and "grok" in (part.internal or {})
            for message in input
            if isinstance(message, ChatMessageAssistant) and isinstance(message.content, list)
            for part in message.content
        )

    def batch_client(self) -> Any:
        return None  # OpenAI's batch API is OpenAI's (and Azure's) alone

    def config_fields(self) -> FrozenSet[str]:
        fields = {*OPENAI_SAMPLING, "extra_headers", "extra_body", *self.settings.wire.extra_fields}
        if self.settings.wire.response_format is not None:
            fields.add("response_schema")
        return frozenset(fields)

    def parse_response(self, body: Any, response: HttpResponse) -> ModelOutput:
        output = super().parse_response(body, response)
        raw = body.get("prompt_logprobs") if isinstance(body, dict) else None
        if isinstance(raw, list):  # vLLM: top level, for the whole prompt
            prompt = prompt_logprobs(raw)
            for choice in output.choices:
                choice.prompt_logprobs = prompt
        return output

    def max_connections(self) -> int:
        return self.settings.max_connections

    def server_tool_hint(self) -> str:
        if self._xai():  # https://docs.x.ai/docs/guides/tools/overview
            return (
                "xAI runs its agent tools only on its Responses API: generate() and "
                "stream() send such a call there themselves, a request built for chat "
                "completions (build_request, batches) cannot carry them"
            )
        return ""

    def canonical_name(self) -> str:
        """As Inspect's: ``deepseek/<model>`` for DeepSeek, the bare name for the others."""
        if self.provider == "deepseek":
            return f"deepseek/{self.model_name}"
        return self.model_name


def _env_vars(preset: Preset) -> Dict[str, str]:
    need = "required" if preset.requires_key else "optional"
    docs = {var: f"API key ({need})" for var in preset.key_vars}
    default = f"default {preset.base_url}" if preset.base_url else "required"
    docs.update({var: f"API root ({default})" for var in preset.base_url_vars})
    return docs


def _register(preset: Preset) -> None:
    words = preset.name.replace("-", " ").title().replace(" ", "")
    attributes = {
        "preset": preset,
        "requires_api_key": preset.requires_key,
        "env_vars": _env_vars(preset),
        "__doc__": f"{preset.summary or preset.name}: an OpenAI-compatible API.",
        "__module__": __name__,
    }
    modelapi(preset.name)(type(f"{words}API", (OpenAICompatibleAPI,), attributes))


for _preset in PRESETS:
    _register(_preset)


@modelapi("openai-api")
class GenericOpenAIAPI(OpenAICompatibleAPI):
    """Any other OpenAI-compatible server: ``openai-api/<name>/<model>``.

    The key comes from ``<NAME>_API_KEY`` (optional) and the base URL from
    ``<NAME>_BASE_URL`` (required unless ``base_url=`` is given), where
    ``<NAME>`` is ``<name>`` upper-cased with ``-`` as ``_``.
    """

    requires_api_key = False
    env_vars = {
        "<NAME>_API_KEY": "API key for openai-api/<name>/... (optional)",
        "<NAME>_BASE_URL": "API root for openai-api/<name>/... (required)",
    }

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
    ) -> None:
        service, sep, model = model_name.partition("/")
        if not sep or not service or not model:
            raise ConfigError(
                f"openai-api models are named 'openai-api/<name>/<model>', got "
                f"'openai-api/{model_name}' (e.g. 'openai-api/lmstudio/qwen3-8b' reads "
                f"$LMSTUDIO_API_KEY and $LMSTUDIO_BASE_URL)"
            )
        prefix = service.upper().replace("-", "_").replace(".", "_")
        preset = Preset(
            name=f"openai-api/{service}",
            base_url=None,
            key_vars=(f"{prefix}_API_KEY",),
            base_url_vars=(f"{prefix}_BASE_URL",),
            requires_key=False,
        )
        self.service = service
        self._setup(preset, model, base_url, api_key, config)
