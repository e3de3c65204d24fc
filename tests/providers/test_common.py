"""Tests for ``modelkit.providers._common``: the helpers provider modules share."""

from __future__ import annotations

from modelkit.messages import ContentImage, ContentReasoning, ContentText
from modelkit.providers._common import assistant_message
from modelkit.tools import ToolCall

CALL = ToolCall(id="t1", function="add", arguments={"x": 1})


def test_no_parts_is_empty_text() -> None:
    message = assistant_message([], [], "m")
    assert message.content == ""
    assert message.tool_calls is None
    assert message.reasoning is None
    assert message.model == "m"
    assert message.source == "generate"


def test_a_single_text_part_is_a_string() -> None:
    for join in (False, True):
        message = assistant_message([ContentText(text="hi")], [CALL], "m", join_texts=join)
        assert message.content == "hi"
        assert message.tool_calls == [CALL]


def test_several_text_parts_are_joined_only_when_asked() -> None:
    parts = [ContentText(text="a"), ContentText(text="b")]
    assert assistant_message(parts, [], "m").content == parts
    assert assistant_message(parts, [], "m", join_texts=True).content == "ab"


def test_reasoning_and_media_keep_the_parts() -> None:
    parts = [
        ContentReasoning(reasoning="first"),
        ContentReasoning(reasoning="", signature="sig", redacted=True),
        ContentReasoning(reasoning="second"),
        ContentText(text="answer"),
    ]
    message = assistant_message(parts, [], "m", join_texts=True)
    assert message.content == parts
    assert message.reasoning == "first\n\nsecond"
    image = [ContentImage(image="data:image/png;base64,AA==")]
    assert assistant_message(image, [], "m", join_texts=True).content == image
