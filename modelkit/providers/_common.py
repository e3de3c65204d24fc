"""Small helpers that several provider modules share.

Settings: ``env_first`` (the first environment variable that is set, from
``modelkit.api``) and ``versioned_url`` (an endpoint under an API root that may or may not end in
its version already). Requests: ``as_parts`` (a message's content as a list
of parts) and ``append_turn`` (add a turn, merging runs of one role). Responses:
``assistant_message`` (the assistant message of an API whose answer is a
list of typed blocks), ``settled_stop_details`` (a provider's
``StopDetails`` completed as Inspect completes them) and ``scrub_secrets``
(an error body with the credentials that may be echoed in it replaced).
All but ``env_first`` are pure.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

from .._redact import redact_text
from ..api import env_first
from ..messages import ChatMessageAssistant

if TYPE_CHECKING:
    from .._content import Content
    from .._output_parts import StopCategory, StopDetails
    from ..tools._records import ToolCall

__all__ = [
    "append_turn",
    "as_parts",
    "assistant_message",
    "env_first",
    "scrub_secrets",
    "settled_stop_details",
    "versioned_url",
]

_VERSION_SEGMENT = r"/v\d+(?:alpha|beta)?\d*$"


def versioned_url(root: str, version: str, path: str, *, any_version: bool = False) -> str:
    """``{root}/{version}/{path}``, leaving out ``version`` when ``root`` ends with it.

    Args:
        root: the API root URL (a trailing ``/`` is ignored).
        version: the version path segment, e.g. ``v1``.
        path: the endpoint below the version, e.g. ``messages``.
        any_version: keep ``root`` as it is when it ends with any version
            segment (``/v1``, ``/v1beta``, ``/v2alpha1``...), not only ``version``.
    """
    root = root.rstrip("/")
    if any_version:
        versioned = re.search(_VERSION_SEGMENT, root) is not None
    else:
        versioned = root.endswith(f"/{version}")
    return f"{root}/{path}" if versioned else f"{root}/{version}/{path}"


def as_parts(content: Union[str, Sequence[Content]]) -> List[Content]:
    """A message's content as a list of parts (a string is one text part)."""
    if not isinstance(content, str):
        return list(content)
    from .._content import ContentText

    return [ContentText(text=content)]


def append_turn(
    turns: List[Dict[str, Any]], role: str, blocks: List[Any], key: str = "content"
) -> None:
    """Add a turn of ``blocks`` to ``turns``, in place.

    Blocks of the same role as the last turn join it (APIs that want roles
    to alternate); an empty list of blocks adds nothing.

    Args:
        turns: the wire messages so far.
        role: the new turn's role.
        blocks: its content blocks.
        key: the field holding the blocks (``content``; ``parts`` for Gemini).
    """
    if not blocks:
        return
    if turns and turns[-1]["role"] == role:
        turns[-1][key].extend(blocks)
    else:
        turns.append({"role": role, key: blocks})


def assistant_message(
    parts: Sequence[Content],
    tool_calls: Sequence[ToolCall],
    model: str,
    *,
    join_texts: bool = False,
) -> ChatMessageAssistant:
    """The assistant message for a response's content parts and tool calls.

    The content is a string when there is no part or a single text part
    (with ``join_texts``, when every part is text: they are concatenated, as
    for APIs that split one answer into several text blocks); otherwise,
    and whenever a text part carries citations, it is the list of parts. ``reasoning`` is the non-empty reasoning texts
    joined by blank lines, or ``None``.

    Args:
        parts: text, reasoning and media parts, in order.
        tool_calls: the tool calls the model made.
        model: the model that answered.
        join_texts: concatenate several text parts into one string.
    """
    from .._content import ContentReasoning, ContentText

    content: Union[str, List[Content]] = list(parts)
    plain = all(isinstance(p, ContentText) and not p.citations for p in parts)
    if plain and (join_texts or len(parts) <= 1):
        content = "".join(p.text for p in parts if isinstance(p, ContentText))
    thoughts = [p.reasoning for p in parts if isinstance(p, ContentReasoning) and p.reasoning]
    return ChatMessageAssistant(
        content=content,
        tool_calls=list(tool_calls) or None,
        reasoning="\n\n".join(thoughts) or None,
        model=model,
        source="generate",
    )


def scrub_secrets(value: Any, secrets: Sequence[Optional[str]]) -> Any:
    """``value`` (text or JSON data) with every secret in it replaced by ``[redacted]``."""
    text = value if isinstance(value, str) else json.dumps(value)
    scrubbed = redact_text(text, secrets)
    if scrubbed == text:
        return value
    return scrubbed if isinstance(value, str) else json.loads(scrubbed)


def settled_stop_details(details: Optional[StopDetails]) -> Optional[StopDetails]:
    """``details`` made whole as Inspect does, or ``None`` when it says nothing.

    Details with neither categories nor an explanation are dropped;
    ``category`` is the first category's name when unset, and a missing
    ``explanation`` is made from the categories (``Content filtered: a (HIGH)``).
    """
    if details is None or (not details.categories and not details.explanation):
        return None
    if details.category is None and details.categories:
        details.category = details.categories[0].category
    if details.explanation is None and details.categories:
        details.explanation = "Content filtered: " + ", ".join(
            _category_text(c) for c in details.categories
        )
    return details


def _category_text(category: StopCategory) -> str:
    return f"{category.category} ({category.level})" if category.level else category.category
