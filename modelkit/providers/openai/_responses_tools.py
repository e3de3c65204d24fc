"""OpenAI Responses server-side tool items as ``ContentToolUse`` parts, and back.

Tools OpenAI runs itself leave items in a response's ``output``
(https://platform.openai.com/docs/api-reference/responses/object;
openai-python ``types/responses``): ``web_search_call`` (``id``,
``action`` ``{type: search|open_page|find_in_page, ...}``, ``status``),
``code_interpreter_call`` (``code``, ``outputs`` of ``logs``/``image``),
``mcp_call`` (``name``, ``server_label``, ``arguments``, ``output``,
``error``) and ``mcp_list_tools`` (``server_label``, ``tools``). Each
becomes a ``ContentToolUse`` as Inspect maps it: ``web_search`` named by
the action's type with the action as ``arguments``, ``code_execution``
with the code as ``arguments`` and the logs (``image: <url>`` for images)
as ``result``, ``mcp_call`` with the server label as ``context``;
``error`` ``"failed"`` for a failed call (an MCP call's own error text).

The item itself is kept in ``internal`` (``{"openai": item}``) and sent
back, unchanged, where it was in the turn: a ``reasoning`` item must be
followed by the items that came after it. A code interpreter call is sent
back as text instead (``code_interpreter: <code>`` and its result), as
Inspect does: the API does not take it back from a stateless
(``store: false``) conversation.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional

from ...messages import ContentToolUse

__all__ = ["SERVER_ITEMS", "replay_item", "replay_text", "tool_use_from_item"]

SERVER_ITEMS = frozenset({"web_search_call", "code_interpreter_call", "mcp_call", "mcp_list_tools"})
"""Output item types that are server-side tool calls."""

_KEY = "openai"


def tool_use_from_item(item: Mapping[str, Any]) -> ContentToolUse:
    """The part for one server-side tool item (a type in ``SERVER_ITEMS``)."""
    kind = item["type"]
    internal = {_KEY: dict(item)}
    failed = "failed" if item.get("status") == "failed" else None
    if kind == "web_search_call":
        action = item.get("action")
        action = action if isinstance(action, Mapping) else {"type": "search", "query": ""}
        return ContentToolUse(
            tool_type="web_search",
            id=str(item["id"]),
            name=str(action.get("type") or "search"),
            arguments=json.dumps(action),
            result="",
            error=failed,
            internal=internal,
        )
    if kind == "code_interpreter_call":
        outputs = item.get("outputs") or []
        result = "\n\n".join(
            str(o.get("logs") or "") if o.get("type") == "logs" else f"image: {o.get('url')}"
            for o in outputs
            if isinstance(o, Mapping)
        )
        return ContentToolUse(
            tool_type="code_execution",
            id=str(item["id"]),
            name="code_interpreter_call",
            arguments=str(item.get("code") or ""),
            result=result,
            error=failed,
            internal=internal,
        )
    if kind == "mcp_list_tools":
        return ContentToolUse(
            tool_type="mcp_call",
            id=str(item["id"]),
            name="mcp_list_tools",
            context=item.get("server_label"),
            arguments="",
            result=json.dumps(item.get("tools") or []),
            error=item.get("error"),
            internal=internal,
        )
    return ContentToolUse(
        tool_type="mcp_call",
        id=str(item["id"]),
        name=str(item.get("name") or ""),
        context=item.get("server_label"),
        arguments=str(item.get("arguments") or ""),
        result=str(item.get("output") or ""),
        error=_mcp_error(item.get("error")),
        internal=internal,
    )


def _mcp_error(error: Any) -> Optional[str]:
    """An MCP call's error as text (openai-python 3.1 made it an object)."""
    if error is None or isinstance(error, str):
        return error
    if isinstance(error, Mapping):
        content = error.get("content")
        if content is not None:
            return content if isinstance(content, str) else json.dumps(content)
        code = error.get("code")
        message = str(error.get("message") or "error")
        return f"{message} ({code})" if code is not None else message
    return str(error)


def _item(part: ContentToolUse) -> Optional[Dict[str, Any]]:
    item = part.internal.get(_KEY) if isinstance(part.internal, dict) else None
    return dict(item) if isinstance(item, dict) and item.get("type") in SERVER_ITEMS else None


def replay_item(part: ContentToolUse) -> Optional[Dict[str, Any]]:
    """The item to send back for ``part``, or ``None`` (another provider's, or code)."""
    item = _item(part)
    return None if item is None or item["type"] == "code_interpreter_call" else item


def replay_text(part: ContentToolUse) -> Optional[str]:
    """The text a code interpreter call is sent back as, else ``None``."""
    item = _item(part)
    if item is None or item["type"] != "code_interpreter_call":
        return None
    return f"code_interpreter: {part.arguments}\n\n{part.error or part.result}"
