"""Model-side code written the way an Inspect 0.3.285 user writes it, changed only in
the import and without ``await``.

The behaviours are those of Inspect 0.3.285 (checked in a scratch virtualenv):
``inspect_ai/model/_chat_message.py`` (``id`` made in ``model_post_init``,
``metadata``, the ``text`` setter), ``_model_output.py`` (``completion``,
``error``, ``empty``, ``ModelFallback``), ``_generate_config.py`` (a mutable
pydantic model whose ``merge`` returns a copy, ``cache``), ``_model.py``
(``get_model(role=, required=, default=)``, ``ModelAPI.initial_api_key``)
and ``_cache.py`` (``cache_store`` never stores a ``content_filter`` output).
"""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any, List

import pytest

from modelkit import (
    CachePolicy,
    ChatCompletionChoice,
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageSystem,
    ChatMessageUser,
    ConfigError,
    ContentImage,
    ContentText,
    GenerateConfig,
    Model,
    ModelAPI,
    ModelOutput,
    ToolInfo,
    get_model,
    modelapi,
)
from modelkit.messages import message_from_dict

# --- messages -------------------------------------------------------------------------


def test_messages_get_ids_and_metadata_and_can_be_edited() -> None:
    first, second = ChatMessageUser(content="hi"), ChatMessageUser(content="hi")
    assert first.id and second.id and first.id != second.id
    assert first == second  # the id is not part of equality
    assert ChatMessageUser(content="x", id="mine").id == "mine"
    message = ChatMessageSystem(content="Be brief.", metadata={"origin": "template"})
    message.content = "Be very brief."
    message.metadata["checked"] = True  # type: ignore[index]
    assert message.text == "Be very brief."
    again = message_from_dict(message.to_dict())
    assert again == message and again.id == message.id and again.metadata == message.metadata
    assert pickle.loads(pickle.dumps(message)).id == message.id
    assert ChatMessageBase.__attrs_attrs__.role is not None  # type: ignore[attr-defined]
    assert [m.role for m in (message, first)] == ["system", "user"]


def test_text_setter_keeps_images_and_one_text_part() -> None:
    message = ChatMessageUser(
        content=[
            ContentImage(image="https://example.com/a.png"),
            ContentText(text="old"),
            ContentText(text="older"),
        ]
    )
    message.text = "new"
    assert message.content == [ContentImage(image="https://example.com/a.png"), ContentText("new")]
    image_only = ChatMessageUser(content=[ContentImage(image="https://example.com/a.png")])
    image_only.text = "caption"
    assert image_only.content_list[-1] == ContentText(text="caption")
    part = ContentText(text="a")
    part.text = "b"  # content is mutable too
    assert part.text == "b"


def test_message_ids_never_change_the_cache_key() -> None:
    model = get_model("mockllm/model", memoize=False)
    first = model.generate([ChatMessageUser(content="same")], cache=True)
    second = model.generate([ChatMessageUser(content="same")], cache=True)
    assert not first.cached and second.cached


# --- outputs --------------------------------------------------------------------------


def test_completion_setter_error_and_metadata() -> None:
    output = ModelOutput.from_content("mockllm/model", "draft")
    output.completion = "final"
    assert output.completion == "final" and output.message.text == "final"
    empty = ModelOutput(model="m")
    assert empty.empty
    empty.completion = "filled"
    assert (empty.completion, empty.stop_reason) == ("filled", "stop")
    output.metadata = {"judge": "ok"}
    output.error = "flagged"
    assert ModelOutput.from_dict(output.to_dict()).metadata == {"judge": "ok"}
    assert ModelOutput.from_dict(output.to_dict()) == output
    from_message = ModelOutput.from_message(ChatMessageAssistant(content="hi", model="m"))
    assert (from_message.model, from_message.completion) == ("m", "hi")


def test_choices_and_tool_info_are_mutable() -> None:
    output = ModelOutput.from_content("m", "x")
    output.choices[0].stop_reason = "max_tokens"
    assert output.stop_reason == "max_tokens"
    info = ToolInfo(name="t", description="d")
    info.description = "better"
    assert info.description == "better"


# --- config ---------------------------------------------------------------------------


def test_config_is_mutable_and_merge_copies() -> None:
    config = GenerateConfig(temperature=0.2)
    config.max_tokens = 100
    merged = config.merge(GenerateConfig(seed=1))
    merged.temperature = 0.9
    assert config.temperature == 0.2 and merged.max_tokens == 100
    with pytest.raises(ConfigError, match="max_tokens"):
        config.max_tokens = 0
    assert copy.deepcopy(config) == config


def test_two_models_never_share_a_default_config() -> None:
    first = get_model("mockllm/model", memoize=False)
    second = get_model("mockllm/other", memoize=False)
    assert first.config is not second.config
    first.config.temperature = 1.5
    assert second.config.temperature is None
    given = GenerateConfig(seed=3)
    third = get_model("mockllm/model", config=given, memoize=False)
    assert third.config == given and third.config is not given
    assert Model(first.api).config is not Model(second.api).config


