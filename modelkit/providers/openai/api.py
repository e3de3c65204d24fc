"""``openai`` and ``azure``: OpenAI's chat-completions API, direct or on Azure.

``openai/<model>`` posts to ``$OPENAI_BASE_URL`` (default
``https://api.openai.com/v1``) ``/chat/completions`` with the key from
``$OPENAI_API_KEY`` and, when set, the ``OpenAI-Organization`` /
``OpenAI-Project`` headers. Reasoning models (o-series, GPT-5) get what they
require: system messages as ``developer``, ``max_completion_tokens``, and
no sampling parameters they reject (left off with a warning).

``azure/<deployment>`` (also accepted as ``openai/azure/<deployment>``)
posts to an Azure OpenAI resource: ``$AZURE_OPENAI_ENDPOINT``, the key in the
``api-key`` header (or an Entra ID token from ``$AZURE_OPENAI_AD_TOKEN``),
and ``api-version`` from ``api_version=``, ``$AZURE_OPENAI_API_VERSION`` or
``$OPENAI_API_VERSION`` (default ``2024-10-21``). ``api_version="v1"`` (or an
endpoint ending in ``/openai/v1``) selects Azure's v1 API instead.

Either speaks OpenAI's Responses API (``/responses``; converters in
``_responses_request`` / ``_responses_response``, streaming in ``_responses_stream``) instead of chat
completions when ``responses_api=True`` is passed to ``get_model``, and by
default for the models served only there (:func:`responses_only`); chat
completions stays the default for every other model, and
``responses_api=False`` forces it.

The chat converters live in ``_request`` and ``_response``; the
compatible servers (Groq, vLLM, Ollama, ...) are presets in ``compat``.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Set, Tuple, Union

from ..._config_fields import image_output
from ..._engine.response import HttpResponse
from ...api import modelapi
from ...config import GenerateConfig
from ...errors import APIError, ConfigError, MissingAPIKeyError, ResponseFormatError
from ...output import ModelCall, ModelOutput
from .._common import env_first
from .._effort import openai_effort_map, warn_not_sent
from .._rest import HttpRequest, RestAPI, json_or_none
from ._request import WireOptions, build_body, effort_not_sent
from ._response import (
    ParseOptions,
    error_from_response,
    output_for_error,
    parse_completion,
)

if TYPE_CHECKING:
    from ..._events import APIStream
    from ...messages import ChatMessage
    from ...tools._choice import ToolChoice
    from ...tools._records import ToolInfo
    from .._streaming import StreamDecoder

__all__ = ["AzureOpenAIAPI", "OpenAIAPI", "openai_wire_options", "responses_only"]

logger = logging.getLogger("modelkit")

OPENAI_SAMPLING = (
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
)
"""The sampling settings chat completions takes (``top_k`` and ``best_of`` it has not;
a server that takes ``top_k`` lists it in its preset's ``extra_fields``)."""

DEFAULT_BASE_URL = "https://api.openai.com/v1"
COUNT_FIELDS = (
    "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls",
    "reasoning", "text", "truncation", "conversation", "previous_response_id",
)  # fmt: skip
"""The body fields ``/responses/input_tokens`` takes (the API reference's parameters)."""
AZURE_API_VERSION = "2024-10-21"
_REASONING_ONLY_DEFAULTS = frozenset(
    {
        "temperature",
        "top_p",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "frequency_penalty",
        "presence_penalty",
    }
)


@functools.lru_cache(maxsize=256)  # frozen options, worked out once per model name
def openai_wire_options(model: str) -> WireOptions:
    """What OpenAI's chat-completions API takes from ``model``'s family.

    o-series and GPT-5 reasoning models want ``developer`` system messages
    and ``max_completion_tokens``, and reject sampling parameters,
    logprobs and penalties (o3/o4-mini also ``stop``, o-series
    ``parallel_tool_calls``); o1-mini/o1-preview take no system message at
    all (it is sent as a user message). Non-reasoning GPT models reject
    ``reasoning_effort``. Unknown names (e.g. a local server behind
    ``OPENAI_BASE_URL``) get the plain, widely copied shape.
    """
    name = model.lower().rsplit("/", 1)[-1]
    o_series = re.match(r"^o\d", name) is not None
    gpt5 = name.startswith("gpt-5") and "chat" not in name
    if o_series or gpt5:
        unsupported = set(_REASONING_ONLY_DEFAULTS)
        if o_series:
            unsupported.add("parallel_tool_calls")
        if name.startswith(("o3", "o4-mini")):
            unsupported.add("stop")
        early = name.startswith(("o1-mini", "o1-preview"))
        if not gpt5:
            unsupported.add("verbosity")  # GPT-5 only
        return WireOptions(
            system_role="user" if early else "developer",
            max_tokens_field="max_completion_tokens",
            unsupported=frozenset(unsupported),
            extra_fields=("verbosity",),
            reasoning_effort=None if early else "reasoning_effort",
            efforts=openai_effort_map(name),
            max_stop_seqs=4,
        )
    non_reasoning_gpt = name.startswith(("gpt-", "chatgpt-"))
    return WireOptions(
        unsupported=frozenset({"verbosity"}),
        extra_fields=("verbosity",),
        reasoning_effort=None if non_reasoning_gpt else "reasoning_effort",
        efforts=openai_effort_map(name),
        max_stop_seqs=4,
    )


_PLAIN = ParseOptions()
"""OpenAI's own responses: no think tags, no reasoning parts, no reported cost."""

_RESPONSES_ONLY = re.compile(
    r"(codex|deep-research|computer-use|^o\d+(-\w+)?-pro\b|^gpt-5(\.\d+)?-pro\b)"
)


def responses_only(model: str) -> bool:
    """Whether ``model`` is served only by the Responses API.

    Those are the ``-pro`` reasoning models (``o1-pro``, ``o3-pro``,
    ``gpt-5-pro``...), the Codex models, deep research and computer use.
    Inspect also prefers the Responses API for every o-series and GPT-5
    model; modelkit keeps chat completions for the models that have it,
    so nothing changes for existing callers (``responses_api=True`` opts in).
    """
    name = model.lower().rsplit("/", 1)[-1]
    return _RESPONSES_ONLY.search(name) is not None


SERVER_TOOLS = ("web_search", "code_execution")
"""Server-side tools the Responses API maps (``web_search``, ``code_interpreter``)."""


@modelapi("openai")
class OpenAIAPI(RestAPI):
    """OpenAI chat completions.

    Args:
        model_name: the model, e.g. ``"gpt-4o"`` (``"azure/<deployment>"``
            is handed to :class:`AzureOpenAIAPI`).
        base_url: the API root (default ``$OPENAI_BASE_URL``, else OpenAI's).
        api_key: the key (default ``$OPENAI_API_KEY``).
        config: the model's default generation config.
        organization: sent as ``OpenAI-Organization`` (default ``$OPENAI_ORG_ID``).
        project: sent as ``OpenAI-Project`` (default ``$OPENAI_PROJECT_ID``).
        responses_api: ``True`` to use the Responses API, ``False`` for chat
            completions; default: the Responses API only for the models
            served only there (:func:`responses_only`) or whose ``config``
            asks for image output. Either way a call asking for image output
            goes through the Responses API, as in Inspect.
    """

    requires_api_key = True
    cache_ignores = frozenset({"organization", "project"})  # billing, not answers
    env_vars = {
        "OPENAI_API_KEY": "API key (required)",
        "OPENAI_BASE_URL": f"API root (default {DEFAULT_BASE_URL})",
        "OPENAI_ORG_ID": "organization id, sent as OpenAI-Organization (optional)",
        "OPENAI_PROJECT_ID": "project id, sent as OpenAI-Project (optional)",
    }

    def __new__(cls, *args: Any, **kwargs: Any) -> OpenAIAPI:
        model_name = kwargs.get("model_name", args[0] if args else "")
        target = cls
        if cls is OpenAIAPI and str(model_name).startswith("azure/"):
            target = AzureOpenAIAPI
        instance: OpenAIAPI = super().__new__(target)
        return instance

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
        organization: Optional[str] = None,
        project: Optional[str] = None,
        responses_api: Optional[bool] = None,
    ) -> None:
        super().__init__(
            model_name,
            base_url=base_url or env_first("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            api_key=api_key,
            api_key_vars=["OPENAI_API_KEY"],
            config=config,
        )
        self.organization = organization or env_first("OPENAI_ORG_ID")
        self.project = project or env_first("OPENAI_PROJECT_ID")
        self._init_state(responses_api)

    def _init_state(self, responses_api: Optional[bool] = False) -> None:
        if responses_api is not None and not isinstance(responses_api, bool):
            raise ConfigError(f"responses_api must be True or False, got {responses_api!r}")
        if responses_api is None:  # images come only through Responses' image tool
            responses_api = responses_only(self.model_name) or (
                self.provider in ("openai", "azure")
                and image_output(self.config.modalities) is not None
            )
        self.responses_api = responses_api
        self.base_url = (self.base_url or "").rstrip("/")
        self._warned: Set[str] = set()
        self._warned_lock = threading.Lock()

    # --- what differs between members of the family ----------------------

    def wire_options(self, config: GenerateConfig) -> WireOptions:
        """How this model wants its request shaped."""
        return openai_wire_options(self.model_name)

    def parse_options(self) -> ParseOptions:
        """How to read this server's responses."""
        return _PLAIN

    def request_model(self) -> Optional[str]:
        """The ``model`` field of the body (``None``: the URL names it)."""
        return self.model_name

    def endpoint(self) -> str:
        """The URL requests are posted to."""
        return f"{self.base_url}/{self.path()}"

    def path(self) -> str:
        """The endpoint below the API root: ``chat/completions`` or ``responses``."""
        return "responses" if self.responses_api else "chat/completions"

    def auth_headers(self) -> Dict[str, str]:
        """Credentials and account headers."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        return headers

    def max_connections(self) -> int:
        return 10

    def canonical_name(self) -> str:
        """``openai/<model>`` (Inspect's; an Azure deployment name as given)."""
        return f"openai/{self.model_name}"

    def has_reasoning_history(self) -> bool:
        return self.responses_api

    def server_tool_key(self) -> Optional[str]:
        """This API's name in ``web_search``/``code_execution`` ``providers``."""
        return "openai"

    def server_tool_hint(self) -> str:
        """What to do when a server-side tool meets chat completions."""
        return "pass responses_api=True to get_model(): OpenAI runs them on the Responses API"

    def config_fields(self) -> FrozenSet[str]:
        basis = (self.provider, self.responses_api)  # (every call asks: worked out once)
        known = self.__dict__.get("_fields_memo")
        if known is None or known[0] != basis:
            known = self.__dict__["_fields_memo"] = (basis, self._config_fields())
        fields: FrozenSet[str] = known[1]
        return fields

    def _config_fields(self) -> FrozenSet[str]:
        fields = {*OPENAI_SAMPLING, "extra_headers", "extra_body", "verbosity", "response_schema"}
        if self.responses_api:
            fields |= {"reasoning_summary", "reasoning_mode"}
        if self.provider in ("openai", "azure"):  # build_request says when it needs Responses
            fields.add("modalities")
        return frozenset(fields)

    # --- the RestAPI steps ---------------------------------------------

    def build_request(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> HttpRequest:
        body = self.request_body(input, tools, tool_choice, config)
        return HttpRequest(self._where(), self._headers(), body)

    def _where(self) -> str:
        """``endpoint()``, worked out once while its inputs stay the same (OpenAI's own)."""
        if type(self).endpoint is not OpenAIAPI.endpoint or type(self).path is not OpenAIAPI.path:
            return self.endpoint()  # a subclass's own: asked every time
        basis = (self.base_url, self.responses_api)
        known = self.__dict__.get("_endpoint_memo")
        if known is None or known[0] != basis:
            known = self.__dict__["_endpoint_memo"] = (basis, self.endpoint())
        return str(known[1])

    def _headers(self) -> Dict[str, str]:
        """The request headers: ``Content-Type`` and ``auth_headers()``, a fresh dict.

        OpenAI's own ``auth_headers`` is worked out once while the key,
        organization and project stay the same; a subclass's is asked every
        time (Azure's Entra token may change).
        """
        if type(self).auth_headers is not OpenAIAPI.auth_headers:
            return {"Content-Type": "application/json", **self.auth_headers()}
        basis = (self.api_key, self.organization, self.project)
        known = self.__dict__.get("_headers_memo")
        if known is None or known[0] != basis:
            made = {"Content-Type": "application/json", **self.auth_headers()}
            known = self.__dict__["_headers_memo"] = (basis, made)
        return dict(known[1])

    def request_body(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
        config_part: Optional[Tuple[Dict[str, Any], List[str]]] = None,
    ) -> Dict[str, Any]:
        """The body ``build_request`` sends (a batch line's body, without headers or URL).

        Args:
            config_part: on chat completions, ``config_params`` of ``config``
                when the caller has it already (``build_body``).

        Raises:
            ConfigError: the request cannot be sent as configured.
        """
        if tools:  # (without tools, there is no server-side tool to refuse)
            from ...tools.builtin._server import check_server_tools

            check_server_tools(
                self.provider,
                self.server_tool_key(),
                tools,
                SERVER_TOOLS if self.responses_api else (),
                "" if self.responses_api else self.server_tool_hint(),
            )
        model, options = self.request_model(), self.wire_options(config)
        if self.responses_api:
            from ._responses_request import build_responses_body

            body, dropped = build_responses_body(model, input, tools, tool_choice, config, options)
        else:
            if config.modalities is not None and image_output(config.modalities) is not None:
                raise ConfigError(
                    f"{self.provider}/{self.model_name}: image output comes through the "
                    "Responses API's image_generation tool (generate(), stream() and batches "
                    "send such a call there themselves); to build it for chat completions, "
                    "pass responses_api=True to get_model"
                )
            body, dropped = build_body(
                model, input, tools, tool_choice, config, options, config_part
            )
        if dropped:
            self._warn_dropped(dropped)
        if effort_not_sent(config, options):
            warn_not_sent(
                self.provider,
                self.model_name,
                str(config.reasoning_effort),
                "the API has no such value; the model's default effort applies",
            )
        return body

    def parse_response(self, body: Any, response: HttpResponse) -> ModelOutput:
        if self.responses_api or type(self).parse_body is not OpenAIAPI.parse_body:
            return self.parse_body(body)
        return parse_completion(body, self.model_name, self.parse_options())  # (parse_body's)

    def parse_body(self, body: Any) -> ModelOutput:
        """A successful response body as a ``ModelOutput`` (either API)."""
        if self.responses_api:
            from ._responses_response import parse_responses_body

            return parse_responses_body(body, self.model_name, self.server_tool_key() or "openai")
        return parse_completion(body, self.model_name, self.parse_options())

    def batch_client(self) -> Any:
        from ._batch import OpenAIBatchClient

        return OpenAIBatchClient(self)

    # --- token counting: POST {base}/responses/input_tokens ------------------

    def native_token_count(self) -> bool:
        """OpenAI's own API counts (Azure and the compatible servers have no such endpoint)."""
        return self.provider == "openai"

    def count_request(self, input: List[ChatMessage], config: GenerateConfig) -> HttpRequest:
        """The Responses request's prompt fields, to ``/responses/input_tokens``.

        Whichever API the model generates with, the count is the Responses
        API's (the one endpoint OpenAI counts with).
        """
        from .._counting import prompt_fields
        from ._responses_request import build_responses_body

        options = self.wire_options(config)
        body, _dropped = build_responses_body(
            self.request_model(), input, [], "none", config, options
        )
        headers = {"Content-Type": "application/json", **self.auth_headers()}
        url = f"{self.base_url}/responses/input_tokens"
        return HttpRequest(url=url, headers=headers, body=prompt_fields(body, COUNT_FIELDS))

    def parse_count(self, body: Any) -> int:
        from .._counting import count_in

        return count_in(body, "input_tokens")

    # --- native compaction: POST {base}/responses/compact ------------------

    def compact(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        config: GenerateConfig,
        instructions: Optional[str] = None,
    ) -> Any:
        """The Responses API's compaction of ``input`` (``(Compacted or error, call)``).

        Raises:
            NotImplementedError: not the Responses API, or the server has no
                compaction endpoint (404, or 405 where ``compact`` reads as a
                response id).
        """
        from ._compact import compact_body, parse_compacted
        from ._responses_request import input_items

        if not self.responses_api:
            raise NotImplementedError(
                f"Native compaction requires the Responses API for {self.model_name} "
                "(get_model(..., responses_api=True))"
            )
        url = self.endpoint()
        path, query = url.split("?", 1) if "?" in url else (url, "")
        url = f"{path}/compact" + (f"?{query}" if query else "")
        role = self.wire_options(config).system_role
        body = compact_body(self.model_name, input_items(input, role), instructions)
        headers = {"Content-Type": "application/json", **self.auth_headers()}
        request = HttpRequest(url=url, headers=headers, body=body)
        model = self.model_name
        result, call = self.exchange(request, config, lambda body, _: parse_compacted(body, model))
        if isinstance(result, APIError) and result.status in (404, 405):
            raise NotImplementedError(
                f"Native compaction endpoint not available for {self.model_name}"
            ) from None
        return result, call

    def parse_error(self, response: HttpResponse) -> APIError:
        body = json_or_none(response)
        return error_from_response(
            response.status,
            body,
            response.text,
            response.headers,
            provider=self.provider,
            model=self.model_name,
        )

    def needs_responses(
        self, input: List[ChatMessage], tools: List[ToolInfo], config: GenerateConfig
    ) -> bool:
        """Whether this call must go through the Responses API.

        As Inspect's ``uses_responses_api``: a call asking for image output
        goes through the Responses API (its ``image_generation`` tool) even on
        a model that otherwise uses chat completions.
        """
        return self.provider in ("openai", "azure") and image_output(config.modalities) is not None

    def per_call(
        self,
        config: GenerateConfig,
        input: Optional[List[ChatMessage]] = None,
        tools: Optional[List[ToolInfo]] = None,
    ) -> OpenAIAPI:
        """The API for a call: this one, or its Responses twin (:meth:`needs_responses`).

        The twin shares this API's HTTP client and settings.
        """
        if self.responses_api or not self.needs_responses(input or [], tools or [], config):
            return self
        return self.twin("_responses_twin", responses_api=True)

    def generate(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> Tuple[Union[ModelOutput, Exception], ModelCall]:
        # (OpenAI's own needs_responses asks for the twin only for image output)
        if (
            config.modalities is not None
            or type(self).needs_responses is not OpenAIAPI.needs_responses
        ):
            api = self.per_call(config, input, tools)
            if api is not self:
                return api.generate(input, tools, tool_choice, config)
        result, call = super().generate(input, tools, tool_choice, config)
        if isinstance(result, APIError):
            answer = output_for_error(result, self.model_name)
            if answer is not None:
                return answer, call
        if not (self.responses_api or isinstance(result, ResponseFormatError)):
            return result, call  # the call record stays unbuilt until someone reads it
        body = call.response
        if self.responses_api and isinstance(body, dict) and body.get("status") == "failed":
            from ._responses_response import failed_response_error, refused_prompt

            answer = refused_prompt(body, self.model_name)
            if answer is not None:
                return answer, call
            return failed_response_error(body, provider=self.provider, model=self.model_name), call
        if isinstance(result, ResponseFormatError) and isinstance(body, dict) and "error" in body:
            # An error reported with HTTP 200 (some gateways do this).
            error = body["error"]
            code = error.get("code") if isinstance(error, dict) else None
            status = code if isinstance(code, int) and code >= 400 else 500
            failure = error_from_response(
                status, body, str(body), {}, provider=self.provider, model=self.model_name
            )
            return failure, call
        return result, call

    # --- streaming ------------------------------------------------------

    def stream_decoder(self, config: GenerateConfig) -> Optional[StreamDecoder]:
        if self.responses_api:
            from ._responses_stream import ResponsesStreamDecoder

            return ResponsesStreamDecoder(self.provider, self.model_name)
        from ._stream import ChatStreamDecoder

        return ChatStreamDecoder(
            self.provider, self.model_name, think_tags=self.parse_options().think_tags
        )

    def stream_request(self, request: HttpRequest, config: GenerateConfig) -> HttpRequest:
        body: Dict[str, Any] = {**request.body, "stream": True}
        if self.responses_api:  # the Responses API always reports usage at the end
            return HttpRequest(url=request.url, headers=request.headers, body=body)
        if "stream_options" not in self.wire_options(config).unsupported:
            body["stream_options"] = {"include_usage": True}
        return HttpRequest(url=request.url, headers=request.headers, body=body)

    def stream(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> APIStream:
        api = self.per_call(config, input, tools)
        if api is not self:
            return api.stream(input, tools, tool_choice, config)
        try:
            return super().stream(input, tools, tool_choice, config)
        except APIError as error:
            answer = output_for_error(error, self.model_name)
            if answer is None:
                raise
            from ..._events import ReplayStream

            return ReplayStream(answer, error.call)

    def _warn_dropped(self, names: List[str]) -> None:
        with self._warned_lock:
            new = [name for name in names if name not in self._warned]
            self._warned.update(new)
        if new:
            logger.warning(
                "%s/%s does not take %s; not sent",
                self.provider,
                self.model_name,
                ", ".join(new),
            )


@modelapi("azure")
class AzureOpenAIAPI(OpenAIAPI):
    """OpenAI models deployed on Azure OpenAI.

    Args:
        model_name: the deployment name (a leading ``azure/`` is dropped).
        base_url: the resource endpoint, ``https://<resource>.openai.azure.com``
            (default ``$AZURE_OPENAI_ENDPOINT``).
        api_key: the key (default ``$AZURE_OPENAI_API_KEY``), sent as ``api-key``.
        config: the model's default generation config.
        api_version: the dated ``api-version``, or ``"v1"`` for the v1 API.
        responses_api: as for ``openai``; on the dated API the Responses
            endpoint is ``/openai/responses`` with the deployment in ``model``.
    """

    requires_api_key = False
    env_vars = {
        "AZURE_OPENAI_API_KEY": "API key, sent as api-key (or AZURE_OPENAI_AD_TOKEN)",
        "AZURE_OPENAI_AD_TOKEN": "Microsoft Entra ID token, sent as a Bearer token",
        "AZURE_OPENAI_ENDPOINT": "resource endpoint, https://<resource>.openai.azure.com",
        "AZURE_OPENAI_API_VERSION": f"api-version (also OPENAI_API_VERSION; default {AZURE_API_VERSION})",
    }

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
        api_version: Optional[str] = None,
        responses_api: Optional[bool] = None,
    ) -> None:
        if model_name.startswith("azure/"):
            model_name = model_name[len("azure/") :]
        endpoint = base_url or env_first("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_BASE_URL")
        if not endpoint:
            raise ConfigError(
                "azure: no endpoint. Set $AZURE_OPENAI_ENDPOINT "
                "(https://<resource>.openai.azure.com) or pass base_url= to get_model()."
            )
        RestAPI.__init__(
            self,
            model_name,
            base_url=endpoint,
            api_key=api_key,
            api_key_vars=["AZURE_OPENAI_API_KEY"],
            config=config,
        )
        self.ad_token = None if self.api_key else env_first("AZURE_OPENAI_AD_TOKEN")
        if not self.api_key and not self.ad_token:
            raise MissingAPIKeyError("azure", ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"])
        self.organization = self.project = None
        self.api_version = (
            api_version
            or env_first("AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION")
            or AZURE_API_VERSION
        )
        self._init_state(responses_api)
        root = re.sub(r"/openai(/v1)?$", "", self.base_url or "")
        self._v1 = self.api_version == "v1" or (self.base_url or "").endswith("/openai/v1")
        self._root = root

    def request_model(self) -> Optional[str]:
        return self.model_name if self._v1 or self.responses_api else None

    def endpoint(self) -> str:
        if self._v1:
            return f"{self._root}/openai/v1/{self.path()}"
        if self.responses_api:
            return f"{self._root}/openai/responses?api-version={self.api_version}"
        return (
            f"{self._root}/openai/deployments/{self.model_name}/chat/completions"
            f"?api-version={self.api_version}"
        )

    def auth_headers(self) -> Dict[str, str]:
        if self.api_key:
            return {"api-key": self.api_key}
        return {"Authorization": f"Bearer {self.ad_token}"}
