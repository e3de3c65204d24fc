"""``check_output``: a ``ModelOutput`` is what its type hints say, or a ``ValueError`` names where.

The provider parsers and the cache reader call it on every output they
return (issue 16, point 9): an output whose text is a number or whose
usage is a string must never reach the caller.
"""

from __future__ import annotations

from typing import Any, Optional

import attrs
import pytest

from modelkit import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    ContentReasoning,
    ContentText,
    Logprob,
    Logprobs,
    ModelOutput,
    ModelUsage,
    ToolCall,
)
from modelkit._wellformed import check_output


def _output(**changes: Any) -> ModelOutput:
    message = ChatMessageAssistant(
        content=changes.pop("content", [ContentReasoning(reasoning="hm"), ContentText(text="hi")]),
        tool_calls=changes.pop("tool_calls", [ToolCall(id="c1", function="f", arguments={"a": 1})]),
        model="m",
        source="generate",
    )
    logprobs = changes.pop("logprobs", Logprobs(content=[Logprob(token="hi", logprob=-0.5)]))
    choice = ChatCompletionChoice(
        message=message, stop_reason=changes.pop("stop_reason", "stop"), logprobs=logprobs
    )
    usage = ModelUsage(**changes.pop("usage", {"input_tokens": 3, "output_tokens": 1}))
    return ModelOutput(model="m", choices=[choice], usage=usage, **changes)


def test_a_well_formed_output_passes() -> None:
    check_output(_output())
    check_output(_output(content="plain", tool_calls=None, logprobs=None, metadata={"x": [1]}))
    check_output(ModelOutput.from_content("m", "hello"))
    check_output(ModelOutput())


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"content": [ContentText(text=42)]}, "output.choices[0].message.content[0].text is 42"),
        ({"content": 42}, "output.choices[0].message.content is 42"),
        ({"content": ["hi"]}, "output.choices[0].message.content[0] is 'hi'"),
        ({"usage": {"input_tokens": "12"}}, "output.usage.input_tokens is '12', not an integer"),
        ({"usage": {"output_tokens": [1]}}, "output.usage.output_tokens is [1]"),
        ({"usage": {"total_tokens": True}}, "output.usage.total_tokens is True"),
        ({"stop_reason": "done"}, "output.choices[0].stop_reason is 'done', not one of"),
        (
            {"logprobs": Logprobs(content=[Logprob(token="a", logprob=float("inf"))])},
            "output.choices[0].logprobs.content[0].logprob is inf, not a finite number",
        ),
        (
            {"tool_calls": [ToolCall(id="c", function="f", arguments=[1])]},  # type: ignore[arg-type]
            "output.choices[0].message.tool_calls[0].arguments is [1], not a dict",
        ),
        ({"metadata": "x"}, "output.metadata is 'x'"),
        ({"time": float("nan")}, "output.time is nan"),
    ],
)
def test_a_malformed_output_is_a_value_error_naming_the_field(changes: Any, where: str) -> None:
    with pytest.raises(ValueError) as info:
        check_output(_output(**changes))
    assert str(info.value).startswith(where), str(info.value)


def test_values_the_generated_check_passes_without_a_call_are_still_checked() -> None:
    """The generated check skips the full checker for a Literal's value, a free
    dict, an attrs instance and a list of them (issue 24: fewer calls per
    output); anything else on those fields still fails, naming the field."""
    good = _output()
    cases = [
        ({"choices": [{"message": "hi"}]}, "output.choices[0] is {'message': 'hi'}"),
        ({"choices": [good.choices[0], 7]}, "output.choices[1] is 7"),
        ({"choices": "hi"}, "output.choices is 'hi', not a list"),
        ({"usage": "12"}, "output.usage is '12'"),
        ({"metadata": ["x"]}, "output.metadata is ['x']"),
    ]
    for changes, where in cases:
        bad = _output()
        for name, value in changes.items():
            setattr(bad, name, value)
        with pytest.raises(ValueError) as info:
            check_output(bad)
        assert str(info.value).startswith(where), str(info.value)
    bad = _output()
    bad.choices[0].message.source = "elsewhere"  # type: ignore[assignment]
    with pytest.raises(ValueError, match=r"output.choices\[0\].message.source is 'elsewhere'"):
        check_output(bad)
    bad.choices[0].message.source = 1  # type: ignore[assignment]
    with pytest.raises(ValueError, match=r"message.source is 1"):
        check_output(bad)


