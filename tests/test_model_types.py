"""Inspect's small model-layer names, used as Inspect users use them, and model roles.

Behaviour from Inspect 0.3.285: ``inspect_ai/model/_model.py`` (``ModelName``
matching: a spec's model part is a substring of the name, its provider part
does not decide; ``GenerateInput``; ``model_roles()``; ``Model.role``,
``Model.canonical_name()``, ``ModelAPI.canonical_name()`` with the providers'
``openai/``, ``anthropic/``, ``mistral/``, ``deepseek/`` prefixes),
``_model_config.py`` (``ModelConfig``: model, config, base_url, args, the API
key left out), ``_model_role.py`` (``ModelRole(name, required=False)``),
``_conversation.py``, ``_model_output.py`` (``ServedModelUsage``) and
``_call_tools.py`` (``call_tools``: the tool messages of ``execute_tools``).
"""

from __future__ import annotations

import logging
from typing import Any, List

import pytest

from modelkit import (
    BatchConfig,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    GenerateConfig,
    GenerateInput,
    ModelConfig,
    ModelConversation,
    ModelName,
    ModelOutput,
    ModelRole,
    ModelRoles,
    ModelUsage,
    ServedModelUsage,
    ToolCall,
    call_tools,
    get_model,
    model_roles,
)


def test_model_name_matches_as_inspects() -> None:
    name = ModelName("openai/gpt-4o")
    assert (name.api, name.name, str(name)) == ("openai", "gpt-4o", "openai/gpt-4o")
    assert name == "gpt-4o" and name == "gpt" and name == "openai/gpt-4"
    assert name != "claude" and name != "gpt-4-turbo"
    assert name == "anthropic/gpt"  # Inspect's rule: the provider part does not decide
    assert ModelName(get_model("mockllm/model")) == "mockllm/model"
    assert str(ModelName(get_model("mockllm/model"))) == "mockllm/model"
    with pytest.raises(ConfigError, match="API not specified for model name"):
        ModelName("gpt-4o")


def test_generate_input_is_a_named_tuple() -> None:
    request = GenerateInput(
        input=[ChatMessageUser(content="hi")], tools=[], tool_choice=None, config=GenerateConfig()
    )
    messages, tools, tool_choice, config = request
    assert messages[0].text == "hi" and request.config is config
    assert (tools, tool_choice) == ([], None)


def test_model_config_round_trips_and_leaves_out_the_key() -> None:
    model = get_model(
        "mockllm/model",
        config=GenerateConfig(temperature=0.3),
        api_key="sk-secret",
        memoize=False,
    )
    config = ModelConfig.from_model(model)
    assert (config.model, config.config.temperature) == ("mockllm/model", 0.3)
    assert "sk-secret" not in repr(config) and "api_key" not in config.args
    assert ModelConfig.model_validate(config.model_dump()) == config
    assert ModelConfig(model="mockllm/model", config={"max_tokens": 5}).config.max_tokens == 5
    again = get_model(**config.get_model_args())
    assert str(again) == "mockllm/model" and again.config.temperature == 0.3


def test_model_conversation_is_a_protocol() -> None:
    class Conversation:
        def __init__(self) -> None:
            self.messages: List[ChatMessage] = [ChatMessageUser(content="hi")]
            self.output = ModelOutput.from_content("m", "hello")

    def last_answer(conversation: ModelConversation) -> str:
        return conversation.output.completion

    assert last_answer(Conversation()) == "hello"


def test_served_model_usage() -> None:
    served = ServedModelUsage("openai/gpt-4o", ModelUsage(input_tokens=3, total_tokens=3))
    assert served.model == "openai/gpt-4o" and served.usage.input_tokens == 3
    assert served.cost is None


def test_model_role_references_a_role(monkeypatch: pytest.MonkeyPatch) -> None:
    grader = ModelRole("grader", required=True)
    assert (grader.name, grader.required) == ("grader", True)
    assert ModelRole.model_validate({"name": "critic"}) == ModelRole("critic")
    monkeypatch.setenv("MODELKIT_MODEL_GRADER", "mockllm/model")
    model = get_model(role=grader.name, required=grader.required)
    assert model.role == "grader" and str(model) == "mockllm/model"


def test_model_roles_from_the_environment_and_from_get_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODELKIT_MODEL_JUDGE", "mockllm/judge")
    monkeypatch.setenv("MODELKIT_MODEL_PANEL", "mockllm/a, mockllm/b")
    monkeypatch.setenv("MODELKIT_MODEL_INFO", "/tmp/prices.json")  # not a role: a setting
    critic = get_model(role="red-team", default="mockllm/critic")
    roles = model_roles()
    assert roles["red-team"] is critic and critic.role == "red-team"
    judge = roles["judge"]
    assert not isinstance(judge, list) and (str(judge), judge.role) == ("mockllm/judge", "judge")
    panel = roles["panel"]
    assert isinstance(panel, list)
    assert [(str(m), m.role) for m in panel] == [("mockllm/a", "panel"), ("mockllm/b", "panel")]
    assert str(get_model(role="panel")) == "mockllm/a"  # a role bound to a list: its first
    assert "info" not in roles


def test_model_roles_type_takes_names_models_and_lists() -> None:
    roles: ModelRoles = {"grader": "mockllm/model", "panel": ["mockllm/a", get_model("mockllm/b")]}
    assert set(roles) == {"grader", "panel"}


def test_canonical_names_as_inspects() -> None:
    assert get_model("openai/gpt-4o", api_key="k").canonical_name() == "openai/gpt-4o"
    claude = get_model("anthropic/claude-sonnet-4-5", api_key="k")
    assert claude.canonical_name() == "anthropic/claude-sonnet-4-5"
    assert get_model("mistral/mistral-large-latest", api_key="k").canonical_name() == (
        "mistral/mistral-large-latest"
    )
    assert get_model("deepseek/deepseek-chat", api_key="k").canonical_name() == (
        "deepseek/deepseek-chat"
    )
    assert get_model("groq/llama-3.1-8b-instant", api_key="k").canonical_name() == (
        "llama-3.1-8b-instant"
    )
    assert get_model("mockllm/model").canonical_name() == "model"


def test_call_tools_is_execute_tools_older_name(caplog: pytest.LogCaptureFixture) -> None:
    def add(x: int, y: int) -> int:
        """Add two numbers.

        Args:
            x: the first.
            y: the second.
        """
        return x + y

    message = ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c1", function="add", arguments={"x": 1, "y": 2})]
    )
    with caplog.at_level(logging.WARNING, logger="modelkit"):
        results: List[Any] = call_tools(message, [add])
    assert [(type(m), m.text, m.tool_call_id) for m in results] == [(ChatMessageTool, "3", "c1")]
    assert all(isinstance(m, ChatMessageTool) for m in results)


def test_batch_config_is_exported_at_the_top_level() -> None:
    config = GenerateConfig(batch=BatchConfig(size=10))
    assert config.batch == BatchConfig(size=10)
    assert BatchConfig(size=10).model_dump(exclude_none=True) == {"size": 10}
