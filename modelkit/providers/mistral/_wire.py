"""Mistral wire pieces shared by chat completions (``api``) and the Conversations API.

The ``reasoning_effort`` values, ``response_schema`` as a ``json_schema``
response format, and tool calls read from ``{"id", "function": {"name",
"arguments"}}`` (arguments as JSON text or an object). Pure functions.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional

from ..._json import loads as strict_json
from ...config import GenerateConfig
from ...errors import shorten
from ...tools._types import ToolCall

__all__ = ["REASONING_EFFORTS", "parse_tool_call", "response_format"]

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
