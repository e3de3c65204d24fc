"""``Model`` and ``get_model``: the front door of every generation.

``get_model("provider/model")`` finds the provider in the registry, builds
its ``ModelAPI`` and wraps it in a ``Model``, memoized on every argument.
``Model.generate`` normalises the input (a string becomes a user message,
configs merge, the system message override goes first, message runs
collapse where the API asks), then consults the response cache, and hands
the request to the engine (connection limits, retries, call records).

The methods' bodies live with what they drive: the memo and name
resolution in ``_models``, fallbacks in ``_fallback``, the batch methods in
``batch._calls``, streams in ``_model_stream``, the tool loop in
``tools._loop``.
"""

from __future__ import annotations

import functools
import threading
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ._engine import observe
from ._models import (
    forget,
    memo_key,
    memoized,
    note_role,
    role_model,
    spec_from_env,
    split_spec,
)
from ._prepare import GenerateRequest, ModelInput, ToolsInput, prepare_request
from .api import ModelAPI, resolve_provider
from .config import GenerateConfig, holds_no_containers
from .errors import ConfigError
from .hooks._probe import arm as _arm_telemetry
from .output import ModelOutput, ModelUsage

_arm_telemetry()  # OpenTelemetry spans, if configured, decided at the first call (hooks/_probe)

if TYPE_CHECKING:
    from ._config_args import GenerateConfigArgs
    from ._model_stream import AsyncModelStream, ModelStream
    from ._on_stream import StreamObserver
    from ._stream_events import StreamHandler
    from .batch import BatchHandle, BatchStatus
    from .messages import ChatMessage
    from .tools._choice import ToolChoice
    from .tools._loop import GenerateLoopResult

__all__ = ["GenerateRequest", "Model", "ModelInput", "ModelRecipe", "ToolsInput", "get_model"]

ConfigInput = Union[GenerateConfig, "GenerateConfigArgs", None]  # the TypedDict: for type checkers
HandleInput = Union["BatchHandle", str, Dict[str, Any]]


# What a call runs, imported by its first call rather than with this module
# (get_model alone needs none of it); a call then pays no import statement.
# The cache's policy module only when a call asks for the cache.
_CallPath = Tuple[Callable[..., ModelOutput], Callable[..., ModelOutput]]
_call_path: Optional[_CallPath] = None
_policy_for: Optional[Callable[[Any], Any]] = None
_default_policy: Any = None
_cache_lookup: Any = None  # modelkit.cache._lookup, with the first cached call


def _load_call_path() -> _CallPath:
    """``(answer, run_request)``: the call path's functions, imported once."""
    global _call_path
    from ._engine.run import run_request
    from ._fallback import answer

    _call_path = (answer, run_request)
    return _call_path


def _policy(setting: Any) -> Any:
    """The cache policy a call's ``cache`` setting asks for (``None``: no cache)."""
    global _policy_for, _default_policy
    if setting is None or setting is False:
        return None
    if setting is True and _default_policy is not None:
        return _default_policy
    if _policy_for is None:
        from .cache._policy import policy_for

        _policy_for = policy_for
    policy = _policy_for(setting)
    if setting is True:
        _default_policy = policy  # policy_for(True)'s, made once (frozen)
    return policy


class ModelRecipe:
    """What ``get_model`` was asked for: all a ``Model`` pickles as.

    Unpickling calls ``get_model`` again with these values (memoized), so
    each process builds its own HTTP sessions, locks and limits. ``api_key``
    is set only when it was passed to ``get_model``; a key the provider read
    from the environment stays out of the pickle, and the unpickling process
    reads its own.
    """

    __slots__ = ("api_key", "base_url", "config", "model_args", "spec")

    def __init__(
        self,
        spec: str,
        config: GenerateConfig,
        base_url: Optional[str],
        api_key: Optional[str],
        model_args: Dict[str, Any],
    ) -> None:
        self.spec = spec
        self.config = config
        self.base_url = base_url
        self.api_key = api_key
        self.model_args = model_args

    def __repr__(self) -> str:
        key = ", api_key=<explicit>" if self.api_key else ""
        return f"ModelRecipe({self.spec!r}, base_url={self.base_url!r}{key})"

    def __reduce__(self) -> Any:
        args = (self.spec, self.config, self.base_url, self.api_key, self.model_args)
        return (ModelRecipe, args)

    def build(self) -> Model:
        """The ``Model`` this recipe describes (``get_model``'s memoized one)."""
        return get_model(self.spec, self.config, self.base_url, self.api_key, **self.model_args)


