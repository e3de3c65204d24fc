"""``mistral``: Mistral models through Mistral's chat completions API.

``POST {base}/v1/chat/completions`` with ``Authorization: Bearer``. The
body looks like OpenAI's but follows Mistral's own rules, which its
validator enforces: the seed is ``random_seed``; ``tool_choice`` is
``auto``/``none``/``any`` or a named function; tool-call ids must be nine
letters or digits, so foreign ids are remapped (deterministically, the same
way in the assistant's ``tool_calls`` and the tool message's
``tool_call_id``); a user message may not follow a tool message, so one that
does is folded into the tool message before it; a conversation ending with
an assistant message sends it as a ``prefix``; unknown fields are rejected,
so only the documented ones are sent. Reasoning comes back as ``thinking``
chunks and is sent back the same way. Errors arrive as
``{"object": "error", "message", "type", "code"}`` or, for validation,
``{"detail": [{"loc", "msg", "type"}]}``.

A call with ``web_search()`` or ``code_execution()`` (or with Mistral's tool
executions in its history) goes to ``POST {base}/v1/conversations``
instead, where Mistral runs them; see ``_conversation``.
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ..._engine.response import HttpResponse
from ...api import modelapi
from ...config import GenerateConfig
from ...errors import ConfigError, shorten
from ...messages import ChatMessage, Content, ContentReasoning, ContentText
from ...output import ChatCompletionChoice, ModelCall, ModelOutput, StopReason
from ...tools._types import ToolChoice, ToolFunction, ToolInfo, internal_tool_type
from ...tools.builtin._server import SERVER_TOOL_TYPES, check_server_tools
from .._common import assistant_message, env_first, versioned_url
from .._fields import content_of
from .._rest import HttpRequest, RestAPI
from ..openai._request import tools_to_wire
from ..openai._response import parse_logprobs
from ._messages import messages_to_wire, mistral_tool_call_id
from ._wire import REASONING_EFFORTS, parse_tool_call, parse_usage, response_format, sampling

if TYPE_CHECKING:
    from ..._events import APIStream
    from .._streaming import StreamDecoder

__all__ = [
    "FINISH_REASONS",
    "REASONING_EFFORTS",
    "MistralAPI",
    "error_text",
    "messages_to_wire",
    "mistral_tool_call_id",
    "parse_completion",
    "parse_tool_call",
    "request_body",
    "response_format",
]

DEFAULT_BASE_URL = "https://api.mistral.ai"
KEY_VARS = ("MISTRAL_API_KEY",)
BASE_URL_VAR = "MISTRAL_BASE_URL"

FINISH_REASONS: Dict[str, StopReason] = {
    "stop": "stop",
    "length": "max_tokens",
    "model_length": "model_length",
    "tool_calls": "tool_calls",
    "error": "unknown",
}


def request_body(
    model: str,
    input: Sequence[ChatMessage],
    tools: Sequence[ToolInfo],
    tool_choice: ToolChoice,
    config: GenerateConfig,
) -> Dict[str, Any]:
    """The chat completions request body for one generation.

    ``logprobs`` and ``top_logprobs`` are sent as OpenAI's are
    (``top_logprobs`` alone asks for logprobs too; mistralai 3.7.0
    ``ChatCompletionRequest``). Config fields Mistral has no parameter for
    (``top_k``, ``logit_bias``, ``best_of``) are not sent: the API rejects
    unknown fields.
    """
    body: Dict[str, Any] = {"model": model, "messages": messages_to_wire(input)}
    if tools:
        body["tools"] = tools_to_wire(tools)
        body["tool_choice"] = _tool_choice(tool_choice)
        if config.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = config.parallel_tool_calls
    body.update(sampling(config))
    if config.num_choices is not None:
        body["n"] = config.num_choices
    if config.logprobs is not None or config.top_logprobs is not None:
        wanted = config.logprobs if config.logprobs is not None else True
        body["logprobs"] = wanted
        if wanted and config.top_logprobs is not None:
            body["top_logprobs"] = config.top_logprobs
    return body


def _tool_choice(choice: ToolChoice) -> Union[str, Dict[str, Any]]:
    if isinstance(choice, ToolFunction):
        return {"type": "function", "function": {"name": choice.name}}
    return choice


def parse_completion(body: Mapping[str, Any], model: str = "") -> ModelOutput:
    """A ``ModelOutput`` from a chat completions response body."""
    name = body.get("model") or model
    choices = [_choice(choice, name) for choice in body["choices"]]  # none: not an answer
    return ModelOutput(model=name, choices=choices, usage=parse_usage(body.get("usage") or {}))


def _choice(choice: Mapping[str, Any], model: str) -> ChatCompletionChoice:
    message = choice.get("message") or {}
    content = content_of(message.get("content"))
    parts: List[Content] = []
    if isinstance(content, str):
        parts.append(ContentText(text=content))
    for chunk in content if isinstance(content, list) else []:
        if chunk.get("type") == "text":
            parts.append(ContentText(text=chunk.get("text", "")))
        elif chunk.get("type") == "thinking":
            inner = chunk.get("thinking") or []
            text = "".join(c.get("text", "") for c in inner if c.get("type") == "text")
            parts.append(ContentReasoning(reasoning=text))
    calls = [parse_tool_call(call) for call in message.get("tool_calls") or []]
    assistant = assistant_message(parts, calls, model, join_texts=True)
    stop = FINISH_REASONS.get(choice.get("finish_reason") or "", "unknown")
    return ChatCompletionChoice(
        message=assistant, stop_reason=stop, logprobs=parse_logprobs(choice.get("logprobs"))
    )


def error_text(body: Any, text: str) -> str:
    """The message of a Mistral error body, validation details included."""
    if not isinstance(body, dict):
        return shorten(text.strip(), 300) or "(empty body)"
    message: Any = body.get("message")
    detail: Any = body.get("detail")
    if isinstance(message, dict):
        message, detail = None, message.get("detail", detail)
    elif isinstance(message, list):
        message, detail = None, message
    parts = [message] if isinstance(message, str) and message else []
    if isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(step) for step in item.get("loc") or [])
                parts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
    elif isinstance(detail, str):
        parts.append(detail)
    summary = "; ".join(parts) or shorten(text.strip(), 300) or "(empty body)"
    tags = [str(v) for v in (body.get("type"), body.get("code")) if v not in (None, "")]
    return f"{summary} ({', '.join(tags)})" if tags else summary


_ONLY_CONVERSATIONS = (
    "Mistral runs web_search and code_interpreter only in its Conversations API "
    "(https://docs.mistral.ai/agents/connectors/connectors): generate() and stream() "
    "send such a call there themselves, a request built for chat completions "
    "(build_request, batches) cannot carry them"
)


@modelapi("mistral")
class MistralAPI(RestAPI):
    """Mistral models through the chat completions API.

    Args:
        model_name: the model id (``mistral-large-latest``, ``magistral-medium-latest``...).
        base_url: the API root (default ``$MISTRAL_BASE_URL``, else
            ``https://api.mistral.ai``); ``/v1/chat/completions`` is appended
            (``/chat/completions`` when it already ends in ``/v1``).
        api_key: the API key (default ``$MISTRAL_API_KEY``).
        config: the model's default generation config.
    """

    requires_api_key = True
    conversation = False
    """Whether this API speaks the Conversations API (the twin made for Mistral's own tools)."""
    env_vars: ClassVar[Dict[str, str]] = {
        "MISTRAL_API_KEY": "API key (required)",
        "MISTRAL_BASE_URL": f"API root URL (default {DEFAULT_BASE_URL})",
    }

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
    ) -> None:
        super().__init__(
            model_name,
            base_url=base_url or env_first(BASE_URL_VAR),
            api_key=api_key,
            api_key_vars=KEY_VARS,
            config=config,
        )

    def canonical_name(self) -> str:
        return f"mistral/{self.model_name}"

    @property
    def url(self) -> str:
        """Where requests go."""
        path = "conversations" if self.conversation else "chat/completions"
        return versioned_url(self.base_url or DEFAULT_BASE_URL, "v1", path)

    def config_fields(self) -> FrozenSet[str]:
        return frozenset(
            {
                "seed",
                "frequency_penalty",
                "presence_penalty",
                "logprobs",
                "top_logprobs",
                "extra_headers",
                "extra_body",
                "response_schema",
            }
        )

    def has_reasoning_history(self) -> bool:
        return True

    def build_request(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> HttpRequest:
        from ._conversation import SERVER_TOOLS, conversation_body

        check_server_tools(
            self.provider,
            "mistral",
            tools,
            tuple(SERVER_TOOLS) if self.conversation else (),
            "" if self.conversation else _ONLY_CONVERSATIONS,
        )
        headers = {
            "Authorization": f"Bearer {self.api_key or ''}",
            "content-type": "application/json",
            "accept": "application/json",
        }
        if self.conversation:
            if config.num_choices is not None and config.num_choices > 1:
                raise ConfigError(
                    "mistral: num_choices > 1 is not available with web_search()/"
                    "code_execution() (Mistral's Conversations API makes one answer)"
                )
            body = conversation_body(self.model_name, input, tools, tool_choice, config)
        else:
            body = request_body(self.model_name, input, tools, tool_choice, config)
        return HttpRequest(url=self.url, headers=headers, body=body)

    def for_call(self, input: List[ChatMessage], tools: List[ToolInfo]) -> MistralAPI:
        """This API, or its Conversations twin for a call Mistral's own tools take part in.

        The twin serves a call whose tools hold ``web_search()`` or
        ``code_execution()``, or whose history holds Mistral's tool
        executions; it shares this API's HTTP client and settings.
        """
        from ._conversation import has_own_tool_use

        if self.conversation or not (
            any(internal_tool_type(tool) in SERVER_TOOL_TYPES for tool in tools)
            or has_own_tool_use(input)
        ):
            return self
        return self.twin("_conversation_twin", conversation=True)

    def generate(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> Tuple[Union[ModelOutput, Exception], ModelCall]:
        api = self.for_call(input, tools)
        if api is not self:
            return api.generate(input, tools, tool_choice, config)
        return super().generate(input, tools, tool_choice, config)

    def stream(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> APIStream:
        api = self.for_call(input, tools)
        if api is not self:
            return api.stream(input, tools, tool_choice, config)
        return super().stream(input, tools, tool_choice, config)

    def parse_response(self, body: Any, response: HttpResponse) -> ModelOutput:
        return self.parse_body(body)

    def stream_decoder(self, config: GenerateConfig) -> Optional[StreamDecoder]:
        if self.conversation:
            from ._conversation_stream import ConversationStreamDecoder

            return ConversationStreamDecoder(self.provider, self.model_name)
        from ._stream import MistralStreamDecoder

        return MistralStreamDecoder(self.provider, self.model_name)

    def stream_request(self, request: HttpRequest, config: GenerateConfig) -> HttpRequest:
        headers = {**request.headers, "accept": "text/event-stream"}
        return HttpRequest(url=request.url, headers=headers, body={**request.body, "stream": True})

    def parse_body(self, body: Any) -> ModelOutput:
        """A chat completion (or, on the twin, a conversation) body as a ``ModelOutput``."""
        if self.conversation:
            from ._conversation import parse_conversation

            return parse_conversation(body, self.model_name)
        return parse_completion(body, self.model_name)

    def error_text(self, body: Any, text: str) -> str:
        """The API's own message from an error body."""
        return error_text(body, text)

    def batch_client(self) -> Any:
        from ._batch import MistralBatchClient

        return MistralBatchClient(self)
