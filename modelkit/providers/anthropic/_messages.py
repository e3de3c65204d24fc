"""Anthropic Messages wire format: chat messages, tools and cache breakpoints.

Pure converters used by ``anthropic.py`` (the only I/O is reading a local
image file named by a ``ContentImage``). System messages become the
top-level ``system`` blocks; every other message becomes a ``user`` or
``assistant`` turn of content blocks, tool results going back as
``tool_result`` blocks in a user turn; consecutive turns of one role are
merged so tool results lead the turn that follows a ``tool_use``. Thinking
blocks are sent back only with the signature (or redacted data) the API gave
them. ``add_cache_breakpoints`` places ``cache_control`` markers where the
prompt-caching guide advises: the last tool, the last system block and the
last block of the final two user turns (at most 4 in all).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from ...errors import ConfigError
from ...messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    Content,
    ContentData,
    ContentDocument,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentToolUse,
)
from ...tools._types import ToolChoice, ToolFunction, ToolInfo
from .._common import append_turn, as_parts
from ._builtin import server_tool_definitions
from ._citations import citation_to_wire
from ._compaction import compaction_block
from ._server_tools import ANTHROPIC_DATA, server_tool_blocks
from ._sources import IMAGE_MEDIA_TYPES, document_block, image_source

__all__ = [
    "IMAGE_MEDIA_TYPES",
    "MAX_CACHE_BREAKPOINTS",
    "add_cache_breakpoints",
    "image_source",
    "messages_to_wire",
    "system_to_wire",
    "tool_choice_to_wire",
    "tools_to_wire",
]

Block = Dict[str, Any]
WireMessage = Dict[str, Any]

MAX_CACHE_BREAKPOINTS = 4
"""The most ``cache_control`` breakpoints one request may carry."""

# Blocks that cannot carry cache_control (the SDK's ThinkingBlockParam and
# RedactedThinkingBlockParam have no such field).
_UNCACHEABLE = ("thinking", "redacted_thinking")


def system_to_wire(messages: Sequence[ChatMessage]) -> List[Block]:
    """The top-level ``system`` blocks: one text block per system message."""
    return [
        {"type": "text", "text": message.text}
        for message in messages
        if isinstance(message, ChatMessageSystem) and message.text
    ]


def messages_to_wire(messages: Sequence[ChatMessage]) -> List[WireMessage]:
    """The ``messages`` array: user/assistant turns of content blocks.

    Tool messages become ``tool_result`` blocks in a user turn, and runs of
    one role are merged into one turn, so the results of parallel tool calls
    share the turn that follows the ``tool_use`` blocks, ahead of any text.
    Messages left with no blocks (empty text) are dropped.

    Raises:
        ConfigError: content the API does not take (audio, video, an image
            type it does not accept), or a tool message without an id.
    """
    wire: List[WireMessage] = []
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            continue
        if isinstance(message, ChatMessageAssistant):
            role, blocks = "assistant", assistant_blocks(message)
        elif isinstance(message, ChatMessageTool):
            role, blocks = "user", [tool_result_block(message)]
        else:
            role, blocks = "user", content_blocks(message.content, "a user message")
        append_turn(wire, role, blocks)
    _align_citations(wire)
    return wire


def _align_citations(wire: List[WireMessage]) -> None:
    """Citations on for every text and PDF document once one asks for them.

    The API takes citations on all citation-capable documents of a request
    or on none of them; image documents cannot have them.
    """
    documents = [
        block
        for turn in wire
        for block in turn["content"]
        if block.get("type") == "document" and block["source"].get("type") != "content"
    ]
    if any("citations" in block for block in documents):
        for block in documents:
            block["citations"] = {"enabled": True}


def assistant_blocks(message: ChatMessageAssistant) -> List[Block]:
    """An assistant message's blocks: thinking, text, then ``tool_use``."""
    blocks: List[Block] = []
    for part in as_parts(message.content):
        if isinstance(part, ContentReasoning):
            block = reasoning_block(part)
            if block is not None:
                blocks.append(block)
        elif isinstance(part, ContentText):
            if part.text:
                blocks.append(_assistant_text(part))
        elif isinstance(part, ContentToolUse):
            blocks.extend(server_tool_blocks(part))
        elif isinstance(part, ContentData):
            if part.internal == ANTHROPIC_DATA:  # a block of Anthropic's own, kept as it came
                blocks.append(dict(part.data))
            else:
                kept = compaction_block(part)  # a compaction summary, sent back
                if kept is not None:
                    blocks.append(kept)
        else:
            raise ConfigError(
                f"anthropic: an assistant message may hold text, reasoning and tool calls, "
                f"not {part.type} content; put media in a user message instead"
            )
    for call in message.tool_calls or []:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.function, "input": call.arguments}
        )
    return blocks


