"""Inspect's tool plumbing: ``tool_with``, ``ToolSource``, the view types,
``internal_tool_type``, ``model_input`` and ``think()``.

Behaviour follows Inspect 0.3.285 (``inspect_ai/tool/_tool_with.py``,
``_tool.py``'s ``ToolSource``, ``_tool_call.py``, ``_tool_info.py``,
``_tools/_think.py`` and ``model/_model.py``'s ``resolve_tool_model_input``),
checked against the installed package where it matters.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

import modelkit
from modelkit import (
    INTERNAL_TOOL_TYPE,
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    ModelOutput,
    Tool,
    ToolCall,
    ToolCallContent,
    ToolCallView,
    ToolDef,
    ToolInfo,
    ToolSource,
    execute_tools,
    get_model,
    internal_tool_type,
    think,
    tool,
    tool_with,
)


@tool
def add() -> Tool:  # Inspect's factory form: each call makes a new tool
    def execute(x: int, y: int) -> int:
        """Add two numbers.

        Args:
            x: the first.
            y: the second.
        """
        return x + y

    return execute


def _info(t: Any) -> ToolInfo:
    return ToolDef(t).as_info()


# --- tool_with ---------------------------------------------------------------


def test_tool_with_changes_the_tool_given_and_returns_it() -> None:
    t = add()
    viewer = lambda call: ToolCallView()  # noqa: E731
    model_input = lambda i, n, content, hints: content  # noqa: E731
    same = tool_with(
        t,
        name="plus",
        description="Sum.",
        parameters={"x": "left operand"},
        parallel=True,
        viewer=viewer,
        model_input=model_input,
    )
    assert same is t
    definition = ToolDef(t)
    assert (definition.name, definition.description) == ("plus", "Sum.")
    assert definition.parameters.properties["x"].description == "left operand"
    assert definition.parameters.properties["y"].description == "the second."
    assert definition.parallel is True
    assert definition.viewer is viewer and definition.model_input is model_input


def test_tool_with_leaves_other_instances_of_the_tool_alone() -> None:
    first, second = add(), add()
    tool_with(first, name="plus")
    assert _info(first).name == "plus"
    assert _info(second).name == "add"
    assert _info(add()).name == "add"


def test_tool_with_keeps_what_it_is_not_told_to_change() -> None:
    t = add()
    tool_with(t, description="Sum two integers.")
    info = _info(t)
    assert info.name == "add"
    assert info.parameters == _info(add()).parameters
    assert ToolDef(t).parallel is False  # an Inspect factory's tool is not parallel unless asked


def test_tool_with_names_an_unknown_parameter() -> None:
    with pytest.raises(ConfigError, match="no parameter 'z'.*parameters: x, y"):
        tool_with(add(), parameters={"z": "nope"})
    with pytest.raises(ValueError):  # Inspect raises ValueError; ConfigError is one
        tool_with(add(), parameters={"z": "nope"})


def test_tool_with_rejects_a_name_model_apis_reject() -> None:
    with pytest.raises(ConfigError, match="not accepted by model APIs"):
        tool_with(add(), name="has space")


def test_tool_with_on_a_tooldef_changes_it_in_place() -> None:
    definition = ToolDef(add())
    assert tool_with(definition, name="sum", parallel=True) is definition
    assert (definition.name, definition.parallel) == ("sum", True)


def test_tool_with_on_a_plain_function_is_used_by_generate() -> None:
    def shout(text: str) -> str:
        """Upper-case a text."""
        return text.upper()

    tool_with(shout, name="yell", parameters={"text": "what to yell"})
    seen: List[List[ToolInfo]] = []

    def respond(input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        seen.append(list(tools))
        return ModelOutput.from_content("model", "ok")

    get_model("mockllm/model", custom_outputs=respond, memoize=False).generate("hi", [shout])
    assert [t.name for t in seen[0]] == ["yell"]
    assert seen[0][0].parameters.properties["text"].description == "what to yell"


def test_tool_with_rejects_what_is_not_a_tool() -> None:
    with pytest.raises(ConfigError, match="needs a tool function or a ToolDef"):
        tool_with(42)


# --- ToolSource ----------------------------------------------------------------


class Source:
    """A ToolSource by shape alone (Inspect's is a Protocol)."""

    def __init__(self, *tools: Any) -> None:
        self._tools = list(tools)
        self.asked = 0

    def tools(self) -> List[Any]:
        self.asked += 1
        return list(self._tools)


class AsyncSource(ToolSource):
    """Inspect's form: ``async def tools()``, subclassing the protocol."""

    async def tools(self) -> List[Any]:  # type: ignore[override]
        return [add()]


def _recording_model(seen: List[List[str]], outputs: List[ModelOutput]) -> Any:
    script = iter(outputs)

    def respond(input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        seen.append([t.name for t in tools])
        return next(script)

    return get_model("mockllm/model", custom_outputs=respond, memoize=False)


def test_a_tool_source_is_a_tool_source() -> None:
    assert isinstance(Source(), ToolSource)
    assert isinstance(AsyncSource(), ToolSource)
    assert not isinstance(add(), ToolSource)


@pytest.mark.parametrize("alone", [True, False])
def test_generate_takes_a_tool_source_alone_or_in_the_list(alone: bool) -> None:
    source = Source(add())
    seen: List[List[str]] = []
    model = _recording_model(seen, [ModelOutput.from_content("model", "ok")] * 2)
    model.generate("hi", source if alone else [think(), source])
    assert seen == [["add"] if alone else ["think", "add"]]
    assert source.asked == 1


def test_an_async_tools_method_is_run() -> None:
    seen: List[List[str]] = []
    model = _recording_model(seen, [ModelOutput.from_content("model", "ok")])
    model.generate("hi", AsyncSource())
    assert seen == [["add"]]


def test_stream_takes_a_tool_source() -> None:
    seen: List[List[str]] = []
    model = _recording_model(seen, [ModelOutput.from_content("model", "ok")])
    with model.stream("hi", Source(add())) as stream:
        text = "".join(e.text for e in stream if e.type == "text")
    assert (seen, text) == ([["add"]], "ok")


def test_generate_loop_runs_tools_from_a_source() -> None:
    call = ModelOutput.for_tool_call("model", "add", {"x": 2, "y": 3})
    seen: List[List[str]] = []
    model = _recording_model(seen, [call, ModelOutput.from_content("model", "5")])
    source = Source(add())
    result = model.generate_loop("2+3?", source)
    tool_message = result.messages[1]
    assert isinstance(tool_message, ChatMessageTool) and tool_message.text == "5"
    assert seen == [["add"], ["add"]]
    assert source.asked == 1  # asked once, at the start of the loop


def test_execute_tools_takes_a_tool_source() -> None:
    message = ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c1", function="add", arguments={"x": 1, "y": 1})]
    )
    messages, _ = execute_tools([message], Source(add()))
    assert isinstance(messages[0], ChatMessageTool) and messages[0].text == "2"
    messages, _ = execute_tools([message], AsyncSource())
    assert messages[0].text == "2"


class ConnectedSource(Source):
    """A source that is a context manager, as MCP servers are."""

    def __init__(self, *tools: Any) -> None:
        super().__init__(*tools)
        self.events: List[str] = []

    def __enter__(self) -> ConnectedSource:
        self.events.append("enter")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.events.append("exit")

    def tools(self) -> List[Any]:
        self.events.append("tools")
        return super().tools()


def test_generate_loop_keeps_a_connected_source_open_for_the_whole_loop() -> None:
    def tracked(x: int, y: int) -> int:
        """Add."""
        source.events.append("call")
        return x + y

    source = ConnectedSource(tool_with(tracked, name="add"))
    call = ModelOutput.for_tool_call("model", "add", {"x": 2, "y": 3})
    model = _recording_model([], [call, call, ModelOutput.from_content("model", "done")])
    model.generate_loop("go", [source])
    assert source.events == ["enter", "tools", "call", "call", "exit"]


def test_execute_tools_connects_a_source_while_the_calls_run() -> None:
    source = ConnectedSource(add())
    message = ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="c1", function="add", arguments={"x": 1, "y": 1})]
    )
    execute_tools([message], [source])
    assert source.events == ["enter", "tools", "exit"]


