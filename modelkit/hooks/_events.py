"""What each model hook is given (Inspect's hook data classes, model-level ones).

Inspect's fields that name an eval, run, task or sample are kept for code
written against Inspect; modelkit has no evals, so they are ``None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

import attrs

if TYPE_CHECKING:
    from ..config import GenerateConfig
    from ..messages import ChatMessage
    from ..output import ModelUsage
    from ..tools._types import ToolChoice, ToolInfo

__all__ = [
    "ApiKeyOverride",
    "BeforeModelGenerate",
    "ModelCacheUsageData",
    "ModelRetry",
    "ModelUsageData",
]


@attrs.frozen
class BeforeModelGenerate:
    """A call is about to send its first request to the provider.

    Args:
        model_name: the model, as ``str(model)`` (``"openai/gpt-4o"``).
        input: the chat messages about to be sent.
        tools: the tools the model may call.
        tool_choice: which tool the model is directed to use.
        config: the call's merged generation config.
        cache: ``"write"`` when the output will be stored in the response cache.
    """

    model_name: str
    input: List[ChatMessage]
    tools: List[ToolInfo]
    tool_choice: ToolChoice
    config: GenerateConfig
    cache: Optional[str] = None
    eval_set_id: Optional[str] = None
    run_id: Optional[str] = None
    eval_id: Optional[str] = None
    sample_id: Optional[str] = None
    task_name: Optional[str] = None


@attrs.frozen
class ModelUsageData:
    """A call to the provider succeeded and used tokens.

    Args:
        model_name: the model, as ``str(model)``.
        usage: the call's token usage, ``total_cost`` in dollars (``None`` unpriced).
        call_duration: seconds the successful attempt took (retry waits excluded).
        retries: retries made before the successful attempt.
    """

    model_name: str
    usage: ModelUsage
    call_duration: float
    eval_set_id: Optional[str] = None
    run_id: Optional[str] = None
    eval_id: Optional[str] = None
    task_name: Optional[str] = None
    retries: int = 0


@attrs.frozen
class ModelCacheUsageData:
    """The response cache answered a call (nothing was sent; ``usage.total_cost`` is 0).

    Args:
        model_name: the model, as ``str(model)``.
        usage: the cached output's token usage.
    """

    model_name: str
    usage: ModelUsage


@attrs.frozen
class ModelRetry:
    """An attempt failed and the call will try again.

    Args:
        model_name: the model, as ``str(model)``.
        attempt: the attempt that failed (1 for the first).
        wait_time: seconds waited (backoff, ``Retry-After``) before the next attempt.
        exception_type: the failure's type name (``"RateLimitError"``).
        status_code: its HTTP status (429, 503, ...), if it had one.
    """

    model_name: str
    attempt: int
    wait_time: float
    eval_set_id: Optional[str] = None
    run_id: Optional[str] = None
    eval_id: Optional[str] = None
    sample_id: Optional[str] = None
    task_name: Optional[str] = None
    exception_type: Optional[str] = None
    status_code: Optional[int] = None


@attrs.frozen
class ApiKeyOverride:
    """An API key about to be used, offered to ``override_api_key``.

    Args:
        env_var_name: the environment variable the key belongs to (``OPENAI_API_KEY``).
        value: the key (given to the model, or the variable's value; ``""`` if unset).
    """

    env_var_name: str
    value: str = attrs.field(repr=False)
