"""Streams give what ``generate`` gives on the shapes real servers send (issue 19).

Each ``<case>.sse`` below is written for this project in the shape the
provider documents or is observed to send, with its ``<case>.response.json``
(the same answer non-streamed); both paths must give equal outputs, and the
events must add up to the output (docs/streaming.md).

- Anthropic server tools: https://docs.anthropic.com/en/docs/build-with-claude/streaming
  (web search streaming: ``server_tool_use`` with ``input_json_delta``, then
  a whole ``web_search_tool_result``; ``citations_delta``), and the block
  types of anthropic-sdk-python ``types/raw_content_block_start_event.py``
  and ``types/beta/beta_raw_content_block_start_event.py``
  (``web_fetch_tool_result``, ``code_execution_tool_result``,
  ``bash_code_execution_tool_result``,
  ``text_editor_code_execution_tool_result``, ``tool_search_tool_result``,
  ``mcp_tool_use``/``mcp_tool_result``, ``container_upload``); an
  ``input_json_delta`` without ``partial_json`` as the API has sent it.
- A full function name repeated in every tool-call chunk, with its id:
  Fireworks (Kimi K2) and MiniMax behind NVIDIA NIM (reported in
  NousResearch/hermes-agent#8259 and #8094).
- ``<think>`` reasoning in the content: Groq's ``reasoning_format: raw``
  (https://console.groq.com/docs/reasoning), the tags split across chunks.
- Mistral logprobs: mistralai 3.7.0 ``ChatCompletionRequest``
  (``logprobs``, ``top_logprobs``) and ``CompletionResponseStreamChoice`` /
  ``ChatCompletionChoice`` (``logprobs.content[]`` with ``token``,
  ``logprob``, ``bytes``, ``token_id``, ``top_logprobs``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import pytest
import responses
from wire import encode_events, load_bytes, load_fixture, stream_both_ways

from modelkit import get_model
from modelkit._events import ReasoningDelta, StreamEnd, TextDelta, ToolCallDelta
from modelkit.errors import ResponseFormatError
from modelkit.providers._tool_stream import MAX_TOOL_CALLS
from modelkit.providers.bedrock import _sigv4

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
GROQ_URL = "https://api.groq.com/openai/v1/chat/completions"
FIREWORKS_URL = "https://api.fireworks.ai/inference/v1/chat/completions"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
MISTRAL_URL = "https://api.mistral.ai/v1/chat/completions"

CASES = [
    ("anthropic/claude-sonnet-4-5", ANTHROPIC_URL, "anthropic", "stream_server_tools"),
    (
        "fireworks/accounts/fireworks/models/kimi-k2-instruct",
        FIREWORKS_URL,
        "fireworks",
        "stream_repeated_name",
    ),
    ("groq/qwen/qwen3-32b", GROQ_URL, "groq", "stream_think"),
    ("mistral/mistral-small-latest", MISTRAL_URL, "mistral", "stream_logprobs"),
]


def both_ways(name: str, url: str, folder: str, case: str, **kwargs: Any) -> Tuple[Any, ...]:
    model = get_model(name, api_key="sk-test-key", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        result = stream_both_ways(
            model,
            mock,
            url,
            load_bytes(folder, f"{case}.sse"),
            load_fixture(folder, f"{case}.response.json"),
            **kwargs,
        )
    return result  # type: ignore[no-any-return]


def joined(events: List[Any], kind: type) -> str:
    return "".join(e.text for e in events if isinstance(e, kind))


@pytest.mark.parametrize("name, url, folder, case", CASES)
def test_streamed_equals_generated_and_the_events_add_up(
    name: str, url: str, folder: str, case: str
) -> None:
    events, streamed, generated = both_ways(name, url, folder, case)
    assert streamed == generated
    assert isinstance(events[-1], StreamEnd)
    message = streamed.message
    assert joined(events, TextDelta) == streamed.completion
    assert joined(events, ReasoningDelta) == (message.reasoning or "")
    calls = [e for e in events if isinstance(e, ToolCallDelta)]
    for number, call in enumerate(message.tool_calls or []):
        pieces = [e for e in calls if e.index == number]
        assert "".join(e.function or "" for e in pieces) == call.function
        assert [e.id for e in pieces if e.id] == [call.id]
        assert json.loads("".join(e.arguments or "" for e in pieces) or "{}") == call.arguments
    assert len({e.index for e in calls}) == len(message.tool_calls or [])


def test_every_anthropic_block_is_rebuilt_as_the_api_answers_it() -> None:
    _events, streamed, _ = both_ways(
        "anthropic/claude-sonnet-4-5", ANTHROPIC_URL, "anthropic", "stream_server_tools"
    )
    expected = load_fixture("anthropic", "stream_server_tools.response.json")
    assert streamed.call.response["content"] == expected["content"]
    assert streamed.call.response["usage"] == expected["usage"]
    assert [c.function for c in streamed.message.tool_calls] == ["get_forecast"]
    kinds = [type(p).__name__ for p in streamed.message.content]
    assert kinds.count("ContentToolUse") == 7 and "ContentData" in kinds
    assert streamed.message.tool_calls[0].arguments == {"city": "Paris", "days": 3}
    assert streamed.completion == "I'll search for that.\nIt is raining in Paris (9 °C)."


def test_a_repeated_full_name_is_not_doubled() -> None:
    events, streamed, _ = both_ways(
        "fireworks/accounts/fireworks/models/kimi-k2-instruct",
        FIREWORKS_URL,
        "fireworks",
        "stream_repeated_name",
    )
    assert [c.function for c in streamed.message.tool_calls] == ["llm_version", "package_info"]
    names = [(e.index, e.function) for e in events if isinstance(e, ToolCallDelta) and e.function]
    assert names == [(0, "llm_version"), (1, "package_info")]


def chunk(*pieces: Any, finish: Any = None) -> bytes:
    body = {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "delta": {"tool_calls": list(pieces)}}],
    }
    if finish:
        body["choices"][0]["finish_reason"] = finish
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def stream_openai(body: bytes, name: str = "openai/gpt-4o-mini", url: str = OPENAI_URL) -> Any:
    model = get_model(name, api_key="sk-test-key", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(url, body=body, content_type="text/event-stream")
        with model.stream("hi", config={"max_retries": 0}) as stream:
            events = list(stream)
    return events, stream.output


def test_name_fragments_are_joined_while_they_are_fragments() -> None:
    body = (
        chunk({"index": 0, "id": "call_1", "function": {"name": "get_", "arguments": ""}})
        + chunk({"index": 0, "function": {"name": "weather"}})
        + chunk({"index": 0, "function": {"arguments": '{"city": "Oslo"}'}})
        + chunk({"index": 0, "function": {"name": "weather"}}, finish="tool_calls")
        + b"data: [DONE]\n\n"
    )
    events, output = stream_openai(body)
    assert output.message.tool_calls[0].function == "get_weather"
    assert "".join(e.function or "" for e in events if isinstance(e, ToolCallDelta)) == (
        "get_weather"
    ), "a name piece after the arguments began is a repeat"


def test_a_tool_call_index_is_a_key_not_a_position() -> None:
    body = (
        chunk({"index": 100_000_000, "id": "call_a", "function": {"name": "a", "arguments": "{}"}})
        + chunk({"index": 5000, "id": "call_b", "function": {"name": "b", "arguments": "{}"}})
        + chunk({"index": 100_000_000, "function": {"arguments": ""}}, finish="tool_calls")
        + b"data: [DONE]\n\n"
    )
    events, output = stream_openai(body)
    assert [(c.id, c.function) for c in output.message.tool_calls] == [
        ("call_a", "a"),
        ("call_b", "b"),
    ]
    assert [e.index for e in events if isinstance(e, ToolCallDelta)] == [0, 1, 0]


@pytest.mark.parametrize(
    "name, url",
    [("openai/gpt-4o-mini", OPENAI_URL), ("mistral/mistral-small-latest", MISTRAL_URL)],
)
def test_more_tool_calls_than_the_cap_is_a_format_error(name: str, url: str) -> None:
    calls = [
        {"index": i, "id": f"c{i:08d}", "function": {"name": "f", "arguments": "{}"}}
        for i in range(MAX_TOOL_CALLS + 1)
    ]
    body = chunk(*calls[:MAX_TOOL_CALLS]) + chunk(calls[-1]) + b"data: [DONE]\n\n"
    with pytest.raises(ResponseFormatError, match=f"more than {MAX_TOOL_CALLS} tool calls"):
        stream_openai(body, name, url)
    ok = chunk(*calls[:MAX_TOOL_CALLS], finish="tool_calls") + b"data: [DONE]\n\n"
    assert len(stream_openai(ok, name, url)[1].message.tool_calls) == MAX_TOOL_CALLS


def test_mistral_index_keys_and_whole_calls_on_index_zero() -> None:
    body = (
        chunk({"index": 7, "id": "aaaaaaaaa", "function": {"name": "f", "arguments": "{}"}})
        + chunk({"id": "bbbbbbbbb", "function": {"name": "g", "arguments": "{}"}})
        + chunk({"index": 0, "id": "ccccccccc", "function": {"name": "h", "arguments": "{}"}})
        + chunk({"index": 0, "id": "ddddddddd", "function": {"name": "k", "arguments": "{}"}})
        + b"data: [DONE]\n\n"
    )
    events, output = stream_openai(body, "mistral/mistral-small-latest", MISTRAL_URL)
    assert [c.function for c in output.message.tool_calls] == ["f", "g", "h", "k"]
    assert [e.index for e in events if isinstance(e, ToolCallDelta)] == [0, 1, 2, 3]


THINK_CONTENT = "  <think>\n Compare 9.11 and 9.8 . \n</think>\n\n9.8 is larger.  "


def content_chunks(pieces: List[str]) -> bytes:
    body = b"".join(
        b"data: "
        + json.dumps(
            {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": p}}]}
        ).encode()
        + b"\n\n"
        for p in pieces
    )
    end = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    return body + b"data: " + json.dumps(end).encode() + b"\n\ndata: [DONE]\n\n"


@pytest.mark.parametrize(
    "content",
    [
        THINK_CONTENT,
        "<think>cut off while thinking",  # max_tokens inside the block: all reasoning
        "<think></think>Just the answer.",
        "  <thinking> is not the tag",
        "No reasoning at all.",
        "<thi",
        "   ",
    ],
)
def test_think_tags_split_anywhere_add_up_to_the_parsed_output(content: str) -> None:
    """Every two-way split (and one-character pieces) of the content gives the same events."""
    splits = [[content[:i], content[i:]] for i in range(len(content) + 1)]
    splits.append(list(content))
    generated = None
    for pieces in splits:
        events, output = stream_openai(content_chunks(pieces), "groq/qwen/qwen3-32b", GROQ_URL)
        if generated is None:
            model = get_model("groq/qwen/qwen3-32b", api_key="sk-test-key", memoize=False)
            with responses.RequestsMock() as mock:
                body = load_fixture("groq", "stream_think.response.json")
                body["choices"][0]["message"]["content"] = content
                mock.post(GROQ_URL, json=body)
                generated = model.generate("hi")
        assert joined(events, TextDelta) == output.completion == generated.completion, pieces
        assert joined(events, ReasoningDelta) == (output.message.reasoning or "")
        assert output.message.reasoning == generated.message.reasoning


def test_think_tags_are_text_for_openai_itself() -> None:
    events, output = stream_openai(content_chunks(["<think>x</think>", "y"]))
    assert joined(events, TextDelta) == output.completion == "<think>x</think>y"


def test_mistral_logprobs_are_sent_and_parsed_streamed_too() -> None:
    _events, streamed, generated = both_ways(
        "mistral/mistral-small-latest",
        MISTRAL_URL,
        "mistral",
        "stream_logprobs",
        config={"logprobs": True, "top_logprobs": 2},
    )
    logprobs = streamed.choices[0].logprobs
    assert logprobs == generated.choices[0].logprobs
    assert [t.token for t in logprobs.content] == ["Claude", " Monet", "."]
    assert [t.token for t in logprobs.content[0].top_logprobs] == ["Claude", "Eugène"]
    assert logprobs.content[1].bytes == list(b" Monet")
    sent = streamed.call.request
    assert sent["logprobs"] is True and sent["top_logprobs"] == 2


def anthropic_parts() -> bytes:
    def block(index: int, start: Dict[str, Any], *deltas: Dict[str, Any]) -> List[Any]:
        events: List[Any] = [
            {"type": "content_block_start", "index": index, "content_block": start}
        ]
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        return [*events, {"type": "content_block_stop", "index": index}]

    message = {
        "id": "m",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "c",
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    events = [{"type": "message_start", "message": message}]
    events += block(
        0,
        {"type": "thinking", "thinking": ""},
        {"type": "thinking_delta", "thinking": "R1"},
        {"type": "signature_delta", "signature": "sig1"},
    )
    events += block(1, {"type": "text", "text": ""}, {"type": "text_delta", "text": "A"})
    events += block(
        2,
        {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        {"type": "input_json_delta", "partial_json": "{}"},
    )
    events += block(
        3,
        {"type": "thinking", "thinking": ""},
        {"type": "thinking_delta", "thinking": "R2"},
        {"type": "signature_delta", "signature": "sig2"},
    )
    events += block(4, {"type": "text", "text": ""}, {"type": "text_delta", "text": "B"})
    events += [
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 9},
        },
        {"type": "message_stop"},
    ]
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def mistral_parts() -> bytes:
    def piece(content: Any) -> Dict[str, Any]:
        return {
            "id": "x",
            "model": "magistral-medium-latest",
            "choices": [{"index": 0, "delta": {"content": content}}],
        }

    thinking = lambda text: [{"type": "thinking", "thinking": [{"type": "text", "text": text}]}]  # noqa: E731
    chunks = [
        piece(thinking("R1")),
        piece("A"),
        piece(thinking("R2")),
        piece("B"),
        {"id": "x", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    return (
        b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    )


def google_parts() -> bytes:
    def chunk(part: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
        return {
            "candidates": [{"index": 0, "content": {"role": "model", "parts": [part]}, **extra}]
        }

    chunks = [
        chunk({"text": "R1", "thought": True}),
        chunk({"text": "A"}),
        chunk({"functionCall": {"name": "f", "args": {}}}),
        chunk({"text": "R2", "thought": True}),
        chunk({"text": "B"}, finishReason="STOP"),
    ]
    return b"".join(b"data: " + json.dumps(c).encode() + b"\r\n\r\n" for c in chunks)


def bedrock_parts() -> bytes:
    def event(kind: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        headers = {
            ":event-type": kind,
            ":message-type": "event",
            ":content-type": "application/json",
        }
        return {"headers": headers, "payload": payload}

    def delta(index: int, body: Dict[str, Any]) -> Dict[str, Any]:
        return event("contentBlockDelta", {"contentBlockIndex": index, "delta": body})

    return encode_events(
        [
            event("messageStart", {"role": "assistant"}),
            delta(0, {"reasoningContent": {"text": "R1"}}),
            delta(1, {"text": "A"}),
            event(
                "contentBlockStart",
                {"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "t1", "name": "f"}}},
            ),
            delta(2, {"toolUse": {"input": "{}"}}),
            event("contentBlockStop", {"contentBlockIndex": 2}),
            delta(3, {"reasoningContent": {"text": "R2"}}),
            delta(4, {"text": "B"}),
            event("messageStop", {"stopReason": "tool_use"}),
        ]
    )


GOOGLE_STREAM = (
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
    ":streamGenerateContent?alt=sse"
)
BEDROCK_MODEL = "anthropic.claude-3-7-sonnet-20250219-v1:0"
BEDROCK_STREAM = (
    _sigv4.bedrock_runtime_url("us-east-1", BEDROCK_MODEL)[: -len("/converse")] + "/converse-stream"
)


@pytest.fixture
def aws_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Example AWS credentials, so the Bedrock cases can sign their requests."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.mark.parametrize(
    "name, url, make, content_type",
    [
        ("anthropic/claude-sonnet-4-5", ANTHROPIC_URL, anthropic_parts, "text/event-stream"),
        ("mistral/magistral-medium-latest", MISTRAL_URL, mistral_parts, "text/event-stream"),
        ("google/gemini-2.5-flash", GOOGLE_STREAM, google_parts, "text/event-stream"),
        (
            f"bedrock/{BEDROCK_MODEL}",
            BEDROCK_STREAM,
            bedrock_parts,
            "application/vnd.amazon.eventstream",
        ),
    ],
)
@pytest.mark.usefixtures("aws_keys")
def test_events_add_up_when_text_and_reasoning_come_in_several_parts(
    name: str, url: str, make: Any, content_type: str
) -> None:
    """The output joins text parts with "\\n" and reasoning parts with a blank line."""
    model = get_model(name, api_key="sk-test-key", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(url, body=make(), content_type=content_type)
        with model.stream("hi", config={"max_retries": 0}) as stream:
            events = list(stream)
    output = stream.output
    assert output.completion == "A\nB"
    assert output.message.reasoning == "R1\n\nR2"
    assert joined(events, TextDelta) == output.completion
    assert joined(events, ReasoningDelta) == output.message.reasoning


def many_anthropic_calls(count: int) -> bytes:
    message = {
        "id": "m",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "c",
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    events: List[Any] = [{"type": "message_start", "message": message}]
    for i in range(count):
        start = {"type": "tool_use", "id": f"toolu_{i}", "name": "f", "input": {}}
        events += [
            {"type": "content_block_start", "index": i, "content_block": start},
            {"type": "content_block_stop", "index": i},
        ]
    events += [
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
        {"type": "message_stop"},
    ]
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def many_google_calls(count: int) -> bytes:
    parts = [{"functionCall": {"name": "f", "args": {}}} for _ in range(count)]
    body = {
        "candidates": [
            {"index": 0, "content": {"role": "model", "parts": parts}, "finishReason": "STOP"}
        ]
    }
    return b"data: " + json.dumps(body).encode() + b"\r\n\r\n"


def many_responses_calls(count: int) -> bytes:
    events = [
        {
            "type": "response.output_item.added",
            "output_index": i,
            "item": {"type": "function_call", "call_id": f"c{i}", "name": "f"},
        }
        for i in range(count)
    ]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


def many_bedrock_calls(count: int) -> bytes:
    def event(kind: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        headers = {
            ":event-type": kind,
            ":message-type": "event",
            ":content-type": "application/json",
        }
        return {"headers": headers, "payload": payload}

    starts = [
        event(
            "contentBlockStart",
            {"contentBlockIndex": i, "start": {"toolUse": {"toolUseId": f"t{i}", "name": "f"}}},
        )
        for i in range(count)
    ]
    return encode_events([event("messageStart", {"role": "assistant"}), *starts])


@pytest.mark.parametrize(
    "name, url, make, content_type",
    [
        ("anthropic/claude-sonnet-4-5", ANTHROPIC_URL, many_anthropic_calls, "text/event-stream"),
        ("google/gemini-2.5-flash", GOOGLE_STREAM, many_google_calls, "text/event-stream"),
        (
            "openai/gpt-4.1",
            "https://api.openai.com/v1/responses",
            many_responses_calls,
            "text/event-stream",
        ),
        (
            f"bedrock/{BEDROCK_MODEL}",
            BEDROCK_STREAM,
            many_bedrock_calls,
            "application/vnd.amazon.eventstream",
        ),
    ],
)
@pytest.mark.usefixtures("aws_keys")
def test_every_decoder_caps_the_tool_calls_of_a_choice(
    name: str, url: str, make: Any, content_type: str
) -> None:
    extra = {"responses_api": True} if "responses" in url else {}
    model = get_model(name, api_key="sk-test-key", memoize=False, **extra)
    with responses.RequestsMock() as mock:
        mock.post(url, body=make(MAX_TOOL_CALLS + 1), content_type=content_type)
        with pytest.raises(ResponseFormatError, match=f"more than {MAX_TOOL_CALLS} tool calls"):
            list(model.stream("hi", config={"max_retries": 0}))
