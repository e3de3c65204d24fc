"""``web_search()``: the model searches the web with its provider's own search tool.

As Inspect 0.3.285's ``web_search(providers=)``, restricted to the
internal providers: the tool maps to OpenAI's Responses ``web_search``,
Anthropic's ``web_search``/``web_fetch`` pair, Gemini's ``google_search``
(with ``url_context`` when asked for); the provider runs the search, and its
calls, results and citations come back in the assistant message. Inspect's
external providers (Tavily, Exa, Google Programmable Search) are not
built: naming only those is a ``ConfigError`` when the request is made.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, TypedDict, Union

from ...errors import ConfigError
from .._function import ToolDef
from .._types import INTERNAL_TOOL_TYPE, ToolError

__all__ = ["WebSearchProviders", "web_search"]

INTERNAL = ("openai", "anthropic", "grok", "gemini", "mistral", "perplexity")
"""Providers whose own search tool is used (Inspect's internal providers)."""
EXTERNAL = ("tavily", "google", "exa")
"""Inspect's external search services (accepted in the options, not run by modelkit)."""


class WebSearchProviders(TypedDict, total=False):
    """Per-provider options of ``web_search()`` (Inspect's keys).

    A value is ``True`` or ``None`` (the provider with its defaults), a
    ``dict`` of that provider's own tool options (for example
    ``{"anthropic": {"max_uses": 3, "allowed_domains": [...]}}`` or
    ``{"openai": {"search_context_size": "low"}}``), or ``False`` (off).
    """

    openai: Union[Dict[str, Any], bool]
    anthropic: Union[Dict[str, Any], bool]
    grok: Union[Dict[str, Any], bool]
    gemini: Union[Dict[str, Any], bool]
    mistral: Union[Dict[str, Any], bool]
    perplexity: Union[Dict[str, Any], bool]
    tavily: Union[Dict[str, Any], bool]
    google: Union[Dict[str, Any], bool]
    exa: Union[Dict[str, Any], bool]


def web_search(providers: Any = None) -> Any:
    """The web search tool, run by the model's provider.

    Args:
        providers: which providers' search to use and their options: a
            provider name, a ``WebSearchProviders`` dict, or a list of
            either (Inspect's forms). ``None`` enables every internal
            provider with its defaults; naming an external one (``"tavily"``,
            ``"google"``, ``"exa"``) turns the internal ones off unless they
            are named too.

    Returns:
        The tool, ready to pass in ``tools``.

    Raises:
        ConfigError: an unknown provider name or an option that is not a
            dict, bool or ``None``.
    """
    normalized = normalize_providers(providers)

    def execute(query: str) -> str:
        """Use the web_search tool to perform keyword searches of the web.

        Args:
            query: Search query.
        """
        raise ToolError(
            "web_search runs on the model provider's side; modelkit does not run it locally"
        )

    return ToolDef(
        execute,
        name="web_search",
        parallel=True,
        options={INTERNAL_TOOL_TYPE: "web_search", **normalized},
    ).as_tool()


def normalize_providers(providers: Any) -> Dict[str, Dict[str, Any]]:
    """Inspect's ``providers`` forms as ``{provider: options}`` (enabled ones only)."""
    entries: List[Any] = (
        []
        if providers is None
        else (list(providers) if isinstance(providers, list) else [providers])
    )
    external = any(
        (entry in EXTERNAL)
        if isinstance(entry, str)
        else isinstance(entry, Mapping)
        and any(key in EXTERNAL and value is not False for key, value in entry.items())
        for entry in entries
    )
    normalized: Dict[str, Dict[str, Any]] = {} if external else {name: {} for name in INTERNAL}
    for entry in entries:
        pairs = [(entry, {})] if isinstance(entry, str) else _pairs(entry)
        for key, value in pairs:
            if key not in INTERNAL + EXTERNAL:
                raise ConfigError(
                    f"web_search: unknown provider {key!r}; valid: {', '.join(INTERNAL + EXTERNAL)}"
                )
            if value is False:
                normalized.pop(key, None)
            elif value is None or value is True:
                normalized[key] = {}
            elif isinstance(value, Mapping):
                normalized[key] = dict(value)
            else:
                raise ConfigError(
                    f"web_search: the value for provider {key!r} must be a dict, "
                    f"True, False or None, not {type(value).__name__}"
                )
    return normalized


def _pairs(entry: Any) -> List[Any]:
    if not isinstance(entry, Mapping):
        raise ConfigError(
            "web_search: providers takes a provider name, a dict of provider "
            f"options, or a list of these, not {type(entry).__name__}"
        )
    return list(entry.items())
