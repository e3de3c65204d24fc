"""The ``GenerateConfig`` fields Inspect 0.3.285 added, on the wire of each provider.

What each field becomes, by the API references:

- OpenAI Chat Completions ``verbosity`` (GPT-5; top level) and Responses
  ``text.verbosity``, ``reasoning.summary``, ``reasoning.mode``:
  https://platform.openai.com/docs/api-reference/chat/create,
  https://platform.openai.com/docs/api-reference/responses/create (and
  Inspect's ``openai_responses.py``/``openai.py`` for ``mode``);
- vLLM ``prompt_logprobs`` (request field; top-level response list of
  ``{token_id: {logprob, rank, decoded_token}}``):
  https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html;
- Anthropic ``output_config.effort`` with the ``effort-2025-11-24`` beta and
  ``thinking: {type: enabled, budget_tokens}``:
  https://docs.anthropic.com/en/api/messages (Inspect's ``anthropic.py``);
- Gemini ``generationConfig.thinkingConfig.thinkingBudget`` and
  ``responseModalities`` (images back as ``inlineData``):
  https://ai.google.dev/api/generate-content#generationconfig;
- Bedrock Converse ``additionalModelRequestFields`` (Claude's ``thinking``
  and ``output_config``):
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html;
- ``extra_headers``/``extra_body``: added to the request as the official
  SDKs' options of those names do (openai-python ``_base_client``).
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any, Dict, Optional

import pytest
import responses
from wire import load_fixture

from modelkit import (
    ChatMessageUser,
    ConfigError,
    ConfigWarning,
    ContentImage,
    GenerateConfig,
    _support,
    get_model,
)

EXTRA = {"extra_headers": {"X-Trace-Id": "t-1"}, "extra_body": {"service_tier": "flex"}}


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setattr(_support, "_warned", set())


def send(spec: str, config: Dict[str, Any], answer: Any, **model_args: Any) -> Any:
    """Generate once against a mocked endpoint; the request sent and the output."""
    model = get_model(
        spec, api_key=model_args.pop("api_key", "sk-test"), memoize=False, **model_args
    )
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add(responses.POST, re.compile(r"https?://.*"), json=answer)
        output = model.generate("Hello", config=GenerateConfig(**config))
        request = mock.calls[0].request
    return json.loads(request.body), request.headers, output


def fixture(provider: str, case: str) -> Any:
    return load_fixture(provider, f"{case}.response.json")


CASES = [
    # (id, spec, model args, config, fixture, expected body subset, expected headers)
    (
        "openai-gpt5-verbosity",
        "openai/gpt-5",
        {},
        {"verbosity": "low", **EXTRA},
        ("openai", "reasoning_model"),
        {"verbosity": "low", "service_tier": "flex"},
        {"X-Trace-Id": "t-1", "Authorization": "Bearer sk-test"},
    ),
    (
        "openai-responses",
        "openai/gpt-5",
        {"responses_api": True},
        {"verbosity": "high", "reasoning_summary": "auto", "reasoning_mode": "pro", **EXTRA},
        ("openai-responses", "reasoning_turn"),
        {
            "text": {"verbosity": "high"},
            "reasoning": {"summary": "auto", "mode": "pro"},
            "service_tier": "flex",
        },
        {"X-Trace-Id": "t-1"},
    ),
    (
        "vllm-prompt-logprobs",
        "vllm/meta-llama/Llama-3.1-8B-Instruct",
        {},
        {"prompt_logprobs": 2, **EXTRA},
        ("vllm", "prompt_logprobs"),
        {"prompt_logprobs": 2, "service_tier": "flex"},
        {"X-Trace-Id": "t-1"},
    ),
    (
        "anthropic-effort-budget",
        "anthropic/claude-sonnet-4-5",
        {},
        {"effort": "medium", "reasoning_tokens": 2048, **EXTRA},
        ("anthropic", "text"),
        {
            "output_config": {"effort": "medium"},
            "thinking": {"type": "enabled", "budget_tokens": 2048},
            "max_tokens": 8192 + 2048,
            "service_tier": "flex",
        },
        {"anthropic-beta": "effort-2025-11-24", "x-api-key": "sk-test", "X-Trace-Id": "t-1"},
    ),
    (
        "google-budget-image",
        "google/gemini-2.5-flash-image",
        {},
        {"reasoning_tokens": 0, "modalities": ["image"], **EXTRA},
        ("google", "image"),
        {
            "generationConfig": {
                "thinkingConfig": {"thinkingBudget": 0},
                "responseModalities": ["TEXT", "IMAGE"],
            },
            "service_tier": "flex",
        },
        {"x-goog-api-key": "sk-test", "X-Trace-Id": "t-1"},
    ),
    (
        "mistral-extras",
        "mistral/mistral-large-latest",
        {},
        dict(EXTRA),
        ("mistral", "text"),
        {"service_tier": "flex"},
        {"X-Trace-Id": "t-1", "Authorization": "Bearer sk-test"},
    ),
    (
        "bedrock-claude",
        "bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0",
        {"api_key": None},
        {"effort": "low", "reasoning_tokens": 1024, **EXTRA},
        ("bedrock", "chat"),
        {
            "additionalModelRequestFields": {
                "output_config": {"effort": "low"},
                "thinking": {"type": "enabled", "budget_tokens": 1024},
            },
            "service_tier": "flex",
        },
        {"X-Trace-Id": "t-1"},
    ),
]


@pytest.mark.parametrize(
    ("spec", "model_args", "config", "answer", "body", "headers"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_new_fields_on_the_wire(
    spec: str,
    model_args: Dict[str, Any],
    config: Dict[str, Any],
    answer: Any,
    body: Dict[str, Any],
    headers: Dict[str, str],
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every field here is honoured: no ConfigWarning
        sent, sent_headers, _ = send(spec, config, fixture(*answer), **dict(model_args))
    for key, value in body.items():
        if isinstance(value, dict):
            assert {k: sent[key].get(k) for k in value} == value, key
        else:
            assert sent[key] == value, key
    for name, value in headers.items():
        assert sent_headers[name] == value, name


def test_bedrock_signs_the_extra_headers() -> None:
    _, headers, _ = send(
        "bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0",
        {"extra_headers": {"X-Trace-Id": "t-1"}},
        fixture("bedrock", "chat"),
        api_key=None,
    )
    signed = re.search(r"SignedHeaders=([^,]+)", headers["Authorization"])
    assert signed is not None and "x-trace-id" in signed.group(1).split(";")


def test_vllm_prompt_logprobs_come_back_on_each_choice() -> None:
    _, _, output = send(
        "vllm/meta-llama/Llama-3.1-8B-Instruct",
        {"prompt_logprobs": 2},
        fixture("vllm", "prompt_logprobs"),
    )
    prompt = output.choices[0].prompt_logprobs
    assert [(t.token, t.logprob) for t in prompt.content] == [("Capital", -2.25), (" of", -0.5)]
    assert [(t.token, t.logprob) for t in prompt.content[0].top_logprobs] == [("The", -3.5)]


def test_google_images_come_back_as_content() -> None:
    _, _, output = send(
        "google/gemini-2.5-flash-image", {"modalities": ["image"]}, fixture("google", "image")
    )
    images = [p for p in output.message.content if isinstance(p, ContentImage)]
    assert len(images) == 1 and images[0].image.startswith("data:image/png;base64,iVBOR")


def test_openai_verbosity_is_left_off_models_before_gpt5(caplog: Any) -> None:
    sent, _, _ = send("openai/gpt-4o", {"verbosity": "low"}, fixture("openai", "full"))
    assert "verbosity" not in sent
    assert "does not take verbosity" in caplog.text


def test_unsupported_fields_warn_once_naming_provider_and_field() -> None:
    with pytest.warns(ConfigWarning, match="mistral does not support GenerateConfig.verbosity"):
        sent, _, _ = send(
            "mistral/mistral-large-latest", {"verbosity": "low"}, fixture("mistral", "text")
        )
    assert "verbosity" not in sent
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        send("mistral/mistral-large-latest", {"verbosity": "low"}, fixture("mistral", "text"))


def test_a_field_that_would_change_the_answer_is_refused() -> None:
    model = get_model("mistral/mistral-large-latest", api_key="sk-test", memoize=False)
    with pytest.raises(ConfigError, match=r"mistral-large-latest cannot honour modalities"):
        model.generate("Draw a cat", config=GenerateConfig(modalities=["image"]))
    # OpenAI draws through the Responses API's image tool: generate() and stream()
    # go there per call (test_image_output_stream.py); a chat request says how
    model = get_model("openai/gpt-4o", api_key="sk-test", memoize=False)
    with pytest.raises(ConfigError, match=r"image output .* responses_api=True"):
        model.api.build_request(  # type: ignore[attr-defined]
            [ChatMessageUser(content="Draw a cat")],
            [],
            "none",
            GenerateConfig(modalities=["image"]),
        )


def test_anthropic_models_that_only_think_adaptively_refuse_a_budget() -> None:
    model = get_model("anthropic/claude-opus-4-7", api_key="sk-test", memoize=False)
    with pytest.raises(ConfigError, match="does not take reasoning_tokens"):
        model.generate("hi", config=GenerateConfig(reasoning_tokens=2048))


@pytest.mark.parametrize(
    "name", ["Authorization", "x-api-key", "API-Key", "x-goog-api-key", "X-Amz-Date", "Cookie"]
)
def test_extra_headers_can_never_set_credentials(name: str) -> None:
    with pytest.raises(ConfigError, match="credentials come only from the API key"):
        GenerateConfig(extra_headers={name: "attacker"})


def test_extra_headers_keep_the_key_where_the_provider_puts_it() -> None:
    _, headers, output = send(
        "anthropic/claude-sonnet-4-5",
        {"extra_headers": {"anthropic-version": "2099-01-01", "X-Trace-Id": "t-1"}},
        fixture("anthropic", "text"),
        api_key="sk-ant-secret-000",
    )
    assert headers["x-api-key"] == "sk-ant-secret-000"
    assert headers["anthropic-version"] == "2099-01-01"  # a non-credential header is replaced
    recorded: Optional[Dict[str, str]] = output.call.headers
    assert recorded is not None and "sk-ant-secret-000" not in json.dumps(recorded)


def test_extra_body_and_headers_are_validated() -> None:
    with pytest.raises(ConfigError, match="line breaks"):
        GenerateConfig(extra_headers={"X-A": "1\r\nAuthorization: x"})
    with pytest.raises(ConfigError, match="extra_body must hold JSON values"):
        GenerateConfig(extra_body={"when": object()})
    with pytest.raises(ConfigError, match="modalities"):
        GenerateConfig(modalities=["smell"])
    for field, bad in (("verbosity", "loud"), ("effort", "extreme"), ("reasoning_mode", "max")):
        with pytest.raises(ConfigError, match=field):
            GenerateConfig(**{field: bad})
    with pytest.raises(ConfigError, match="prompt_logprobs"):
        GenerateConfig(prompt_logprobs=21)


SILENT_BEFORE = [
    # (spec, field, value): set sampling fields the API has no parameter for (found by
    # comparing request bodies: each left the body as it was, with no word said)
    ("anthropic/claude-sonnet-4-5", "seed", 3),
    ("anthropic/claude-sonnet-4-5", "presence_penalty", 0.5),
    ("anthropic/claude-sonnet-4-5", "logit_bias", {42: 1.0}),
    ("anthropic/claude-sonnet-4-5", "logprobs", True),
    ("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", "frequency_penalty", 0.5),
    ("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", "top_logprobs", 2),
    ("google/gemini-2.5-flash", "logit_bias", {42: 1.0}),
    ("mistral/mistral-large-latest", "top_k", 3),
    ("mistral/mistral-large-latest", "logit_bias", {42: 1.0}),
    ("openai/gpt-4o", "top_k", 3),
    ("openai/gpt-4o", "best_of", 2),
    ("groq/llama-3.3-70b-versatile", "top_k", 3),
]
ANSWER_OF = {
    "anthropic": ("anthropic", "text"),
    "bedrock": ("bedrock", "chat"),
    "google": ("google", "chat"),
    "mistral": ("mistral", "text"),
}


@pytest.mark.parametrize(("spec", "field", "value"), SILENT_BEFORE)
def test_a_sampling_field_the_api_lacks_is_warned_about(spec: str, field: str, value: Any) -> None:
    provider = spec.split("/", 1)[0]
    answer = fixture(*ANSWER_OF.get(provider, ("openai", "reasoning_model")))
    with pytest.warns(ConfigWarning, match=rf"{provider} does not support GenerateConfig.{field}"):
        body, _, _ = send(spec, {field: value}, answer)
    assert field not in json.dumps(body)


@pytest.mark.parametrize(
    ("spec", "config"),
    [
        ("anthropic/claude-sonnet-4-5", {"top_k": 3, "logprobs": False}),
        ("google/gemini-2.5-flash", {"seed": 3, "top_k": 3, "presence_penalty": 0.5}),
        ("mistral/mistral-large-latest", {"seed": 3, "presence_penalty": 0.5}),
        ("openai/gpt-4o", {"seed": 3, "logit_bias": {42: 1.0}, "logprobs": True}),
        ("together/meta-llama/Llama-3-8b", {"top_k": 3}),
    ],
)
def test_sampling_fields_the_api_takes_are_not_warned_about(
    spec: str, config: Dict[str, Any]
) -> None:
    provider = spec.split("/", 1)[0]
    answer = fixture(*ANSWER_OF.get(provider, ("openai", "reasoning_model")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        send(spec, config, answer)


def test_bedrock_refuses_several_choices_as_anthropic_does() -> None:
    model = get_model("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", memoize=False)
    with pytest.raises(ConfigError, match="num_choices=2 is not supported"):
        model.generate("hi", config=GenerateConfig(num_choices=2))


def test_the_fields_checked_follow_what_the_api_honours_now() -> None:
    """check_supported remembers the unhonoured fields per honoured set, not per API:
    an API whose fields change (chat completions -> Responses) is checked anew."""
    model = get_model("openai/gpt-5", api_key="sk-test", memoize=False)
    api: Any = model.api
    config = GenerateConfig(reasoning_summary="auto")
    with pytest.warns(
        ConfigWarning, match="openai does not support GenerateConfig.reasoning_summary"
    ):
        _support.check_supported(api, config)
    api.responses_api = True  # Responses honours reasoning_summary
    assert "reasoning_summary" in api.config_fields()
    _support._warned.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _support.check_supported(api, config)
    api.responses_api = False
    with pytest.warns(ConfigWarning, match="reasoning_summary"):
        _support.check_supported(api, config)


def test_a_third_party_api_may_list_its_fields_in_a_plain_set() -> None:
    class Fields:
        provider, model_name = "mine", "m"

        def config_fields(self) -> Any:
            return {"seed"}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _support.check_supported(Fields(), GenerateConfig(seed=3))  # type: ignore[arg-type]
    with pytest.warns(ConfigWarning, match="mine does not support GenerateConfig.top_k"):
        _support.check_supported(Fields(), GenerateConfig(top_k=3))  # type: ignore[arg-type]
