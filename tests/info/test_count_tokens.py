"""``Model.count_tokens`` / ``count_tool_tokens``: each API's own counting endpoint, run as generation is.

The bodies and answers follow each API's reference:

- Anthropic ``POST /v1/messages/count_tokens``: the Messages request's
  ``model``, ``messages``, ``system``, ``tools``... without ``max_tokens``;
  answers ``{"input_tokens": N}``
  (https://platform.claude.com/docs/en/api/messages/count_tokens);
- Gemini ``POST /v1beta/{model=models/*}:countTokens`` with a
  ``generateContentRequest`` (``model``, ``contents``, ``systemInstruction``,
  ``tools``); answers ``{"totalTokens": N, ...}``
  (https://ai.google.dev/api/tokens);
- OpenAI ``POST /v1/responses/input_tokens`` with the Responses request's
  ``model``, ``input``, ``instructions``, ``tools``...; answers
  ``{"object": "response.input_tokens", "input_tokens": N}``
  (https://developers.openai.com/api/reference/resources/responses/subresources/input_tokens);
- Bedrock ``POST /model/{modelId}/count-tokens`` with
  ``{"input": {"converse": {"messages", "system", "toolConfig"}}}``; answers
  ``{"inputTokens": N}``
  (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html).

Counting goes through the engine's run: the connection limit, retries,
the call's timeout and redacted records apply as to a generation.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List

import pytest
from loopback import LoopbackServer, Reply

from modelkit import (
    APITimeoutError,
    AuthenticationError,
    ChatMessageSystem,
    ChatMessageUser,
    Model,
    ResponseFormatError,
    get_model,
)

KEY = "sk-count-secret-0123456789"
MESSAGES = [ChatMessageSystem(content="Be brief."), ChatMessageUser(content="Hello")]


def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: the first.
        b: the second.
    """
    return a + b


def anthropic(server: LoopbackServer, **config: Any) -> Model:
    return get_model("anthropic/claude-opus-5", config or None, base_url=server.url, api_key=KEY)


def openai(server: LoopbackServer, **config: Any) -> Model:
    return get_model("openai/gpt-5.1", config or None, base_url=f"{server.url}/v1", api_key=KEY)


def google(server: LoopbackServer, **config: Any) -> Model:
    return get_model("google/gemini-2.5-flash", config or None, base_url=server.url, api_key=KEY)


def bedrock(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> Model:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    return get_model("bedrock/anthropic.claude-haiku-4-5-20251001-v1:0", base_url=server.url)


def last(server: LoopbackServer) -> Dict[str, Any]:
    request = server.requests[-1]
    headers = {name.lower(): value for name, value in request.headers.items()}
    return {"path": request.path, "body": request.json(), "headers": headers}


def test_anthropic_messages_count_tokens(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body={"input_tokens": 14})
    assert anthropic(loopback).count_tokens(MESSAGES) == 14
    sent = last(loopback)
    assert sent["path"] == "/v1/messages/count_tokens"
    assert sent["body"] == {
        "model": "claude-opus-5",
        "system": [{"type": "text", "text": "Be brief."}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}]}],
    }
    assert sent["headers"]["x-api-key"] == KEY
    assert sent["headers"]["anthropic-version"] == "2023-06-01"


def test_gemini_count_tokens(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body={"totalTokens": 9, "promptTokensDetails": []})
    assert google(loopback).count_tokens(MESSAGES) == 9
    sent = last(loopback)
    assert sent["path"] == "/v1beta/models/gemini-2.5-flash:countTokens"
    assert sent["body"] == {
        "generateContentRequest": {
            "model": "models/gemini-2.5-flash",
            "contents": [{"role": "user", "parts": [{"text": "Hello"}]}],
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
        }
    }
    assert sent["headers"]["x-goog-api-key"] == KEY and KEY not in sent["path"]


