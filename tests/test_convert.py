"""Inspect's converters, both directions, through the providers' real builders and parsers.

Fixtures in ``tests/fixtures/convert/`` are request and response bodies
shaped as each API documents them:

- OpenAI Chat Completions: https://platform.openai.com/docs/api-reference/chat/create
  (developer/user/assistant/tool messages, ``image_url``, ``input_audio`` and
  ``file`` parts, ``tool_calls``) and .../chat/object (the ``chat.completion``
  example with a tool call).
- OpenAI Responses: https://platform.openai.com/docs/api-reference/responses/create
  (input messages, ``input_image``, ``input_file`` by data and URL,
  ``reasoning``, ``function_call``, ``function_call_output`` items) and
  .../responses/object.
- Anthropic Messages: https://docs.anthropic.com/en/api/messages and the
  tool-use, vision, PDF-support and extended-thinking guides (``document``,
  ``image`` sources, ``thinking`` with ``signature``, ``tool_use``,
  ``tool_result`` with ``is_error``), the tool-use response example.
- Gemini: https://ai.google.dev/api/generate-content (``systemInstruction``,
  ``contents`` of ``user``/``model`` turns, ``inlineData``, ``fileData``,
  ``functionCall``, ``functionResponse``, ``thoughtSignature``) and the
  function-calling guide's response.

Tool-call ``arguments`` strings are written as ``json.dumps`` writes them,
which is what the builders send. Each ``messages_from_*`` result is sent
back through ``messages_to_*`` or a real ``generate`` (its POST body
checked) and must equal the documented body; each ``model_output_from_*``
must equal what ``generate`` returns for the same response. Written the
way an Inspect user writes it, without ``await`` (modelkit's are sync).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import pytest
import responses
from wire_fixtures import load

from modelkit import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ConfigError,
    ContentAudio,
    ContentDocument,
    ContentImage,
    ContentReasoning,
    ContentText,
    ModelOutput,
    get_model,
    messages_from_anthropic,
    messages_from_google,
    messages_from_openai,
    messages_from_openai_responses,
    messages_to_openai,
    messages_to_openai_responses,
    model_output_from_anthropic,
    model_output_from_google,
    model_output_from_openai,
    model_output_from_openai_responses,
)


def _generate(
    spec: str, url: str, messages: Any, answer: Any, **model_args: Any
) -> Tuple[Dict[str, Any], ModelOutput]:
    """``generate`` on ``messages`` against a mocked API: the body it sent, its output."""
    model = get_model(spec, **model_args)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(url, json=answer)
        output = model.generate(messages)
        sent = json.loads(mock.calls[0].request.body)
    return sent, output


def _same_output(a: ModelOutput, b: ModelOutput) -> None:
    """Equal apart from what only a real call has (time and cost, set where the engine
    finishes a call; the call record and message ids are not part of equality)."""
    a.time = b.time = None
    for output in (a, b):
        if output.usage is not None:
            output.usage.total_cost = None
    assert a == b


# --- OpenAI Chat Completions ---------------------------------------------------------


def test_messages_from_openai_reads_each_documented_shape() -> None:
    request = load("openai_chat.request.json")
    messages = messages_from_openai(request["messages"], model="gpt-4o")
    system, user, call, tool, answer, audio = messages
    assert isinstance(system, ChatMessageSystem) and system.text == "You are a helpful assistant."
    assert isinstance(user, ChatMessageUser) and isinstance(user.content, list)
    text, image, document = user.content
    assert text == ContentText(text="What is in this image, and what's the weather in Paris?")
    assert isinstance(image, ContentImage) and image.detail == "low"
    assert document == ContentDocument(
        document="data:application/pdf;base64,JVBERi0xLjQKJcfs", filename="draconomicon.pdf"
    )
    assert document.mime_type == "application/pdf"
    assert isinstance(call, ChatMessageAssistant) and call.model == "gpt-4o"
    assert call.tool_calls is not None
    assert (call.tool_calls[0].id, call.tool_calls[0].function) == ("call_12345xyz", "get_weather")
    assert call.tool_calls[0].arguments == {"location": "Paris, France"}
    assert isinstance(tool, ChatMessageTool)
    assert (tool.tool_call_id, tool.function, tool.text) == (
        "call_12345xyz",
        "get_weather",
        "15 degrees Celsius, partly cloudy",
    )
    assert isinstance(answer, ChatMessageAssistant) and answer.text.startswith("A wooden")
    assert audio.content == [
        ContentAudio(audio="data:audio/wav;base64,UklGRiQAAABXQVZF", format="wav")
    ]


def test_openai_messages_round_trip_through_the_request_builder() -> None:
    wire = load("openai_chat.request.json")["messages"]
    assert messages_to_openai(messages_from_openai(wire), system_role="developer") == wire
    # ... and generate sends exactly those messages (gpt-5 takes developer messages)
    sent, _ = _generate(
        "openai/gpt-5",
        "https://api.openai.com/v1/chat/completions",
        messages_from_openai(wire),
        load("openai_chat.response.json"),
        api_key="sk-test",
    )
    assert sent["messages"] == wire


def test_messages_to_openai_system_role() -> None:
    messages = [ChatMessageSystem(content="Be brief."), ChatMessageUser(content="Hi")]
    assert messages_to_openai(messages) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert messages_to_openai(messages, system_role="developer")[0]["role"] == "developer"


def test_model_output_from_openai_is_what_generate_returns() -> None:
    body = load("openai_chat.response.json")
    output = model_output_from_openai(body)
    assert output.model == "gpt-4o-2024-08-06"
    assert output.stop_reason == "tool_calls"
    assert output.message.tool_calls is not None
    assert output.message.tool_calls[0].arguments == {"location": "Boston, MA"}
    assert output.usage is not None and output.usage.total_tokens == 99
    _, generated = _generate(
        "openai/gpt-4o",
        "https://api.openai.com/v1/chat/completions",
        "What's the weather in Boston?",
        body,
        api_key="sk-test",
    )
    _same_output(output, generated)


class SdkObject:
    """What an SDK response object offers the converters: pydantic's ``model_dump``."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self._data = data
        self.dumped_with: Dict[str, Any] = {}

    def model_dump(self, **kwargs: Any) -> Dict[str, Any]:
        self.dumped_with = kwargs
        return json.loads(json.dumps(self._data))


