"""Compaction as an Inspect 0.3.285 user writes it (``inspect_ai.model._compaction``), synchronously.

``compaction(strategy, prefix, tools=, model=)`` gives a handler whose
``compact_input`` returns the input to send and ``record_output`` takes
each output; the strategies trim, edit, summarise, or ask the provider
(native; mockllm has none, so ``NotImplementedError`` as in Inspect, and
``CompactionAuto`` summarises instead). Token counts are the model's own
``count_tokens`` (mockllm: the offline estimate), as Inspect counts.
"""

from __future__ import annotations

import logging
from typing import Any, List

import pytest

from modelkit import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    Compact,
    CompactionAuto,
    CompactionEdit,
    CompactionNative,
    CompactionResult,
    CompactionStrategy,
    CompactionSummary,
    CompactionTrim,
    ContentReasoning,
    ContentText,
    ModelInfo,
    ModelOutput,
    ModelUsage,
    ToolCall,
    compaction,
    get_model,
    set_model_info,
)
from modelkit.errors import ConfigError

LONG = "lorem ipsum dolor sit amet " * 40  # ~270 tokens by the estimate


def history(turns: int, text: str = LONG) -> List[Any]:
    messages: List[Any] = [
        ChatMessageSystem(content="You are terse."),
        ChatMessageUser(content="Do the task.", source="input"),
    ]
    for n in range(turns):
        call = ToolCall(id=f"c{n}", function="look", arguments={"n": n})
        messages.append(ChatMessageAssistant(content=f"step {n}", tool_calls=[call]))
        messages.append(
            ChatMessageTool(content=f"{n}: {text}", tool_call_id=f"c{n}", function="look")
        )
    return messages


def test_below_the_threshold_the_input_is_the_history() -> None:
    model = get_model("mockllm/model", memoize=False)
    messages = history(2)
    handler: Compact = compaction(
        CompactionTrim(threshold=100_000), prefix=messages[:2], model=model
    )
    input, extra = handler.compact_input(messages)
    assert input == messages and extra is None
    messages.append(ChatMessageUser(content="more"))
    input, extra = handler.compact_input(messages)
    assert input == messages  # the new message is added to the input kept so far


