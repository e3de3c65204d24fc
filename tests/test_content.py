"""Documents, provider data, server tool use, citations and stop details as values.

Written the way an Inspect user writes them (inspect-ai 0.3.285:
``inspect_ai._util.content``, ``inspect_ai._util.citation``,
``inspect_ai.model._model_output``): keyword construction, the same
defaults, ``ContentDocument``'s file name and type worked out from the
document. Each new type round-trips through ``to_dict``/``from_dict`` and
pickle, passes the well-formedness check every parsed output passes, and
comes back from the response cache equal.
"""

from __future__ import annotations

import pickle
from typing import Any, List

import pytest

from modelkit import (
    CachePolicy,
    ChatCompletionChoice,
    ChatMessageAssistant,
    ChatMessageUser,
    Citation,
    CitationBase,
    ContentCitation,
    ContentData,
    ContentDocument,
    ContentText,
    ContentToolUse,
    DocumentCitation,
    DocumentRange,
    ModelOutput,
    StopCategory,
    StopDetails,
    UrlCitation,
    get_model,
)
from modelkit._wellformed import check_output
from modelkit.errors import ConfigError
from modelkit.messages import content_from_dict, message_from_dict


def _citations() -> List[Citation]:
    return [
        UrlCitation(url="https://example.com/a", title="A", cited_text=(0, 5)),
        DocumentCitation(
            cited_text="the cited words",
            title="report.pdf",
            range=DocumentRange(type="page", start_index=0, end_index=1),
            internal={"document_index": 0},
        ),
        ContentCitation(cited_text="x", title="search result"),
    ]


def _rich_output(refused: bool = True) -> ModelOutput:
    parts: List[Any] = [
        ContentToolUse(
            tool_type="web_search",
            id="srvtoolu_1",
            name="web_search",
            arguments='{"query": "q"}',
            result="[]",
            internal={"anthropic": [{"type": "server_tool_use", "id": "srvtoolu_1"}]},
        ),
        ContentText(text="Hello there", citations=_citations()),
        ContentData(data={"type": "container_upload", "file_id": "file_1"}, internal="anthropic"),
    ]
    details = StopDetails(
        type="refusal",
        category="cyber",
        explanation="declined",
        categories=[StopCategory(category="cyber", level="high")],
    )
    if not refused:
        return ModelOutput.from_content("m", parts)
    return ModelOutput.from_content("m", parts, stop_reason="content_filter", stop_details=details)


def test_document_name_and_type_come_from_the_document_as_in_inspect() -> None:
    pdf = ContentDocument(document="/tmp/reports/q3.pdf")
    assert (pdf.filename, pdf.mime_type) == ("q3.pdf", "application/pdf")
    inline = ContentDocument(document="data:application/pdf;base64,JVBERi0=")
    assert (inline.filename, inline.mime_type) == ("document.pdf", "application/pdf")
    text = ContentDocument(document="notes.txt")
    assert (text.filename, text.mime_type) == ("notes.txt", "text/plain")
    unknown = ContentDocument(document="data:;base64,AA")
    assert (unknown.filename, unknown.mime_type) == (
        "document.octet-stream",
        "application/octet-stream",
    )
    given = ContentDocument(document="x.bin", filename="y.pdf", mime_type="application/pdf")
    assert (given.filename, given.mime_type) == ("y.pdf", "application/pdf")
    # A URL's query is not part of its file name (Inspect keeps it: "paper.pdf?x=1").
    url = ContentDocument(document="https://example.com/files/paper.pdf?x=1")
    assert (url.filename, url.mime_type) == ("paper.pdf", "application/pdf")
    assert pdf.type == "document" and pdf.citations is False


def test_tool_use_and_data_fields_are_inspects() -> None:
    use = ContentToolUse(
        tool_type="mcp_call", id="1", name="search", context="srv", arguments="{}", result="ok"
    )
    assert (use.type, use.error, use.internal) == ("tool_use", None, None)
    assert ContentData(data={"k": 1}).type == "data"
    assert isinstance(UrlCitation(url="u"), CitationBase)
    assert UrlCitation(url="u").type == "url"
    assert DocumentCitation().type == "document" and ContentCitation().type == "content"


@pytest.mark.parametrize(
    "part",
    [
        ContentDocument(document="data:application/pdf;base64,JVBERi0=", citations=True),
        ContentData(data={"a": [1, 2]}, internal={"k": "v"}),
        ContentToolUse(
            tool_type="code_execution",
            id="c1",
            name="code_execution",
            arguments="{}",
            result='{"stdout": "4"}',
            error="unavailable",
        ),
        ContentText(text="cited", citations=_citations()),
    ],
    ids=["document", "data", "tool_use", "text_citations"],
)
def test_each_new_part_round_trips_and_pickles(part: Any) -> None:
    data = part.to_dict()
    assert content_from_dict(data) == part
    assert pickle.loads(pickle.dumps(part)) == part
    message = ChatMessageUser(content=[part])
    assert message_from_dict(message.to_dict()) == message


