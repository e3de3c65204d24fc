"""``Model.generate_loop``: against ``mockllm`` scripted to call tools, and
against the loopback server speaking OpenAI's chat completions format.

OpenAI wire shapes (assistant ``tool_calls``, ``role: "tool"`` messages with
``tool_call_id``, ``finish_reason: "tool_calls"``) follow
https://platform.openai.com/docs/api-reference/chat/create and
https://platform.openai.com/docs/guides/function-calling.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
from loopback import LoopbackServer, Reply

from modelkit import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    GenerateConfig,
    GenerateLoopResult,
    ModelOutput,
    ModelUsage,
    ToolCall,
    ToolFunction,
    get_model,
    tool,
)


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city.

    Args:
        city: the city name.
    """
    return {"Paris": "18C, cloudy", "Oslo": "4C, rain"}.get(city, "unknown city")


@tool
def convert_temperature(celsius: float) -> float:
    """Convert a temperature from Celsius to Fahrenheit.

    Args:
        celsius: degrees Celsius.
    """
    return round(celsius * 9 / 5 + 32, 1)


def calls(*items: ToolCall, usage: int = 10) -> ModelOutput:
    message = ChatMessageAssistant(content="", tool_calls=list(items), source="generate")
    return ModelOutput(
        model="model",
        choices=[ChatCompletionChoice(message=message, stop_reason="tool_calls")],
        usage=ModelUsage(input_tokens=usage, output_tokens=1, total_tokens=usage + 1),
    )


def answer(text: str, usage: int = 10) -> ModelOutput:
    output = ModelOutput.from_content("model", text)
    output.usage = ModelUsage(input_tokens=usage, output_tokens=2, total_tokens=usage + 2)
    return output


SCRIPT = [
    calls(ToolCall(id="w1", function="get_weather", arguments={"city": "Paris"}), usage=10),
    calls(ToolCall(id="t1", function="convert_temperature", arguments={"celsius": 18}), usage=20),
    answer("It is 18C (64.4F) and cloudy in Paris.", usage=30),
]


def test_calls_tools_twice_then_answers() -> None:
    model = get_model("mockllm/model", custom_outputs=list(SCRIPT), memoize=False)
    result = model.generate_loop(
        "Weather in Paris, in Fahrenheit?", [get_weather, convert_temperature]
    )
    assert isinstance(result, GenerateLoopResult)
    roles = [m.role for m in result.messages]
    assert roles == [
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]  # the input is not repeated
    first_call = result.messages[0]
    assert isinstance(first_call, ChatMessageAssistant)
    assert first_call.tool_calls == SCRIPT[0].message.tool_calls
    weather, temperature = result.messages[1], result.messages[3]
    assert isinstance(weather, ChatMessageTool) and isinstance(temperature, ChatMessageTool)
    assert (weather.tool_call_id, weather.function, weather.text) == (
        "w1",
        "get_weather",
        "18C, cloudy",
    )
    assert (temperature.tool_call_id, temperature.text) == ("t1", "64.4")
    assert result.output.completion == "It is 18C (64.4F) and cloudy in Paris."
    assert result.messages[-1] == result.output.message
    assert result.usage == ModelUsage(input_tokens=60, output_tokens=4, total_tokens=64)
    assert model.usage == result.usage
    assert (result.turns, result.limit_reached) == (3, False)
    messages, output = result
    assert messages is result.messages and output is result.output