def test_a_source_that_returns_no_list_is_a_config_error() -> None:
    class Broken:
        def tools(self) -> Any:
            return "add"

    with pytest.raises(ConfigError, match=r"Broken.tools\(\) must return a list of tools"):
        get_model("mockllm/model", memoize=False).generate("hi", Broken())


def test_tools_that_are_neither_a_list_nor_a_source_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="tools must be a list of tools"):
        get_model("mockllm/model", memoize=False).generate("hi", 42)  # type: ignore[arg-type]


# --- view types, internal_tool_type, model_input ---------------------------------


def test_view_types_have_inspects_fields_and_round_trip() -> None:
    view = ToolCallView(
        context=ToolCallContent(format="text", content="state", title="Now"),
        call=ToolCallContent(format="markdown", content="**x**"),
    )
    assert ToolCallView.from_dict(view.to_dict()) == view
    assert ToolCallContent(format="text").content == ""


def test_internal_tool_type_reads_the_options_of_a_tool() -> None:
    hosted = ToolDef(add(), options={INTERNAL_TOOL_TYPE: "web_search", "k": 1})
    info = hosted.as_info()
    assert info.options == {INTERNAL_TOOL_TYPE: "web_search", "k": 1}
    assert internal_tool_type(info) == "web_search"
    assert internal_tool_type(_info(add())) is None
    assert "options" not in _info(add()).to_dict()  # unset: not on the wire or in cache keys
    assert ToolInfo.from_dict(info.to_dict()) == info


