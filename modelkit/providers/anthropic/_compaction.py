"""Anthropic's server-side compaction: the ``compact_20260112`` edit and the ``compaction`` block.

Per https://platform.claude.com/docs/en/build-with-claude/compaction: with
the ``compact-2026-01-12`` beta and ``context_management: {"edits":
[{"type": "compact_20260112", "trigger": {"type": "input_tokens",
"value": N}, "pause_after_compaction": true, "instructions": ...}]}``
(``N`` at least 50,000), a request whose input passes ``N`` tokens is
answered with a ``compaction`` block (``content``: the summary, ``null``
when compaction failed; ``encrypted_content``: opaque, sent back as it
came), and the next requests send that block back. A block is kept, as
Inspect keeps it, as ``ContentData(data={"compaction_metadata": {"type":
"anthropic_compact", "content": ...}})`` (``encrypted_content`` too when
the API gave one). A request whose history holds such a block carries the
beta and a compaction edit (with a trigger no input reaches, so the
caller's own threshold decides), as the API requires.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from ...messages import ChatMessage, ChatMessageAssistant, ContentData

__all__ = [
    "COMPACT_BETA",
    "COMPACT_EDIT",
    "MIN_COMPACTION_TOKENS",
    "compact",
    "compaction_block",
    "compaction_data",
    "has_compaction",
    "needs_compact_edit",
]

COMPACT_BETA = "compact-2026-01-12"
COMPACT_EDIT = "compact_20260112"
MIN_COMPACTION_TOKENS = 50_000
"""The lowest trigger the API takes."""

_TYPE = "anthropic_compact"
_CONTEXT_1M_BETA = "context-1m-2025-08-07"


def compaction_data(block: Mapping[str, Any]) -> ContentData:
    """A response's ``compaction`` block as the ``ContentData`` part that keeps it."""
    metadata: Dict[str, Any] = {"type": _TYPE, "content": block.get("content")}
    if block.get("encrypted_content") is not None:
        metadata["encrypted_content"] = block["encrypted_content"]
    return ContentData(data={"compaction_metadata": metadata})


def compaction_block(part: Any) -> Optional[Dict[str, Any]]:
    """The ``compaction`` block a ``ContentData`` part keeps, or ``None``."""
    if not isinstance(part, ContentData) or not isinstance(part.data, dict):
        return None
    metadata = part.data.get("compaction_metadata")
    if not isinstance(metadata, dict) or metadata.get("type") != _TYPE:
        return None
    content = metadata.get("content")
    block: Dict[str, Any] = {
        "type": "compaction",
        "content": content if isinstance(content, str) else None,
    }
    if isinstance(metadata.get("encrypted_content"), str):
        block["encrypted_content"] = metadata["encrypted_content"]
    return block


def has_compaction(messages: List[ChatMessage]) -> bool:
    """Whether an assistant message of ``messages`` holds a compaction block."""
    return any(
        isinstance(m, ChatMessageAssistant)
        and isinstance(m.content, list)
        and any(compaction_block(p) is not None for p in m.content)
        for m in messages
    )


def has_compact_edit(context_management: Any) -> bool:
    """Whether a ``context_management`` value holds a ``compact_20260112`` edit."""
    edits = context_management.get("edits") if isinstance(context_management, dict) else None
    return isinstance(edits, list) and any(
        isinstance(e, dict) and e.get("type") == COMPACT_EDIT for e in edits
    )


def needs_compact_edit(betas: List[str], window_1m: bool = False) -> Dict[str, Any]:
    """The ``context_management`` a request replaying compaction blocks carries: an edit
    whose trigger sits above what the window holds, so it never compacts by itself.

    Args:
        betas: the request's betas (``context-1m-2025-08-07`` opens a 1M window).
        window_1m: the model has a 1M window of its own (Claude 4.6 and later,
            as Inspect's ``is_claude_frontier``).
    """
    trigger = 990_000 if window_1m or _CONTEXT_1M_BETA in betas else 190_000
    edit = {"type": COMPACT_EDIT, "trigger": {"type": "input_tokens", "value": trigger}}
    return {"edits": [edit]}


def compact(
    api: Any,
    input: List[ChatMessage],
    tools: List[Any],
    config: Any,
    instructions: Optional[str],
) -> Any:
    """Compaction by the Messages API, as Inspect asks it: ``(Compacted or error, call)``.

    A generation with a ``compact_20260112`` edit at the lowest trigger,
    paused after the compaction block; the new messages are the block's
    message (reasoning dropped) and a "Please continue working." turn.

    Raises:
        NotImplementedError: the input was below the trigger (50,000 tokens), the
            compaction failed, or the model does not support it.
    """
    import attrs

    from ...api import Compacted
    from ...errors import APIError
    from ...messages import ChatMessageUser, ContentReasoning
    from ...output import ModelOutput

    edit: Dict[str, Any] = {
        "type": COMPACT_EDIT,
        "trigger": {"type": "input_tokens", "value": MIN_COMPACTION_TOKENS},
        "pause_after_compaction": True,
    }
    if instructions is not None:
        edit["instructions"] = instructions
    extra_body = {**(config.extra_body or {}), "context_management": {"edits": [edit]}}
    result, call = api.generate(input, tools, "auto", attrs.evolve(config, extra_body=extra_body))
    if isinstance(result, ModelOutput):
        message = result.message
        parts = message.content if isinstance(message.content, list) else []
        blocks = [b for b in (compaction_block(p) for p in parts) if b is not None]
        if not blocks:
            raise NotImplementedError("Anthropic compaction did not trigger.")
        if blocks[0]["content"] is None:
            raise NotImplementedError("Anthropic compaction triggered but failed to compact.")
        kept = [p for p in parts if not isinstance(p, ContentReasoning)]
        message = message.model_copy(update={"content": kept})
        messages: List[ChatMessage] = [message, ChatMessageUser(content="Please continue working.")]
        return Compacted(messages, result.usage), call
    text = str(result)
    if (
        isinstance(result, APIError)
        and result.status == 400
        and (
            "does not support context management" in text
            or ("does not support" in text and "compact" in text)
        )
    ):
        raise NotImplementedError(
            f"Model {api.model_name} does not support native compaction: {text}"
        ) from result
    return result, call
