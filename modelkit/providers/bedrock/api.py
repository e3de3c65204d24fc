"""``bedrock``: AWS Bedrock Runtime's ``Converse`` API, signed with SigV4.

``POST https://bedrock-runtime.{region}.amazonaws.com/model/{modelId}/converse``
with the model id (or inference profile, or ARN) percent-encoded in the path.
Credentials are found at the first call, the way the AWS CLI finds static ones
(``_credentials.load_credentials``: ``$AWS_ACCESS_KEY_ID``/
``$AWS_SECRET_ACCESS_KEY``/``$AWS_SESSION_TOKEN``, then the ``$AWS_PROFILE``
profile of ``~/.aws/credentials`` and ``~/.aws/config``), as is the region
(``region=``, ``$AWS_REGION``, ``$AWS_DEFAULT_REGION``, the profile's
``region``); credentials given as Inspect's model arguments
(``aws_access_key_id``, ``aws_secret_access_key``, ``aws_session_token``)
win over both, as botocore's client arguments do. Each request is signed just before it is sent (``sign``), over
the exact body bytes. A Bedrock API key (``api_key=`` or
``$AWS_BEARER_TOKEN_BEDROCK``) is sent as ``Authorization: Bearer`` instead.
The converters live in ``_request`` and ``_response``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, FrozenSet, List, Optional, Tuple

from ..._engine.response import HttpResponse
from ..._redact import redact_url
from ...api import modelapi
from ...config import GenerateConfig
from ...errors import APIError, ConfigError, MissingAPIKeyError
from ...messages import ChatMessage
from ...output import ModelOutput
from ...tools._types import ToolChoice, ToolInfo
from ...tools.builtin._server import check_server_tools
from .._common import env_first
from .._counting import count_in, prompt_fields
from .._forced import answer_from_tool, check_forced
from .._rest import HttpRequest, RestAPI, json_or_none
from . import _sigv4
from ._credentials import Credentials, load_credentials, resolve_region
from ._request import converse_body
from ._response import bedrock_error, output_from

if TYPE_CHECKING:
    from .._streaming import StreamDecoder

__all__ = ["CREDENTIAL_ARGS", "CREDENTIAL_VARS", "SIGNING_NAME", "BedrockAPI"]

SIGNING_NAME = "bedrock"
COUNT_FIELDS = ("messages", "system", "toolConfig", "additionalModelRequestFields")
"""``ConverseTokensRequest``'s members (the CountTokens API reference)."""
"""The SigV4 service name for Bedrock Runtime (its endpoint prefix differs)."""

