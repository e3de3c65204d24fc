"""Which server-side tools a request holds, and each one's options for a provider.

The providers' request builders ask ``server_tool_options(tool, key)`` for
the options of the provider's own tool (``None``: not a server-side tool),
and ``check_server_tools`` refuses, with a ``ConfigError`` naming the
provider and the tool, a server-side tool the provider cannot run or that
its ``providers=`` left off for that provider. Nothing is sent in that case:
a provider's tool never silently becomes a function the model cannot call.
"""

from __future__ import annotations

from typing import Any, Collection, Dict, Mapping, Optional, Sequence

from ...errors import ConfigError
from .._types import ToolInfo, internal_tool_type

__all__ = ["SERVER_TOOL_TYPES", "check_server_tools", "server_tool_options"]

SERVER_TOOL_TYPES = ("web_search", "code_execution")
"""The ``INTERNAL_TOOL_TYPE`` values modelkit's providers map to their own tools."""


def _providers(tool: ToolInfo) -> Mapping[str, Any]:
    options = tool.options or {}
    if internal_tool_type(tool) == "code_execution":
        found = options.get("providers")
        return found if isinstance(found, Mapping) else {}
    return options  # web_search keeps the providers beside the type key, as Inspect's


def server_tool_options(tool: ToolInfo, key: str) -> Optional[Dict[str, Any]]:
    """The options ``tool`` holds for provider ``key`` (``{}`` for defaults).

    Returns:
        ``None`` when ``tool`` is no server-side tool or does not enable ``key``.
    """
    if internal_tool_type(tool) not in SERVER_TOOL_TYPES:
        return None
    found = _providers(tool).get(key)
    if found is None and key not in _providers(tool):
        return None
    if found is True or found is None:
        return {}
    if found is False:
        return None
    return dict(found) if isinstance(found, Mapping) else {}


def check_server_tools(
    provider: str,
    key: Optional[str],
    tools: Sequence[ToolInfo],
    supported: Collection[str],
    hint: str = "",
) -> None:
    """Refuse a server-side tool ``provider`` cannot run as asked.

    Args:
        provider: the provider's name, for the message.
        key: the provider's name in the tools' ``providers`` (``"openai"``,
            ``"gemini"``...), ``None`` when it has none.
        tools: the request's tools.
        supported: the server-side tool types this provider (and model
            setting) maps.
        hint: how to reach a provider setting that runs them, if one does.

    Raises:
        ConfigError: a server-side tool not in ``supported``, or one whose
            ``providers`` leaves ``key`` out.
    """
    for tool in tools:
        kind = internal_tool_type(tool)
        if kind not in SERVER_TOOL_TYPES:
            continue
        if kind not in supported:
            fix = hint or (
                f"remove {kind}() from tools, or use a provider that runs it (see docs/tools.md)"
            )
            raise ConfigError(
                f"{provider}: {kind}() is a tool the provider runs on its side, and "
                f"modelkit has no such tool to send to {provider} here; {fix}"
            )
        code_key = "google" if kind == "code_execution" and key == "gemini" else key
        if code_key is None or server_tool_options(tool, code_key) is None:
            given = sorted(k for k in _providers(tool) if not k.startswith("__"))
            raise ConfigError(
                f"{provider}: {kind}(providers=...) does not enable {code_key!r} "
                f"(it enables {', '.join(given) or 'none'}); modelkit runs {kind}() only "
                "on the provider's own tool, so add it to providers="
            )
