"""Bedrock ``toolConfig``, ``inferenceConfig`` and model-specific fields.

Pure converters for ``modelkit.providers.bedrock``: ``ToolInfo`` becomes a
``toolSpec`` (JSON Schema in ``inputSchema.json``), ``ToolChoice`` becomes
``toolChoice`` (Converse has no ``none``: see ``tool_config``), and
``GenerateConfig`` becomes ``inferenceConfig`` plus, for the model families
that take them, ``additionalModelRequestFields`` (``top_k``; Claude's
``thinking`` from ``reasoning_effort``). The family is read from the model id.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from ...config import GenerateConfig
from ...errors import ConfigError
from ...tools._types import ToolChoice, ToolFunction, ToolInfo
from ..anthropic._thinking import THINKING_BUDGETS, thinking_fields, thinking_mode

__all__ = [
    "THINKING_ANSWER_TOKENS",
    "THINKING_BUDGETS",
    "additional_fields",
    "inference_config",
    "model_family",
    "tool_config",
]

logger = logging.getLogger("modelkit")


THINKING_ANSWER_TOKENS = 8192
"""With thinking on and no ``max_tokens``, ``maxTokens`` is the budget plus
this, keeping every total below the 21,333 tokens past which Claude needs
streaming (Converse's own default is the model's maximum)."""

_PROVIDERS = ("anthropic", "amazon", "meta", "mistral", "cohere", "ai21", "deepseek", "openai")


def tool_config(
    tools: List[ToolInfo], choice: ToolChoice, has_tool_blocks: bool
) -> Optional[Dict[str, Any]]:
    """``toolConfig``, or ``None`` when no tools should be offered.

    Converse has no ``none`` choice: for ``"none"`` the tools are left out,
    unless the conversation already holds tool blocks (Converse then
    requires ``toolConfig``), in which case they are sent without a
    ``toolChoice`` and the model may still call one.
    """
    if not tools or (choice == "none" and not has_tool_blocks):
        return None
    specs = []
    for tool in tools:
        spec: Dict[str, Any] = {"name": tool.name}
        if tool.description:
            spec["description"] = tool.description
        spec["inputSchema"] = {"json": tool.parameters.to_schema()}
        specs.append({"toolSpec": spec})
    out: Dict[str, Any] = {"tools": specs}
    if isinstance(choice, ToolFunction):
        out["toolChoice"] = {"tool": {"name": choice.name}}
    elif choice in ("auto", "any"):
        out["toolChoice"] = {choice: {}}
    return out


def inference_config(config: GenerateConfig) -> Dict[str, Any]:
    """``inferenceConfig``: ``maxTokens``, ``temperature``, ``topP``, ``stopSequences``.

    Raises:
        ConfigError: ``temperature`` above 1 (Converse takes 0 to 1).
    """
    if config.temperature is not None and config.temperature > 1:
        raise ConfigError(
            f"bedrock: Converse takes temperature between 0 and 1, got {config.temperature}"
        )
    out: Dict[str, Any] = {}
    for name, value in (
        ("maxTokens", config.max_tokens),
        ("temperature", config.temperature),
        ("topP", config.top_p),
        ("stopSequences", list(config.stop_seqs) if config.stop_seqs else None),
    ):
        if value is not None:
            out[name] = value
    return out


def model_family(model_id: str) -> Optional[str]:
    """The model's provider (``anthropic``, ``amazon``...) read from its id.

    Works for plain ids, cross-region inference profiles (``us.anthropic...``)
    and foundation-model or inference-profile ARNs; ``None`` when the id
    does not say (a provisioned-throughput ARN).
    """
    name = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    for segment in name.split(".")[:2]:
        if segment in _PROVIDERS:
            return segment
    return None


def additional_fields(config: GenerateConfig, model_id: str) -> Dict[str, Any]:
    """``additionalModelRequestFields`` for options outside ``inferenceConfig``.

    ``top_k``: ``top_k`` for Anthropic and Mistral models, ``inferenceConfig.
    topK`` for Amazon Nova. ``reasoning_effort``, ``reasoning_tokens`` and
    ``effort``: Claude's ``thinking`` and ``output_config``, as the
    ``anthropic`` provider sends them (``anthropic._thinking``: a budget
    before Claude 4.6, adaptive thinking after). For other families these
    options are not sent (logged at WARNING).
    """
    family = model_family(model_id)
    out: Dict[str, Any] = {}
    if config.top_k is not None:
        if family in ("anthropic", "mistral"):
            out["top_k"] = config.top_k
        elif family == "amazon" and "nova" in model_id:
            out["inferenceConfig"] = {"topK": config.top_k}
        else:
            logger.warning("bedrock: top_k is not sent to %s (no known field for it)", model_id)
    if family == "anthropic":
        out.update(thinking_fields("bedrock", model_id, config, thinking_mode(model_id)))
        return out
    for name in ("effort", "reasoning_tokens"):
        if getattr(config, name) is not None:
            logger.warning("bedrock: %s is not sent to %s (Claude only)", name, model_id)
    if config.reasoning_effort is not None:
        logger.warning(
            "bedrock: reasoning_effort is not sent to %s; pass the model's own field "
            "with additional_model_request_fields=",
            model_id,
        )
    return out