class Model:
    """A model: a provider's ``ModelAPI`` plus default generation config.

    Get one with :func:`get_model`. ``with`` (or ``async with``) closes the
    API's clients at the end and drops the model from ``get_model``'s memo.

    A model made by ``get_model`` pickles as its :class:`ModelRecipe` and is
    rebuilt on the other side (its usage total starts again at zero there).

    Args:
        api: the provider's API object.
        config: generation config applied under each call's own.
    """

    def __init__(self, api: ModelAPI, config: Optional[GenerateConfig] = None) -> None:
        self.api = api
        self.config = config if config is not None else GenerateConfig()
        self.role: Optional[str] = None
        """The role ``get_model(role=...)`` gave this model, if any."""
        self._memo_key: Optional[str] = None
        self._memo_args: Dict[str, Any] = {}
        self._usage = ModelUsage()
        self._usage_lock = threading.Lock()
        self.recipe: Optional[ModelRecipe] = None
        """How ``get_model`` made this model (``None``: built from an API object)."""

    def __reduce__(self) -> Any:
        if self.recipe is None:
            import pickle

            raise pickle.PicklingError(
                f"{self!r} was built from a ModelAPI object, so how to rebuild it elsewhere "
                "is unknown; make it with get_model('provider/model', ...) to pickle it"
            )
        return (_rebuild, (self.recipe,))

    @property
    def name(self) -> str:
        """The model name, without the provider."""
        return self.api.model_name

    def __str__(self) -> str:
        return f"{self.api.provider}/{self.name}" if self.api.provider else self.name

    def canonical_name(self) -> str:
        """The model's name for model-info lookups (Inspect's; e.g. ``openai/gpt-4o``)."""
        return self.api.canonical_name()

    def __repr__(self) -> str:
        return f"Model({str(self)!r})"

    @property
    def usage(self) -> ModelUsage:
        """Tokens used by every call this model made so far (cache hits excluded)."""
        with self._usage_lock:
            return self._usage

    def add_usage(self, usage: Optional[ModelUsage]) -> None:
        """Add one call's usage to the running total (thread-safe)."""
        if usage is not None:
            with self._usage_lock:
                self._usage = self._usage + usage

    def generate(
        self,
        input: ModelInput,
        tools: ToolsInput = (),
        tool_choice: Optional[ToolChoice] = None,
        config: ConfigInput = None,
        cache: Any = None,
        on_stream: Optional[StreamHandler] = None,
    ) -> ModelOutput:
        """Generate output from the model (synchronously).

        Args:
            input: a prompt string, or a list of chat messages (or their dicts).
            tools: tools the model may call: ``ToolInfo``, ``ToolDef``, functions
                or ``ToolSource``s (asked for their tools on every call), or one
                ``ToolSource``.
            tool_choice: which tool to use (default ``"auto"`` when there are tools).
            config: options layered over the model's own config.
            cache: ``True`` or a ``CachePolicy`` to use the response cache;
                ``False`` not to; ``None`` (not given): ``config.cache``.
            on_stream: a function (plain or ``async def``) called with each
                ``StreamTextEvent``, ``StreamReasoningEvent`` and
                ``StreamToolCallEvent`` while the answer streams, and a
                ``StreamRetryEvent`` before a retry that follows streamed
                events; the call still returns the whole output. A handler
                that raises is logged and dropped for the rest of the call
                (see docs/streaming.md).

        Returns:
            The model's output, ``time`` and ``usage`` filled in.

        Raises:
            ConfigError: the input or config is not valid.
            APIError: the API failed (after retries, where retrying helps).
        """
        answer = (_call_path or _load_call_path())[0]
        request = self._prepare_call(input, tools, tool_choice, config)
        settings = request.config
        setting = settings.cache if cache is None else cache
        policy = None if setting is None or setting is False else _policy(setting)
        if on_stream is None and not settings.fallback_models and not settings.fail_on_refusal:
            return self._generate_request(request, policy)  # what answer() would do alone
        observer = None if on_stream is None else self._observer(on_stream)

        def ask(name: str, settings: GenerateConfig) -> ModelOutput:
            fallback = self._fallback_model(name)
            return fallback.generate(input, tools, tool_choice, settings, cache, observer)

        try:
            return answer(
                str(self),
                self.role,
                request.config,
                lambda: self._generate_request(request, policy, observer),
                ask,
            )
        finally:
            if observer is not None and observer is not on_stream:
                observer.close()

    def _observer(self, on_stream: Any) -> StreamObserver:
        """The ``StreamObserver`` of one call (a fallback's call shares its caller's)."""
        from ._on_stream import StreamObserver

        if isinstance(on_stream, StreamObserver):
            return on_stream
        return StreamObserver(on_stream, str(self))

    def _prepare_call(
        self,
        input: ModelInput,
        tools: ToolsInput,
        tool_choice: Optional[ToolChoice],
        config: ConfigInput,
    ) -> GenerateRequest:
        """``prepare`` for a call of this model's own: the request may hold the model's
        config itself rather than a copy.

        It does when the call adds no config, no hooks are registered (they
        may change the request's config in place), the API is one of
        modelkit's own (they never change the config they are given) and
        the config holds no dict or list (nothing the call could change
        inside it). Then nothing reached through the request can change the
        model's config, and the copy (42 fields, the largest part of
        preparing a call) is saved; ``prepare`` itself always copies.
        """
        own = self.config
        if (
            config is None
            and not observe.observers
            and type(own) is GenerateConfig
            and type(self.api).__module__.startswith("modelkit.")
            and holds_no_containers(own)
        ):
            if tools:
                from .tools._sources import expand_tools

                tools = expand_tools(tools)
            return prepare_request(self.api, own, input, tools, tool_choice)
        return self.prepare(input, tools, tool_choice, config)

    def _generate_request(
        self, request: GenerateRequest, policy: Any, observer: Optional[StreamObserver] = None
    ) -> ModelOutput:
        """One normalised request through the response cache and the engine."""
        global _cache_lookup
        run_request: Callable[..., ModelOutput]
        run_request = (_call_path or _load_call_path())[1]
        if observer is not None:  # streamed to the handler (without one: no extra call)
            from ._on_stream import stream_output

            run_request = functools.partial(stream_output, observer=observer)
        if observe.observers:  # hooks see (and may change) the request before the cache does
            if request.config is self.config:  # a hook registered since _prepare_call
                request = request.replace(config=self.config.merge(None))
            observe.before(self.api, request, policy is not None)
        if policy is None:
            output = run_request(self.api, request)
            self.add_usage(output.usage)
        else:
            lookup = _cache_lookup
            if lookup is None:
                from .cache import _lookup as lookup

                _cache_lookup = lookup
            key = lookup.locate(self.api, request, policy)
            hit: Optional[ModelOutput] = (
                None if key is None else lookup.fetch(self.api, key, claim_miss=True)
            )
            if hit is not None:
                if observer is not None:  # no events, but a boundary if a model before sent some
                    observer.begin_attempt()
                return hit
            try:
                output = run_request(self.api, request, cache_write=key is not None)
            except BaseException:
                if key is not None:
                    lookup.abandon(self.api, key)
                raise
            self.add_usage(output.usage)
            if key is not None and request.config is self.config:
                # The model's own config, read in place: another thread changing it
                # during the call would leave an answer under another config's key.
                if lookup.locate(self.api, request, policy) != key:
                    lookup.abandon(self.api, key)
                    key = None
            if key is not None:
                lookup.store(self.api, key, policy.expiry_seconds, output)
        if observe.observers:  # counted: a usage limit it crossed raises now
            observe.settle(self.api, output)
        return output

    def _fallback_model(self, name: str) -> Model:
        """The model a ``fallback_models`` entry names; a bare name is of this provider."""
        if "/" not in name:
            recipe = self.recipe
            base_url = recipe.base_url if recipe is not None else None
            api_key = recipe.api_key if recipe is not None else None
            return get_model(f"{self.api.provider}/{name}", base_url=base_url, api_key=api_key)
        return get_model(name)

    def stream(
        self,
        input: ModelInput,
        tools: ToolsInput = (),
        tool_choice: Optional[ToolChoice] = None,
        config: ConfigInput = None,
        cache: Any = None,
    ) -> ModelStream:
        """Generate, yielding the answer as it arrives.

        Use it as a context manager and iterate it::

            with model.stream("Tell me a story") as stream:
                for event in stream:
                    if event.type == "text":
                        print(event.text, end="", flush=True)
            output = stream.output  # the complete ModelOutput

        Retries happen only before the first event; ``config.timeout`` bounds
        the whole stream, ``config.stream_idle_timeout`` the silence
        between events and ``config.attempt_timeout`` each attempt until its
        first event (request, response headers and first delta; a slow
        start is cut and retried, a stream that started has the rest of
        ``timeout``). The connection slot is held until the stream ends
        or is closed.

        ``config.fallback_models`` are tried, in turn, when the model fails
        before the first event was delivered (after its retries); once an
        event was delivered a failure raises with the partial output. A
        refusal is known only at the end, so it does not move to a
        fallback; with ``config.fail_on_refusal`` it raises
        ``ModelRefusalError`` instead of the ``StreamEnd``.

        Args:
            input: as for ``generate``.
            tools: as for ``generate``.
            tool_choice: as for ``generate``.
            config: as for ``generate``.
            cache: as for ``generate``: a hit is replayed as a stream, and a
                stream that completes is stored.

        Returns:
            A ``ModelStream`` of ``TextDelta``, ``ReasoningDelta``,
            ``ToolCallDelta`` events and a last ``StreamEnd``.

        Raises:
            ConfigError: the input or config is not valid (at once).
            APIError: while iterating, when the API (and every fallback)
                failed; after the first event, with ``output`` set to what
                arrived before the failure.
            ModelRefusalError: at the end of a refused stream, when
                ``fail_on_refusal`` is set.
        """
        from ._model_stream import ModelStream
        from .cache._policy import policy_for

        request = self.prepare(input, tools, tool_choice, config)
        policy = policy_for(request.config.cache if cache is None else cache)

        def ask(name: str, settings: GenerateConfig) -> ModelStream:
            return self._fallback_model(name).stream(input, tools, tool_choice, settings, cache)

        return ModelStream(self.api, request, policy, self.add_usage, ask, self.role)

    def stream_async(
        self,
        input: ModelInput,
        tools: ToolsInput = (),
        tool_choice: Optional[ToolChoice] = None,
        config: ConfigInput = None,
        cache: Any = None,
    ) -> AsyncModelStream:
        """``stream`` for asyncio callers: the same stream, read on worker threads.

        Use it as an async context manager and iterate it::

            async with model.stream_async("Tell me a story") as stream:
                async for event in stream:
                    if event.type == "text":
                        print(event.text, end="", flush=True)
            output = stream.output  # the complete ModelOutput

        Entering the block checks the input (``ConfigError``) and opens the
        stream; everything else is as for ``stream`` (retries, fallbacks,
        timeouts, the cache). Leaving the block early, an exception or
        cancelling the task drops the connection and frees its slot.
        """
        from ._model_stream import AsyncModelStream

        return AsyncModelStream(
            functools.partial(self.stream, input, tools, tool_choice, config, cache)
        )

    async def generate_async(
        self,
        input: ModelInput,
        tools: ToolsInput = (),
        tool_choice: Optional[ToolChoice] = None,
        config: ConfigInput = None,
        cache: Any = None,
        on_stream: Optional[StreamHandler] = None,
    ) -> ModelOutput:
        """``generate`` for asyncio callers: runs it in a worker thread.

        An ``async def`` ``on_stream`` handler runs on the caller's event
        loop (a plain one in the worker thread).
        """
        from ._engine.pool import run_in_thread

        observer = None
        if on_stream is not None:
            import asyncio

            from ._on_stream import StreamObserver

            observer = StreamObserver(on_stream, str(self), asyncio.get_running_loop())
        call = functools.partial(self.generate, input, tools, tool_choice, config, cache, observer)
        return await run_in_thread(call)

    def generate_many(
        self,
        inputs: Iterable[ModelInput],
        tools: ToolsInput = (),
        tool_choice: Optional[ToolChoice] = None,
        config: ConfigInput = None,
        cache: Any = None,
        *,
        return_exceptions: bool = False,
        progress: Optional[Callable[[int, int], Any]] = None,
        max_workers: Optional[int] = None,
    ) -> List[Any]:
        """Generate an output for each input, concurrently, in input order.

        Inputs run on a thread pool (each in a copy of the caller's
        ``contextvars`` context), within the API's connection limit.

        With ``GenerateConfig.batch`` set, the inputs go through the
        provider's batch API instead (see ``batch_submit``): this blocks,
        polling, until the batches end (or ``BatchConfig.deadline`` /
        ``timeout`` passes: ``BatchTimeoutError``, whose ``handle`` collects
        them later).

        Args:
            inputs: prompts or message lists, one per generation.
            tools: tools, as for ``generate``, used by every input.
            tool_choice: as for ``generate``.
            config: as for ``generate``, used by every input.
            cache: as for ``generate``.
            return_exceptions: put a failed input's exception in its slot
                instead of raising it.
            progress: called as ``progress(done, total)`` after each input.
            max_workers: threads to use (default: the connection limit).

        Returns:
            One ``ModelOutput`` per input (or exception, see above), in order.

        Raises:
            APIError: the first failure, unless ``return_exceptions``; inputs
                not yet started are cancelled.
        """
        from ._engine.many import generate_many

        merged = self.config.merge(config)
        if merged.batch:
            return self._generate_batch(
                inputs, tools, tool_choice, config, cache, return_exceptions, progress
            )
        if max_workers is None:
            max_workers = merged.max_connections or self.api.max_connections()

        def generate(input: ModelInput) -> ModelOutput:
            return self.generate(input, tools, tool_choice, config, cache)

        return generate_many(
            generate,
            inputs,
            max_workers=max_workers,
            return_exceptions=return_exceptions,
            progress=progress,
        )

    # --- provider batch APIs ---------------------------------------------------

    def batch_submit(
        self,
        inputs: Iterable[ModelInput],
        tools: ToolsInput = (),
        tool_choice: Optional[ToolChoice] = None,
        config: ConfigInput = None,
        cache: Any = False,
    ) -> BatchHandle:
        """Send ``inputs`` through the provider's batch API and return at once.

        The handle is small and serialisable (``handle.to_json()``); any
        process can pass it (or its JSON) to ``batch_status`` /
        ``batch_collect`` later. Inputs are read one at a time; cache hits
        are not sent; large jobs are split by the API's limits (and by
        ``BatchConfig.size``).

        Raises:
            ConfigError: the provider has no batch API, or an input is invalid.
            APIError: the API refused a batch.
            LimitExceededError: a ``token_limit`` or ``cost_limit`` in force is
                reached (nothing is sent).
        """
        from .batch import _calls

        if observe.observers:  # a usage limit already reached refuses the job
            from .limits._observer import check_before_sending

            check_before_sending()
        # One merged config and one tool expansion for the whole job (every input
        # shares them; nothing downstream mutates a request's config), checked
        # against the provider with the first input, as generate would check it.
        merged = self.config.merge(config)
        if tools:
            from .tools._sources import expand_tools

            tools = expand_tools(tools)
        requests = (
            prepare_request(self.api, merged, item, tools, tool_choice, check=index == 0)
            for index, item in enumerate(inputs)
        )
        return _calls.submit(self.api, requests, merged, cache)

    def batch_status(self, handle: HandleInput) -> BatchStatus:
        """Where a submitted job is: state and counts (one request per batch)."""
        from .batch import _calls

        return _calls.status(self.api, handle)

    def batch_collect(
        self,
        handle: HandleInput,
        *,
        wait: bool = True,
        config: ConfigInput = None,
        progress: Optional[Callable[[int, int], Any]] = None,
    ) -> List[Any]:
        """The outputs of a submitted job, in input order.

        Each slot is a ``ModelOutput`` or the exception for that input (as
        ``generate_many(..., return_exceptions=True)`` returns them).

        Args:
            handle: from ``batch_submit`` (or its JSON text / dict).
            wait: poll until the batches end; with ``False``, raise
                ``BatchNotDoneError`` if they have not.
            config: read for ``batch`` (poll interval, deadline) and ``timeout``.
            progress: called as ``progress(done, total)`` while waiting.

        The outputs' usage is counted in the ``token_limit`` and
        ``cost_limit`` in force when they are read (each time they are read),
        and never raises: they are paid for; a limit they crossed refuses the
        next request.

        Raises:
            BatchNotDoneError: ``wait=False`` and the batches are still running.
            BatchTimeoutError: the deadline passed while waiting.
        """
        from .batch import _calls

        merged = self.config.merge(config)
        outputs = _calls.collect(self.api, handle, merged, wait, progress, self.add_usage)
        if observe.observers:  # counted in the usage limits in force as they are read
            from .limits._observer import count_batch

            count_batch(self.api, outputs)
        return outputs

    def batch_cancel(self, handle: HandleInput) -> BatchStatus:
        """Cancel a submitted job's unfinished batches; the status after asking."""
        from .batch import _calls

        return _calls.cancel(self.api, handle)

    def _generate_batch(
        self,
        inputs: Iterable[ModelInput],
        tools: ToolsInput,
        tool_choice: Optional[ToolChoice],
        config: ConfigInput,
        cache: Any,
        return_exceptions: bool,
        progress: Optional[Callable[[int, int], Any]],
    ) -> List[Any]:
        handle = self.batch_submit(inputs, tools, tool_choice, config, cache)
        outputs = self.batch_collect(handle, config=config, progress=progress)
        if not return_exceptions:
            for output in outputs:
                if isinstance(output, Exception):
                    raise output
        return outputs

    def count_tokens(self, input: ModelInput, config: ConfigInput = None) -> int:
        """How many input tokens ``input`` would use, before sending it (as Inspect's).

        Through the API's own counting endpoint where it has one (Anthropic
        ``messages/count_tokens``, Gemini ``countTokens``, OpenAI Responses
        ``input_tokens``, Bedrock ``CountTokens``), run as a generation is:
        within the connection limit, with retries, ``config.timeout`` and
        redacted call records. Otherwise an offline estimate, whose error
        on text and code docs/cost.md reports.

        Args:
            input: a prompt string, or a list of chat messages (or their dicts).
            config: options layered over the model's own (system message,
                reasoning settings, timeout...).

        Raises:
            ConfigError: the input or config is not valid.
            APIError: the counting endpoint failed (after retries).
        """
        request = self.prepare(input, (), None, config)
        if not self.api.native_token_count():
            return int(resolve_count(self.api.count_tokens(request.input, request.config)))
        from ._engine.run import run_count

        return run_count(self.api, request)

    def count_tool_tokens(self, tools: ToolsInput) -> int:
        """How many tokens the definitions of ``tools`` add to a request.

        As Inspect counts them: the tools' JSON function definitions, counted
        as the text of one user message (through ``count_tokens``).
        """
        from .info._estimate import tools_json
        from .messages import ChatMessageUser
        from .tools._function import to_tool_info
        from .tools._sources import expand_tools

        infos = [to_tool_info(tool) for tool in expand_tools(tools)] if tools else []
        if not infos:
            return 0
        return self.count_tokens([ChatMessageUser(content="".join(tools_json(infos)))])

    def generate_loop(
        self,
        input: ModelInput,
        tools: ToolsInput = (),
        tool_choice: Optional[ToolChoice] = None,
        config: ConfigInput = None,
        cache: Any = None,
        on_stream: Optional[StreamHandler] = None,
        *,
        max_turns: int = 20,
        tool_timeout: Optional[float] = None,
        compaction: Any = None,
    ) -> GenerateLoopResult:
        """Generate, run the tools the model calls, and repeat until it answers.

        Args:
            input: a prompt string, or a list of chat messages (or their dicts).
            tools: the tools the model may call: ``ToolDef``, functions or
                ``ToolSource``s, or one ``ToolSource`` (asked once, at the
                start; sources that are context managers, such as MCP
                servers, stay connected until the loop ends).
            tool_choice: for the first turn; a forced choice (``"any"``, a
                ``ToolFunction``) becomes ``"auto"`` after it. A config here
                is Inspect's order, ``(input, tools, config, cache,
                on_stream)``, and is read as such.
            config: options layered over the model's own config (also read for
                ``max_tool_output`` and ``parallel_tool_calls``).
            cache: ``True`` or a ``CachePolicy`` to use the response cache.
            on_stream: as for ``generate``, for each generation of the loop
                (a ``StreamRetryEvent``'s attempt counts within one generation).
            max_turns: the most generations to make (the tools of the last
                one still run; ``limit_reached`` says the loop stopped there).
            tool_timeout: seconds each tool call may take.
            compaction: a ``Compact`` handler (``compaction(strategy, prefix,
                tools=, model=self)``): each generation is sent what its
                ``compact_input`` returns for the conversation so far, a
                summary it makes joins the conversation, and each output goes
                to its ``record_output``; the returned messages keep everything.

        Returns:
            The messages the loop added (``.messages``: assistant turns and
            tool results, not the input), the last output (``.output``)
            and the summed ``.usage``; unpacks as ``messages, output``, as
            Inspect's does.

        Raises:
            ConfigError: bad arguments, or a tool that cannot be run.
            APIError: a generation failed (after retries, where retrying helps).
        """
        from .tools._loop import generate_loop, inspect_order

        tool_choice, config, cache, on_stream = inspect_order(tool_choice, config, cache, on_stream)

        def generate(
            messages: List[ChatMessage], defs: Sequence[Any], choice: Optional[ToolChoice]
        ) -> ModelOutput:
            return self.generate(messages, defs, choice, config, cache, on_stream)

        return generate_loop(
            generate,
            input,
            tools,
            config=self.config.merge(config),
            tool_result_images=self.api.tool_result_images(),
            max_turns=max_turns,
            tool_choice=tool_choice,
            tool_timeout=tool_timeout,
            compaction=compaction,
        )

    def compact(
        self,
        input: ModelInput,
        tools: ToolsInput = (),
        instructions: Optional[str] = None,
    ) -> Tuple[List[ChatMessage], Optional[ModelUsage]]:
        """Compact a conversation with the provider's native compaction (Inspect's).

        OpenAI's Responses API (``responses_api=True``) compacts through
        ``POST /responses/compact``: the returned messages hold an opaque
        compaction item that later requests send back. Run as a generation
        is (connection limit, retries, timeout); the usage is added to
        ``self.usage``.

        Args:
            input: the conversation (a prompt string, or chat messages).
            tools: the tools of the conversation.
            instructions: more instructions for the compaction.

        Returns:
            The compacted messages and the compaction's usage.

        Raises:
            NotImplementedError: the provider (or this model) has no native
                compaction; ``CompactionAuto`` then summarises instead.
            APIError: the API failed (after retries).
        """
        from ._engine.run import run_compact

        request = self.prepare(input, tools, None, None)
        compacted = run_compact(self.api, request, instructions)
        self.add_usage(compacted.usage)
        return list(compacted.messages), compacted.usage

    def prepare(
        self,
        input: ModelInput,
        tools: ToolsInput = (),
        tool_choice: Optional[ToolChoice] = None,
        config: ConfigInput = None,
    ) -> GenerateRequest:
        """Normalise one call's arguments into the request the API sees."""
        if tools:  # tool sources asked for their tools (loads the tool helpers only when given)
            from .tools._sources import expand_tools

            tools = expand_tools(tools)
        return prepare_request(self.api, self.config.merge(config), input, tools, tool_choice)

    def close(self) -> None:
        """Close the API's clients and drop this model from ``get_model``'s memo."""
        from ._engine.pool import resolve

        forget(self)
        closing: Any = self.api.close()  # type: ignore[func-returns-value]  # may be async def (Inspect)
        resolve(closing)

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    async def __aenter__(self) -> Model:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


