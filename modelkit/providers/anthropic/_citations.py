"""Anthropic text-block citations to modelkit's ``Citation`` types and back.

https://docs.anthropic.com/en/docs/build-with-claude/citations and the web
search tool page document the five shapes a text block's ``citations``
hold: ``char_location`` (plain-text documents), ``page_location`` (PDFs;
1-based pages, the end exclusive), ``content_block_location`` (custom
content documents), ``search_result_location`` (search-result blocks) and
``web_search_result_location``. Documents become ``DocumentCitation``
with a 0-based ``DocumentRange`` (pages shifted down by one, as Inspect
does), web results ``UrlCitation``, search results ``ContentCitation``;
what has no field of its own (``document_index``, ``encrypted_index``,
``search_result_index``...) is kept in ``internal`` so the citation can go
back to the API in an assistant turn.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from ..._citation import Citation, ContentCitation, DocumentCitation, DocumentRange, UrlCitation

__all__ = ["citation_from_wire", "citation_to_wire"]

_RANGES = {
    "char_location": ("char", "start_char_index", "end_char_index", 0),
    "page_location": ("page", "start_page_number", "end_page_number", 1),
    "content_block_location": ("block", "start_block_index", "end_block_index", 0),
}
_SEARCH_FIELDS = ("search_result_index", "source", "start_block_index", "end_block_index")


def citation_from_wire(data: Mapping[str, Any]) -> Optional[Citation]:
    """The ``Citation`` for one wire citation, or ``None`` for a type not documented."""
    kind = data.get("type")
    if kind == "web_search_result_location":
        return UrlCitation(
            url=data["url"],
            title=data.get("title"),
            cited_text=data.get("cited_text"),
            internal={"encrypted_index": data.get("encrypted_index")},
        )
    if kind in _RANGES:
        range_type, start, end, base = _RANGES[kind]
        return DocumentCitation(
            cited_text=data.get("cited_text"),
            title=data.get("document_title"),
            range=DocumentRange(
                type=range_type,  # type: ignore[arg-type]
                start_index=int(data[start]) - base,
                end_index=int(data[end]) - base,
            ),
            internal={"document_index": data.get("document_index")},
        )
    if kind == "search_result_location":
        return ContentCitation(
            cited_text=data.get("cited_text"),
            title=data.get("title"),
            internal={key: data.get(key) for key in _SEARCH_FIELDS},
        )
    return None


def citation_to_wire(citation: Citation) -> Optional[Dict[str, Any]]:
    """The wire citation to send back, or ``None`` when it did not come from Anthropic.

    Only citations carrying Anthropic's own indexes in ``internal`` can go
    back (the API checks them); others are left off.
    """
    internal = citation.internal or {}
    cited = citation.cited_text if isinstance(citation.cited_text, str) else ""
    if isinstance(citation, UrlCitation) and isinstance(internal.get("encrypted_index"), str):
        return {
            "type": "web_search_result_location",
            "cited_text": cited,
            "url": citation.url,
            "title": citation.title,
            "encrypted_index": internal["encrypted_index"],
        }
    if isinstance(citation, DocumentCitation) and citation.range is not None:
        if not isinstance(internal.get("document_index"), int):
            return None
        kind = {"char": "char_location", "page": "page_location"}.get(
            citation.range.type, "content_block_location"
        )
        _, start, end, base = _RANGES[kind]
        return {
            "type": kind,
            "cited_text": cited,
            "document_index": internal["document_index"],
            "document_title": citation.title,
            start: citation.range.start_index + base,
            end: citation.range.end_index + base,
        }
    if isinstance(citation, ContentCitation) and "search_result_index" in internal:
        wire = {"type": "search_result_location", "cited_text": cited, "title": citation.title}
        wire.update({key: internal.get(key) for key in _SEARCH_FIELDS})
        return wire
    return None
