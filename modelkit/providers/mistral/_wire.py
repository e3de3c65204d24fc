"""Mistral wire pieces shared by chat completions (``api``) and the Conversations API.

The sampling settings (``sampling``), the ``reasoning_effort`` values, ``response_schema`` as a ``json_schema``
response format, tool calls read from ``{"id", "function": {"name",
"arguments"}}`` (arguments as JSON text or an object), and ``usage``
(``prompt_tokens`` includes ``prompt_tokens_details.cached_tokens``, billed
at 10% of the input price: docs.mistral.ai's prompt-caching page). Pure
functions.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional

from ..._json import loads as strict_json
from ...config import GenerateConfig
from ...errors import shorten
from ...output import ModelUsage
from ...tools._types import ToolCall
from .._fields import count

__all__ = [
    "REASONING_EFFORTS",
    "parse_tool_call",
    "parse_usage",
    "response_format",
    "sampling",
]

REASONING_EFFORTS: Dict[str, str] = {
    "none": "none",
    "minimal": "none",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "high",
    "max": "high",
}
"""``reasoning_effort`` on the wire. Mistral Small 4 and Medium 3.5 document
only ``none`` and ``high`` (https://docs.mistral.ai/capabilities/reasoning/):
``xhigh`` and ``max`` are ``high``, their top; ``low`` and ``medium`` are
passed through for models that take them."""


def response_format(config: GenerateConfig) -> Optional[Dict[str, Any]]:
    """``response_schema`` as Mistral's ``json_schema`` response format, or ``None``."""
    schema = config.response_schema
    if schema is None:
        return None
    inner: Dict[str, Any] = {"name": schema.name, "schema": schema.json_schema}
    if schema.description:
        inner["description"] = schema.description
    if schema.strict is not None:
        inner["strict"] = schema.strict
    return {"type": "json_schema", "json_schema": inner}


def sampling(config: GenerateConfig) -> Dict[str, Any]:
    """The sampling settings and response format both APIs take, those set only."""
    settings = (
        ("temperature", config.temperature),
        ("top_p", config.top_p),
        ("max_tokens", config.max_tokens),
        ("stop", list(config.stop_seqs) if config.stop_seqs else None),
        ("random_seed", config.seed),
        ("presence_penalty", config.presence_penalty),
        ("frequency_penalty", config.frequency_penalty),
        ("reasoning_effort", REASONING_EFFORTS.get(config.reasoning_effort or "")),
        ("response_format", response_format(config)),
    )
    return {key: value for key, value in settings if value is not None}


def parse_tool_call(call: Mapping[str, Any]) -> ToolCall:
    """A tool call from ``{"id", "function": {"name", "arguments"}}`` (arguments text or object)."""
    function = call.get("function") or {}
    raw = function.get("arguments")
    call_id, name = str(call.get("id") or ""), str(function.get("name") or "")
    if isinstance(raw, dict):
        return ToolCall(id=call_id, function=name, arguments=raw)
    text = raw if isinstance(raw, str) else json.dumps(raw)
    try:
        parsed = strict_json(text) if text.strip() else {}
    except ValueError as exc:
        return ToolCall(
            id=call_id,
            function=name,
            parse_error=f"invalid JSON arguments: {exc}",
            raw_arguments=text,
        )
    if not isinstance(parsed, dict):
        return ToolCall(
            id=call_id,
            function=name,
            parse_error=f"arguments are not a JSON object: {shorten(text, 200)}",
            raw_arguments=text,
        )
    return ToolCall(id=call_id, function=name, arguments=parsed)


def parse_usage(usage: Mapping[str, Any]) -> ModelUsage:
    """``ModelUsage`` in modelkit's convention from a Mistral ``usage`` object.

    ``prompt_tokens`` counts every prompt token; the cached ones
    (``prompt_tokens_details.cached_tokens``) move to
    ``input_tokens_cache_read``, as Mistral bills them apart.
    """
    prompt = count(usage.get("prompt_tokens"))
    completion = count(usage.get("completion_tokens"))
    details = usage.get("prompt_tokens_details")
    cached: Optional[int] = None
    if isinstance(details, Mapping) and details.get("cached_tokens") is not None:
        cached = min(count(details["cached_tokens"]), prompt)
    return ModelUsage(
        input_tokens=prompt - (cached or 0),
        output_tokens=completion,
        total_tokens=count(usage.get("total_tokens")) or prompt + completion,
        input_tokens_cache_read=cached,
    )
