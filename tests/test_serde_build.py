"""``from_dict``'s generated builders agree with the general ``structure`` on every input.

Each ``Serializable`` class builds from a dict through a function generated
for it (``_serde._generate``); ``structure`` is the general path it stands
in for. Whatever either is given (a whole output as the cache stores it,
Inspect's extra keys, unknown keys, missing arguments, instances, other
mappings), both must build equal values or raise the same error.
"""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import attrs
import pytest

import modelkit
from modelkit import (
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentText,
    ModelOutput,
    ModelUsage,
    ToolCall,
)
from modelkit._serde import Serializable, _builders, _current, structure
from modelkit.output import ChatCompletionChoice, Logprob, Logprobs, TopLogprob

FULL_OUTPUT = ModelOutput(
    model="m",
    choices=[
        ChatCompletionChoice(
            message=ChatMessageAssistant(
                content=[ContentText(text="hi"), ContentImage(image="https://x/y.png")],
                tool_calls=[ToolCall(id="c1", function="f", arguments={"a": [1, 2]})],
                reasoning="because",
                model="m",
                source="generate",
                metadata={"k": "v"},
            ),
            stop_reason="tool_calls",
            logprobs=Logprobs(
                content=[
                    Logprob(
                        token="hi",
                        logprob=-0.5,
                        top_logprobs=[TopLogprob(token="hi", logprob=-0.5)],
                    )
                ]
            ),
        ),
        ChatCompletionChoice(message=ChatMessageAssistant(content="plain"), stop_reason="stop"),
    ],
    usage=ModelUsage(input_tokens=3, output_tokens=4, total_tokens=7, reasoning_tokens=1),
    time=0.25,
    metadata={"x": 1},
)


def both(cls: Any, data: Any) -> Any:
    """``cls.from_dict(data)`` and ``structure(cls, data)``: equal values or the same error."""
    try:
        general = structure(cls, data)
    except Exception as exc:
        with pytest.raises(type(exc)) as raised:
            cls.from_dict(data)
        assert str(raised.value) == str(exc)
        return exc
    built = cls.from_dict(data)
    assert type(built) is type(general)
    assert built == general
    assert _without_ids(built.to_dict()) == _without_ids(general.to_dict())
    return built


def _without_ids(data: Any) -> Any:
    """``data`` without message ids (made at random when a dict has none)."""
    if isinstance(data, dict):
        return {k: _without_ids(v) for k, v in data.items() if k != "id"}
    if isinstance(data, list):
        return [_without_ids(v) for v in data]
    return data


def test_a_whole_output_as_the_cache_stores_it() -> None:
    data = json.loads(json.dumps(FULL_OUTPUT.to_dict()))
    built = both(ModelOutput, data)
    assert built == FULL_OUTPUT
    assert built.choices[0].message.id == FULL_OUTPUT.choices[0].message.id  # ids kept
    assert isinstance(built.choices[0].message.content[1], ContentImage)
    assert data == FULL_OUTPUT.to_dict()  # the caller's dict is left as it was


@pytest.mark.parametrize(
    "cls, data",
    [
        (ModelOutput, {}),
        (ModelOutput, {"model": "m", "completion": "ignored: computed"}),
        (ModelOutput, {"model": "m", "input_context_tokens": None, "response_id": None}),
        (ModelOutput, {"model": "m", "input_context_tokens": 5}),  # Inspect-only, with a value
        (ModelOutput, {"model": "m", "nonsense": 1}),
        (ModelOutput, {"choices": None, "usage": None}),
        (ModelOutput, {"choices": [{"stop_reason": "stop"}]}),  # a choice without its message
        (ModelOutput, {"choices": "not a list"}),
        (ModelOutput, {"usage": {"input_tokens": 1, "bogus": 2}}),
        (ModelOutput, []),
        (ModelOutput, "text"),
        (ModelOutput, MappingProxyType({"model": "m"})),
        (ChatMessageAssistant, {"content": "x", "role": "assistant"}),
        (ChatMessageAssistant, {"content": "x", "role": "user"}),  # role is the class's own
        (ChatMessageAssistant, {"role": "assistant"}),  # content missing
        (ChatMessageAssistant, {"content": [{"type": "nope"}]}),
        (
            ChatMessageTool,
            {"content": "r", "tool_call_id": "c1", "error": {"type": "timeout", "message": "slow"}},
        ),
        (ChatMessageUser, {"content": "u", "tool_call_id": ["a"], "id": "fixed"}),
        (ModelUsage, {"input_tokens": 1}),
        (ModelUsage, {"input_tokens": 1, "extra": 2}),
    ],
)
def test_builders_agree_with_the_general_path(cls: Any, data: Any) -> None:
    both(cls, data)


def test_an_instance_is_returned_as_it_is() -> None:
    usage = ModelUsage(input_tokens=1)
    assert ModelUsage.from_dict(usage) is usage  # type: ignore[arg-type]


def test_one_builder_per_class_generated_once() -> None:
    ModelOutput.from_dict({"model": "m"})
    made = _builders[ModelOutput]
    ModelOutput.from_dict({"model": "n"})
    assert _builders[ModelOutput] is made is _current(ModelOutput)
    assert made.__code__.co_filename == "<modelkit from_dict of modelkit.output.ModelOutput>"


def test_a_decoder_added_after_first_use_is_used() -> None:
    """The class's ``_decoders`` map may grow later (``ModelCost`` does at import)."""

    @attrs.define
    class Inner(Serializable):
        n: int = 0

    @attrs.define
    class Outer(Serializable):
        inner: Any = None
        _decoders = {}  # type: Dict[str, Any]

    first = Outer.from_dict({"inner": {"n": 1}})
    assert first.inner == {"n": 1}  # no decoder yet: kept as data
    Outer._decoders["inner"] = Inner.from_dict
    assert Outer.from_dict({"inner": {"n": 2}}).inner == Inner(n=2)


def test_a_subclass_builds_as_itself() -> None:
    @attrs.define
    class Mine(ModelUsage):
        note: str = ""

    built = Mine.from_dict({"input_tokens": 2, "note": "x"})
    assert type(built) is Mine and (built.input_tokens, built.note) == (2, "x")
    assert ModelUsage.from_dict({"input_tokens": 2}) == ModelUsage(input_tokens=2)


def test_pydantic_style_model_validate_goes_the_same_way() -> None:
    data = json.loads(json.dumps(FULL_OUTPUT.to_dict()))
    assert ModelOutput.model_validate(data) == FULL_OUTPUT
    assert modelkit.ChatMessageUser.from_dict({"content": "u"}).role == "user"
