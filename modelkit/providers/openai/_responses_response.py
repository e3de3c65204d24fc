"""Read OpenAI Responses API response bodies (the ``response`` object).

Pure converters from a response body to a ``ModelOutput``: ``output``
items in order (``reasoning`` items as ``ContentReasoning`` parts carrying
the summary, the item id and the encrypted content to send back;
``message`` items' ``output_text`` (its ``url_citation`` and file
annotations as citations) and ``refusal`` parts; ``function_call``
items as tool calls; server-side tool items as ``ContentToolUse``, see
``_responses_tools``, xAI's in ``_xai_tools``), ``status`` and ``incomplete_details.reason`` as the
stop reason (:data:`INCOMPLETE_REASONS`), ``output_text.logprobs``, and
usage with cached and reasoning tokens; refusals and a ``content_filter``
stop give ``StopDetails``. A ``failed`` response (HTTP 200
with ``status: "failed"`` and an ``error``) becomes the matching modelkit
exception through :func:`failed_response_error`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from ...errors import APIError
from ...messages import Content, ContentImage, ContentReasoning, ContentText
from ...output import (
    ChatCompletionChoice,
    Logprob,
    Logprobs,
    ModelOutput,
    ModelUsage,
    StopDetails,
    StopReason,
)
from ...tools._types import ToolCall
from .._common import assistant_message, settled_stop_details
from .._fields import count, optional_count
from .._rest import error_from_status
from ._citations import annotations_to_citations
from ._response import _logprob, parse_tool_call, refusal_output
from ._responses_tools import SERVER_ITEMS, tool_use_from_item
from ._xai_tools import XAI_ITEMS, xai_tool_use

__all__ = [
    "INCOMPLETE_REASONS",
    "failed_response_error",
    "parse_responses_body",
    "parse_responses_usage",
]

INCOMPLETE_REASONS: Dict[str, StopReason] = {
    "max_output_tokens": "max_tokens",
    "content_filter": "content_filter",
}
"""``incomplete_details.reason`` -> ``StopReason``; anything else is ``"unknown"``."""

_RETRYABLE_CODES = {"server_error": 500, "rate_limit_exceeded": 429, "vector_store_timeout": 504}
_FILTER_CODES = frozenset(
    {"invalid_prompt", "bio_policy", "cyber_policy", "image_content_policy_violation"}
)


def parse_responses_body(
    body: Mapping[str, Any], model: str, server_tools: str = "openai"
) -> ModelOutput:
    """A ``ModelOutput`` from a ``response`` object that did not fail.

    A refusal becomes the message text and ``ModelOutput.error``, as in
    the chat converter. ``server_tools`` (``"openai"`` or ``"grok"``)
    says whose server-side tool items the output holds.
    """
    grok = server_tools == "grok"
    model = body.get("model") or model
    parts: List[Content] = []
    calls: List[ToolCall] = []
    refusals: List[str] = []
    logprobs: List[Logprob] = []
    for index, item in enumerate(body.get("output") or []):
        kind = item.get("type")
        if kind == "reasoning":
            parts.append(_reasoning_part(item))
        elif kind == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    citations = annotations_to_citations(part.get("annotations"))
                    parts.append(ContentText(text=part.get("text") or "", citations=citations))
                    logprobs.extend(_logprob(entry) for entry in part.get("logprobs") or [])
                elif part.get("type") == "refusal":
                    refusals.append(part.get("refusal") or "")
                    parts.append(ContentText(text=refusals[-1]))
        elif kind == "function_call":
            wire = {"id": item.get("call_id"), "function": item}
            calls.append(parse_tool_call(wire, index))
        elif grok and kind in XAI_ITEMS:
            parts.append(xai_tool_use(item))
        elif kind in SERVER_ITEMS and not grok:
            parts.append(tool_use_from_item(item))
        elif kind == "image_generation_call":
            image = _generated_image(item)
            if image is not None:
                parts.append(image)
    message = assistant_message(parts, calls, model, join_texts=True)
    choice = ChatCompletionChoice(
        message=message,
        stop_reason=_stop_reason(body, bool(calls)),
        logprobs=Logprobs(content=logprobs) if logprobs else None,
        stop_details=_stop_details(body, refusals),
    )
    return ModelOutput(
        model=model,
        choices=[choice],
        usage=parse_responses_usage(body.get("usage")),
        metadata={"id": body["id"]} if body.get("id") else None,
        error=refusals[-1] if refusals else None,
    )


def _generated_image(item: Mapping[str, Any]) -> Optional[ContentImage]:
    """The image of a completed ``image_generation_call`` item, as a ``data:`` URI."""
    result = item.get("result")
    if item.get("status") != "completed" or not isinstance(result, str) or not result:
        return None
    kind = item.get("output_format") if item.get("output_format") in _IMAGE_FORMATS else "png"
    return ContentImage(image=f"data:image/{kind};base64,{result}")


_IMAGE_FORMATS = ("png", "jpeg", "webp")


def _stop_details(body: Mapping[str, Any], refusals: List[str]) -> Optional[StopDetails]:
    """A refusal's text, or a ``content_filter`` stop, as Inspect reports them."""
    details = body.get("incomplete_details")
    filtered = isinstance(details, Mapping) and details.get("reason") == "content_filter"
    explanation = "\n".join(r for r in refusals if r) or None
    if not explanation and not filtered:
        return None
    kind = "content_filter" if filtered else "refusal"
    return settled_stop_details(StopDetails(type=kind, explanation=explanation))


