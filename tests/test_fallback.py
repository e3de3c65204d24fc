"""``fallback_models`` and ``fail_on_refusal``, as an Inspect 0.3.285 user sets them.

Inspect documents ``fallback_models`` as models "tried in order" when the
model refuses, and ``fail_on_refusal`` as raising ``ModelRefusalError`` on
``stop_reason="content_filter"`` (``inspect_ai/model/_generate_config.py``,
``_model.py``); modelkit also falls back when the model fails for good, and
``ModelOutput.fallback`` (Inspect's ``ModelFallback``) says who answered.
Failing models are the loopback server answering 400 (never retried).
"""

from __future__ import annotations

from typing import Any, List

import pytest
from engine_provider import KEY, echo, loopback_model, register
from loopback import LoopbackServer, Reply

from modelkit import (
    BadRequestError,
    ChatCompletionChoice,
    ChatMessageAssistant,
    ConfigError,
    GenerateConfig,
    ModelAPI,
    ModelFallback,
    ModelOutput,
    ModelRefusalError,
    get_model,
    modelapi,
)


def refusal(model: str) -> ModelOutput:
    message = ChatMessageAssistant(content="I cannot help with that.", model=model)
    choice = ChatCompletionChoice(message=message, stop_reason="content_filter")
    return ModelOutput(model=model, choices=[choice])


def test_a_model_that_fails_for_good_falls_back_in_turn(loopback: LoopbackServer) -> None:
    loopback.default = Reply(status=400, body={"error": {"message": "bad model"}})
    model = loopback_model(
        loopback.url,
        config=GenerateConfig(fallback_models=["mockllm/second", "mockllm/third"]),
    )
    output = model.generate("hello")
    assert output.model == "second"
    assert output.fallback == ModelFallback(
        model="loopback/test-model", fallback_model="mockllm/second"
    )
    assert loopback.count == 1  # a 400 is not retried; the fallback is asked at once


def test_a_bare_fallback_name_is_the_same_provider(loopback: LoopbackServer) -> None:
    register()
    seen: List[str] = []

    def respond(received: Any) -> Reply:
        model = received.json()["model"]
        seen.append(model)
        if model == "primary":
            return Reply(status=400, body={"error": {"message": "no"}})
        assert received.headers["authorization"] == f"Bearer {KEY}"  # same key
        return echo()(received)

    loopback.default = respond
    model = get_model(
        "loopback/primary",
        base_url=loopback.url,
        api_key=KEY,
        config=GenerateConfig(fallback_models=["backup"]),
        memoize=False,
    )
    assert model.generate("hi").completion == "hi"
    assert seen == ["primary", "backup"]


def test_when_every_fallback_fails_the_last_error_is_raised(loopback: LoopbackServer) -> None:
    loopback.default = Reply(status=400, body={"error": {"message": "no"}})
    register()
    model = get_model(
        "loopback/a",
        base_url=loopback.url,
        api_key=KEY,
        config=GenerateConfig(fallback_models=["b", "c"]),
        memoize=False,
    )
    with pytest.raises(BadRequestError) as caught:
        model.generate("hi")
    assert caught.value.model == "c"
    assert loopback.count == 3


def test_a_refusal_falls_back() -> None:
    model = get_model(
        "mockllm/strict",
        custom_outputs=[refusal("strict")],
        config=GenerateConfig(fallback_models=["mockllm/safe", "mockllm/never"]),
        memoize=False,
    )
    output = model.generate("q")
    assert output.completion == "Default output from mockllm/safe"
    assert output.fallback is not None and output.fallback.fallback_model == "mockllm/safe"
    again = ModelOutput.from_dict(output.to_dict())
    assert again.fallback == output.fallback


def test_fail_on_refusal_raises_model_refusal_error() -> None:
    model = get_model("mockllm/strict", custom_outputs=[refusal("strict")] * 2, memoize=False)
    assert model.generate("q").stop_reason == "content_filter"  # off by default
    with pytest.raises(ModelRefusalError, match="Model refusal: mockllm/strict") as caught:
        model.generate("q", config=GenerateConfig(fail_on_refusal=True))
    assert caught.value.output.stop_reason == "content_filter"


@modelapi("refuses")
class RefusingAPI(ModelAPI):
    """Refuses as any model whose name starts with ``no``; answers ``yes`` as the others."""

    def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        if self.model_name.startswith("no"):
            return refusal(self.model_name)
        return ModelOutput.from_content(self.model_name, "yes")


def test_fail_on_refusal_lets_every_fallback_be_asked() -> None:
    config = GenerateConfig(fallback_models=["refuses/no", "refuses/ok"], fail_on_refusal=True)
    model = get_model(
        "mockllm/strict", custom_outputs=[refusal("strict")], config=config, memoize=False
    )
    output = model.generate("q")  # the first fallback's refusal is not final
    assert output.completion == "yes"
    assert output.fallback == ModelFallback(model="mockllm/strict", fallback_model="refuses/ok")


def test_fail_on_refusal_raises_when_every_fallback_refuses() -> None:
    config = GenerateConfig(fallback_models=["refuses/no1", "refuses/no2"], fail_on_refusal=True)
    model = get_model(
        "mockllm/strict", custom_outputs=[refusal("strict")], config=config, memoize=False
    )
    with pytest.raises(ModelRefusalError) as caught:
        model.generate("q")
    assert caught.value.output.model == "no2"


def test_fallback_models_are_validated() -> None:
    for bad in ("mockllm/x", [""], [1]):
        with pytest.raises(ConfigError, match="fallback_models"):
            GenerateConfig(fallback_models=bad)
