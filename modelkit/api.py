"""The ``ModelAPI`` base class and the ``@modelapi`` provider registry.

A provider is a ``ModelAPI`` subclass registered under a name with
``@modelapi(name)``. Built-in providers are registered the same way, but
their modules are imported only when ``get_model`` first names them, so
``import modelkit`` stays cheap. Third-party packages add providers through
the ``modelkit.providers`` entry-point group: each entry point's name is the
provider name, and it loads a ``ModelAPI`` subclass, a factory returning
one, or a module that registers itself with ``@modelapi``.
"""

from __future__ import annotations

import abc
import importlib
import os
import threading
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)

from ._redact import redact_url
from .config import GenerateConfig
from .errors import APIError, ConfigError, MissingAPIKeyError, RateLimitError
from .output import ModelCall, ModelOutput, ModelUsage

if TYPE_CHECKING:
    from ._events import APIStream
    from ._retry_decision import RetryDecision
    from .messages import ChatMessage
    from .tools._choice import ToolChoice
    from .tools._records import ToolInfo

__all__ = [
    "ENTRY_POINT_GROUP",
    "Compacted",
    "ModelAPI",
    "modelapi",
    "provider_names",
    "resolve_provider",
]

ENTRY_POINT_GROUP = "modelkit.providers"

GenerateResult = Union[ModelOutput, Tuple[Union[ModelOutput, Exception], ModelCall]]

# name -> module that registers it; imported when the name is first used.
BUILTIN_PROVIDERS: Dict[str, str] = {
    "mockllm": "modelkit.providers.mockllm",
    "openai": "modelkit.providers.openai.api",
    "azure": "modelkit.providers.openai.api",
    "openai-api": "modelkit.providers.openai.compat",
    "groq": "modelkit.providers.openai.compat",
    "together": "modelkit.providers.openai.compat",
    "grok": "modelkit.providers.openai.compat",
    "vllm": "modelkit.providers.openai.compat",
    "llama-cpp-python": "modelkit.providers.openai.compat",
    "ollama": "modelkit.providers.openai.compat",
    "openrouter": "modelkit.providers.openai.compat",
    "deepseek": "modelkit.providers.openai.compat",
    "fireworks": "modelkit.providers.openai.compat",
    "hf": "modelkit.providers.openai.compat",
    "anthropic": "modelkit.providers.anthropic.api",
    "google": "modelkit.providers.google.api",
    "mistral": "modelkit.providers.mistral.api",
    "bedrock": "modelkit.providers.bedrock.api",
}

_registry: Dict[str, Type[ModelAPI]] = {}
_registry_lock = threading.RLock()


class Compacted:
    """What a provider's native compaction returns: the new messages and the usage.

    ``ModelAPI.compact`` may return ``(messages, usage)`` as Inspect's does,
    or ``(Compacted or APIError, ModelCall)`` so the call can be recorded.
    """

    __slots__ = ("messages", "usage")

    def __init__(self, messages: List[ChatMessage], usage: Optional[ModelUsage]) -> None:
        self.messages = messages
        self.usage = usage

    def __repr__(self) -> str:
        return f"Compacted({len(self.messages)} messages, usage={self.usage!r})"