def test_openai_responses_input_tokens(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body={"object": "response.input_tokens", "input_tokens": 11})
    assert openai(loopback).count_tokens(MESSAGES) == 11
    sent = last(loopback)
    assert sent["path"] == "/v1/responses/input_tokens"
    assert sent["body"] == {
        "model": "gpt-5.1",
        "input": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "input_text", "text": "Hello"}]},
        ],
    }
    assert sent["headers"]["authorization"] == f"Bearer {KEY}"


def test_bedrock_count_tokens_is_signed(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    loopback.default = Reply(body={"inputTokens": 12})
    assert bedrock(loopback, monkeypatch).count_tokens(MESSAGES) == 12
    sent = last(loopback)
    assert sent["path"] == "/model/anthropic.claude-haiku-4-5-20251001-v1%3A0/count-tokens"
    assert sent["body"] == {
        "input": {
            "converse": {
                "messages": [{"role": "user", "content": [{"text": "Hello"}]}],
                "system": [{"text": "Be brief."}],
            }
        }
    }
    assert sent["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert KEY not in json.dumps(sent)


def test_count_tool_tokens_counts_the_definitions_natively(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body={"input_tokens": 57})
    model = anthropic(loopback)
    assert model.count_tool_tokens([add]) == 57
    [message] = last(loopback)["body"]["messages"]
    definition = json.loads(message["content"][0]["text"])
    assert definition["function"]["name"] == "add"
    assert definition["function"]["parameters"]["required"] == ["a", "b"]
    assert model.count_tool_tokens([]) == 0 and loopback.count == 1


def test_a_rate_limited_count_is_retried(loopback: LoopbackServer) -> None:
    loopback.script(
        Reply(
            status=429,
            body={"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}},
            headers={"retry-after": "0"},
        ),
    )
    loopback.default = Reply(body={"input_tokens": 3})
    assert anthropic(loopback).count_tokens("hi") == 3
    assert loopback.count == 2


def test_a_count_obeys_the_call_timeout(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body={"input_tokens": 3}, delay=5)
    with pytest.raises(APITimeoutError):
        anthropic(loopback, timeout=0.3, max_retries=0).count_tokens("hi")


def test_an_echoed_key_never_reaches_the_error_or_its_record(loopback: LoopbackServer) -> None:
    loopback.default = Reply(
        status=401,
        body={
            "type": "error",
            "error": {"type": "authentication_error", "message": f"bad key {KEY}"},
        },
    )
    with pytest.raises(AuthenticationError) as caught:
        anthropic(loopback).count_tokens("hi")
    error = caught.value
    assert KEY not in str(error) and KEY not in repr(error)
    assert error.call is not None and KEY not in json.dumps(error.call.to_dict())


def test_counts_share_the_connection_limit(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body={"input_tokens": 3}, delay=0.2)
    model = anthropic(loopback, max_connections=2)
    results: List[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(model.count_tokens("hi"))) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [3] * 5
    assert loopback.max_in_flight == 2


@pytest.mark.parametrize(
    "body", [{"input_tokens": "12"}, {"tokens": 12}, [12], {"input_tokens": None}]
)
def test_a_malformed_count_is_a_response_format_error(loopback: LoopbackServer, body: Any) -> None:
    loopback.default = Reply(body=body)
    with pytest.raises(ResponseFormatError, match="unexpected response"):
        anthropic(loopback, max_retries=0).count_tokens("hi")


@pytest.mark.parametrize(
    "spec", ["mistral/mistral-small-latest", "groq/llama-3.3-70b-versatile", "mockllm/model"]
)
def test_apis_without_an_endpoint_estimate_offline(
    spec: str, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = get_model(spec, base_url=loopback.url, api_key=KEY)
    counted = model.count_tokens(MESSAGES)
    assert loopback.count == 0  # nothing was sent
    # 2 messages of 4 framing tokens, "Be brief." 3, "Hello" 1
    assert counted == 12
    assert model.count_tool_tokens([add]) > 20
