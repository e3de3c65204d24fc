"""Anthropic server-tool blocks as ``ContentToolUse`` parts, and back.

Server tools run on Anthropic's side (https://docs.anthropic.com/en/docs/
agents-and-tools/tool-use/web-search-tool, ``web-fetch-tool``,
``code-execution-tool``, ``mcp-connector``): a response holds a
``server_tool_use`` block (``id``, ``name``, ``input``) and then its result
block (``web_search_tool_result``, ``web_fetch_tool_result``,
``code_execution_tool_result``, ``bash_code_execution_tool_result``,
``text_editor_code_execution_tool_result``; each with ``tool_use_id`` and
``content``), or, through the MCP connector, ``mcp_tool_use`` (with
``server_name``) and ``mcp_tool_result`` (``is_error``, ``content``).

Each pair becomes one ``ContentToolUse`` where the use block is, as
Inspect maps them: ``tool_type`` ``web_search`` (search and fetch),
``mcp_call`` (the MCP connector), else ``code_execution`` (code
execution, bash and text-editor execution, tool search: Inspect's type has
no other value); ``arguments`` the input as JSON text;
``result`` the web search's ``content`` (the whole result block for the
other tools) as JSON text; ``error`` the ``error_code`` of an error result
(``"error"`` for a failed MCP call). The API wants these blocks back,
unchanged, when the turn is sent again (a ``pause_turn`` continuation, or
any later turn), so ``internal`` keeps them: ``{"anthropic": [blocks]}``.
A use whose result has not come (the turn paused mid-call) is a part with
an empty ``result``; a result whose use was in an earlier turn is a part
of its own. Parts from other providers are not sent to Anthropic
(their ids mean nothing to it).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional

from ..._content import ContentToolUse, ToolUseType

__all__ = ["ANTHROPIC_DATA", "RESULT_BLOCKS", "ServerToolParser", "server_tool_blocks"]

Block = Dict[str, Any]

RESULT_BLOCKS = frozenset(
    {
        "tool_search_tool_result",
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result",
        "mcp_tool_result",
    }
)
"""Block types that carry a server tool's result."""

_KEY = "anthropic"

ANTHROPIC_DATA = "anthropic"
"""``ContentData.internal`` of a block modelkit has no type for (``container_upload``,
blocks added later): ``data`` is the block, sent back as it came."""


def _tool_type(name: str) -> ToolUseType:
    if name in ("web_search", "web_fetch"):
        return "web_search"
    return "code_execution"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class ServerToolParser:
    """Turns server-tool blocks into parts, a use and its result as one part."""

    def __init__(self) -> None:
        self._pending: Dict[str, ContentToolUse] = {}

    def use(self, block: Mapping[str, Any]) -> ContentToolUse:
        """The part for a ``server_tool_use`` or ``mcp_tool_use`` block (no result yet)."""
        mcp = block.get("type") == "mcp_tool_use"
        name = str(block.get("name") or "")
        part = ContentToolUse(
            tool_type="mcp_call" if mcp else _tool_type(name),
            id=str(block["id"]),
            name=name,
            context=block.get("server_name") if mcp else None,
            arguments=_json(block.get("input", {})),
            result="",
            internal={_KEY: [dict(block)]},
        )
        self._pending[part.id] = part
        return part

    def result(self, block: Mapping[str, Any]) -> Optional[ContentToolUse]:
        """Fill the part of the use ``block`` answers; a new part if the use came earlier."""
        use_id = str(block["tool_use_id"])
        part = self._pending.pop(use_id, None)
        if part is None:  # the use was in an earlier turn (its result came later)
            kind = str(block["type"])
            name = "" if kind == "mcp_tool_result" else kind[: -len("_tool_result")]
            mcp = kind == "mcp_tool_result"
            part = ContentToolUse(
                tool_type="mcp_call" if mcp else _tool_type(name),
                id=use_id,
                name=name,
                arguments="{}",
                result="",
                internal={_KEY: []},
            )
            self._fill(part, block)
            return part
        self._fill(part, block)
        return None

    @staticmethod
    def _fill(part: ContentToolUse, block: Mapping[str, Any]) -> None:
        content = block.get("content")
        if block["type"] == "mcp_tool_result":
            part.result = content if isinstance(content, str) else _json(content)
            part.error = "error" if block.get("is_error") else None
        else:
            whole = block["type"] != "web_search_tool_result"
            part.result = _json(dict(block) if whole else content)
            if isinstance(content, Mapping) and str(content.get("type", "")).endswith("_error"):
                part.error = str(content.get("error_code") or "error")
        blocks: List[Block] = part.internal[_KEY] if isinstance(part.internal, dict) else []
        blocks.append(dict(block))


def server_tool_blocks(part: ContentToolUse) -> List[Block]:
    """The blocks to send back for ``part``: Anthropic's own, unchanged; else none."""
    blocks: Optional[Any] = part.internal.get(_KEY) if isinstance(part.internal, dict) else None
    if not isinstance(blocks, list):
        return []
    return [dict(block) for block in blocks if isinstance(block, dict)]
