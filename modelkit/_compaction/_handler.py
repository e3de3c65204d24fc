"""``compaction()``: the handler that decides, before each generation, whether to compact.

State per handler (a lock makes it safe to share between threads): the
input sent last (``compacted``), the ids of messages already folded in,
and a token baseline from the last ``record_output``. Each
``compact_input(messages)`` adds the new messages to the input and
estimates its size: the baseline plus the new messages counted with
``Model.count_tokens`` when the baseline's messages are all still there,
else tools and messages counted afresh. Past the threshold (or with
``force``) the strategy compacts, up to three more passes while it still
helps; the prefix is put back (system messages first, only those for a
native strategy); runs of messages the API cannot take are merged. Still
over the threshold after that: ``RuntimeError`` (Inspect's). Below 90% of
the threshold a ``memory`` tool's warning is added once per window.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, List, Optional, Set, Tuple, Union

from .._prepare import _collapse
from ..messages import ChatMessage, ChatMessageUser
from ..output import ModelOutput
from ._memory import MEMORY_TOOL, memory_warning_message
from ._types import Compact, CompactionResult, CompactionStrategy

__all__ = ["DEFAULT_CONTEXT_WINDOW", "compaction"]

logger = logging.getLogger("modelkit")

DEFAULT_CONTEXT_WINDOW = 128_000
"""The window assumed when the model's is unknown (with a warning)."""

MAX_PASSES = 3
"""Extra compaction passes while the input is still over the threshold."""


def compaction(
    strategy: CompactionStrategy,
    prefix: List[ChatMessage],
    tools: Any = None,
    model: Any = None,
    checkpointer: Any = None,
) -> Compact:
    """A compaction handler for a conversation (Inspect's ``compaction``).

    Call ``compact_input(history)`` before each generation and send the
    input it returns; append the message it returns (a summary), if any,
    to the history; call ``record_output(input, output)`` after the
    generation. ``Model.generate_loop(..., compaction=handler)`` does all
    three.

    Args:
        strategy: how to compact (``CompactionTrim``, ``CompactionEdit``,
            ``CompactionSummary``, ``CompactionNative``, ``CompactionAuto``).
        prefix: messages every compacted input keeps (the task's input).
        tools: the tools of the conversation (their definitions use tokens too).
        model: the model the input is for: a ``Model`` or a name (default:
            ``get_model()``'s).
        checkpointer: Inspect's agent-session checkpoints; only ``None``
            (its no-op default) is taken: modelkit has no agent session.

    Raises:
        ConfigError: a strategy that is not one, or a ``checkpointer``.
    """
    from ..errors import ConfigError
    from ..model import get_model

    if checkpointer is not None:
        raise ConfigError(
            "compaction(checkpointer=) saves an Inspect agent session's checkpoints, which "
            "modelkit does not have; keep one compaction() handler for the whole conversation "
            "(it carries the compacted history from call to call)"
        )
    if not isinstance(strategy, CompactionStrategy):
        raise ConfigError(
            "compaction() takes a CompactionStrategy (CompactionTrim(), CompactionEdit(), "
            f"CompactionSummary(), CompactionNative(), CompactionAuto()); got {type(strategy).__name__}"
        )
    return _Handler(strategy, list(prefix), tools, get_model(model))


