"""``execute_tools``: order, argument errors, tool errors, timeouts, truncation,
parallel threads, and images in results."""

from __future__ import annotations

import enum
import threading
import time
from typing import Any, Dict, List, Tuple

import attrs
import pytest

from modelkit import (
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    ContentDocument,
    ContentImage,
    ContentText,
    ModelOutput,
    ToolCall,
    ToolDef,
    ToolInfo,
    execute_tools,
)
from modelkit.tools._results import DOCUMENT_MOVED, IMAGE_MOVED


def run_tools(*args: Any, **kwargs: Any) -> List[Any]:
    """The messages of ``execute_tools`` (its ``output`` is ``None`` here)."""
    messages, output = execute_tools(*args, **kwargs)
    assert output is None
    return messages


def assistant(*calls: ToolCall) -> ChatMessageAssistant:
    return ChatMessageAssistant(content="", tool_calls=list(calls))


def call(function: str, call_id: str = "c1", **arguments: Any) -> ToolCall:
    return ToolCall(id=call_id, function=function, arguments=arguments)


class Unit(enum.Enum):
    C = "celsius"
    F = "fahrenheit"


def convert(value: float, unit: Unit = Unit.C) -> str:
    """Convert a temperature.

    Args:
        value: the temperature.
        unit: the unit to convert to.
    """
    assert isinstance(unit, Unit)
    return f"{value:.1f} {unit.value}"


def fail(kind: str) -> str:
    """Fail in the way asked."""
    errors: Dict[str, BaseException] = {
        "value": ValueError("bad value"),
        "permission": PermissionError("no access to /etc/shadow"),
        "missing": FileNotFoundError("no such file: a.txt"),
        "directory": IsADirectoryError("is a directory: /tmp"),
        "decode": UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        "timeout": TimeoutError("upstream timed out"),
    }
    raise errors[kind]


def test_results_come_back_in_call_order_with_ids() -> None:
    def slow_echo(text: str, delay: float) -> str:
        """Echo after a delay."""
        time.sleep(delay)
        return text

    message = assistant(
        call("slow_echo", "a", text="first", delay=0.2),
        call("slow_echo", "b", text="second", delay=0.0),
        call("convert", "c", value=21, unit="fahrenheit"),
    )
    results = run_tools([ChatMessageUser(content="go"), message], [slow_echo, convert])
    assert all(isinstance(m, ChatMessageTool) for m in results)
    assert [(m.tool_call_id, m.function, m.text) for m in results] == [  # type: ignore[union-attr]
        ("a", "slow_echo", "first"),
        ("b", "slow_echo", "second"),
        ("c", "convert", "21.0 fahrenheit"),
    ]
    assert all(m.error is None for m in results)  # type: ignore[union-attr]


def test_accepts_output_message_and_dicts() -> None:
    output = ModelOutput.for_tool_call("m", "convert", {"value": 1})
    assert run_tools(output, [convert])[0].text == "1.0 celsius"
    assert run_tools(output.message, [convert])[0].text == "1.0 celsius"
    as_dicts = [output.message.to_dict()]
    assert run_tools(as_dicts, [convert])[0].text == "1.0 celsius"


def test_nothing_to_run() -> None:
    assert run_tools([ChatMessageUser(content="hi")], [convert]) == []
    assert run_tools([], [convert]) == []
    assert run_tools(ModelOutput.from_content("m", "done"), [convert]) == []
    with pytest.raises(ConfigError, match="takes a list of messages"):
        run_tools(42, [convert])


def parsing_error(result: Any) -> str:
    assert isinstance(result, ChatMessageTool)
    assert result.error is not None and result.error.type == "parsing"
    assert result.text == f"Error: {result.error.message}"
    return result.error.message


def test_arguments_that_do_not_fit_are_parsing_errors_and_the_tool_is_not_called() -> None:
    calls: List[Any] = []

    def record(n: int, pair: Tuple[int, str] = (0, "")) -> str:
        """Record a call."""
        calls.append(n)
        return "ok"

    message = assistant(
        call("record", "1", n="three"),
        call("record", "2"),
        call("record", "3", n=1, other=2),
        call("record", "4", n=1, pair=[1]),
        call("nope", "5"),
        ToolCall(
            id="6", function="record", parse_error="Expecting ',' delimiter", raw_arguments="{"
        ),
    )
    results = run_tools(message, [record])
    assert calls == []
    messages = [parsing_error(r) for r in results]
    assert messages[0] == "Invalid arguments: n: expected integer, got string 'three'"
    assert messages[1] == "Invalid arguments: n: required but missing"
    assert messages[2] == "Invalid arguments: other: unexpected (allowed: n, pair)"
    assert messages[3] == "Invalid arguments: pair: expected an array of 2 items, got 1"
    assert messages[4] == "Tool 'nope' not found (tools: record)"
    assert "Expecting ',' delimiter" in messages[5]


