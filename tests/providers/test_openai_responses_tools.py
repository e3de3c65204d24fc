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

from openai_server_items import CITATION, CODE, MESSAGE, REASONING, SEARCH, response_body

from modelkit.config import GenerateConfig
from modelkit.messages import ChatMessageUser, ContentReasoning, ContentText, ContentToolUse
from modelkit.providers.openai._request import WireOptions
from modelkit.providers.openai._responses_request import build_responses_body
from modelkit.providers.openai._responses_response import parse_responses_body

BODY = response_body(REASONING, SEARCH, MESSAGE, model="gpt-5-2025-08-07")


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
    assert text.citations == [CITATION]


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
    body = dict(BODY, output=[CODE, MESSAGE])
    output = parse_responses_body(body, "gpt-5")
    part = output.message.content[0]  # type: ignore[index]
    assert isinstance(part, ContentToolUse)
    assert (part.tool_type, part.arguments, part.result) == (
        "code_execution",
        "print(2 ** 10)",
        "1024\n",
    )
    sent = _resend(output.message)
    assert sent == [
        {
            "role": "assistant",
            "content": "code_interpreter: print(2 ** 10)\n\n1024\n\n"
            + MESSAGE["content"][0]["text"],
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
