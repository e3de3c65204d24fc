"""Tools written the way an Inspect 0.3.285 user writes them, changed only in the import.

Each test reads like Inspect code (``@tool`` factories returning ``async def
execute``, ``ToolDef(fn)``, unpacking ``execute_tools``) with ``await``
dropped. The expected schemas and renderings are what Inspect 0.3.285
itself produced for the same code (checked in a scratch virtualenv), from
``inspect_ai/tool/_tool.py``, ``_tool_def.py``, ``_tool_info.py`` and
``inspect_ai/model/_call_tools.py`` (``execute_tools``, ``tool_param``).
"""

from __future__ import annotations

import asyncio
import datetime
import threading
from typing import Any, Dict, List

import pytest

from modelkit import (
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    ExecuteToolsResult,
    ModelOutput,
    Tool,
    ToolCall,
    ToolDef,
    ToolError,
    ToolParams,
    execute_tools,
    get_model,
    tool,
)


@tool
def add() -> Tool:
    async def execute(x: int, y: int) -> int:
        """Add two numbers.

        Args:
            x: First number to add.
            y: Second number to add.
        """
        return x + y

    return execute


@tool(name="multiply", parallel=True, prompt="Use it for products.", viewer=None)
def times(scale: int = 1) -> Tool:
    async def execute(x: int, y: int) -> int:
        """Multiply two numbers.

        Args:
            x: First number.
            y: Second number.
        """
        await asyncio.sleep(0)
        return x * y * scale

    return execute


def assistant(*calls: ToolCall) -> ChatMessageAssistant:
    return ChatMessageAssistant(content="", tool_calls=list(calls))


def test_factory_tool_is_named_after_the_factory_and_described_by_execute() -> None:
    tdef = ToolDef(add())
    assert (tdef.name, tdef.description, tdef.parallel) == ("add", "Add two numbers.", False)
    assert tdef.parameters.to_dict() == {
        "type": "object",
        "properties": {
            "x": {"type": "integer", "description": "First number to add."},
            "y": {"type": "integer", "description": "Second number to add."},
        },
        "required": ["x", "y"],
        "additionalProperties": False,
    }
    multiply = ToolDef(times(scale=2))
    assert (multiply.name, multiply.parallel) == ("multiply", True)
    assert multiply.description == "Multiply two numbers.. Use it for products."


def test_async_tools_are_awaited_and_mix_with_sync_ones() -> None:
    def subtract(x: int, y: int) -> int:
        """Subtract y from x."""
        return x - y

    messages: List[Any] = [
        ChatMessageUser(content="go"),
        assistant(
            ToolCall(id="1", function="add", arguments={"x": 1, "y": 2}),
            ToolCall(id="2", function="multiply", arguments={"x": 3, "y": 4}),
            ToolCall(id="3", function="subtract", arguments={"x": 9, "y": 4}),
        ),
    ]
    result = execute_tools(messages, [add(), times(scale=10), subtract])
    assert isinstance(result, ExecuteToolsResult)
    new_messages, output = result
    assert output is None and result.messages is new_messages
    assert [m.text for m in new_messages] == ["3", "120", "5"]
    assert all(isinstance(m, ChatMessageTool) and m.error is None for m in new_messages)


def test_async_tool_runs_when_called_from_inside_an_event_loop() -> None:
    async def caller() -> Any:
        messages, _ = execute_tools(
            [assistant(ToolCall(id="1", function="add", arguments={"x": 2, "y": 2}))], [add()]
        )
        return messages

    (message,) = asyncio.run(caller())
    assert message.text == "4"


def test_parallel_false_tools_run_one_at_a_time() -> None:
    lock = threading.Lock()
    state: Dict[str, int] = {"now": 0, "peak": 0}

    def tracked(label: str) -> Any:
        async def execute(n: int) -> int:
            """Count.

            Args:
                n: a number.
            """
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            await asyncio.sleep(0.05)
            with lock:
                state["now"] -= 1
            return n

        return execute

    @tool
    def serial() -> Tool:
        return tracked("serial")  # type: ignore[no-any-return]

    @tool(parallel=True)
    def together() -> Tool:
        return tracked("together")  # type: ignore[no-any-return]

    def calls(name: str) -> ChatMessageAssistant:
        return assistant(
            *(ToolCall(id=str(i), function=name, arguments={"n": i}) for i in range(3))
        )

    messages, _ = execute_tools([calls("serial")], [serial()])
    assert [m.text for m in messages] == ["0", "1", "2"]
    assert state["peak"] == 1
    state["peak"] = 0
    messages, _ = execute_tools([calls("together")], [together()])
    assert [m.text for m in messages] == ["0", "1", "2"]
    assert state["peak"] == 3


