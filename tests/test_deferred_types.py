"""Public types built on first use (issue 24, cold start) stay what they were.

Each class here is defined in a module loaded only when the class is first
asked for, and exported (PEP 562) by the module it has always belonged to:
its ``__module__`` is still that module, so it pickles, documents and
resolves its hints from there. A first call that does not use one never
builds it (``tests/test_package.py`` lists what a first call builds).
"""

from __future__ import annotations

import importlib
import pickle
import typing
from pathlib import Path
from typing import Any, Callable, Dict, Tuple

import attrs
import pytest
from fresh_python import run_fresh

import modelkit

DEFERRED_TYPES: Dict[str, Tuple[str, Callable[[Any], Any]]] = {
    "modelkit._response_headers.ModelRequestId": (
        "modelkit._request_id",
        lambda cls: cls(id="req_1", header="x-request-id", status=200),
    ),
    "modelkit.tools._types.ToolFunction": ("modelkit.tools._choice", lambda cls: cls(name="f")),
    "modelkit.messages.ChatMessageSystem": (
        "modelkit._system_tool_messages",
        lambda cls: cls(content="Be brief.", id="m1"),
    ),
    "modelkit.messages.ChatMessageTool": (
        "modelkit._system_tool_messages",
        lambda cls: cls(content="42", tool_call_id="call_1", function="f", id="m2"),
    ),
}
"""Public class -> (the module defining it, a maker of an instance)."""


def _load(name: str) -> Any:
    module, _, short = name.rpartition(".")
    return getattr(importlib.import_module(module), short)


@pytest.mark.parametrize("name", sorted(DEFERRED_TYPES))
def test_a_deferred_type_keeps_its_module_fields_and_pickling(name: str) -> None:
    cls = _load(name)
    maker = DEFERRED_TYPES[name][1]
    assert attrs.has(cls) and f"{cls.__module__}.{cls.__qualname__}" == name
    assert getattr(modelkit, cls.__name__) is cls
    value = maker(cls)
    assert pickle.loads(pickle.dumps(value)) == value
    assert type(value).from_dict(value.to_dict()) == value
    typing.get_type_hints(cls)  # resolves from the module it belongs to


_FRESH = r"""
import importlib, json, sys
name, defining = sys.argv[1], sys.argv[2]
module, _, short = name.rpartition(".")
exporting = importlib.import_module(module)
before = [short in vars(exporting), defining in sys.modules]
getattr(exporting, short)
print(json.dumps(before + [short in vars(exporting), defining in sys.modules]))
"""


@pytest.mark.parametrize("name", sorted(DEFERRED_TYPES))
def test_importing_the_exporting_module_does_not_build_a_deferred_type(
    name: str, tmp_path: Path
) -> None:
    result = run_fresh(_FRESH, name, DEFERRED_TYPES[name][0], home=tmp_path)
    assert result == [False, False, True, True]


def test_a_call_record_decodes_and_checks_its_request_ids() -> None:
    """``ModelCall.request_ids`` names ``ModelRequestId`` through its module: decoding
    and the type hint resolve it when needed."""
    from modelkit._response_headers import ModelRequestId, request_ids

    ids = request_ids({"x-request-id": "req_9", "content-type": "text/plain"}, 200)
    assert ids == [ModelRequestId(id="req_9", header="x-request-id", status=200)]
    assert request_ids({"content-type": "text/plain"}, 200) == []
    call = modelkit.ModelCall(request={}, request_ids=ids)
    assert modelkit.ModelCall.from_dict(call.to_dict()) == call
    hints = typing.get_type_hints(modelkit.ModelCall)
    assert hints["request_ids"] == typing.Optional[typing.List[ModelRequestId]]


def test_a_named_tool_choice_is_checked_and_sent_as_before() -> None:
    """``ToolFunction`` and ``ToolChoice`` come from ``tools._choice`` on first use:
    a named choice is still checked against the tools and sent as OpenAI's object."""
    from modelkit._prepare import _check_tool_choice
    from modelkit.errors import ConfigError
    from modelkit.providers.openai._request import tool_choice_to_wire
    from modelkit.tools import ToolChoice, ToolFunction, ToolInfo
    from modelkit.tools._types import tool_choice_to_dict

    assert typing.get_args(ToolChoice)[1] is ToolFunction
    tools = [ToolInfo(name="f", description="d")]
    _check_tool_choice(ToolFunction(name="f"), tools)
    _check_tool_choice("any", tools)
    with pytest.raises(ConfigError, match="'g', which is not among the tools"):
        _check_tool_choice(ToolFunction(name="g"), tools)
    with pytest.raises(ConfigError, match="tool_choice must be"):
        _check_tool_choice({"name": "f"}, tools)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="tool_choice must be"):
        _check_tool_choice("sometimes", tools)  # type: ignore[arg-type]
    assert tool_choice_to_wire(ToolFunction(name="f")) == {
        "type": "function",
        "function": {"name": "f"},
    }
    assert tool_choice_to_wire("any") == "required" and tool_choice_to_wire("none") == "none"
    assert tool_choice_to_dict(ToolFunction(name="f")) == {"name": "f"}
    assert tool_choice_to_dict("auto") == "auto"


def test_system_and_tool_messages_work_as_before_from_every_entry() -> None:
    """Built on first use, the system and tool messages are still what ``ChatMessage``
    names, what ``message_from_dict`` makes for their roles, accepted as input and
    sent to OpenAI as before."""
    from modelkit import messages
    from modelkit._prepare import input_messages
    from modelkit.providers.openai._request import WireOptions, messages_to_wire

    system, tool = messages.ChatMessageSystem, messages.ChatMessageTool
    assert typing.get_args(messages.ChatMessage) == (
        system,
        messages.ChatMessageUser,
        messages.ChatMessageAssistant,
        tool,
    )
    assert modelkit.ChatMessage == messages.ChatMessage
    assert issubclass(system, messages.ChatMessageBase) and system(content="x").role == "system"
    assert type(messages.message_from_dict({"role": "system", "content": "s"})) is system
    made = messages.message_from_dict({"role": "tool", "content": "r", "tool_call_id": "c"})
    assert type(made) is tool and made.tool_call_id == "c"
    given = [
        system(content="s"),
        messages.ChatMessageUser(content="u"),
        tool(content="r", tool_call_id="c"),
    ]
    assert input_messages(given) == given
    assert messages_to_wire(given, WireOptions(system_role="developer")) == [
        {"role": "developer", "content": "s"},
        {"role": "user", "content": "u"},
        {"role": "tool", "tool_call_id": "c", "content": "r"},
    ]


_PLAIN_MESSAGES = r"""
import json, sys
import modelkit.messages as m
from modelkit._prepare import input_messages
input_messages([m.ChatMessageUser(content="u"), m.ChatMessageAssistant(content="a")])
m.message_from_dict({"role": "user", "content": "u"})
print(json.dumps(["modelkit._system_tool_messages" in sys.modules, "ChatMessage" in vars(m)]))
"""


def test_user_and_assistant_messages_build_no_system_or_tool_class(tmp_path: Path) -> None:
    assert run_fresh(_PLAIN_MESSAGES, home=tmp_path) == [False, False]
