"""modelkit: one synchronous Python interface to many model APIs.

A thin client following the public API of Inspect's model layer, for
synchronous applications, serverless functions and vendored installs.
Runtime dependencies: ``requests`` (imported on the first HTTP call) and
``attrs``. Importing this package imports no provider, writes no file and
touches no network.
"""

from __future__ import annotations

import logging

from .api import ModelAPI, modelapi
from .cache import (
    CachePolicy,
    cache_clear,
    cache_list_expired,
    cache_path,
    cache_prune,
    cache_size,
)
from .config import GenerateConfig, GenerateConfigArgs
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CacheError,
    ConfigError,
    MissingAPIKeyError,
    ModelkitError,
    QuotaExceededError,
    RateLimitError,
    ResponseFormatError,
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
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentVideo,
)
from .model import Model, get_model
from .output import (
    ChatCompletionChoice,
    Logprob,
    Logprobs,
    ModelCall,
    ModelOutput,
    ModelUsage,
    StopReason,
    TopLogprob,
)
from .tools import (
    Tool,
    ToolCall,
    ToolCallError,
    ToolChoice,
    ToolDef,
    ToolFunction,
    ToolInfo,
    ToolParam,
    ToolParams,
)

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CacheError",
    "CachePolicy",
    "ChatCompletionChoice",
    "ChatMessage",
    "ChatMessageAssistant",
    "ChatMessageBase",
    "ChatMessageSystem",
    "ChatMessageTool",
    "ChatMessageUser",
    "ConfigError",
    "Content",
    "ContentAudio",
    "ContentImage",
    "ContentReasoning",
    "ContentText",
    "ContentVideo",
    "GenerateConfig",
    "GenerateConfigArgs",
    "Logprob",
    "Logprobs",
    "MissingAPIKeyError",
    "Model",
    "ModelAPI",
    "ModelCall",
    "ModelOutput",
    "ModelUsage",
    "ModelkitError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseFormatError",
    "StopReason",
    "Tool",
    "ToolCall",
    "ToolCallError",
    "ToolChoice",
    "ToolDef",
    "ToolFunction",
    "ToolInfo",
    "ToolParam",
    "ToolParams",
    "TopLogprob",
    "__version__",
    "cache_clear",
    "cache_list_expired",
    "cache_path",
    "cache_prune",
    "cache_size",
    "get_model",
    "modelapi",
]

logging.getLogger("modelkit").addHandler(logging.NullHandler())
