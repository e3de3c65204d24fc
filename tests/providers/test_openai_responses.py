"""Wire tests for OpenAI's Responses API (``openai`` and ``azure`` with ``responses_api``).

Request and response bodies under ``tests/fixtures/openai-responses/`` and
``tests/fixtures/azure-responses/`` follow:

- https://platform.openai.com/docs/api-reference/responses/create (input
  items, function tools, ``tool_choice``, ``max_output_tokens``,
  ``reasoning``, ``include``, ``store``, ``top_logprobs``) and the response
  object (``output`` items, ``status``, ``incomplete_details``, ``error``,
  ``usage`` with ``input_tokens_details.cached_tokens`` and
  ``output_tokens_details.reasoning_tokens``);
- https://platform.openai.com/docs/guides/reasoning (encrypted reasoning
  items with ``store: false``: "include reasoning.encrypted_content ... and
  pass the reasoning items back");
- the openai-python SDK's types, ``src/openai/types/responses/``
  (``ResponseIncludable``, ``ResponseStatus``, ``ResponseError.code``,
  ``ResponseInputAudioParam``, ``ResponseOutputText.logprobs``);
- https://learn.microsoft.com/azure/ai-foundry/openai/how-to/responses
  (``/openai/responses?api-version=``, the deployment in ``model``).
"""

from __future__ import annotations

import logging

import pytest
import responses
from openai_wire_cases import FAKE_KEY, case_names, run_case

from modelkit import get_model
from modelkit.errors import BadRequestError, ConfigError, RateLimitError
from modelkit.messages import ChatMessageAssistant, ChatMessageUser, ContentAudio, ContentReasoning
from modelkit.providers.openai._responses_request import input_items
from modelkit.providers.openai._responses_response import (
    INCOMPLETE_REASONS,
    parse_responses_body,
)
from modelkit.providers.openai.api import responses_only

URL = "https://api.openai.com/v1/responses"


@pytest.mark.parametrize("case", case_names("openai-responses"))
def test_responses_wire(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run_case("openai-responses", case, monkeypatch)


@pytest.mark.parametrize("case", case_names("azure-responses"))
def test_azure_responses_wire(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run_case("azure-responses", case, monkeypatch)


@pytest.mark.parametrize(
    ("model", "only"),
    [
        ("o3-pro", True),
        ("o1-pro-2025-03-19", True),
        ("gpt-5-pro", True),
        ("gpt-5.1-codex", True),
        ("codex-mini-latest", True),
        ("o4-mini-deep-research", True),
        ("computer-use-preview", True),
        ("gpt-4o", False),
        ("o3", False),
        ("gpt-5", False),
        ("gpt-5-mini", False),
        ("o3-mini", False),
    ],
)
def test_models_served_only_by_responses(model: str, only: bool) -> None:
    assert responses_only(model) is only
    api = get_model(f"openai/{model}", api_key=FAKE_KEY, memoize=False).api
    assert api.endpoint().endswith("/responses" if only else "/chat/completions")  # type: ignore[attr-defined]


def test_responses_api_argument_overrides_the_default() -> None:
    chat = get_model("openai/o3-pro", api_key=FAKE_KEY, memoize=False, responses_api=False)
    assert chat.api.endpoint().endswith("/chat/completions")  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="responses_api must be True or False"):
        get_model("openai/gpt-4o", api_key=FAKE_KEY, memoize=False, responses_api="yes")


def test_left_off_fields_are_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    model = get_model("openai/gpt-4o", api_key=FAKE_KEY, memoize=False, responses_api=True)
    with caplog.at_level(logging.WARNING, logger="modelkit"):
        for _ in range(2):
            model.api.build_request(  # type: ignore[attr-defined]
                [ChatMessageUser(content="hi")], [], "auto", model.config.merge({"seed": 1})
            )
    assert [r.getMessage() for r in caplog.records] == [
        "openai/gpt-4o does not take seed; not sent"
    ]


def test_num_choices_is_refused() -> None:
    model = get_model("openai/gpt-4o", api_key=FAKE_KEY, memoize=False, responses_api=True)
    with pytest.raises(ConfigError, match="responses_api=False"):
        model.generate("hi", config={"num_choices": 2})


def test_audio_and_foreign_reasoning() -> None:
    audio = ContentAudio(audio="data:audio/wav;base64,UklGRg==", format="wav")
    items = input_items(
        [
            ChatMessageUser(content=[audio]),
            # Reasoning another API produced cannot go back; an own item can.
            ChatMessageAssistant(
                content=[
                    ContentReasoning(reasoning="x", signature="anthropic-signature"),
                    ContentReasoning(reasoning="", redacted=True, data="enc", signature="rs_1"),
                ]
            ),
        ]
    )
    assert items == [
        {
            "role": "user",
            "content": [
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
            ],
        },
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "enc"},
    ]


