"""``web_search()`` and ``code_execution()`` on grok: xAI's agent tools on its Responses API.

xAI runs ``web_search``, ``x_search`` and ``code_interpreter`` itself, on
``POST /v1/responses`` only (https://docs.x.ai/docs/guides/tools/overview;
the chat completions ``search_parameters`` of Live Search is retired). The
request tools are as https://docs.x.ai/docs/guides/tools/search-tools
(``{"type": "web_search"}`` with ``allowed_domains``/``excluded_domains``/
``enable_image_understanding``) and https://docs.x.ai/docs/guides/tools/code-execution-tool
(``code_interpreter`` on the Responses API) name them, Inspect 0.3.285's
``grok`` options passed through as it passes them to xai-sdk's
``web_search``. ``tests/fixtures/grok/server_tools.*`` are shaped as those
guides and https://docs.x.ai/docs/guides/tools/advanced-usage show a
response: ``web_search_call``/``code_interpreter_call`` items carrying the
tool's ``name`` (``web_search``, ``browse_page``, ``code_execution``) and its
``arguments`` (no outputs: xAI returns none), a ``reasoning`` item with
``encrypted_content``, and a ``message`` whose ``output_text`` has
``url_citation`` annotations; the stream is the Responses event stream
ending in ``response.completed`` with the whole response. The round trip
sends the whole output back as input with
``include: ["reasoning.encrypted_content"]``, as the advanced-usage guide's
stateless loop does. Everything runs against a loopback server.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List

import pytest
from loopback import LoopbackServer, Reply, chat_completion
from wire import load_bytes, load_fixture

from modelkit import (
    ChatMessageAssistant,
    ChatMessageUser,
    ConfigError,
    ContentReasoning,
    ContentText,
    ContentToolUse,
    ToolFunction,
    UrlCitation,
    code_execution,
    get_model,
    web_search,
)
from modelkit.providers.openai._responses_response import parse_responses_body
from modelkit.tools._function import to_tool_info

QUESTION = "What did xAI announce this week? And what is 2 ** 10?"
GROK_SEARCH = {"grok": {"allowed_domains": ["x.ai"], "enable_image_understanding": True}}


def lookup(city: str) -> str:
    """Look a city up.

    Args:
        city: the city.
    """
    return city


def _tools() -> List[Any]:
    return [web_search(GROK_SEARCH), code_execution(), lookup]


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(
        default=Reply(body=load_fixture("grok", "server_tools.response.json"))
    ) as s:
        yield s


def _model(server: LoopbackServer) -> Any:
    return get_model(
        "grok/grok-4-1-fast-reasoning", base_url=server.url, api_key="xai-test", memoize=False
    )


def test_the_request_goes_to_responses_with_xai_s_tools(server: LoopbackServer) -> None:
    _model(server).generate(QUESTION, tools=_tools())
    (received,) = server.requests
    assert received.path == "/responses"
    assert {k.lower(): v for k, v in received.headers.items()}["authorization"] == "Bearer xai-test"
    assert received.json() == load_fixture("grok", "server_tools.request.json")


def test_tool_calls_are_tool_use_parts_and_citations_are_on_the_text(
    server: LoopbackServer,
) -> None:
    body = load_fixture("grok", "server_tools.response.json")
    output = _model(server).generate(QUESTION, tools=_tools())
    reasoning, search, browse, code, text = output.message.content
    assert isinstance(reasoning, ContentReasoning)
    assert (reasoning.signature, reasoning.data) == (
        body["output"][0]["id"],
        body["output"][0]["encrypted_content"],
    )
    assert search == ContentToolUse(
        tool_type="web_search",
        id=body["output"][1]["id"],
        name="web_search",
        arguments='{"query":"xAI announcements this week","num_results":5}',
        result="",
        internal={"grok": body["output"][1]},
    )
    assert isinstance(browse, ContentToolUse)
    assert (browse.tool_type, browse.name, json.loads(browse.arguments)) == (
        "web_search",
        "browse_page",
        {"url": "https://x.ai/news"},
    )
    assert isinstance(code, ContentToolUse)
    assert (code.tool_type, code.name, code.result) == ("code_execution", "code_execution", "")
    assert json.loads(code.arguments) == {"code": "print(2 ** 10)"}
    assert isinstance(text, ContentText)
    assert text.citations == [
        UrlCitation(url="https://x.ai/news"),
        UrlCitation(url="https://x.ai/news/grok-4-1-fast"),
    ]
    assert output.message.tool_calls is None and output.stop_reason == "stop"
    assert output.usage is not None
    assert (output.usage.input_tokens, output.usage.input_tokens_cache_read) == (1186, 1024)
    assert output.usage.reasoning_tokens == 301


def test_streamed_output_equals_generated(server: LoopbackServer) -> None:
    model = _model(server)
    server.script(
        Reply(
            body=load_bytes("grok", "server_tools.sse"),
            headers={"Content-Type": "text/event-stream"},
        )
    )
    with model.stream(QUESTION, tools=_tools()) as stream:
        texts = [event.text for event in stream if getattr(event, "text", None)]
    generated = model.generate(QUESTION, tools=_tools())
    streamed = stream.output
    assert streamed is not None
    streamed.time = generated.time = None
    assert streamed == generated
    assert "".join(texts) == generated.message.text
    assert server.requests[0].json() == {
        **load_fixture("grok", "server_tools.request.json"),
        "stream": True,
    }
    assert [type(part).__name__ for part in streamed.message.content] == [
        "ContentReasoning",
        "ContentToolUse",
        "ContentToolUse",
        "ContentToolUse",
        "ContentText",
    ]


def test_history_sends_the_whole_output_back(server: LoopbackServer) -> None:
    model = _model(server)
    first = model.generate(QUESTION, tools=_tools())
    history = [
        ChatMessageUser(content=QUESTION),
        first.message,
        ChatMessageUser(content="Thanks. Anything from yesterday?"),
    ]
    model.generate(history, tools=_tools())
    assert server.requests[1].json() == load_fixture("grok", "server_tools_round_trip.request.json")


def test_a_later_turn_without_the_tools_still_goes_to_responses(server: LoopbackServer) -> None:
    model = _model(server)
    first = model.generate(QUESTION, tools=[web_search(), code_execution()])
    model.generate([ChatMessageUser(content=QUESTION), first.message, ChatMessageUser(content="?")])
    second = server.requests[1]
    assert second.path == "/responses"
    sent = second.json()["input"]
    assert [item.get("type") for item in sent[1:5]] == [
        "reasoning",
        "web_search_call",
        "web_search_call",
        "code_interpreter_call",
    ]
    assert "tools" not in second.json()


def test_a_call_without_server_tools_stays_on_chat_completions() -> None:
    with LoopbackServer(default=Reply(body=chat_completion("plain"))) as server:
        output = _model(server).generate("hi", tools=[lookup])
        assert output.completion == "plain"
        assert server.requests[0].path == "/chat/completions"


def test_forcing_the_only_built_in_tool_is_required(server: LoopbackServer) -> None:
    _model(server).generate("hi", tools=[web_search()], tool_choice=ToolFunction("web_search"))
    assert server.requests[0].json()["tool_choice"] == "required"
    _model(server).generate("hi", tools=_tools(), tool_choice=ToolFunction("lookup"))
    assert server.requests[1].json()["tool_choice"] == {"type": "function", "name": "lookup"}


def test_forcing_a_built_in_tool_among_others_is_a_config_error(server: LoopbackServer) -> None:
    with pytest.raises(ConfigError, match="cannot force xAI's built-in web_search"):
        _model(server).generate("hi", tools=_tools(), tool_choice=ToolFunction("web_search"))
    assert server.requests == []


def test_providers_leaving_grok_out_is_a_config_error(server: LoopbackServer) -> None:
    with pytest.raises(ConfigError, match="does not enable 'grok'"):
        _model(server).generate("hi", tools=[web_search(["openai", "tavily"])])
    with pytest.raises(ConfigError, match="does not enable 'grok'"):
        _model(server).generate("hi", tools=[code_execution(providers={"grok": False})])
    assert server.requests == []


def test_build_request_for_chat_completions_says_where_the_tools_run(
    server: LoopbackServer,
) -> None:
    model = _model(server)
    tools = [to_tool_info(web_search())]
    with pytest.raises(ConfigError, match="grok: web_search.*Responses API"):
        model.api.build_request([ChatMessageUser(content="hi")], tools, "auto", model.config)
    assert server.requests == []


def test_other_providers_tool_use_is_left_out_and_grok_s_kept_from_openai() -> None:
    openai_search = ContentToolUse(
        tool_type="web_search",
        id="ws_1",
        name="search",
        arguments="{}",
        result="",
        internal={"openai": {"type": "web_search_call", "id": "ws_1", "status": "completed"}},
    )
    body = load_fixture("grok", "server_tools.response.json")
    grok_message = parse_responses_body(body, "grok-4", "grok").message
    mixed = ChatMessageAssistant(content=[openai_search, *grok_message.content])
    with LoopbackServer(default=Reply(body=body)) as server:
        _model(server).generate(
            [ChatMessageUser(content="hi"), mixed, ChatMessageUser(content="?")]
        )
        sent_to_xai = server.requests[0].json()["input"]
    assert "ws_1" not in json.dumps(sent_to_xai)
    with LoopbackServer(default=Reply(body=body)) as server:
        get_model(
            "openai/gpt-5",
            base_url=server.url,
            api_key="sk-test",
            memoize=False,
            responses_api=True,
        ).generate([ChatMessageUser(content="hi"), mixed, ChatMessageUser(content="?")])
        sent_to_openai = server.requests[0].json()["input"]
    assert body["output"][1]["id"] not in json.dumps(sent_to_openai)
    assert "ws_1" in json.dumps(sent_to_openai)


@pytest.mark.parametrize(
    "item, expected",
    [
        (
            {
                "arguments": '{"query":"from:xai","limit":10,"mode":"Latest"}',
                "call_id": "",
                "name": "x_keyword_search",
                "type": "x_search_call",
                "id": "fc_1_0",
                "status": "completed",
            },
            ("web_search", "x_keyword_search", '{"query":"from:xai","limit":10,"mode":"Latest"}'),
        ),
        (
            {
                "call_id": "xs_call_1",
                "input": '{"query":"xAI official","count":1}',
                "name": "x_user_search",
                "type": "custom_tool_call",
                "id": "ctc_1_xs_call_1",
                "status": "completed",
            },
            ("web_search", "x_user_search", '{"query":"xAI official","count":1}'),
        ),
        (
            {
                "id": "ws_1_call_1",
                "type": "web_search_call",
                "status": "completed",
                "action": {"type": "search", "query": "xAI news"},
            },
            ("web_search", "search", '{"type": "search", "query": "xAI news"}'),
        ),
    ],
)
def test_x_search_and_search_sub_tool_items_are_web_search_parts(
    item: Dict[str, Any], expected: Any
) -> None:
    body = {"status": "completed", "output": [item], "model": "grok-4"}
    (part,) = parse_responses_body(body, "grok-4", "grok").message.content
    assert isinstance(part, ContentToolUse)
    assert (part.tool_type, part.name, part.arguments) == expected
    assert part.internal == {"grok": item}