def test_a_subclass_in_a_list_is_checked_with_its_own_fields() -> None:
    import attrs

    @attrs.define
    class Choice(ChatCompletionChoice):
        extra: int = 0

    output = _output()
    output.choices = [Choice(message=output.choices[0].message, extra=1)]
    check_output(output)
    output.choices[0].extra = "1"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"output.choices\[0\].extra is '1'"):
        check_output(output)


def test_fast_types_read_from_annotation_text_match_the_resolved_hints() -> None:
    """The types a field lets pass without a call are read from its annotation's
    text (no import, issue 24); for every field of every exported attrs class
    they are the ones the resolved hint gives: never more (a wrong type would
    pass unchecked), never fewer (a slower check)."""
    import typing

    import attrs

    import modelkit
    from modelkit._wellformed import _fast_names, _fast_types

    compared = 0
    for name in modelkit.__all__:
        cls = getattr(modelkit, name)
        if isinstance(cls, type) and attrs.has(cls):
            hints = typing.get_type_hints(cls)
            for field in attrs.fields(cls):
                if isinstance(field.type, str):
                    assert _fast_names(field.type) == _fast_types(hints[field.name]), (
                        f"{name}.{field.name}: {field.type}"
                    )
                    compared += 1
    assert compared > 300
    assert _fast_names("Optional[Union[int, float]]") == {int, float, type(None)}
    assert _fast_names("Union[str, List[Content]]") == {str}
    assert _fast_names("Optional[Dict[str, int]]") == {type(None)}
    assert _fast_names("StopReason") == frozenset()


@attrs.define
class _Later:
    """A field whose hint names a class that does not exist (yet)."""

    text: str
    later: Optional[NotDefinedAnywhere] = None  # type: ignore[name-defined]  # noqa: F821


@attrs.define
class _LaterSet:
    text: str
    later: Optional[NotDefinedAnywhere] = None  # type: ignore[name-defined]  # noqa: F821


def test_a_field_left_none_is_not_resolved_by_a_first_check() -> None:
    """A first check (a process checking one output) resolves no hint of a field
    holding ``None`` (a type read from the annotation): an output that leaves
    ``logprobs`` unset imports no logprob class. A value of another type is
    checked against the resolved hint."""
    from modelkit._wellformed import check_value

    check_value(_Later(text="a"), "value")
    with pytest.raises(NameError, match="NotDefinedAnywhere"):
        check_value(_LaterSet(text="a", later=1), "value")

        check_value(_Later(text="a", later=1), "value")


@attrs.define
class _Checked:
    text: str
    count: int = 0


def test_the_first_check_of_a_class_runs_its_plan_the_second_generates_its_checker() -> None:
    """A process that checks one output (a serverless cold start, issue 24)
    compiles no checker; the second instance gets the generated one. Both
    find the same mismatch."""
    from modelkit import _wellformed
    from modelkit._wellformed import check_value

    check_value(_Checked(text="a"), "value")
    assert hasattr(_wellformed._checkers[_Checked], "stub_of")  # still the stub: nothing compiled
    check_value(_Checked(text="b"), "value")
    assert not hasattr(_wellformed._checkers[_Checked], "stub_of")  # generated
    with pytest.raises(ValueError, match=r"value\.count is '1', not an integer"):
        check_value(_Checked(text="c", count="1"), "value")  # type: ignore[arg-type]


def test_a_first_check_by_the_plan_finds_what_the_generated_checker_finds() -> None:
    from modelkit._wellformed import check_value

    @attrs.define
    class Once:
        text: str

    with pytest.raises(ValueError, match=r"value\.text is 1, not a string"):
        check_value(Once(text=1), "value")  # type: ignore[arg-type]
