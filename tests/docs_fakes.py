"""One loopback responder answering the provider APIs the docs' code blocks call.

``DocsAPIs`` routes by path: OpenAI-style chat completions (OpenAI, Mistral
and the OpenAI-compatible presets), OpenAI's ``/v1/files`` and
``/v1/batches`` (through ``batch_fakes.FakeOpenAI``, ending at the first
status check), Anthropic's Messages API, Gemini's ``generateContent`` and
Bedrock's Converse. Each answers plain text, streams it as server-sent
events when the request asks, and answers a request for structured output
(a JSON Schema in ``response_format``, ``output_config`` or
``generationConfig``, or an Anthropic/Bedrock tool forced by
``tool_choice``) with a JSON value built from the schema. Shapes follow
each API's reference: OpenAI "Create chat completion" and its streaming
chunk object; Anthropic "Messages" and "Streaming Messages"; Gemini
"generateContent" and ``streamGenerateContent?alt=sse``; Bedrock "Converse".
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from loopback import Received, Reply, chat_completion

if str(Path(__file__).parent / "batch") not in sys.path:  # the batch fakes live beside their tests
    sys.path.append(str(Path(__file__).parent / "batch"))
from batch_fakes import FakeOpenAI, anthropic_message

__all__ = ["ANSWER", "DocsAPIs", "instance_of"]

ANSWER = "Hello from the docs server"


def instance_of(schema: Dict[str, Any], defs: Optional[Dict[str, Any]] = None) -> Any:
    """A small value valid against ``schema`` (objects, arrays, scalars, enums, refs)."""
    defs = (
        defs if defs is not None else {**schema.get("$defs", {}), **schema.get("definitions", {})}
    )
    if "$ref" in schema:
        return instance_of(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return instance_of(schema[key][0], defs)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: instance_of(sub, defs) for name, sub in properties.items()}
    if kind == "array":
        return [instance_of(schema.get("items", {"type": "string"}), defs)]
    return {"string": "Paris", "integer": 1, "number": 1.5, "boolean": True, "null": None}[kind]


def _sse(events: List[Any], named: bool = False) -> Reply:
    lines = []
    for event in events:
        if named:
            lines.append(f"event: {event['type']}\n")
        lines.append(f"data: {event if isinstance(event, str) else json.dumps(event)}\n\n")
    return Reply(200, "".join(lines).encode(), headers={"Content-Type": "text/event-stream"})


class DocsAPIs:
    """A ``LoopbackServer`` responder for every provider the docs use."""

    def __init__(self) -> None:
        self.batches = FakeOpenAI(plan=["completed"])
        self.requests: List[str] = []

    def __call__(self, received: Received) -> Reply:
        path = received.path.split("?")[0]
        self.requests.append(f"{received.method} {path}")
        if re.search(r"/(files|batches)(/|$)", path) and "/messages/" not in path:
            return self.batches(received)
        body = received.json() if received.body else {}
        if path.endswith("/chat/completions"):
            return self.openai(body)
        if path.endswith("/v1/messages"):
            return self.anthropic(body)
        if ":generateContent" in path or ":streamGenerateContent" in path:
            return self.gemini(body, stream=":stream" in path)
        if path.endswith("/converse"):
            return self.bedrock(body)
        return Reply(404, {"error": {"message": f"the docs server has no route {path}"}})

    def openai(self, body: Dict[str, Any]) -> Reply:
        schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
        text = json.dumps(instance_of(schema)) if schema else ANSWER
        reply = chat_completion(text, model=body.get("model", "docs-model"))
        if not body.get("stream"):
            return Reply(200, reply)
        chunk = {k: reply[k] for k in ("id", "created", "model")}
        chunk["object"] = "chat.completion.chunk"
        events: List[Any] = [
            {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": part}}]}
            for part in (text[: len(text) // 2], text[len(text) // 2 :])
        ]
        events.append({**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        events.append({**chunk, "choices": [], "usage": reply["usage"]})
        return _sse([*events, "[DONE]"])

    def anthropic(self, body: Dict[str, Any]) -> Reply:
        message = anthropic_message(ANSWER)
        message["model"] = body.get("model", "docs-model")
        forced = (body.get("tool_choice") or {}).get("name")
        schema = ((body.get("output_config") or {}).get("format") or {}).get("schema")
        if forced:
            tool = next(t for t in body["tools"] if t["name"] == forced)
            value = instance_of(tool["input_schema"])
            message["content"] = [
                {"type": "tool_use", "id": "toolu_1", "name": forced, "input": value}
            ]
            message["stop_reason"] = "tool_use"
        elif schema:
            message["content"] = [{"type": "text", "text": json.dumps(instance_of(schema))}]
        if not body.get("stream"):
            return Reply(200, message)
        start = {**message, "content": [], "stop_reason": None}
        events: List[Any] = [{"type": "message_start", "message": start}]
        for index, block in enumerate(message["content"]):
            if block["type"] == "text":
                opened = {"type": "text", "text": ""}
                delta = {"type": "text_delta", "text": block["text"]}
            else:
                opened = {**block, "input": {}}
                delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            events.append({"type": "content_block_start", "index": index, "content_block": opened})
            events.append({"type": "content_block_delta", "index": index, "delta": delta})
            events.append({"type": "content_block_stop", "index": index})
        events.append(
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": 4},
            }
        )
        events.append({"type": "message_stop"})
        return _sse(events, named=True)

    def gemini(self, body: Dict[str, Any], stream: bool) -> Reply:
        settings = body.get("generationConfig") or {}
        schema = settings.get("responseJsonSchema") or settings.get("responseSchema")
        text = json.dumps(instance_of(_lower_types(schema))) if schema else ANSWER
        answer = {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": {
                "promptTokenCount": 5,
                "candidatesTokenCount": 4,
                "totalTokenCount": 9,
            },
            "modelVersion": "gemini-2.5-flash",
        }
        return _sse([answer]) if stream else Reply(200, answer)

    def bedrock(self, body: Dict[str, Any]) -> Reply:
        forced = (
            ((body.get("toolConfig") or {}).get("toolChoice") or {}).get("tool", {}).get("name")
        )
        content: List[Dict[str, Any]] = [{"text": ANSWER}]
        stop = "end_turn"
        if forced:
            spec = next(
                t["toolSpec"]
                for t in body["toolConfig"]["tools"]
                if t["toolSpec"]["name"] == forced
            )
            value = instance_of(spec["inputSchema"]["json"])
            content = [{"toolUse": {"toolUseId": "tooluse_1", "name": forced, "input": value}}]
            stop = "tool_use"
        return Reply(
            200,
            {
                "output": {"message": {"role": "assistant", "content": content}},
                "stopReason": stop,
                "usage": {"inputTokens": 5, "outputTokens": 4, "totalTokens": 9},
                "metrics": {"latencyMs": 10},
            },
        )


def _lower_types(schema: Any) -> Any:
    """Gemini's OpenAPI-style schema (``"type": "STRING"``) as JSON Schema."""
    if isinstance(schema, dict):
        return {
            k: (v.lower() if k == "type" and isinstance(v, str) else _lower_types(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_lower_types(v) for v in schema]
    return schema
