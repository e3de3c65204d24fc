"""``web_search()`` and ``code_execution()`` on Mistral: its Conversations API.

Mistral runs ``web_search`` and ``code_interpreter`` only through
``POST /v1/conversations`` (https://docs.mistral.ai/agents/connectors/websearch,
https://docs.mistral.ai/agents/connectors/code_interpreter, the
Conversations API reference https://docs.mistral.ai/api/#tag/beta.conversations;
client-python ``ConversationRequest``, ``ConversationResponse``,
``ConversationEvents``), which Inspect 0.3.285's ``mistral`` provider uses
with ``store: false``. ``tests/fixtures/mistral/server_tools.*`` are shaped
as those pages show them: ``inputs`` entries, ``instructions``, ``tools``
and ``completion_args`` in the request; ``tool.execution`` entries (``name``,
``arguments``, ``info``) and a ``message.output`` whose ``tool_reference``
chunk follows the text it supports in the response; the event stream
(``conversation.response.started``, ``tool.execution.started``/``delta``/``done``,
``message.output.delta``, ``conversation.response.done``). Mistral takes no
tool execution back as input, so the round trip sends it as assistant text,
as Inspect does. Everything runs against a loopback server.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, List

import pytest
from loopback import LoopbackServer, Reply
from wire import load_bytes, load_fixture

from modelkit import (
    ChatMessageSystem,
    ChatMessageUser,
    ConfigError,
    ContentAudio,
    ContentText,
    ContentToolUse,
    GenerateConfig,
    UrlCitation,
    code_execution,
    get_model,
    web_search,
)
from modelkit.tools._function import to_tool_info

QUESTION = "What did Mistral AI announce this week? And what is 2 ** 10?"
CONFIG = GenerateConfig(temperature=0.2, max_tokens=512)


def lookup(city: str) -> str:
    """Look a city up.

    Args:
        city: the city.
    """
    return city


def _tools() -> List[Any]:
    return [web_search(), code_execution(), lookup]


def _input() -> List[Any]:
    return [ChatMessageSystem(content="Answer briefly."), ChatMessageUser(content=QUESTION)]


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    body = load_fixture("mistral", "server_tools.response.json")
    with LoopbackServer(default=Reply(body=body)) as s:
        yield s


def _model(server: LoopbackServer) -> Any:
    return get_model(
        "mistral/mistral-medium-latest", base_url=server.url, api_key="m-test", memoize=False
    )


def test_the_request_goes_to_conversations(server: LoopbackServer) -> None:
    _model(server).generate(_input(), tools=_tools(), config=CONFIG)
    (received,) = server.requests
    assert received.path == "/v1/conversations"
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["authorization"] == "Bearer m-test"
    assert received.json() == load_fixture("mistral", "server_tools.request.json")


def test_tool_executions_are_tool_use_parts_and_references_cite_the_text(
    server: LoopbackServer,
) -> None:
    body = load_fixture("mistral", "server_tools.response.json")
    output = _model(server).generate(_input(), tools=_tools(), config=CONFIG)
    search, code, cited, rest = output.message.content
    assert search == ContentToolUse(
        tool_type="web_search",
        id=body["outputs"][0]["id"],
        name="web_search",
        arguments='{"query": "Mistral AI news this week"}',
        result="",
        internal={
            "mistral": {
                "type": "tool.execution",
                "id": body["outputs"][0]["id"],
                "name": "web_search",
                "arguments": '{"query": "Mistral AI news this week"}',
                "info": {},
            }
        },
    )
    assert isinstance(code, ContentToolUse)
    assert (code.tool_type, code.name, json.loads(code.result)) == (
        "code_execution",
        "code_interpreter",
        {"code_output": "1024\n"},
    )
    assert isinstance(cited, ContentText) and isinstance(rest, ContentText)
    assert (
        cited.text + rest.text == "Mistral AI announced a new model this week. And 2 ** 10 is 1024."
    )
    assert cited.citations == [
        UrlCitation(
            url="https://mistral.ai/news",
            title="News | Mistral AI",
            cited_text="The latest announcements from Mistral AI.",
        )
    ]
    assert output.stop_reason == "stop" and output.message.tool_calls is None
    assert output.usage is not None
    assert (output.usage.input_tokens, output.usage.output_tokens) == (201, 96)
    assert output.metadata == {"conversation_id": body["conversation_id"]}


def test_streamed_output_equals_generated(server: LoopbackServer) -> None:
    model = _model(server)
    server.script(
        Reply(
            body=load_bytes("mistral", "server_tools.sse"),
            headers={"Content-Type": "text/event-stream"},
        )
    )
    with model.stream(_input(), tools=_tools(), config=CONFIG) as stream:
        texts = [event.text for event in stream if getattr(event, "text", None)]
    generated = model.generate(_input(), tools=_tools(), config=CONFIG)
    streamed = stream.output
    assert streamed is not None
    streamed.time = generated.time = None
    assert streamed == generated
    parts = generated.message.content
    assert "".join(texts) == "".join(p.text for p in parts if isinstance(p, ContentText))
    sent = server.requests[0]
    assert sent.json() == {**load_fixture("mistral", "server_tools.request.json"), "stream": True}
    assert {k.lower(): v for k, v in sent.headers.items()}["accept"] == "text/event-stream"


def test_history_sends_the_executions_back_as_text(server: LoopbackServer) -> None:
    model = _model(server)
    first = model.generate(_input(), tools=_tools(), config=CONFIG)
    history = [*_input(), first.message, ChatMessageUser(content="Thanks. Anything else?")]
    model.generate(history, tools=_tools(), config=CONFIG)
    assert server.requests[1].json() == load_fixture(
        "mistral", "server_tools_round_trip.request.json"
    )


def test_a_later_turn_without_the_tools_stays_on_conversations(server: LoopbackServer) -> None:
    model = _model(server)
    first = model.generate(_input(), tools=_tools(), config=CONFIG)
    model.generate([*_input(), first.message, ChatMessageUser(content="?")])
    assert server.requests[1].path == "/v1/conversations"
    assert "tools" not in server.requests[1].json()


def test_a_call_without_server_tools_stays_on_chat_completions() -> None:
    chat = {
        "id": "cmpl-1",
        "object": "chat.completion",
        "model": "mistral-medium-latest",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "plain"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
    with LoopbackServer(default=Reply(body=chat)) as server:
        assert _model(server).generate("hi", tools=[lookup]).completion == "plain"
        assert server.requests[0].path == "/v1/chat/completions"


def test_a_function_call_beside_the_tools_is_a_tool_call(server: LoopbackServer) -> None:
    body = {
        "object": "conversation.response",
        "conversation_id": "conv_1",
        "outputs": [
            {
                "object": "entry",
                "type": "function.call",
                "id": "fc_1",
                "tool_call_id": "Ab3dE6gH9",
                "name": "lookup",
                "arguments": '{"city": "Lyon"}',
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    server.script(Reply(body=body))
    output = _model(server).generate("Where is Lyon?", tools=_tools())
    (call,) = output.message.tool_calls or []
    assert (call.id, call.function, call.arguments) == ("Ab3dE6gH9", "lookup", {"city": "Lyon"})
    assert output.stop_reason == "tool_calls"


def test_providers_leaving_mistral_out_is_a_config_error(server: LoopbackServer) -> None:
    with pytest.raises(ConfigError, match="does not enable 'mistral'"):
        _model(server).generate("hi", tools=[web_search({"mistral": False})])
    with pytest.raises(ConfigError, match="does not enable 'mistral'"):
        _model(server).generate("hi", tools=[code_execution(providers={"mistral": False})])
    assert server.requests == []


def test_audio_with_the_tools_is_a_config_error(server: LoopbackServer) -> None:
    audio = ChatMessageUser(
        content=[ContentAudio(audio="data:audio/wav;base64,UklGRg==", format="wav")]
    )
    with pytest.raises(ConfigError, match="Conversations API .* takes no audio"):
        _model(server).generate([audio], tools=[web_search()])
    assert server.requests == []


def test_an_error_event_is_the_api_error(server: LoopbackServer) -> None:
    from modelkit import RateLimitError

    events = (
        'event: conversation.response.started\ndata: {"type": "conversation.response.started", '
        '"conversation_id": "conv_1"}\n\n'
        'event: conversation.response.error\ndata: {"type": "conversation.response.error", '
        '"message": "Rate limit exceeded", "code": 429}\n\n'
    )
    server.script(Reply(body=events, headers={"Content-Type": "text/event-stream"}))
    model = get_model(
        "mistral/mistral-medium-latest",
        base_url=server.url,
        api_key="m-test",
        memoize=False,
        config=GenerateConfig(max_retries=0),
    )
    with pytest.raises(RateLimitError, match="Rate limit exceeded"):
        with model.stream("hi", tools=[web_search()]) as stream:
            list(stream)


def test_build_request_for_chat_completions_says_where_the_tools_run(
    server: LoopbackServer,
) -> None:
    model = _model(server)
    tools = [to_tool_info(code_execution())]
    with pytest.raises(ConfigError, match="mistral: code_execution.*Conversations API"):
        model.api.build_request([ChatMessageUser(content="hi")], tools, "auto", model.config)
    assert server.requests == []