# --- get_model roles and defaults -------------------------------------------------------


def test_role_bound_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELKIT_MODEL_RED_TEAM", "mockllm/attacker")
    model = get_model(role="red-team", default="mockllm/fallback")
    assert (str(model), model.role) == ("mockllm/attacker", "red-team")
    assert get_model(role="grader", default="mockllm/judge").name == "judge"


def test_required_role_without_default_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"role 'grader' is required.*MODELKIT_MODEL_GRADER"):
        get_model(role="grader", required=True)
    assert get_model(role="grader", required=True, default="mockllm/m").name == "m"


def test_default_is_used_when_no_model_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_model(default="mockllm/default").name == "default"
    existing = get_model("mockllm/existing")
    assert get_model(default=existing) is existing
    assert get_model("mockllm/given", default="mockllm/default").name == "given"


# --- ModelAPI ---------------------------------------------------------------------------


def test_initial_api_key_is_the_key_given() -> None:
    given = get_model("openai/gpt-4o", api_key="sk-given", memoize=False)
    assert given.api.initial_api_key == "sk-given"


def test_initial_api_key_is_none_when_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    model = get_model("openai/gpt-4o", memoize=False)
    assert (model.api.initial_api_key, model.api.api_key) == (None, "sk-env")


def test_async_provider_registered_with_modelapi_works() -> None:
    closed: List[bool] = []

    @modelapi(name="asyncecho")
    class AsyncEcho(ModelAPI):
        async def generate(  # type: ignore[override]  # Inspect's async signature
            self, input: Any, tools: Any, tool_choice: Any, config: Any
        ) -> ModelOutput:
            await asyncio.sleep(0)
            return ModelOutput.from_content(self.model_name, input[-1].text.upper())

        async def close(self) -> None:  # type: ignore[override]
            closed.append(True)

    with get_model("asyncecho/loud", memoize=False) as model:
        assert model.generate("hello").completion == "HELLO"

        async def from_async_code() -> str:
            return (await model.generate_async("again")).completion

        assert asyncio.run(from_async_code()) == "AGAIN"
    assert closed == [True]


# --- cache ------------------------------------------------------------------------------


def refusal(model: str) -> ModelOutput:
    message = ChatMessageAssistant(content="I can't help with that.", model=model)
    return ModelOutput(
        model=model, choices=[ChatCompletionChoice(message=message, stop_reason="content_filter")]
    )


def test_refusals_and_errors_are_never_cached() -> None:
    answers = [refusal("m"), ModelOutput.from_content("m", "x", error="moderated")]
    answers += [ModelOutput.from_content("m", "fine")] * 2
    model = get_model("mockllm/m", custom_outputs=answers, memoize=False)
    assert model.generate("q", cache=True).stop_reason == "content_filter"
    assert model.generate("q", cache=True).error == "moderated"
    fresh = model.generate("q", cache=True)
    assert fresh.completion == "fine" and not fresh.cached
    assert model.generate("q", cache=True).cached


def test_cache_policy_in_generate_config() -> None:
    model = get_model(
        "mockllm/m",
        config=GenerateConfig(cache=CachePolicy(expiry="1h")),
        custom_outputs=[ModelOutput.from_content("m", str(i)) for i in range(3)],
        memoize=False,
    )
    assert model.generate("q").completion == "0"
    hit = model.generate("q")
    assert (hit.completion, hit.cached) == ("0", True)
    assert model.generate("q", cache=False).completion == "1"  # the argument wins
    assert model.generate("q", config=GenerateConfig(cache=False)).completion == "2"
    with pytest.raises(ConfigError, match="cache must be"):
        GenerateConfig(cache="yes")
    round_trip = GenerateConfig.from_dict(GenerateConfig(cache=CachePolicy(expiry=None)).to_dict())
    assert round_trip.cache == {"per_epoch": True, "scopes": {}}


def test_reasoning_history_takes_inspects_values() -> None:
    from modelkit import ContentReasoning

    def turn(thought: str) -> ChatMessageAssistant:
        return ChatMessageAssistant(
            content=[ContentReasoning(reasoning=thought, signature="s"), ContentText(text="a")]
        )

    history = [ChatMessageUser(content="q1"), turn("first"), ChatMessageUser(content="q2")]
    history += [turn("second"), ChatMessageUser(content="q3")]
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-test", memoize=False)

    def kept(value: Any) -> List[str]:
        request = model.prepare(history, config=GenerateConfig(reasoning_history=value))
        return [
            part.reasoning
            for message in request.input
            if isinstance(message, ChatMessageAssistant) and not isinstance(message.content, str)
            for part in message.content
            if isinstance(part, ContentReasoning)
        ]

    assert kept("all") == kept(True) == kept("auto") == ["first", "second"]
    assert kept("last") == ["second"]
    assert kept("none") == kept(False) == []
    with pytest.raises(ConfigError, match="reasoning_history"):
        GenerateConfig(reasoning_history=1)
