"""``@tool``, ``ToolDef.from_function`` and ``tool_def_from_function``.

Tool name rules (1-64 of ``a-z A-Z 0-9 _ -``) follow OpenAI's function
name rule: https://platform.openai.com/docs/api-reference/chat/create
(``tools[].function.name``); Anthropic's and Gemini's are no looser.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from typing import Any, Dict, List

import pytest

import modelkit
from modelkit import (
    ChatMessageAssistant,
    ConfigError,
    ToolCall,
    ToolDef,
    ToolInfo,
    execute_tools,
    get_model,
    tool,
)
from modelkit.tools._function import to_tool_info, tool_def_from_function


@tool
def add(a: int, b: int = 2) -> int:
    """Add two numbers.

    Args:
        a: the first.
        b: the second.
    """
    return a + b


@tool(name="search_web", description="Search the web.")
def search(query: str) -> List[str]:
    """Unused docstring."""
    return [query]


@tool()
def ping() -> str:
    """Check the tool works."""
    return "pong"


class Counter:
    """Counts things."""

    def __init__(self) -> None:
        self.total = 0

    def bump(self, by: int) -> int:
        """Add to the running total.

        Args:
            by: how much to add.
        """
        self.total += by
        return self.total

    def __call__(self, text: str) -> int:
        """Count the words in a text."""
        return len(text.split())


def test_decorated_function_is_still_a_plain_function() -> None:
    assert add(1) == 3
    assert search("x") == ["x"]
    assert ping() == "pong"


def test_decorator_builds_the_tool_def_once() -> None:
    definition = tool_def_from_function(add)
    assert definition is tool_def_from_function(add)
    assert definition.tool is add
    assert definition.as_info().to_dict() == {
        "name": "add",
        "description": "Add two numbers.",
        "parameters": {
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "the first."},
                "b": {"type": "integer", "description": "the second.", "default": 2},
            },
            "required": ["a"],
            "additionalProperties": False,
        },
    }


def test_decorator_overrides_name_and_description() -> None:
    info = to_tool_info(search)
    assert (info.name, info.description) == ("search_web", "Search the web.")
    assert ToolDef.from_function(search).name == "search_web"
    renamed = ToolDef.from_function(search, name="find")
    assert (renamed.name, renamed.description) == ("find", "Search the web.")


def test_plain_function_and_to_tool_info() -> None:
    def weather(city: str) -> str:
        """Weather for a city."""
        return city

    info = to_tool_info(weather)
    assert isinstance(info, ToolInfo)
    assert info.name == "weather"
    assert info.parameters.required == ["city"]


def test_bound_method_drops_self() -> None:
    counter = Counter()
    definition = ToolDef.from_function(counter.bump)
    assert definition.name == "bump"
    assert list(definition.parameters.properties) == ["by"]
    assert definition.parameters.properties["by"].description == "how much to add."


def test_callable_object_uses_its_call_signature() -> None:
    definition = ToolDef.from_function(Counter(), name="count_words")
    assert definition.description == "Count the words in a text."
    assert list(definition.parameters.properties) == ["text"]


def test_partial_hides_bound_arguments() -> None:
    def scaled(value: float, factor: float) -> float:
        """Scale a value."""
        return value * factor

    definition = ToolDef.from_function(functools.partial(scaled, factor=2.0), name="double")
    assert definition.description == "Scale a value."
    assert definition.parameters.required == ["value"]


def test_unmarked_method_decorated_in_a_class_explains_self() -> None:
    with pytest.raises(ConfigError, match="pass the bound method"):

        class Bad:
            @tool
            def run(self, n: int) -> int:  # type: ignore[no-untyped-def]
                """Run."""
                return n


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: ToolDef.from_function(lambda x: x), "not accepted by model APIs"),
        (lambda: ToolDef.from_function(add, name="has space"), "not accepted by model APIs"),
        (lambda: ToolDef.from_function(add, name="x" * 65), "not accepted by model APIs"),
        (lambda: ToolDef.from_function(42), "must be callable"),  # type: ignore[arg-type]
    ],
)
def test_bad_tools_are_config_errors(make: Any, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        make()


def test_no_description_is_an_error() -> None:
    def silent(x: int) -> int:
        return x

    with pytest.raises(ConfigError, match="'silent' has no description"):
        ToolDef.from_function(silent)
    assert ToolDef.from_function(silent, description="Echo x.").description == "Echo x."


def test_star_args_is_left_out_as_inspect_does() -> None:
    # Inspect 0.3.285 tool/_tool_info.py skips *args and **kwargs in the schema;
    # arguments come by name, so *args is never filled.
    def many(first: int, *values: int) -> int:
        """Sum.

        Args:
            first: the first number.
        """
        return first + sum(values)

    definition = ToolDef.from_function(many)
    assert list(definition.parameters.properties) == ["first"]
    call = ChatMessageAssistant(
        content="", tool_calls=[ToolCall(id="1", function="many", arguments={"first": 2})]
    )
    assert execute_tools([call], [many]).messages[0].text == "2"


def test_unresolvable_local_type_names_the_parameter() -> None:
    class Local:
        pass

    def uses_local(item: Local) -> None:
        """Use a local class."""

    with pytest.raises(ConfigError) as info:
        ToolDef.from_function(uses_local)
    assert "parameter 'item'" in str(info.value)
    assert "Local" in str(info.value)


def test_unresolvable_return_hint_is_ignored() -> None:
    def returns_unknown(x: int) -> Unknown:  # type: ignore[name-defined]  # noqa: F821
        """Return something odd."""

    assert ToolDef.from_function(returns_unknown).parameters.required == ["x"]


def test_decorated_tools_reach_the_model() -> None:
    seen: Dict[str, Any] = {}

    def answer(input: Any, tools: Any, tool_choice: Any, config: Any) -> str:
        seen["tools"] = tools
        seen["choice"] = tool_choice
        return "ok"

    model = get_model("mockllm/model", custom_outputs=answer, memoize=False)
    model.generate("hi", tools=[add, search])
    assert [t.name for t in seen["tools"]] == ["add", "search_web"]
    assert seen["choice"] == "auto"


def test_public_names() -> None:
    assert modelkit.tool is tool
    for name in ("tool", "execute_tools", "GenerateLoopResult"):
        assert name in modelkit.__all__


def test_import_modelkit_stays_cheap() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import modelkit\n"
        "heavy = [m for m in ('modelkit.tools._function', 'modelkit.tools._schema', 'modelkit.tools._execute',"
        " 'modelkit.tools._loop', 'concurrent.futures', 'ast', 'inspect')"
        " if m in sys.modules and m not in before]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_class_is_described_by_its_init() -> None:
    class Reminder:
        """Create a reminder."""

        def __init__(self, text: str, minutes: int = 10) -> None:
            self.text = text

    definition = ToolDef.from_function(Reminder)
    assert (definition.name, definition.description) == ("Reminder", "Create a reminder.")
    assert definition.parameters.required == ["text"]
