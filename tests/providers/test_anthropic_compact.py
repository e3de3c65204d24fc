"""Anthropic's native compaction through ``Model.compact`` (the Messages API's beta).

Per https://platform.claude.com/docs/en/build-with-claude/compaction: the
``anthropic-beta: compact-2026-01-12`` header and ``context_management:
{"edits": [{"type": "compact_20260112", "trigger": {"type": "input_tokens",
"value": N}, "pause_after_compaction": true, "instructions": ...}]}`` with
``N`` at least 50,000; the answer holds a ``compaction`` block (``content``,
``encrypted_content``; the anthropic-sdk-python types ``BetaCompactionBlock``
and ``BetaCompactionBlockParam``: "round-trip these blocks ... to subsequent
requests") and stops with ``stop_reason: "compaction"``. As Inspect 0.3.285
does: the block is kept as ``ContentData`` (``compaction_metadata`` of type
``anthropic_compact``), the new messages are the block's message and "Please
continue working.", no block or a ``null`` summary is ``NotImplementedError``
(so ``CompactionAuto`` summarises), and a history holding a block is sent with
the beta and a compaction edit whose trigger it never reaches (Inspect's
``_add_edit_compaction``: 990,000 for its "frontier" models, Claude 4.6 and
later, or with the ``context-1m-2025-08-07`` beta; 190,000 otherwise).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
import responses

from modelkit import (
    ChatMessageAssistant,
    ChatMessageUser,
    CompactionAuto,
    ContentData,
    ContentReasoning,
    ContentText,
    get_model,
)

URL = "https://api.anthropic.com/v1/messages"
KEY = "sk-ant-test-compact"
SUMMARY = "The user asked for a website; a landing page and a contact form were built."
OPAQUE = "EpwBCioIDxgCEAEYASJALd_opaque_compaction_payload"


def conversation() -> List[Any]:
    return [
        ChatMessageUser(content="Help me build a website."),
        ChatMessageAssistant(content="Here is the landing page ..."),
        ChatMessageUser(content="Now a contact form."),
    ]


def message(content: List[Dict[str, Any]], stop_reason: str = "compaction") -> Dict[str, Any]:
    return {
        "id": "msg_01Compaction",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 52000,
            "output_tokens": 800,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


COMPACTED = message(
    [
        {"type": "thinking", "thinking": "Summarise it.", "signature": "sig"},
        {"type": "compaction", "content": SUMMARY, "encrypted_content": OPAQUE},
    ]
)


def model() -> Any:
    return get_model("anthropic/claude-sonnet-4-6", api_key=KEY, memoize=False)


def test_compact_sends_the_edit_and_keeps_the_block() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=COMPACTED)
        messages, usage = model().compact(conversation(), instructions="Keep file names.")
        request = mock.calls[0].request
    assert request.headers["anthropic-beta"] == "compact-2026-01-12"
    body = json.loads(request.body)
    assert body["context_management"] == {
        "edits": [
            {
                "type": "compact_20260112",
                "trigger": {"type": "input_tokens", "value": 50000},
                "pause_after_compaction": True,
                "instructions": "Keep file names.",
            }
        ]
    }
    assert [m.role for m in messages] == ["assistant", "user"]
    assert messages[0].content == [  # the compaction inference's reasoning is dropped
        ContentData(
            data={
                "compaction_metadata": {
                    "type": "anthropic_compact",
                    "content": SUMMARY,
                    "encrypted_content": OPAQUE,
                }
            }
        )
    ]
    assert messages[1].text == "Please continue working."
    assert usage is not None and usage.input_tokens == 52000


@pytest.mark.parametrize(
    ("name", "betas", "trigger"),
    [
        ("claude-sonnet-4-6", [], 990_000),  # a 1M window of its own (Inspect's "frontier")
        ("claude-opus-4-7", [], 990_000),
        ("claude-sonnet-4-5", [], 190_000),  # 200k: above the API's 150k default
        ("claude-sonnet-4-5", ["context-1m-2025-08-07"], 990_000),
    ],
)
def test_a_history_with_the_block_sends_it_back_with_the_beta(
    name: str, betas: List[str], trigger: int
) -> None:
    answer = message([{"type": "text", "text": "Form done."}], stop_reason="end_turn")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=COMPACTED)
        mock.post(URL, json=answer)
        m = get_model(f"anthropic/{name}", api_key=KEY, betas=betas, memoize=False)
        compacted, _ = m.compact(conversation())
        output = m.generate([*compacted, ChatMessageUser(content="Add validation.")])
        request = mock.calls[1].request
    assert output.completion == "Form done."
    assert request.headers["anthropic-beta"] == ",".join([*betas, "compact-2026-01-12"])
    body = json.loads(request.body)
    assert body["messages"][0] == {
        "role": "assistant",
        "content": [{"type": "compaction", "content": SUMMARY, "encrypted_content": OPAQUE}],
    }
    assert body["context_management"] == {
        "edits": [{"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": trigger}}]
    }


def test_a_plain_history_sends_no_compaction_beta() -> None:
    answer = message([{"type": "text", "text": "Hi."}], stop_reason="end_turn")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=answer)
        model().generate("Hello")
        request = mock.calls[0].request
    assert "anthropic-beta" not in request.headers
    assert "context_management" not in json.loads(request.body)


def test_below_the_trigger_it_is_not_implemented_and_auto_summarises() -> None:
    untriggered = message([{"type": "text", "text": "A contact form ..."}], stop_reason="end_turn")
    summary = message([{"type": "text", "text": "Built a site; form next."}], stop_reason="end_turn")
    count = {"input_tokens": 120}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=untriggered)
        mock.post(f"{URL}/count_tokens", json=count)
        mock.post(URL, json=summary)
        outcome = CompactionAuto().compact_outcome(model(), conversation(), [])
    assert outcome.applied == "CompactionSummary"
    assert outcome.fallback_reason is not None and "did not trigger" in outcome.fallback_reason
    assert outcome.message is not None and "form next" in outcome.message.text


def test_a_failed_compaction_and_an_unsupported_model_are_not_implemented() -> None:
    failed = message([{"type": "compaction", "content": None}])
    error = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "claude-3-haiku does not support context management",
        },
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=failed)
        with pytest.raises(NotImplementedError, match="failed to compact"):
            model().compact(conversation())
        mock.post(URL, status=400, json=error)
        with pytest.raises(NotImplementedError, match="does not support native compaction"):
            model().compact(conversation())


def test_reasoning_is_kept_in_parsed_outputs_and_a_compaction_part_round_trips() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=COMPACTED)
        output = model().generate(conversation())
    assert isinstance(output.message.content[0], ContentReasoning)
    assert output.message.content[1] == ContentData(
        data={
            "compaction_metadata": {
                "type": "anthropic_compact",
                "content": SUMMARY,
                "encrypted_content": OPAQUE,
            }
        }
    )
    assert not isinstance(output.message.content[1], ContentText)


def test_a_streamed_compaction_block_is_kept_as_generate_keeps_it() -> None:
    events = [
        ("message_start", {"type": "message_start", "message": {**message([]), "stop_reason": None}}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "compaction", "content": None, "encrypted_content": None},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "compaction_delta", "content": SUMMARY, "encrypted_content": OPAQUE},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": "compaction"}, "usage": {"output_tokens": 800}},
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    sse = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, body=sse, content_type="text/event-stream")
        output = model().stream(conversation()).final_output()
    assert output.message.content == COMPACTED_PARTS


COMPACTED_PARTS = [
    ContentData(
        data={
            "compaction_metadata": {
                "type": "anthropic_compact",
                "content": SUMMARY,
                "encrypted_content": OPAQUE,
            }
        }
    )
]
