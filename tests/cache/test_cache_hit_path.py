"""The short path of a cached call (issue 24): the same keys, the same safety, less work.

A call of the model's own config reads that config in place instead of a
copy when nothing reached through the request can change it; the key's
config part is one generated function; the canonical JSON is made by one
encoder kept for every call; environment variables are read without
``os.environ``'s Python layers. Each shortcut is checked against the
general code it replaces, and each reason to copy the config is shown to
still copy it.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, Iterator, List

import pytest

from modelkit import (
    CachePolicy,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentText,
    GenerateConfig,
    Model,
    ResponseSchema,
    ToolCall,
    ToolFunction,
    ToolInfo,
    ToolParams,
    get_model,
)
from modelkit._engine import observe
from modelkit._serde import unstructure
from modelkit.api import ModelAPI
from modelkit.cache import _key
from modelkit.cache import _store as _cache_store
from modelkit.hooks import BeforeModelGenerate, Hooks, hooks, unregister_hooks
from modelkit.output import ModelOutput


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    _cache_store.close_thread_connections()


def reference_document(
    provider: str, model: str, base_url: Any, request: Any, epoch: Any, scopes: Any, args: Any
) -> Dict[str, Any]:
    """The key document as the code before issue 24's changes built it."""
    config = {
        name: value if type(value) in (str, int, float, bool) else unstructure(value)
        for name, value in (
            (f.name, getattr(request.config, f.name)) for f in type(request.config).__attrs_attrs__
        )
        if value is not None and name not in _key.IGNORED_CONFIG
    }
    messages = []
    for message in request.input:
        data = message.to_dict()
        for unkeyed in ("source", "id", "metadata"):
            data.pop(unkeyed, None)
        messages.append(data)
    from modelkit.tools._types import tool_choice_to_dict

    return {
        "v": _key.KEY_VERSION,
        "provider": provider,
        "model": model,
        "base_url": base_url,
        "input": messages,
        "tools": [tool.to_dict() for tool in request.tools],
        "tool_choice": tool_choice_to_dict(request.tool_choice),
        "config": config,
        "epoch": epoch,
        "scopes": dict(scopes),
        "args": dict(args or {}),
    }


def _names(config_class: Any) -> List[str]:
    return [field.name for field in config_class.__attrs_attrs__]


CONFIGS = [
    GenerateConfig(),
    GenerateConfig(temperature=0.0, timeout=3, max_retries=2),
    GenerateConfig(
        max_tokens=10,
        stop_seqs=["x", "é"],
        logit_bias={"12": 1.5},
        extra_body={"nested": {"b": [1, 2], "a": None}},
        seed=7,
        reasoning_effort="high",
        response_schema=ResponseSchema(name="s", json_schema={"type": "object"}),
        system_message="Be brief",
    ),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_the_key_document_is_the_one_before(config: GenerateConfig) -> None:
    model = get_model("mockllm/model")
    tool = ToolInfo(
        name="look",
        description="Look it up",
        parameters=ToolParams(properties={"q": {"type": "string", "default": object}}),
    )
    inputs: List[Any] = [
        "hello",
        [
            ChatMessageSystem(content="sys", metadata={"m": 1}),
            ChatMessageUser(content=[ContentText(text="hi")], source="input"),
            ChatMessageAssistant(
                content="ok", tool_calls=[ToolCall(id="c", function="look", arguments={"q": 1})]
            ),
            ChatMessageTool(content="found", tool_call_id="c", function="look"),
        ],
    ]
    for input in inputs:
        for tools, choice in (((), None), ([tool], ToolFunction(name="look"))):
            request = model.prepare(input, tools, choice, config)
            for epoch, scopes, args in ((None, {}, None), (3, {"user": "ü"}, {"thinking": "x"})):
                document = _key.key_document(
                    "mockllm", "model", "http://h/v1", request, epoch, scopes, args
                )
                expected = reference_document(
                    "mockllm", "model", "http://h/v1", request, epoch, scopes, args
                )
                assert document == expected
                assert _key.request_key(document) == _reference_key(expected)


def _reference_key(document: Dict[str, Any]) -> bytes:
    import hashlib
    import json

    text = json.dumps(
        document,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_key._fallback,
    )
    return hashlib.sha256(text.encode("utf-8")).digest()


def test_a_document_holding_itself_is_not_cacheable_not_a_failure() -> None:
    document: Dict[str, Any] = {"v": 2}
    document["self"] = document
    with pytest.raises(ValueError, match="nests too deeply"):
        _key.request_key(document)
    assert _key.request_key({"v": 2}) == _reference_key({"v": 2})  # the encoder still works


def test_env_value_reads_what_os_environ_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "MODELKIT_TEST_ENV_VALUE"
    monkeypatch.delenv(name, raising=False)
    assert _key.env_value(name) is None
    monkeypatch.setenv(name, "caf\u00e9 \udcff")  # a surrogate-escaped byte too
    assert _key.env_value(name) == os.environ[name]
    monkeypatch.setenv(name, "")
    assert _key.env_value(name) == ""
    os.environ[name] = "changed"
    assert _key.env_value(name) == "changed"
    del os.environ[name]
    assert _key.env_value(name) is None


def test_env_value_asks_a_replaced_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "environ", {"MODELKIT_TEST_ENV_VALUE": "plain dict"})
    assert _key.env_value("MODELKIT_TEST_ENV_VALUE") == "plain dict"


