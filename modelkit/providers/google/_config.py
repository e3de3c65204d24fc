"""Gemini tool declarations and ``generationConfig``, from modelkit's types.

Pure converters for ``modelkit.providers.google``: ``ToolInfo`` becomes a
``functionDeclarations`` entry whose JSON Schema is reduced to the OpenAPI
3.0 subset Gemini's ``Schema`` accepts, ``ToolChoice`` becomes
``toolConfig.functionCallingConfig``, and ``GenerateConfig`` becomes
``generationConfig``, with a ``thinkingConfig`` derived from
``reasoning_effort`` according to the model's generation (``reasoning_tokens``
sets ``thinkingBudget`` itself), and ``responseModalities`` from
``modalities``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from ..._config_fields import image_output
from ...config import GenerateConfig
from ...errors import ConfigError
from ...tools._types import ToolChoice, ToolFunction, ToolInfo
from .._effort import warn_not_sent

__all__ = [
    "MAX_STOP_SEQUENCES",
    "THINKING_BUDGETS",
    "generation_config",
    "schema_to_gemini",
    "thinking_config",
    "tool_config",
    "tools_to_wire",
]

MAX_STOP_SEQUENCES = 5
"""Gemini's documented limit on ``stopSequences``."""

THINKING_BUDGETS = {
    "minimal": 512,
    "low": 2048,
    "medium": 8192,
    "high": 24576,
    "xhigh": 24576,
    "max": 24576,
}
"""``thinkingBudget`` per ``reasoning_effort`` for Gemini 2.5 models (within
every 2.5 model's documented range: Pro 128-32768, Flash 0-24576, Flash-Lite
512-24576); ``xhigh`` and ``max`` get a Pro model's top, 32768."""

PRO_TOP_BUDGET = 32768

_SCHEMA_TYPES = {
    "string": "STRING",
    "number": "NUMBER",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "array": "ARRAY",
    "object": "OBJECT",
    "null": "NULL",
}
_SCHEMA_FORMATS = {"enum", "date-time", "float", "double", "int32", "int64"}
_SCHEMA_COPY = (
    "title",
    "description",
    "default",
    "example",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
)


# --- tools ------------------------------------------------------------------


def tools_to_wire(tools: List[ToolInfo]) -> List[Dict[str, Any]]:
    """One ``{"functionDeclarations": [...]}`` tool holding every function."""
    declarations = []
    for tool in tools:
        declaration: Dict[str, Any] = {"name": tool.name, "description": tool.description}
        if tool.parameters.properties:
            declaration["parameters"] = schema_to_gemini(tool.parameters.to_schema())
        declarations.append(declaration)
    return [{"functionDeclarations": declarations}]


def tool_config(choice: ToolChoice) -> Dict[str, Any]:
    """``toolConfig.functionCallingConfig`` for a ``ToolChoice``."""
    if isinstance(choice, ToolFunction):
        calling: Dict[str, Any] = {"mode": "ANY", "allowedFunctionNames": [choice.name]}
    else:
        calling = {"mode": {"auto": "AUTO", "any": "ANY", "none": "NONE"}[choice]}
    return {"functionCallingConfig": calling}


def schema_to_gemini(schema: Dict[str, Any]) -> Dict[str, Any]:
    """A JSON Schema reduced to the OpenAPI 3.0 subset Gemini's ``Schema`` takes.

    Types become upper case; ``anyOf`` with ``null`` (or a type list with
    ``"null"``) becomes ``nullable``; ``additionalProperties``, ``$schema``
    and unsupported formats are dropped; a non-string ``enum`` is dropped and
    its values are listed in the description instead.
    """
    out: Dict[str, Any] = {}
    variants = schema.get("anyOf")
    kind = schema.get("type")
    if isinstance(kind, list):
        variants = [{"type": k} for k in kind]
        kind = None
    if variants:
        non_null = [v for v in variants if v.get("type") != "null"]
        if len(non_null) < len(variants):
            out["nullable"] = True
        if len(non_null) == 1:
            out.update(schema_to_gemini(non_null[0]))
        elif non_null:
            out["anyOf"] = [schema_to_gemini(v) for v in non_null]
    if isinstance(kind, str):
        out["type"] = _SCHEMA_TYPES.get(kind, kind.upper())
    if schema.get("format") in _SCHEMA_FORMATS:
        out["format"] = schema["format"]
    for key in _SCHEMA_COPY:
        if key in schema:
            out[key] = schema[key]
    enum = schema.get("enum")
    if enum is not None:
        if all(isinstance(v, str) for v in enum):
            out["enum"] = list(enum)
        else:
            allowed = "one of: " + ", ".join(str(v) for v in enum)
            text = out.get("description")
            out["description"] = f"{text} ({allowed})" if text else allowed
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: schema_to_gemini(v) for k, v in schema["properties"].items()}
    if schema.get("required"):
        out["required"] = list(schema["required"])
    if isinstance(schema.get("items"), dict):
        out["items"] = schema_to_gemini(schema["items"])
    return out


