"""``trim_messages``, ``user_prompt`` and ``stable_message_ids``, used as Inspect users use them.

Behaviour from Inspect 0.3.285: ``inspect_ai/model/_trim.py`` (system and
input messages kept, the last ``preserve`` share of the conversation kept,
orphan tool results and unanswered tool calls dropped, no trailing assistant
message), ``_prompt.py`` (the last user message, ``ValueError`` without one)
and ``_message_ids.py`` (ids from a content hash; equal messages in one list
get different ids); the cases follow Inspect's ``tests/model/test_trim_messages.py``
and ``test_stable_message_ids.py``, called without ``await``.
"""

from __future__ import annotations

from typing import Any, List

import pytest

from modelkit import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    ModelOutput,
    ToolCall,
    stable_message_ids,
    trim_messages,
    user_prompt,
)


def weather_call() -> ChatMessageAssistant:
    call = ToolCall(id="tool1", function="get_weather", arguments={"location": "London"})
    return ChatMessageAssistant(content="Let me check.", tool_calls=[call])


def weather_result() -> ChatMessageTool:
    return ChatMessageTool(content="sunny", tool_call_id="tool1", function="get_weather")


def test_trim_keeps_system_input_and_the_recent_conversation() -> None:
    system = ChatMessageSystem(content="You are a helpful assistant.")
    messages: List[ChatMessage] = [system]
    for i in range(10):
        messages.append(ChatMessageUser(content=f"User message {i}"))
        messages.append(ChatMessageAssistant(content=f"Assistant message {i}"))
    trimmed = trim_messages(messages, preserve=0.5)
    assert len(trimmed) == 2 + 10 - 1  # system, first user, 5 pairs less the last assistant
    assert trimmed[0] == system
    assert [m.text for m in trimmed[1:3]] == ["User message 0", "User message 5"]
    assert trimmed[-1].role == "user"
    assert trim_messages([]) == []


def test_trim_keeps_messages_marked_as_input() -> None:
    messages: List[ChatMessage] = [
        ChatMessageUser(content="task", source="input"),
        ChatMessageUser(content="more task", source="input"),
        *[ChatMessageUser(content=f"turn {i}") for i in range(10)],
    ]
    trimmed = trim_messages(messages, preserve=0.2)
    assert [m.text for m in trimmed] == ["task", "more task", "turn 8", "turn 9"]


def test_trim_never_leaves_a_tool_result_or_call_alone() -> None:
    orphan = ChatMessageTool(content="?", tool_call_id="orphaned", function="f")
    messages: List[ChatMessage] = [
        ChatMessageSystem(content="sys"),
        ChatMessageUser(content="Hello!"),
        orphan,
        weather_call(),
        weather_result(),
        ChatMessageUser(content="Thanks"),
    ]
    trimmed = trim_messages(messages, preserve=1)
    assert orphan not in trimmed
    assert weather_call() in trimmed and weather_result() in trimmed

    unanswered = weather_call()
    kept = trim_messages([ChatMessageUser(content="q"), unanswered, ChatMessageUser(content="x")])
    assistant = kept[1]
    assert isinstance(assistant, ChatMessageAssistant) and assistant.tool_calls is None
    assert assistant.id != unanswered.id and unanswered.tool_calls  # a new message, input kept


def test_trim_checks_preserve() -> None:
    with pytest.raises(ConfigError, match=r"preserve must be in range \[0,1\], got 1.5"):
        trim_messages([ChatMessageUser(content="x")], preserve=1.5)
    with pytest.raises(ValueError):  # Inspect raises ValueError; ConfigError is one
        trim_messages([ChatMessageUser(content="x")], preserve=-0.1)


def test_user_prompt_is_the_last_user_message() -> None:
    last = ChatMessageUser(content="second")
    messages: List[ChatMessage] = [
        ChatMessageUser(content="first"),
        ChatMessageAssistant(content="ok"),
        last,
        ChatMessageAssistant(content="done"),
    ]
    assert user_prompt(messages) is last
    with pytest.raises(ValueError, match="No user messages available in the history."):
        user_prompt([ChatMessageSystem(content="sys")])


def test_stable_ids_follow_content_across_calls() -> None:
    apply_ids = stable_message_ids()
    first = ChatMessageUser(content="Hello")
    apply_ids([first])
    again = ChatMessageUser(content="Hello")
    other = ChatMessageUser(content="Goodbye")
    apply_ids([again, other])
    assert again.id == first.id and other.id != first.id
    assert stable_message_ids()  # each function keeps its own ids:
    fresh = ChatMessageUser(content="Hello")
    stable_message_ids()([fresh])
    assert fresh.id != first.id


def test_equal_messages_in_one_list_get_different_ids() -> None:
    apply_ids = stable_message_ids()
    one, two = ChatMessageUser(content="Hello"), ChatMessageUser(content="Hello")
    apply_ids([one, two])
    assert one.id != two.id
    three, four = ChatMessageUser(content="Hello"), ChatMessageUser(content="Hello")
    apply_ids([three, four])
    assert (three.id, four.id) == (one.id, two.id)


def test_stable_ids_apply_to_a_model_event_shape() -> None:
    class Event:
        event = "model"

        def __init__(self, input: Any, output: ModelOutput) -> None:
            self.input, self.output = input, output

    apply_ids = stable_message_ids()
    question = ChatMessageUser(content="What is 2+2?")
    output = ModelOutput.from_content("m", "4")
    apply_ids(Event([question], output))
    answer = ChatMessageAssistant(content="4", model="m", source="generate")
    apply_ids([ChatMessageUser(content="What is 2+2?"), answer])
    assert answer.id == output.message.id