def test_reasoning_round_trips_through_the_next_turn() -> None:
    body = {
        "model": "o3-pro",
        "status": "completed",
        "output": [
            {"id": "rs_9", "type": "reasoning", "summary": [], "encrypted_content": "secret"},
            {"type": "message", "content": [{"type": "output_text", "text": "4"}]},
        ],
    }
    message = parse_responses_body(body, "o3-pro").message
    reasoning = message.content[0]
    assert isinstance(reasoning, ContentReasoning) and reasoning.redacted
    assert input_items([message]) == [
        {"type": "reasoning", "id": "rs_9", "summary": [], "encrypted_content": "secret"},
        {"role": "assistant", "content": "4"},
    ]


def test_incomplete_reasons() -> None:
    for reason, stop in INCOMPLETE_REASONS.items():
        body = {"status": "incomplete", "incomplete_details": {"reason": reason}, "output": []}
        assert parse_responses_body(body, "m").stop_reason == stop
    body = {"status": "incomplete", "incomplete_details": {"reason": "other"}, "output": []}
    assert parse_responses_body(body, "m").stop_reason == "unknown"


def _failed(code: str) -> dict:  # type: ignore[type-arg]
    return {
        "id": "resp_f",
        "object": "response",
        "status": "failed",
        "error": {"code": code, "message": f"failed: {code}"},
        "output": [],
        "model": "gpt-4o",
    }


@pytest.mark.parametrize(
    ("code", "kind", "status"),
    [("rate_limit_exceeded", RateLimitError, 429), ("invalid_image", BadRequestError, 400)],
)
def test_failed_status_is_an_error(code: str, kind: type, status: int) -> None:
    model = get_model("openai/gpt-4o", api_key=FAKE_KEY, memoize=False, responses_api=True)
    with responses.RequestsMock() as mock:
        mock.post(URL, json=_failed(code))
        with pytest.raises(kind) as caught:
            model.generate("hi", config={"max_retries": 0})
    assert caught.value.status == status
    assert code in str(caught.value)


def test_failed_invalid_prompt_is_a_content_filter_answer() -> None:
    model = get_model("openai/gpt-4o", api_key=FAKE_KEY, memoize=False, responses_api=True)
    with responses.RequestsMock() as mock:
        mock.post(URL, json=_failed("invalid_prompt"))
        output = model.generate("hi")
    assert output.stop_reason == "content_filter"
    assert output.error == "failed: invalid_prompt"


def test_verbosity_and_reasoning_summary() -> None:
    model = get_model("openai/gpt-5-pro", api_key=FAKE_KEY, memoize=False)
    config = model.config.merge(
        {"verbosity": "low", "reasoning_summary": "auto", "reasoning_effort": "high"}
    )
    body = model.api.build_request([ChatMessageUser(content="hi")], [], "auto", config).body  # type: ignore[attr-defined]
    assert body["text"] == {"verbosity": "low"}
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]
