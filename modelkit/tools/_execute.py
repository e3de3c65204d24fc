"""``execute_tools``: run the tool calls of the last assistant message.

Each call is checked before it runs: a call whose JSON the provider could
not parse, an unknown tool, or arguments that do not fit the tool's schema
becomes a ``ToolCallError`` of type ``"parsing"`` that goes back to the
model, and so does an exception raised by the tool (typed ``"timeout"``,
``"permission"``, ``"file_not_found"``, ``"is_a_directory"``,
``"unicode_decode"`` or ``"unknown"``) — except ``MCPServerError``: an
MCP tool whose server died or hung raises it to the caller. An ``async def`` tool is awaited
(on an event loop of its own, in the thread that runs the call). Calls run
in parallel threads when allowed: consecutive calls to tools whose
``parallel`` is true run together, a call to a ``parallel=False`` tool runs
alone, in the model's order (as Inspect does); a call that outlives its timeout is abandoned (a Python thread
cannot be killed: it runs on in the background, as a daemon thread, and
its result is dropped). Text output over the byte limit is truncated with a
note saying so.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import attrs

from ..errors import ConfigError, MCPServerError
from ..messages import (
    ChatMessage,
    ChatMessageAssistant,
    message_from_dict,
)
from ..output import ModelOutput
from ._function import ToolDef
from ._results import move_images, result_message
from ._types import ToolCall, ToolCallError, ToolError, ToolInfo

__all__ = ["DEFAULT_MAX_TOOL_OUTPUT", "ExecuteToolsResult", "execute_tools", "tool_defs"]

DEFAULT_MAX_TOOL_OUTPUT = 16 * 1024
"""Bytes of tool output kept when neither the call nor the config says otherwise."""

logger = logging.getLogger("modelkit")

_OS_ERRORS: Tuple[Tuple[type, str], ...] = (
    (TimeoutError, "timeout"),
    (PermissionError, "permission"),
    (FileNotFoundError, "file_not_found"),
    (IsADirectoryError, "is_a_directory"),
    (UnicodeDecodeError, "unicode_decode"),
)


class ExecuteToolsResult(NamedTuple):
    """What ``execute_tools`` returns; unpacks as ``messages, output`` (Inspect's shape).

    Args:
        messages: the messages to add to the conversation: one
            ``ChatMessageTool`` per call, then any images moved to a user message.
        output: a model output produced while running the tools (Inspect
            sets it for hand-offs to other agents; modelkit has none: ``None``).
    """

    messages: List[ChatMessage]
    output: Optional[ModelOutput] = None


def execute_tools(
    messages_or_output: Any,
    tools: Any,
    max_output: Optional[int] = None,
    *,
    timeout: Optional[float] = None,
    parallel: bool = True,
    tool_result_images: bool = False,
) -> ExecuteToolsResult:
    """Run the tool calls of the last assistant message and return their results.

    Args:
        messages_or_output: a conversation (its last message, if from the
            assistant, is the one run), a ``ModelOutput``, or an assistant message.
        tools: the tools the model may call: ``ToolDef``, functions or
            ``ToolSource``s, or one ``ToolSource``; sources that are context
            managers (MCP servers) stay connected while the calls run.
        max_output: bytes of text kept from each result (default 16 KiB;
            ``0``: no limit).
        timeout: seconds each call may take; a slower call becomes a
            ``"timeout"`` error and its thread is abandoned.
        parallel: run the calls of one message at the same time, in threads
            (calls to ``parallel=False`` tools still run one at a time).
        tool_result_images: the provider takes images in tool results; when
            ``False``, images move to one user message after the results.

    Returns:
        ``ExecuteToolsResult(messages, output)``: one ``ChatMessageTool``
        per call, in call order, then a ``ChatMessageUser`` with any images
        moved out of them (no messages when the last message is not an
        assistant message with tool calls); ``output`` is ``None``.

    Raises:
        ConfigError: a tool is a ``ToolInfo`` (it has no function to run),
            two tools share a name, or ``timeout`` is not positive and finite.
    """
    if timeout is not None and not 0 < timeout < math.inf:  # nan fails both comparisons
        raise ConfigError(f"timeout must be a positive, finite number of seconds, got {timeout!r}")
    limit = DEFAULT_MAX_TOOL_OUTPUT if max_output is None else max_output
    calls = _last_calls(messages_or_output)
    if not calls:
        return ExecuteToolsResult([])
    from ._sources import connected

    with connected(tools):
        results = _run_all(calls, tool_defs(tools), timeout, parallel)
    messages: List[ChatMessage] = [
        result_message(call, result, limit) for call, result in zip(calls, results)
    ]
    return ExecuteToolsResult(messages if tool_result_images else move_images(messages))


def _run_all(
    calls: List[ToolCall], defs: Dict[str, ToolDef], timeout: Optional[float], parallel: bool
) -> List[Any]:
    """The result (or ``ToolCallError``) of each call, in call order."""
    results: List[Any] = []
    for stage in _stages(calls, defs, parallel):
        if len(stage) > 1:
            from concurrent.futures import ThreadPoolExecutor

            workers = min(len(stage), 32)
            with ThreadPoolExecutor(workers, thread_name_prefix="modelkit-tool") as pool:
                results.extend(pool.map(lambda call: _run(call, defs, timeout), stage))
        else:
            results.append(_run(stage[0], defs, timeout))
    return results


def _stages(
    calls: List[ToolCall], defs: Dict[str, ToolDef], parallel: bool
) -> List[List[ToolCall]]:
    """The calls in order, grouped: runs of parallel-safe calls, others alone."""
    stages: List[List[ToolCall]] = []
    joinable = False
    for call in calls:
        definition = defs.get(call.function)
        together = parallel and (definition is None or definition.parallel)
        if together and joinable:
            stages[-1].append(call)
        else:
            stages.append([call])
        joinable = together
    return stages


def tool_defs(tools: Any) -> Dict[str, ToolDef]:
    """The tools by name (``ToolSource``s expanded), functions turned into ``ToolDef``s.

    Raises:
        ConfigError: a ``ToolInfo`` (nothing to run) or a repeated name.
    """
    from ._sources import expand_tools

    found: Dict[str, ToolDef] = {}
    for item in expand_tools(tools):
        if isinstance(item, ToolInfo):
            raise ConfigError(
                f"tool {item.name!r} is a ToolInfo, which has no function to run; pass the "
                "function or a ToolDef"
            )
        definition = item if isinstance(item, ToolDef) else ToolDef(item)
        if definition.name in found:
            raise ConfigError(f"two tools are named {definition.name!r}; tool names must differ")
        found[definition.name] = definition
    return found


def _last_calls(source: Any) -> List[ToolCall]:
    message = source
    if isinstance(source, ModelOutput):
        message = source.message
    elif isinstance(source, Sequence) and not isinstance(source, str):
        if not source:
            return []
        message = source[-1]
    if isinstance(message, Mapping):
        message = message_from_dict(message)
    if isinstance(message, ChatMessageAssistant):
        return list(message.tool_calls or [])
    if getattr(message, "role", None) is None:
        raise ConfigError(
            "execute_tools() takes a list of messages, a ModelOutput or an assistant message, "
            f"got {type(source).__name__}"
        )
    return []


class _Abandoned(Exception):
    """The call outlived its timeout."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _run(call: ToolCall, defs: Dict[str, ToolDef], timeout: Optional[float]) -> Any:
    """The tool's result, or the ``ToolCallError`` the model is told instead."""
    if call.parse_error:
        return ToolCallError("parsing", f"Could not parse the arguments: {call.parse_error}")
    definition = defs.get(call.function)
    if definition is None:
        known = ", ".join(sorted(defs)) or "none"
        return ToolCallError("parsing", f"Tool {call.function!r} not found (tools: {known})")
    from ._function import call_spec
    from ._validate import validate

    schema = definition.parameters
    if call_spec(definition).var_keyword:  # **kwargs takes the others (as Inspect)
        schema = attrs.evolve(schema, additionalProperties=True)
    problems = validate(call.arguments, schema)
    if problems:
        return ToolCallError("parsing", "Invalid arguments: " + "; ".join(problems))
    try:
        args, kwargs = _bind(call.arguments, definition)
    except (ValueError, TypeError) as exc:
        return ToolCallError("parsing", f"Invalid arguments: {exc}")
    start = time.monotonic()
    try:
        result = _call(definition, args, kwargs, timeout)
    except _Abandoned as exc:
        result = ToolCallError("timeout", f"The tool did not finish within {exc.seconds:g}s")
    except MCPServerError:  # the tool's server is broken, not the call: the caller must know
        raise
    except Exception as exc:  # every tool failure is reported to the model
        result = _error_for(exc)
        logger.debug("tool %s raised %s", call.function, type(exc).__name__, exc_info=True)
    logger.debug("tool %s finished in %.3fs", call.function, time.monotonic() - start)
    return result


def _bind(arguments: Dict[str, Any], definition: ToolDef) -> Tuple[List[Any], Dict[str, Any]]:
    from ._function import call_spec
    from ._validate import convert

    spec = call_spec(definition)
    kwargs: Dict[str, Any] = {}
    for name, value in arguments.items():
        try:
            kwargs[name] = convert(value, spec.hints[name]) if name in spec.hints else value
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name}: {exc}") from exc
    args: List[Any] = []
    for name in spec.positional:
        if name not in kwargs:
            break
        args.append(kwargs.pop(name))
    return args, kwargs


def _call(
    definition: ToolDef, args: List[Any], kwargs: Dict[str, Any], timeout: Optional[float]
) -> Any:
    import contextvars

    context = contextvars.copy_context()
    if timeout is None:
        return context.run(_invoke, definition.tool, args, kwargs)
    box: Dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = context.run(_invoke, definition.tool, args, kwargs)
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"modelkit-tool-{definition.name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        logger.warning("tool %s timed out after %gs; abandoning it", definition.name, timeout)
        raise _Abandoned(timeout)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _invoke(fn: Any, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """Call ``fn``; when it is ``async def``, run what it returns to completion."""
    from .._engine.pool import resolve

    return resolve(fn(*args, **kwargs))


def _error_for(exc: Exception) -> ToolCallError:
    if isinstance(exc, ToolError):
        return ToolCallError("unknown", exc.message)
    for kind, name in _OS_ERRORS:
        if isinstance(exc, kind):
            return ToolCallError(name, str(exc) or type(exc).__name__)  # type: ignore[arg-type]
    return ToolCallError("unknown", f"{type(exc).__name__}: {exc}")
