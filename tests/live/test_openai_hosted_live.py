"""Opt-in live tests against hosted OpenAI-format APIs.

Each test runs only with ``MODELKIT_LIVE=1`` and the provider's key in the
environment (read when this module is imported: the autouse fixture in
``tests/conftest.py`` clears keys while a test runs). They cost a few
tokens each. The model is a small, cheap one per provider; override it with
``MODELKIT_LIVE_<PROVIDER>_MODEL`` (e.g. ``MODELKIT_LIVE_GROQ_MODEL``)::

    MODELKIT_LIVE=1 OPENAI_API_KEY=... python3 -m pytest -m live tests/live/test_openai_hosted_live.py

Azure also needs ``AZURE_OPENAI_ENDPOINT`` and ``MODELKIT_LIVE_AZURE_MODEL``
(the deployment name).
"""

from __future__ import annotations

import os
from typing import Dict, Optional, Tuple

import pytest

from modelkit import get_model

# provider -> (key variable, default model)
HOSTED: Dict[str, Tuple[str, str]] = {
    "openai": ("OPENAI_API_KEY", "gpt-4o-mini"),
    "azure": ("AZURE_OPENAI_API_KEY", ""),
    "groq": ("GROQ_API_KEY", "llama-3.1-8b-instant"),
    "together": ("TOGETHER_API_KEY", "meta-llama/Llama-3.2-3B-Instruct-Turbo"),
    "grok": ("XAI_API_KEY", "grok-3-mini"),
    "openrouter": ("OPENROUTER_API_KEY", "openai/gpt-4o-mini"),
    "deepseek": ("DEEPSEEK_API_KEY", "deepseek-chat"),
    "fireworks": ("FIREWORKS_API_KEY", "accounts/fireworks/models/llama-v3p1-8b-instruct"),
    "hf": ("HF_TOKEN", "meta-llama/Llama-3.1-8B-Instruct"),
}
# Read at import, before the autouse fixture clears the environment.
KEYS: Dict[str, Optional[str]] = {name: os.environ.get(var) for name, (var, _) in HOSTED.items()}
AZURE_ENDPOINT = os.environ.get("AZURE_OPENAI_ENDPOINT")
LIVE = os.environ.get("MODELKIT_LIVE") == "1"


def _model_name(provider: str) -> str:
    variable = f"MODELKIT_LIVE_{provider.upper().replace('-', '_')}_MODEL"
    return os.environ.get(variable) or HOSTED[provider][1]


def _skip_unless_ready(provider: str) -> None:
    if not LIVE:
        pytest.skip("live test: set MODELKIT_LIVE=1")
    if not KEYS[provider]:
        pytest.skip(f"live test: set {HOSTED[provider][0]}")
    if provider == "azure" and not (AZURE_ENDPOINT and _model_name("azure")):
        pytest.skip("live test: set AZURE_OPENAI_ENDPOINT and MODELKIT_LIVE_AZURE_MODEL")


@pytest.mark.live
@pytest.mark.parametrize("provider", sorted(HOSTED))
def test_hosted_generate(provider: str) -> None:
    _skip_unless_ready(provider)
    args = {"base_url": AZURE_ENDPOINT} if provider == "azure" else {}
    model = get_model(f"{provider}/{_model_name(provider)}", api_key=KEYS[provider], **args)
    output = model.generate(
        "Reply with the single word: pong", config={"max_tokens": 400, "max_retries": 2}
    )
    assert "pong" in output.completion.lower()
    assert output.stop_reason in ("stop", "max_tokens")
    assert output.usage is not None and output.usage.output_tokens > 0
    assert output.call is not None
    assert KEYS[provider] not in str(output.call.to_dict())


@pytest.mark.live
def test_openai_tool_call_round_trip() -> None:
    _skip_unless_ready("openai")
    from modelkit.messages import ChatMessageTool, ChatMessageUser
    from modelkit.tools import ToolInfo, ToolParam, ToolParams

    tool = ToolInfo(
        name="add",
        description="Add two integers.",
        parameters=ToolParams(
            properties={"a": ToolParam(type="integer"), "b": ToolParam(type="integer")},
            required=["a", "b"],
        ),
    )
    model = get_model(f"openai/{_model_name('openai')}", api_key=KEYS["openai"])
    messages = [ChatMessageUser(content="Use the add tool to add 2 and 40.")]
    first = model.generate(messages, tools=[tool], tool_choice="any")
    assert first.stop_reason == "tool_calls"
    call = (first.message.tool_calls or [])[0]
    assert call.function == "add" and call.arguments == {"a": 2, "b": 40}
    messages += [first.message, ChatMessageTool(content="42", tool_call_id=call.id)]
    second = model.generate(messages, tools=[tool])
    assert "42" in second.completion
