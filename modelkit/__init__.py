"""modelkit: one synchronous Python interface to many model APIs.

A thin client following the public API of Inspect's model layer, for
synchronous applications, serverless functions and vendored installs.
Runtime dependencies: ``requests`` (imported on the first HTTP call) and
``attrs``. Importing this package imports no provider, writes no file and
touches no network.

The public names are re-exported lazily (PEP 562): each submodule loads on
first use of one of its names, so ``import modelkit`` costs next to nothing
at a serverless cold start. To export a name, add it both to the
``TYPE_CHECKING`` imports (for type checkers), to ``_EXPORTS`` and to
``__all__``; a test checks the three agree.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ._citation import (
        Citation,
        CitationBase,
        ContentCitation,
        DocumentCitation,
        DocumentRange,
        UrlCitation,
    )
    from ._engine.fleet import LimitsWarning
    from ._events import ReasoningDelta, StreamEnd, StreamEvent, TextDelta, ToolCallDelta
    from ._media_guard import set_media_policy
    from ._model_stream import ModelStream
    from .api import ModelAPI, modelapi
    from .cache import (
        CachePolicy,
        CacheWarning,
        cache_clear,
        cache_epoch,
        cache_list_expired,
        cache_path,
        cache_prune,
        cache_size,
    )
    from .config import AdaptiveConcurrency, GenerateConfig, GenerateConfigArgs, ResponseSchema
    from .convert import (
        messages_from_anthropic,
        messages_from_google,
        messages_from_openai,
        messages_from_openai_responses,
        messages_to_openai,
        messages_to_openai_responses,
        model_output_from_anthropic,
        model_output_from_google,
        model_output_from_openai,
        model_output_from_openai_responses,
    )
    from .errors import (
        APIConnectionError,
        APIError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        CacheError,
        ConfigError,
        ConfigWarning,
        MCPServerError,
        MCPTimeoutError,
        MissingAPIKeyError,
        ModelkitError,
        ModelRefusalError,
        QuotaExceededError,
        RateLimitError,
        ResponseFormatError,
    )
    from .info import (
        ModelCost,
        ModelInfo,
        compute_model_cost,
        get_model_info,
        set_model_cost,
        set_model_info,
    )
    from .messages import (
        ChatMessage,
        ChatMessageAssistant,
        ChatMessageBase,
        ChatMessageSystem,
        ChatMessageTool,
        ChatMessageUser,
        Content,
        ContentAudio,
        ContentData,
        ContentDocument,
        ContentImage,
        ContentReasoning,
        ContentText,
        ContentToolUse,
        ContentVideo,
    )
    from .model import Model, get_model
    from .output import (
        ChatCompletionChoice,
        Logprob,
        Logprobs,
        ModelCall,
        ModelFallback,
        ModelOutput,
        ModelUsage,
        StopCategory,
        StopDetails,
        StopReason,
        TopLogprob,
    )
    from .tools import (
        INTERNAL_TOOL_TYPE,
        Tool,
        ToolCall,
        ToolCallError,
        ToolChoice,
        ToolDef,
        ToolError,
        ToolFunction,
        ToolInfo,
        ToolParam,
        ToolParams,
        ToolResult,
        ToolSource,
        internal_tool_type,
        tool,
    )
    from .tools._execute import ExecuteToolsResult, execute_tools
    from .tools._loop import GenerateLoopResult
    from .tools._think import think
    from .tools._view import ToolCallContent, ToolCallModelInput, ToolCallView, ToolCallViewer
    from .tools._with import tool_with
    from .tools.mcp import (
        MCPServer,
        MCPServerConfig,
        MCPServerConfigHTTP,
        MCPServerConfigStdio,
        mcp_connection,
        mcp_server_http,
        mcp_server_sse,
        mcp_server_stdio,
        mcp_tools,
    )

_EXPORTS: Dict[str, Tuple[str, ...]] = {
    "_citation": (
        "Citation",
        "CitationBase",
        "ContentCitation",
        "DocumentCitation",
        "DocumentRange",
        "UrlCitation",
    ),
    "_engine.fleet": ("LimitsWarning",),
    "_media_guard": ("set_media_policy",),
    "_events": ("ReasoningDelta", "StreamEnd", "StreamEvent", "TextDelta", "ToolCallDelta"),
    "_model_stream": ("ModelStream",),
    "api": (
        "ModelAPI",
        "modelapi",
    ),
    "cache": (
        "CachePolicy",
        "CacheWarning",
        "cache_clear",
        "cache_epoch",
        "cache_list_expired",
        "cache_path",
        "cache_prune",
        "cache_size",
    ),
    "convert": (
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
    ),
    "config": (
        "AdaptiveConcurrency",
        "GenerateConfig",
        "GenerateConfigArgs",
        "ResponseSchema",
    ),
    "errors": (
        "APIConnectionError",
        "APIError",
        "APITimeoutError",
        "AuthenticationError",
        "BadRequestError",
        "CacheError",
        "ConfigError",
        "ConfigWarning",
        "MCPServerError",
        "MCPTimeoutError",
        "MissingAPIKeyError",
        "ModelRefusalError",
        "ModelkitError",
        "QuotaExceededError",
        "RateLimitError",
        "ResponseFormatError",
    ),
    "info": (
        "ModelCost",
        "ModelInfo",
        "compute_model_cost",
        "get_model_info",
        "set_model_cost",
        "set_model_info",
    ),
    "messages": (
        "ChatMessage",
        "ChatMessageAssistant",
        "ChatMessageBase",
        "ChatMessageSystem",
        "ChatMessageTool",
        "ChatMessageUser",
        "Content",
        "ContentAudio",
        "ContentData",
        "ContentDocument",
        "ContentImage",
        "ContentReasoning",
        "ContentText",
        "ContentToolUse",
        "ContentVideo",
    ),
    "model": (
        "Model",
        "get_model",
    ),
    "output": (
        "ChatCompletionChoice",
        "Logprob",
        "Logprobs",
        "ModelCall",
        "ModelFallback",
        "ModelOutput",
        "ModelUsage",
        "StopCategory",
        "StopDetails",
        "StopReason",
        "TopLogprob",
    ),
    "tools": (
        "INTERNAL_TOOL_TYPE",
        "Tool",
        "ToolCall",
        "ToolCallError",
        "ToolChoice",
        "ToolDef",
        "ToolError",
        "ToolFunction",
        "ToolInfo",
        "ToolParam",
        "ToolParams",
        "ToolResult",
        "ToolSource",
        "internal_tool_type",
        "tool",
    ),
    "tools._execute": ("ExecuteToolsResult", "execute_tools"),
    "tools._loop": ("GenerateLoopResult",),
    "tools._think": ("think",),
    "tools._view": ("ToolCallContent", "ToolCallModelInput", "ToolCallView", "ToolCallViewer"),
    "tools._with": ("tool_with",),
    "tools.mcp": (
        "MCPServer",
        "MCPServerConfig",
        "MCPServerConfigHTTP",
        "MCPServerConfigStdio",
        "mcp_connection",
        "mcp_server_http",
        "mcp_server_sse",
        "mcp_server_stdio",
        "mcp_tools",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "INTERNAL_TOOL_TYPE",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AdaptiveConcurrency",
    "AuthenticationError",
    "BadRequestError",
    "CacheError",
    "CachePolicy",
    "CacheWarning",
    "ChatCompletionChoice",
    "ChatMessage",
    "ChatMessageAssistant",
    "ChatMessageBase",
    "ChatMessageSystem",
    "ChatMessageTool",
    "ChatMessageUser",
    "Citation",
    "CitationBase",
    "ConfigError",
    "ConfigWarning",
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
    "DocumentRange",
    "ExecuteToolsResult",
    "GenerateConfig",
    "GenerateConfigArgs",
    "GenerateLoopResult",
    "LimitsWarning",
    "Logprob",
    "Logprobs",
    "MCPServer",
    "MCPServerConfig",
    "MCPServerConfigHTTP",
    "MCPServerConfigStdio",
    "MCPServerError",
    "MCPTimeoutError",
    "MissingAPIKeyError",
    "Model",
    "ModelAPI",
    "ModelCall",
    "ModelCost",
    "ModelFallback",
    "ModelInfo",
    "ModelOutput",
    "ModelRefusalError",
    "ModelStream",
    "ModelUsage",
    "ModelkitError",
    "QuotaExceededError",
    "RateLimitError",
    "ReasoningDelta",
    "ResponseFormatError",
    "ResponseSchema",
    "StopCategory",
    "StopDetails",
    "StopReason",
    "StreamEnd",
    "StreamEvent",
    "TextDelta",
    "Tool",
    "ToolCall",
    "ToolCallContent",
    "ToolCallDelta",
    "ToolCallError",
    "ToolCallModelInput",
    "ToolCallView",
    "ToolCallViewer",
    "ToolChoice",
    "ToolDef",
    "ToolError",
    "ToolFunction",
    "ToolInfo",
    "ToolParam",
    "ToolParams",
    "ToolResult",
    "ToolSource",
    "TopLogprob",
    "UrlCitation",
    "__version__",
    "cache_clear",
    "cache_epoch",
    "cache_list_expired",
    "cache_path",
    "cache_prune",
    "cache_size",
    "compute_model_cost",
    "execute_tools",
    "get_model",
    "get_model_info",
    "internal_tool_type",
    "mcp_connection",
    "mcp_server_http",
    "mcp_server_sse",
    "mcp_server_stdio",
    "mcp_tools",
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
    "modelapi",
    "set_media_policy",
    "set_model_cost",
    "set_model_info",
    "think",
    "tool",
    "tool_with",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'modelkit' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
