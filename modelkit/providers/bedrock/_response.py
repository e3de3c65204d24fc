"""Read Bedrock Runtime ``Converse`` responses and error responses.

Pure converters for ``modelkit.providers.bedrock``: ``output.message``
content blocks become the assistant message (``reasoningContent`` becomes
``ContentReasoning`` with its signature or redacted bytes, ``toolUse`` becomes
``ToolCall``), ``stopReason`` maps through ``STOP_REASONS``, ``usage`` keeps
Bedrock's split (``inputTokens`` excludes cache reads and writes, which are
reported apart), a guardrail's ``trace`` gives ``StopDetails``, and errors
are told apart by the ``x-amzn-ErrorType``
header (or the body's ``__type``), as the AWS SDKs do.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Type

from ...errors import (
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    QuotaExceededError,
    RateLimitError,
)
from ...messages import Content, ContentReasoning, ContentText
from ...output import (
    ChatCompletionChoice,
    ModelOutput,
    ModelUsage,
    StopCategory,
    StopDetails,
    StopReason,
)
from ...tools._types import ToolCall
from .._common import assistant_message, scrub_secrets, settled_stop_details
from .._fields import count, optional_count
from .._rest import error_from_status

__all__ = [
    "ERROR_TYPES",
    "STOP_REASONS",
    "bedrock_error",
    "error_type",
    "output_from",
    "stop_details",
    "usage_from",
]

STOP_REASONS: Dict[str, StopReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "max_tokens",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
    "model_context_window_exceeded": "model_length",
}
"""Converse ``stopReason`` -> ``StopReason``; others (``malformed_model_output``,
``malformed_tool_use``, values added later) are ``"unknown"``."""

ERROR_TYPES: Dict[str, Type[APIError]] = {
    "ThrottlingException": RateLimitError,
    "ModelNotReadyException": RateLimitError,
    "TooManyRequestsException": RateLimitError,
    "ServiceUnavailableException": APIError,
    "InternalServerException": APIError,
    "ModelErrorException": APIError,
    "ModelStreamErrorException": APIError,
    "ModelTimeoutException": APITimeoutError,
    "ValidationException": BadRequestError,
    "ResourceNotFoundException": BadRequestError,
    "ConflictException": BadRequestError,
    "ServiceQuotaExceededException": QuotaExceededError,
    "AccessDeniedException": AuthenticationError,
    "UnrecognizedClientException": AuthenticationError,
    "InvalidSignatureException": AuthenticationError,
    "IncompleteSignature": AuthenticationError,
    "ExpiredTokenException": AuthenticationError,
    "MissingAuthenticationTokenException": AuthenticationError,
}
"""Bedrock error type -> exception class. Throttling and a model that is not
ready are rate limits (retried); ``ServiceUnavailable``/``InternalServer``
keep their 5xx status (retried); ``ModelTimeoutException`` is a timeout;
validation, access and quota errors are never retried. Unknown types follow
the HTTP status."""


def output_from(body: Mapping[str, Any], model: str) -> ModelOutput:
    """The ``ModelOutput`` for a ``ConverseResponse`` body.

    Raises:
        KeyError: the body has no ``output``.
    """
    message = (body["output"] or {}).get("message") or {}
    content: List[Content] = []
    calls: List[ToolCall] = []
    for block in message.get("content") or []:
        if "text" in block:
            content.append(ContentText(text=block["text"]))
        elif "reasoningContent" in block:
            content.append(_reasoning(block["reasoningContent"]))
        elif "toolUse" in block:
            calls.append(_tool_call(block["toolUse"]))
    raw = str(body.get("stopReason") or "")
    stop_reason: StopReason = STOP_REASONS.get(raw, "unknown")
    assistant = assistant_message(content, calls, model)
    metadata: Dict[str, Any] = {"stop_reason": raw}
    latency = (body.get("metrics") or {}).get("latencyMs")
    if latency is not None:
        metadata["latency_ms"] = latency
    if body.get("additionalModelResponseFields"):
        metadata["additional_model_response_fields"] = body["additionalModelResponseFields"]
    choice = ChatCompletionChoice(
        message=assistant, stop_reason=stop_reason, stop_details=stop_details(body)
    )
    return ModelOutput(
        model=model,
        choices=[choice],
        usage=usage_from(body.get("usage")),
        metadata=metadata,
        error=f"Bedrock stopped the output ({raw})" if stop_reason == "content_filter" else None,
    )


def stop_details(body: Mapping[str, Any]) -> Optional[StopDetails]:
    """A guardrail's stop: the content filters and denied topics that blocked it.

    The ``trace.guardrail`` assessments (``inputAssessment``: one per
    guardrail id; ``outputAssessments``: a list per id) are there only when
    the guardrail has tracing on; without them there is no detail, as in
    Inspect.
    """
    reason = body.get("stopReason")
    if reason not in ("guardrail_intervened", "content_filtered"):
        return None
    trace = body.get("trace")
    guardrail = trace.get("guardrail") if isinstance(trace, Mapping) else None
    if not isinstance(guardrail, Mapping):
        return None
    assessments: List[Any] = list((guardrail.get("inputAssessment") or {}).values())
    for value in (guardrail.get("outputAssessments") or {}).values():
        assessments.extend(value if isinstance(value, list) else [value])
    categories: List[StopCategory] = []
    for assessment in assessments:
        if not isinstance(assessment, Mapping):
            continue
        for found in (assessment.get("contentPolicy") or {}).get("filters") or []:
            if _blocked(found):
                level = found.get("confidence")
                name = str(found.get("type", "unknown"))
                categories.append(StopCategory(category=name, level=level and str(level)))
        for topic in (assessment.get("topicPolicy") or {}).get("topics") or []:
            if _blocked(topic) and topic.get("name"):
                categories.append(StopCategory(category=str(topic["name"])))
    if not categories:
        return None
    return settled_stop_details(StopDetails(type=str(reason), categories=categories))


def _blocked(entry: Any) -> bool:
    return isinstance(entry, Mapping) and bool(
        entry.get("action") == "BLOCKED" or entry.get("detected")
    )


def _reasoning(block: Mapping[str, Any]) -> ContentReasoning:
    if "redactedContent" in block:
        return ContentReasoning(reasoning="", redacted=True, data=str(block["redactedContent"]))
    text = block.get("reasoningText") or {}
    return ContentReasoning(reasoning=str(text.get("text") or ""), signature=text.get("signature"))


def _tool_call(block: Mapping[str, Any]) -> ToolCall:
    arguments = block.get("input")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return ToolCall(
            id=str(block["toolUseId"]),
            function=str(block["name"]),
            parse_error=f"the tool input is not an object: {arguments!r}"[:300],
        )
    return ToolCall(id=str(block["toolUseId"]), function=str(block["name"]), arguments=arguments)


def usage_from(usage: Optional[Mapping[str, Any]]) -> Optional[ModelUsage]:
    """Converse ``usage`` in modelkit's convention.

    ``inputTokens`` already excludes ``cacheReadInputTokens`` and
    ``cacheWriteInputTokens``; ``total_tokens`` is the sum of all four.
    """
    if not usage:
        return None
    read = usage.get("cacheReadInputTokens")
    write = usage.get("cacheWriteInputTokens")
    input_tokens = count(usage.get("inputTokens"))
    output_tokens = count(usage.get("outputTokens"))
    return ModelUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens + count(read) + count(write),
        input_tokens_cache_read=optional_count(read),
        input_tokens_cache_write=optional_count(write),
    )


def error_type(headers: Mapping[str, str], body: Any) -> Optional[str]:
    """The AWS error name: ``x-amzn-ErrorType`` up to ``:``, else the body's
    ``__type``/``code`` after any ``#`` namespace."""
    raw = headers.get("x-amzn-errortype")
    if not raw and isinstance(body, dict):
        raw = body.get("__type") or body.get("code") or body.get("Code")
    if not raw:
        return None
    return str(raw).split(":", 1)[0].rsplit("#", 1)[-1].strip() or None


def bedrock_error(
    status: int,
    body: Any,
    text: str,
    headers: Mapping[str, str],
    *,
    provider: str,
    model: str,
    secrets: Sequence[Optional[str]] = (),
) -> APIError:
    """The exception for a Bedrock error response (see ``ERROR_TYPES``)."""
    name = error_type(headers, body)
    message = ""
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("Message") or "")
    message = message or text.strip()[:300] or "(empty body)"
    if name:
        message = f"{message} ({name})"
    message, body = scrub_secrets(message, secrets), scrub_secrets(body, secrets)
    kwargs: Dict[str, Any] = {
        "provider": provider,
        "model": model,
        "status": status,
        "body": body,
        "headers": dict(headers),
    }
    kind = ERROR_TYPES.get(name or "")
    if kind is None:
        return error_from_status(
            status, message, provider=provider, model=model, body=body, headers=headers
        )
    return kind(message, **kwargs)
