"""``web_search()`` and ``code_execution()`` on OpenAI: Responses tools, output, round trip.

Request tools as https://platform.openai.com/docs/guides/tools-web-search
(``{"type": "web_search"}`` with ``search_context_size``, ``user_location``,
``filters.allowed_domains``) and https://platform.openai.com/docs/guides/tools-code-interpreter
(``{"type": "code_interpreter", "container": {"type": "auto"}}``, and
``include: ["code_interpreter_call.outputs"]`` to get the outputs back), as
Inspect 0.3.285 sends them. Response bodies as the web search guide's
example output (a ``web_search_call`` item with its ``action``, then a
``message`` whose ``output_text`` has ``url_citation`` annotations) and the
``code_interpreter_call`` item of https://platform.openai.com/docs/api-reference/responses/object;
stream events as https://platform.openai.com/docs/api-reference/responses-streaming
(``response.output_item.added``/``done``, ``response.web_search_call.*``,
``response.code_interpreter_call.*``, ``response.output_text.delta``,
``response.output_text.annotation.added``, ``response.completed`` carrying
the whole response). Chat completions has no such tools in Inspect's
mapping: there the request is a ``ConfigError`` saying to use the
Responses API.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
import responses
from openai_server_items import (
    CITATION,
    CODE,
    MESSAGE,
    SEARCH,
    TEXT,
    in_progress,
    response_body,
    sse,
)
from wire import stream_both_ways

from modelkit import (
    ChatMessageUser,
    ConfigError,
    ContentText,
    ContentToolUse,
    ToolFunction,
    code_execution,
    get_model,
    web_search,
)

URL = "https://api.openai.com/v1/responses"
BODY = response_body(SEARCH, CODE, MESSAGE)

STREAM = sse(
    {"type": "response.created", "response": {**BODY, "status": "in_progress", "output": []}},
    {"type": "response.output_item.added", "output_index": 0, "item": in_progress(SEARCH)},
    {"type": "response.web_search_call.in_progress", "output_index": 0, "item_id": SEARCH["id"]},
    {"type": "response.web_search_call.searching", "output_index": 0, "item_id": SEARCH["id"]},
    {"type": "response.web_search_call.completed", "output_index": 0, "item_id": SEARCH["id"]},
    {"type": "response.output_item.done", "output_index": 0, "item": SEARCH},
    {"type": "response.output_item.added", "output_index": 1, "item": in_progress(CODE)},
    {
        "type": "response.code_interpreter_call_code.delta",
        "output_index": 1,
        "item_id": CODE["id"],
        "delta": "print(2 ** 10)",
    },
    {"type": "response.code_interpreter_call.completed", "output_index": 1, "item_id": CODE["id"]},
    {"type": "response.output_item.done", "output_index": 1, "item": CODE},
    {
        "type": "response.output_item.added",
        "output_index": 2,
        "item": {**MESSAGE, "status": "in_progress", "content": []},
    },
    {
        "type": "response.output_text.delta",
        "output_index": 2,
        "content_index": 0,
        "item_id": MESSAGE["id"],
        "delta": TEXT[:30],
    },
    {
        "type": "response.output_text.delta",
        "output_index": 2,
        "content_index": 0,
        "item_id": MESSAGE["id"],
        "delta": TEXT[30:],
    },
    {
        "type": "response.output_text.annotation.added",
        "output_index": 2,
        "content_index": 0,
        "item_id": MESSAGE["id"],
        "annotation_index": 0,
        "annotation": MESSAGE["content"][0]["annotations"][0],  # type: ignore[index]
    },
    {"type": "response.output_item.done", "output_index": 2, "item": MESSAGE},
    {"type": "response.completed", "response": BODY},
)


def _model(**kwargs: Any) -> Any:
    return get_model("openai/gpt-4.1", api_key="sk-test", memoize=False, **kwargs)


def test_the_tools_are_openai_s_own_with_their_options() -> None:
    search = {"search_context_size": "low", "filters": {"allowed_domains": ["example.com"]}}
    container = {"type": "auto", "memory_limit": "4g"}
    tools = [
        web_search({"openai": search}),
        code_execution(providers={"openai": {"container": container}}),
    ]
    with responses.RequestsMock() as mock:
        mock.post(URL, json=BODY)
        _model(responses_api=True).generate("hi", tools=tools)
        sent = json.loads(mock.calls[0].request.body)
    assert sent["tools"] == [
        {
            "type": "web_search",
            "search_context_size": "low",
            "filters": {"allowed_domains": ["example.com"]},
        },
        {"type": "code_interpreter", "container": container},
    ]
    assert "code_interpreter_call.outputs" in sent["include"]


def test_default_code_interpreter_container_is_auto() -> None:
    with responses.RequestsMock() as mock:
        mock.post(URL, json=BODY)
        _model(responses_api=True).generate("hi", tools=[code_execution()])
        sent = json.loads(mock.calls[0].request.body)
    assert sent["tools"] == [{"type": "code_interpreter", "container": {"type": "auto"}}]


def test_streamed_output_equals_generated_with_tool_uses_and_citations() -> None:
    with responses.RequestsMock() as mock:
        _, streamed, generated = stream_both_ways(
            _model(responses_api=True),
            mock,
            URL,
            STREAM,
            BODY,
            tools=[web_search(), code_execution()],
        )
    assert streamed == generated
    content = generated.message.content
    search, code, text = content
    assert isinstance(search, ContentToolUse) and search.tool_type == "web_search"
    assert json.loads(search.arguments) == SEARCH["action"]
    assert isinstance(code, ContentToolUse) and code.tool_type == "code_execution"
    assert (code.arguments, code.result) == ("print(2 ** 10)", "1024\n")
    assert isinstance(text, ContentText) and text.text == TEXT
    assert text.citations == [CITATION]


def test_history_sends_the_search_item_back_and_the_code_as_text() -> None:
    model = _model(responses_api=True)
    with responses.RequestsMock() as mock:
        mock.post(URL, json=BODY)
        first = model.generate("hi", tools=[web_search(), code_execution()])
        mock.post(URL, json=BODY)
        model.generate(
            [ChatMessageUser(content="hi"), first.message, ChatMessageUser(content="and?")]
        )
        items: List[Dict[str, Any]] = json.loads(mock.calls[1].request.body)["input"]
    assert items[1] == SEARCH
    assert items[2]["role"] == "assistant"
    assert items[2]["content"] == f"code_interpreter: print(2 ** 10)\n\n1024\n\n{TEXT}"


def test_chat_completions_is_a_config_error_saying_to_use_the_responses_api() -> None:
    with responses.RequestsMock():  # nothing is sent
        with pytest.raises(ConfigError, match="responses_api=True"):
            _model().generate("hi", tools=[web_search()])
        with pytest.raises(ConfigError, match="openai: code_execution"):
            _model(responses_api=False).generate("hi", tools=[code_execution()])


def test_providers_without_openai_are_a_config_error() -> None:
    with responses.RequestsMock():
        with pytest.raises(ConfigError, match="does not enable 'openai'"):
            _model(responses_api=True).generate("hi", tools=[web_search(["anthropic", "tavily"])])


@pytest.mark.parametrize(
    "name, choice",
    [
        ("web_search", {"type": "web_search_preview"}),
        ("code_execution", {"type": "code_interpreter"}),
        ("lookup", {"type": "function", "name": "lookup"}),
    ],
)
def test_forcing_a_server_tool_is_a_hosted_tool_choice(name: str, choice: Dict[str, Any]) -> None:
    def lookup(city: str) -> str:
        """Look a city up.

        Args:
            city: the city.
        """
        return city

    with responses.RequestsMock() as mock:
        mock.post(URL, json=BODY)
        tools = [web_search(), code_execution(), lookup]
        _model(responses_api=True).generate("hi", tools=tools, tool_choice=ToolFunction(name))
        sent = json.loads(mock.calls[0].request.body)
    assert sent["tool_choice"] == choice