CREDENTIAL_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE")
CREDENTIAL_ARGS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
"""Inspect's Bedrock model arguments that carry AWS credentials (botocore's client arguments)."""
BEARER_VAR = "AWS_BEARER_TOKEN_BEDROCK"
ENDPOINT_VARS = ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@modelapi("bedrock")
class BedrockAPI(RestAPI):
    """Models on Amazon Bedrock through the ``Converse`` API.

    Args:
        model_name: a model id (``anthropic.claude-3-5-haiku-20241022-v1:0``),
            an inference profile (``us.anthropic...``) or an ARN.
        base_url: an endpoint to use instead of the regional one (default
            ``$AWS_ENDPOINT_URL_BEDROCK_RUNTIME``, else ``$AWS_ENDPOINT_URL``).
        api_key: a Bedrock API key (default ``$AWS_BEARER_TOKEN_BEDROCK``);
            without one, requests are signed with AWS credentials.
        config: the model's default generation config.
        region: the AWS region (default: from the environment and ~/.aws).
        additional_model_request_fields: model-specific fields sent in
            ``additionalModelRequestFields`` with every request.
        clock: returns the signing time (tests pin it).
        **model_args: Inspect's Bedrock arguments: ``region_name`` (as
            ``region``); ``aws_access_key_id`` with ``aws_secret_access_key``
            (and ``aws_session_token``), the AWS credentials to sign with
            (they win over the environment and ~/.aws; never logged,
            recorded or cached; a pickled model keeps them, as it keeps an
            ``api_key=``); the generation settings Inspect leaves out of its
            client (``max_tokens``, ``temperature``, ``top_p``, ``top_k``,
            ``stop_seqs``, ``reasoning_tokens``, ``reasoning_effort``) and
            ``read_timeout`` / ``connect_timeout`` are accepted and unused,
            with a ``ConfigWarning`` saying where they belong; any other is
            a ``ConfigError`` (Inspect's client fails on it at the first call).

    Credentials and region are looked up at the first call (as Inspect
    does), so ``get_model`` never fails for want of them.

    Raises:
        MissingAPIKeyError: at the first call: no AWS credentials and no
            Bedrock API key.
        ConfigError: at the first call: no region configured, or an
            unreadable ~/.aws file.
    """

    cache_ignores = frozenset(  # one model answers alike everywhere, whatever the wait or key
        {"region", "region_name", "clock", "read_timeout", "connect_timeout", *CREDENTIAL_ARGS}
    )
    env_vars: ClassVar[Dict[str, str]] = {
        "AWS_ACCESS_KEY_ID": "AWS access key id (with AWS_SECRET_ACCESS_KEY)",
        "AWS_SECRET_ACCESS_KEY": "AWS secret access key",
        "AWS_SESSION_TOKEN": "session token of temporary credentials",
        "AWS_PROFILE": "profile in ~/.aws/credentials and ~/.aws/config (default 'default')",
        "AWS_REGION": "AWS region (else AWS_DEFAULT_REGION, else the profile's region)",
        "AWS_DEFAULT_REGION": "AWS region, read when AWS_REGION is not set",
        "AWS_BEARER_TOKEN_BEDROCK": "Bedrock API key, sent as a bearer token instead of SigV4",
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "endpoint to use instead of the regional one",
    }

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: Optional[GenerateConfig] = None,
        region: Optional[str] = None,
        additional_model_request_fields: Optional[Dict[str, Any]] = None,
        clock: Optional[Callable[[], datetime]] = None,
        **model_args: Any,
    ) -> None:
        region, given = _client_args(model_args, region)
        if given is not None and api_key is not None:
            raise ConfigError(
                "bedrock: pass either api_key= (a Bedrock API key) or AWS credentials "
                "(aws_access_key_id=, aws_secret_access_key=), not both"
            )
        endpoint = base_url or env_first(*ENDPOINT_VARS)
        super().__init__(
            model_name,
            base_url=endpoint,
            api_key=api_key,
            api_key_vars=[] if given is not None else [BEARER_VAR],
            config=config,
        )
        self._region = region
        self._given = given
        self._credentials: Optional[Credentials] = None
        self._resolved = False
        self._resolve_lock = threading.Lock()
        self.additional_model_request_fields = dict(additional_model_request_fields or {})
        self._clock = clock or _utc_now

    @property
    def credentials(self) -> Optional[Credentials]:
        """The AWS credentials requests are signed with (``None`` with an API key).

        Looked up on first use (the first call), not in ``get_model``, as
        Inspect does, so a model can be made before credentials exist.
        """
        self._resolve()
        return self._credentials

    @property
    def region(self) -> Optional[str]:
        """The AWS region: ``region=``, else from the environment and ~/.aws (on first use)."""
        if self._region is None:
            self._resolve()
        return self._region

    def _resolve(self) -> None:
        """Find the credentials and region, once.

        Raises:
            MissingAPIKeyError: no AWS credentials and no Bedrock API key.
            ConfigError: no region configured, or an unreadable ~/.aws file.
        """
        if self._resolved:
            return
        with self._resolve_lock:
            if self._resolved:
                return
            home = os.path.expanduser("~")
            try:
                credentials = (
                    None if self.api_key else self._given or load_credentials(os.environ, home)
                )
                region = self._region or resolve_region(os.environ, home)
            except ValueError as exc:
                raise ConfigError(f"bedrock: {exc}") from None
            if self.api_key is None and credentials is None:
                error = MissingAPIKeyError("bedrock", [*CREDENTIAL_VARS, BEARER_VAR])
                error.args = (
                    "bedrock: no AWS credentials found. Set $AWS_ACCESS_KEY_ID and "
                    "$AWS_SECRET_ACCESS_KEY (and $AWS_SESSION_TOKEN for temporary "
                    "credentials), or a profile in ~/.aws/credentials ($AWS_PROFILE picks "
                    f"one), or a Bedrock API key in ${BEARER_VAR}.",
                )
                raise error
            if not region:
                raise ConfigError(
                    "bedrock: no AWS region. Set $AWS_REGION (or $AWS_DEFAULT_REGION), add "
                    "region = ... to your profile in ~/.aws/config, or pass region= to "
                    "get_model()."
                )
            self._credentials, self._region, self._resolved = credentials, region, True

    @property
    def url(self) -> str:
        """The ``converse`` URL for this model and region."""
        if self.base_url:
            model = _sigv4.quote_path_segment(self.model_name)
            return f"{self.base_url.rstrip('/')}/model/{model}/converse"
        return _sigv4.bedrock_runtime_url(str(self.region), self.model_name)

    def connection_key(self) -> str:
        identity = self.api_key or (self.credentials.access_key if self.credentials else "")
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        endpoint = redact_url(self.base_url or "")
        return f"{self.provider}|{self.region}|{endpoint}|{digest}"

    def build_request(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> HttpRequest:
        if config.num_choices is not None and config.num_choices > 1:
            raise ConfigError(
                f"bedrock: Converse returns one completion per request; "
                f"num_choices={config.num_choices} is not supported (make several calls)"
            )
        check_server_tools(
            self.provider,
            None,
            tools,
            (),
            "Bedrock's Converse API has no web search or code execution tool; "
            "use the anthropic provider for Claude's",
        )
        body = converse_body(
            input,
            tools,
            tool_choice,
            config,
            self.model_name,
            self.additional_model_request_fields,
        )
        schema = config.response_schema
        if schema is not None:  # Converse has no JSON-Schema mode: a forced tool call
            thinking = "thinking" in (body.get("additionalModelRequestFields") or {})
            check_forced(self.provider, schema, bool(tools), thinking)
            spec: Dict[str, Any] = {
                "name": schema.name,
                "inputSchema": {"json": schema.json_schema},
            }
            if schema.description:
                spec["description"] = schema.description
            body["toolConfig"] = {
                "tools": [{"toolSpec": spec}],
                "toolChoice": {"tool": {"name": schema.name}},
            }
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        return HttpRequest(url=self.url, headers=headers, body=body)

    def native_token_count(self) -> bool:
        return True

    def count_request(self, input: List[ChatMessage], config: GenerateConfig) -> HttpRequest:
        """``CountTokens``: the Converse prompt, posted to ``/model/{modelId}/count-tokens``."""
        request = self.build_request(input, [], "none", config)
        converse = prompt_fields(request.body, COUNT_FIELDS)
        url = request.url[: -len("/converse")] + "/count-tokens"
        return HttpRequest(url=url, headers=request.headers, body={"input": {"converse": converse}})

    def parse_count(self, body: Any) -> int:
        return count_in(body, "inputTokens")

    def finish_output(self, output: ModelOutput, config: GenerateConfig) -> ModelOutput:
        schema = config.response_schema
        return answer_from_tool(output, schema.name) if schema is not None else output

    def sign(self, request: HttpRequest, data: bytes) -> Dict[str, str]:
        """The headers to send: SigV4 over ``data`` (or the bearer API key)."""
        if self.api_key:
            return {**request.headers, "Authorization": f"Bearer {self.api_key}"}
        assert self.credentials is not None
        signed = _sigv4.sign(
            "POST",
            request.url,
            request.headers,
            data,
            access_key=self.credentials.access_key,
            secret_key=self.credentials.secret_key,
            session_token=self.credentials.session_token,
            region=str(self.region),
            service=SIGNING_NAME,
            now=self._clock(),
        )
        return {**request.headers, **signed}

    def secrets(self) -> List[Optional[str]]:
        secrets = [self.api_key]
        if self.credentials is not None:
            secrets += [self.credentials.secret_key, self.credentials.session_token]
        return secrets

    def parse_response(self, body: Any, response: HttpResponse) -> ModelOutput:
        return output_from(body, self.model_name)

    def stream_decoder(self, config: GenerateConfig) -> Optional[StreamDecoder]:
        from ._stream import ConverseStreamDecoder

        schema = config.response_schema
        forced = schema.name if schema is not None else None
        return ConverseStreamDecoder(self.provider, self.model_name, forced)

    def stream_request(self, request: HttpRequest, config: GenerateConfig) -> HttpRequest:
        """The same body, posted to ``converse-stream`` (signed over that URL)."""
        url = request.url[: -len("/converse")] + "/converse-stream"
        headers = {**request.headers, "Accept": "application/vnd.amazon.eventstream"}
        return HttpRequest(url=url, headers=headers, body=request.body)

    def parse_error(self, response: HttpResponse) -> APIError:
        body = json_or_none(response)
        return bedrock_error(
            response.status,
            body,
            response.text,
            response.headers,
            provider=self.provider,
            model=self.model_name,
            secrets=self.secrets(),
        )

    def tools_required(self) -> bool:
        # Converse rejects toolUse/toolResult blocks without a toolConfig.
        return True

    def tool_result_images(self) -> bool:
        return True

    def config_fields(self) -> FrozenSet[str]:
        return frozenset(
            {
                "top_k",
                "effort",
                "reasoning_tokens",
                "extra_headers",
                "extra_body",
                "response_schema",
            }
        )

    def has_reasoning_history(self) -> bool:
        # Claude's signed thinking must go back on tool-use turns.
        return True


_UNUSED_ARGS = {
    "max_tokens": "GenerateConfig(max_tokens=...)",
    "temperature": "GenerateConfig(temperature=...)",
    "top_p": "GenerateConfig(top_p=...)",
    "top_k": "GenerateConfig(top_k=...)",
    "stop_seqs": "GenerateConfig(stop_seqs=...)",
    "reasoning_tokens": "GenerateConfig(reasoning_tokens=...)",
    "reasoning_effort": "GenerateConfig(reasoning_effort=...)",
    "read_timeout": "GenerateConfig(attempt_timeout=...)",
    "connect_timeout": "GenerateConfig(timeout=...)",
}


def _client_args(
    model_args: Dict[str, Any], region: Optional[str]
) -> Tuple[Optional[str], Optional[Credentials]]:
    """The region and the credentials given, from Inspect's Bedrock model arguments.

    Raises:
        ConfigError: an argument neither Inspect nor modelkit takes, or
            credentials without their key id or secret (never quoted).
    """
    import warnings

    from ...errors import ConfigWarning

    given: Dict[str, str] = {}
    for name, value in model_args.items():
        if name == "region_name":
            region = region or value
        elif name in CREDENTIAL_ARGS and value is not None:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"bedrock: model argument {name} must be a non-empty string")
            given[name] = value.strip()
        elif name in _UNUSED_ARGS:
            warnings.warn(
                f"bedrock: model argument {name!r} is not used (nor by Inspect's Bedrock "
                f"client); set {_UNUSED_ARGS[name]} instead",
                ConfigWarning,
                stacklevel=4,
            )
        else:
            raise ConfigError(
                f"bedrock: unknown model argument {name!r}; bedrock takes region (or "
                "region_name), additional_model_request_fields and AWS credentials "
                "(aws_access_key_id, aws_secret_access_key, aws_session_token; else they "
                "come from the environment or ~/.aws)"
            )
    if not given:
        return region, None
    for needed in CREDENTIAL_ARGS[:2]:
        if needed not in given:
            raise ConfigError(
                f"bedrock: model argument {needed} is missing: AWS credentials given to "
                "get_model need aws_access_key_id and aws_secret_access_key (with "
                "aws_session_token for temporary ones)"
            )
    credentials = Credentials(
        given["aws_access_key_id"],
        given["aws_secret_access_key"],
        given.get("aws_session_token"),
    )
    return region, credentials
