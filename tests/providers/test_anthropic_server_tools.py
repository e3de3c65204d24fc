"""Anthropic server-tool blocks and citations: parsed as Inspect maps them, sent back as they came.

Shapes from https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool
(the response example: ``server_tool_use``, ``web_search_tool_result`` with
``web_search_result`` items, text blocks with ``web_search_result_location``
citations; the ``web_search_tool_result_error`` object and its
``error_code``), .../code-execution-tool (``code_execution_tool_result``
holding a ``code_execution_result``), .../mcp-connector (``mcp_tool_use``
with ``server_name``, ``mcp_tool_result`` with ``is_error``),
https://docs.anthropic.com/en/docs/build-with-claude/citations
(``char_location``, ``page_location``, ``content_block_location``), the
``pause_turn`` stop reason, and anthropic-sdk-python ``types/``
(``ServerToolUseBlock``, ``ContainerUploadBlock``). The docs say these
blocks go back unchanged in the assistant turn; the round trip is checked
through the real request builder.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List

from modelkit import DocumentCitation, UrlCitation
from modelkit.config import GenerateConfig
from modelkit.messages import ChatMessageUser, ContentData, ContentText, ContentToolUse
from modelkit.providers.anthropic.api import parse_message, request_body

SEARCH_ID = "srvtoolu_01Ab3Cd4Ef5Gh6"
RESULTS = [
    {
        "type": "web_search_result",
        "url": "https://en.wikipedia.org/wiki/Ada_Lovelace",
        "title": "Ada Lovelace - Wikipedia",
        "encrypted_content": "EqwBCioIARgBIiQ3Zm...",
        "page_age": "December 10, 2024",
    }
]
CITATION = {
    "type": "web_search_result_location",
    "url": "https://en.wikipedia.org/wiki/Ada_Lovelace",
    "title": "Ada Lovelace - Wikipedia",
    "encrypted_index": "Eo8BCioIAhgBIiQy...",
    "cited_text": "Augusta Ada King, Countess of Lovelace (10 December 1815 - 27 November 1852)",
}
SEARCH_RESPONSE: Dict[str, Any] = {
    "id": "msg_01Search",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [
        {"type": "text", "text": "I'll look that up."},
        {
            "type": "server_tool_use",
            "id": SEARCH_ID,
            "name": "web_search",
            "input": {"query": "ada lovelace birth date"},
        },
        {"type": "web_search_tool_result", "tool_use_id": SEARCH_ID, "content": RESULTS},
        {"type": "text", "text": "From the results, "},
        {
            "type": "text",
            "text": "Ada Lovelace was born on 10 December 1815.",
            "citations": [CITATION],
        },
    ],
    "stop_reason": "end_turn",
    "usage": {
        "input_tokens": 5210,
        "output_tokens": 420,
        "server_tool_use": {"web_search_requests": 1},
    },
}


def _resend(output_message: Any) -> List[Dict[str, Any]]:
    """The assistant turn's blocks as ``request_body`` sends them back."""
    messages = [
        ChatMessageUser(content="When was Ada Lovelace born?"),
        output_message,
        ChatMessageUser(content="Thanks. And when did she die?"),
    ]
    body = request_body("claude-sonnet-4-5", messages, [], "auto", GenerateConfig())
    blocks: List[Dict[str, Any]] = body["messages"][1]["content"]
    return blocks


def test_web_search_becomes_a_tool_use_part_and_cited_text() -> None:
    output = parse_message(copy.deepcopy(SEARCH_RESPONSE))
    parts = output.message.content
    assert isinstance(parts, list)
    assert [type(p).__name__ for p in parts] == [
        "ContentText",
        "ContentToolUse",
        "ContentText",
        "ContentText",
    ]
    use = parts[1]
    assert isinstance(use, ContentToolUse)
    assert (use.tool_type, use.id, use.name, use.error) == (
        "web_search",
        SEARCH_ID,
        "web_search",
        None,
    )
    assert json.loads(use.arguments) == {"query": "ada lovelace birth date"}
    assert json.loads(use.result) == RESULTS  # the result block's content, as Inspect
    cited = parts[3]
    assert isinstance(cited, ContentText)
    assert cited.citations == [
        UrlCitation(
            url=CITATION["url"],
            title=CITATION["title"],
            cited_text=CITATION["cited_text"],
            internal={"encrypted_index": CITATION["encrypted_index"]},
        )
    ]
    assert output.completion == (
        "I'll look that up.\nFrom the results, \nAda Lovelace was born on 10 December 1815."
    )


def test_web_search_turn_goes_back_exactly_as_it_came() -> None:
    output = parse_message(copy.deepcopy(SEARCH_RESPONSE))
    assert _resend(output.message) == SEARCH_RESPONSE["content"]
    # ... also after a trip through the cache's JSON form
    again = type(output).from_dict(json.loads(json.dumps(output.to_dict())))
    assert _resend(again.message) == SEARCH_RESPONSE["content"]


