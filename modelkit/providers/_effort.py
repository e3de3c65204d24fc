"""``reasoning_effort`` on each API's own scale, and the warning when a value cannot go.

``GenerateConfig.reasoning_effort`` takes Inspect's seven values (``none``,
``minimal``, ``low``, ``medium``, ``high``, ``xhigh``, ``max``). An API
whose scale lacks one gets the nearest value it documents (an *effort
map*: pairs of modelkit value and wire value, the wire value ``None`` when
the API has nothing for it). A value that cannot be sent at all is never
dropped silently: ``warn_not_sent`` raises a ``ConfigWarning`` once per
provider and value. Pure functions; the maps are tuples so the frozen
``WireOptions`` holding them stay hashable.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

from .._support import warn_once

__all__ = [
    "LOW_TO_HIGH",
    "MAX_AS_XHIGH",
    "EffortMap",
    "map_effort",
    "openai_effort_map",
    "warn_not_sent",
]

EffortMap = Tuple[Tuple[str, Optional[str]], ...]
"""``(modelkit value, wire value or None)`` pairs; a value not listed is sent as is."""

LOW_TO_HIGH: EffortMap = (("none", None), ("minimal", "low"), ("xhigh", "high"), ("max", "high"))
"""An API that takes ``low``/``medium``/``high`` only (Inspect's clamp)."""

MAX_AS_XHIGH: EffortMap = (("max", "xhigh"),)
"""OpenAI models before GPT-5.6: ``xhigh`` is their top, ``max`` is sent as it."""

_GPT_VERSION = re.compile(r"gpt-(\d)(?!\d)(?:\.(\d+))?")


def openai_effort_map(model: str) -> EffortMap:
    """The effort map of an OpenAI model: ``max`` as ``xhigh`` before GPT-5.6.

    The API reference lists ``none`` to ``max`` for ``reasoning_effort`` and
    ``reasoning.effort``, ``max`` arriving with GPT-5.6; as Inspect does, an
    o-series or earlier GPT model gets ``xhigh`` for ``max`` instead of a 400.
    A name that is neither (a deployment or a codename) is sent as is.
    """
    name = model.lower().rsplit("/", 1)[-1]
    match = _GPT_VERSION.search(name)
    if match is not None:
        version = (int(match.group(1)), int(match.group(2) or 0))
        return () if version >= (5, 6) else MAX_AS_XHIGH
    return MAX_AS_XHIGH if re.match(r"^o\d", name) else ()


def map_effort(effort: str, effort_map: EffortMap) -> Optional[str]:
    """``effort`` on the wire through ``effort_map`` (``None``: the API has no such value)."""
    for value, wire in effort_map:
        if value == effort:
            return wire
    return effort


def warn_not_sent(provider: str, model: str, effort: str, why: str) -> None:
    """A ``ConfigWarning`` (once per provider and value) that ``effort`` was not sent.

    Args:
        provider: the provider name.
        model: the model name.
        effort: the ``reasoning_effort`` value.
        why: what the API lacks and what happens instead.
    """
    warn_once(
        ("reasoning_effort", provider, effort),
        f"{provider}/{model}: reasoning_effort={effort!r} is not sent ({why})",
        stacklevel=3,
    )