def test_model_input_rewrites_that_tools_results_in_what_the_model_sees() -> None:
    seen: List[Any] = []

    def only_last(index: int, total: int, content: Any, hints: Dict[str, Any]) -> Any:
        seen.append((index, total, content, dict(hints)))
        return content if index == total - 1 else "(older result removed)"

    t = tool_with(add(), model_input=only_last)
    history = [
        ChatMessageUser(content="go"),
        ChatMessageTool(content="1", tool_call_id="a", function="add"),
        ChatMessageTool(content="other", tool_call_id="b", function="think"),
        ChatMessageTool(content="2", tool_call_id="c", function="add"),
    ]
    request = get_model("mockllm/model", memoize=False).prepare(history, [t, think()])
    assert [m.text for m in request.input] == ["go", "(older result removed)", "other", "2"]
    assert history[1].text == "1"  # the caller's messages are not changed
    hints = {"disable_computer_screenshot_truncation": False}
    assert seen == [(0, 2, "1", hints), (1, 2, "2", hints)]


# --- think() --------------------------------------------------------------------


def test_think_is_a_parallel_tool_that_changes_nothing() -> None:
    definition = ToolDef(think())
    assert definition.name == "think" and definition.parallel is True
    assert definition.description.startswith("Think something through")
    assert definition.parameters.to_dict() == {
        "type": "object",
        "properties": {"thought": {"type": "string", "description": "The thought."}},
        "required": ["thought"],
        "additionalProperties": False,
    }
    message = ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="t", function="think", arguments={"thought": "hm"})]
    )
    messages, _ = execute_tools([message], [think()])
    assert isinstance(messages[0], ChatMessageTool)
    assert messages[0].text == "" and messages[0].error is None
    view = definition.viewer(message.tool_calls[0])  # type: ignore[index]
    assert view == ToolCallView(call=ToolCallContent(format="markdown", content="hm"))


def test_think_takes_its_descriptions() -> None:
    info = _info(think(description="Ponder.", thought_description="What you ponder."))
    assert info.description == "Ponder."
    assert info.parameters.properties["thought"].description == "What you ponder."


def test_the_new_names_load_lazily() -> None:
    import subprocess
    import sys

    code = (
        "import sys, modelkit; "
        "assert 'modelkit.tools._with' not in sys.modules; "
        "assert 'modelkit.tools._sources' not in sys.modules; "
        "modelkit.tool_with; modelkit.ToolSource; "
        "assert 'modelkit.tools._with' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert set(modelkit.__all__) >= {"tool_with", "ToolSource", "think", "ToolCallModelInput"}


def test_tool_params_hold_inspects_extended_schema_fields() -> None:
    from modelkit.tools._schema import from_json_schema

    schema = {
        "type": "object",
        "title": "Args",
        "properties": {
            "n": {"type": "integer", "minimum": 1, "maximum": 9, "title": "N"},
            "code": {"type": "string", "pattern": "^[A-Z]+$", "minLength": 2, "maxLength": 5},
            "tags": {"type": "array", "items": {"type": "string"}, "examples": [["a"]]},
        },
        "required": ["n"],
    }
    param = from_json_schema(schema, {}, ())
    expected = {key: value for key, value in schema.items() if key != "title"}
    expected["properties"] = dict(expected["properties"])  # type: ignore[call-overload]
    expected["properties"]["n"] = {"type": "integer", "minimum": 1, "maximum": 9}  # type: ignore[index]
    assert param.to_dict() == expected