def test_sdk_objects_are_read_through_model_dump() -> None:
    body = load("openai_chat.response.json")
    sdk = SdkObject(body)
    assert model_output_from_openai(sdk) == model_output_from_openai(body)
    assert sdk.dumped_with == {"mode": "json", "by_alias": True, "exclude_none": True}
    messages = [SdkObject({"role": "user", "content": "Hi"})]
    assert messages_from_openai(messages) == [ChatMessageUser(content="Hi")]


# --- OpenAI Responses ----------------------------------------------------------------


def test_messages_from_openai_responses_groups_assistant_items() -> None:
    items = load("openai_responses.request.json")["input"]
    messages = messages_from_openai_responses(items, model="gpt-5")
    kinds = [type(m).__name__ for m in messages]
    assert kinds == [
        "ChatMessageSystem",
        "ChatMessageUser",
        "ChatMessageAssistant",
        "ChatMessageTool",
        "ChatMessageAssistant",
        "ChatMessageUser",
    ]
    user, thinking = messages[1], messages[2]
    assert isinstance(user.content, list)
    assert user.content[3] == ContentDocument(
        document="https://www.berkshirehathaway.com/letters/2024ltr.pdf"
    )
    assert isinstance(thinking, ChatMessageAssistant) and isinstance(thinking.content, list)
    reasoning = thinking.content[0]
    assert isinstance(reasoning, ContentReasoning)
    assert reasoning.signature == "rs_6820f383d7c08191846711c5df8233bc"
    assert reasoning.data == "gAAAAABoISQ24OyVRYbkYfukCsI3AzQv"
    assert thinking.tool_calls is not None and thinking.tool_calls[0].id == "call_12345xyz"
    assert messages[3].function == "get_weather"  # type: ignore[union-attr]


