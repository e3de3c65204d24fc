"""A test-only provider for engine tests: OpenAI-chat-like JSON over HTTP.

``LoopbackAPI`` is a small ``RestAPI`` subclass that posts
``{"model", "messages", ...}`` to ``{base_url}/chat/completions`` with a
bearer key and reads an OpenAI-chat-shaped answer (what ``tests/loopback.py``
sends by default). It stands in for a real provider so the engine's tests do
not depend on any provider module. ``register()`` adds it to the registry as
``loopback``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from loopback import Received, Reply, chat_completion

from modelkit import Model, get_model
from modelkit._engine.response import HttpResponse
from modelkit._engine.retry import Retrying
from modelkit.api import modelapi
from modelkit.config import GenerateConfig
from modelkit.messages import ChatMessage, ChatMessageAssistant
from modelkit.output import ChatCompletionChoice, ModelOutput, ModelUsage
from modelkit.providers._rest import HttpRequest, RestAPI
from modelkit.tools import ToolChoice, ToolInfo

_STOP = {"stop": "stop", "length": "max_tokens", "tool_calls": "tool_calls"}


class LoopbackAPI(RestAPI):
    """An OpenAI-chat-like provider pointed at the loopback server."""

    def __init__(
        self,
        model_name: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        config: GenerateConfig = GenerateConfig(),
        max_connections: int = 10,
    ) -> None:
        super().__init__(model_name, base_url, api_key, ["LOOPBACK_API_KEY"], config)
        self._max_connections = max_connections

    def max_connections(self) -> int:
        return self._max_connections

    def build_request(
        self,
        input: List[ChatMessage],
        tools: List[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> HttpRequest:
        body: Dict[str, Any] = {
            "model": self.model_name,
            "messages": [{"role": m.role, "content": m.text} for m in input],
        }
        if config.max_tokens is not None:
            body["max_tokens"] = config.max_tokens
        if config.temperature is not None:
            body["temperature"] = config.temperature
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return HttpRequest(url=f"{self.base_url}/chat/completions", headers=headers, body=body)

    def parse_response(self, body: Any, response: HttpResponse) -> ModelOutput:
        choice = body["choices"][0]
        message = ChatMessageAssistant(
            content=choice["message"]["content"], model=body["model"], source="generate"
        )
        usage = body.get("usage") or {}
        return ModelOutput(
            model=body["model"],
            choices=[
                ChatCompletionChoice(
                    message=message, stop_reason=_STOP.get(choice["finish_reason"], "unknown")
                )
            ],
            usage=ModelUsage(
                input_tokens=usage.get("prompt_tokens", 0),
                output_tokens=usage.get("completion_tokens", 0),
                total_tokens=usage.get("total_tokens", 0),
            ),
        )


def register() -> None:
    """Register ``LoopbackAPI`` as the ``loopback`` provider."""
    modelapi("loopback")(LoopbackAPI)


KEY = "sk-loopback-SECRET-4242424242"
"""The API key engine tests use; it must never show up in errors, logs or records."""


def loopback_model(url: str, **model_args: Any) -> Model:
    """A fresh (unmemoized) ``loopback`` model talking to ``url`` with ``KEY``."""
    register()
    return get_model("loopback/test-model", base_url=url, api_key=KEY, memoize=False, **model_args)


def echo(delay: float = 0.0) -> Callable[[Received], Reply]:
    """A responder answering each request with its last message's text."""

    def respond(received: Received) -> Reply:
        prompt = received.json()["messages"][-1]["content"]
        return Reply(body=chat_completion(prompt), delay=delay)

    return respond


class FakeTime:
    """A clock that only moves when ``sleep`` is called; records the sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: List[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def retrying(self) -> Retrying:
        """A ``Retrying`` on this clock, with no jitter."""
        return Retrying(sleep=self.sleep, clock=self.clock, random=lambda: 0.0)