def test_the_model_sees_its_tools_and_their_results() -> None:
    seen: List[Dict[str, Any]] = []
    script = iter(SCRIPT)

    def respond(input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        seen.append({"input": list(input), "tools": list(tools), "choice": tool_choice})
        return next(script)

    model = get_model("mockllm/model", custom_outputs=respond, memoize=False)
    history = [ChatMessageUser(content="Weather in Paris?")]
    result = model.generate_loop(history, [get_weather, convert_temperature])
    assert history == [ChatMessageUser(content="Weather in Paris?")]  # not mutated
    assert [t.name for t in seen[0]["tools"]] == ["get_weather", "convert_temperature"]
    assert [len(s["input"]) for s in seen] == [1, 3, 5]
    assert seen[1]["input"][-1] == result.messages[1]
    assert seen[2]["input"] == history + result.messages[:-1]
    assert [s["choice"] for s in seen] == ["auto", "auto", "auto"]


def test_a_forced_tool_choice_applies_to_the_first_turn_only() -> None:
    choices: List[Any] = []
    script = iter(SCRIPT)

    def respond(input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        choices.append(tool_choice)
        return next(script)

    model = get_model("mockllm/model", custom_outputs=respond, memoize=False)
    model.generate_loop(
        "go", [get_weather, convert_temperature], tool_choice=ToolFunction("get_weather")
    )
    assert choices == [ToolFunction("get_weather"), "auto", "auto"]


def test_stops_at_max_turns_with_the_last_tools_run() -> None:
    forever = (
        calls(ToolCall(id=f"c{i}", function="get_weather", arguments={"city": "Oslo"}))
        for i in range(100)
    )
    model = get_model("mockllm/model", custom_outputs=forever, memoize=False)
    result = model.generate_loop("loop", [get_weather], max_turns=3)
    assert (result.turns, result.limit_reached) == (3, True)
    assert [m.role for m in result.messages].count("assistant") == 3
    last = result.messages[-1]
    assert isinstance(last, ChatMessageTool) and last.tool_call_id == "c2"
    assert result.output.stop_reason == "tool_calls"


def test_tool_errors_go_back_to_the_model_and_config_limits_output() -> None:
    script = [
        calls(
            ToolCall(id="bad", function="get_weather", arguments={"town": "Paris"}),
            ToolCall(id="ok", function="get_weather", arguments={"city": "Paris"}),
        ),
        answer("Sorry."),
    ]
    model = get_model(
        "mockllm/model",
        custom_outputs=script,
        config=GenerateConfig(max_tool_output=4),
        memoize=False,
    )
    result = model.generate_loop("go", [get_weather])
    bad, ok = result.messages[1], result.messages[2]
    assert isinstance(bad, ChatMessageTool) and bad.error is not None
    assert bad.error.type == "parsing"
    assert isinstance(ok, ChatMessageTool) and ok.error is None
    assert ok.text.endswith("\n18C,") and "4-byte limit" in ok.text


def test_bad_arguments() -> None:
    model = get_model("mockllm/model", memoize=False)
    with pytest.raises(ConfigError, match="max_turns"):
        model.generate_loop("go", [get_weather], max_turns=0)
    info = get_weather.__modelkit_tool__.as_info()  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="no function to run"):
        model.generate_loop("go", [info])


def test_answer_without_tools_is_one_turn() -> None:
    model = get_model("mockllm/model", memoize=False)
    result = model.generate_loop("hello", [get_weather])
    assert result.turns == 1
    assert [m.role for m in result.messages] == ["assistant"]


# --- over HTTP, in OpenAI's format -------------------------------------------------


def openai_tool_call(call_id: str, name: str, arguments: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": f"chatcmpl-{call_id}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {"name": name, "arguments": json.dumps(arguments)},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
    }


def openai_answer(text: str) -> Dict[str, Any]:
    return {
        "id": "chatcmpl-final",
        "object": "chat.completion",
        "created": 1700000001,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 90, "completion_tokens": 12, "total_tokens": 102},
    }


def test_generate_loop_over_openai_wire_format(loopback: LoopbackServer) -> None:
    loopback.script(
        Reply(body=openai_tool_call("call_1", "get_weather", {"city": "Paris"})),
        Reply(body=openai_tool_call("call_2", "convert_temperature", {"celsius": 18})),
        Reply(body=openai_answer("18C (64.4F), cloudy.")),
    )
    model = get_model(
        "openai/gpt-4o", base_url=f"{loopback.url}/v1", api_key="sk-test", memoize=False
    )
    result = model.generate_loop("Weather in Paris?", [get_weather, convert_temperature])

    assert result.output.completion == "18C (64.4F), cloudy."
    assert [m.role for m in result.messages] == [
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]
    assert result.usage.input_tokens == 190 and result.usage.output_tokens == 32
    assert loopback.count == 3
    assert all(r.path == "/v1/chat/completions" for r in loopback.requests)

    first, second, third = (r.json() for r in loopback.requests)
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather", "convert_temperature"]
    assert first["tools"][0]["function"]["parameters"]["properties"]["city"] == {
        "type": "string",
        "description": "the city name.",
    }
    assert first["tool_choice"] == "auto"
    assert second["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, cloudy"},
    ]
    assert third["messages"][-1] == {"role": "tool", "tool_call_id": "call_2", "content": "64.4"}


def test_the_documented_agent_runs_as_written(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "tools.md"
    example = docs.read_text(encoding="utf-8").split("```python\n")[1].split("```")[0]
    assert len(example.strip().splitlines()) <= 15  # "an agent in ten lines" (of code)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{loopback.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    loopback.script(
        Reply(body=openai_tool_call("call_1", "get_weather", {"city": "Paris"})),
        Reply(body=openai_answer("Yes: it is cloudy, take an umbrella.")),
    )
    exec(compile(example, str(docs), "exec"), {"__name__": "docs_example"})
    assert capsys.readouterr().out == "Yes: it is cloudy, take an umbrella.\n"
    tool_message = loopback.requests[1].json()["messages"][-1]
    assert tool_message == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "18C and cloudy in Paris",
    }
