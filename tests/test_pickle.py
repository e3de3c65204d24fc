"""Pickling: every type that may cross a process boundary round-trips.

Cluster engines (Dask, Ray, Spark) and ``multiprocessing`` ship functions
and their arguments to workers with ``pickle``; the pickle protocol is
documented at https://docs.python.org/3/library/pickle.html (``__reduce__``).
A ``Model`` pickles as the recipe ``get_model`` was given; an API key read
from the environment stays out of the pickle, one passed explicitly is in it.
"""

from __future__ import annotations

import inspect
import os
import pickle
import subprocess
import sys
from typing import Any, List

import pytest
from loopback import LoopbackServer, Reply

import modelkit
from modelkit import errors
from modelkit.messages import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentVideo,
)
from modelkit.output import ModelCall, ModelOutput, ModelUsage
from modelkit.tools import ToolCall, ToolCallError, ToolFunction, ToolInfo, ToolParam, ToolParams

CALL = ModelCall(
    request={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    response={"choices": []},
    time=0.25,
    status=200,
    url="http://127.0.0.1/v1/chat/completions",
    headers={"authorization": "[redacted]"},
)


def roundtrip(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value))


def _exception_classes() -> List[type]:
    return [getattr(errors, name) for name in errors.__all__]


@pytest.mark.parametrize("cls", _exception_classes(), ids=lambda c: c.__name__)
def test_every_exception_round_trips(cls: type) -> None:
    if cls is errors.MissingAPIKeyError:
        error = cls("openai", ["OPENAI_API_KEY"])
    elif cls is errors.ModelRefusalError:
        refusal = ModelOutput.from_content("gpt-4o", "No.", stop_reason="content_filter")
        error = cls(refusal, "openai/gpt-4o", "grader")
    elif cls is errors.LimitExceededError:
        error = cls("cost", value=1.25, limit=1.0, message="Cost limit exceeded.")
    elif issubclass(cls, errors.APIError):
        error = cls(
            "slow down",
            provider="openai",
            model="gpt-4o",
            status=429,
            body={"error": {"message": "slow down"}},
            headers={"retry-after": "1"},
            attempts=3,
            call=CALL,
        )
    else:
        error = cls("bad value")
    copy = roundtrip(error)
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_exception_list_is_complete() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, BaseException)
    }
    assert defined <= set(errors.__all__)


def _values() -> List[Any]:
    call = ToolCall(id="c1", function="add", arguments={"a": 1}, parse_error=None)
    info = ToolInfo(
        name="add",
        description="Add numbers.",
        parameters=ToolParams(properties={"a": ToolParam(type="integer")}, required=["a"]),
    )
    output = ModelOutput.from_content("m", "hello")
    output.usage = ModelUsage(input_tokens=3, output_tokens=2, total_tokens=5)
    output.call = CALL
    return [
        modelkit.GenerateConfig(temperature=0.5, max_connections=4, stop_seqs=["x"]),
        modelkit.CachePolicy(expiry="1h", per_epoch=False, scopes={"run": "a"}),
        CALL,
        output,
        ModelOutput.for_tool_call("m", "add", {"a": 1}),
        ChatMessageSystem(content="be brief"),
        ChatMessageUser(
            content=[
                ContentText(text="look"),
                ContentImage(image="data:image/png;base64,AAAA"),
                ContentAudio(audio="data:audio/wav;base64,AAAA", format="wav"),
                ContentVideo(video="data:video/mp4;base64,AAAA", format="mp4"),
            ]
        ),
        ChatMessageAssistant(
            content=[ContentReasoning(reasoning="think"), ContentText(text="ok")],
            tool_calls=[call],
            model="m",
        ),
        ChatMessageTool(content="2", tool_call_id="c1", function="add"),
        ChatMessageTool(content="", error=ToolCallError(type="parsing", message="bad")),
        info,
        ToolFunction(name="add"),
    ]


