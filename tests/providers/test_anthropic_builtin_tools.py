"""``web_search()`` and ``code_execution()`` on Anthropic: definitions, betas, output, round trip.

Tool definitions as https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool
("Tool definition": ``type`` ``web_search_20250305``, ``name`` ``web_search``,
``max_uses``, ``allowed_domains``/``blocked_domains``, ``user_location``; the
``web_search_20260209`` dynamic-filtering version), .../web-fetch-tool
(``web_fetch_20250910`` with beta ``web-fetch-2025-09-10``, ``citations``,
``max_content_tokens``) and .../code-execution-tool
(``code_execution_20250825`` with beta ``code-execution-2025-08-25``) give
them, and as Inspect 0.3.285 sends them (search and fetch together). The
response is the streamed and non-streamed server-tool answer of
``tests/fixtures/anthropic/stream_server_tools.*`` (shapes from the same
pages and https://docs.anthropic.com/en/docs/build-with-claude/streaming);
the docs say the server-tool blocks go back unchanged in the next request.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
import responses
from wire import load_bytes, load_fixture, stream_both_ways

from modelkit import (
    ChatMessageUser,
    ConfigError,
    ContentText,
    ContentToolUse,
    GenerateConfig,
    ToolFunction,
    UrlCitation,
    code_execution,
    get_model,
    web_search,
)

URL = "https://api.anthropic.com/v1/messages"


def _sent(mock: responses.RequestsMock, n: int = 0) -> Dict[str, Any]:
    return json.loads(mock.calls[n].request.body)


def _request(model_name: str, tools: List[Any]) -> Any:
    model = get_model(f"anthropic/{model_name}", api_key="sk-ant-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(URL, json=load_fixture("anthropic", "stream_server_tools.response.json"))
        model.generate("hi", tools=tools, config=GenerateConfig(cache_prompt=False))
        return _sent(mock), mock.calls[0].request.headers


def test_web_search_is_the_fetch_and_search_pair_with_options_where_each_takes_them() -> None:
    options = {
        "max_uses": 3,
        "allowed_domains": ["python.org"],
        "user_location": {"type": "approximate", "city": "Paris", "country": "FR"},
        "citations": {"enabled": True},
        "max_content_tokens": 5000,
    }
    body, headers = _request("claude-sonnet-4-5", [web_search({"anthropic": options})])
    assert body["tools"] == [
        {
            "type": "web_fetch_20250910",
            "name": "web_fetch",
            "max_uses": 3,
            "allowed_domains": ["python.org"],
            "citations": {"enabled": True},
            "max_content_tokens": 5000,
        },
        {
            "type": "web_search_20250305",
            "name": "web_search",
            "max_uses": 3,
            "allowed_domains": ["python.org"],
            "user_location": {"type": "approximate", "city": "Paris", "country": "FR"},
        },
    ]
    assert headers["anthropic-beta"] == "web-fetch-2025-09-10"


def test_claude_4_6_gets_the_dynamic_filtering_versions_without_a_beta() -> None:
    body, headers = _request("claude-opus-4-6", [web_search()])
    assert [t["type"] for t in body["tools"]] == ["web_fetch_20260209", "web_search_20260209"]
    assert "anthropic-beta" not in headers


def test_an_explicit_type_picks_the_pair_and_a_wrong_one_is_a_config_error() -> None:
    body, _ = _request(
        "claude-opus-4-6", [web_search({"anthropic": {"type": "web_search_20250305"}})]
    )
    assert [t["type"] for t in body["tools"]] == ["web_fetch_20250910", "web_search_20250305"]
    model = get_model("anthropic/claude-opus-4-6", api_key="sk-ant-test", memoize=False)
    with pytest.raises(ConfigError, match="web_search_2024"):
        model.generate("hi", tools=[web_search({"anthropic": {"type": "web_search_2024"}})])


def test_code_execution_with_a_function_tool_and_both_betas() -> None:
    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: first.
            b: second.
        """
        return a + b

    body, headers = _request("claude-sonnet-4-5", [code_execution(), web_search(), add])
    assert body["tools"][0] == {"type": "code_execution_20250825", "name": "code_execution"}
    assert body["tools"][3]["name"] == "add" and "input_schema" in body["tools"][3]
    assert headers["anthropic-beta"] == "code-execution-2025-08-25,web-fetch-2025-09-10"


