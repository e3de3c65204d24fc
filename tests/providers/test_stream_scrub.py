"""A key a server echoes into a stream never reaches the error (issue 19, point 15).

For every streaming decoder, an event that cannot be read because a field
holds the request's key (here an ``index`` that is the key, so the parse
error quotes it) raises ``ResponseFormatError`` whose ``str``, ``repr``,
pickle and chained exception are free of the key; so is the partial
output it carries, and an API ``error`` event whose message would be cut
(``errors.shorten``) in the middle of the key. Event shapes as in each
provider's stream test module.
"""

from __future__ import annotations

import json
import pickle
import traceback
from typing import Any, Dict

import pytest
import responses
from wire import encode_events

from modelkit import get_model
from modelkit.errors import APIError, ResponseFormatError
from modelkit.providers.bedrock import _sigv4

KEY = "sk-echoed-0123456789abcdefSECRET"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
GOOGLE = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
BEDROCK_MODEL = "anthropic.claude-3-7-sonnet-20250219-v1:0"
BEDROCK = _sigv4.bedrock_runtime_url("us-east-1", BEDROCK_MODEL)[: -len("/converse")]


def sse(*events: Dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


def openai_like(secret: str) -> bytes:
    hello = {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": f"Hi {secret}"}}],
    }
    return sse(hello, {"id": "c", "model": "m", "choices": [{"index": secret, "delta": {}}]})


def anthropic(secret: str) -> bytes:
    start = {
        "type": "message_start",
        "message": {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": "claude-sonnet-4-5",
            "usage": {"input_tokens": 1, "output_tokens": 1},
        },
    }
    block = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    text = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": f"Hi {secret}"},
    }
    bad = {"type": "content_block_delta", "index": secret, "delta": {"type": "text_delta"}}
    return sse(start, block, text, bad)


def google(secret: str) -> bytes:
    text = {
        "candidates": [
            {"index": 0, "content": {"role": "model", "parts": [{"text": f"Hi {secret}"}]}}
        ]
    }
    return sse(text, {"candidates": [{"index": secret}]})


def responses_api(secret: str) -> bytes:
    text = {"type": "response.output_text.delta", "delta": f"Hi {secret}"}
    bad = {
        "type": "response.output_item.added",
        "output_index": secret,
        "item": {"type": "function_call", "call_id": "c", "name": "f"},
    }
    return sse(text, bad)


def bedrock(secret: str) -> bytes:
    def event(kind: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "headers": {
                ":event-type": kind,
                ":message-type": "event",
                ":content-type": "application/json",
            },
            "payload": payload,
        }

    return encode_events(
        [
            event("messageStart", {"role": "assistant"}),
            event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": f"Hi {secret}"}}),
            event("contentBlockDelta", {"contentBlockIndex": secret, "delta": {"text": "x"}}),
        ]
    )


CASES = {
    "openai": ("openai/gpt-4o-mini", "https://api.openai.com/v1/chat/completions", openai_like),
    "groq": ("groq/qwen/qwen3-32b", "https://api.groq.com/openai/v1/chat/completions", openai_like),
    "mistral": (
        "mistral/mistral-small-latest",
        "https://api.mistral.ai/v1/chat/completions",
        openai_like,
    ),
    "anthropic": (
        "anthropic/claude-sonnet-4-5",
        "https://api.anthropic.com/v1/messages",
        anthropic,
    ),
    "google": ("google/gemini-2.5-flash", f"{GOOGLE}:streamGenerateContent?alt=sse", google),
    "responses": ("openai/gpt-4.1", "https://api.openai.com/v1/responses", responses_api),
    "bedrock": (f"bedrock/{BEDROCK_MODEL}", f"{BEDROCK}/converse-stream", bedrock),
}


def failure(case: str, body_of: Any = None, monkeypatch: Any = None) -> APIError:
    name, url, make = CASES[case]
    secret = KEY
    options: Dict[str, Any] = {"api_key": KEY}
    content_type = "text/event-stream"
    if case == "bedrock":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        secret, options, content_type = AWS_SECRET, {}, "application/vnd.amazon.eventstream"
    if case == "responses":
        options["responses_api"] = True
    model = get_model(name, memoize=False, **options)
    with responses.RequestsMock() as mock:
        mock.post(url, body=(body_of or make)(secret), content_type=content_type)
        with pytest.raises(APIError) as caught:
            list(model.stream("hi", config={"max_retries": 0}))
    return caught.value


def assert_clean(error: BaseException, secret: str) -> None:
    shown = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    ]
    for text in shown:
        assert secret not in text and secret[:12] not in text
    assert secret.encode() not in pickle.dumps(error)
    if error.__cause__ is not None:
        assert secret not in str(error.__cause__)
    assert error.__context__ is None or secret not in str(error.__context__)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_event_echoing_the_key_gives_a_clean_error(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = failure(case, monkeypatch=monkeypatch)
    secret = AWS_SECRET if case == "bedrock" else KEY
    assert isinstance(error, ResponseFormatError)
    assert "malformed stream event" in str(error) and "[redacted]" in str(error)
    assert error.output is not None
    if case != "responses":  # its body is the final event: nothing before it
        assert error.output.completion == "Hi [redacted]", "the partial output is scrubbed too"
    assert_clean(error, secret)


def test_an_error_event_cut_inside_the_key_leaves_no_part_of_it() -> None:
    def body(secret: str) -> bytes:
        message = "x" * 490 + secret  # errors.shorten keeps 500 characters: 10 of the key
        return anthropic(secret).rsplit(b"data: ", 1)[0] + sse(
            {"type": "error", "error": {"type": "overloaded_error", "message": message}}
        )

    error = failure("anthropic", body)
    assert error.status == 529
    assert_clean(error, KEY)