def test_cited_text_range_comes_back_as_a_tuple() -> None:
    citation = UrlCitation(url="u", cited_text=(3, 9))
    data = citation.to_dict()
    assert data["cited_text"] == [3, 9]
    assert UrlCitation.from_dict(data).cited_text == (3, 9)


def test_unknown_citation_type_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown citation type"):
        content_from_dict({"type": "text", "text": "x", "citations": [{"type": "book"}]})


def test_output_with_everything_round_trips_pickles_and_is_wellformed() -> None:
    output = _rich_output()
    check_output(output)
    assert ModelOutput.from_dict(output.to_dict()) == output
    assert pickle.loads(pickle.dumps(output)) == output
    assert output.choices[0].stop_details is not None
    assert output.choices[0].stop_details.categories[0].level == "high"


@pytest.mark.parametrize(
    "break_it, where",
    [
        (lambda o: setattr(o.choices[0].message.content[1].citations[0], "cited_text", 5), "cited"),
        (
            lambda o: setattr(o.choices[0].message.content[1].citations[0], "cited_text", (1, "a")),
            "cited",
        ),
        (lambda o: setattr(o.choices[0].message.content[0], "tool_type", "shell"), "tool_type"),
        (lambda o: setattr(o.choices[0].stop_details, "categories", ["cyber"]), "categories"),
        (lambda o: setattr(o.choices[0].message.content[2], "data", [1]), "data"),
    ],
)
def test_malformed_new_fields_fail_the_wellformed_check(break_it: Any, where: str) -> None:
    output = _rich_output()
    break_it(output)
    with pytest.raises(ValueError, match=where):
        check_output(output)


def test_from_content_takes_parts_and_stop_details_as_inspect() -> None:
    details = StopDetails(type="refusal", explanation="no")
    output = ModelOutput.from_content("m", "no", stop_reason="content_filter", stop_details=details)
    assert output.choices[0].stop_details == details
    assert output.completion == "no"
    assert details.categories == [] and details.category is None
    listed = ModelOutput.from_content("m", [ContentText(text="a"), ContentText(text="b")])
    assert listed.completion == "a\nb"
    assert ChatCompletionChoice(message=ChatMessageAssistant(content="x")).stop_details is None


def test_new_parts_come_back_from_the_cache_equal() -> None:
    answers = [_rich_output(refused=False)]  # refusals are never cached
    model = get_model("mockllm/model", custom_outputs=answers)
    document = ContentDocument(document="data:application/pdf;base64,JVBERi0=")
    prompt = [ChatMessageUser(content=[ContentText(text="read this"), document])]
    first = model.generate(prompt, cache=CachePolicy(expiry=None))
    second = model.generate(prompt, cache=CachePolicy(expiry=None))  # the script is spent
    assert second.cached is True
    assert second.choices == first.choices
    assert second.choices[0].message.content[1].citations == _citations()


def test_model_dump_json_writes_what_inspect_writes() -> None:
    # Expected strings: inspect-ai 0.3.285's model_dump_json() of the same values.
    text = ContentText(text="hi", citations=[UrlCitation(url="u", cited_text=(1, 2), title="T")])
    assert text.model_dump_json() == (
        '{"internal":null,"type":"text","text":"hi","refusal":null,"citations":[{"cited_text":'
        '[1,2],"title":"T","internal":null,"type":"url","url":"u"}],"cache_breakpoint":null}'
    )
    use = ContentToolUse(tool_type="web_search", id="1", name="n", arguments="{}", result="r")
    assert use.model_dump_json() == (
        '{"internal":null,"type":"tool_use","tool_type":"web_search","id":"1","name":"n",'
        '"context":null,"arguments":"{}","result":"r","error":null}'
    )
    document = ContentDocument(document="data:application/pdf;base64,AA")
    assert document.model_dump_json() == (
        '{"internal":null,"type":"document","document":"data:application/pdf;base64,AA",'
        '"filename":"document.pdf","mime_type":"application/pdf","citations":false}'
    )
    assert ContentData(data={"a": 1}).model_dump_json() == (
        '{"internal":null,"type":"data","data":{"a":1}}'
    )
    details = StopDetails(type="refusal", categories=[StopCategory(category="c")])
    assert details.model_dump_json() == (
        '{"type":"refusal","category":null,"explanation":null,'
        '"categories":[{"category":"c","level":null}]}'
    )
    cited = DocumentCitation(range=DocumentRange(type="page", start_index=0, end_index=1))
    assert cited.model_dump_json() == (
        '{"cited_text":null,"title":null,"internal":null,"type":"document",'
        '"range":{"type":"page","start_index":0,"end_index":1}}'
    )
    assert ContentText.model_validate(text.model_dump()) == text
