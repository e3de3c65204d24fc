"""Wire tests for the OpenAI-compatible presets (``modelkit.providers.openai.compat``).

Fixtures under ``tests/fixtures/<provider>/`` follow each server's
documentation of its OpenAI-compatible API:

- groq: https://console.groq.com/docs/openai (logprobs, logit_bias,
  top_logprobs, n != 1 rejected with 400), https://console.groq.com/docs/reasoning
  (``message.reasoning``), https://console.groq.com/docs/errors
- together: https://docs.together.ai/reference/chat-completions-1 and the
  together-python SDK types (``logprobs`` as an integer; ``tokens`` /
  ``token_logprobs`` in the answer; ``eos``)
- grok: https://docs.x.ai/docs/guides/reasoning (``reasoning_content`` from
  grok-3-mini only; ``stop`` and penalties rejected by reasoning models;
  ``reasoning_effort`` on grok-3-mini, and in its 2026 revision on grok-4.3,
  ``none`` included, and grok-4.20's multi-agent model) and xAI's usage example
  (reasoning tokens outside ``completion_tokens``)
- vllm: https://docs.vllm.ai/en/stable/features/reasoning_outputs/ and
  https://docs.vllm.ai/en/stable/serving/openai_compatible_server.html (extra
  sampling parameters such as ``top_k``)
- ollama: https://docs.ollama.com/api/openai-compatibility
- openrouter: https://openrouter.ai/docs/use-cases/reasoning-tokens
  (``reasoning: {effort}``, ``reasoning`` / ``reasoning_details`` and sending
  them back), https://openrouter.ai/docs/api-reference/errors (402)
- deepseek: https://api-docs.deepseek.com/guides/thinking_mode
  (``reasoning_content`` must go back on tool-call turns),
  https://api-docs.deepseek.com/quick_start/error_codes (402)
- fireworks: https://docs.fireworks.ai/tools-sdks/openai-compatibility
- hf: https://huggingface.co/docs/inference-providers/index (router,
  ``HF_TOKEN``, ``model:provider``)
- openai-api: any server, configured by ``<NAME>_API_KEY`` / ``<NAME>_BASE_URL``
- llama-cpp-python: bodies recorded from ``python -m llama_cpp.server``
  0.3.x (see tests/live/test_llama_cpp_live.py), request fields from its
  ``llama_cpp/server/types.py``

Each case runs through ``Model.generate`` with ``responses`` standing in for
the server (see ``openai_wire_cases``).
"""

from __future__ import annotations

import pytest
from openai_wire_cases import FAKE_KEY, case_names, load, run_case

from modelkit import GenerateConfig, get_model
from modelkit.api import resolve_provider
from modelkit.errors import ConfigError, MissingAPIKeyError
from modelkit.messages import ChatMessageUser
from modelkit.providers.openai.compat import (
    PRESETS,
    GenericOpenAIAPI,
    OpenAICompatibleAPI,
)

PROVIDERS = [preset.name for preset in PRESETS] + ["openai-api"]
CASES = [(provider, case) for provider in PROVIDERS for case in case_names(provider)]


@pytest.mark.parametrize("provider, case", CASES, ids=[f"{p}-{c}" for p, c in CASES])
def test_compat_wire(provider: str, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run_case(provider, case, monkeypatch)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_provider_has_a_wire_case(provider: str) -> None:
    names = case_names(provider)
    assert names, f"no fixtures under tests/fixtures/{provider}/"
    for case in names:
        spec = load(provider, case, "input")
        expected = "error" if spec.get("raises") else "output"
        assert load(provider, case, expected) is not None, f"{provider}/{case}.{expected}.json"


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_preset_registration(preset: object, monkeypatch: pytest.MonkeyPatch) -> None:
    name = preset.name  # type: ignore[attr-defined]
    cls = resolve_provider(name)
    assert issubclass(cls, OpenAICompatibleAPI)
    assert cls.provider == name
    assert cls.env_vars and all(isinstance(v, str) for v in cls.env_vars.values())
    if preset.requires_key:  # type: ignore[attr-defined]
        with pytest.raises(MissingAPIKeyError, match=preset.key_vars[0]):  # type: ignore[attr-defined]
            get_model(f"{name}/some-model")
    monkeypatch.setenv(preset.key_vars[0], FAKE_KEY)  # type: ignore[attr-defined]
    api = get_model(f"{name}/some-model").api
    assert api.auth_headers() == {"Authorization": f"Bearer {FAKE_KEY}"}  # type: ignore[attr-defined]
    assert api.max_connections() == preset.max_connections  # type: ignore[attr-defined]
    assert FAKE_KEY not in repr(api) and FAKE_KEY not in api.connection_key()


def test_local_servers_need_no_key() -> None:
    for name in ("vllm", "llama-cpp-python", "ollama"):
        api = get_model(f"{name}/m").api
        assert api.auth_headers() == {}  # type: ignore[attr-defined]


def test_base_url_variable_and_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", "http://127.0.0.1:8001/v1")
    assert get_model("vllm/m").api.endpoint() == "http://127.0.0.1:8001/v1/chat/completions"  # type: ignore[attr-defined]
    api = get_model("vllm/m", base_url="http://127.0.0.1:8002/v1/").api
    assert api.endpoint() == "http://127.0.0.1:8002/v1/chat/completions"  # type: ignore[attr-defined]


def test_connection_keys_separate_servers() -> None:
    one = get_model("vllm/m", base_url="http://127.0.0.1:8001/v1").api
    two = get_model("vllm/m", base_url="http://127.0.0.1:8002/v1").api
    three = get_model("ollama/m", base_url="http://127.0.0.1:8001/v1").api
    assert len({one.connection_key(), two.connection_key(), three.connection_key()}) == 3


def test_generic_names_its_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"\$MY_SERVER_BASE_URL"):
        get_model("openai-api/my-server/model-x")
    with pytest.raises(ConfigError, match="openai-api/<name>/<model>"):
        get_model("openai-api/justamodel")
    monkeypatch.setenv("MY_SERVER_BASE_URL", "http://127.0.0.1:9000/v1")
    api = get_model("openai-api/my-server/org/model-x").api
    assert isinstance(api, GenericOpenAIAPI)
    assert api.model_name == "org/model-x"
    assert api.auth_headers() == {}