@pytest.mark.parametrize(
    ("kind", "error_type", "message"),
    [
        ("value", "unknown", "ValueError: bad value"),
        ("permission", "permission", "no access to /etc/shadow"),
        ("missing", "file_not_found", "no such file: a.txt"),
        ("directory", "is_a_directory", "is a directory: /tmp"),
        ("decode", "unicode_decode", "'utf-8' codec can't decode byte 0xff"),
        ("timeout", "timeout", "upstream timed out"),
    ],
)
def test_tool_exceptions_become_tool_call_errors(kind: str, error_type: str, message: str) -> None:
    (result,) = run_tools(assistant(call("fail", kind=kind)), [fail])
    assert isinstance(result, ChatMessageTool)
    assert result.error is not None
    assert result.error.type == error_type
    assert result.error.message.startswith(message)


def test_timeout_abandons_the_call() -> None:
    release = threading.Event()
    finished = threading.Event()

    def hang() -> str:
        """Wait until released."""
        release.wait(10)
        finished.set()
        return "late"

    def quick() -> str:
        """Answer at once."""
        return "fast"

    try:
        results = run_tools(
            assistant(call("hang", "h"), call("quick", "q")), [hang, quick], timeout=0.2
        )
        assert not finished.is_set()  # returned while the tool still runs
    finally:
        release.set()
    first, second = results
    assert isinstance(first, ChatMessageTool) and first.error is not None
    assert first.error.type == "timeout"
    assert first.error.message == "The tool did not finish within 0.2s"
    assert second.text == "fast"
    assert finished.wait(5)


def test_parallel_calls_overlap() -> None:
    # Each call waits for the other at a barrier: they only both pass if
    # they run at the same time.
    barrier = threading.Barrier(2, timeout=5)

    def meet(who: str) -> str:
        """Wait for the other caller."""
        barrier.wait()
        return who

    message = assistant(call("meet", "1", who="a"), call("meet", "2", who="b"))
    results = run_tools(message, [meet])
    assert [r.text for r in results] == ["a", "b"]


def test_sequential_calls_do_not_overlap() -> None:
    barrier = threading.Barrier(2, timeout=0.2)

    def meet(who: str) -> str:
        """Wait for the other caller."""
        barrier.wait()
        return who

    message = assistant(call("meet", "1", who="a"), call("meet", "2", who="b"))
    results = run_tools(message, [meet], parallel=False)
    errors = [r.error for r in results]  # type: ignore[union-attr]
    assert all(e is not None and "BrokenBarrierError" in e.message for e in errors)


def test_long_output_is_truncated_with_a_note() -> None:
    def shout(n: int) -> str:
        """Repeat a letter."""
        return "é" * n  # two bytes each in UTF-8

    (short,) = run_tools(assistant(call("shout", n=5)), [shout], max_output=10)
    assert short.text == "é" * 5
    (long,) = run_tools(assistant(call("shout", n=8)), [shout], max_output=11)
    note, _, kept = long.text.partition("\n")
    assert note == (
        "[The output of tool 'shout' was 16 bytes, over the 11-byte limit; "
        "only the first 11 bytes are shown.]"
    )
    assert kept == "é" * 5  # a split character is dropped
    (unlimited,) = run_tools(assistant(call("shout", n=9000)), [shout], max_output=0)
    assert unlimited.text == "é" * 9000
    (default,) = run_tools(assistant(call("shout", n=9000)), [shout])
    assert default.text.endswith("é" * 8192) and "16384-byte limit" in default.text


@attrs.define
class Reading:
    station: str
    celsius: float