def test_tool_error_goes_back_to_the_model_as_its_message() -> None:
    @tool
    def lookup() -> Tool:
        async def execute(key: str) -> str:
            """Look a key up.

            Args:
                key: the key.
            """
            raise ToolError(f"no such key: {key}")

        return execute

    (message,), _ = execute_tools(
        [assistant(ToolCall(id="1", function="lookup", arguments={"key": "k"}))], [lookup()]
    )
    assert message.error is not None and message.error.message == "no such key: k"


def test_tool_def_of_a_plain_function_infers_everything() -> None:
    def f(x: int, y: str = "a"):  # type: ignore[no-untyped-def]  # Inspect allows this
        return x

    tdef = ToolDef(f)
    assert (tdef.name, tdef.description) == ("f", "")  # Inspect's defaults without a docstring
    assert tdef.parameters.to_dict() == {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "string", "default": "a"}},
        "required": ["x"],
        "additionalProperties": False,
    }
    named = ToolDef(f, name="g", description="G")  # never a tool with no parameters
    assert named.name == "g" and named.parameters == tdef.parameters

    def h(x):  # type: ignore[no-untyped-def]
        return x

    assert ToolDef(h).parameters.to_dict()["properties"] == {"x": {}}


def test_tool_def_parameter_descriptions_and_tool_params() -> None:
    def search(query: str, limit: int = 5) -> List[str]:
        """Search."""
        return [query] * limit

    described = ToolDef(search, parameters={"query": "What to look for."})
    assert described.parameters.properties["query"].description == "What to look for."
    assert described.parameters.required == ["query"]
    given = ToolParams()
    assert ToolDef(search, name="s", description="S", parameters=given).parameters is given
    with pytest.raises(ConfigError, match="no parameter 'nope'"):
        ToolDef(search, parameters={"nope": "x"})


def test_tool_def_as_tool_and_in_generate() -> None:
    async def shout(text: str) -> str:
        return text.upper()

    tdef = ToolDef(shout, name="shout", description="Shout text.", parameters={"text": "Text."})
    fn = tdef.as_tool()
    model = get_model(
        "mockllm/model",
        custom_outputs=[
            ModelOutput.for_tool_call("mockllm/model", "shout", {"text": "hi"}),
            ModelOutput.from_content("mockllm/model", "done"),
        ],
        memoize=False,
    )
    messages, output = model.generate_loop("go", tools=[fn])
    assert [m.role for m in messages] == ["assistant", "tool", "assistant"]
    assert messages[1].text == "HI" and output.completion == "done"


def test_results_of_scalars_render_as_inspect_renders_them() -> None:
    async def flag(value: bool) -> bool:
        return value

    async def ratio(value: float) -> float:
        return value / 2

    message = assistant(
        ToolCall(id="1", function="flag", arguments={"value": True}),
        ToolCall(id="2", function="ratio", arguments={"value": 3}),
    )
    messages, _ = execute_tools([message], [ToolDef(flag), ToolDef(ratio)])
    assert [m.text for m in messages] == ["True", "1.5"]


def test_datetime_date_and_time_parameters() -> None:
    seen: List[Any] = []

    def plan(when: datetime.datetime, day: datetime.date, at: datetime.time) -> str:
        """Plan.

        Args:
            when: moment
            day: day
            at: time
        """
        seen.extend([when, day, at])
        return "ok"

    assert ToolDef(plan).parameters.to_dict()["properties"] == {
        "when": {"type": "string", "format": "date-time", "description": "moment"},
        "day": {"type": "string", "format": "date", "description": "day"},
        "at": {"type": "string", "format": "time", "description": "time"},
    }
    arguments = {"when": "2026-12-02T05:30:00Z", "day": "2026-12-02", "at": "05:30:00"}
    (message,), _ = execute_tools(
        [assistant(ToolCall(id="1", function="plan", arguments=arguments))], [plan]
    )
    assert message.text == "ok"
    assert seen == [
        datetime.datetime(2026, 12, 2, 5, 30, tzinfo=datetime.timezone.utc),
        datetime.date(2026, 12, 2),
        datetime.time(5, 30),
    ]
    bad = ToolCall(id="2", function="plan", arguments={**arguments, "day": "soon"})
    (message,), _ = execute_tools([assistant(bad)], [plan])
    assert message.error is not None and message.error.type == "parsing"