@pytest.mark.parametrize(
    "model, dropped",
    [
        ("grok-3-mini", {"stop", "frequency_penalty", "presence_penalty"}),
        ("grok-4", {"stop", "frequency_penalty", "presence_penalty", "reasoning_effort"}),
        ("grok-4-fast-non-reasoning", {"reasoning_effort"}),
        (
            "grok-4-1-fast-reasoning",
            {"stop", "frequency_penalty", "presence_penalty", "reasoning_effort"},
        ),
        (
            "grok-4.20-0309-reasoning",
            {"stop", "frequency_penalty", "presence_penalty", "reasoning_effort"},
        ),
        ("grok-4.3", {"stop", "frequency_penalty", "presence_penalty"}),
        ("grok-4.20-multi-agent-0309", {"stop", "frequency_penalty", "presence_penalty"}),
        ("grok-2-1212", {"reasoning_effort"}),
    ],
)
def test_grok_model_rules(model: str, dropped: set) -> None:
    api = get_model(f"grok/{model}", api_key=FAKE_KEY).api
    config = GenerateConfig(
        stop_seqs=["x"], frequency_penalty=0.1, presence_penalty=0.1, reasoning_effort="low"
    )
    body = api.build_request([ChatMessageUser(content="hi")], [], "none", config).body  # type: ignore[attr-defined]
    sent = {"stop", "frequency_penalty", "presence_penalty", "reasoning_effort"} & set(body)
    assert sent == {"stop", "frequency_penalty", "presence_penalty", "reasoning_effort"} - dropped


def test_deepseek_reasoner_drops_logprobs() -> None:
    config = GenerateConfig(logprobs=True, top_logprobs=2)
    chat = get_model("deepseek/deepseek-chat", api_key=FAKE_KEY).api
    reasoner = get_model("deepseek/deepseek-reasoner", api_key=FAKE_KEY).api
    message = [ChatMessageUser(content="hi")]
    assert "logprobs" in chat.build_request(message, [], "none", config).body  # type: ignore[attr-defined]
    assert "logprobs" not in reasoner.build_request(message, [], "none", config).body  # type: ignore[attr-defined]


def test_groq_keeps_n_of_one() -> None:
    api = get_model("groq/m", api_key=FAKE_KEY).api
    body = api.build_request(
        [ChatMessageUser(content="hi")], [], "none", GenerateConfig(num_choices=1)
    ).body  # type: ignore[attr-defined]
    assert body["n"] == 1


def test_reasoning_history_only_where_it_goes_back() -> None:
    assert get_model("deepseek/m", api_key=FAKE_KEY).api.has_reasoning_history()
    assert get_model("openrouter/m", api_key=FAKE_KEY).api.has_reasoning_history()
    assert not get_model("groq/m", api_key=FAKE_KEY).api.has_reasoning_history()
    assert not get_model("openai/gpt-4o", api_key=FAKE_KEY).api.has_reasoning_history()


def test_openai_limits_stop_sequences_but_compatible_servers_do_not() -> None:
    config = GenerateConfig(stop_seqs=["a", "b", "c", "d", "e"])
    api = get_model("vllm/m").api
    body = api.build_request([ChatMessageUser(content="hi")], [], "none", config).body  # type: ignore[attr-defined]
    assert body["stop"] == ["a", "b", "c", "d", "e"]


def test_llama_cpp_validation_error_is_a_server_error() -> None:
    # Recorded: llama-cpp-python answers a bad field with HTTP 500 (not 422).
    from modelkit.errors import APIError, BadRequestError
    from modelkit.providers.openai._response import error_from_response

    body = load("llama_cpp_live", "validation_error.http500", "response")
    error = error_from_response(500, body, "", {}, provider="llama-cpp-python", model="m")
    assert type(error) is APIError and not isinstance(error, BadRequestError)
    assert "Input should be a valid number" in error.message
    assert "(internal_server_error)" in error.message


def test_llama_cpp_bare_logprobs_sends_top_logprobs() -> None:
    # The server returns logprobs: null for logprobs alone (docs/live-tests.md).
    api = get_model("llama-cpp-python/m").api
    message = [ChatMessageUser(content="hi")]
    body = api.build_request(message, [], "none", GenerateConfig(logprobs=True)).body  # type: ignore[attr-defined]
    assert (body["logprobs"], body["top_logprobs"]) == (True, 1)
    body = api.build_request(message, [], "none", GenerateConfig(top_logprobs=4)).body  # type: ignore[attr-defined]
    assert (body["logprobs"], body["top_logprobs"]) == (True, 4)
