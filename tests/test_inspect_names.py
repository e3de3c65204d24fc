"""Every name of Inspect 0.3.285's ``inspect_ai.model.__all__`` imports from modelkit.

The list is frozen here as Inspect 0.3.285 publishes it (``python -c "import
inspect_ai.model as m; print(sorted(set(m.__all__)))"``), so a later Inspect
does not move the target silently. Two sets stand apart, each checked:

- ``BRIDGE_ONLY``: names that exist only for Inspect's agent bridge (an
  agent running in a sandbox whose model calls Inspect intercepts); modelkit
  has no bridge, and the README lists them with this reason.
- ``NOT_YET``: names other engineers are building (none left: stream
  callbacks and compaction landed). The test asserts they are *not* importable
  yet, so whoever adds one must move it out of this set: the set shrinks to
  empty, and the lead tracks it.
"""

from __future__ import annotations

import importlib
from typing import FrozenSet

import pytest

import modelkit

INSPECT_MODEL_ALL: FrozenSet[str] = frozenset(
    {
        "BatchConfig",
        "CachePolicy",
        "ChatCompletionChoice",
        "ChatMessage",
        "ChatMessageAssistant",
        "ChatMessageBase",
        "ChatMessageSystem",
        "ChatMessageTool",
        "ChatMessageUser",
        "Citation",
        "CitationBase",
        "Compact",
        "CompactionAuto",
        "CompactionEdit",
        "CompactionNative",
        "CompactionResult",
        "CompactionStrategy",
        "CompactionSummary",
        "CompactionTrim",
        "Content",
        "ContentAudio",
        "ContentCitation",
        "ContentData",
        "ContentDocument",
        "ContentImage",
        "ContentReasoning",
        "ContentText",
        "ContentToolUse",
        "ContentVideo",
        "DocumentCitation",
        "ExecuteToolsResult",
        "GenerateConfig",
        "GenerateConfigArgs",
        "GenerateFilter",
        "GenerateInput",
        "ImageOutput",
        "Logprob",
        "Logprobs",
        "Model",
        "ModelAPI",
        "ModelCall",
        "ModelConfig",
        "ModelConversation",
        "ModelCost",
        "ModelFallback",
        "ModelInfo",
        "ModelName",
        "ModelOutput",
        "ModelRefusalError",
        "ModelRequestId",
        "ModelResolver",
        "ModelResponseFilter",
        "ModelRole",
        "ModelRoles",
        "ModelUsage",
        "OutputModality",
        "ResponseSchema",
        "RetryDecision",
        "ServedModelUsage",
        "StopCategory",
        "StopDetails",
        "StopReason",
        "StreamEvent",
        "StreamHandler",
        "StreamReasoningEvent",
        "StreamRetryEvent",
        "StreamTextEvent",
        "StreamToolCallEvent",
        "TopLogprob",
        "UrlCitation",
        "cache_clear",
        "cache_list_expired",
        "cache_path",
        "cache_prune",
        "cache_size",
        "call_tools",
        "compaction",
        "compute_model_cost",
        "execute_tools",
        "get_model",
        "get_model_info",
        "messages_from_anthropic",
        "messages_from_google",
        "messages_from_openai",
        "messages_from_openai_responses",
        "messages_to_openai",
        "messages_to_openai_responses",
        "model_output_from_anthropic",
        "model_output_from_google",
        "model_output_from_openai",
        "model_output_from_openai_responses",
        "model_roles",
        "modelapi",
        "record_response_headers",
        "set_model_cost",
        "set_model_info",
        "stable_message_ids",
        "trim_messages",
        "user_prompt",
    }
)
"""``inspect_ai.model.__all__`` in 0.3.285: 100 entries, 99 names (it lists ``ContentDocument`` twice)."""

BRIDGE_ONLY: FrozenSet[str] = frozenset({"ModelResolver", "ModelResponseFilter", "GenerateFilter"})
"""Only for Inspect's agent bridge; modelkit has none (see the README's "Coming from Inspect")."""

NOT_YET: FrozenSet[str] = frozenset()
"""Names still to come. Adding one to modelkit fails this test until it is moved out."""

EXPECTED = sorted(INSPECT_MODEL_ALL - BRIDGE_ONLY - NOT_YET)


def test_the_frozen_list_is_inspects() -> None:
    assert len(INSPECT_MODEL_ALL) == 99
    assert BRIDGE_ONLY <= INSPECT_MODEL_ALL and NOT_YET <= INSPECT_MODEL_ALL


@pytest.mark.parametrize("name", EXPECTED)
def test_every_inspect_name_imports_from_modelkit(name: str) -> None:
    namespace: dict = {}
    exec(f"from modelkit import {name}", namespace)  # the import an Inspect user writes
    assert namespace[name] is getattr(modelkit, name)
    assert name in modelkit.__all__


@pytest.mark.parametrize("name", sorted(NOT_YET | BRIDGE_ONLY))
def test_names_still_to_come_are_not_importable_yet(name: str) -> None:
    module = importlib.import_module("modelkit")
    with pytest.raises(ImportError):
        exec(f"from modelkit import {name}", {})
    assert name not in module.__all__
