"""``code_execution()``: the model runs code in its provider's own sandbox.

As Inspect 0.3.285's ``code_execution(providers=)``: the tool maps to
OpenAI's Responses ``code_interpreter``, Anthropic's ``code_execution``
and Gemini's ``code_execution``; the provider runs the code and the code
and its output come back in the assistant message. Inspect's ``python``
fallback (a local sandbox) is not built: on a provider without such a tool
the request is a ``ConfigError`` naming it.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, TypedDict, Union

from ...errors import ConfigError
from .._function import ToolDef
from .._types import INTERNAL_TOOL_TYPE, ToolError

__all__ = ["CodeExecutionProviders", "code_execution"]

PROVIDERS = ("openai", "anthropic", "google", "grok", "mistral", "python")
"""Inspect's keys (``google`` is Gemini here, ``python`` its local fallback)."""


class CodeExecutionProviders(TypedDict, total=False):
    """Per-provider switches of ``code_execution()`` (Inspect's keys).

    ``False`` turns a provider's tool off; for ``openai`` a dict gives the
    ``code_interpreter`` options (``{"container": {...}}``).
    """

    openai: Union[Dict[str, Any], bool]
    anthropic: bool
    google: bool
    grok: bool
    mistral: bool
    python: Union[Dict[str, Any], bool]


def code_execution(*, providers: Any = None) -> Any:
    """The code execution tool, run by the model's provider.

    Args:
        providers: ``CodeExecutionProviders``; every provider is on unless
            set to ``False``.

    Returns:
        The tool, ready to pass in ``tools``.

    Raises:
        ConfigError: ``providers`` is not a dict, or names an unknown provider.
    """
    normalized: Dict[str, Dict[str, Any]] = {name: {} for name in PROVIDERS}
    if providers is not None and not isinstance(providers, Mapping):
        raise ConfigError(
            f"code_execution: providers must be a dict, not {type(providers).__name__}"
        )
    for key, value in (providers or {}).items():
        if key not in PROVIDERS:
            raise ConfigError(
                f"code_execution: unknown provider {key!r}; valid: {', '.join(PROVIDERS)}"
            )
        if isinstance(value, Mapping):
            normalized[key] = dict(value)
        elif value is False:
            normalized.pop(key)

    def execute(code: str) -> str:
        """Use the python function to execute Python code.

        Args:
            code: The python code to execute.
        """
        raise ToolError(
            "code_execution runs on the model provider's side; modelkit does not run it locally"
        )

    return ToolDef(
        execute,
        name="code_execution",
        parallel=False,
        options={INTERNAL_TOOL_TYPE: "code_execution", "providers": normalized},
    ).as_tool()
