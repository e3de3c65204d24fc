"""Inspect's seven ``reasoning_effort`` values on each provider's wire.

``GenerateConfig.reasoning_effort`` takes what Inspect 0.3.285's does
(``none``, ``minimal``, ``low``, ``medium``, ``high``, ``xhigh``, ``max``);
each provider sends the nearest value its API documents, and a value it
cannot send at all is a ``ConfigWarning``, never silence. The request
bodies are the ones generate() posts (caught with ``responses``). Sources:

- OpenAI ``reasoning_effort`` / Responses ``reasoning.effort``: ``none`` to
  ``max`` (openai-python ``types/shared/reasoning_effort.py``,
  ``chat/completion_create_params.py``: "not all reasoning models support
  every value"); ``max`` came with GPT-5.6, so earlier models get ``xhigh``
  (Inspect's ``supports_native_max_reasoning_effort``);
- Anthropic: https://docs.claude.com/en/docs/build-with-claude/extended-thinking
  and .../effort (``thinking.type`` ``enabled``/``adaptive``/``disabled``,
  ``output_config.effort`` ``low``..``max``, ``xhigh`` from Claude 4.7);
  Inspect's ``anthropic.py`` (``effort_from_reasoning_effort``,
  ``_supports_disabling_thinking``);
- Gemini: https://ai.google.dev/gemini-api/docs/thinking (``thinkingLevel``,
  ``thinkingBudget`` 0 turns thinking off, not on Pro models);
- Mistral: https://docs.mistral.ai/capabilities/reasoning/ (``none``/``high``);
- Bedrock Converse ``additionalModelRequestFields`` carrying Claude's fields:
  https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html;
- Groq, Ollama (``low``/``medium``/``high``; Ollama's ``none`` turns
  thinking off: https://docs.ollama.com/api/openai-compatibility), DeepSeek
  (``thinking: {"type": "disabled"}``, efforts ``high``/``max``:
  https://api-docs.deepseek.com/guides/thinking_mode), OpenRouter
  (``reasoning.effort`` up to ``xhigh``:
  https://openrouter.ai/docs/guides/best-practices/reasoning-tokens), each as
  Inspect 0.3.285's provider maps them; xAI (https://docs.x.ai/docs/guides/reasoning:
  grok-3-mini ``low``/``high``; grok-4.3 ``none`` to ``high``).
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any, Dict, Optional

import pytest
import responses
from wire import load_fixture

from modelkit import ConfigWarning, GenerateConfig, _support, get_model

CHAT = load_fixture("openai", "reasoning_model.response.json")
ANSWERS = {
    "openai-responses": load_fixture("openai-responses", "reasoning_turn.response.json"),
    "anthropic": load_fixture("anthropic", "text.response.json"),
    "google": load_fixture("google", "chat.response.json"),
    "mistral": load_fixture("mistral", "text.response.json"),
    "bedrock": load_fixture("bedrock", "chat.response.json"),
}


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setattr(_support, "_warned", set())


def sent(spec: str, effort: str, **model_args: Any) -> Dict[str, Any]:
    """The JSON body generate() posts for ``spec`` with ``reasoning_effort=effort``."""
    provider = spec.split("/", 1)[0]
    key = "openai-responses" if model_args.get("responses_api") else provider
    answer = ANSWERS.get(key, CHAT)
    model = get_model(spec, api_key="sk-test", memoize=False, **model_args)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add(responses.POST, re.compile(r"https?://.*"), json=answer)
        model.generate("Hello", config=GenerateConfig(reasoning_effort=effort))  # type: ignore[arg-type]
        body: Dict[str, Any] = json.loads(mock.calls[0].request.body)
    return body


def field(body: Dict[str, Any], path: str) -> Optional[Any]:
    """``body``'s value at a dotted ``path`` (``None`` when absent)."""
    value: Any = body
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


