"""Claude's ``thinking`` and ``output_config.effort`` from ``GenerateConfig``.

Shared by the ``anthropic`` provider and Claude on ``bedrock`` (whose
``additionalModelRequestFields`` take the same fields). Pure functions of
the model id and the config, following Anthropic's extended-thinking and
effort pages (https://docs.claude.com/en/docs/build-with-claude/extended-thinking,
.../effort) and Inspect 0.3.285's mapping of its seven ``reasoning_effort``
values:

* Claude before 4.6 (``"budget"`` mode): ``{"type": "enabled",
  "budget_tokens"}`` from ``THINKING_BUDGETS``;
* Claude 4.6 and later, and ids with no version (``"adaptive"``):
  ``{"type": "adaptive"}`` with ``output_config.effort`` from
  ``ADAPTIVE_EFFORTS`` (``xhigh`` only from 4.7: ``high`` before);
* ``"none"``: nothing before 4.7 (those models think only when asked);
  from 4.7, which think by default, ``{"type": "disabled"}`` (Sonnet 5.5
  and later: ``{"type": "between_tools"}``, their lowest setting); models
  that cannot stop thinking (Opus 5.5 and later, Claude 5 names that are
  not Opus, Sonnet or Haiku) get nothing and a ``ConfigWarning``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Tuple

from ...config import GenerateConfig
from ...errors import ConfigError
from .._effort import warn_not_sent

__all__ = [
    "ADAPTIVE_EFFORTS",
    "THINKING_BUDGETS",
    "model_version",
    "thinking_budget",
    "thinking_fields",
    "thinking_mode",
]

THINKING_BUDGETS: Dict[str, int] = {
    "minimal": 1024,
    "low": 4096,
    "medium": 8192,
    "high": 12288,
    "xhigh": 16384,
    "max": 16384,
}
"""``budget_tokens`` per ``reasoning_effort`` for manual extended thinking.
1024 is the API's minimum. With the default answer allowance (8192) added,
``minimal`` to ``high`` stay under the 21,333 ``max_tokens`` past which the
official SDK refuses non-streaming requests as likely to outlast 10
minutes; ``xhigh`` and ``max`` (24,576 in all) stay within the smallest
output ceiling of the budget models (Opus 4 and 4.1: 32,000) and are best
streamed. ``reasoning_tokens`` sets any other budget."""

ADAPTIVE_EFFORTS: Dict[str, str] = {
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "xhigh",
    "max": "max",
}
"""``output_config.effort`` per ``reasoning_effort`` for adaptive thinking
(``xhigh`` becomes ``high`` before Claude 4.7, which lack it)."""

_NEW_NAME = re.compile(r"^claude-[a-z]+-(\d+)(?:-(\d{1,2}))?(?:-\d{8})?(?:-v\d+(?::\d+)?)?$")
_OLD_NAME = re.compile(r"^claude-(\d+)(?:-(\d{1,2}))?-[a-z]+")
_TIERS = ("opus", "sonnet", "haiku")


def _claude_name(model: str) -> str:
    """The ``claude-...`` part of an id (Bedrock's ``us.anthropic.claude-...`` too)."""
    name = model.rsplit("/", 1)[-1].lower()
    return name[name.rfind("anthropic.") + len("anthropic.") :] if "anthropic." in name else name


def model_version(model: str) -> Optional[Tuple[int, int]]:
    """``(major, minor)`` from a Claude model id, or ``None`` when it has none.

    Handles ``claude-opus-4-1-20250805`` (4, 1), ``claude-sonnet-4-20250514``
    (4, 0), the older ``claude-3-7-sonnet-20250219`` (3, 7) and Bedrock ids
    (``us.anthropic.claude-sonnet-4-5-20250929-v1:0``).
    """
    name = _claude_name(model)
    match = _NEW_NAME.match(name) or _OLD_NAME.match(name)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def thinking_mode(model: str) -> str:
    """``"adaptive"`` (Claude 4.6 and later, or an id with no version) or ``"budget"``.

    Claude Opus 4.7 and later reject ``thinking.type: "enabled"``; 4.6
    deprecates it; earlier models only have it.
    """
    version = model_version(model)
    return "adaptive" if version is None or version >= (4, 6) else "budget"


def thinking_budget(model: str, config: GenerateConfig, mode: str) -> int:
    """``budget_tokens`` of manual extended thinking (0: none).

    ``reasoning_tokens`` wins over ``reasoning_effort``'s table; models that
    only think adaptively (Claude 4.7 and later) refuse a budget.

    Raises:
        ConfigError: ``reasoning_tokens`` for a model that takes no budget.
    """
    if config.reasoning_tokens is not None:
        version = model_version(model)
        if config.reasoning_tokens and (version is None or version >= (4, 7)):
            raise ConfigError(
                f"{model} does not take reasoning_tokens (a thinking budget); "
                "set reasoning_effort (or effort) instead"
            )
        return config.reasoning_tokens
    effort = config.reasoning_effort
    if mode == "budget" and effort is not None and effort != "none":
        return THINKING_BUDGETS[effort]
    return 0


def thinking_fields(provider: str, model: str, config: GenerateConfig, mode: str) -> Dict[str, Any]:
    """``thinking`` and ``output_config`` for the config's reasoning settings.

    ``effort`` goes to ``output_config.effort`` (``max`` as ``high`` before
    Claude 4.6, ``xhigh`` as ``high`` before 4.7, which lack them: Inspect's
    clamp); an adaptive ``reasoning_effort`` replaces it (as in Inspect).

    Args:
        provider: the provider name, for the warning.
        model: the model id.
        config: generation options.
        mode: ``"adaptive"`` or ``"budget"``.
    """
    fields: Dict[str, Any] = {}
    version = model_version(model)
    if config.effort is not None:
        level = config.effort
        if version is not None and (
            (level == "max" and version < (4, 6)) or (level == "xhigh" and version < (4, 7))
        ):
            level = "high"
        fields["output_config"] = {"effort": level}
    effort = config.reasoning_effort
    budget = thinking_budget(model, config, mode)
    if budget:
        fields["thinking"] = {"type": "enabled", "budget_tokens": budget}
    elif effort == "none":
        off = _thinking_off(provider, model)
        if off is not None:
            fields["thinking"] = {"type": off}
    elif effort is not None and mode == "adaptive":
        wire = ADAPTIVE_EFFORTS[effort]
        if wire == "xhigh" and version is not None and version < (4, 7):
            wire = "high"
        fields["thinking"] = {"type": "adaptive"}
        fields["output_config"] = {"effort": wire}
    return fields


def _thinking_off(provider: str, model: str) -> Optional[str]:
    """The ``thinking.type`` that turns thinking off for ``model``, if it needs one."""
    version = model_version(model)
    if version is not None and version < (4, 7):
        return None  # thinks only when asked: leaving thinking out is enough
    name = _claude_name(model)
    tier = next((t for t in _TIERS if t in name), None)
    major5 = version is not None and version[0] >= 5
    if tier == "sonnet" and version is not None and version >= (5, 5):
        return "between_tools"
    if (tier == "opus" and version is not None and version >= (5, 5)) or (
        tier is None and (major5 or version is None)
    ):
        warn_not_sent(
            provider, model, "none", "this model always thinks; its default thinking applies"
        )
        return None
    return "disabled"