def test_trim_over_the_threshold_keeps_system_input_and_the_latest_turns() -> None:
    model = get_model("mockllm/model", memoize=False)
    messages = history(10)
    total = model.count_tokens(messages)
    handler = compaction(
        CompactionTrim(threshold=total // 2, preserve=0.3), messages[:2], model=model
    )
    input, extra = handler.compact_input(messages)
    assert extra is None
    assert input[:2] == messages[:2]  # system and input kept
    assert len(input) < len(messages) and model.count_tokens(input) <= total // 2
    assert input[-1].role == "tool" and input[-1].text.startswith("9: ")  # the latest turn
    kept_calls = {c.id for m in input if m.role == "assistant" for c in m.tool_calls or []}
    kept_results = {m.tool_call_id for m in input if m.role == "tool"}
    assert kept_calls == kept_results  # every call answered, every result called


def test_a_threshold_no_strategy_reaches_is_a_runtime_error() -> None:
    model = get_model("mockllm/model", memoize=False)
    messages = history(3)
    prefix_tokens = model.count_tokens(messages[:2])
    handler = compaction(CompactionTrim(threshold=prefix_tokens - 1), messages[:2], model=model)
    with pytest.raises(RuntimeError, match="Compaction insufficient"):
        handler.compact_input(messages)


def test_a_share_of_the_context_window_reads_the_models_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    set_model_info("mockllm/windowed", ModelInfo(context_length=2_000))
    model = get_model("mockllm/windowed", memoize=False)
    messages = history(10)  # ~2,800 tokens: over 90% of 2,000
    input, _ = compaction(CompactionTrim(), messages[:2], model=model).compact_input(messages)
    assert model.count_tokens(input) <= 1_800 < model.count_tokens(messages)
    unknown = get_model("mockllm/unknown", memoize=False)
    with caplog.at_level(logging.WARNING, logger="modelkit"):
        input, _ = compaction(CompactionTrim(), messages[:2], model=unknown).compact_input(messages)
    assert input == messages  # 90% of the default 128,000
    assert "falling back to the default of 128000" in caplog.text


def test_record_output_makes_the_apis_count_the_baseline() -> None:
    model = get_model("mockllm/model", memoize=False)
    messages = history(2)
    handler = compaction(CompactionTrim(threshold=5_000, preserve=0.5), messages[:2], model=model)
    input, _ = handler.compact_input(messages)
    assert input == messages
    usage = ModelUsage(input_tokens=4_000, input_tokens_cache_read=1_500, output_tokens=5)
    handler.record_output(input, ModelOutput(model="model", usage=usage))
    messages.append(ChatMessageUser(content="next"))
    input, _ = handler.compact_input(messages)  # 5,500 by the API's count: compact
    assert len(input) < len(messages)


def test_force_compacts_below_the_threshold() -> None:
    model = get_model("mockllm/model", memoize=False)
    messages = history(6)
    handler = compaction(CompactionTrim(threshold=100_000, preserve=0.5), messages[:2], model=model)
    input, _ = handler.compact_input(messages, force=True)
    assert len(input) < len(messages)


def test_edit_clears_old_tool_results_and_reasoning() -> None:
    messages = history(5, text="result")
    messages[2] = ChatMessageAssistant(
        content=[ContentReasoning(reasoning="old thought"), ContentText(text="step 0")],
        tool_calls=messages[2].tool_calls,
    )
    messages.append(
        ChatMessageAssistant(content=[ContentReasoning(reasoning="new"), ContentText(text="done")])
    )
    edited, extra = CompactionEdit(keep_tool_uses=2).compact(None, messages, [])
    assert extra is None
    results = [m.text for m in edited if m.role == "tool"]
    assert results == ["(Tool result removed)"] * 3 + ["3: result", "4: result"]
    assert edited[-1].role == "tool"  # the trailing assistant message goes
    assert edited[2].content == [ContentText(text="step 0")]  # older reasoning cleared
    assert messages[2].content[0] == ContentReasoning(reasoning="old thought")  # input untouched
    assert edited[3].id != messages[3].id  # edited messages are new ones


def test_edit_without_tool_inputs_removes_the_calls_and_says_so() -> None:
    messages = history(3, text="result")
    strategy = CompactionEdit(keep_tool_uses=1, keep_tool_inputs=False, exclude_tools=None)
    edited, _ = strategy.compact(None, messages, [])
    assert [m.role for m in edited] == [
        "system",
        "user",
        "assistant",
        "assistant",
        "assistant",
        "tool",
    ]
    assert edited[2].tool_calls is None
    assert edited[2].text.endswith(
        "[Tool call: look (parameters and results removed from history)]"
    )
    excluded, _ = CompactionEdit(keep_tool_uses=0, exclude_tools=["look"]).compact(
        None, messages, []
    )
    assert [m.text for m in excluded if m.role == "tool"] == ["0: result", "1: result", "2: result"]


def summarizer(answers: List[str], seen: List[List[Any]]) -> Any:
    def answer(input: Any, tools: Any, tool_choice: Any, config: Any) -> str:
        seen.append(list(input))
        return answers.pop(0)

    return answer


def test_summary_replaces_the_conversation_and_drops_the_analysis() -> None:
    seen: List[List[Any]] = []
    answers = ["<analysis>thinking</analysis>\n<summary>Looked at 0..5.</summary>"]
    model = get_model("mockllm/model", custom_outputs=summarizer(answers, seen), memoize=False)
    messages = history(6)
    handler = compaction(CompactionSummary(threshold=1_000), messages[:2], model=model)
    input, summary = handler.compact_input(messages)
    assert summary is not None and summary.metadata == {"summary": True}
    assert input == [messages[0], messages[1], summary]
    assert "<summary>Looked at 0..5.</summary>" in summary.text
    assert "thinking" not in summary.text and "not a message from the user" in summary.text
    request = seen[0]
    assert request[:-1] == messages and "<analysis>" in request[-1].text  # history + prompt


def test_a_later_summary_starts_from_the_last_one() -> None:
    seen: List[List[Any]] = []
    answers = ["first", "second"]
    model = get_model("mockllm/model", custom_outputs=summarizer(answers, seen), memoize=False)
    messages = history(6)
    handler = compaction(CompactionSummary(threshold=1_000), messages[:2], model=model)
    _input, summary = handler.compact_input(messages)
    messages.append(summary)
    messages.extend(history(6)[2:])
    handler.compact_input(messages)
    second = seen[1]
    assert second[:3] == [messages[0], messages[1], summary]  # nothing older than it


def test_summary_instructions_reach_the_prompt() -> None:
    seen: List[List[Any]] = []
    model = get_model("mockllm/model", custom_outputs=summarizer(["ok"], seen), memoize=False)
    strategy = CompactionSummary(
        instructions="Keep every file name.", prompt="Summarise. {addendums}"
    )
    _input, summary = strategy.compact(model, history(1), [])
    assert seen[0][-1].text == "Summarise. Keep every file name."
    assert summary is not None and "ok" in summary.text


def test_native_without_a_provider_api_is_not_implemented_as_in_inspect() -> None:
    model = get_model("mockllm/model", memoize=False)
    with pytest.raises(
        NotImplementedError, match="does not support native compaction.*CompactionAuto"
    ):
        CompactionNative().compact(model, history(1), [])
    with pytest.raises(NotImplementedError):
        model.compact(history(1))


def test_auto_summarises_where_native_is_not_available() -> None:
    seen: List[List[Any]] = []
    model = get_model("mockllm/model", custom_outputs=summarizer(["S"], seen), memoize=False)
    outcome = CompactionAuto().compact_outcome(model, history(2), [])
    assert isinstance(outcome, CompactionResult)
    assert outcome.applied == "CompactionSummary" and outcome.preserve_prefix is True
    assert outcome.fallback_reason is not None
    assert outcome.fallback_reason.startswith("native compaction not supported")
    assert outcome.message is not None and "S" in outcome.message.text


def test_a_memory_tool_gets_one_warning_near_the_threshold() -> None:
    def memory(command: str, path: str = "") -> str:
        """Save notes.

        Args:
            command: what to do.
            path: where.
        """
        return "ok"

    model = get_model("mockllm/model", memoize=False)
    messages = history(3)
    total = model.count_tokens(messages) + model.count_tool_tokens([memory])
    handler = compaction(
        CompactionTrim(threshold=int(total / 0.95)), messages[:2], tools=[memory], model=model
    )
    input, _ = handler.compact_input(messages)
    assert input[-1].role == "user" and "Use memory() to save" in input[-1].text
    input, _ = handler.compact_input(messages)
    assert sum("Use memory()" in m.text for m in input) == 1  # once per window


def test_a_custom_strategy_written_for_inspect_runs() -> None:
    class KeepLast(CompactionStrategy):
        def __init__(self, threshold: int) -> None:
            super().__init__(type="trim", threshold=threshold)

        async def compact(
            self, model: Any, messages: Any, tools: Any
        ) -> Any:  # Inspect's async def
            return messages[-1:], None

    model = get_model("mockllm/model", memoize=False)
    messages = history(3)
    threshold = model.count_tokens(messages[:2] + messages[-1:]) + 1
    assert model.count_tokens(messages) > threshold
    handler = compaction(KeepLast(threshold), messages[:2], model=model)
    input, _ = handler.compact_input(messages)
    assert input == messages[:2] + messages[-1:]  # the prefix put back


def test_bad_arguments_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="threshold"):
        CompactionTrim(threshold="lots")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="preserve"):
        CompactionTrim(preserve=2)
    with pytest.raises(ConfigError, match="keep_tool_uses"):
        CompactionEdit(keep_tool_uses=-1)
    with pytest.raises(ConfigError, match="CompactionStrategy"):
        compaction("trim", [], model="mockllm/model")  # type: ignore[arg-type]


