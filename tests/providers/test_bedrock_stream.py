"""Bedrock ``ConverseStream``: AWS event-stream framing, events to deltas, equal outputs.

Events follow
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
(``messageStart``, ``contentBlockStart`` with ``toolUse``,
``contentBlockDelta`` with ``text`` / ``toolUse.input`` / ``reasoningContent``,
``contentBlockStop``, ``messageStop``, ``metadata``; exceptions as messages
with ``:message-type: exception``) and the framing of
https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream
(payloads carry botocore's ``p`` padding field, as the service sends them).
The fixture ``stream_tools.events.json`` lists the messages readably; the
test encodes them (prelude, headers, CRC32s) into the binary body.
"""

from __future__ import annotations

import json

import pytest
import responses
from wire import encode_event, encode_events, load_fixture, stream_both_ways

from modelkit import get_model
from modelkit._events import ReasoningDelta, TextDelta, ToolCallDelta
from modelkit.errors import RateLimitError, ResponseFormatError
from modelkit.providers.bedrock import _sigv4

MODEL = "anthropic.claude-3-7-sonnet-20250219-v1:0"
URL = _sigv4.bedrock_runtime_url("us-east-1", MODEL)
STREAM_URL = URL[: -len("/converse")] + "/converse-stream"
EVENTSTREAM = "application/vnd.amazon.eventstream"


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def body() -> bytes:
    return encode_events(load_fixture("bedrock", "stream_tools.events.json"))


def test_streamed_output_equals_converse_output() -> None:
    model = get_model(f"bedrock/{MODEL}", memoize=False)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        events, streamed, generated = stream_both_ways(
            model,
            mock,
            URL,
            body(),
            load_fixture("bedrock", "stream_tools.response.json"),
            content_type=EVENTSTREAM,
            stream_url=STREAM_URL,
        )
        request = mock.calls[0].request
        assert request.headers["Accept"] == EVENTSTREAM
        assert request.headers["Authorization"].startswith(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
        )
        assert "/converse-stream" not in json.dumps(json.loads(request.body))
    assert streamed == generated
    assert events[:-1] == [
        ReasoningDelta("The user asks about Paris. "),
        ReasoningDelta("", signature="ErcBCkgIAhABGAIiQA=="),
        TextDelta("Let me "),
        TextDelta("check."),
        ToolCallDelta(0, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather"),
        ToolCallDelta(0, arguments='{"city": '),
        ToolCallDelta(0, arguments='"Paris"}'),
    ]
    assert streamed.usage.total_tokens == 489


def test_an_exception_message_raises_the_matching_error() -> None:
    head = encode_events(load_fixture("bedrock", "stream_tools.events.json")[:5])
    throttled = encode_event(
        {
            ":exception-type": "throttlingException",
            ":content-type": "application/json",
            ":message-type": "exception",
        },
        b'{"message": "Too many tokens, please wait before trying again."}',
    )
    model = get_model(f"bedrock/{MODEL}", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(STREAM_URL, body=head + throttled, content_type=EVENTSTREAM)
        with pytest.raises(RateLimitError, match="Too many tokens") as caught:
            list(model.stream("hi", config={"max_retries": 0}))
    assert caught.value.output.completion == "Let me "


def test_a_corrupt_frame_is_a_response_format_error() -> None:
    data = bytearray(body())
    data[len(data) // 2] ^= 0xFF
    model = get_model(f"bedrock/{MODEL}", memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(STREAM_URL, body=bytes(data), content_type=EVENTSTREAM)
        with pytest.raises(ResponseFormatError, match="CRC32"):
            list(model.stream("hi", config={"max_retries": 0}))