CASES = [
    # (spec, model args, effort, dotted path, expected value there)
    ("openai/gpt-5.1", {}, "none", "reasoning_effort", "none"),
    ("openai/gpt-5.2", {}, "xhigh", "reasoning_effort", "xhigh"),
    ("openai/gpt-5.2", {}, "max", "reasoning_effort", "xhigh"),
    ("openai/gpt-5.6", {}, "max", "reasoning_effort", "max"),
    ("openai/o3", {}, "max", "reasoning_effort", "xhigh"),
    ("openai/gpt-5.1", {"responses_api": True}, "none", "reasoning.effort", "none"),
    ("openai/gpt-5.2", {"responses_api": True}, "max", "reasoning.effort", "xhigh"),
    ("openai/gpt-5.6", {"responses_api": True}, "max", "reasoning.effort", "max"),
    ("openai/gpt-5.2", {"responses_api": True}, "xhigh", "reasoning.effort", "xhigh"),
    ("anthropic/claude-opus-4-7", {}, "xhigh", "output_config", {"effort": "xhigh"}),
    ("anthropic/claude-opus-4-6", {}, "xhigh", "output_config", {"effort": "high"}),
    ("anthropic/claude-opus-4-6", {}, "max", "output_config", {"effort": "max"}),
    ("anthropic/claude-opus-4-7", {}, "max", "thinking", {"type": "adaptive"}),
    ("anthropic/claude-opus-4-7", {}, "none", "thinking", {"type": "disabled"}),
    ("anthropic/claude-sonnet-5-5", {}, "none", "thinking", {"type": "between_tools"}),
    ("anthropic/claude-sonnet-4-5", {}, "none", "thinking", None),
    (
        "anthropic/claude-sonnet-4-5",
        {},
        "xhigh",
        "thinking",
        {"type": "enabled", "budget_tokens": 16384},
    ),
    ("google/gemini-3-flash", {}, "max", "generationConfig.thinkingConfig.thinkingLevel", "HIGH"),
    (
        "google/gemini-2.5-flash",
        {},
        "none",
        "generationConfig.thinkingConfig",
        {"thinkingBudget": 0, "includeThoughts": False},
    ),
    (
        "google/gemini-2.5-pro",
        {},
        "max",
        "generationConfig.thinkingConfig.thinkingBudget",
        32768,
    ),
    (
        "google/gemini-2.5-flash",
        {},
        "xhigh",
        "generationConfig.thinkingConfig.thinkingBudget",
        24576,
    ),
    ("mistral/mistral-medium-3.5", {}, "none", "reasoning_effort", "none"),
    ("mistral/mistral-medium-3.5", {}, "max", "reasoning_effort", "high"),
    (
        "bedrock/anthropic.claude-opus-4-7",
        {},
        "none",
        "additionalModelRequestFields.thinking",
        {"type": "disabled"},
    ),
    (
        "bedrock/us.anthropic.claude-opus-4-7",
        {},
        "xhigh",
        "additionalModelRequestFields.output_config",
        {"effort": "xhigh"},
    ),
    (
        "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0",
        {},
        "max",
        "additionalModelRequestFields.thinking",
        {"type": "enabled", "budget_tokens": 16384},
    ),
    ("groq/openai/gpt-oss-120b", {}, "xhigh", "reasoning_effort", "high"),
    ("groq/openai/gpt-oss-120b", {}, "minimal", "reasoning_effort", "low"),
    ("ollama/qwen3", {}, "none", "reasoning_effort", "none"),
    ("ollama/qwen3", {}, "max", "reasoning_effort", "high"),
    ("deepseek/deepseek-v4", {}, "none", "thinking", {"type": "disabled"}),
    ("deepseek/deepseek-v4", {}, "xhigh", "reasoning_effort", "max"),
    ("deepseek/deepseek-v4", {}, "medium", "reasoning_effort", "high"),
    ("grok/grok-4.3", {}, "none", "reasoning_effort", "none"),
    ("grok/grok-4.3", {}, "max", "reasoning_effort", "high"),
    ("grok/grok-3-mini", {}, "minimal", "reasoning_effort", "low"),
    ("openrouter/openai/gpt-5", {}, "max", "reasoning", {"effort": "xhigh"}),
    ("openrouter/openai/gpt-5", {}, "none", "reasoning", {"effort": "none"}),
    ("together/openai/gpt-oss-20b", {}, "max", "reasoning_effort", "high"),
    ("together/deepseek-ai/DeepSeek-V4", {}, "max", "reasoning_effort", "max"),
    ("fireworks/accounts/fireworks/models/glm-5", {}, "none", "reasoning_effort", "none"),
    ("fireworks/accounts/fireworks/models/glm-5", {}, "minimal", "reasoning_effort", "low"),
    ("vllm/Qwen/Qwen3-8B", {"base_url": "http://127.0.0.1:1/v1"}, "max", "reasoning_effort", "max"),
]


