"""xAI's agent tools on its Responses API: ``ContentToolUse`` parts, and back.

xAI runs ``web_search``, ``x_search`` and ``code_interpreter`` (its
``code_execution``) itself on ``POST /v1/responses``
(https://docs.x.ai/docs/guides/tools/overview,
https://docs.x.ai/docs/guides/tools/search-tools,
https://docs.x.ai/docs/guides/tools/code-execution-tool). Each call the
agent made is an ``output`` item: ``web_search_call``, ``x_search_call``
or ``code_interpreter_call`` carrying the tool's own ``name`` (``web_search``,
``browse_page``, ``x_keyword_search``, ``code_execution``...) and its
``arguments`` as JSON text, or a ``custom_tool_call`` (``name``, ``input``)
for the sub-tools of a search; a ``web_search_call`` may instead carry an
OpenAI-style ``action``. xAI returns no tool output ("server-side tool call
outputs are not returned"), so ``result`` is empty, as in Inspect's grok
provider, which names each part after the tool and keeps its arguments
as sent. The text's ``url_citation`` annotations become its citations.

The item is kept in ``internal`` (``{"grok": item}``) and sent back
unchanged where it was: xAI's stateless multi-turn loop sends a response's
whole ``output`` back as input (``include: ["reasoning.encrypted_content"]``;
https://docs.x.ai/docs/guides/tools/advanced-usage). Another provider's
parts are left out.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..._content import ToolUseType
from ...errors import ConfigError
from ...messages import ContentToolUse
from ...tools._types import ToolChoice, ToolFunction, ToolInfo, internal_tool_type
from ...tools.builtin._server import server_tool_options

__all__ = ["XAI_ITEMS", "xai_replay_item", "xai_tool_choice", "xai_tool_use", "xai_tools"]

XAI_ITEMS = frozenset(
    {"web_search_call", "x_search_call", "code_interpreter_call", "custom_tool_call", "mcp_call"}
)
"""Output item types that are calls xAI ran itself."""

_KEY = "grok"
_CODE_NAMES = frozenset({"code_execution", "code_interpreter"})
_BUILT_IN = {"web_search": "web_search", "code_execution": "code_interpreter"}
"""modelkit's server-side tool -> the xAI Responses tool type it is sent as."""


def xai_tools(tools: Sequence[ToolInfo]) -> List[Dict[str, Any]]:
    """Tool definitions for xAI's Responses API.

    ``web_search()`` is xAI's ``web_search`` tool with its ``grok`` options
    (``allowed_domains``, ``excluded_domains``, ``enable_image_understanding``,
    as Inspect passes them to xai-sdk's ``web_search``), ``code_execution()``
    its ``code_interpreter``, as the tool guides name them for the Responses
    API; function tools are flat ``function`` tools, as OpenAI's.
    """
    wire: List[Dict[str, Any]] = []
    for tool in tools:
        options = server_tool_options(tool, _KEY)
        kind = internal_tool_type(tool)
        if options is not None and kind == "web_search":
            wire.append({"type": "web_search", **options})
        elif options is not None and kind == "code_execution":
            wire.append({"type": "code_interpreter"})
        else:
            wire.append(
                {
                    "type": "function",
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters.to_schema(),
                    "strict": False,
                }
            )
    return wire


def xai_tool_choice(choice: ToolChoice, tools: Sequence[Dict[str, Any]]) -> Any:
    """``tool_choice`` for xAI; a forced built-in tool is ``required`` when it is the only tool.

    xAI documents no choice that names one of its built-in tools, so one
    among other tools cannot be forced: that is a ``ConfigError``, not a guess.

    Raises:
        ConfigError: a built-in tool forced among other tools.
    """
    if not isinstance(choice, ToolFunction):
        return "required" if choice == "any" else choice
    hosted = _BUILT_IN.get(choice.name)
    if hosted is None or not any(tool["type"] == hosted for tool in tools):
        return {"type": "function", "name": choice.name}
    if len(tools) > 1:
        raise ConfigError(
            f"grok: tool_choice=ToolFunction({choice.name!r}) cannot force xAI's built-in "
            f"{choice.name} among other tools (xAI's Responses API has no choice naming a "
            'built-in tool); pass it as the only tool, or use tool_choice="any"'
        )
    return "required"


def xai_tool_use(item: Mapping[str, Any]) -> ContentToolUse:
    """The part for one xAI server-side item (a type in ``XAI_ITEMS``)."""
    kind = str(item["type"])
    name = str(item.get("name") or "")
    action = item.get("action")
    arguments = item.get("arguments")
    if arguments is None:
        arguments = item.get("input")
    if arguments is None and isinstance(action, Mapping):
        arguments = json.dumps(action)
        name = name or str(action.get("type") or "search")
    if arguments is None:
        arguments = item.get("code")
    tool_type: ToolUseType = "web_search"
    if kind == "code_interpreter_call" or name in _CODE_NAMES:
        tool_type = "code_execution"
    elif kind == "mcp_call":
        tool_type = "mcp_call"
    return ContentToolUse(
        tool_type=tool_type,
        id=str(item.get("id") or item.get("call_id") or ""),
        name=name or kind[: -len("_call")],
        context=item.get("server_label") if kind == "mcp_call" else None,
        arguments=arguments if isinstance(arguments, str) else json.dumps(arguments or ""),
        result=_result(item),
        error="failed" if item.get("status") == "failed" else None,
        internal={_KEY: dict(item)},
    )


def _result(item: Mapping[str, Any]) -> str:
    """What little output an item carries (an MCP call's ``output``, code ``outputs``)."""
    output = item.get("output")
    if isinstance(output, str):
        return output
    outputs = item.get("outputs")
    if isinstance(outputs, list):
        return "\n\n".join(str(o.get("logs") or "") for o in outputs if isinstance(o, Mapping))
    return ""


def xai_replay_item(part: ContentToolUse) -> Optional[Dict[str, Any]]:
    """The item to send back to xAI for ``part``, or ``None`` (another provider's)."""
    item = part.internal.get(_KEY) if isinstance(part.internal, dict) else None
    if isinstance(item, dict) and item.get("type") in XAI_ITEMS:
        return dict(item)
    return None