def test_providers_that_leave_anthropic_out_are_a_config_error_naming_it() -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    with responses.RequestsMock():  # nothing is sent
        with pytest.raises(ConfigError, match="does not enable 'anthropic'"):
            model.generate("hi", tools=[web_search({"anthropic": False})])
        with pytest.raises(ConfigError, match="tavily"):
            model.generate("hi", tools=[web_search("tavily")])
        with pytest.raises(ConfigError, match="anthropic"):
            model.generate("hi", tools=[code_execution(providers={"anthropic": False})])


def test_streamed_output_equals_generated_and_holds_the_tool_uses_and_citations() -> None:
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    tools = [web_search(), code_execution()]
    with responses.RequestsMock() as mock:
        _, streamed, generated = stream_both_ways(
            model,
            mock,
            URL,
            load_bytes("anthropic", "stream_server_tools.sse"),
            load_fixture("anthropic", "stream_server_tools.response.json"),
            tools=tools,
        )
        assert _sent(mock, 0)["tools"] == _sent(mock, 1)["tools"]
    assert streamed == generated
    content = generated.message.content
    uses = [p for p in content if isinstance(p, ContentToolUse)]
    assert [u.tool_type for u in uses[:3]] == ["web_search", "web_search", "code_execution"]
    assert uses[0].name == "web_search" and json.loads(uses[0].arguments)["query"]
    cited = [c for p in content if isinstance(p, ContentText) for c in p.citations or []]
    assert cited and all(isinstance(c, UrlCitation) for c in cited)


def test_the_server_tool_blocks_go_back_verbatim_in_the_next_request() -> None:
    answer = load_fixture("anthropic", "stream_server_tools.response.json")
    answer["content"] = [b for b in answer["content"] if b["type"] != "tool_use"]
    model = get_model("anthropic/claude-sonnet-4-5", api_key="sk-ant-test", memoize=False)
    tools = [web_search(), code_execution()]
    with responses.RequestsMock() as mock:
        mock.post(URL, json=answer)
        first = model.generate("hi", tools=tools)
        mock.post(URL, json=load_fixture("anthropic", "final_answer.response.json"))
        model.generate(
            [ChatMessageUser(content="hi"), first.message, ChatMessageUser(content="more")],
            tools=tools,
        )
        resent = _sent(mock, 1)["messages"][1]["content"]
    server_types = {
        "server_tool_use",
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
    }
    original = [b for b in answer["content"] if b["type"] in server_types]
    assert [b for b in resent if b["type"] in server_types] == original


def test_forcing_web_search_lets_the_dynamic_search_be_called_directly() -> None:
    model = get_model("anthropic/claude-opus-4-6", api_key="sk-ant-test", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(URL, json=load_fixture("anthropic", "final_answer.response.json"))
        mock.post(URL, json=load_fixture("anthropic", "final_answer.response.json"))
        model.generate("hi", tools=[web_search()], tool_choice=ToolFunction("web_search"))
        given = {"anthropic": {"allowed_callers": ["direct"]}}
        model.generate("hi", tools=[web_search(given)], tool_choice=ToolFunction("web_search"))
        forced, kept = _sent(mock, 0), _sent(mock, 1)
    assert forced["tool_choice"] == {"type": "tool", "name": "web_search"}
    assert forced["tools"][1]["allowed_callers"] == ["direct", "code_execution_20260120"]
    assert kept["tools"][1]["allowed_callers"] == ["direct"]