def test_responses_items_round_trip_through_the_request_builder() -> None:
    items = load("openai_responses.request.json")["input"]
    assert messages_to_openai_responses(messages_from_openai_responses(items)) == items


def test_model_output_from_openai_responses_is_what_generate_returns() -> None:
    body = load("openai_responses.response.json")
    output = model_output_from_openai_responses(body)
    assert output.model == "gpt-5-2025-08-07"
    assert output.completion == "The image depicts a scenic landscape with a wooden boardwalk."
    _, generated = _generate(
        "openai/gpt-5",
        "https://api.openai.com/v1/responses",
        "Describe the image.",
        body,
        api_key="sk-test",
        responses_api=True,
    )
    _same_output(output, generated)


# --- Anthropic -----------------------------------------------------------------------


def _anthropic_messages() -> List[Any]:
    request = load("anthropic.request.json")
    return messages_from_anthropic(request["messages"], system_message=request["system"][0]["text"])


def test_messages_from_anthropic_reads_each_documented_shape() -> None:
    messages = _anthropic_messages()
    kinds = [type(m).__name__ for m in messages]
    assert kinds == [
        "ChatMessageSystem",
        "ChatMessageUser",
        "ChatMessageAssistant",
        "ChatMessageTool",
        "ChatMessageUser",
        "ChatMessageAssistant",
        "ChatMessageTool",
    ]
    user = messages[1]
    assert isinstance(user.content, list)
    document = user.content[0]
    assert isinstance(document, ContentDocument)
    assert (document.filename, document.mime_type, document.citations) == (
        "annual-report.pdf",
        "application/pdf",
        True,
    )
    assistant = messages[2]
    assert isinstance(assistant, ChatMessageAssistant) and isinstance(assistant.content, list)
    thinking = assistant.content[0]
    assert isinstance(thinking, ContentReasoning) and thinking.signature is not None
    tool, failed = messages[3], messages[6]
    assert isinstance(tool, ChatMessageTool) and tool.function == "get_weather"
    assert tool.text == "15 degrees" and tool.error is None
    assert isinstance(failed, ChatMessageTool) and failed.error is not None
    assert failed.error.message == "ConnectionError: the weather service is down"


def test_anthropic_messages_round_trip_through_generate() -> None:
    request = load("anthropic.request.json")
    sent, _ = _generate(
        "anthropic/claude-sonnet-4-5",
        "https://api.anthropic.com/v1/messages",
        _anthropic_messages(),
        load("anthropic.response.json"),
        api_key="sk-ant-test",
    )
    assert sent["system"] == request["system"]
    assert sent["messages"] == request["messages"]


def test_model_output_from_anthropic_is_what_generate_returns() -> None:
    body = load("anthropic.response.json")
    output = model_output_from_anthropic(body)
    assert output.stop_reason == "tool_calls"
    assert output.completion == "I'll check the current weather in San Francisco for you."
    assert output.usage is not None and output.usage.input_tokens == 472
    _, generated = _generate(
        "anthropic/claude-sonnet-4-5",
        "https://api.anthropic.com/v1/messages",
        "Weather in SF?",
        body,
        api_key="sk-ant-test",
    )
    _same_output(output, generated)


# --- Gemini --------------------------------------------------------------------------


def _google_messages(model: Any = None) -> List[Any]:
    request = load("google.request.json")
    return messages_from_google(
        request["contents"],
        system_instruction=request["systemInstruction"]["parts"][0]["text"],
        model=model,
    )


def test_messages_from_google_reads_each_documented_shape() -> None:
    messages = _google_messages(model="gemini-2.5-flash")
    kinds = [type(m).__name__ for m in messages]
    assert kinds == [
        "ChatMessageSystem",
        "ChatMessageUser",
        "ChatMessageAssistant",
        "ChatMessageTool",
        "ChatMessageAssistant",
        "ChatMessageUser",
    ]
    user, assistant, tool = messages[1], messages[2], messages[3]
    assert isinstance(user.content, list)
    assert user.content[2] == ContentDocument(
        document="https://generativelanguage.googleapis.com/v1beta/files/abc-123",
        mime_type="application/pdf",
    )
    assert isinstance(assistant, ChatMessageAssistant) and assistant.model == "gemini-2.5-flash"
    assert assistant.tool_calls is not None
    assert assistant.tool_calls[0].arguments == {"brightness": 25, "color_temp": "warm"}
    assert isinstance(tool, ChatMessageTool)
    assert (tool.tool_call_id, tool.function) == (assistant.tool_calls[0].id, "set_light_values")


