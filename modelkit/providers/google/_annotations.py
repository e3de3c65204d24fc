"""What Gemini says about an answer beside its parts: grounding and safety.

Grounding (https://ai.google.dev/gemini-api/docs/google-search,
"attributing sources with inline citations"; the ``GroundingMetadata``
object of the ``generateContent`` reference): ``groundingChunks`` are the
sources (``web: {uri, title}``), ``groundingSupports`` tie a ``segment``
of the answer (``startIndex``/``endIndex``, UTF-8 byte offsets into the
candidate's text parts joined, thoughts left out) to chunk indices. Each
(support, web chunk) pair becomes a ``UrlCitation`` on the text part the
segment starts in, with ``cited_text`` the ``(start, end)`` character
range within that part (as Inspect does, but counting bytes as the
reference documents them, so non-ASCII text lands right).

Safety (``Candidate.safetyRatings``, ``finishReason``/``finishMessage``;
``PromptFeedback.blockReason``/``blockReasonMessage``/``safetyRatings``):
the ratings marked ``blocked`` are the ``StopDetails`` categories (with the
``probability`` as level), as Inspect reads them.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Tuple

from ..._citation import UrlCitation
from ...messages import Content, ContentText
from ...output import StopCategory, StopDetails
from .._common import settled_stop_details

__all__ = ["add_grounding_citations", "candidate_stop_details", "prompt_stop_details"]


def add_grounding_citations(content: List[Content], metadata: Any) -> None:
    """Put the grounding citations of ``metadata`` on the text parts of ``content``, in place."""
    if not isinstance(metadata, Mapping):
        return
    chunks = metadata.get("groundingChunks") or []
    supports = metadata.get("groundingSupports") or []
    texts = [part for part in content if isinstance(part, ContentText)]
    if not chunks or not supports or not texts:
        return
    spans = _byte_spans(texts)
    for support in supports:
        segment = support.get("segment") if isinstance(support, Mapping) else None
        if not isinstance(segment, Mapping) or segment.get("endIndex") is None:
            continue
        start, end = int(segment.get("startIndex") or 0), int(segment["endIndex"])
        located = _locate(texts, spans, start, end)
        if located is None:
            continue
        part, cited = located
        for index in support.get("groundingChunkIndices") or []:
            if not isinstance(index, int) or not 0 <= index < len(chunks):
                continue
            web = chunks[index].get("web") if isinstance(chunks[index], Mapping) else None
            if isinstance(web, Mapping) and web.get("uri"):
                citation = UrlCitation(
                    url=str(web["uri"]), title=web.get("title"), cited_text=cited
                )
                part.citations = [*(part.citations or []), citation]


def _byte_spans(texts: List[ContentText]) -> List[Tuple[int, int]]:
    spans, offset = [], 0
    for part in texts:
        size = len(part.text.encode("utf-8"))
        spans.append((offset, offset + size))
        offset += size
    return spans


def _locate(
    texts: List[ContentText], spans: List[Tuple[int, int]], start: int, end: int
) -> Optional[Tuple[ContentText, Tuple[int, int]]]:
    """The part a byte range starts in, and the range in characters of that part."""
    for part, (low, high) in zip(texts, spans):
        if low <= start < high:
            raw = part.text.encode("utf-8")
            first = len(raw[: start - low].decode("utf-8", "ignore"))
            last = len(raw[: min(end, high) - low].decode("utf-8", "ignore"))
            return part, (first, last)
    return None


def _blocked(ratings: Any) -> List[StopCategory]:
    categories: List[StopCategory] = []
    for rating in ratings or []:
        if isinstance(rating, Mapping) and rating.get("blocked") and rating.get("category"):
            level = rating.get("probability")
            categories.append(
                StopCategory(
                    category=str(rating["category"]), level=None if level is None else str(level)
                )
            )
    return categories


def candidate_stop_details(candidate: Mapping[str, Any], filtered: bool) -> Optional[StopDetails]:
    """A candidate's safety stop: its blocked ratings, finish reason and message."""
    categories = _blocked(candidate.get("safetyRatings"))
    if not categories and not filtered:
        return None
    reason = candidate.get("finishReason")
    return settled_stop_details(
        StopDetails(
            type=None if reason is None else str(reason),
            explanation=candidate.get("finishMessage"),
            categories=categories,
        )
    )


def prompt_stop_details(feedback: Mapping[str, Any]) -> Optional[StopDetails]:
    """A blocked prompt's stop: its block reason, message and blocked ratings."""
    reason = feedback.get("blockReason")
    explanation = feedback.get("blockReasonMessage")
    if explanation is None and reason is not None:
        explanation = f"Blocked: {reason}"
    return settled_stop_details(
        StopDetails(
            type=None if reason is None else str(reason),
            explanation=explanation,
            categories=_blocked(feedback.get("safetyRatings")),
        )
    )
