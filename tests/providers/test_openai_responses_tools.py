"""OpenAI Responses server-side tool items: ``ContentToolUse`` parts, sent back where they were.

Shapes from https://platform.openai.com/docs/guides/tools-web-search
(the ``web_search_call`` item with ``action: {type: "search", query}``
followed by a ``message`` whose ``output_text`` has ``url_citation``
annotations), https://platform.openai.com/docs/guides/tools-remote-mcp
(``mcp_list_tools``, ``mcp_call``), https://platform.openai.com/docs/guides/tools-code-interpreter
(``code_interpreter_call`` with ``logs`` outputs) and openai-python
``types/responses/response_output_item.py``. The request side is checked
through the real request builder (``build_responses_body``).
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List

from modelkit import UrlCitation
from modelkit.config import GenerateConfig
from modelkit.messages import ChatMessageUser, ContentReasoning, ContentText, ContentToolUse
from modelkit.providers.openai._request import WireOptions
from modelkit.providers.openai._responses_request import build_responses_body
from modelkit.providers.openai._responses_response import parse_responses_body

SEARCH = {
    "type": "web_search_call",
    "id": "ws_67c9fa0502748190b7dd390736892e100be649c1a5ff9609",
    "status": "completed",
    "action": {"type": "search", "query": "positive news story today"},
}
REASONING = {
    "type": "reasoning",
    "id": "rs_67c9fa04f9f08190a2e8d5b6c1f1d5b20be649c1a5ff9609",
    "summary": [],
    "encrypted_content": "gAAAAABoXr7n...",
}
MESSAGE = {
    "type": "message",
    "id": "msg_67c9fa077e288190af08fdffda2e34f20be649c1a5ff9609",
    "status": "completed",
    "role": "assistant",
    "content": [
        {
            "type": "output_text",
            "text": "On March 6, 2025, several news outlets reported good news.",
            "annotations": [
                {
                    "type": "url_citation",
                    "start_index": 0,
                    "end_index": 14,
                    "url": "https://www.example.com/good-news",
                    "title": "Good news of the day",
                }
            ],
        }
    ],
}
BODY: Dict[str, Any] = {
    "id": "resp_67c9fa0502748190b7dd390736892e100be649c1a5ff9609",
    "object": "response",
    "status": "completed",
    "model": "gpt-5-2025-08-07",
    "output": [REASONING, SEARCH, MESSAGE],
    "usage": {"input_tokens": 328, "output_tokens": 52, "total_tokens": 380},
}


def _resend(message: Any) -> List[Dict[str, Any]]:
    body, _ = build_responses_body(
        "gpt-5",
        [ChatMessageUser(content="Any good news today?"), message],
        [],
        "auto",
        GenerateConfig(),
        WireOptions(system_role="developer"),
    )
    items: List[Dict[str, Any]] = body["input"][1:]
    return items


def test_web_search_call_is_a_tool_use_part_between_reasoning_and_text() -> None:
    output = parse_responses_body(copy.deepcopy(BODY), "gpt-5")
    parts = output.message.content
    assert isinstance(parts, list)
    reasoning, search, text = parts
    assert isinstance(reasoning, ContentReasoning)
    assert search == ContentToolUse(
        tool_type="web_search",
        id=SEARCH["id"],
        name="search",
        arguments=json.dumps(SEARCH["action"]),
        result="",
        internal={"openai": SEARCH},
    )
    assert isinstance(text, ContentText)
    assert text.citations == [
        UrlCitation(
            url="https://www.example.com/good-news",
            title="Good news of the day",
            cited_text=(0, 14),
        )
    ]


def test_the_search_item_goes_back_after_its_reasoning() -> None:
    output = parse_responses_body(copy.deepcopy(BODY), "gpt-5")
    assert _resend(output.message) == [
        {
            "type": "reasoning",
            "id": REASONING["id"],
            "summary": [],
            "encrypted_content": REASONING["encrypted_content"],
        },
        SEARCH,
        {"role": "assistant", "content": MESSAGE["content"][0]["text"]},
    ]


def test_failed_search_and_mcp_calls() -> None:
    failed = dict(SEARCH, status="failed")
    mcp_tools = {
        "type": "mcp_list_tools",
        "id": "mcpl_682d4379df088191886b70f4ec39f90403937d5f622d7a90",
        "server_label": "deepwiki",
        "tools": [{"name": "ask_question", "input_schema": {"type": "object"}}],
    }
    mcp_call = {
        "type": "mcp_call",
        "id": "mcp_682d437d90a88191bf88cd03aae0c3e503937d5f622d7a90",
        "approval_request_id": None,
        "arguments": '{"repoName":"modelcontextprotocol/modelcontextprotocol"}',
        "error": {"type": "mcp_tool_execution_error", "content": "repository not found"},
        "name": "ask_question",
        "output": None,
        "server_label": "deepwiki",
    }
    body = dict(BODY, output=[failed, mcp_tools, mcp_call])
    search, listed, called = parse_responses_body(body, "gpt-5").message.content  # type: ignore[misc]
    assert isinstance(search, ContentToolUse) and search.error == "failed"
    assert isinstance(listed, ContentToolUse)
    assert (listed.tool_type, listed.name, listed.context) == (
        "mcp_call",
        "mcp_list_tools",
        "deepwiki",
    )
    assert json.loads(listed.result) == mcp_tools["tools"]
    assert isinstance(called, ContentToolUse)
    assert (called.name, called.arguments, called.error) == (
        "ask_question",
        mcp_call["arguments"],
        "repository not found",
    )


def test_code_interpreter_goes_back_as_text() -> None:
    code = {
        "type": "code_interpreter_call",
        "id": "ci_6820f383d7c08191",
        "code": "print(2 + 2)",
        "container_id": "cntr_6820f38",
        "outputs": [{"type": "logs", "logs": "4\n"}],
        "status": "completed",
    }
    body = dict(BODY, output=[code, MESSAGE])
    output = parse_responses_body(body, "gpt-5")
    part = output.message.content[0]  # type: ignore[index]
    assert isinstance(part, ContentToolUse)
    assert (part.tool_type, part.arguments, part.result) == (
        "code_execution",
        "print(2 + 2)",
        "4\n",
    )
    sent = _resend(output.message)
    assert sent == [
        {
            "role": "assistant",
            "content": "code_interpreter: print(2 + 2)\n\n4\n\n" + MESSAGE["content"][0]["text"],
        }
    ]


def test_other_providers_tool_use_is_not_sent() -> None:
    from modelkit.messages import ChatMessageAssistant

    foreign = ChatMessageAssistant(
        content=[
            ContentToolUse(
                tool_type="web_search",
                id="srvtoolu_1",
                name="web_search",
                arguments="{}",
                result="[]",
                internal={"anthropic": [{"type": "server_tool_use"}]},
            ),
            ContentText(text="Done."),
        ]
    )
    assert _resend(foreign) == [{"role": "assistant", "content": "Done."}]