def test_results_of_other_types_become_text() -> None:
    values: Dict[str, Any] = {
        "int": 42,
        "float": 1.5,
        "bool": True,
        "none": None,
        "dict": {"a": [1, "é"]},
        "attrs": Reading("north", 3.5),
        "text_part": ContentText(text="part"),
    }

    def give(kind: str) -> Any:
        """Return a value of some kind."""
        return values[kind]

    message = assistant(*(call("give", kind, kind=kind) for kind in values))
    texts = [m.text for m in run_tools(message, [give])]
    assert texts == [
        "42",
        "1.5",
        "True",  # as Inspect renders a bool: str(result)
        "",
        '{"a": [1, "é"]}',
        '{"station": "north", "celsius": 3.5}',
        "part",
    ]


def photo(caption: str) -> List[Any]:
    """Take a photo."""
    return [ContentText(text=caption), ContentImage(image="data:image/png;base64,AAAA")]


def test_images_stay_in_results_when_the_provider_takes_them() -> None:
    (result,) = run_tools(assistant(call("photo", caption="cat")), [photo], tool_result_images=True)
    assert result.content == photo("cat")


def test_images_move_to_one_user_message_otherwise() -> None:
    message = assistant(
        call("photo", "p1", caption="cat"),
        call("convert", "c", value=1),
        call("photo", "p2", caption="dog"),
    )
    first, middle, last, user = run_tools(message, [photo, convert])
    assert first.content == [ContentText(text="cat"), ContentText(text=IMAGE_MOVED)]
    assert middle.text == "1.0 celsius"
    assert last.content == [ContentText(text="dog"), ContentText(text=IMAGE_MOVED)]
    assert isinstance(user, ChatMessageUser)
    assert user.tool_call_id == ["p1", "p2"]
    assert user.content == [ContentImage(image="data:image/png;base64,AAAA")] * 2


def fetch_report(year: int) -> Any:
    """Fetch a report."""
    return ContentDocument(document="data:application/pdf;base64,JVBERi0=", filename=f"{year}.pdf")


def test_a_document_result_stays_where_the_provider_takes_media() -> None:
    (result,) = run_tools(
        assistant(call("fetch_report", year=2024)), [fetch_report], tool_result_images=True
    )
    assert result.content == [fetch_report(2024)]  # a part, not its repr as text


def test_a_document_result_moves_to_the_user_message_otherwise() -> None:
    result, user = run_tools(assistant(call("fetch_report", "r1", year=2024)), [fetch_report])
    assert result.content == [ContentText(text=DOCUMENT_MOVED)]
    assert isinstance(user, ChatMessageUser) and user.tool_call_id == ["r1"]
    assert user.content == [fetch_report(2024)]


def test_positional_only_parameters() -> None:
    def divide(a: float, b: float, /) -> float:
        """Divide a by b."""
        return a / b

    (result,) = run_tools(assistant(call("divide", a=1, b=4)), [divide])
    assert result.text == "0.25"


def test_hand_made_tool_def_gets_json_arguments() -> None:
    seen: List[Any] = []
    definition = ToolDef(
        tool=lambda **kwargs: seen.append(kwargs) or "done",
        name="raw",
        description="Takes anything.",
        parameters=ToolInfo.from_dict(
            {
                "name": "raw",
                "description": "-",
                "parameters": {"properties": {"x": {"type": "integer"}}, "required": ["x"]},
            }
        ).parameters,
    )
    (result,) = run_tools(assistant(call("raw", x=1)), [definition])
    assert result.text == "done"
    assert seen == [{"x": 1}]


def test_bad_tool_lists_are_config_errors() -> None:
    message = assistant(call("convert", value=1))
    info = ToolDef.from_function(convert).as_info()
    with pytest.raises(ConfigError, match="ToolInfo, which has no function"):
        run_tools(message, [info])
    with pytest.raises(ConfigError, match="two tools are named 'convert'"):
        run_tools(message, [convert, convert])
    with pytest.raises(ConfigError, match="timeout must be a positive"):
        run_tools(message, [convert], timeout=0)
    for endless in (float("inf"), float("nan")):  # thread.join(inf) raises OverflowError
        with pytest.raises(ConfigError, match="timeout must be a positive, finite"):
            run_tools(message, [convert], timeout=endless)


@attrs.define
class Multiplier:
    """Multiplies numbers (an unhashable callable: attrs classes define __eq__)."""

    factor: int

    def __call__(self, value: int) -> int:
        """Multiply a number by the factor."""
        return value * self.factor


def test_unhashable_callable_objects_run() -> None:
    triple = ToolDef.from_function(Multiplier(3), name="triple")
    (result,) = run_tools(assistant(call("triple", value=5)), [triple])
    assert result.error is None
    assert result.text == "15"