# --- generation config ----------------------------------------------------------


def generation_config(config: GenerateConfig, model: str) -> Dict[str, Any]:
    """``generationConfig`` for the options Gemini takes (others are ignored).

    Raises:
        ConfigError: more than five stop sequences.
    """
    out: Dict[str, Any] = {}
    fields = (
        ("temperature", config.temperature),
        ("topP", config.top_p),
        ("topK", config.top_k),
        ("maxOutputTokens", config.max_tokens),
        ("candidateCount", config.num_choices),
        ("seed", config.seed),
        ("presencePenalty", config.presence_penalty),
        ("frequencyPenalty", config.frequency_penalty),
    )
    for name, value in fields:
        if value is not None:
            out[name] = value
    if config.stop_seqs:
        if len(config.stop_seqs) > MAX_STOP_SEQUENCES:
            raise ConfigError(
                f"google: Gemini takes at most {MAX_STOP_SEQUENCES} stop sequences, "
                f"got {len(config.stop_seqs)}"
            )
        out["stopSequences"] = list(config.stop_seqs)
    if config.response_schema is not None:
        out["responseMimeType"] = "application/json"
        out["responseJsonSchema"] = config.response_schema.json_schema
    if config.logprobs or config.top_logprobs is not None:
        out["responseLogprobs"] = True
        if config.top_logprobs is not None:
            out["logprobs"] = config.top_logprobs
    thinking = thinking_config(config.reasoning_effort, model)
    if config.reasoning_tokens is not None:  # an explicit budget wins over the effort
        thinking = {"thinkingBudget": config.reasoning_tokens}
        if config.reasoning_tokens:
            thinking["includeThoughts"] = True
    if thinking is not None:
        out["thinkingConfig"] = thinking
    if image_output(config.modalities) is not None:  # images come back as inlineData parts
        out["responseModalities"] = ["TEXT", "IMAGE"]
    return out


def _gemini_version(model: str) -> Optional[Tuple[int, ...]]:
    match = re.search(r"gemini-(\d+(?:\.\d+)*)", model.rsplit("/", 1)[-1])
    return tuple(int(p) for p in match.group(1).split(".")) if match else None


def thinking_config(effort: Optional[str], model: str) -> Optional[Dict[str, Any]]:
    """``thinkingConfig`` for a ``reasoning_effort``, by model generation.

    Gemini 3 and later (and unversioned aliases such as
    ``gemini-flash-latest``) take ``thinkingLevel`` (the effort in upper
    case; ``minimal`` becomes ``LOW`` on Pro models, which lack it, and
    ``xhigh``/``max`` ``HIGH``, the top level); Gemini 2.5 takes
    ``thinkingBudget`` from ``THINKING_BUDGETS``; older models and
    non-Gemini names get none. Thought summaries are asked for
    (``includeThoughts``) so they come back as ``ContentReasoning``.
    ``"none"`` is ``thinkingBudget: 0`` (thinking off), except on Pro
    models, which cannot stop thinking (a ``ConfigWarning``; as Inspect,
    https://ai.google.dev/gemini-api/docs/thinking#set-budget).
    """
    if effort is None:
        return None
    name = model.rsplit("/", 1)[-1].lower()
    version = _gemini_version(name)
    if version is None and "gemini" not in name:
        return None
    if version is not None and version < (2, 5):
        return None
    pro = "-pro" in name
    if effort == "none" and pro:
        warn_not_sent("google", model, effort, "Pro models always think; thinking stays on")
        return {"includeThoughts": True}
    if effort == "none":
        return {"thinkingBudget": 0, "includeThoughts": False}
    if version is None or version >= (3,):
        level = {"xhigh": "HIGH", "max": "HIGH"}.get(effort, effort.upper())
        if level == "MINIMAL" and pro:
            level = "LOW"
        return {"thinkingLevel": level, "includeThoughts": True}
    budget = THINKING_BUDGETS[effort]
    if pro and effort in ("xhigh", "max"):
        budget = PRO_TOP_BUDGET
    return {"thinkingBudget": budget, "includeThoughts": True}