def test_google_contents_round_trip_through_generate() -> None:
    request = load("google.request.json")
    url = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
    sent, _ = _generate(
        "google/gemini-2.5-flash",
        url,
        _google_messages(),
        load("google.response.json"),
        api_key="g-test",
    )
    assert sent["systemInstruction"] == request["systemInstruction"]
    assert sent["contents"] == request["contents"]


def test_google_snake_case_dicts_and_sdk_objects_are_read_too() -> None:
    snake = [
        {
            "role": "user",
            "parts": [{"inline_data": {"mime_type": "image/png", "data": "iVBORw0KGgo="}}],
        },
        {"role": "model", "parts": [{"function_call": {"name": "f", "args": {"some_arg": 1}}}]},
    ]
    user, assistant = messages_from_google(snake)
    assert user.content == [ContentImage(image="data:image/png;base64,iVBORw0KGgo=")]
    assert isinstance(assistant, ChatMessageAssistant) and assistant.tool_calls is not None
    assert assistant.tool_calls[0].arguments == {"some_arg": 1}  # the caller's JSON, not renamed
    body = load("google.response.json")
    assert model_output_from_google(SdkObject(body)) == model_output_from_google(body)


def test_model_output_from_google_is_what_generate_returns() -> None:
    body = load("google.response.json")
    output = model_output_from_google(body)
    assert output.model == "gemini-2.5-flash"
    assert output.stop_reason == "tool_calls"
    url = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
    _, generated = _generate("google/gemini-2.5-flash", url, "Lights!", body, api_key="g-test")
    _same_output(output, generated)
    named = model_output_from_google(body, model="my-gemini")
    assert named.model == named.message.model == "my-gemini"


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, who",
    [
        (lambda: messages_from_openai([{"role": "robot", "content": "x"}]), "messages_from_openai"),
        (lambda: messages_from_openai("hello"), "messages_from_openai"),
        (
            lambda: messages_from_openai([{"role": "user", "content": [{"type": "image_url"}]}]),
            "messages_from_openai",
        ),
        (
            lambda: messages_from_openai_responses([{"type": "web_search_call"}]),
            "messages_from_openai_responses",
        ),
        (
            lambda: messages_from_anthropic([{"role": "user", "content": [{"type": "video"}]}]),
            "messages_from_anthropic",
        ),
        (lambda: messages_from_google([{"role": "robot", "parts": []}]), "messages_from_google"),
        (lambda: model_output_from_openai({"object": "list"}), "model_output_from_openai"),
        (lambda: model_output_from_anthropic({"content": "text"}), "model_output_from_anthropic"),
        (lambda: model_output_from_openai_responses(42), "model_output_from_openai_responses"),
        (lambda: model_output_from_google({"candidates": []}), "model_output_from_google"),
    ],
)
def test_malformed_input_is_a_config_error_naming_the_converter(call: Any, who: str) -> None:
    with pytest.raises(ConfigError, match=who):
        call()


def test_importing_modelkit_loads_no_converter() -> None:
    import subprocess
    import sys

    code = (
        "import sys, modelkit; "
        "assert 'modelkit.convert' not in sys.modules; "
        "modelkit.messages_from_openai([]); "
        "assert 'modelkit.providers.google._convert' not in sys.modules, 'google loaded'; "
        "assert 'modelkit.providers.anthropic._convert' not in sys.modules, 'anthropic loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_converted_text_content_is_plain_content_text() -> None:
    (message,) = messages_from_openai(
        [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    )
    assert message.content == [ContentText(text="hi")]
