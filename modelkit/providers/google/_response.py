"""Read Gemini ``generateContent`` responses and error bodies.

Pure converters for ``modelkit.providers.google``: candidates become
choices (thought parts become ``ContentReasoning``, ``functionCall`` parts
become ``ToolCall``s, thought signatures are kept so they can be sent back),
finish reasons map through ``FINISH_REASONS``, a prompt blocked by
``promptFeedback`` becomes an output with ``error`` set, grounding
metadata and safety ratings become citations and ``StopDetails`` (see
``_annotations``), ``usageMetadata``
is converted to modelkit's convention (``input_tokens`` without cached
tokens, ``output_tokens`` with thoughts) and ``{"error": {...}}`` bodies
become the matching ``APIError``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ...errors import (
    APIError,
    AuthenticationError,
    QuotaExceededError,
    RateLimitError,
)
from ...messages import (
    Content,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentToolUse,
)
from ...output import (
    ChatCompletionChoice,
    Logprob,
    Logprobs,
    ModelOutput,
    ModelUsage,
    StopReason,
    TopLogprob,
)
from ...tools._types import ToolCall
from .._common import assistant_message, scrub_secrets
from .._fields import count, optional_count
from .._rest import error_from_status
from ._annotations import add_grounding_citations, candidate_stop_details, prompt_stop_details
from ._builtin import tool_call_use
from ._request import LOCAL_ID_PREFIX
from ._server_parts import code_tool_use, fill_code_result

__all__ = ["FINISH_REASONS", "choice_from_candidate", "google_error", "output_from", "usage_from"]

_FILTERED: StopReason = "content_filter"
FINISH_REASONS: Dict[str, StopReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "max_tokens",
    "SAFETY": _FILTERED,
    "RECITATION": _FILTERED,
    "BLOCKLIST": _FILTERED,
    "PROHIBITED_CONTENT": _FILTERED,
    "SPII": _FILTERED,
    "IMAGE_SAFETY": _FILTERED,
    "IMAGE_PROHIBITED_CONTENT": _FILTERED,
    "IMAGE_RECITATION": _FILTERED,
    "MODEL_ARMOR": _FILTERED,
}
"""Gemini ``finishReason`` -> ``StopReason``. Anything else (``OTHER``,
``LANGUAGE``, ``MALFORMED_FUNCTION_CALL``, ``UNEXPECTED_TOOL_CALL``,
``TOO_MANY_TOOL_CALLS``, ``MISSING_THOUGHT_SIGNATURE``, values added later)
is ``"unknown"``; the raw value is kept in ``metadata["finish_reasons"]``."""


def output_from(body: Mapping[str, Any], model: str) -> ModelOutput:
    """The ``ModelOutput`` for a ``GenerateContentResponse`` body.

    Raises:
        ValueError: no candidates and no block reason (an answer modelkit
            cannot read).
    """
    usage = usage_from(body.get("usageMetadata"))
    model_version = body.get("modelVersion") or model
    candidates = body.get("candidates") or []
    if not candidates:
        feedback = body.get("promptFeedback") or {}
        reason = feedback.get("blockReason")
        if not reason:
            raise ValueError("the response has no candidates and no promptFeedback.blockReason")
        detail = feedback.get("blockReasonMessage")
        message = assistant_message([], [], model_version)
        choice = ChatCompletionChoice(
            message=message, stop_reason=_FILTERED, stop_details=prompt_stop_details(feedback)
        )
        return ModelOutput(
            model=model_version,
            choices=[choice],
            usage=usage,
            metadata={"prompt_feedback": dict(feedback)},
            error=f"prompt blocked ({reason})" + (f": {detail}" if detail else ""),
        )
    ordered = sorted(candidates, key=lambda c: int(c.get("index", 0)))
    response_id = str(body.get("responseId") or "")
    choices = [
        choice_from_candidate(c, model_version, f"{response_id}|{n}") for n, c in enumerate(ordered)
    ]
    finish = [str(c.get("finishReason") or "") for c in ordered]
    error = None
    if choices[0].stop_reason == _FILTERED:
        detail = ordered[0].get("finishMessage")
        error = f"generation stopped ({finish[0]})" + (f": {detail}" if detail else "")
    return ModelOutput(
        model=model_version,
        choices=choices,
        usage=usage,
        metadata={"finish_reasons": finish},
        error=error,
    )


def choice_from_candidate(
    candidate: Mapping[str, Any], model: str, id_seed: str = ""
) -> ChatCompletionChoice:
    """One choice: content, tool calls, stop reason and logprobs of a candidate.

    A ``thoughtSignature`` on a non-thought part is kept as
    ``ContentReasoning(reasoning="", signature=..., redacted=True)`` just
    before the part it signs (``data`` = the tool call id when that part is a
    ``functionCall``), so ``_request`` can put it back. Function calls
    without an ``id`` get a local one starting with ``LOCAL_ID_PREFIX``.
    Generated images (``inlineData``) become ``ContentImage`` data URIs.
    """
    parts = (candidate.get("content") or {}).get("parts") or []
    content: List[Content] = []
    calls: List[ToolCall] = []
    code: Optional[ContentToolUse] = None  # an executableCode part awaiting its result
    for index, part in enumerate(parts):
        if "toolResponse" in part:
            continue  # read with the toolCall part it answers
        if "toolCall" in part:
            call_id = (part.get("toolCall") or {}).get("id")
            answer = next(
                (
                    p
                    for p in parts[index + 1 :]
                    if "toolResponse" in p and (p.get("toolResponse") or {}).get("id") == call_id
                ),
                None,
            )
            content.append(tool_call_use(part, answer))
            continue
        if "executableCode" in part:  # signatures stay in the kept part
            code = code_tool_use(part)
            content.append(code)
            continue
        if "codeExecutionResult" in part:
            if code is None:
                code = code_tool_use({})
                content.append(code)
            fill_code_result(code, part)
            code = None
            continue
        signature = part.get("thoughtSignature")
        if part.get("thought"):
            content.append(ContentReasoning(reasoning=part.get("text") or "", signature=signature))
            continue
        function_call = part.get("functionCall")
        if function_call is not None:
            call = _tool_call(function_call, f"{id_seed}|{index}")
            calls.append(call)
            if signature:
                content.append(
                    ContentReasoning(reasoning="", signature=signature, redacted=True, data=call.id)
                )
            continue
        if signature:
            content.append(ContentReasoning(reasoning="", signature=signature, redacted=True))
        if "text" in part:
            content.append(ContentText(text=part["text"]))
        inline = part.get("inlineData") or {}
        if str(inline.get("mimeType", "")).startswith("image/") and inline.get("data"):
            content.append(ContentImage(image=f"data:{inline['mimeType']};base64,{inline['data']}"))
    raw = candidate.get("finishReason")
    stop_reason: StopReason = FINISH_REASONS.get(str(raw), "unknown")
    if calls and stop_reason == "stop":
        stop_reason = "tool_calls"
    add_grounding_citations(content, candidate.get("groundingMetadata"))
    message = assistant_message(content, calls, model)
    return ChatCompletionChoice(
        message=message,
        stop_reason=stop_reason,
        logprobs=_logprobs(candidate.get("logprobsResult")),
        stop_details=candidate_stop_details(candidate, stop_reason == _FILTERED),
    )


def _tool_call(function_call: Mapping[str, Any], seed: str) -> ToolCall:
    name = str(function_call.get("name") or "")
    call_id = function_call.get("id")
    if not call_id:
        digest = hashlib.sha256(f"{seed}|{name}".encode()).hexdigest()[:16]
        call_id = f"{LOCAL_ID_PREFIX}{digest}"
    args = function_call.get("args")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        return ToolCall(
            id=str(call_id),
            function=name,
            parse_error=f"Gemini sent args that are not an object: {args!r}"[:300],
        )
    return ToolCall(id=str(call_id), function=name, arguments=dict(args))


def _logprobs(result: Optional[Mapping[str, Any]]) -> Optional[Logprobs]:
    if not result or not result.get("chosenCandidates"):
        return None
    tops: Sequence[Mapping[str, Any]] = result.get("topCandidates") or []
    items = []
    for step, chosen in enumerate(result["chosenCandidates"]):
        top = None
        if step < len(tops):
            top = [
                TopLogprob(token=c.get("token", ""), logprob=float(c.get("logProbability", 0.0)))
                for c in tops[step].get("candidates") or []
            ]
        items.append(
            Logprob(
                token=chosen.get("token", ""),
                logprob=float(chosen.get("logProbability", 0.0)),
                top_logprobs=top,
            )
        )
    return Logprobs(content=items)


def usage_from(meta: Optional[Mapping[str, Any]]) -> Optional[ModelUsage]:
    """``usageMetadata`` in modelkit's convention.

    ``promptTokenCount`` includes cached tokens, so ``input_tokens`` is the
    prompt minus ``cachedContentTokenCount`` plus ``toolUsePromptTokenCount``;
    ``thoughtsTokenCount`` sits outside ``candidatesTokenCount``, so
    ``output_tokens`` is their sum; ``total_tokens`` is the sum of all.
    """
    if not meta:
        return None
    cached = meta.get("cachedContentTokenCount")
    thoughts = meta.get("thoughtsTokenCount")
    prompt = count(meta.get("promptTokenCount"))
    input_tokens = prompt - count(cached) + count(meta.get("toolUsePromptTokenCount"))
    output_tokens = count(meta.get("candidatesTokenCount")) + count(thoughts)
    return ModelUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + count(cached) + output_tokens,
        input_tokens_cache_read=optional_count(cached),
        reasoning_tokens=optional_count(thoughts),
    )


# --- errors -------------------------------------------------------------------


def google_error(
    status: int,
    body: Any,
    text: str,
    headers: Mapping[str, str],
    *,
    provider: str,
    model: str,
    secrets: Sequence[Optional[str]] = (),
) -> APIError:
    """The exception for a Gemini error response.

    ``{"error": {"code", "message", "status", "details"}}``: 429
    ``RESOURCE_EXHAUSTED`` is a ``RateLimitError``, unless a ``QuotaFailure``
    detail names a per-day quota (``QuotaExceededError``: waiting minutes
    will not help); an ``ErrorInfo`` reason ``API_KEY_INVALID`` is an
    ``AuthenticationError``; the rest follow the HTTP status. A
    ``RetryInfo.retryDelay`` is copied into a ``retry-after`` header when the
    response had none.
    """
    error = body[0] if isinstance(body, list) and body else body
    error = error.get("error") if isinstance(error, dict) else None
    details: List[Any] = []
    if isinstance(error, dict):
        details = [d for d in error.get("details") or [] if isinstance(d, dict)]
        message = str(error.get("message") or "(no message)")
        if error.get("status"):
            message = f"{message} ({error['status']})"
    else:
        message = text.strip()[:300] or "(empty body)"
    message, body = scrub_secrets(message, secrets), scrub_secrets(body, secrets)
    headers = dict(headers)
    delay = _retry_delay(details)
    if delay is not None and "retry-after" not in headers:
        headers["retry-after"] = delay
    kwargs: Dict[str, Any] = {
        "provider": provider,
        "model": model,
        "status": status,
        "body": body,
        "headers": headers,
    }
    if status == 429:
        if _daily_quota(details):
            return QuotaExceededError(message, **kwargs)
        return RateLimitError(message, **kwargs)
    if any(d.get("reason") == "API_KEY_INVALID" for d in details):
        return AuthenticationError(message, **kwargs)
    return error_from_status(
        status, message, provider=provider, model=model, body=body, headers=headers
    )


def _detail_type(detail: Mapping[str, Any]) -> str:
    return str(detail.get("@type", "")).rsplit(".", 1)[-1]


def _retry_delay(details: List[Any]) -> Optional[str]:
    for detail in details:
        if _detail_type(detail) == "RetryInfo":
            delay = str(detail.get("retryDelay") or "")
            if delay.endswith("s"):
                try:
                    return f"{float(delay[:-1]):g}"
                except ValueError:
                    return None
    return None


def _daily_quota(details: List[Any]) -> bool:
    for detail in details:
        if _detail_type(detail) == "QuotaFailure":
            for violation in detail.get("violations") or []:
                if "PerDay" in str(violation.get("quotaId", "")):
                    return True
    return False