class _Handler:
    """The ``Compact`` ``compaction()`` returns."""

    def __init__(
        self, strategy: CompactionStrategy, prefix: List[ChatMessage], tools: Any, model: Any
    ) -> None:
        self._strategy = strategy
        self._prefix = prefix
        self._tools = tools
        self._model = model
        self._lock = threading.Lock()
        self._compacted: List[ChatMessage] = []
        self._processed: Set[str] = set()
        self._baseline: Optional[int] = None
        self._baseline_ids: Set[str] = set()
        self._warned = False
        self._threshold: Optional[int] = None
        self._tool_infos: Optional[List[Any]] = None
        self._tool_tokens = 0
        self._prefix_tokens = 0

    def record_output(self, input: List[ChatMessage], output: ModelOutput) -> None:
        """Take the input's real size from ``output.usage`` as the next baseline."""
        usage = output.usage
        if usage is None:
            return
        tokens = (
            usage.input_tokens
            + (usage.input_tokens_cache_read or 0)
            + (usage.input_tokens_cache_write or 0)
        )
        with self._lock:
            self._baseline = tokens
            self._baseline_ids = {_id(m) for m in input}

    def compact_input(
        self, messages: List[ChatMessage], force: bool = False
    ) -> Tuple[List[ChatMessage], Optional[ChatMessageUser]]:
        """The input to send for ``messages``, and a message to append to the history."""
        with self._lock:
            return self._compact(messages, force)

    def _setup(self) -> int:
        model = self._model
        if self._threshold is None:
            self._threshold = _threshold(model, self._strategy.threshold)
        if self._tool_infos is None:
            from ..tools._function import to_tool_info
            from ..tools._sources import expand_tools

            infos = [to_tool_info(t) for t in expand_tools(self._tools)] if self._tools else []
            self._tool_infos = infos
            self._tool_tokens = model.count_tool_tokens(infos) if infos else 0
            self._prefix_tokens = model.count_tokens(self._prefix) if self._prefix else 0
        return self._threshold

    def _compact(
        self, messages: List[ChatMessage], force: bool
    ) -> Tuple[List[ChatMessage], Optional[ChatMessageUser]]:
        threshold = self._setup()
        model = self._model
        new = [m for m in messages if _id(m) not in self._processed]
        target = self._compacted + new
        ids = {_id(m) for m in target}
        if self._baseline is not None and self._baseline_ids <= ids:
            since = [m for m in target if _id(m) not in self._baseline_ids]
            total = self._baseline + (model.count_tokens(since) if since else 0)
        else:
            total = self._tool_tokens + (model.count_tokens(target) if target else 0)

        if not force and total <= threshold:
            self._processed.update(_id(m) for m in new)
            self._compacted.extend(new)
            tool_names = [t.name for t in self._tool_infos or []]
            if (
                self._strategy.memory
                and MEMORY_TOOL in tool_names
                and total > int(0.9 * threshold)
                and not self._warned
            ):
                warning = memory_warning_message()
                self._compacted.append(warning)
                self._processed.add(_id(warning))
                self._warned = True
            return list(self._compacted), None

        outcome = self._passes(target, threshold)
        self._processed.update(_id(m) for m in target)
        message = outcome.message
        if message is not None:
            self._processed.add(_id(message))
        produced = outcome.input
        inside = {_id(m) for m in produced}
        restore = [m for m in self._prefix if _id(m) not in inside]
        if not outcome.preserve_prefix:
            restore = [m for m in restore if m.role == "system"]
        lead = 0
        while lead < len(produced) and produced[lead].role == "system":
            lead += 1
        spliced = (
            [m for m in restore if m.role == "system"]
            + produced[:lead]
            + [m for m in restore if m.role != "system"]
            + produced[lead:]
        )
        absorbed = False
        if message is not None and any(m is message for m in produced):
            absorbed = not any(m is message for m in self._collapse(list(produced)))
        result = self._collapse(spliced)
        if absorbed:
            message = None  # merged into a message of the input, which carries it
        self._compacted = list(result)
        logger.info(
            "modelkit: compacted %d messages (%s tokens) to %d with %s%s",
            len(target),
            f"{total:,}",
            len(result),
            type(self._strategy).__name__,
            "" if outcome.applied == type(self._strategy).__name__ else f" ({outcome.applied})",
        )
        self._warned = False
        self._baseline = None
        self._baseline_ids = set()
        return list(result), message

    def _passes(self, messages: List[ChatMessage], threshold: int) -> CompactionResult:
        """Compact, again while it helps (up to ``MAX_PASSES`` more), until under ``threshold``.

        Raises:
            RuntimeError: still over the threshold.
        """
        model, strategy, infos = self._model, self._strategy, self._tool_infos or []
        outcome = strategy.compact_outcome(model, messages, infos)
        reason = outcome.fallback_reason
        tokens = model.count_tokens(outcome.input)
        total = self._tool_tokens + tokens
        for _ in range(MAX_PASSES):
            if total <= threshold:
                break
            before = total
            outcome = strategy.compact_outcome(model, list(outcome.input), infos)
            reason = reason or outcome.fallback_reason
            tokens = model.count_tokens(outcome.input)
            total = self._tool_tokens + tokens
            if total >= before:
                break
        if total > threshold:
            raise RuntimeError(
                f"Compaction insufficient: {total:,} tokens still exceeds threshold of "
                f"{threshold:,} (tools: {self._tool_tokens:,}, prefix: {self._prefix_tokens:,}, "
                f"messages: {tokens:,}). Consider using a lower compaction threshold to "
                "accommodate tool definitions and prefix."
            )
        if reason and not outcome.fallback_reason:
            outcome = outcome._replace(fallback_reason=reason)
        return outcome

    def _collapse(self, messages: List[ChatMessage]) -> List[ChatMessage]:
        api = self._model.api
        if api.collapse_user_messages():
            messages = _collapse(messages, "user")
        if api.collapse_assistant_messages():
            messages = _collapse(messages, "assistant")
        return messages


def _id(message: ChatMessage) -> str:
    if message.id is None:  # ids are made with the message; only a caller can clear one
        raise RuntimeError("Message must have an ID")
    return message.id


def _threshold(model: Any, threshold: Union[int, float]) -> int:
    """``threshold`` in tokens: as given, or that share of the model's context window."""
    if isinstance(threshold, int) or threshold > 1.0:
        return int(threshold)
    from ..info import get_model_info

    info = get_model_info(model)
    window = None if info is None else info.context_length
    if window is None:
        logger.warning(
            "modelkit: unable to determine the context window for %s (falling back to "
            "the default of %d)",
            model,
            DEFAULT_CONTEXT_WINDOW,
        )
        window = DEFAULT_CONTEXT_WINDOW
    return int(threshold * window)
