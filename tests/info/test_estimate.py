"""The offline token estimate: close to a real tokenizer on text, code and JSON.

Reference counts are the Llama 3 tokenizer's (128k byte-level BPE, as
``scripts/measure_token_estimate.py`` runs it from llama.cpp's
``ggml-vocab-llama-bpe.gguf``), measured once and written here; the corpus-wide
figures are in docs/cost.md. Media as Inspect estimates them
(``inspect_ai/model/_tokens.py``: 85 / 765 tokens per image by detail).
"""

from __future__ import annotations

import pytest

from modelkit import ChatMessageAssistant, ChatMessageUser, ContentImage, ContentText, ToolCall
from modelkit.info._estimate import (
    MESSAGE_OVERHEAD,
    estimate_text_tokens,
    estimate_tokens,
    estimate_tool_tokens,
)
from modelkit.tools import ToolInfo

PROSE = (
    "Every output says what its call cost in dollars. Prices come from a table bundled with "
    "the package, read on first use and never fetched; a model the table has no price for "
    "costs nothing measurable, and an answer from the response cache costs zero."
)
CODE = (
    "def compute_model_cost(cost_data, usage, cache_ttl=None):\n"
    "    read = usage.input_tokens_cache_read or 0\n"
    "    write = usage.input_tokens_cache_write or 0\n"
    '    if cache_ttl == "1h":\n'
    "        write_price = cost_data.input_cache_write * 1.6\n"
    "    return (usage.input_tokens * cost_data.input + read * cost_data.input_cache_read)"
    " / 1_000_000\n"
)
JSON = (
    '{"model": "claude-opus-5", "max_tokens": 1024, "messages": [{"role": "user", "content": '
    '[{"type": "text", "text": "What is 2 + 2?"}]}], "usage": {"input_tokens": 12345, '
    '"output_tokens": 678}}'
)


@pytest.mark.parametrize(
    ("text", "llama3", "tolerance"),
    [(PROSE, 50, 0.05), (CODE, 88, 0.05), (JSON, 70, 0.15), ("Hello world", 2, 0.0)],
)
def test_close_to_the_llama3_tokenizer(text: str, llama3: int, tolerance: float) -> None:
    assert abs(estimate_text_tokens(text) - llama3) <= tolerance * llama3


def test_pieces_are_priced_by_kind() -> None:
    assert estimate_text_tokens("") == 0
    assert estimate_text_tokens("internationalization") == 2  # > 10 letters
    assert estimate_text_tokens("1234567") == 3  # digits in threes
    assert estimate_text_tokens("a\n        b") == 3  # newline + indentation is one
    assert estimate_text_tokens("数数数数数数") == 5  # 1.2 CJK characters a token


def test_messages_media_and_tool_calls() -> None:
    call = ToolCall(id="c1", function="add", arguments={"a": 1, "b": 2})
    messages = [
        ChatMessageUser(
            content=[ContentText(text="Hello"), ContentImage(image="x.png", detail="low")]
        ),
        ChatMessageUser(content=[ContentImage(image="y.png")]),
        ChatMessageAssistant(content="", tool_calls=[call]),
    ]
    arguments = estimate_text_tokens('{"a": 1, "b": 2}')
    expected = 3 * MESSAGE_OVERHEAD + 1 + 85 + 765 + 1 + arguments
    assert estimate_tokens(messages) == expected
    assert estimate_tokens([]) == 1


def test_tool_definitions() -> None:
    tool = ToolInfo.from_dict(
        {
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "the city"}},
                "required": ["city"],
            },
        }
    )
    assert 20 < estimate_tool_tokens([tool]) < 80
    assert estimate_tool_tokens([]) == 0
