"""``google``: Google's Gemini API, ``models/{model}:generateContent`` (REST, v1beta).

Model names are the API's (``google/gemini-2.5-flash``); a name with a slash
(``tunedModels/...``) is used as the resource path as given. The key comes
from ``api_key=``, ``$GOOGLE_API_KEY`` or ``$GEMINI_API_KEY`` (in that order,
as Google's SDK does) and travels only in the ``x-goog-api-key`` header,
never in the URL, so no URL that is logged or recorded carries it. The base
URL is ``base_url=``, else ``$GOOGLE_BASE_URL``, else
``https://generativelanguage.googleapis.com``; the API version (``v1beta``
by default) is appended unless the base URL already ends with one. The
request and response converters live in ``_request`` and
``_response``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Dict, FrozenSet, List, Optional

from ..._engine.response import HttpResponse
from ...api import modelapi
from ...config import GenerateConfig
from ...errors import APIError
from ...messages import ChatMessage
from ...output import ModelOutput
from ...tools._types import ToolChoice, ToolInfo
from ...tools.builtin._server import check_server_tools
from .._common import env_first, versioned_url
from .._counting import count_in, prompt_fields
from .._rest import HttpRequest, RestAPI, json_or_none
from ._request import request_body
from ._response import google_error, output_from

if TYPE_CHECKING:
    from .._streaming import StreamDecoder

__all__ = ["API_KEY_VARS", "BASE_URL_VAR", "DEFAULT_BASE_URL", "GoogleAPI"]

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
COUNT_FIELDS = ("contents", "systemInstruction", "tools", "toolConfig")
"""The ``GenerateContentRequest`` fields a count sends (its prompt; no generation settings)."""
API_KEY_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
BASE_URL_VAR = "GOOGLE_BASE_URL"
SAMPLING_FIELDS = (
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logprobs",
    "top_logprobs",
    "top_k",
)
"""The sampling settings ``generationConfig`` takes (``logit_bias`` and ``best_of`` it has not)."""


@modelapi("google")
class GoogleAPI(RestAPI):
    """Gemini through the Generative Language REST API.

    Args:
        model_name: the model, e.g. ``gemini-2.5-flash`` (``models/`` optional).
        base_url: the API root (default ``$GOOGLE_BASE_URL``, else Google's).
        api_key: the key (default ``$GOOGLE_API_KEY``, else ``$GEMINI_API_KEY``).
        config: the model's default generation config.
        api_version: the API version path segment (default ``v1beta``).
    """

    requires_api_key = True
    env_vars: ClassVar[Dict[str, str]] = {
        "GOOGLE_API_KEY": "Gemini API key (sent in the x-goog-api-key header)",
        "GEMINI_API_KEY": "Gemini API key, read when GOOGLE_API_KEY is not set",
        "GOOGLE_BASE_URL": f"API root URL (default {DEFAULT_BASE_URL})",
    }

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
        api_version: str = "v1beta",
    ) -> None:
        super().__init__(
            model_name,
            base_url=base_url or env_first(BASE_URL_VAR),
            api_key=api_key,
            api_key_vars=API_KEY_VARS,
            config=config,
        )
        self.api_version = api_version

    @property
    def url(self) -> str:
        """The ``generateContent`` URL for this model (it carries no key)."""
        name = self.model_name if "/" in self.model_name else f"models/{self.model_name}"
        root = self.base_url or DEFAULT_BASE_URL
        return versioned_url(root, self.api_version, f"{name}:generateContent", any_version=True)

    def build_request(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> HttpRequest:
        check_server_tools(self.provider, "gemini", tools, ("web_search", "code_execution"))
        body = request_body(input, tools, tool_choice, config, self.model_name)
        return HttpRequest(url=self.url, headers={"Content-Type": "application/json"}, body=body)

    def native_token_count(self) -> bool:
        return True

    def count_request(self, input: List[ChatMessage], config: GenerateConfig) -> HttpRequest:
        """``models/{model}:countTokens`` with the prompt as a ``generateContentRequest``."""
        request = self.build_request(input, [], "none", config)
        name = self.model_name if "/" in self.model_name else f"models/{self.model_name}"
        inner = {"model": name, **prompt_fields(request.body, COUNT_FIELDS)}
        url = request.url.replace(":generateContent", ":countTokens", 1)
        return HttpRequest(url=url, headers=request.headers, body={"generateContentRequest": inner})

    def parse_count(self, body: Any) -> int:
        return count_in(body, "totalTokens")

    def sign(self, request: HttpRequest, data: bytes) -> Dict[str, str]:
        # The key is added only to the headers that are sent, so no
        # HttpRequest (or its repr) ever holds it; ModelCall redacts it.
        return {**request.headers, "x-goog-api-key": self.api_key or ""}

    def parse_response(self, body: Any, response: HttpResponse) -> ModelOutput:
        return output_from(body, self.model_name)

    def stream_decoder(self, config: GenerateConfig) -> Optional[StreamDecoder]:
        from ._stream import GeminiStreamDecoder

        return GeminiStreamDecoder(self.provider, self.model_name)

    def stream_request(self, request: HttpRequest, config: GenerateConfig) -> HttpRequest:
        """The same body, posted to ``:streamGenerateContent?alt=sse``."""
        url = request.url.replace(":generateContent", ":streamGenerateContent", 1)
        return HttpRequest(url=f"{url}?alt=sse", headers=request.headers, body=request.body)

    def parse_error(self, response: HttpResponse) -> APIError:
        body = json_or_none(response)
        return google_error(
            response.status,
            body,
            response.text,
            response.headers,
            provider=self.provider,
            model=self.model_name,
            secrets=[self.api_key],
        )

    def config_fields(self) -> FrozenSet[str]:
        return frozenset(
            {
                *SAMPLING_FIELDS,
                "reasoning_tokens",
                "modalities",
                "extra_headers",
                "extra_body",
                "response_schema",
            }
        )

    def has_reasoning_history(self) -> bool:
        # Thought signatures must go back with the parts they came on.
        return True

    def batch_client(self) -> Any:
        from ._batch import GoogleBatchClient

        return GoogleBatchClient(self)

    def tool_result_images(self) -> bool:
        # Media in a tool result is sent in the same user turn as its
        # functionResponse.
        return True
