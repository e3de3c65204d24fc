"""OpenAI's native compaction: ``POST {base}/responses/compact`` and its compaction item.

The request carries the model, the conversation as Responses input items
and optional ``instructions``; the answer (``object: "response.compaction"``)
has ``output``, the new context window (the user's messages and one
``compaction`` item whose ``encrypted_content`` stands for the rest), and
``usage``. The compaction item is kept, as Inspect keeps it, in a user
message holding ``ContentData(data={"compaction_metadata": {"type":
"openai_compact", "id": ..., "encrypted_content": ...}})``, which the
Responses request builder sends back as the ``compaction`` input item.
Reference: https://platform.openai.com/docs/api-reference/responses/compact
(the body and item shapes as the openai-python SDK types them:
``ResponseCompactParams``, ``CompactedResponse``, ``ResponseCompactionItem``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from ...messages import ChatMessage, ChatMessageUser, ContentData, ContentText

__all__ = ["COMPACTION_TYPE", "compact_body", "compaction_item", "parse_compacted"]

COMPACTION_TYPE = "openai_compact"
"""``compaction_metadata.type`` of an OpenAI compaction item kept in a message."""


def compact_body(
    model: str, items: List[Dict[str, Any]], instructions: Optional[str]
) -> Dict[str, Any]:
    """The ``/responses/compact`` request body."""
    body: Dict[str, Any] = {"model": model, "input": items}
    if instructions is not None:
        body["instructions"] = instructions
    return body


def compaction_item(part: Any) -> Optional[Dict[str, Any]]:
    """The ``compaction`` input item a ``ContentData`` part holds, or ``None``."""
    if not isinstance(part, ContentData) or not isinstance(part.data, dict):
        return None
    metadata = part.data.get("compaction_metadata")
    if not isinstance(metadata, dict) or metadata.get("type") != COMPACTION_TYPE:
        return None
    item: Dict[str, Any] = {"type": "compaction"}
    if metadata.get("id"):
        item["id"] = str(metadata["id"])
    item["encrypted_content"] = str(metadata.get("encrypted_content") or "")
    return item


def parse_compacted(body: Mapping[str, Any], model: str) -> Any:
    """The messages and usage of a ``response.compaction`` body.

    Items in order: ``compaction`` becomes a user message holding it;
    ``message`` items of role ``user`` become user messages; ``developer``
    (and ``system``) messages are dropped (the compaction handler puts the
    system messages back); anything else (assistant messages, reasoning,
    tool calls) is grouped into assistant messages.

    Raises:
        ValueError: the output has no compaction item.
    """
    from ...api import Compacted
    from ._responses_response import parse_responses_body, parse_responses_usage

    messages: List[ChatMessage] = []
    pending: List[Any] = []
    found = False

    def flush() -> None:
        if pending:
            output = parse_responses_body({"output": list(pending)}, model)
            message = output.message
            if message.text or message.tool_calls or message.content:
                messages.append(message)
            pending.clear()

    for item in body.get("output") or []:
        kind = item.get("type")
        role = item.get("role")
        if kind == "compaction":
            flush()
            found = True
            metadata = {
                "type": COMPACTION_TYPE,
                "id": item.get("id"),
                "encrypted_content": item["encrypted_content"],
            }
            data = ContentData(data={"compaction_metadata": metadata})
            messages.append(ChatMessageUser(content=[data], source="generate"))
        elif kind == "message" and role in ("developer", "system"):
            continue
        elif kind == "message" and role == "user":
            flush()
            parts = [
                ContentText(text=p.get("text") or p.get("refusal") or "")
                for p in item.get("content") or []
                if isinstance(p, Mapping)
            ]
            if parts:
                messages.append(ChatMessageUser(content=parts, source="generate"))  # type: ignore[arg-type]
        else:
            pending.append(item)
    flush()
    if not found:
        raise ValueError("no compaction item in the response's output")
    return Compacted(messages, parse_responses_usage(body.get("usage")))
