"""Every malformed response is a ``ResponseFormatError`` at parse time, for every provider.

Issue 16, point 9: bodies nested 100,000 deep raised ``RecursionError``;
``1e999`` in a usage or index field raised ``OverflowError``; a usage count
that is a string or a list, or a text part that is a number, either raised
a builtin error or came back as a ``ModelOutput`` whose ``.completion`` or
usage arithmetic failed later. The checks live in two shared places
(``_json.loads`` for the body, ``_wellformed.check_output`` for the
output), so each provider gets the same cases: its documented success body
(the fixtures of its own wire tests: OpenAI chat completions
https://platform.openai.com/docs/api-reference/chat/object, Anthropic
https://platform.claude.com/docs/en/api/messages, Gemini generateContent
https://ai.google.dev/api/generate-content#generatecontentresponse,
Mistral https://docs.mistral.ai/api/#tag/chat, Bedrock Converse
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html),
first as it is (it must parse), then with one field made hostile.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Pattern, Union

import pytest
import responses

from modelkit import BadRequestError, ModelOutput, ResponseFormatError, get_model

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KEY = "test-key-not-real"


class Provider(NamedTuple):
    spec: str
    url: Union[str, Pattern[str]]
    fixture: str
    usage: List[Any]  # path to one token count
    text: List[Any]  # path to the answer's text
    index: List[Any]  # path to an index field, or []


PROVIDERS = {
    "openai": Provider(
        "openai/gpt-4o-mini",
        "https://api.openai.com/v1/chat/completions",
        "openai/length.response.json",
        ["usage", "prompt_tokens"],
        ["choices", 0, "message", "content"],
        ["choices", 0, "index"],
    ),
    "groq": Provider(
        "groq/llama-3.3-70b-versatile",
        "https://api.groq.com/openai/v1/chat/completions",
        "openai/length.response.json",
        ["usage", "completion_tokens"],
        ["choices", 0, "message", "content"],
        ["choices", 0, "index"],
    ),
    "anthropic": Provider(
        "anthropic/claude-sonnet-4-5",
        "https://api.anthropic.com/v1/messages",
        "anthropic/text.response.json",
        ["usage", "input_tokens"],
        ["content", 0, "text"],
        [],
    ),
    "google": Provider(
        "google/gemini-2.0-flash",
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent",
        "google/chat.response.json",
        ["usageMetadata", "promptTokenCount"],
        ["candidates", 0, "content", "parts", 0, "text"],
        ["candidates", 0, "index"],
    ),
    "mistral": Provider(
        "mistral/mistral-small-latest",
        "https://api.mistral.ai/v1/chat/completions",
        "mistral/text.response.json",
        ["usage", "prompt_tokens"],
        ["choices", 0, "message", "content"],
        ["choices", 0, "index"],
    ),
    "bedrock": Provider(
        "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0",
        re.compile(r"https://bedrock-runtime\.us-east-1\.amazonaws\.com/model/.*/converse"),
        "bedrock/chat.response.json",
        ["usage", "inputTokens"],
        ["output", "message", "content", 0, "text"],
        [],
    ),
}


def _set(body: Dict[str, Any], path: List[Any], value: Any) -> Dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def _generate(provider: Provider, body: Union[str, Dict[str, Any]]) -> ModelOutput:
    text = body if isinstance(body, str) else json.dumps(body)
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, provider.url, body=text, status=200)
        model = get_model(provider.spec, api_key=KEY, config={"max_retries": 0})
        return model.generate("hi")


@pytest.fixture(autouse=True)
def _aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def _fixture(provider: Provider) -> Dict[str, Any]:
    body: Dict[str, Any] = json.loads((FIXTURES / provider.fixture).read_text(encoding="utf-8"))
    return body


Mutation = Callable[[Provider, Dict[str, Any]], Union[str, Dict[str, Any]]]
MUTATIONS: Dict[str, Mutation] = {
    "nested 100,000 deep": lambda p, body: '{"a":' + "[" * 100_000 + "]" * 100_000 + "}",
    "nested 1,000 deep in a field": lambda p, body: (
        json.dumps(body)[:-1] + ', "extra": ' + "[" * 1000 + "]" * 1000 + "}"
    ),
    "usage 1e999": lambda p, body: json.dumps(_set(body, p.usage, 12)).replace(
        '": 12', '": 1e999', 1
    ),
    "usage a string": lambda p, body: _set(body, p.usage, "12"),
    "usage a list": lambda p, body: _set(body, p.usage, [12]),
    "usage NaN": lambda p, body: json.dumps(_set(body, p.usage, 12)).replace('": 12', '": NaN', 1),
    "text a number": lambda p, body: _set(body, p.text, 42),
    "text a dict": lambda p, body: _set(body, p.text, {"text": "hi"}),
}


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_documented_body_parses(name: str) -> None:
    output = _generate(PROVIDERS[name], _fixture(PROVIDERS[name]))
    assert isinstance(output.completion, str) and output.completion


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_a_malformed_body_is_a_response_format_error(name: str, mutation: str) -> None:
    provider = PROVIDERS[name]
    body = MUTATIONS[mutation](provider, _fixture(provider))
    with pytest.raises(ResponseFormatError) as info:
        _generate(provider, body)
    assert info.value.provider == name


@pytest.mark.parametrize("name", sorted(n for n, p in PROVIDERS.items() if p.index))
def test_an_index_of_1e999_is_an_error_or_ignored_never_an_overflow(name: str) -> None:
    # Providers that order choices by index must fail cleanly; those that do
    # not read it return a well-formed output.
    provider = PROVIDERS[name]
    body = json.dumps(_set(_fixture(provider), provider.index, 31337)).replace("31337", "1e999")
    try:
        output = _generate(provider, body)
    except ResponseFormatError:
        return
    from modelkit._wellformed import check_output

    check_output(output)
    assert output.completion == _generate(provider, _fixture(provider)).completion


# --- streamed responses: the same checks on the shared streaming path ---------


def _stream(sse: bytes) -> ModelOutput:
    model = get_model("openai/gpt-4o-mini", api_key=KEY, memoize=False)
    with responses.RequestsMock() as mock:
        mock.post(PROVIDERS["openai"].url, body=sse, content_type="text/event-stream")
        events = list(model.stream("hi"))
    output: ModelOutput = events[-1].output
    return output


STREAM_MUTATIONS = {
    "usage a string": (b'"prompt_tokens":9', b'"prompt_tokens":"9"'),
    "usage 1e999": (b'"prompt_tokens":9', b'"prompt_tokens":1e999'),
    "event nested 100,000 deep": (
        b'"usage":null}',
        b'"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ),
}


@pytest.mark.parametrize("mutation", sorted(STREAM_MUTATIONS))
def test_a_malformed_stream_is_a_response_format_error(mutation: str) -> None:
    # https://platform.openai.com/docs/api-reference/chat-streaming
    sse = (FIXTURES / "openai" / "stream_text.sse").read_bytes()
    assert _stream(sse).usage.input_tokens == 9  # type: ignore[union-attr]
    old, new = STREAM_MUTATIONS[mutation]
    with pytest.raises(ResponseFormatError):
        _stream(sse.replace(old, new, 1))


# --- error bodies of unexpected shapes ----------------------------------------

ODD_ERRORS = [
    '{"error": {"message": 42, "code": 1e999, "type": ["x"]}}',
    '{"detail": [{"msg": 5, "loc": 1e999}]}',
    '{"error": "x", "message": 5, "details": 1e999}',
    "[" * 100_000 + "]" * 100_000,
]


@pytest.mark.parametrize("body", ODD_ERRORS, ids=["types", "fastapi", "strings", "deep"])
@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_an_error_body_of_any_shape_is_the_status_error(name: str, body: str) -> None:
    provider = PROVIDERS[name]
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, provider.url, body=body, status=400)
        with pytest.raises(BadRequestError) as info:
            get_model(provider.spec, api_key=KEY, config={"max_retries": 0}).generate("hi")
    assert info.value.status == 400


ANSWER_KEYS = {
    "openai": "choices",
    "groq": "choices",
    "anthropic": "content",
    "mistral": "choices",
    "bedrock": "output",
}


@pytest.mark.parametrize("name", sorted(ANSWER_KEYS))
def test_a_success_without_its_answer_is_a_response_format_error(name: str) -> None:
    # {"error": ...} or {} with HTTP 200 used to come back as an empty output.
    provider = PROVIDERS[name]
    body = _fixture(provider)
    del body[ANSWER_KEYS[name]]
    with pytest.raises(ResponseFormatError):
        _generate(provider, body)