class ModelAPI(abc.ABC):
    """Base class of every provider.

    Subclasses implement :meth:`generate`; the other hooks have defaults a
    provider overrides where its API differs. ``__init__`` resolves the API
    key: the ``api_key`` argument, else the first of ``api_key_vars`` set in
    the environment. Providers that cannot work without one set
    ``requires_api_key = True`` and get a ``MissingAPIKeyError`` early.

    Args:
        model_name: the model name, without the provider prefix.
        base_url: an alternate base URL for the API.
        api_key: the API key (else read from ``api_key_vars``).
        api_key_vars: environment variables that may hold the key.
        config: the model's default generation config.
    """

    provider: str = ""
    """Registry name, set by ``@modelapi``."""

    requires_api_key: bool = False
    """Raise ``MissingAPIKeyError`` at construction when no key is found."""

    model_args: Dict[str, Any] = {}
    """The provider-specific arguments ``get_model`` passed (set by it; never mutated)."""

    cache_ignores: ClassVar[FrozenSet[str]] = frozenset()
    """Names of model arguments that never change an answer (an organization,
    a region, a clock); every other model argument is part of the cache key."""

    env_vars: ClassVar[Dict[str, str]] = {}
    """Environment variables the provider reads, each with what it is for
    (``modelkit providers`` lists them)."""

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        api_key_vars: Sequence[str] = (),
        config: Optional[GenerateConfig] = None,
    ) -> None:
        self.model_name = model_name
        self.base_url = check_base_url(base_url)
        self.api_key_vars = list(api_key_vars)
        self.config = config if config is not None else GenerateConfig()
        self.initial_api_key = api_key
        """The key given to the constructor (``None``: read from the environment)."""
        self.api_key = api_key or env_first(*self.api_key_vars)
        if api_key_override is not None:  # a hook's override_api_key (modelkit.hooks)
            self.api_key = _overridden_key(api_key, self.api_key_vars)
        if self.requires_api_key and not self.api_key:
            raise MissingAPIKeyError(self.provider or type(self).__name__, self.api_key_vars)

    def __repr__(self) -> str:
        url = f", base_url={redact_url(self.base_url)!r}" if self.base_url else ""
        return f"{type(self).__name__}(model_name={self.model_name!r}{url})"

    @abc.abstractmethod
    def generate(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> GenerateResult:
        """Generate output for ``input``; synchronous, or ``async def`` as in Inspect.

        An ``async def generate`` (an Inspect provider ported as it is) is
        run to completion on an event loop of its own in the calling thread;
        so is an ``async def close``.

        Returns:
            A ``ModelOutput``, or ``(output_or_exception, ModelCall)`` so the
            request and response can be recorded.
        """

    def stream(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> APIStream:
        """Open a stream of the answer to ``input``; the engine iterates it.

        The default generates the whole answer, then plays it back as
        deltas; providers whose API streams override it.

        Raises:
            APIError: the request failed before anything was streamed.
        """
        from ._events import ReplayStream

        result = self.generate(input, tools, tool_choice, config)
        output, call = result if isinstance(result, tuple) else (result, None)
        if isinstance(output, APIError):
            output.call = output.call or call
            raise output
        if isinstance(output, BaseException):
            raise output
        return ReplayStream(output, call)

    def native_token_count(self) -> bool:
        """Whether ``count_tokens`` asks the API's own counting endpoint.

        ``False`` (the default): it estimates offline, without a request.
        """
        return False

    def count_tokens(self, input: List[ChatMessage], config: GenerateConfig) -> Any:
        """The input tokens ``input`` would use, as Inspect's ``ModelAPI.count_tokens``.

        The default is modelkit's offline estimate (``info._estimate``,
        its error measured in docs/cost.md). A provider whose API counts
        tokens overrides this and ``native_token_count``; the engine then
        runs it as it runs ``generate`` (connection limit, retries, deadline).

        Returns:
            An ``int``, or ``(int_or_exception, ModelCall)`` as ``generate``.
        """
        from .info._estimate import estimate_tokens

        return estimate_tokens(input)

    def close(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Release the API's clients (HTTP sessions). Safe to call twice."""

    def max_tokens(self) -> Optional[int]:
        """The default ``max_tokens`` for this model, or ``None`` for the API's."""
        return None

    def max_connections(self) -> int:
        """The default limit on requests in flight at once."""
        return 10

    def cache_args(self) -> Dict[str, Any]:
        """The model arguments that change the answer, for the response cache key."""
        return {k: v for k, v in self.model_args.items() if k not in self.cache_ignores}

    def connection_key(self) -> str:
        """Models sharing this key share one connection limit.

        By default: the provider, its base URL and (hashed) API key, so
        separate accounts get separate limits. Worked out once for each
        provider, base URL and key the instance has.
        """
        basis = (self.provider, self.base_url, self.api_key)
        known = self.__dict__.get("_connection_key")
        if known is not None and known[0] == basis:
            return str(known[1])
        key = ""
        if self.api_key:
            import hashlib  # lazily: loading OpenSSL costs ~10 ms at cold start

            key = hashlib.sha256(self.api_key.encode()).hexdigest()[:16]
        url = redact_url(self.base_url or "")  # the key shows in log lines
        made = f"{self.provider or type(self).__name__}|{url}|{key}"
        self.__dict__["_connection_key"] = (basis, made)
        return made

    def is_rate_limit(self, ex: BaseException) -> bool:
        """Whether ``ex`` is the API telling us to slow down."""
        return isinstance(ex, RateLimitError)

    def should_retry(self, ex: BaseException) -> Union[bool, RetryDecision]:
        """Whether retrying may help after ``ex``, and how the retry counts (as Inspect's).

        The default retries the API's rate-limit signal (:meth:`is_rate_limit`)
        as ``RetryDecision.rate_limit()``; timeouts, dropped connections, 408,
        409 and 5xx as ``transient()``; never quota exhaustion, other 4xx or
        unreadable answers. An override may return a plain ``bool`` (``True``
        counts as transient). A server's ``x-should-retry`` header still
        overrides the answer, and its ``Retry-After`` sets the wait.
        """
        from ._retry_decision import classify  # after an error only

        return classify(ex, self.is_rate_limit(ex))

    def canonical_name(self) -> str:
        """The model's name for model-info lookups (Inspect's; default: ``model_name``)."""
        return self.model_name

    def collapse_user_messages(self) -> bool:
        """Merge consecutive user messages into one before sending."""
        return False

    def collapse_assistant_messages(self) -> bool:
        """Merge consecutive assistant messages into one before sending."""
        return False

    def compact_reasoning_history(self) -> bool:
        """Whether ``CompactionEdit`` may clear old reasoning for this API (Inspect's)."""
        return True

    def compact(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        config: GenerateConfig,
        instructions: Optional[str] = None,
    ) -> Any:
        """Compact ``input`` with the provider's native compaction (``Model.compact`` calls it).

        Returns:
            ``(messages, usage)``, or ``(Compacted or APIError, ModelCall)``.

        Raises:
            NotImplementedError: the provider has no native compaction (the default).
        """
        raise NotImplementedError(f"{type(self).__name__} does not support native compaction.")

    def tools_required(self) -> bool:
        """A conversation that used tools must be sent with tool definitions."""
        return False

    def tool_result_images(self) -> bool:
        """Tool results may carry images."""
        return False

    def has_reasoning_history(self) -> bool:
        """Assistant messages sent back may carry their reasoning."""
        return False

    def cache_write_ttl(self) -> Optional[str]:
        """The prompt-cache TTL this API writes with, for pricing (as Inspect's).

        ``"1h"`` bills cache writes at the 1-hour rate (2x input instead of
        1.25x); ``None`` (the default) at the model's ``input_cache_write``.
        """
        return None

    def batch_client(self) -> Any:
        """This provider's batch-API client (a ``modelkit.batch.BatchClient``), or ``None``."""
        return None

    def config_fields(self) -> Optional[FrozenSet[str]]:
        """The optional ``GenerateConfig`` fields this API honours, of
        ``OPTIONAL_FIELDS``; ``None`` (the default, for third-party providers):
        unknown, so none is warned about.

        Built-in providers list theirs; a field set in a call's config that is
        not listed gets a one-time ``ConfigWarning`` (or, where ignoring it
        would change the answer, a ``ConfigError``).
        """
        return None


def check_base_url(base_url: Optional[str]) -> Optional[str]:
    """``base_url`` when it is ``None`` or an ``http(s)://`` URL with a host.

    Raises:
        ConfigError: naming the value, when it lacks a scheme or a host (``localhost:8000``
            would otherwise fail only after every retry).
    """
    if base_url is None:
        return None
    if not isinstance(base_url, str):
        raise ConfigError(f"base_url must be a string, got {type(base_url).__name__}")
    scheme, sep, rest = base_url.partition("://")
    where = (rest if sep else base_url).rpartition("@")[2]  # never quote a password
    host = where.split("/", 1)[0]
    if sep and scheme.lower() in ("http", "https") and host and not host.startswith(":"):
        return base_url
    shown = f"{scheme}://{where}" if sep else where
    hint = "" if sep else f"; did you mean 'http://{where}'?"
    raise ConfigError(
        f"base_url must be an http:// or https:// URL with a host, got {shown!r}{hint}"
    )


api_key_override: Optional[Callable[[str, str], Optional[str]]] = None
"""Set by ``modelkit.hooks`` while a hook overrides API keys: called with an
environment variable's name and the key's value, returns the key to use or ``None``."""


def _overridden_key(given: Optional[str], names: Sequence[str]) -> Optional[str]:
    """The API key after ``api_key_override`` (Inspect's rule): a key given to the
    constructor is offered under each variable's name; else each set variable's
    value; a variable that is not set is offered as ``""`` (the hook may supply a
    key from its own source). The last override given wins; the environment is
    never written."""
    override = api_key_override
    key = given or env_first(*names)
    if override is None:
        return key
    for name in names:
        value = given if given else os.environ.get(name, "")
        replaced = override(name, value)
        if replaced is not None:
            key = replaced
            if not given:
                break
    return key


def env_first(*names: str) -> Optional[str]:
    """The value of the first of ``names`` set to a non-empty value, else ``None``."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def modelapi(name: str) -> Callable[[Any], Any]:
    """Register a provider under ``name``.

    Decorate a ``ModelAPI`` subclass, or (as Inspect does) a function
    returning one, which then runs only when the provider is first used.
    """

    def register(target: Any) -> Any:
        if isinstance(target, type):
            if not issubclass(target, ModelAPI):
                raise ConfigError(f"@modelapi({name!r}) needs a ModelAPI subclass")
            if not target.__dict__.get("provider"):
                target.provider = name
        with _registry_lock:
            _registry[name] = target
        return target

    return register


def resolve_provider(name: str) -> Type[ModelAPI]:
    """The ``ModelAPI`` class registered as ``name``, importing it if needed.

    Raises:
        ConfigError: no provider of that name, listing the ones there are.
    """
    with _registry_lock:
        target = _registry.get(name)
        if target is None and name in BUILTIN_PROVIDERS:
            importlib.import_module(BUILTIN_PROVIDERS[name])
            target = _registry.get(name)
        if target is None:
            _load_entry_point(name)
            target = _registry.get(name)
    if target is None:
        raise ConfigError(
            f"unknown provider {name!r}. Registered providers: {', '.join(provider_names())}. "
            f"Model names look like 'provider/model', e.g. 'openai/gpt-4o'."
        )
    if isinstance(target, type):
        return target
    cls = target()
    if not (isinstance(cls, type) and issubclass(cls, ModelAPI)):
        raise ConfigError(f"provider {name!r}: its factory returned {cls!r}, not a ModelAPI")
    if not cls.__dict__.get("provider"):
        cls.provider = name
    with _registry_lock:
        _registry[name] = cls
    return cls


def provider_names() -> List[str]:
    """Every provider name: built in, registered, and from entry points."""
    names = set(BUILTIN_PROVIDERS) | set(_registry)
    names.update(ep.name for ep in _entry_points())
    return sorted(names)


def _entry_points() -> List[Any]:
    from importlib import metadata

    found = metadata.entry_points()
    if hasattr(found, "select"):
        return list(found.select(group=ENTRY_POINT_GROUP))
    group: Any = found.get(ENTRY_POINT_GROUP, [])  # Python 3.8 and 3.9
    return list(group)


def _load_entry_point(name: str) -> None:
    for entry in _entry_points():
        if entry.name != name:
            continue
        loaded = entry.load()
        if isinstance(loaded, type) or callable(loaded):
            with _registry_lock:
                _registry.setdefault(name, loaded)
        return


def _after_fork_in_child() -> None:
    """A lock a parent thread held at the fork would stay held in the child forever."""
    global _registry_lock
    _registry_lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
