"""``ContentDocument`` on the wire of each provider, through its real request builder.

The shapes followed:

- OpenAI, https://platform.openai.com/docs/guides/pdf-files (file inputs):
  Chat Completions takes PDF only, as a ``{"type": "file", "file":
  {"filename", "file_data": "data:application/pdf;base64,..."}}`` part,
  and no file URLs; the Responses API takes any listed type as
  ``{"type": "input_file", "filename", "file_data"}`` or ``{"type":
  "input_file", "file_url"}``.
- Anthropic, https://docs.anthropic.com/en/docs/build-with-claude/pdf-support
  and .../citations: a ``document`` block whose ``source`` is ``base64``
  (``application/pdf``), ``url``, ``text`` (``text/plain``) or ``content``;
  ``title``; ``citations: {"enabled": true}``, which must be on all of a
  request's citable documents or none.
- Gemini, https://ai.google.dev/gemini-api/docs/document-processing: a
  part ``{"inlineData": {"mimeType": "application/pdf", "data"}}``
  (REST camelCase), or ``fileData`` for a URI.
- Bedrock, https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html:
  ``{"document": {"format", "name", "source": {"bytes"}}}``; ``format`` one
  of pdf, csv, doc, docx, xls, xlsx, html, txt, md; ``name`` only
  alphanumerics, single spaces, hyphens, parentheses and square brackets.
- Mistral's chat completions take no documents: a ``ConfigError``.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Dict, List

import pytest
import responses
from wire import expect_post

from modelkit import get_model
from modelkit.config import GenerateConfig
from modelkit.errors import ConfigError
from modelkit.messages import ChatMessage, ChatMessageUser, ContentDocument, ContentText
from modelkit.providers.anthropic.api import request_body as anthropic_body
from modelkit.providers.bedrock._request import converse_body
from modelkit.providers.google._request import request_body as google_body
from modelkit.providers.mistral._messages import messages_to_wire as mistral_messages
from modelkit.providers.openai._request import WireOptions, build_body
from modelkit.providers.openai._responses_request import build_responses_body

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PDF_B64 = base64.b64encode(PDF).decode()
PDF_URI = f"data:application/pdf;base64,{PDF_B64}"


def _ask(*parts: Any) -> List[ChatMessage]:
    return [ChatMessageUser(content=[ContentText(text="Summarise this."), *parts])]


@pytest.fixture
def pdf_file(tmp_path: Path) -> str:
    path = tmp_path / "Q3 report (final).pdf"
    path.write_bytes(PDF)
    return str(path)


# --- OpenAI Chat Completions -------------------------------------------------------


def _chat(messages: List[ChatMessage]) -> Dict[str, Any]:
    body, _ = build_body("gpt-4o", messages, [], "auto", GenerateConfig(), WireOptions())
    return body


def test_openai_chat_sends_a_pdf_file_part(pdf_file: str) -> None:
    body = _chat(_ask(ContentDocument(document=pdf_file)))
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Summarise this."},
                {
                    "type": "file",
                    "file": {"filename": "Q3 report (final).pdf", "file_data": PDF_URI},
                },
            ],
        }
    ]


def test_openai_chat_refuses_other_documents_and_urls() -> None:
    with pytest.raises(ConfigError, match="PDF documents only.*Responses API"):
        _chat(_ask(ContentDocument(document="data:text/plain;base64,aGk=")))
    with pytest.raises(ConfigError, match="cannot fetch a document from a URL"):
        _chat(_ask(ContentDocument(document="https://example.com/a.pdf")))


# --- OpenAI Responses ----------------------------------------------------------------


def _responses(messages: List[ChatMessage]) -> Dict[str, Any]:
    body, _ = build_responses_body(
        "gpt-5", messages, [], "auto", GenerateConfig(), WireOptions(system_role="developer")
    )
    return body


def test_openai_responses_sends_input_file_data_and_urls(pdf_file: str) -> None:
    body = _responses(
        _ask(
            ContentDocument(document=pdf_file),
            ContentDocument(document="data:text/csv;base64,YSxiCjEsMgo=", filename="t.csv"),
            ContentDocument(document="https://example.com/letters/2024ltr.pdf"),
        )
    )
    assert body["input"][0]["content"] == [
        {"type": "input_text", "text": "Summarise this."},
        {"type": "input_file", "filename": "Q3 report (final).pdf", "file_data": PDF_URI},
        {
            "type": "input_file",
            "filename": "t.csv",
            "file_data": "data:text/csv;base64,YSxiCjEsMgo=",
        },
        {"type": "input_file", "file_url": "https://example.com/letters/2024ltr.pdf"},
    ]


# --- Anthropic -----------------------------------------------------------------------


def _anthropic(messages: List[ChatMessage]) -> Dict[str, Any]:
    return anthropic_body("claude-sonnet-4-5", messages, [], "auto", GenerateConfig())


def test_anthropic_sends_document_blocks_of_each_source(pdf_file: str) -> None:
    body = _anthropic(
        _ask(
            ContentDocument(document=pdf_file),
            ContentDocument(document="https://example.com/paper.pdf"),
            ContentDocument(
                document="data:text/plain;base64," + base64.b64encode(b"caf\xc3\xa9").decode()
            ),
        )
    )
    blocks = body["messages"][0]["content"]
    assert blocks[1] == {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": PDF_B64},
        "title": "Q3 report (final).pdf",
    }
    assert blocks[2] == {
        "type": "document",
        "source": {"type": "url", "url": "https://example.com/paper.pdf"},
        "title": "paper.pdf",
    }
    assert blocks[3] == {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "café"},
        "title": "document.plain",
    }


def test_anthropic_citations_go_on_every_citable_document_once_one_asks() -> None:
    png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    body = _anthropic(
        _ask(
            ContentDocument(document=PDF_URI, citations=True),
            ContentDocument(document="data:text/plain;base64,aGk="),
            ContentDocument(document=png),
        )
    )
    pdf, text, image = body["messages"][0]["content"][1:]
    assert pdf["citations"] == text["citations"] == {"enabled": True}
    assert "citations" not in image  # image documents cannot cite
    assert image["source"]["type"] == "content"
    plain = _anthropic(_ask(ContentDocument(document=PDF_URI)))
    assert "citations" not in plain["messages"][0]["content"][1]


def test_anthropic_refuses_document_types_it_cannot_read() -> None:
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    with pytest.raises(ConfigError, match="reads PDF, plain-text and image documents"):
        _anthropic(_ask(ContentDocument(document=f"data:{docx};base64,UEsDBA==")))
    with pytest.raises(ConfigError, match="not UTF-8"):
        _anthropic(_ask(ContentDocument(document="data:text/plain;base64,/w==")))


def test_anthropic_document_goes_through_generate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    model = get_model("anthropic/claude-sonnet-4-5")
    answer = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "A short report."}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 4},
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        expect_post(mock, "https://api.anthropic.com/v1/messages", response=answer)
        output = model.generate(_ask(ContentDocument(document=PDF_URI)))
        sent = mock.calls[0].request.body
    assert output.completion == "A short report."
    assert PDF_B64 in (sent.decode() if isinstance(sent, bytes) else str(sent))


# --- Gemini --------------------------------------------------------------------------


def test_google_sends_documents_inline_or_by_uri(pdf_file: str) -> None:
    body = google_body(
        _ask(
            ContentDocument(document=pdf_file),
            ContentDocument(document="https://example.com/paper.pdf"),
        ),
        [],
        "auto",
        GenerateConfig(),
        "gemini-2.5-flash",
    )
    assert body["contents"][0]["parts"] == [
        {"text": "Summarise this."},
        {"inlineData": {"mimeType": "application/pdf", "data": PDF_B64}},
        {"fileData": {"fileUri": "https://example.com/paper.pdf", "mimeType": "application/pdf"}},
    ]


# --- Bedrock -------------------------------------------------------------------------


def test_bedrock_sends_a_document_block_with_a_valid_name(pdf_file: str) -> None:
    body = converse_body(
        _ask(
            ContentDocument(document=pdf_file),
            ContentDocument(document="data:text/markdown;base64,IyBoaQ==", filename="read_me!!.md"),
        ),
        [],
        "auto",
        GenerateConfig(),
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
    )
    blocks = body["messages"][0]["content"]
    assert blocks[1] == {
        "document": {"format": "pdf", "name": "Q3 report (final)", "source": {"bytes": PDF_B64}}
    }
    assert blocks[2] == {
        "document": {"format": "md", "name": "read-me--", "source": {"bytes": "IyBoaQ=="}}
    }


def test_bedrock_refuses_formats_converse_does_not_list() -> None:
    with pytest.raises(ConfigError, match="Converse takes"):
        converse_body(
            _ask(ContentDocument(document="data:application/zip;base64,UEsDBA==")),
            [],
            "auto",
            GenerateConfig(),
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
        )


# --- Mistral -------------------------------------------------------------------------


def test_mistral_refuses_documents_saying_where_to_send_them() -> None:
    with pytest.raises(ConfigError, match="does not accept document content"):
        mistral_messages(_ask(ContentDocument(document=PDF_URI)))


def test_a_tool_result_document_goes_in_the_tool_result_block() -> None:
    from modelkit.messages import ChatMessageAssistant, ChatMessageTool
    from modelkit.tools import ToolCall

    messages: List[ChatMessage] = [
        ChatMessageUser(content="Get the report."),
        ChatMessageAssistant(
            content="", tool_calls=[ToolCall(id="toolu_1", function="fetch", arguments={})]
        ),
        ChatMessageTool(
            content=[ContentDocument(document=PDF_URI, filename="report.pdf")],
            tool_call_id="toolu_1",
            function="fetch",
        ),
    ]
    body = _anthropic(messages)
    assert body["messages"][2]["content"] == [
        {
            "type": "tool_result",
            "tool_use_id": "toolu_1",
            "content": [
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": PDF_B64},
                    "title": "report.pdf",
                }
            ],
        }
    ]