def _reasoning_part(item: Mapping[str, Any]) -> ContentReasoning:
    summary = "\n\n".join(
        s.get("text") or "" for s in item.get("summary") or [] if isinstance(s, Mapping)
    )
    encrypted = item.get("encrypted_content")
    return ContentReasoning(
        reasoning=summary,
        signature=item.get("id"),
        redacted=not summary and bool(encrypted),
        data=encrypted,
    )


def _stop_reason(body: Mapping[str, Any], has_calls: bool) -> StopReason:
    if body.get("status") == "incomplete":
        details = body.get("incomplete_details") or {}
        return INCOMPLETE_REASONS.get(details.get("reason") or "", "unknown")
    return "tool_calls" if has_calls else "stop"


def parse_responses_usage(data: Any) -> Optional[ModelUsage]:
    """Usage in modelkit's convention: cached tokens (read from and written to
    the prompt cache, ``input_tokens_details``) moved out of ``input_tokens``."""
    if not isinstance(data, Mapping):
        return None
    prompt = count(data.get("input_tokens"))
    output = count(data.get("output_tokens"))
    details = data.get("input_tokens_details") or {}
    cached = details.get("cached_tokens")
    written = details.get("cache_write_tokens") or None  # 0: nothing written
    reasoning = (data.get("output_tokens_details") or {}).get("reasoning_tokens")
    total = data.get("total_tokens")
    return ModelUsage(
        input_tokens=prompt - count(cached) - count(written),
        output_tokens=output,
        total_tokens=count(total) if total is not None else prompt + output,
        input_tokens_cache_write=optional_count(written),
        input_tokens_cache_read=optional_count(cached),
        reasoning_tokens=optional_count(reasoning),
    )


def failed_response_error(body: Mapping[str, Any], *, provider: str, model: str) -> APIError:
    """The exception for a ``status: "failed"`` response, by its ``error.code``.

    ``server_error``, ``rate_limit_exceeded`` and ``vector_store_timeout``
    are retried like the HTTP statuses they stand for; other codes (bad
    images, a prompt refused) are bad requests.
    """
    error = body.get("error") or {}
    code = str(error.get("code") or "")
    message = str(error.get("message") or "the response failed")
    status = _RETRYABLE_CODES.get(code, 400)
    full = f"{message} ({code})" if code else message
    return error_from_status(status, full, provider=provider, model=model, body=dict(body))


def refused_prompt(body: Mapping[str, Any], model: str) -> Optional[ModelOutput]:
    """The ``content_filter`` answer a failure really is (a refused prompt), else ``None``.

    Its ``StopDetails`` say ``refusal`` with the message, as Inspect's
    ``openai_refusal_model_output`` does (``cyber_policy``: category ``cyber``).
    """
    error = body.get("error") or {}
    code = str(error.get("code") or "")
    if code not in _FILTER_CODES:
        return None
    return refusal_output(model, str(error.get("message") or "the prompt was refused"), code)