class Route:
    """Duck-typed like a pydantic v2 model: the schema is what pydantic 2 emits
    for ``class Route(BaseModel): start: Point; stops: list[Point]``."""

    def __init__(self, start: Dict[str, int], stops: List[Dict[str, int]]) -> None:
        self.start, self.stops = start, stops

    @classmethod
    def model_json_schema(cls) -> Dict[str, Any]:
        point = {
            "description": "A point.",
            "properties": {
                "x": {"description": "x coord", "title": "X", "type": "integer"},
                "y": {"default": 0, "title": "Y", "type": "integer"},
            },
            "required": ["x"],
            "title": "Point",
            "type": "object",
        }
        return {
            "$defs": {"Point": point},
            "properties": {
                "start": {"$ref": "#/$defs/Point"},
                "stops": {"items": {"$ref": "#/$defs/Point"}, "title": "Stops", "type": "array"},
            },
            "required": ["start", "stops"],
            "title": "Route",
            "type": "object",
        }

    @classmethod
    def model_validate(cls, data: Dict[str, Any]) -> Route:
        return cls(**data)


def test_pydantic_like_models_as_parameters() -> None:
    def travel(route: Route) -> int:
        """Travel a route.

        Args:
            route: route
        """
        return len(route.stops)

    point = {
        "type": "object",
        "description": "A point.",
        "properties": {
            "x": {"type": "integer", "description": "x coord"},
            "y": {"type": "integer", "default": 0},
        },
        "required": ["x"],
    }
    assert ToolDef(travel).parameters.to_dict()["properties"]["route"] == {
        "type": "object",
        "description": "route",
        "properties": {"start": point, "stops": {"type": "array", "items": point}},
        "additionalProperties": False,
        "required": ["start", "stops"],
    }
    arguments = {"route": {"start": {"x": 1}, "stops": [{"x": 2}, {"x": 3, "y": 1}]}}
    (message,), _ = execute_tools(
        [assistant(ToolCall(id="1", function="travel", arguments=arguments))], [travel]
    )
    assert message.text == "2"


def test_factory_without_a_description_is_refused_when_made() -> None:
    @tool
    def silent() -> Tool:
        async def execute(x: int) -> int:
            return x

        return execute

    with pytest.raises(ConfigError, match="'silent' has no description"):
        silent()


def test_modelkit_tool_form_keeps_working_beside_the_factory_form() -> None:
    @tool
    def double(x: int) -> int:
        """Double a number.

        Args:
            x: the number.
        """
        return 2 * x

    assert double(4) == 8  # still a plain function
    messages, _ = execute_tools(
        [
            assistant(
                ToolCall(id="1", function="double", arguments={"x": 4}),
                ToolCall(id="2", function="add", arguments={"x": 1, "y": 1}),
            )
        ],
        [double, add()],
    )
    assert [m.text for m in messages] == ["8", "2"]


@tool
def mean():  # type: ignore[no-untyped-def]  # Inspect's own tests leave out "-> Tool"
    async def execute(numbers: List[float]) -> float:
        """Take the mean of a set of numbers.

        Args:
          numbers: A list of integers to take the mean of

        Returns:
          The mean of the numbers
        """
        return sum(numbers) / len(numbers)

    return execute


def test_factory_without_a_return_annotation() -> None:
    tdef = ToolDef(mean())
    assert (tdef.name, tdef.description) == ("mean", "Take the mean of a set of numbers.")
    (message,), _ = execute_tools(
        [assistant(ToolCall(id="1", function="mean", arguments={"numbers": [1, 2, 6]}))],
        [mean()],
    )
    assert message.text == "3.0"

    @tool
    def plain(x: int):  # type: ignore[no-untyped-def]  # a plain tool, unannotated
        """Square a number.

        Args:
            x: the number.
        """
        squares = {n: n * n for n in (x,)}
        return squares[x]

    assert plain(3) == 9  # still the tool itself (a comprehension is not a nested def)
