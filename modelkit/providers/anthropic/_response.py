"""Anthropic Messages responses: message bodies and error bodies to modelkit types.

Pure functions used by ``anthropic.py``. A response's ``text`` blocks
become text (with their citations), server-tool blocks ``ContentToolUse``,
``thinking`` and ``redacted_thinking`` blocks become
``ContentReasoning`` (the signature or the encrypted data kept, so they can
be sent back), ``tool_use`` blocks become ``ToolCall`` (``input`` is already
an object). ``stop_reason`` maps through ``STOP_REASONS``. Usage keeps
Anthropic's split: ``input_tokens`` excludes cache reads and writes, which
are carried beside it, and the total is the sum of all four. Error bodies
(``{"type": "error", "error": {"type", "message"}, "request_id"}``) map to
the exception the engine should see.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional

from ...errors import APIError, shorten
from ...messages import Content, ContentData, ContentReasoning, ContentText
from ...output import (
    ChatCompletionChoice,
    ModelOutput,
    ModelUsage,
    StopCategory,
    StopDetails,
    StopReason,
)
from ...tools._types import ToolCall
from .._common import assistant_message, settled_stop_details
from .._fields import count
from .._rest import error_from_status, error_message
from ._citations import citation_from_wire
from ._compaction import compaction_data
from ._server_tools import ANTHROPIC_DATA, RESULT_BLOCKS, ServerToolParser

__all__ = ["STOP_REASONS", "error_type", "parse_error_body", "parse_message", "stop_details"]

STOP_REASONS: Dict[str, StopReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "max_tokens",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "model_context_window_exceeded": "model_length",
    # A server-tool loop paused mid-turn: the answer is unfinished, so it is
    # not "stop". Send the conversation back with this turn to continue.
    "pause_turn": "unknown",
}


def parse_message(body: Mapping[str, Any], model: str = "") -> ModelOutput:
    """A ``ModelOutput`` from a Messages API response body.

    Text blocks become text (with their ``citations``),
    ``thinking``/``redacted_thinking`` blocks become ``ContentReasoning``
    (signature or encrypted data kept), ``tool_use`` blocks become tool
    calls, server-tool blocks become ``ContentToolUse`` parts (see
    ``_server_tools``). The answer is one string when it is only plain
    text. ``stop_details`` (a refusal's category and explanation) fills
    the choice's ``StopDetails``.
    """
    parts: List[Content] = []
    calls: List[ToolCall] = []
    server = ServerToolParser()
    blocks: List[Any] = body["content"]  # no content at all: not a Messages answer
    if not isinstance(blocks, list):
        raise ValueError(f"content is {blocks!r:.40}, not a list of blocks")
    for block in blocks:
        kind = block.get("type")
        if kind == "text":
            parts.append(_text(block))
        elif kind == "thinking":
            parts.append(
                ContentReasoning(
                    reasoning=block.get("thinking", ""), signature=block.get("signature")
                )
            )
        elif kind == "redacted_thinking":
            parts.append(ContentReasoning(reasoning="", redacted=True, data=block.get("data")))
        elif kind == "tool_use":
            calls.append(_tool_call(block))
        elif kind in ("server_tool_use", "mcp_tool_use"):
            parts.append(server.use(block))
        elif kind in RESULT_BLOCKS:
            earlier = server.result(block)
            if earlier is not None:
                parts.append(earlier)
        elif kind == "compaction":
            parts.append(compaction_data(block))
        elif isinstance(kind, str):  # container_upload, blocks added later: kept, sent back
            parts.append(ContentData(data=dict(block), internal=ANTHROPIC_DATA))
    raw_stop = body.get("stop_reason")
    stop_reason = STOP_REASONS.get(raw_stop or "", "unknown")
    message = assistant_message(parts, calls, body.get("model") or model, join_texts=True)
    choice = ChatCompletionChoice(
        message=message, stop_reason=stop_reason, stop_details=stop_details(body)
    )
    return ModelOutput(
        model=body.get("model") or model,
        choices=[choice],
        usage=_usage(body.get("usage") or {}),
        metadata={"stop_reason": raw_stop} if stop_reason == "unknown" and raw_stop else None,
        error=_refusal(body) if raw_stop == "refusal" else None,
    )


def _text(block: Mapping[str, Any]) -> ContentText:
    wire = block.get("citations")
    found = [citation_from_wire(c) for c in wire] if isinstance(wire, list) else []
    citations = [c for c in found if c is not None]
    return ContentText(text=block.get("text", ""), citations=citations or None)


def stop_details(body: Mapping[str, Any]) -> Optional[StopDetails]:
    """``StopDetails`` from the body's ``stop_details`` (a refusal's category), if any."""
    details = body.get("stop_details")
    if not isinstance(details, Mapping):
        return None
    category = details.get("category")
    return settled_stop_details(
        StopDetails(
            type=details.get("type"),
            category=category,
            explanation=details.get("explanation"),
            categories=[StopCategory(category=category)] if category else [],
        )
    )


def _tool_call(block: Mapping[str, Any]) -> ToolCall:
    arguments = block.get("input")
    if isinstance(arguments, dict):
        return ToolCall(id=block["id"], function=block["name"], arguments=arguments)
    return ToolCall(
        id=block["id"],
        function=block["name"],
        parse_error=f"tool input is not a JSON object: {shorten(repr(arguments), 200)}",
        raw_arguments=json.dumps(arguments),
    )


def _usage(usage: Mapping[str, Any]) -> ModelUsage:
    input_tokens = count(usage.get("input_tokens"))
    output_tokens = count(usage.get("output_tokens"))
    cache_write = usage.get("cache_creation_input_tokens")
    cache_read = usage.get("cache_read_input_tokens")
    details = usage.get("output_tokens_details") or {}
    return ModelUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens + count(cache_write) + count(cache_read),
        input_tokens_cache_write=cache_write,
        input_tokens_cache_read=cache_read,
        reasoning_tokens=details.get("thinking_tokens"),
    )


def _refusal(body: Mapping[str, Any]) -> str:
    details = body.get("stop_details") or {}
    explanation = details.get("explanation") or details.get("category")
    return f"refusal: {explanation}" if explanation else "refusal"


def parse_error_body(
    status: int,
    body: Any,
    text: str,
    headers: Mapping[str, str],
    *,
    provider: str,
    model: str,
) -> APIError:
    """The exception for an error response (``{"type": "error", "error": {...}}``).

    ``overloaded_error`` (HTTP 529) is a plain ``APIError`` that
    ``is_rate_limit`` reports, so the engine backs off and retries it; a
    spend-limit 429 and ``billing_error`` are ``QuotaExceededError`` (not
    retried, classified by the shared ``error_from_status``); the rest
    follow the HTTP status.
    """
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return error_from_status(
            status,
            error_message(body, text),
            provider=provider,
            model=model,
            body=body,
            headers=headers,
        )
    kind = error.get("type") or ""
    message = error_message(body, text)
    request_id = body.get("request_id") or headers.get("request-id")
    if request_id:
        message = f"{message} [request_id {request_id}]"
    common: Dict[str, Any] = {
        "provider": provider,
        "model": model,
        "status": status,
        "body": body,
        "headers": dict(headers),
    }
    if kind == "overloaded_error" or status == 529:
        return APIError(message, **common)
    return error_from_status(
        status, message, provider=provider, model=model, body=body, headers=headers
    )


def error_type(body: Any) -> str:
    """The ``error.type`` of an Anthropic error body (``""`` when there is none)."""
    error = body.get("error") if isinstance(body, dict) else None
    kind = error.get("type") if isinstance(error, dict) else None
    return kind if isinstance(kind, str) else ""