@pytest.mark.parametrize("value", _values(), ids=lambda v: type(v).__name__)
def test_value_types_round_trip(value: Any) -> None:
    copy = roundtrip(value)
    assert type(copy) is type(value)
    assert copy == value


_CHILD = r"""
import pickle, sys
model = pickle.loads(sys.stdin.buffer.read())
print(model, model.api.api_key, model.api.base_url, model.config.temperature)
print(model.generate("ping").completion)
"""


def _unpickle_in_child(data: bytes, env: dict) -> List[str]:
    full = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    full.update(env)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=data,
        capture_output=True,
        env=full,
        timeout=60,
        check=True,
    )
    return done.stdout.decode().splitlines()


def test_model_pickles_as_its_recipe_without_an_environment_key(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer
) -> None:
    monkeypatch.setenv("VLLM_API_KEY", "sk-driver-secret")
    model = modelkit.get_model(
        "vllm/served", config={"temperature": 0.25}, base_url=f"{loopback.url}/v1"
    )
    assert model.api.api_key == "sk-driver-secret"
    data = pickle.dumps(model)
    assert b"sk-driver-secret" not in data
    lines = _unpickle_in_child(data, {"VLLM_API_KEY": "sk-worker-key"})
    assert lines == [f"vllm/served sk-worker-key {loopback.url}/v1 0.25", "Hello from loopback"]
    assert loopback.requests[-1].headers["authorization"] == "Bearer sk-worker-key"


def test_an_explicit_key_travels_in_the_pickle(loopback: LoopbackServer) -> None:
    model = modelkit.get_model(
        "vllm/served", base_url=f"{loopback.url}/v1", api_key="sk-explicit", memoize=False
    )
    data = pickle.dumps(model)
    assert b"sk-explicit" in data
    assert "sk-explicit" not in repr(model.recipe)
    lines = _unpickle_in_child(data, {})
    assert lines[0] == f"vllm/served sk-explicit {loopback.url}/v1 None"
    assert loopback.requests[-1].headers["authorization"] == "Bearer sk-explicit"


def test_unpickling_in_the_same_process_gives_the_memoized_model() -> None:
    model = modelkit.get_model("mockllm/model", custom_outputs=None)
    assert roundtrip(model) is model
    fresh = modelkit.get_model("mockllm/model", config={"seed": 3}, memoize=False)
    copy = roundtrip(fresh)
    assert copy is not fresh
    assert str(copy) == "mockllm/model"
    assert copy.config == fresh.config
    assert copy.generate("hi").completion == fresh.generate("hi").completion


def test_model_args_travel_with_the_recipe() -> None:
    outputs = [ModelOutput.from_content("mockllm/model", "scripted")]
    model = modelkit.get_model("mockllm/model", custom_outputs=outputs, memoize=False)
    assert roundtrip(model).generate("hi").completion == "scripted"


def test_a_model_built_from_an_api_object_says_how_to_pickle_it() -> None:
    from modelkit.providers.mockllm import MockLLM

    model = modelkit.Model(MockLLM("model"))
    with pytest.raises(pickle.PicklingError, match="get_model"):
        pickle.dumps(model)


@pytest.mark.parametrize(
    "reply", [Reply(reset_after=5), Reply(delay=5)], ids=["connection", "timeout"]
)
def test_an_errors_cause_chain_carries_no_key(loopback: LoopbackServer, reply: Reply) -> None:
    """Picklers that keep an exception's cause and context (``tblib``, which
    Dask installs in every worker) must not ship the request's headers."""
    loopback.default = reply
    model = modelkit.get_model("vllm/served", base_url=f"{loopback.url}/v1", api_key="sk-CHAIN")
    with pytest.raises(errors.APIError) as caught:
        model.generate("hi", config={"max_retries": 0, "timeout": 0.3})
    chain: List[BaseException] = []
    current: Any = caught.value
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    assert len(chain) > 1  # the requests exception is kept as the cause
    for link in chain:
        assert b"sk-CHAIN" not in pickle.dumps(vars(link))
        assert "sk-CHAIN" not in repr(vars(link))
