"""Citations: where a piece of generated text came from, as Inspect records them.

A ``ContentText`` may carry ``citations``: a list of ``ContentCitation``
(a generic source), ``DocumentCitation`` (a range of a document sent in
the prompt, e.g. PDF pages) or ``UrlCitation`` (a web page, from a search
tool or grounding). Providers fill them from their own shapes (Anthropic
``citations``, OpenAI ``url_citation`` annotations, Gemini grounding
metadata); ``internal`` keeps the provider's own fields that have no place
here. The union is told apart by ``type``; ``citation_from_dict`` reads it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, List, Literal, Mapping, Optional, Tuple, Union

import attrs

from ._serde import Decoder, Serializable
from .errors import ConfigError

__all__ = [
    "Citation",
    "CitationBase",
    "ContentCitation",
    "DocumentCitation",
    "DocumentRange",
    "UrlCitation",
    "citation_from_dict",
]


def _cited_text(value: Any) -> Any:
    """``cited_text`` as a string or a ``(start, end)`` tuple (JSON gives a list)."""
    if isinstance(value, list) and len(value) == 2:
        return (value[0], value[1])
    return value


@attrs.define(kw_only=True)
class CitationBase(Serializable):
    """What every citation has.

    Args:
        cited_text: the cited text itself, or its ``(start, end)`` character
            range in the source.
        title: the title of the cited source.
        internal: provider-specific fields, kept so nothing is lost.
    """

    cited_text: Optional[Union[str, Tuple[int, int]]] = None
    title: Optional[str] = None
    internal: Optional[Dict[str, Any]] = None

    _decoders: ClassVar[Dict[str, Decoder]] = {"cited_text": _cited_text}


@attrs.define(kw_only=True)
class ContentCitation(CitationBase):
    """A generic citation of some content."""

    type: Literal["content"] = attrs.field(default="content", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("cited_text", "title", "internal", "type")


@attrs.define(kw_only=True)
class DocumentRange(Serializable):
    """A section of a document: blocks, pages or characters, 0-based.

    Args:
        type: ``"block"``, ``"page"`` or ``"char"``.
        start_index: where the range starts.
        end_index: where it ends.
    """

    type: Literal["block", "page", "char"]
    start_index: int
    end_index: int


@attrs.define(kw_only=True)
class DocumentCitation(CitationBase):
    """A citation of a range of a document given in the prompt."""

    range: Optional[DocumentRange] = None
    type: Literal["document"] = attrs.field(default="document", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("cited_text", "title", "internal", "type")

    _decoders: ClassVar[Dict[str, Decoder]] = {
        "cited_text": _cited_text,
        "range": DocumentRange.from_dict,
    }


@attrs.define(kw_only=True)
class UrlCitation(CitationBase):
    """A citation of a web page."""

    url: str
    type: Literal["url"] = attrs.field(default="url", init=False)

    _dump_first: ClassVar[Tuple[str, ...]] = ("cited_text", "title", "internal", "type")


Citation = Union[ContentCitation, DocumentCitation, UrlCitation]
"""A citation sent to or received from a model."""

_CITATION_TYPES: Dict[str, Any] = {
    "content": ContentCitation,
    "document": DocumentCitation,
    "url": UrlCitation,
}


def citation_from_dict(data: Mapping[str, Any]) -> Citation:
    """Build the citation whose ``type`` the dict names."""
    cls = _CITATION_TYPES.get(data.get("type", "") if isinstance(data, Mapping) else "")
    if cls is None:
        raise ConfigError(
            f"unknown citation type {data.get('type') if isinstance(data, Mapping) else data!r}; "
            f"expected one of {sorted(_CITATION_TYPES)}"
        )
    citation: Citation = cls.from_dict(data)
    return citation


def citations_from_list(items: List[Any]) -> List[Citation]:
    """Decoder for a list of citation dicts."""
    return [citation_from_dict(item) for item in items]
