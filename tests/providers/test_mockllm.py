"""mockllm: deterministic default output, scripted outputs of every kind, usage."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from modelkit import ConfigError, ModelkitError, ModelOutput, ModelUsage, get_model


def test_default_output_is_deterministic_and_offline() -> None:
    model = get_model("mockllm/model")
    first, second = model.generate("Say hello"), model.generate("Say hello")
    assert first.completion == second.completion == "Default output from mockllm/model"
    assert first.stop_reason == "stop" and first.model == "model"


def test_a_list_is_served_in_order_and_says_when_it_runs_out() -> None:
    model = get_model(
        "mockllm/model",
        custom_outputs=["one", ModelOutput.for_tool_call("model", "add", {"a": 1}, "c1")],
    )
    assert model.generate("x").completion == "one"
    assert model.generate("x").message.tool_calls[0].function == "add"  # type: ignore[index]
    with pytest.raises(ModelkitError, match="ran out of values after 2 output"):
        model.generate("x")


def test_a_generator_is_consumed_lazily() -> None:
    def outputs() -> Iterator[str]:
        for n in range(3):
            yield f"answer {n}"

    model = get_model("mockllm/model", custom_outputs=outputs())
    assert [model.generate("x").completion for _ in range(3)] == [f"answer {n}" for n in range(3)]


def test_a_callable_sees_the_request() -> None:
    def reply(input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        return ModelOutput.from_content("m", f"{input[-1].text}/{tool_choice}/{config.max_tokens}")

    model = get_model("mockllm/model", custom_outputs=reply)
    assert model.generate("ping", config={"max_tokens": 3}).completion == "ping/none/3"


def test_usage_is_filled_in_unless_given() -> None:
    model = get_model("mockllm/model", custom_outputs=["a b c", _with_usage()])
    assert model.generate("one two").usage == ModelUsage(
        input_tokens=2, output_tokens=3, total_tokens=5
    )
    assert model.generate("x").usage == ModelUsage(input_tokens=100, total_tokens=100)


def _with_usage() -> ModelOutput:
    output = ModelOutput.from_content("m", "x")
    output.usage = ModelUsage(input_tokens=100, total_tokens=100)
    return output


def test_a_scripted_output_is_not_mutated() -> None:
    scripted = ModelOutput(model="", choices=[])
    get_model("mockllm/model", custom_outputs=[scripted]).generate("x")
    assert scripted.model == "" and scripted.usage is None and scripted.time is None


def test_bad_custom_outputs_raise_as_inspects() -> None:
    # Inspect 0.3.285 tests/model/test_mock_model_llm.py: a ValueError whose
    # message holds these words; a string fails at the first generate().
    with pytest.raises(ValueError, match="must be an Iterable, Generator, or Callable"):
        get_model("mockllm/model", custom_outputs=42)
    model = get_model("mockllm/model", custom_outputs="just a string")
    with pytest.raises(ConfigError, match="must be an instance of ModelOutput"):
        model.generate("x")
    model = get_model("mockllm/model", custom_outputs=[3.5])
    with pytest.raises(ValueError, match="must be an instance of ModelOutput"):
        model.generate("x")


def test_running_out_is_a_value_error_as_inspects() -> None:
    model = get_model("mockllm/model", custom_outputs=[ModelOutput.from_content("m", "only")])
    model.generate("x")
    with pytest.raises(ValueError, match="custom_outputs ran out of values"):
        model.generate("x")


def test_default_output_is_inspects_attribute() -> None:
    from modelkit.providers.mockllm import MockLLM

    assert get_model("mockllm/model").generate("x").completion == MockLLM.default_output