# --- get_model (its memo and name resolution: _models) -------------------------


def get_model(
    model: Union[str, Model, None] = None,
    config: Union[GenerateConfig, GenerateConfigArgs, None] = None,
    base_url: Optional[str] = None,
    api_key: Optional[str] = None,
    memoize: bool = True,
    *,
    role: Optional[str] = None,
    required: bool = False,
    default: Union[str, Model, None] = None,
    **model_args: Any,
) -> Model:
    """Get a model: ``"provider/model"``, an existing ``Model``, or ``None``.

    The model is, in order: the one bound to ``role`` (``$MODELKIT_MODEL_<ROLE>``,
    e.g. ``MODELKIT_MODEL_GRADER=openai/gpt-4o`` for ``role="grader"``);
    ``model``; ``default``; ``$MODELKIT_MODEL``, else ``$INSPECT_EVAL_MODEL``.

    Args:
        model: ``"provider/model"``; a ``Model`` (returned as is); or ``None``.
        config: the model's default generation config (copied: models never
            share a config object).
        base_url: an alternate base URL for the API.
        api_key: the API key (default: the provider's environment variable).
        memoize: reuse the model made by an earlier call with the same
            arguments, and keep this one for later calls.
        role: a named role (``"grader"``...), bound by ``$MODELKIT_MODEL_<ROLE>``.
        required: with ``role``: raise when the role is not bound and there
            is no ``default``.
        default: the model when neither the role nor ``model`` names one.
        **model_args: passed to the provider's constructor.

    Raises:
        ConfigError: no model named, a required role not bound, a malformed
            name, or an unknown provider.
        MissingAPIKeyError: the provider needs a key and none was found.
    """
    if isinstance(model, Model) and role is None:
        return model
    if role is not None:
        bound = role_model(role, required, default is not None)
        if bound is not None:
            model = bound
    if model is None:
        model = default
    if isinstance(model, Model):
        if role is not None:
            note_role(role, model)
        return model
    spec = model or spec_from_env()
    provider, name = split_spec(spec)
    if config is None:
        base = GenerateConfig()
    elif isinstance(config, GenerateConfig):
        base = config.merge(None)  # a copy
    else:
        base = GenerateConfig.from_dict(config)
    recipe = ModelRecipe(spec, base, base_url, api_key, dict(model_args))
    if not memoize:
        found = _with_role(_build(provider, name, recipe), role)
    else:
        key = memo_key(spec, base, base_url, api_key, model_args) + f"|role={role}"
        found = memoized(key, lambda: _with_role(_build(provider, name, recipe), role), model_args)
    if role is not None:
        note_role(role, found)  # for model_roles()
    return found


def _with_role(model: Model, role: Optional[str]) -> Model:
    model.role = role
    return model


def _build(provider: str, name: str, recipe: ModelRecipe) -> Model:
    api_class = resolve_provider(provider)
    try:
        api = api_class(
            model_name=name,
            base_url=recipe.base_url,
            api_key=recipe.api_key,
            config=recipe.config,
            **recipe.model_args,
        )
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        raise ConfigError(f"{provider}: bad model argument: {exc}") from exc
    api.model_args = dict(recipe.model_args)  # the cache keys on those that change answers
    model = Model(api, recipe.config)
    model.recipe = recipe
    return model


def resolve_count(result: Any) -> Any:
    """A ``count_tokens`` result without its call record (an offline count has none)."""
    from ._engine.pool import resolve

    value = resolve(result)
    return value[0] if isinstance(value, tuple) else value


def _rebuild(recipe: ModelRecipe) -> Model:
    """Unpickling a ``Model``: this process's memoized model for ``recipe``."""
    return recipe.build()
