"""``ChatCompletionChoice.stop_details`` from each API's refusal and safety signals.

Filled where Inspect 0.3.285 fills them (``openai_stop_details``,
``responses_stop_details``, ``message_stop_details``,
``google_stop_details``/``prompt_feedback_stop_details``,
``bedrock_stop_details``, ``openai_refusal_model_output``), from bodies
shaped as documented:

- OpenAI chat: ``message.refusal``
  (https://platform.openai.com/docs/api-reference/chat/object); Azure's
  ``content_filter_results`` per category ``{filtered, severity}`` and the
  400 ``content_filter`` error's ``innererror.content_filter_result``
  (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter).
- OpenAI Responses: ``refusal`` output parts and
  ``incomplete_details.reason: "content_filter"``
  (https://platform.openai.com/docs/api-reference/responses/object).
- Anthropic: ``stop_reason: "refusal"`` with ``stop_details: {type:
  "refusal", category, explanation}`` (anthropic-sdk-python
  ``RefusalStopDetails``).
- Gemini: ``finishReason: SAFETY``, ``finishMessage``, ``safetyRatings``
  with ``blocked``; ``promptFeedback.blockReason``/``blockReasonMessage``
  (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse).
- Bedrock: ``stopReason: guardrail_intervened`` and the ``trace.guardrail``
  assessments' ``contentPolicy.filters`` and ``topicPolicy.topics``
  (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_GuardrailAssessment.html).
"""

from __future__ import annotations

from typing import Any, Dict

from modelkit.errors import BadRequestError
from modelkit.output import StopCategory, StopDetails
from modelkit.providers.anthropic.api import parse_message
from modelkit.providers.bedrock._response import output_from as bedrock_output
from modelkit.providers.google._response import output_from as google_output
from modelkit.providers.openai._response import ParseOptions, output_for_error, parse_completion
from modelkit.providers.openai._responses_response import parse_responses_body


def _chat(choice: Dict[str, Any]) -> Any:
    body = {"id": "chatcmpl-1", "model": "gpt-4o", "choices": [{"index": 0, **choice}]}
    return parse_completion(body, "gpt-4o", ParseOptions()).choices[0]


def test_openai_refusal_is_explained() -> None:
    choice = _chat(
        {
            "message": {"role": "assistant", "content": None, "refusal": "I can't help with that."},
            "finish_reason": "stop",
        }
    )
    assert choice.stop_details == StopDetails(type="refusal", explanation="I can't help with that.")


def test_azure_filtered_categories_only_those_filtered() -> None:
    choice = _chat(
        {
            "message": {"role": "assistant", "content": ""},
            "finish_reason": "content_filter",
            "content_filter_results": {
                "hate": {"filtered": False, "severity": "safe"},
                "violence": {"filtered": True, "severity": "high"},
                "jailbreak": {"filtered": False, "detected": True},
            },
        }
    )
    assert choice.stop_details == StopDetails(
        type="content_filter",
        category="violence",
        explanation="Content filtered: violence (high)",
        categories=[StopCategory(category="violence", level="high")],
    )


def test_openai_normal_answer_has_no_details() -> None:
    choice = _chat(
        {
            "message": {"role": "assistant", "content": "Hi", "refusal": None},
            "finish_reason": "stop",
            "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}},
        }
    )
    assert choice.stop_details is None


def test_openai_cyber_policy_error_is_a_cyber_refusal() -> None:
    body = {
        "error": {
            "message": "This request was blocked.",
            "type": "invalid_request_error",
            "code": "cyber_policy",
        }
    }
    error = BadRequestError("blocked", provider="openai", model="gpt-5.4", status=400, body=body)
    output = output_for_error(error, "gpt-5.4")
    assert output is not None and output.stop_reason == "content_filter"
    assert output.choices[0].stop_details == StopDetails(
        type="refusal",
        category="cyber",
        explanation="This request was blocked.",
        categories=[StopCategory(category="cyber")],
    )


def test_responses_refusal_and_content_filter() -> None:
    refused = parse_responses_body(
        {
            "id": "resp_1",
            "status": "completed",
            "output": [
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "refusal", "refusal": "I can't assist with that."}],
                }
            ],
        },
        "gpt-5",
    )
    assert refused.choices[0].stop_details == StopDetails(
        type="refusal", explanation="I can't assist with that."
    )
    filtered = parse_responses_body(
        {
            "id": "resp_2",
            "status": "incomplete",
            "incomplete_details": {"reason": "content_filter"},
            "output": [],
        },
        "gpt-5",
    )
    assert filtered.stop_reason == "content_filter"
    # Nothing to explain and no categories: as Inspect's collect_stop_details, no details.
    assert filtered.choices[0].stop_details is None


