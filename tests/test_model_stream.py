"""``Model.stream``: events, the final output, the cache, usage, and mockllm's scripted chunks."""

from __future__ import annotations

from typing import Any, List

import pytest

from modelkit import CachePolicy, get_model
from modelkit._events import ReasoningDelta, StreamEnd, TextDelta, ToolCallDelta
from modelkit.api import ModelAPI, modelapi
from modelkit.errors import APIConnectionError, ConfigError
from modelkit.messages import ContentReasoning, ContentText
from modelkit.output import ModelOutput


def test_scripted_chunks_stream_and_add_up_to_the_output() -> None:
    chunks = [
        ReasoningDelta("Think. ", signature="sig-1"),
        "Hel",
        "lo",
        ToolCallDelta(0, "call_1", "add", '{"a": 1,'),
        ToolCallDelta(0, None, None, ' "b": 2}'),
    ]
    model = get_model("mockllm/model", custom_outputs=[chunks, chunks], memoize=False)
    with model.stream("hi there") as stream:
        events = list(stream)
    assert events[:-1] == [
        ReasoningDelta("Think. ", signature="sig-1"),
        TextDelta("Hel"),
        TextDelta("lo"),
        ToolCallDelta(0, "call_1", "add", '{"a": 1,'),
        ToolCallDelta(0, None, None, ' "b": 2}'),
    ]
    output = stream.output
    assert isinstance(events[-1], StreamEnd) and events[-1].output is output
    assert output is not None
    assert output.message.content == [
        ContentReasoning("Think. ", "sig-1"),
        ContentText(text="Hello"),
    ]
    assert output.message.tool_calls[0].arguments == {"a": 1, "b": 2}
    assert output.stop_reason == "tool_calls"
    assert output.usage is not None and output.usage.input_tokens == 2
    generated = model.generate("hi there")
    output.time = generated.time = None
    assert generated == output
    assert model.usage.input_tokens == 4


def test_an_exception_in_the_script_fails_the_stream_with_the_partial_output() -> None:
    cut = APIConnectionError("cut", provider="mockllm")
    model = get_model("mockllm/model", custom_outputs=[["one ", "two ", cut, "three"]])
    seen: List[Any] = []
    with pytest.raises(APIConnectionError) as caught:
        for event in model.stream("hi", config={"max_retries": 0}):
            seen.append(event)
    assert seen == [TextDelta("one "), TextDelta("two ")]
    assert caught.value.output.completion == "one two "


def test_a_failure_before_the_first_event_is_retried() -> None:
    cut = APIConnectionError("cut", provider="mockllm")
    model = get_model("mockllm/model", custom_outputs=[[cut], ["ok"]])
    assert model.stream("hi", config={"max_retries": 1}).final_output().completion == "ok"


def test_bad_chunks_are_a_config_error() -> None:
    model = get_model("mockllm/model", custom_outputs=[["ok", 42]])
    with pytest.raises(ConfigError, match="got int"):
        list(model.stream("hi"))


def test_cache_hit_replays_as_a_stream_and_a_completed_stream_is_stored() -> None:
    model = get_model("mockllm/model", custom_outputs=[["Paris ", "is ", "the ", "capital."]])
    first = model.stream("capital?", cache=True).final_output()
    assert first.cached is None
    with model.stream("capital?", cache=CachePolicy(expiry="1D")) as stream:
        events = list(stream)
    assert events[:-1] == [TextDelta("Paris is the capital.")]
    assert stream.output is not None and stream.output.cached is True
    assert stream.output.completion == first.completion
    assert model.generate("capital?", cache=True).cached is True  # one entry for both paths


def test_an_interrupted_stream_is_not_stored() -> None:
    model = get_model("mockllm/model", custom_outputs=[["a ", "b ", "c"], ["fresh"]])
    for _ in model.stream("q", cache=True):
        break
    assert model.stream("q", cache=True).final_output().completion == "fresh"


def test_text_final_output_and_single_iteration() -> None:
    model = get_model("mockllm/model", custom_outputs=[["a", "b"], ["c"]])
    stream = model.stream("hi")
    assert list(stream.text()) == ["a", "b"]
    assert stream.final_output().completion == "ab"
    with pytest.raises(RuntimeError, match="only once"):
        iter(stream)
    closed = model.stream("hi")
    closed.close()
    assert "open" in repr(closed)


def test_providers_without_streaming_replay_their_generated_output() -> None:
    @modelapi("plain-test")
    class PlainAPI(ModelAPI):
        def generate(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
            return ModelOutput.from_content(self.model_name, "whole answer")

    events = list(get_model("plain-test/m").stream("hi"))
    assert events[0] == TextDelta("whole answer")
    assert events[-1].output.completion == "whole answer"