def test_generate_loop_compacts_a_long_tool_loop() -> None:
    seen: List[List[Any]] = []

    def answer(input: Any, tools: Any, tool_choice: Any, config: Any) -> Any:
        seen.append(list(input))
        turn = len(seen)
        if turn <= 6:
            call = ToolCall(id=f"c{turn}", function="fetch", arguments={"n": turn})
            return ModelOutput.for_tool_call(
                "mockllm/model", call.function, call.arguments, call.id
            )
        return "done"

    def fetch(n: int) -> str:
        """Fetch a page.

        Args:
            n: which.
        """
        return f"page {n}: {LONG}"

    model = get_model("mockllm/model", custom_outputs=answer, memoize=False)
    prompt = [ChatMessageUser(content="Read the pages.", source="input")]
    handler = compaction(
        CompactionEdit(threshold=1_000, keep_tool_uses=1), prompt, tools=[fetch], model=model
    )
    messages, output = model.generate_loop(prompt, tools=[fetch], compaction=handler)
    assert output.completion == "done"
    late = seen[-1]
    assert "(Tool result removed)" in [m.text for m in late if m.role == "tool"]
    assert all(model.count_tokens(request) <= 1_000 for request in seen)
    assert sum(m.role == "tool" for m in messages) == 6  # the history keeps every result