def test_search_error_sets_error_code() -> None:
    body = copy.deepcopy(SEARCH_RESPONSE)
    error = {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"}
    body["content"][2]["content"] = error
    use = parse_message(body).message.content[1]
    assert isinstance(use, ContentToolUse)
    assert use.error == "max_uses_exceeded" and json.loads(use.result) == error


def test_code_execution_result_is_the_whole_block() -> None:
    result_block = {
        "type": "code_execution_tool_result",
        "tool_use_id": "srvtoolu_code1",
        "content": {
            "type": "code_execution_result",
            "stdout": "4\n",
            "stderr": "",
            "return_code": 0,
            "content": [],
        },
    }
    body = {
        "model": "claude-sonnet-4-5",
        "content": [
            {
                "type": "server_tool_use",
                "id": "srvtoolu_code1",
                "name": "code_execution",
                "input": {"code": "print(2 + 2)"},
            },
            result_block,
            {"type": "text", "text": "It prints 4."},
        ],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    output = parse_message(copy.deepcopy(body))
    use = output.message.content[0]
    assert isinstance(use, ContentToolUse)
    assert (use.tool_type, use.name) == ("code_execution", "code_execution")
    assert json.loads(use.result) == result_block
    assert _resend(output.message) == body["content"]


def test_mcp_call_pairs_use_and_result() -> None:
    body = {
        "model": "claude-sonnet-4-5",
        "content": [
            {
                "type": "mcp_tool_use",
                "id": "mcptoolu_1",
                "name": "echo",
                "server_name": "example-mcp",
                "input": {"param1": "value1"},
            },
            {
                "type": "mcp_tool_result",
                "tool_use_id": "mcptoolu_1",
                "is_error": False,
                "content": [{"type": "text", "text": "Hello"}],
            },
        ],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    output = parse_message(copy.deepcopy(body))
    use = output.message.content[0]
    assert isinstance(use, ContentToolUse)
    assert (use.tool_type, use.name, use.context, use.error) == (
        "mcp_call",
        "echo",
        "example-mcp",
        None,
    )
    assert json.loads(use.result) == [{"type": "text", "text": "Hello"}]
    assert _resend(output.message) == body["content"]


def test_paused_turn_keeps_the_unanswered_use_to_continue() -> None:
    body = copy.deepcopy(SEARCH_RESPONSE)
    body["content"] = body["content"][:2]
    body["stop_reason"] = "pause_turn"
    output = parse_message(body)
    assert output.stop_reason == "unknown"
    use = output.message.content[1]
    assert isinstance(use, ContentToolUse) and use.result == ""
    assert _resend(output.message) == SEARCH_RESPONSE["content"][:2]


def test_result_of_an_earlier_turns_use_is_a_part_of_its_own() -> None:
    body = copy.deepcopy(SEARCH_RESPONSE)
    body["content"] = body["content"][2:]
    output = parse_message(body)
    part = output.message.content[0]
    assert isinstance(part, ContentToolUse)
    assert (part.id, part.name, part.tool_type) == (SEARCH_ID, "web_search", "web_search")
    assert _resend(output.message) == body["content"]


def test_blocks_without_a_type_here_are_kept_and_sent_back() -> None:
    upload = {"type": "container_upload", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}
    body = {
        "model": "claude-sonnet-4-5",
        "content": [upload, {"type": "text", "text": "Uploaded."}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    output = parse_message(copy.deepcopy(body))
    assert output.message.content[0] == ContentData(data=upload, internal="anthropic")
    assert _resend(output.message) == body["content"]


def test_other_providers_tool_use_is_not_sent_to_anthropic() -> None:
    from modelkit.messages import ChatMessageAssistant

    foreign = ChatMessageAssistant(
        content=[
            ContentToolUse(
                tool_type="web_search", id="ws_1", name="web_search", arguments="{}", result="[]"
            ),
            ContentData(data={"type": "other"}),
            ContentText(text="Found it."),
        ]
    )
    assert _resend(foreign) == [{"type": "text", "text": "Found it."}]


def test_document_citations_of_each_kind_round_trip() -> None:
    char = {
        "type": "char_location",
        "cited_text": "The grass is green.",
        "document_index": 0,
        "document_title": "Example Document",
        "start_char_index": 0,
        "end_char_index": 20,
    }
    page = {
        "type": "page_location",
        "cited_text": "Revenue grew 12%.",
        "document_index": 1,
        "document_title": "report.pdf",
        "start_page_number": 3,
        "end_page_number": 4,
    }
    block = {
        "type": "content_block_location",
        "cited_text": "First chunk.",
        "document_index": 2,
        "document_title": None,
        "start_block_index": 0,
        "end_block_index": 1,
    }
    body = {
        "model": "claude-sonnet-4-5",
        "content": [
            {"type": "text", "text": "According to the documents, "},
            {"type": "text", "text": "the grass is green", "citations": [char, page, block]},
        ],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    output = parse_message(copy.deepcopy(body))
    cited = output.message.content[1]
    assert isinstance(cited, ContentText) and cited.citations is not None
    first, second, third = cited.citations
    assert isinstance(first, DocumentCitation) and first.range is not None
    assert (first.range.type, first.range.start_index, first.range.end_index) == ("char", 0, 20)
    assert first.title == "Example Document" and first.internal == {"document_index": 0}
    assert isinstance(second, DocumentCitation) and second.range is not None
    # pages are 1-based on the wire, 0-based in the range (as Inspect)
    assert (second.range.type, second.range.start_index, second.range.end_index) == ("page", 2, 3)
    assert isinstance(third, DocumentCitation) and third.range is not None
    assert third.range.type == "block"
    assert _resend(output.message) == body["content"]
