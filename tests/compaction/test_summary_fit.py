"""The summary request fits the summarising model's window, as Inspect 0.3.285 makes it fit.

Inspect's ``CompactionSummary`` (``inspect_ai/model/_compaction/summary.py``,
``_fit_summarization_input``) shrinks the biggest piece of tool output,
again and again, until the request and room for the answer (``max_tokens``,
at most half the window) fit the context window: text is cut in the middle
around "...[tool output truncated for summarization]...", media becomes
"[image elided for summarization]", each piece in its place, the caller's
messages untouched; an unknown window leaves the request as it is.
"""

from __future__ import annotations

import base64
from typing import Any, List

from modelkit import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    CompactionSummary,
    ContentImage,
    ContentText,
    GenerateConfig,
    ModelInfo,
    ToolCall,
    get_model,
    set_model_info,
)

MARKER = "\n\n...[tool output truncated for summarization]...\n\n"
PROMPT = "Summarise. {addendums}"  # short, so the tool output is what overflows
WORDS = "the quick brown fox jumps over a lazy dog " * 300  # ~2,700 tokens by the estimate


def conversation(tool_content: Any) -> List[Any]:
    call = ToolCall(id="c1", function="read_file", arguments={"path": "log.txt"})
    return [
        ChatMessageSystem(content="You are terse."),
        ChatMessageUser(content="Find the error in the log.", source="input"),
        ChatMessageAssistant(content="Reading it.", tool_calls=[call]),
        ChatMessageTool(content=tool_content, tool_call_id="c1", function="read_file"),
    ]


def summarised(name: str, window: int, messages: List[Any], **config: Any) -> List[Any]:
    """The request the summarising model received."""
    seen: List[List[Any]] = []

    def answer(input: Any, tools: Any, tool_choice: Any, settings: Any) -> str:
        seen.append(list(input))
        return "They were reading the log."

    set_model_info(f"mockllm/{name}", ModelInfo(context_length=window))
    model = get_model(
        f"mockllm/{name}", config=GenerateConfig(**config), custom_outputs=answer, memoize=False
    )
    _input, summary = CompactionSummary(prompt=PROMPT).compact(model, messages, [])
    assert summary is not None and "They were reading the log." in summary.text
    [request] = seen
    return request


def test_an_oversized_tool_output_is_cut_in_the_middle_until_the_request_fits() -> None:
    output = "START of log.txt\n" + WORDS + "\nEND of log.txt"
    messages = conversation(output)
    request = summarised("fit-text", 2_000, messages)
    tool = request[3]
    assert isinstance(tool, ChatMessageTool) and MARKER in tool.text
    assert tool.text.startswith("START of log.txt") and tool.text.endswith("END of log.txt")
    assert (tool.tool_call_id, tool.function) == ("c1", "read_file")
    assert len(tool.text) < len(output) // 2
    counter = get_model("mockllm/fit-text", memoize=False)
    assert counter.count_tokens(request) <= 2_000 - 1_000  # half the window kept for the answer
    assert request[:3] == messages[:3] and request[-1].text == "Summarise. "
    assert messages[3].text == output  # the caller's conversation is not changed


def test_media_in_a_tool_output_is_named_and_the_parts_keep_their_places() -> None:
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()
    parts = [ContentText(text="Screenshot of the error:"), ContentImage(image=png)]
    messages = conversation(parts)
    request = summarised("fit-media", 1_000, messages)  # an image (~765) is over 500
    assert request[3].content == [
        ContentText(text="Screenshot of the error:"),
        ContentText(text="[image elided for summarization]"),
    ]
    assert messages[3].content == parts


def test_the_models_max_tokens_is_the_room_kept_for_the_answer() -> None:
    messages = conversation(WORDS)  # ~2,750 tokens in all
    roomy = summarised("fit-roomy", 4_000, messages, max_tokens=500)  # fits under 3,500
    assert roomy[3] is messages[3]
    tight = summarised("fit-tight", 4_000, messages)  # no max_tokens: half the window, 2,000
    assert MARKER in tight[3].text


def test_an_unknown_window_or_a_request_that_fits_is_sent_as_it_is() -> None:
    messages = conversation(WORDS * 4)
    seen: List[List[Any]] = []

    def answer(input: Any, tools: Any, tool_choice: Any, settings: Any) -> str:
        seen.append(list(input))
        return "ok"

    unknown = get_model("mockllm/fit-unknown", custom_outputs=answer, memoize=False)
    CompactionSummary(prompt=PROMPT).compact(unknown, messages, [])
    assert seen[0][:4] == messages
    assert summarised("fit-wide", 1_000_000, messages)[:4] == messages


def test_a_short_output_that_cannot_shrink_is_left_alone() -> None:
    messages = conversation("short")
    messages[1] = ChatMessageUser(content=WORDS, source="input")  # the overflow is not tool output
    request = summarised("fit-stuck", 2_000, messages)
    assert request[:4] == messages