def test_anthropic_refusal_category() -> None:
    output = parse_message(
        {
            "model": "claude-opus-4-7",
            "content": [{"type": "text", "text": "I can't help with that."}],
            "stop_reason": "refusal",
            "stop_details": {
                "type": "refusal",
                "category": "cyber",
                "explanation": "The request could enable malware development.",
            },
            "usage": {"input_tokens": 10, "output_tokens": 5},
        }
    )
    assert output.stop_reason == "content_filter"
    assert output.choices[0].stop_details == StopDetails(
        type="refusal",
        category="cyber",
        explanation="The request could enable malware development.",
        categories=[StopCategory(category="cyber")],
    )


def test_anthropic_refusal_without_details_has_none() -> None:
    output = parse_message(
        {
            "model": "claude-sonnet-4-5",
            "content": [],
            "stop_reason": "refusal",
            "usage": {"input_tokens": 1, "output_tokens": 0},
        }
    )
    assert output.choices[0].stop_details is None


def test_gemini_safety_stop_names_the_blocked_ratings() -> None:
    output = google_output(
        {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": ""}]},
                    "finishReason": "SAFETY",
                    "index": 0,
                    "safetyRatings": [
                        {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
                        {
                            "category": "HARM_CATEGORY_DANGEROUS_CONTENT",
                            "probability": "HIGH",
                            "blocked": True,
                        },
                    ],
                }
            ],
            "modelVersion": "gemini-2.5-flash",
        },
        "gemini-2.5-flash",
    )
    assert output.choices[0].stop_details == StopDetails(
        type="SAFETY",
        category="HARM_CATEGORY_DANGEROUS_CONTENT",
        explanation="Content filtered: HARM_CATEGORY_DANGEROUS_CONTENT (HIGH)",
        categories=[StopCategory(category="HARM_CATEGORY_DANGEROUS_CONTENT", level="HIGH")],
    )


def test_gemini_blocked_prompt() -> None:
    output = google_output(
        {
            "promptFeedback": {
                "blockReason": "PROHIBITED_CONTENT",
                "safetyRatings": [
                    {
                        "category": "HARM_CATEGORY_HATE_SPEECH",
                        "probability": "HIGH",
                        "blocked": True,
                    }
                ],
            },
            "modelVersion": "gemini-2.5-flash",
        },
        "gemini-2.5-flash",
    )
    assert output.choices[0].stop_details == StopDetails(
        type="PROHIBITED_CONTENT",
        category="HARM_CATEGORY_HATE_SPEECH",
        explanation="Blocked: PROHIBITED_CONTENT",
        categories=[StopCategory(category="HARM_CATEGORY_HATE_SPEECH", level="HIGH")],
    )


def test_bedrock_guardrail_trace() -> None:
    output = bedrock_output(
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "Sorry."}]}},
            "stopReason": "guardrail_intervened",
            "usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7},
            "trace": {
                "guardrail": {
                    "inputAssessment": {
                        "gr-1": {
                            "contentPolicy": {
                                "filters": [
                                    {"type": "VIOLENCE", "confidence": "HIGH", "action": "BLOCKED"},
                                    {"type": "HATE", "confidence": "LOW", "action": "NONE"},
                                ]
                            },
                            "topicPolicy": {
                                "topics": [
                                    {"name": "Investing", "type": "DENY", "action": "BLOCKED"}
                                ]
                            },
                        }
                    }
                }
            },
        },
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
    )
    assert output.choices[0].stop_details == StopDetails(
        type="guardrail_intervened",
        category="VIOLENCE",
        explanation="Content filtered: VIOLENCE (HIGH), Investing",
        categories=[
            StopCategory(category="VIOLENCE", level="HIGH"),
            StopCategory(category="Investing"),
        ],
    )
    untraced = bedrock_output(
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "Sorry."}]}},
            "stopReason": "guardrail_intervened",
            "usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7},
        },
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
    )
    assert untraced.choices[0].stop_details is None


def test_responses_refused_prompt_failure_is_a_refusal() -> None:
    import responses as mocked

    from modelkit import get_model

    failed = {
        "id": "resp_f1",
        "object": "response",
        "status": "failed",
        "model": "gpt-5.4",
        "output": [],
        "error": {"code": "cyber_policy", "message": "This request was flagged."},
    }
    model = get_model("openai/gpt-5.4", api_key="sk-test", memoize=False, responses_api=True)
    with mocked.RequestsMock() as mock:
        mock.post("https://api.openai.com/v1/responses", json=failed)
        output = model.generate("hi")
    assert output.stop_reason == "content_filter"
    assert output.choices[0].stop_details == StopDetails(
        type="refusal",
        category="cyber",
        explanation="This request was flagged.",
        categories=[StopCategory(category="cyber")],
    )
