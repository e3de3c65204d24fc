"""``web_search()`` and ``code_execution()`` as Gemini's own tools, and their parts.

Request side (https://ai.google.dev/gemini-api/docs/google-search,
``/code-execution``, ``/url-context``): ``web_search()`` with ``gemini``
enabled is ``{"google_search": {...}}`` (the ``gemini`` options, as Inspect
passes them to ``GoogleSearch``), plus ``{"url_context": {}}`` when those
options hold ``"url_context": True`` (a modelkit addition: Inspect maps no
URL context); ``code_execution()`` with ``google`` enabled is
``{"code_execution": {}}``. Search results come back as grounding metadata
(citations on the text, ``_annotations``).

With function tools beside them (Gemini 3,
https://ai.google.dev/gemini-api/docs/tool-combination) ``toolConfig``
gets ``includeServerSideToolInvocations: true`` and, for ``auto``, the
``VALIDATED`` calling mode Inspect sends; the server's invocations then
come back as ``toolCall`` (``toolType``, ``id``, ``args``) and
``toolResponse`` (``toolType``, ``id``, ``response``) parts, each pair a
``ContentToolUse`` (``web_search``, named by its ``toolType``) kept in
``internal["gemini_parts"]`` and sent back by ``_server_parts`` (which also
owns the code execution parts) only when the call carries its
``thoughtSignature``, as Inspect does (the API refuses it without one).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..._content import ContentToolUse
from ...tools._types import ToolInfo, internal_tool_type
from ...tools.builtin._server import server_tool_options

__all__ = [
    "combined_tool_config",
    "split_tools",
    "tool_call_use",
]

Part = Dict[str, Any]
_KEY = "gemini_parts"


def split_tools(tools: Sequence[ToolInfo]) -> Tuple[List[Dict[str, Any]], List[ToolInfo]]:
    """``(Gemini's own tool entries, the function tools)`` of a request."""
    native: List[Dict[str, Any]] = []
    functions: List[ToolInfo] = []
    for tool in tools:
        kind = internal_tool_type(tool)
        options = server_tool_options(tool, "gemini" if kind == "web_search" else "google")
        if options is None:
            functions.append(tool)
        elif kind == "web_search":
            url_context = options.pop("url_context", False)
            native.append({"google_search": options})
            if url_context:
                native.append({"url_context": {}})
        else:
            native.append({"code_execution": {}})
    return native, functions


def combined_tool_config(calling: Dict[str, Any]) -> Dict[str, Any]:
    """``toolConfig`` for function tools beside Gemini's own (``calling``: the usual one)."""
    function_calling = dict(calling["functionCallingConfig"])
    if function_calling.get("mode") == "AUTO":
        function_calling["mode"] = "VALIDATED"
    return {"includeServerSideToolInvocations": True, "functionCallingConfig": function_calling}


def tool_call_use(part: Mapping[str, Any], response: Optional[Mapping[str, Any]]) -> ContentToolUse:
    """The part for a server ``toolCall`` part and its ``toolResponse`` part (if any)."""
    call = part.get("toolCall") or {}
    answer = (response or {}).get("toolResponse") or {}
    kept = [dict(part)] + ([dict(response)] if response is not None else [])
    return ContentToolUse(
        tool_type="web_search",
        id=str(call.get("id") or ""),
        name=str(call.get("toolType") or ""),
        arguments=json.dumps(call.get("args") or {}),
        result=json.dumps(answer.get("response") or {}),
        internal={_KEY: kept},
    )
