"""``web_search()`` and ``code_execution()`` as Anthropic's own server tools.

Definitions and beta flags as Anthropic documents them and Inspect 0.3.285
sends them: web search is the pair ``web_fetch`` + ``web_search``
(https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool,
``web-fetch-tool``): ``web_search_20260209``/``web_fetch_20260209`` (dynamic
filtering) for Claude 4.6 and later, else ``web_search_20250305`` with
``web_fetch_20250910`` (beta ``web-fetch-2025-09-10``); an explicit
``type`` in the ``anthropic`` options picks the pair. ``allowed_domains``,
``blocked_domains``, ``max_uses`` and ``allowed_callers`` go to both,
``cache_control`` and ``user_location`` to search, ``citations`` and
``max_content_tokens`` to fetch; a ``tool_choice`` forcing ``web_search``
lets the 2026-02-09 search be called directly (``allowed_callers``), as
Inspect does. Code execution is ``code_execution_20250825``
with beta ``code-execution-2025-08-25``
(https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/code-execution-tool).
Their blocks come back as ``ContentToolUse`` parts (``_server_tools``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ...errors import ConfigError
from ...tools._types import ToolInfo, internal_tool_type
from ...tools.builtin._server import server_tool_options

__all__ = ["allow_direct_search", "server_tool_betas", "server_tool_definitions"]

Block = Dict[str, Any]

SEARCH_TYPES = ("web_search_20250305", "web_search_20260209")
_FETCH_FOR = {
    "web_search_20250305": "web_fetch_20250910",
    "web_search_20260209": "web_fetch_20260209",
}
_BOTH = ("allowed_domains", "blocked_domains", "max_uses", "allowed_callers")
_SEARCH_ONLY = ("cache_control", "user_location")
_FETCH_ONLY = ("citations", "max_content_tokens")
_BETAS = {
    "code_execution_20250825": "code-execution-2025-08-25",
    "web_fetch_20250910": "web-fetch-2025-09-10",
}


def server_tool_definitions(tool: ToolInfo, dynamic_filtering: bool) -> Optional[List[Block]]:
    """The server tool blocks for ``tool``, or ``None`` for a function tool.

    Args:
        tool: one of the request's tools.
        dynamic_filtering: the model takes the 2026-02-09 search/fetch tools.

    Raises:
        ConfigError: an ``anthropic`` ``type`` that is no web search version.
    """
    options = server_tool_options(tool, "anthropic")
    if options is None:
        return None
    if internal_tool_type(tool) == "code_execution":
        return [{"type": "code_execution_20250825", "name": "code_execution"}]
    search_type = options.get("type") or SEARCH_TYPES[1 if dynamic_filtering else 0]
    if search_type not in SEARCH_TYPES:
        raise ConfigError(
            f"anthropic: web_search type {search_type!r} is not one modelkit sends "
            f"(use {' or '.join(SEARCH_TYPES)})"
        )
    search: Block = {"type": search_type, "name": "web_search"}
    fetch: Block = {"type": _FETCH_FOR[search_type], "name": "web_fetch"}
    for key in _BOTH:
        if key in options:
            search[key] = fetch[key] = options[key]
    for key in _SEARCH_ONLY:
        if key in options:
            search[key] = options[key]
    for key in _FETCH_ONLY:
        if key in options:
            fetch[key] = options[key]
    return [fetch, search]


def server_tool_betas(definitions: Sequence[Block]) -> List[str]:
    """The ``anthropic-beta`` flags the tool definitions need."""
    return [_BETAS[d["type"]] for d in definitions if d.get("type") in _BETAS]


def allow_direct_search(definitions: List[Block]) -> None:
    """Let a forced ``web_search`` choice call the 2026-02-09 search directly, in place.

    That version lets only code execution call it unless ``allowed_callers``
    says otherwise, and the API refuses a ``tool_choice`` naming a tool the
    model cannot call; Inspect adds the direct caller (keeping one given).
    """
    for definition in definitions:
        if definition.get("type") == SEARCH_TYPES[1] and "allowed_callers" not in definition:
            definition["allowed_callers"] = ["direct", "code_execution_20260120"]
