"""MCP's tools and tool results in modelkit's terms.

A listed tool becomes a ``ToolInfo`` with the server's name and
description and its ``inputSchema`` as ``ToolParams`` (``$ref``s to
``$defs`` inlined, keys JSON Schema has but ``ToolParam`` does not hold,
such as ``title``, dropped; a parameter without a description gets its
name, as Inspect does). A result's content blocks become content parts:
text as ``ContentText``, images and audio as base64 ``data:`` URIs, a
resource link as a line naming it, an embedded text resource as its text
(a binary one as a line naming it). A result flagged ``isError``, or a
JSON-RPC error to the call, is a ``ToolError``: the model is told, the
conversation goes on; so is an ``InputRequiredResult`` (2026-07-28) asking
for input a client declaring no capabilities cannot give. See
https://modelcontextprotocol.io/specification/2025-11-25/server/tools and
/specification/2026-07-28/basic/patterns/mrtr.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Union

import attrs

from ...errors import MCPServerError
from ...messages import Content, ContentAudio, ContentImage, ContentText
from .._schema import UnsupportedHint, from_json_schema
from .._types import ToolError, ToolInfo, ToolParams

__all__ = ["result_content", "tool_info"]

logger = logging.getLogger("modelkit")

_AUDIO_FORMATS = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/mpeg": "mp3",
}


def tool_info(server: str, tool: Dict[str, Any]) -> Optional[ToolInfo]:
    """The ``ToolInfo`` of a listed tool (``None``, logged, if its schema cannot be held)."""
    schema = tool["inputSchema"]
    try:
        param = from_json_schema(schema, schema.get("$defs") or {}, ())
    except UnsupportedHint as exc:
        logger.warning("MCP server %r: tool %r skipped: %s", server, tool["name"], exc)
        return None
    properties = {
        name: value if value.description else attrs.evolve(value, description=name)
        for name, value in (param.properties or {}).items()
    }
    extra = schema.get("additionalProperties")
    parameters = ToolParams(
        properties=properties,
        required=list(param.required or []),
        additionalProperties=bool(extra) if isinstance(extra, (bool, dict)) else False,
    )
    description = tool.get("description")
    return ToolInfo(
        name=tool["name"],
        description=description if isinstance(description, str) else "",
        parameters=parameters,
    )


def result_content(server: str, name: str, response: Dict[str, Any]) -> Union[str, List[Content]]:
    """The content of a ``tools/call`` response.

    Raises:
        ToolError: the server reported the call failed (the model sees it).
        MCPServerError: the result is not shaped as the spec gives.
    """
    if "error" in response:
        error = response["error"]
        raise ToolError(str(error.get("message") or "the MCP server reported an error"))
    result = response["result"]
    if isinstance(result, dict) and result.get("resultType") == "input_required":
        raise ToolError(_input_required(result))
    blocks = result.get("content") if isinstance(result, dict) else None
    if not isinstance(blocks, list):
        raise MCPServerError(
            server=server,
            message=f"MCP server {server!r} answered tools/call {name!r} without a content list",
        )
    parts = [_part(block) for block in blocks]
    if not parts and result.get("structuredContent") is not None:
        parts = [ContentText(text=json.dumps(result["structuredContent"], ensure_ascii=False))]
    if result.get("isError") is True:
        text = "\n\n".join(p.text for p in parts if isinstance(p, ContentText))
        raise ToolError(text or "the tool reported an error")
    if len(parts) == 1 and isinstance(parts[0], ContentText):
        return parts[0].text
    return parts


def _input_required(result: Dict[str, Any]) -> str:
    """What the model is told of an ``InputRequiredResult`` modelkit cannot satisfy."""
    asked = result.get("inputRequests")
    methods = sorted(
        {str(r.get("method")) for r in asked.values() if isinstance(r, dict)}
        if isinstance(asked, dict)
        else set()
    )
    what = f" ({', '.join(methods)})" if methods else ""
    return (
        f"the tool asked the client for input{what}, which modelkit cannot give "
        "(it declares no sampling, elicitation or roots capability)"
    )


def _part(block: Any) -> Content:
    if not isinstance(block, dict):
        return ContentText(text=f"(unreadable content block: {block!r:.100})")
    kind = block.get("type")
    if kind == "text":
        return ContentText(text=str(block.get("text", "")))
    if kind == "image":
        return ContentImage(image=_data_uri(block))
    if kind == "audio":
        mime = str(block.get("mimeType", ""))
        audio_format = _AUDIO_FORMATS.get(mime)
        if audio_format is not None:
            return ContentAudio(audio=_data_uri(block), format=audio_format)  # type: ignore[arg-type]
        return ContentText(text=f"(audio in {mime or 'an unknown format'} omitted)")
    if kind == "resource_link":
        label = block.get("description") or block.get("name") or "resource"
        return ContentText(text=f"{label} ({block.get('uri', '')})")
    if kind == "resource":
        found = block.get("resource")
        resource: Dict[str, Any] = found if isinstance(found, dict) else {}
        if isinstance(resource.get("text"), str):
            return ContentText(text=resource["text"])
        mime = resource.get("mimeType") or "binary"
        return ContentText(text=f"({mime} resource {resource.get('uri', '')} omitted)")
    return ContentText(text=f"(content of type {kind!r} omitted)")


def _data_uri(block: Dict[str, Any]) -> str:
    mime = str(block.get("mimeType") or "application/octet-stream")
    return f"data:{mime};base64,{block.get('data', '')}"
