"""OpenTelemetry GenAI spans and metrics, seen with the SDK's in-memory exporter
and reader. Names, kinds, units and buckets follow the semantic conventions
for generative AI (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/,
https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/); the server
is a loopback OpenAI chat-completions one
(https://platform.openai.com/docs/api-reference/chat/object)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from loopback import LoopbackServer, Reply

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

from modelkit import APIError, get_model
from modelkit.hooks import telemetry

KEY = "sk-test-otel-key"


@pytest.fixture
def otel() -> Iterator[Tuple[InMemorySpanExporter, InMemoryMetricReader]]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    telemetry.instrument(tracer_provider, MeterProvider(metric_readers=[reader]))
    yield exporter, reader
    telemetry.uninstrument()


def points(reader: InMemoryMetricReader, name: str) -> List[Any]:
    data = reader.get_metrics_data()
    found = []
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    found.extend((metric.unit, p) for p in metric.data.data_points)
    return found


def test_a_generate_is_one_client_span(loopback: LoopbackServer, otel: Any) -> None:
    exporter, reader = otel
    model = get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY)
    model.generate("secret prompt", config={"temperature": 0.25, "max_tokens": 30, "top_p": 0.5})
    (span,) = exporter.get_finished_spans()
    assert span.name == "chat gpt-4o"
    assert span.kind == SpanKind.CLIENT
    attributes: Dict[str, Any] = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.request.model"] == "gpt-4o"
    assert attributes["gen_ai.response.model"] == "loopback-model"
    assert attributes["gen_ai.response.id"] == "chatcmpl-loopback"
    assert attributes["gen_ai.usage.input_tokens"] == 5
    assert attributes["gen_ai.usage.output_tokens"] == 4
    assert list(attributes["gen_ai.response.finish_reasons"]) == ["stop"]
    assert attributes["gen_ai.request.temperature"] == 0.25
    assert attributes["gen_ai.request.max_tokens"] == 30
    assert attributes["gen_ai.request.top_p"] == 0.5
    assert attributes["server.address"] == "127.0.0.1"
    assert attributes["server.port"] == int(loopback.url.rsplit(":", 1)[1].split("/")[0])
    assert "error.type" not in attributes
    assert not any("secret prompt" in str(v) for v in attributes.values())  # no content by default
    assert KEY not in str(attributes)
    tokens = points(reader, "gen_ai.client.token.usage")
    assert {(p.attributes["gen_ai.token.type"], p.sum) for _, p in tokens} == {
        ("input", 5),
        ("output", 4),
    }
    assert {unit for unit, _ in tokens} == {"{token}"}
    ((unit, duration),) = points(reader, "gen_ai.client.operation.duration")
    assert unit == "s" and duration.count == 1 and duration.sum > 0
    assert duration.attributes["gen_ai.operation.name"] == "chat"


def test_content_only_when_asked(
    loopback: LoopbackServer, otel: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter, _ = otel
    monkeypatch.setenv("MODELKIT_OTEL_CAPTURE_CONTENT", "1")
    get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY).generate("secret prompt")
    (span,) = exporter.get_finished_spans()
    assert "secret prompt" in span.attributes["gen_ai.input.messages"]
    assert "Hello from loopback" in span.attributes["gen_ai.output.messages"]


def test_a_failure_has_error_type(loopback: LoopbackServer, otel: Any) -> None:
    exporter, reader = otel
    loopback.default = Reply(400, {"error": {"message": "bad request", "type": "invalid"}})
    model = get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY)
    with pytest.raises(APIError) as raised:
        model.generate("hello")
    (span,) = exporter.get_finished_spans()
    assert span.attributes["error.type"] == type(raised.value).__name__
    assert span.status.status_code == StatusCode.ERROR
    ((_, duration),) = points(reader, "gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == type(raised.value).__name__


def test_stream_and_count_have_spans(loopback: LoopbackServer, otel: Any) -> None:
    exporter, _ = otel
    model = get_model("mockllm/model")
    with model.stream("hello") as stream:
        output = stream.final_output()
    (stream_span,) = exporter.get_finished_spans()
    assert stream_span.name == "chat model"
    assert stream_span.attributes["gen_ai.provider.name"] == "mockllm"
    assert output.usage is not None
    assert stream_span.attributes["gen_ai.usage.output_tokens"] == output.usage.output_tokens
    # Anthropic's counting endpoint answers {"input_tokens": n}
    # (https://docs.anthropic.com/en/api/messages-count-tokens).
    loopback.default = Reply(body={"input_tokens": 12})
    claude = get_model("anthropic/claude-opus-5", base_url=loopback.url, api_key=KEY)
    assert claude.count_tokens("hello there") == 12
    count_span = exporter.get_finished_spans()[-1]
    assert loopback.requests[-1].path.endswith("/messages/count_tokens")
    assert count_span.name == "count_tokens claude-opus-5"
    assert count_span.attributes["gen_ai.provider.name"] == "anthropic"
    assert count_span.attributes["gen_ai.usage.input_tokens"] == 12


def test_a_stream_span_has_the_response_attributes_and_metrics(
    loopback: LoopbackServer, otel: Any
) -> None:
    # chat completions streaming chunks, usage in the last one
    # (https://platform.openai.com/docs/api-reference/chat-streaming/streaming)
    def chunk(**fields: Any) -> str:
        body = {"id": "chatcmpl-s1", "object": "chat.completion.chunk", "model": "gpt-4o-0513"}
        return f"data: {json.dumps({**body, **fields})}\n\n"

    text = {"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": None}
    sse = (
        chunk(choices=[text])
        + chunk(choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}])
        + chunk(choices=[], usage={"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10})
        + "data: [DONE]\n\n"
    )
    loopback.default = Reply(body=sse, headers={"Content-Type": "text/event-stream"})
    exporter, reader = otel
    model = get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY)
    with model.stream("secret prompt", config={"temperature": 0.5, "max_tokens": 20}) as stream:
        list(stream)
    (span,) = exporter.get_finished_spans()
    assert span.name == "chat gpt-4o" and span.kind == SpanKind.CLIENT
    attributes: Dict[str, Any] = dict(span.attributes or {})
    assert attributes["gen_ai.request.model"] == "gpt-4o"
    assert attributes["gen_ai.response.model"] == "gpt-4o-0513"
    assert attributes["gen_ai.response.id"] == "chatcmpl-s1"
    assert list(attributes["gen_ai.response.finish_reasons"]) == ["stop"]
    assert attributes["gen_ai.usage.input_tokens"] == 7
    assert attributes["gen_ai.usage.output_tokens"] == 3
    assert attributes["gen_ai.request.temperature"] == 0.5
    assert attributes["gen_ai.request.max_tokens"] == 20
    assert not any("secret prompt" in str(v) for v in attributes.values())
    tokens = points(reader, "gen_ai.client.token.usage")
    assert {(p.attributes["gen_ai.token.type"], p.sum) for _, p in tokens} == {
        ("input", 7),
        ("output", 3),
    }
    ((_, duration),) = points(reader, "gen_ai.client.operation.duration")
    assert duration.count == 1


def test_a_failed_stream_and_a_failed_count_have_error_type(
    loopback: LoopbackServer, otel: Any
) -> None:
    exporter, _ = otel
    loopback.default = Reply(400, {"error": {"message": "bad request", "type": "invalid"}})
    model = get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY)
    with pytest.raises(APIError) as streamed:
        with model.stream("secret prompt") as stream:
            list(stream)
    # Anthropic's error body (https://docs.anthropic.com/en/api/errors)
    loopback.default = Reply(
        400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}
    )
    claude = get_model("anthropic/claude-opus-5", base_url=loopback.url, api_key=KEY)
    with pytest.raises(APIError) as counted:
        claude.count_tokens("secret prompt", config={"max_retries": 0})
    stream_span, count_span = exporter.get_finished_spans()
    assert stream_span.name == "chat gpt-4o"
    assert stream_span.attributes["error.type"] == type(streamed.value).__name__
    assert count_span.name == "count_tokens claude-opus-5"
    assert count_span.attributes["error.type"] == type(counted.value).__name__
    for span in (stream_span, count_span):
        assert span.status.status_code == StatusCode.ERROR
        assert not any("secret prompt" in str(v) for v in span.attributes.values())
        assert KEY not in str(span.attributes)


def test_retries_are_span_events(loopback: LoopbackServer, otel: Any) -> None:
    exporter, _ = otel
    loopback.script(Reply(503, {"error": {"message": "busy"}}, headers={"retry-after-ms": "10"}))
    get_model("openai/gpt-4o", base_url=loopback.url, api_key=KEY).generate("hello")
    (span,) = exporter.get_finished_spans()
    (event,) = span.events
    assert event.name == "modelkit.retry" and event.attributes["attempt"] == 1


PROBE = """
import sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
import modelkit
assert not any(m.startswith("opentelemetry") for m in sys.modules if m not in {M}), "imported"
exporter = InMemorySpanExporter()
if sys.argv[1] == "configured":
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
model = modelkit.get_model("mockllm/model")
model.generate("one"); model.generate("two")
from modelkit._engine import observe
print(len(exporter.get_finished_spans()), len(observe.observers))
"""


@pytest.mark.parametrize("mode, expected", [("configured", "2 1"), ("unconfigured", "0 0")])
def test_decided_at_the_first_call(mode: str, expected: str) -> None:
    before = "set(m for m in sys.modules if m.startswith('opentelemetry'))"
    script = PROBE.replace("{M}", "_before").replace(
        "import modelkit\n", f"_before = {before}\nimport modelkit\n"
    )
    env_script = textwrap.dedent(script)
    done = subprocess.run(
        [sys.executable, "-c", env_script, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == expected


def test_no_opentelemetry_no_change() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["opentelemetry"] = None  # as if not installed
        import modelkit
        out = modelkit.get_model("mockllm/model").generate("hi")
        from modelkit._engine import observe
        print(out.completion != "", observe.observers, "modelkit.hooks.telemetry" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True () False"
