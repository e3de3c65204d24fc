"""The parts of an output a plain answer leaves ``None``, built on first use.

``StopDetails`` and its ``StopCategory`` (a refusal, a content filter),
``Logprobs``/``Logprob``/``TopLogprob`` (log probabilities, when asked
for) and ``ModelFallback`` (a fallback model answered). ``modelkit.output``
exports them on first use (PEP 562) and its classes name them through a
stand-in, so a cold start whose first answer has none of them builds none
of these classes (issue 24).
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, List, Optional

import attrs

from ._serde import Decoder, Serializable, list_of

__all__ = ["Logprob", "Logprobs", "ModelFallback", "StopCategory", "StopDetails", "TopLogprob"]


@attrs.define(kw_only=True)
class StopCategory(Serializable):
    """One refusal or safety category a provider reported for a stop.

    Args:
        category: the category's name (e.g. ``cyber``,
            ``HARM_CATEGORY_DANGEROUS_CONTENT``, ``hate``).
        level: the severity or probability reported with it, if any.
    """

    category: str
    level: Optional[str] = None


@attrs.define(kw_only=True)
class StopDetails(Serializable):
    """More about why a model stopped (a refusal, a content filter), as Inspect has it.

    ``categories`` is the full list (empty for a refusal given only as
    text); ``category`` is the first of them and ``explanation`` reads as a
    sentence (made from the categories when the provider gave no text).

    Args:
        type: the kind of stop (``"refusal"``, ``"content_filter"``, or the
            provider's own stop or block reason).
        category: the main category, when there is one.
        explanation: a human-readable account; not stable, do not parse it.
        categories: every category that caused the stop.
    """

    type: Optional[str] = None
    category: Optional[str] = None
    explanation: Optional[str] = None
    categories: List[StopCategory] = attrs.field(factory=list)

    _decoders: ClassVar[Dict[str, Decoder]] = {"categories": list_of(StopCategory.from_dict)}


@attrs.define
class TopLogprob(Serializable):
    """One of the most likely tokens at a position, with its log probability."""

    token: str
    logprob: float
    bytes: Optional[List[int]] = None


@attrs.define
class Logprob(Serializable):
    """The log probability of one generated token, and its best rivals."""

    token: str
    logprob: float
    bytes: Optional[List[int]] = None
    top_logprobs: Optional[List[TopLogprob]] = None

    _decoders: ClassVar[Dict[str, Decoder]] = {"top_logprobs": list_of(TopLogprob.from_dict)}


@attrs.define
class Logprobs(Serializable):
    """Log probabilities for every generated token of a choice."""

    content: List[Logprob]

    _decoders: ClassVar[Dict[str, Decoder]] = {"content": list_of(Logprob.from_dict)}


@attrs.define
class ModelFallback(Serializable):
    """Which model answered when the requested one failed (``GenerateConfig.fallback_models``).

    Args:
        model: the model that was asked (``provider/model``).
        fallback_model: the model that answered instead.
        count: requests served by the fallback (1 for one output).
        metadata: provider-specific detail.
    """

    model: str
    fallback_model: str
    count: int = 1
    metadata: Optional[Dict[str, Any]] = None
