"""Model and get_model: specs, the memo (also under threads), context managers, prepare."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, List

import pytest

from modelkit import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    Model,
    ModelAPI,
    ModelOutput,
    ToolCall,
    ToolFunction,
    ToolInfo,
    get_model,
    modelapi,
)
from modelkit._models import _memo


def test_a_model_is_returned_unchanged() -> None:
    model = get_model("mockllm/model")
    assert get_model(model) is model


def test_none_reads_modelkit_model_then_inspect_eval_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECT_EVAL_MODEL", "mockllm/inspect")
    assert get_model().name == "inspect"
    monkeypatch.setenv("MODELKIT_MODEL", "mockllm/modelkit")
    assert get_model().name == "modelkit"


def test_no_model_anywhere_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"no model given.*\$MODELKIT_MODEL"):
        get_model()


@pytest.mark.parametrize("spec", ["mockllm", "/model", "mockllm/"])
def test_malformed_spec(spec: str) -> None:
    with pytest.raises(ConfigError, match="provider/model"):
        get_model(spec)


def test_unknown_provider_lists_registered_ones() -> None:
    with pytest.raises(ConfigError, match="unknown provider 'nosuch'.*mockllm"):
        get_model("nosuch/model")


def test_memoized_on_every_argument() -> None:
    a = get_model("mockllm/model")
    assert get_model("mockllm/model") is a
    assert get_model("mockllm/other") is not a
    assert get_model("mockllm/model", config=GenerateConfig(temperature=1)) is not a
    assert get_model("mockllm/model", base_url="http://127.0.0.1:1") is not a
    assert get_model("mockllm/model", api_key="k1") is not get_model("mockllm/model", api_key="k2")
    assert get_model("mockllm/model", memoize=False) is not a


def test_equal_scripts_do_not_share_one_model() -> None:
    first = get_model("mockllm/model", custom_outputs=["a"])
    second = get_model("mockllm/model", custom_outputs=["a"])
    assert first is not second
    assert first.generate("x").completion == second.generate("x").completion == "a"
    script = ["b"]
    assert get_model("mockllm/model", custom_outputs=script) is get_model(
        "mockllm/model", custom_outputs=script
    )


def test_memo_keys_hold_no_api_key() -> None:
    get_model("mockllm/model", api_key="secret-key-value")
    assert not any("secret-key-value" in key for key in _memo)


def test_fifty_threads_get_one_instance() -> None:
    barrier = threading.Barrier(50)
    found: List[Model] = []

    def fetch() -> None:
        barrier.wait()
        found.append(get_model("mockllm/threaded", config={"temperature": 0.5}))

    threads = [threading.Thread(target=fetch) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 50 and len({id(m) for m in found}) == 1


def test_model_args_reach_the_provider() -> None:
    model = get_model("mockllm/model", custom_outputs=["scripted"])
    assert model.generate("hi").completion == "scripted"


def test_unknown_model_arg_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="bad model argument.*colour"):
        get_model("mockllm/model", colour="red")


def test_with_closes_and_forgets() -> None:
    closed: List[str] = []

    @modelapi("closing-test")
    class Closing(ModelAPI):
        def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
            return ModelOutput.from_content(self.model_name, "ok")

        def close(self) -> None:
            closed.append(self.model_name)

    with get_model("closing-test/a") as model:
        assert model.generate("x").completion == "ok"
        assert get_model("closing-test/a") is model
    assert closed == ["a"]
    assert get_model("closing-test/a") is not model

    async def use() -> str:
        async with get_model("closing-test/b") as model:
            return (await model.generate_async("x")).completion

    assert asyncio.run(use()) == "ok" and closed == ["a", "b"]


def test_generate_fills_time_and_running_usage() -> None:
    model = get_model("mockllm/model")
    first = model.generate("one two three")
    model.generate("four")
    assert first.time is not None and first.time >= 0
    assert model.usage.input_tokens == 4
    assert model.usage.output_tokens == 2 * len("Default output from mockllm/model".split())


# --- prepare: what the API is sent ------------------------------------------------


class _Hooks(ModelAPI):
    collapse_user = False
    collapse_assistant = False
    requires_tools = False
    reasoning = True

    def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        raise AssertionError("not called")

    def collapse_user_messages(self) -> bool:
        return self.collapse_user

    def collapse_assistant_messages(self) -> bool:
        return self.collapse_assistant

    def tools_required(self) -> bool:
        return self.requires_tools

    def has_reasoning_history(self) -> bool:
        return self.reasoning


def _model(**hooks: bool) -> Model:
    api = _Hooks("m")
    for name, value in hooks.items():
        setattr(api, name, value)
    return Model(api, GenerateConfig(temperature=0.2))


def test_prepare_turns_a_string_into_a_user_message_and_merges_config() -> None:
    request = _model().prepare("hello", config={"max_tokens": 5})
    assert request.input == [ChatMessageUser(content="hello")]
    assert (request.config.temperature, request.config.max_tokens) == (0.2, 5)
    assert (request.tools, request.tool_choice) == ([], "none")


def test_prepare_accepts_message_dicts_and_rejects_junk() -> None:
    request = _model().prepare([{"role": "user", "content": "hi"}])
    assert request.input == [ChatMessageUser(content="hi")]
    with pytest.raises(ConfigError, match="ChatMessage objects or dicts"):
        _model().prepare([42])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="input is empty"):
        _model().prepare([])


def test_system_message_goes_first() -> None:
    request = _model().prepare(
        [ChatMessageSystem(content="old"), ChatMessageUser(content="q")],
        config=GenerateConfig(system_message="new"),
    )
    assert [m.text for m in request.input] == ["new", "old", "q"]


def test_tool_choice_defaults_to_auto_with_tools_and_checks_names() -> None:
    info = ToolInfo(name="add", description="add numbers")
    assert _model().prepare("x", tools=[info]).tool_choice == "auto"
    assert _model().prepare("x", [info], ToolFunction("add")).tool_choice == ToolFunction("add")
    with pytest.raises(ConfigError, match="'sub', which is not among the tools"):
        _model().prepare("x", [info], ToolFunction("sub"))
    with pytest.raises(ConfigError, match="tool_choice must be"):
        _model().prepare("x", [info], "sometimes")  # type: ignore[arg-type]


def test_collapse_runs_of_user_and_assistant_messages() -> None:
    call = ToolCall(id="1", function="f")
    history = [
        ChatMessageUser(content="a"),
        ChatMessageUser(content=[ContentText("b")]),
        ChatMessageAssistant(content="c", tool_calls=[call]),
        ChatMessageAssistant(content="d"),
        ChatMessageUser(content="e"),
    ]
    untouched = _model().prepare(history).input
    assert untouched == history
    collapsed = _model(collapse_user=True, collapse_assistant=True).prepare(history).input
    assert [m.role for m in collapsed] == ["user", "assistant", "user"]
    assert collapsed[0].content == [ContentText("a"), ContentText("b")]
    assert collapsed[1].tool_calls == [call]  # type: ignore[union-attr]
    assert collapsed[1].text == "c\nd"


def test_tools_required_adds_definitions_for_tools_already_used() -> None:
    history = [
        ChatMessageUser(content="q"),
        ChatMessageAssistant(content="", tool_calls=[ToolCall(id="1", function="lookup")]),
        ChatMessageTool(content="42", tool_call_id="1", function="lookup"),
    ]
    request = _model(requires_tools=True).prepare(history)
    assert [t.name for t in request.tools] == ["lookup"] and request.tool_choice == "none"
    assert _model().prepare(history).tools == []


def test_reasoning_is_dropped_unless_the_api_takes_it_back() -> None:
    message = ChatMessageAssistant(
        content=[ContentReasoning("hmm", signature="sig"), ContentText("answer")], reasoning="hmm"
    )
    kept = _model(reasoning=True).prepare([message]).input[0]
    assert kept == message
    dropped = _model(reasoning=False).prepare([message]).input[0]
    assert dropped.content == [ContentText("answer")] and dropped.reasoning is None  # type: ignore[union-attr]
    off = _model(reasoning=True).prepare([message], config={"reasoning_history": False}).input[0]
    assert off == dropped


def test_collapsed_messages_keep_inspects_field_precedence() -> None:
    # Inspect 0.3.285 _model.py combine_messages: strings joined by a newline,
    # the later model and source win, metadata merged (later wins) with
    # combined_from listing both ids, tool-call ids concatenated.
    first = ChatMessageAssistant(
        content="First", model="model-a", source="generate", metadata={"k1": 1, "shared": "a"}
    )
    second = ChatMessageAssistant(
        content="Second", model="model-b", source="input", metadata={"k2": 2, "shared": "b"}
    )
    user_a = ChatMessageUser(content="u1", tool_call_id=["tc_1"], source="generate")
    user_b = ChatMessageUser(content="u2", tool_call_id=["tc_2", "tc_3"])
    prepared = _model(collapse_user=True, collapse_assistant=True).prepare(
        [user_a, user_b, first, second]
    )
    user, assistant = prepared.input
    assert user.content == "u1\nu2" and user.source == "generate"
    assert user.tool_call_id == ["tc_1", "tc_2", "tc_3"]  # type: ignore[union-attr]
    assert (assistant.content, assistant.model, assistant.source) == (  # type: ignore[union-attr]
        "First\nSecond",
        "model-b",
        "input",
    )
    assert assistant.metadata == {
        "k1": 1,
        "k2": 2,
        "shared": "b",
        "combined_from": [first.id, second.id],
    }
    assert first.content == "First" and first.metadata == {"k1": 1, "shared": "a"}  # untouched
