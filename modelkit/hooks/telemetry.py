"""OpenTelemetry GenAI spans and metrics for every generate, stream and token count.

Follows the OpenTelemetry semantic conventions for generative AI
(https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ and
.../gen-ai-metrics/): one CLIENT span per call, named
``{gen_ai.operation.name} {gen_ai.request.model}`` (``chat`` for generate
and stream, ``count_tokens`` for ``Model.count_tokens``), with the provider,
request parameters, response model, id, finish reasons and token usage, and
``error.type`` on failure; the ``gen_ai.client.token.usage`` and
``gen_ai.client.operation.duration`` histograms. Prompts and answers are
recorded only with ``MODELKIT_OTEL_CAPTURE_CONTENT=1``.

This module imports ``opentelemetry`` and is imported only when it is
installed: at a process's first call (``_probe``), and only if a tracer or
meter provider is configured by then; ``instrument()`` turns it on
explicitly, ``uninstrument()`` off.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._engine import observe

if TYPE_CHECKING:
    from .._prepare import GenerateRequest
    from ..api import ModelAPI
    from ..output import ModelOutput

__all__ = ["OBSERVER", "configured", "instrument", "uninstrument"]

CAPTURE_CONTENT = "MODELKIT_OTEL_CAPTURE_CONTENT"

PROVIDER_NAMES = {
    "openai": "openai",
    "openai-api": "openai",
    "anthropic": "anthropic",
    "google": "gcp.gemini",
    "vertex": "gcp.vertex_ai",
    "bedrock": "aws.bedrock",
    "mistral": "mistral_ai",
    "groq": "groq",
    "grok": "x_ai",
    "deepseek": "deepseek",
    "perplexity": "perplexity",
    "azureai": "azure.ai.inference",
    "azure": "azure.ai.openai",
}
"""modelkit's provider names -> the conventions' well-known ``gen_ai.provider.name``
(others are reported as modelkit names them)."""

TOKEN_BUCKETS = [4.0**i for i in range(14)]  # 1, 4, 16, ... 67108864, as the conventions advise
DURATION_BUCKETS = [0.01 * 2.0**i for i in range(14)]  # 0.01, 0.02, ... 81.92 s

_CONFIG_ATTRIBUTES = (
    ("temperature", "gen_ai.request.temperature"),
    ("max_tokens", "gen_ai.request.max_tokens"),
    ("top_p", "gen_ai.request.top_p"),
    ("top_k", "gen_ai.request.top_k"),
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
    ("seed", "gen_ai.request.seed"),
    ("stop_seqs", "gen_ai.request.stop_sequences"),
    ("num_choices", "gen_ai.request.choice.count"),
)


def configured() -> bool:
    """Whether the application has set a tracer or meter provider of its own."""
    tracing = type(trace.get_tracer_provider()).__name__
    metering = type(metrics.get_meter_provider()).__name__
    return tracing not in ("ProxyTracerProvider", "NoOpTracerProvider") or metering not in (
        "_ProxyMeterProvider",
        "NoOpMeterProvider",
    )


def instrument(tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Emit spans and metrics for every call from now on.

    Args:
        tracer_provider: where spans go (default: the global one, set now or later).
        meter_provider: where metrics go (default: the global one).
    """
    OBSERVER.setup(tracer_provider, meter_provider)
    observe.add_observer(OBSERVER)


def uninstrument() -> None:
    """Stop emitting spans and metrics."""
    observe.remove_observer(OBSERVER)


def provider_name(api: ModelAPI) -> str:
    """``gen_ai.provider.name`` for ``api``."""
    name = api.provider or type(api).__name__
    return PROVIDER_NAMES.get(name, name)


def _server(api: ModelAPI) -> Tuple[Optional[str], Optional[int]]:
    url = getattr(api, "base_url", None)
    if not url:
        return None, None
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None, None
    return parts.hostname, port


def _capture() -> bool:
    return os.environ.get(CAPTURE_CONTENT, "").strip().lower() in ("1", "true", "yes", "on")


def _messages(messages: Any) -> str:
    return json.dumps([m.to_dict() for m in messages], default=str)


class _Call:
    __slots__ = ("attributes", "operation", "span", "started")

    def __init__(self, span: Any, attributes: Dict[str, Any], operation: str) -> None:
        self.span = span
        self.attributes = attributes
        self.operation = operation
        self.started = time.perf_counter()


