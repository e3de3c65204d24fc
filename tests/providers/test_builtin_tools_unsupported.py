"""Providers with no server-side tool modelkit can send: a ``ConfigError`` naming them.

Checked against each API's documentation: Bedrock's Converse API
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html)
and the other OpenAI-compatible servers' chat completions have no such
tool; OpenAI chat completions has none in Inspect's mapping (its Responses
API has). Nothing is sent in any case (``responses`` would fail on an
unexpected request), and function tools still work there. xAI's and
Mistral's tools run on their own endpoints (``test_grok_server_tools``,
``test_mistral_server_tools``).
"""

from __future__ import annotations

from typing import Any

import pytest
import responses

from modelkit import ConfigError, code_execution, get_model, web_search


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.mark.parametrize(
    "spec, says",
    [
        ("bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0", "Converse API"),
        ("groq/llama-3.3-70b-versatile", "use a provider that runs it"),
        ("openai/gpt-4o", "responses_api=True"),
    ],
)
@pytest.mark.parametrize("make", [web_search, code_execution])
def test_server_tools_are_a_config_error_naming_the_provider(
    spec: str, says: str, make: Any
) -> None:
    model = get_model(spec, api_key="k-test", memoize=False)
    provider = spec.split("/")[0]
    with responses.RequestsMock():
        with pytest.raises(ConfigError) as raised:
            model.generate("hi", tools=[make()])
    message = str(raised.value)
    assert message.startswith(f"{provider}: {make.__name__}()")
    assert says in message
    assert "k-test" not in message


def test_mockllm_is_unaffected() -> None:
    output = get_model("mockllm/model").generate("hi", tools=[web_search(), code_execution()])
    assert output.completion
