"""Tools the provider runs itself: ``web_search()`` and ``code_execution()`` (Inspect's).

Owns the tool definitions (``_web_search``, ``_code_execution``) and the
lookup the providers use to map them (``_server``). A server-side tool is a
``ToolInfo`` whose ``options`` carry ``INTERNAL_TOOL_TYPE`` and, per
provider, the options for that provider's own tool, laid out as Inspect
0.3.285 lays them out. Imports only ``errors`` and the tool types; nothing
here is imported by ``import modelkit`` until a name is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._code_execution import CodeExecutionProviders, code_execution
    from ._web_search import WebSearchProviders, web_search

__all__ = ["CodeExecutionProviders", "WebSearchProviders", "code_execution", "web_search"]

_MODULE_OF = {
    "CodeExecutionProviders": "_code_execution",
    "code_execution": "_code_execution",
    "WebSearchProviders": "_web_search",
    "web_search": "_web_search",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
