"""OpenAI's native compaction through ``Model.compact`` and ``CompactionNative``.

Bodies follow https://platform.openai.com/docs/api-reference/responses/compact
(``POST /v1/responses/compact`` with ``model``, ``input`` and
``instructions``; the answer is a ``response.compaction`` object whose
``output`` holds the user's messages and one ``compaction`` item, and
``usage``) and the openai-python SDK's types of it
(``src/openai/types/responses/``: ``ResponseCompactParams``,
``CompactedResponse``, ``ResponseCompactionItem``,
``ResponseCompactionItemParamParam``: the item sent back as input is
``{"type": "compaction", "id", "encrypted_content"}``). Inspect 0.3.285
keeps the item in a user message's ``ContentData`` (``compaction_metadata``
of type ``openai_compact``), raises ``NotImplementedError`` without the
Responses API or when the endpoint answers 404/405; so does modelkit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

import pytest
import responses
from responses import matchers

from modelkit import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    CompactionAuto,
    CompactionNative,
    ContentData,
    ToolCall,
    compaction,
    get_model,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openai-compact"
URL = "https://api.openai.com/v1/responses"
KEY = "sk-test-compact"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def conversation() -> List[Any]:
    call = ToolCall(id="call_1", function="read_file", arguments={"path": "calc.py"})
    return [
        ChatMessageSystem(content="You fix bugs."),
        ChatMessageUser(content="Fix the failing test in calc.py."),
        ChatMessageAssistant(content="Reading the file.", tool_calls=[call]),
        ChatMessageTool(
            content="def add(a, b): return a - b", tool_call_id="call_1", function="read_file"
        ),
    ]


COUNT = {"object": "response.input_tokens", "input_tokens": 25}  # /responses/input_tokens


def codex() -> Any:
    return get_model("openai/gpt-5.1-codex", api_key=KEY, memoize=False)


def test_model_compact_posts_the_documented_body_and_keeps_the_item() -> None:
    model = codex()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(
            f"{URL}/compact",
            json=fixture("compact.response.json"),
            match=[
                matchers.json_params_matcher(fixture("compact.request.json")),
                matchers.header_matcher({"Authorization": f"Bearer {KEY}"}),
            ],
        )
        messages, usage = model.compact(conversation(), instructions="Keep file names.")
    assert [m.role for m in messages] == ["user", "user"]
    assert messages[0].text == "Fix the failing test in calc.py."
    assert messages[1].content == [
        ContentData(
            data={
                "compaction_metadata": {
                    "type": "openai_compact",
                    "id": "cmp_68f0a1b2",
                    "encrypted_content": "gAAAAABo8KEx-compacted-context",
                }
            }
        )
    ]
    assert usage is not None
    assert (usage.input_tokens, usage.input_tokens_cache_read, usage.output_tokens) == (
        1000,
        200,
        300,
    )
    assert model.usage.total_tokens == 1500


def test_the_compaction_item_goes_back_in_the_next_request() -> None:
    model = codex()
    answer = {
        "id": "resp_2",
        "object": "response",
        "status": "completed",
        "model": "gpt-5.1-codex",
        "output": [
            {
                "type": "message",
                "id": "msg_2",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Fixed: a + b.", "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 40, "output_tokens": 5, "total_tokens": 45},
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(f"{URL}/compact", json=fixture("compact.response.json"))
        mock.post(URL, json=answer)
        compacted, _ = model.compact(conversation())
        output = model.generate([conversation()[0], *compacted, ChatMessageUser(content="Go on.")])
        sent = json.loads(mock.calls[1].request.body)
    assert output.completion == "Fixed: a + b."
    assert sent["input"] == [
        {"role": "developer", "content": "You fix bugs."},
        {
            "role": "user",
            "content": [{"type": "input_text", "text": "Fix the failing test in calc.py."}],
        },
        {
            "type": "compaction",
            "id": "cmp_68f0a1b2",
            "encrypted_content": "gAAAAABo8KEx-compacted-context",
        },
        {"role": "user", "content": [{"type": "input_text", "text": "Go on."}]},
    ]


def test_native_strategy_in_a_handler_puts_back_only_the_system_messages() -> None:
    model = codex()
    messages = conversation()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(f"{URL}/compact", json=fixture("compact.response.json"))
        mock.post(f"{URL}/input_tokens", json=COUNT)  # the handler counts with the API
        handler = compaction(CompactionNative(threshold=100), prefix=messages[:2], model=model)
        input, extra = handler.compact_input(messages, force=True)
    assert extra is None
    assert [m.role for m in input] == ["system", "user", "user"]
    assert input[0] is messages[0]
    assert isinstance(input[2].content[0], ContentData)


def test_chat_completions_has_no_native_compaction() -> None:
    model = get_model("openai/gpt-4o", api_key=KEY, memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True):
        with pytest.raises(NotImplementedError, match="requires the Responses API"):
            model.compact(conversation())


def test_a_server_without_the_endpoint_falls_back_to_a_summary_under_auto() -> None:
    model = get_model("openai/gpt-4.1", api_key=KEY, responses_api=True, memoize=False)
    summary = {
        "id": "resp_s",
        "object": "response",
        "status": "completed",
        "model": "gpt-4.1",
        "output": [
            {
                "type": "message",
                "id": "msg_s",
                "status": "completed",
                "role": "assistant",
                "content": [
                    {
                        "type": "output_text",
                        "text": "Read calc.py; add is wrong.",
                        "annotations": [],
                    }
                ],
            }
        ],
        "usage": {"input_tokens": 90, "output_tokens": 9, "total_tokens": 99},
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(
            f"{URL}/compact",
            status=404,
            json={"error": {"message": "Not found", "type": "invalid_request_error"}},
        )
        mock.post(URL, json=summary)
        mock.post(f"{URL}/input_tokens", json=COUNT)
        with pytest.raises(NotImplementedError, match="endpoint not available"):
            model.compact(conversation())
        outcome = CompactionAuto().compact_outcome(model, conversation(), [])
    assert outcome.applied == "CompactionSummary"
    assert (
        outcome.fallback_reason is not None and "endpoint not available" in outcome.fallback_reason
    )
    assert outcome.message is not None and "add is wrong" in outcome.message.text
