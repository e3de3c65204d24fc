"""OpenAI annotations to modelkit's ``Citation`` types.

Chat Completions (``message.annotations``, web search models; see
https://platform.openai.com/docs/api-reference/chat/object) and the
Responses API (``output_text.annotations``; see
https://platform.openai.com/docs/api-reference/responses/object) report a
cited web page as ``url_citation``: the chat shape nests
``{url, title, start_index, end_index}`` under ``url_citation``, the
Responses shape has them on the annotation itself. Either becomes a
``UrlCitation`` whose ``cited_text`` is the ``(start_index, end_index)``
range of the answer's text, as Inspect does. Responses ``file_citation``
and ``file_path`` annotations become a ``DocumentCitation`` with the file
id and index in ``internal``. Other annotation types are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping  # isinstance() against it: typing.Mapping adds a Python layer
from typing import TYPE_CHECKING, Any, List, Optional

if TYPE_CHECKING:
    from ..._citation import Citation

__all__ = ["annotations_to_citations"]


def annotations_to_citations(annotations: Any) -> Optional[List[Citation]]:
    """The citations among ``annotations`` (``None`` when there are none)."""
    if not isinstance(annotations, list) or not annotations:
        return None
    from ..._citation import DocumentCitation, UrlCitation  # loaded by the first citation

    citations: List[Citation] = []
    for annotation in annotations:
        if not isinstance(annotation, Mapping):
            continue
        kind = annotation.get("type")
        if kind == "url_citation":
            fields = annotation.get("url_citation")
            fields = fields if isinstance(fields, Mapping) else annotation
            citations.append(
                UrlCitation(
                    url=str(fields["url"]),
                    title=fields.get("title"),
                    cited_text=_range(fields),
                )
            )
        elif kind in ("file_citation", "file_path"):
            citations.append(
                DocumentCitation(
                    title=annotation.get("filename"),
                    internal={
                        "file_id": annotation.get("file_id"),
                        "index": annotation.get("index"),
                    },
                )
            )
    return citations or None


def _range(fields: Mapping[str, Any]) -> Any:
    start, end = fields.get("start_index"), fields.get("end_index")
    if isinstance(start, int) and isinstance(end, int):
        return (start, end)
    return None