class _Telemetry:
    """The engine observer that opens and ends the spans and records the metrics."""

    def __init__(self) -> None:
        self.tracer: Any = None
        self.tokens: Any = None
        self.duration: Any = None

    def setup(self, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        version = getattr(sys.modules.get("modelkit"), "__version__", None)
        self.tracer = trace.get_tracer("modelkit", version, tracer_provider=tracer_provider)
        meter = metrics.get_meter("modelkit", version or "", meter_provider=meter_provider)
        self.tokens = _histogram(
            meter,
            "gen_ai.client.token.usage",
            "{token}",
            "Input and output tokens used",
            TOKEN_BUCKETS,
        )
        self.duration = _histogram(
            meter,
            "gen_ai.client.operation.duration",
            "s",
            "GenAI operation duration",
            DURATION_BUCKETS,
        )

    def start(
        self, api: ModelAPI, request: GenerateRequest, operation: str, cache_write: bool
    ) -> Any:
        name = "count_tokens" if operation == "count" else "chat"
        common: Dict[str, Any] = {
            "gen_ai.operation.name": name,
            "gen_ai.provider.name": provider_name(api),
            "gen_ai.request.model": api.model_name,
        }
        address, port = _server(api)
        if address:
            common["server.address"] = address
            common["server.port"] = port
        attributes = dict(common)
        config = request.config
        for field, key in _CONFIG_ATTRIBUTES:
            value = getattr(config, field, None)
            if value is not None and not (field == "num_choices" and value == 1):
                attributes[key] = list(value) if isinstance(value, (list, tuple)) else value
        if _capture():
            attributes["gen_ai.input.messages"] = _messages(request.input)
        span = self.tracer.start_span(
            f"{name} {api.model_name}", kind=SpanKind.CLIENT, attributes=attributes
        )
        return _Call(span, common, name)

    def before(self, api: ModelAPI, request: GenerateRequest, cache_write: bool) -> None:
        pass

    def attempt(self, state: Any, api: ModelAPI, request: GenerateRequest, number: int) -> None:
        pass

    def settle(self, api: ModelAPI, output: ModelOutput) -> None:
        pass

    def retry(
        self, state: Any, api: ModelAPI, error: BaseException, attempt: int, wait: float
    ) -> None:
        if state is None:
            return
        state.span.add_event(
            "modelkit.retry",
            {"attempt": attempt, "wait": float(wait), "error.type": type(error).__name__},
        )

    def finish(self, state: Any, api: ModelAPI, result: Any, duration: float, retries: int) -> None:
        if state is None:
            return
        span, common = state.span, state.attributes
        try:
            if isinstance(result, int):  # a token count
                span.set_attribute("gen_ai.usage.input_tokens", result)
            else:
                _set_output(span, common, result, self.tokens)
        finally:
            span.end()
            self.duration.record(time.perf_counter() - state.started, common)

    def fail(self, state: Any, api: ModelAPI, error: BaseException) -> None:
        if state is None:
            return
        if isinstance(error, GeneratorExit):  # a stream closed before its end: not a failure
            state.span.set_attribute("modelkit.stream.closed_early", True)
            state.span.end()
            return
        kind = type(error).__name__
        status = getattr(error, "status", None)
        state.span.set_attribute("error.type", kind)
        state.span.set_status(
            Status(StatusCode.ERROR, f"HTTP {status}" if isinstance(status, int) else kind)
        )
        state.span.end()
        self.duration.record(
            time.perf_counter() - state.started, {**state.attributes, "error.type": kind}
        )

    def cache_hit(self, api: ModelAPI, output: ModelOutput) -> None:
        pass  # nothing was sent: no client span


def _set_output(span: Any, common: Dict[str, Any], output: ModelOutput, tokens: Any) -> None:
    if output.model:
        span.set_attribute("gen_ai.response.model", output.model)
        common = {**common, "gen_ai.response.model": output.model}
    response_id = (output.metadata or {}).get("id")
    if isinstance(response_id, str):
        span.set_attribute("gen_ai.response.id", response_id)
    reasons = [str(choice.stop_reason) for choice in output.choices]
    if reasons:
        span.set_attribute("gen_ai.response.finish_reasons", reasons)
    usage = output.usage
    if usage is not None:
        read = usage.input_tokens_cache_read or 0
        written = usage.input_tokens_cache_write or 0
        input_tokens = usage.input_tokens + read + written  # all input, cached included
        span.set_attribute("gen_ai.usage.input_tokens", input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
        if read:
            span.set_attribute("gen_ai.usage.cache_read.input_tokens", read)
        if written:
            span.set_attribute("gen_ai.usage.cache_creation.input_tokens", written)
        if usage.total_cost is not None:
            span.set_attribute("modelkit.usage.total_cost", usage.total_cost)
        tokens.record(input_tokens, {**common, "gen_ai.token.type": "input"})
        tokens.record(usage.output_tokens, {**common, "gen_ai.token.type": "output"})
    if _capture():
        span.set_attribute(
            "gen_ai.output.messages", _messages([choice.message for choice in output.choices])
        )


def _histogram(meter: Any, name: str, unit: str, description: str, buckets: List[float]) -> Any:
    try:
        return meter.create_histogram(
            name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
        )
    except TypeError:  # opentelemetry-api before 1.23 takes no advice
        return meter.create_histogram(name, unit=unit, description=description)


OBSERVER = _Telemetry()
"""The one telemetry observer (``instrument`` adds it to the engine's observers)."""