def _assistant_text(part: ContentText) -> Block:
    """A text block, with the citations Anthropic gave it (others are left off)."""
    block: Block = {"type": "text", "text": part.text}
    wire = [citation_to_wire(c) for c in part.citations or []]
    citations = [c for c in wire if c is not None]
    if citations:
        block["citations"] = citations
    return block


def reasoning_block(part: ContentReasoning) -> Optional[Block]:
    """A ``thinking`` or ``redacted_thinking`` block, or ``None`` when unsigned.

    The API verifies thinking blocks by their signature, so reasoning that
    has none (it came from another provider) is left out.
    """
    if part.redacted:
        return {"type": "redacted_thinking", "data": part.data} if part.data else None
    if part.signature:
        return {"type": "thinking", "thinking": part.reasoning, "signature": part.signature}
    return None


def tool_result_block(message: ChatMessageTool) -> Block:
    """A ``tool_result`` block; a failed call's error text goes with ``is_error``."""
    if not message.tool_call_id:
        raise ConfigError(
            "anthropic: a tool message needs the tool_call_id of the tool_use it answers"
        )
    block: Block = {"type": "tool_result", "tool_use_id": message.tool_call_id}
    if message.error is not None:
        block["content"] = [{"type": "text", "text": message.error.message}]
        block["is_error"] = True
        return block
    content = content_blocks(message.content, "a tool result")
    if content:
        block["content"] = content
    return block


def content_blocks(content: Union[str, Sequence[Content]], where: str) -> List[Block]:
    """Text and image blocks for user-side content (reasoning is left out)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: List[Block] = []
    for part in content:
        if isinstance(part, ContentText):
            if part.text:
                blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, ContentImage):
            blocks.append({"type": "image", "source": image_source(part.image)})
        elif isinstance(part, ContentDocument):
            blocks.append(document_block(part))
        elif isinstance(part, ContentReasoning):
            continue
        else:
            raise ConfigError(
                f"anthropic: the Messages API does not accept {part.type} content "
                f"(found in {where}); send text, images or documents"
            )
    return blocks


def tools_to_wire(tools: Sequence[ToolInfo], dynamic_filtering: bool = False) -> List[Block]:
    """Tool definitions: ``name``, ``description`` and ``input_schema``.

    ``web_search()`` and ``code_execution()`` become Anthropic's server
    tools (``_builtin``; ``dynamic_filtering``: the 2026-02-09 search tools).
    """
    wire: List[Block] = []
    for tool in tools:
        server = server_tool_definitions(tool, dynamic_filtering)
        if server is not None:
            wire.extend(server)
            continue
        definition: Block = {"name": tool.name}
        if tool.description:
            definition["description"] = tool.description
        definition["input_schema"] = tool.parameters.to_schema()
        wire.append(definition)
    return wire


def tool_choice_to_wire(choice: ToolChoice, parallel_tool_calls: Optional[bool]) -> Block:
    """``tool_choice``: auto, any, tool (by name) or none.

    ``parallel_tool_calls=False`` becomes ``disable_parallel_tool_use``
    (which ``none`` does not take).
    """
    if choice == "none":
        return {"type": "none"}
    wire: Block
    if isinstance(choice, ToolFunction):
        wire = {"type": "tool", "name": choice.name}
    elif choice == "any":
        wire = {"type": "any"}
    else:
        wire = {"type": "auto"}
    if parallel_tool_calls is False:
        wire["disable_parallel_tool_use"] = True
    return wire


def add_cache_breakpoints(body: Dict[str, Any], ttl: Optional[str] = None) -> None:
    """Mark ``body`` for prompt caching, in place.

    Breakpoints go on the last tool definition, the last system block, and
    the last cacheable block of the final two user turns: the prefix order
    is tools, system, messages, and marking the previous user turn too keeps
    last turn's cache entry within reach as the conversation grows. ``ttl``
    (``"5m"`` or ``"1h"``) goes on every breakpoint; without it the API's
    default, 5 minutes, applies.
    """
    targets: List[Block] = []
    if body.get("tools"):
        targets.append(body["tools"][-1])
    if body.get("system"):
        targets.append(body["system"][-1])
    user_turns = [turn for turn in body.get("messages", []) if turn["role"] == "user"]
    for turn in reversed(user_turns[-2:]):
        block = _last_cacheable(turn["content"])
        if block is not None:
            targets.append(block)
    marker: Dict[str, Any] = {"type": "ephemeral"}
    if ttl is not None:
        marker["ttl"] = ttl
    for block in targets[:MAX_CACHE_BREAKPOINTS]:
        block["cache_control"] = dict(marker)


def _last_cacheable(blocks: List[Block]) -> Optional[Block]:
    for block in reversed(blocks):
        if block.get("type") not in _UNCACHEABLE:
            return block
    return None
