"""The tool loop behind ``Model.generate_loop``: generate, run tools, repeat.

Each turn generates from the conversation so far and appends the assistant
message (its tool calls kept); when it called tools, ``execute_tools``
runs them and their results are appended too. The result holds only the
messages the loop added (Inspect's ``generate_loop`` shape), so
``input + result.messages`` is the whole conversation. The loop ends when the model
answers without calling a tool, or after ``max_turns`` generations (the
last turn's tools are still run, so the conversation stays valid to send
again). A forced ``tool_choice`` (``"any"`` or one ``ToolFunction``)
applies to the first turn only, after which the model chooses (``"auto"``);
otherwise it would be made to call tools forever. Tool sources are asked
for their tools once, at the start; those that are context managers (MCP
servers) stay connected until the loop ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, Sequence, Tuple

import attrs

from ..errors import ConfigError
from ..messages import ChatMessage
from ..output import ModelOutput, ModelUsage
from ._types import ToolChoice, ToolFunction

if TYPE_CHECKING:
    from ..config import GenerateConfig

__all__ = [
    "DEFAULT_MAX_TURNS",
    "GenerateFn",
    "GenerateLoopResult",
    "generate_loop",
    "inspect_order",
]

GenerateFn = Callable[[List[ChatMessage], Sequence[Any], Optional[ToolChoice]], ModelOutput]
"""One generation: ``generate(messages, tools, tool_choice)`` (``Model.generate``
with the loop's config and cache bound)."""

DEFAULT_MAX_TURNS = 20
"""Generations ``generate_loop`` makes at most, unless told otherwise."""


@attrs.define
class GenerateLoopResult:
    """What ``Model.generate_loop`` returns.

    Unpacks like Inspect's ``(messages, output)`` pair:
    ``messages, output = model.generate_loop(...)``.

    Args:
        messages: the messages the loop added: every assistant message
            (tool calls kept) and tool result, not the input.
        output: the output of the last generation.
        usage: the usage of every generation in the loop, summed (outputs
            served from the response cache count their recorded usage).
        turns: how many generations were made.
        limit_reached: the loop stopped at ``max_turns`` while the model
            was still calling tools.
    """

    messages: List[ChatMessage]
    output: ModelOutput
    usage: ModelUsage = attrs.field(factory=ModelUsage)
    turns: int = 0
    limit_reached: bool = False

    def __iter__(self) -> Iterator[Any]:
        yield self.messages
        yield self.output


def inspect_order(
    tool_choice: Any, config: Any, cache: Any, on_stream: Any
) -> Tuple[Any, Any, Any, Any]:
    """``(tool_choice, config, cache, on_stream)`` of a ``Model.generate_loop`` call.

    Inspect's ``generate_loop(input, tools, config, cache, on_stream)`` has
    no ``tool_choice``, so its positional arguments land one place to the
    right of modelkit's. A config (``GenerateConfig`` or a dict) where
    ``tool_choice`` goes can only be such a call: its arguments are moved
    back (a function in ``cache``'s place is the handler). Any other call
    comes back as it was.
    """
    from ..config import GenerateConfig

    if not isinstance(tool_choice, (GenerateConfig, dict)):
        return tool_choice, config, cache, on_stream
    handler = cache if callable(cache) and not isinstance(cache, bool) else None
    kept_cache = None if handler is not None else cache
    return (
        None,
        tool_choice,
        config if config is not None else kept_cache,
        on_stream if on_stream is not None else handler,
    )


def generate_loop(
    generate: GenerateFn,
    input: Any,
    tools: Any,
    *,
    config: GenerateConfig,
    tool_result_images: bool,
    max_turns: int = DEFAULT_MAX_TURNS,
    tool_choice: Optional[ToolChoice] = None,
    tool_timeout: Optional[float] = None,
    compaction: Any = None,
) -> GenerateLoopResult:
    """Call ``generate``, running the tools the model calls, until it answers.

    See ``Model.generate_loop`` for the arguments; ``config`` is the merged
    config (read for ``max_tool_output`` and ``parallel_tool_calls``) and
    ``tool_result_images`` whether the API takes images in tool results.

    Raises:
        ConfigError: ``max_turns`` below 1, or a tool that cannot be run.
        APIError: a generation failed (after the engine's retries).
    """
    from .._prepare import input_messages
    from ._execute import tool_defs
    from ._sources import connected

    if isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1:
        raise ConfigError(f"max_turns must be an integer of at least 1, got {max_turns!r}")
    messages: List[ChatMessage] = input_messages(input)
    with connected(tools):
        return _turns(
            generate,
            messages,
            list(tool_defs(tools).values()),
            config,
            tool_result_images,
            max_turns,
            tool_choice,
            tool_timeout,
            compaction,
        )


def _turns(
    generate: GenerateFn,
    messages: List[ChatMessage],
    defs: List[Any],
    config: GenerateConfig,
    tool_result_images: bool,
    max_turns: int,
    tool_choice: Optional[ToolChoice],
    tool_timeout: Optional[float],
    compaction: Any = None,
) -> GenerateLoopResult:
    """The loop itself, over tools already resolved (and sources connected).

    With ``compaction`` (a ``Compact`` handler) each generation is sent what
    ``compact_input`` makes of the conversation; a message it returns (a
    summary) joins the conversation, and each output is recorded with it.
    """
    from ._execute import execute_tools

    added: List[ChatMessage] = []
    usage = ModelUsage()
    choice = tool_choice
    for turn in range(1, max_turns + 1):
        if compaction is None:
            output = generate(messages + added, defs, choice)
        else:
            sent, note = compaction.compact_input(messages + added)
            if note is not None:
                added.append(note)
            output = generate(sent, defs, choice)
            compaction.record_output(sent, output)
        if output.usage is not None:
            usage = usage + output.usage
        if not output.choices:
            return GenerateLoopResult(added, output, usage, turn)
        added.append(output.message)
        if not output.message.tool_calls:
            return GenerateLoopResult(added, output, usage, turn)
        results = execute_tools(
            [output.message],
            defs,
            config.max_tool_output,
            timeout=tool_timeout,
            parallel=config.parallel_tool_calls is not False,
            tool_result_images=tool_result_images,
        )
        added.extend(results.messages)
        if choice == "any" or isinstance(choice, ToolFunction):
            choice = "auto"
    return GenerateLoopResult(added, output, usage, max_turns, limit_reached=True)