@pytest.mark.parametrize(
    ("spec", "model_args", "effort", "path", "expected"),
    CASES,
    ids=[f"{c[0]}{'-responses' if c[1].get('responses_api') else ''}-{c[2]}" for c in CASES],
)
def test_each_effort_is_sent_as_the_api_documents_it(
    spec: str, model_args: Dict[str, Any], effort: str, path: str, expected: Any
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these may warn: each value has its place
        body = sent(spec, effort, **model_args)
    assert field(body, path) == expected


def test_none_turns_deepseek_thinking_off_instead_of_sending_an_effort() -> None:
    body = sent("deepseek/deepseek-v4", "none")
    assert "reasoning_effort" not in body


def test_anthropic_none_before_4_7_sends_no_thinking_at_all() -> None:
    body = sent("anthropic/claude-opus-4-6", "none")
    assert "thinking" not in body and "output_config" not in body


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ("groq/qwen/qwen3-32b", "reasoning_effort"),
        ("together/openai/gpt-oss-20b", "reasoning_effort"),
        ("anthropic/claude-opus-5-5", "thinking"),
        ("google/gemini-2.5-pro", "generationConfig.thinkingConfig.thinkingBudget"),
        ("fireworks/accounts/fireworks/models/gpt-oss-120b", "reasoning_effort"),
    ],
)
def test_none_where_the_api_cannot_turn_reasoning_off_warns(spec: str, path: str) -> None:
    with pytest.warns(ConfigWarning, match=r"reasoning_effort='none' is not sent"):
        body = sent(spec, "none")
    assert field(body, path) is None


def test_the_warning_comes_once_per_provider_and_value() -> None:
    with pytest.warns(ConfigWarning) as record:
        sent("groq/qwen/qwen3-32b", "none")
        sent("groq/qwen/qwen3-32b", "none")
    assert len([w for w in record if issubclass(w.category, ConfigWarning)]) == 1


@pytest.mark.parametrize("spec", ["openai/gpt-4o", "openai/gpt-4.1"])
def test_none_on_a_model_that_does_not_reason_is_quietly_honoured(spec: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = sent(spec, "none")
        responses_body = sent(spec, "none", responses_api=True)
    assert "reasoning_effort" not in body and "reasoning" not in responses_body


def test_every_inspect_value_is_accepted_and_others_are_refused() -> None:
    from modelkit import ConfigError

    for effort in ("none", "minimal", "low", "medium", "high", "xhigh", "max"):
        assert GenerateConfig(reasoning_effort=effort).reasoning_effort == effort  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="reasoning_effort must be one of 'none'"):
        GenerateConfig(reasoning_effort="ultra")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "effort", "sent"),
    [
        ("anthropic/claude-opus-4-5", "max", "high"),  # max from Claude 4.6
        ("anthropic/claude-opus-4-6", "max", "max"),
        ("anthropic/claude-opus-4-6", "xhigh", "high"),  # xhigh from Claude 4.7
        ("anthropic/claude-opus-4-7", "xhigh", "xhigh"),
        ("bedrock/anthropic.claude-opus-4-5-20251101-v1:0", "max", "high"),
    ],
)
def test_anthropic_effort_is_lowered_where_the_model_lacks_it(
    spec: str, effort: str, sent: str
) -> None:
    # Inspect 0.3.285 anthropic.py/bedrock.py: "max" -> "high" before 4.6, "xhigh" -> "high"
    # before 4.7 (the effort page lists max for Opus 4.6 and xhigh from Opus 4.7)
    model = get_model(spec, api_key="sk-test", memoize=False)
    answer = ANSWERS["bedrock" if spec.startswith("bedrock") else "anthropic"]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add(responses.POST, re.compile(r"https?://.*"), json=answer)
        model.generate("Hello", config=GenerateConfig(effort=effort))  # type: ignore[arg-type]
        body = json.loads(mock.calls[0].request.body)
    config = body.get("additionalModelRequestFields", body)["output_config"]
    assert config == {"effort": sent}
