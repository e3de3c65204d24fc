"""Helpers over a conversation history, with Inspect's names and behaviour.

``trim_messages`` shortens a history to fit a context window, keeping its
system and input messages and the most recent part of the rest, with every
tool call still answered; ``user_prompt`` finds the last user message;
``stable_message_ids`` gives messages with the same content the same id
across calls. All three are synchronous (Inspect's ``trim_messages`` is
``async``: drop the ``await``) and pure: no input message is changed, except
that ``stable_message_ids`` sets ids, as Inspect's does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Dict, List, Sequence, Set

from .errors import ConfigError
from .messages import ChatMessage, ChatMessageUser, ContentText, message_id
from .output import ModelOutput

__all__ = ["stable_message_ids", "trim_messages", "user_prompt"]


def trim_messages(messages: List[ChatMessage], preserve: float = 0.7) -> List[ChatMessage]:
    """A shorter history that still makes a valid request (Inspect's ``trim_messages``).

    Keeps every system message and the input (messages whose ``source`` is
    ``"input"``; without any, everything up to the first user message), and
    the last ``preserve`` share of the rest. A tool result whose assistant
    message was cut goes too, so does a tool call whose result was cut, and
    a trailing assistant message. Text citations are dropped (they may point
    at results that were cut). A message whose ``metadata`` has ``"summary"``
    counts as conversation, never as input.

    Args:
        messages: the history.
        preserve: the share of the conversation to keep, 0 to 1.

    Raises:
        ConfigError: ``preserve`` is outside [0, 1].
    """
    if not 0 <= preserve <= 1:
        raise ConfigError(f"preserve must be in range [0,1], got {preserve}")
    system, inputs, conversation = _partition(messages)
    kept = conversation[int(len(conversation) * (1 - preserve)) :]

    answered: List[ChatMessage] = []  # tool results only after the call they answer
    open_calls: Set[str] = set()
    for message in kept:
        if message.role == "assistant":
            open_calls = {call.id for call in (message.tool_calls or [])}
            answered.append(message)
        elif message.role == "tool" and message.tool_call_id in open_calls:
            answered.append(message)
        elif message.role == "user":
            open_calls = set()
            answered.append(message)

    results = {m.tool_call_id for m in answered if m.role == "tool"}
    trimmed: List[ChatMessage] = []
    for message in answered:
        if message.role == "assistant" and message.tool_calls:
            calls = [call for call in message.tool_calls if call.id in results]
            if len(calls) != len(message.tool_calls):
                update = {"id": message_id(), "tool_calls": calls or None}
                message = message.model_copy(update=update)
        trimmed.append(message)
    if trimmed and trimmed[-1].role == "assistant":
        trimmed.pop()
    return [_without_citations(m) for m in system + inputs + trimmed]


def _partition(messages: Sequence[ChatMessage]) -> Any:
    system: List[ChatMessage] = []
    inputs: List[ChatMessage] = []
    conversation: List[ChatMessage] = []
    for message in messages:
        if message.role == "system":
            system.append(message)
        elif _is_summary(message):
            conversation.append(message)
        elif message.source == "input":
            inputs.append(message)
        else:
            conversation.append(message)
    if not inputs:  # no marked input: take up to the first user message
        while conversation and not _is_summary(conversation[0]):
            message = conversation.pop(0)
            inputs.append(message)
            if message.role == "user":
                break
    return system, inputs, conversation


def _is_summary(message: ChatMessage) -> bool:
    return "summary" in (message.metadata or {})


def _without_citations(message: ChatMessage) -> ChatMessage:
    if isinstance(message.content, str):
        return message
    if not any(
        isinstance(p, ContentText) and getattr(p, "citations", None) for p in message.content
    ):
        return message
    content = [
        p.model_copy(update={"citations": None})
        if isinstance(p, ContentText) and getattr(p, "citations", None)
        else p
        for p in message.content
    ]
    return message.model_copy(update={"id": message_id(), "content": content})


def user_prompt(messages: Sequence[ChatMessage]) -> ChatMessageUser:
    """The last user message of ``messages`` (Inspect's ``user_prompt``).

    Raises:
        ConfigError: there is no user message.
    """
    for message in reversed(messages):
        if isinstance(message, ChatMessageUser):
            return message
    raise ConfigError("No user messages available in the history.")


def stable_message_ids() -> Callable[[Any], None]:
    """A function giving messages ids from their content (Inspect's ``stable_message_ids``).

    The function it returns takes a list of messages (or anything with
    Inspect's ``ModelEvent`` shape: ``event == "model"``, ``input``,
    ``output``) and sets each message's ``id``: messages with the same
    content (``id`` aside) get the same id on every call, except that two
    equal messages in one list get different ids. Keep one function per
    transcript; it remembers the ids it gave.
    """
    ids_of: Dict[str, List[str]] = {}

    def id_for(message: ChatMessage, taken: Set[str]) -> str:
        dumped = message.model_dump(mode="json", exclude={"id"}, exclude_none=True)
        text = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
        known = ids_of.setdefault(digest, [])
        for candidate in known:
            if candidate not in taken:
                return candidate
        fresh = message_id()
        known.append(fresh)
        return fresh

    def apply(messages: Sequence[ChatMessage]) -> Set[str]:
        taken: Set[str] = set()
        for message in messages:
            message.id = id_for(message, taken)
            taken.add(message.id)
        return taken

    def apply_ids(target: Any) -> None:
        if getattr(target, "event", None) == "model":
            taken = apply(list(target.input))
            output = target.output
            if isinstance(output, ModelOutput) and output.choices:
                output.message.id = id_for(output.message, taken)
        else:
            apply(target)

    return apply_ids
