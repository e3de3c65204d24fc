"""Chat messages and content: ``.text``, and exact ``to_dict``/``from_dict`` round trips.

Round trips are checked over generated messages (hypothesis) as well as by
hand, so every field of every type survives serialisation.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelkit import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentVideo,
    Logprob,
    Logprobs,
    ModelOutput,
    ModelUsage,
    ToolCall,
    ToolCallError,
    TopLogprob,
)
from modelkit.messages import content_from_dict, message_from_dict, message_id

text = st.text(max_size=20)
maybe = lambda s: st.none() | s  # noqa: E731 - a tiny strategy helper

contents = st.one_of(
    st.builds(ContentText, text=text),
    st.builds(ContentImage, image=text, detail=st.sampled_from(["auto", "low", "high"])),
    st.builds(ContentAudio, audio=text, format=st.sampled_from(["wav", "mp3"])),
    st.builds(ContentVideo, video=text, format=st.sampled_from(["mp4", "mpeg", "mov"])),
    st.builds(
        ContentReasoning,
        reasoning=text,
        signature=maybe(text),
        redacted=st.booleans(),
        data=maybe(text),
    ),
)
content = text | st.lists(contents, max_size=4)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
tool_calls = st.builds(
    ToolCall,
    id=text,
    function=text,
    arguments=st.dictionaries(text, json_values, max_size=3),
    parse_error=maybe(text),
    raw_arguments=maybe(text),
)
sources = st.none() | st.sampled_from(["input", "generate"])
messages = st.one_of(
    st.builds(ChatMessageSystem, content=content, source=sources),
    st.builds(ChatMessageUser, content=content, source=sources, tool_call_id=maybe(st.lists(text))),
    st.builds(
        ChatMessageAssistant,
        content=content,
        source=sources,
        tool_calls=maybe(st.lists(tool_calls, max_size=3)),
        reasoning=maybe(text),
        model=maybe(text),
    ),
    st.builds(
        ChatMessageTool,
        content=content,
        source=sources,
        tool_call_id=maybe(text),
        function=maybe(text),
        error=maybe(
            st.builds(ToolCallError, type=st.sampled_from(["parsing", "timeout"]), message=text)
        ),
    ),
)


@settings(max_examples=200, deadline=None)
@given(messages)
def test_every_message_round_trips_exactly(message: Any) -> None:
    data = message.to_dict()
    assert data["role"] == message.role
    assert message_from_dict(data) == message
    assert type(message).from_dict(data) == message


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            ChatCompletionChoice,
            message=messages.filter(lambda m: m.role == "assistant"),
            stop_reason=st.sampled_from(["stop", "max_tokens", "tool_calls", "unknown"]),
            logprobs=maybe(
                st.builds(
                    Logprobs,
                    content=st.lists(
                        st.builds(
                            Logprob,
                            token=text,
                            logprob=st.floats(max_value=0, allow_nan=False),
                            bytes=maybe(st.lists(st.integers(0, 255))),
                            top_logprobs=maybe(
                                st.lists(
                                    st.builds(
                                        TopLogprob,
                                        token=text,
                                        logprob=st.floats(max_value=0, allow_nan=False),
                                    ),
                                    max_size=2,
                                )
                            ),
                        ),
                        max_size=3,
                    ),
                )
            ),
        ),
        max_size=3,
    ),
    maybe(
        st.builds(
            ModelUsage, input_tokens=st.integers(0), input_tokens_cache_read=maybe(st.integers(0))
        )
    ),
)
def test_model_output_round_trips_exactly(choices: Any, usage: Any) -> None:
    output = ModelOutput(model="m", choices=choices, usage=usage, time=1.5, metadata={"a": [1]})
    assert ModelOutput.from_dict(output.to_dict()) == output


def test_text_joins_text_parts_and_skips_others() -> None:
    message = ChatMessageUser(
        content=[ContentText("one"), ContentImage("http://x/y.png"), ContentText("two")]
    )
    assert message.text == "one\ntwo"
    assert ChatMessageUser(content="plain").text == "plain"
    reasoning = ChatMessageAssistant(content=[ContentReasoning("thinking"), ContentText("answer")])
    assert reasoning.text == "answer"


def test_content_type_and_role_are_fixed_by_the_class() -> None:
    assert ContentText("x").type == "text"
    assert ChatMessageTool(content="r", tool_call_id="1").role == "tool"
    with pytest.raises(TypeError):
        ContentText("x", type="image")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"type": "smell", "smell": "x"}, "unknown content type 'smell'"),
        ({"type": "text", "text": "x", "colour": "red"}, "no field 'colour'"),
    ],
)
def test_bad_content_dicts_say_what_is_wrong(data: Any, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        content_from_dict(data)


def test_unknown_role_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        message_from_dict({"role": "robot", "content": "hi"})
    assert str(caught.value) == (
        "message role 'robot' is not a role; give one of 'system', 'user', 'assistant', 'tool'"
    )
    with pytest.raises(ConfigError, match=r"role \['user'\] is not a role; give one of 'system'"):
        message_from_dict({"role": ["user"], "content": "hi"})


def test_a_missing_role_says_it_is_missing_and_names_the_roles() -> None:
    with pytest.raises(ConfigError) as caught:
        message_from_dict({"content": "hi"})
    message = str(caught.value)
    assert "has no 'role' (its keys: 'content')" in message
    assert "'system', 'user', 'assistant', 'tool'" in message
    assert "None" not in message
    from modelkit import get_model

    with pytest.raises(ConfigError, match="message dict has no 'role'"):
        get_model("mockllm/model").generate([{"content": "hi"}])  # type: ignore[list-item]


def test_for_tool_call_and_from_content() -> None:
    output = ModelOutput.for_tool_call("m", "add", {"a": 1}, tool_call_id="c1")
    assert output.stop_reason == "tool_calls"
    assert output.message.tool_calls == [ToolCall(id="c1", function="add", arguments={"a": 1})]
    assert output.completion == "tool call for tool add"
    generated_id = ModelOutput.for_tool_call("m", "add", {}).message.tool_calls[0].id  # type: ignore[index]
    assert len(generated_id) == 36
    plain = ModelOutput.from_content("m", "hi", stop_reason="max_tokens", error="cut")
    assert (plain.completion, plain.stop_reason, plain.error) == ("hi", "max_tokens", "cut")


def test_empty_output_has_safe_defaults() -> None:
    output = ModelOutput(model="m")
    assert (output.completion, output.stop_reason, output.message.text) == ("", "unknown", "")


def test_usage_adds_and_keeps_unknown_cache_fields_unknown() -> None:
    a = ModelUsage(input_tokens=1, output_tokens=2, total_tokens=3)
    b = ModelUsage(input_tokens=10, output_tokens=20, total_tokens=35, input_tokens_cache_read=5)
    total = a + b
    assert total == ModelUsage(
        input_tokens=11, output_tokens=22, total_tokens=38, input_tokens_cache_read=5
    )
    assert total.input_tokens_cache_write is None


def test_message_ids_are_random_hex_and_never_repeat() -> None:
    ids = [ChatMessageUser(content="hi").id for _ in range(1000)]  # several stocks of ids
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_never_makes_its_parents_next_message_ids() -> None:
    """Ids are read from os.urandom a stock at a time; a child must not reuse the stock."""
    ChatMessageUser(content="fill the stock")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        try:
            os.write(write, ",".join(message_id() for _ in range(10)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split(","))
    os.waitpid(pid, 0)
    parent = {message_id() for _ in range(10)}
    assert len(child) == 10 and not child & parent