# --- the model's config, read in place -------------------------------------------


@pytest.fixture
def no_observers(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hooks, limits or telemetry probe registered (the probe leaves after a first call)."""
    monkeypatch.setattr(observe, "observers", ())


def test_a_plain_config_is_read_in_place_and_prepare_still_copies(no_observers: None) -> None:
    model = get_model("mockllm/model", config=GenerateConfig(temperature=0.5), memoize=False)
    assert model._prepare_call("hi", (), None, None).config is model.config
    assert model.prepare("hi").config is not model.config
    assert model._prepare_call("hi", (), None, {"seed": 1}).config is not model.config


def test_a_config_holding_a_list_or_dict_is_copied(no_observers: None) -> None:
    for config in (GenerateConfig(stop_seqs=["x"]), GenerateConfig(extra_body={"a": 1})):
        model = get_model("mockllm/model", config=config, memoize=False)
        request = model._prepare_call("hi", (), None, None)
        assert request.config is not model.config and request.config == model.config


def test_an_api_from_outside_modelkit_gets_a_copy(no_observers: None) -> None:
    class Mutating(ModelAPI):
        """A third-party API that changes the config it is given."""

        def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> Any:
            config.temperature = 1.5
            return ModelOutput.from_content(self.model_name, "ok")

    model = Model(Mutating("m"), GenerateConfig(temperature=0.1))
    model.generate("hi")
    model.generate("hi", cache=True)
    assert model.config.temperature == 0.1


def test_a_hook_changing_the_config_changes_only_its_call() -> None:
    class Warm(Hooks):
        def on_before_model_generate(self, data: BeforeModelGenerate) -> None:
            data.config.temperature = 0.9

    hooks("warm", "sets temperature")(Warm)
    try:
        model = get_model("mockllm/model", memoize=False)
        model.generate("hi")
        model.generate("hi", cache=True)
        assert model.config.temperature is None
    finally:
        unregister_hooks("warm")


def test_a_config_changed_during_a_cached_call_keeps_nothing(no_observers: None) -> None:
    """Another thread changing the model's config mid-call (here: the script itself)
    could leave an answer under the key of a config it was not made with."""
    calls: List[int] = []
    model: Model

    def answer(input: Any, tools: Any, tool_choice: Any, config: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            model.config.temperature = 0.7  # as if from another thread, mid-call
        return f"answer {len(calls)}"

    model = get_model("mockllm/changing", custom_outputs=answer, memoize=False)
    first = model.generate("hi", cache=True)
    assert not first.cached
    model.config.temperature = None
    again = model.generate("hi", cache=True)
    assert not again.cached and len(calls) == 2  # nothing was kept under the first key
    assert model.generate("hi", cache=True).cached  # an undisturbed call is kept


def test_hits_from_many_threads_share_nothing() -> None:
    model = get_model("mockllm/threads", memoize=False)
    model.generate("hi", cache=True)
    outputs: List[ModelOutput] = []
    lock = threading.Lock()

    def hit() -> None:
        for _ in range(20):
            output = model.generate("hi", cache=True)
            with lock:
                outputs.append(output)

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outputs) == 80 and all(o.cached for o in outputs)
    assert len({id(o) for o in outputs}) == 80  # a new output each time
    outputs[0].choices[0].message.content = "changed"
    assert model.generate("hi", cache=True).completion != "changed"
    assert model.usage.total_tokens == outputs[0].usage.total_tokens  # type: ignore[union-attr]


def test_the_default_policy_still_keys_scopes_and_epochs() -> None:
    model = get_model("mockllm/scoped", memoize=False)
    model.generate("hi", cache=CachePolicy(scopes={"user": "a"}))
    assert not model.generate("hi", cache=CachePolicy(scopes={"user": "b"})).cached
    assert model.generate("hi", cache=CachePolicy(scopes={"user": "a"})).cached
