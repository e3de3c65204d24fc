"""``token_limit``'s ``type=`` formulas, ``TokenLimit`` and the token-limit helpers,
as Inspect 0.3.285's (inspect_ai/util/_limit.py: ``_compile_token_formula``,
``_TokenMetering``, ``TokenLimit``, ``token_limit_usage``,
``parse_token_limit``): ``input`` is the true prompt size (cache reads and
writes included), ``output`` the output tokens; the formula is evaluated over
the block's totals and floored. Usage comes from a loopback OpenAI
chat-completions server whose ``usage`` carries
``prompt_tokens_details.cached_tokens`` and
``completion_tokens_details.reasoning_tokens``
(https://platform.openai.com/docs/api-reference/chat/object), or from
``mockllm`` outputs with set usage."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from loopback import LoopbackServer, Received, Reply, chat_completion

from modelkit import (
    ConfigError,
    LimitExceededError,
    ModelOutput,
    ModelUsage,
    TokenLimit,
    get_model,
    parse_token_limit,
    token_limit,
    token_limit_usage,
)
from modelkit._engine import observe
from modelkit.limits._observer import OBSERVER

FORMULA = "(input * 0.1) + output"


@pytest.fixture(autouse=True)
def no_limit_left() -> Iterator[None]:
    yield
    assert OBSERVER not in observe.observers


def cached_usage(received: Received) -> Reply:
    """1,000 prompt tokens of which 600 cached; 20 completion tokens of which 5 reasoning."""
    body = chat_completion()
    body["usage"] = {
        "prompt_tokens": 1000,
        "completion_tokens": 20,
        "total_tokens": 1020,
        "prompt_tokens_details": {"cached_tokens": 600},
        "completion_tokens_details": {"reasoning_tokens": 5},
    }
    return Reply(body=body)


def answer(input: int, output: int, cache_read: Optional[int] = None) -> ModelOutput:
    output_ = ModelOutput.from_content("m", "ok")
    output_.usage = ModelUsage(
        input_tokens=input,
        output_tokens=output,
        total_tokens=input + output + (cache_read or 0),
        input_tokens_cache_read=cache_read,
    )
    return output_


def test_a_formula_meters_the_true_prompt_and_the_output(loopback: LoopbackServer) -> None:
    loopback.default = cached_usage
    model = get_model("openai/gpt-4o", base_url=loopback.url, api_key="sk-test-formula")
    with token_limit(360, type=FORMULA) as limit:
        model.generate("one")
        assert limit.usage == 120  # 1,000 * 0.1 + 20: the cached 600 are input too
        model.generate("two")
        model.generate("three")
        with pytest.raises(LimitExceededError) as raised:
            model.generate("four")
    assert loopback.count == 3  # the fourth request was not sent
    error = raised.value
    assert (error.type, error.value, error.limit, error.source) == ("token", 360, 360, limit)
    assert error.message == f"Token limit reached ({FORMULA}). value: 360; limit: 360"


def test_the_formula_is_evaluated_over_the_totals_and_floored() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(1, 0, cache_read=2)] * 10)
    with token_limit(None, type="input * 0.1") as limit:
        seen = []
        for _ in range(10):
            model.generate("x")
            seen.append(limit.usage)
    # 0.3 a call: floor(0.3), floor(0.6), floor(0.9), floor(1.2)... as Inspect over the sum
    assert seen == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]


def test_a_crossing_response_raises_with_the_formula_in_the_message() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(10, 4)] * 3)
    with pytest.raises(LimitExceededError) as raised:
        with token_limit(10, type="output * 2 - input / 10"):  # 8 - 1 = 7 a call
            model.generate("a")
            model.generate("b")
    assert (
        raised.value.message
        == "Token limit exceeded (output * 2 - input / 10). value: 14; limit: 10"
    )


def test_nested_limits_each_meter_their_own_type() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(30, 10)] * 4)
    with token_limit(None) as everything, token_limit(None, type="output") as outputs:
        with token_limit(None, type="input / 3") as third:
            model.generate("a")
            model.generate("b")
    assert (everything.usage, outputs.usage, third.usage) == (80, 20, 20)


@pytest.mark.parametrize(
    ("formula", "named"),
    [
        ("input ** 2", "the operator in 'input ** 2'"),
        ("input // 2", "the operator in 'input // 2'"),
        ("tokens + 1", "unknown name 'tokens'"),
        ("__import__('os').system('touch PWNED')", "__import__('os').system('touch PWNED')"),
        ("input.real", "'input.real' is not allowed"),
        ("input if output else 1", "'input if output else 1' is not allowed"),
        ("max(input, output)", "'max(input, output)' is not allowed"),
        ("input < output", "'input < output' is not allowed"),
        ("True + input", "'True' is not allowed"),
        ("'1' + input", "\"'1'\" is not allowed"),
        ("1j * input", "'1j' is not allowed"),
        ("1e999 * input", "the number inf is not finite"),
        ("output / 0", "divides by zero"),
        ("(input + ", "not an arithmetic expression"),
        ("input; output", "not an arithmetic expression"),
        ("", "not an arithmetic expression"),
        ("-" * 600 + "1", "longer than 500 characters"),
    ],
)
def test_a_bad_formula_is_refused_naming_the_bad_part(
    formula: str, named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as raised:
        token_limit(10, type=formula)
    assert named in str(raised.value)
    said = str(raised.value)
    assert "'input'" in said and "'output'" in said  # and says what is allowed
    with pytest.raises(ConfigError):
        TokenLimit(tokens=10, type=formula)
    assert not (tmp_path / "PWNED").exists()  # never evaluated


def test_what_formulas_may_use() -> None:
    for formula in ("input", "-input + 2 * output", "+(output - 1.5) / 4", " (input*0.1)+output "):
        with token_limit(5, type=formula) as limit:
            assert limit.usage == int(limit.usage)  # type: ignore[attr-defined]


def test_a_division_by_zero_midway_stops_the_block() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(5, 1)] * 2)
    with token_limit(1000, type="output / (input - 5)") as limit:
        assert limit.usage == 0  # 0 / -5 before any call
        with pytest.raises(LimitExceededError):
            model.generate("a")  # 1 / 0: fails closed instead of letting the block run on
        with pytest.raises(LimitExceededError):
            model.generate("b")


def test_token_limit_value() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(30, 10)] * 3)
    with token_limit(TokenLimit(tokens=20, type="output")) as limit:
        model.generate("a")
        model.generate("b")
        with pytest.raises(LimitExceededError, match="Output token limit reached. value: 20"):
            model.generate("c")
    assert limit.type == "output" and limit.limit == 20  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="not both"):
        token_limit(TokenLimit(tokens=5), type="output")
    for bad in (-1, 1.5, True, "5"):
        with pytest.raises(ConfigError, match="TokenLimit.tokens"):
            TokenLimit(tokens=bad)  # type: ignore[arg-type]
    spec = TokenLimit(tokens=7, type=FORMULA)
    assert spec.model_dump() == {"tokens": 7, "type": FORMULA}
    assert TokenLimit.model_validate(spec.model_dump()) == spec
    assert TokenLimit(5) == TokenLimit(tokens=5, type="all")


def test_token_limit_usage_is_the_outermost_limits_metered_usage() -> None:
    model = get_model("mockllm/model", custom_outputs=[answer(30, 10)] * 3)
    assert token_limit_usage() is None  # no limit in force
    with token_limit(None):
        model.generate("a")
        assert token_limit_usage() is None  # the outermost has no limit (Inspect: unlimited)
    with token_limit(1000, type="output"):
        with token_limit(500):
            model.generate("b")
            model.generate("c")
            assert token_limit_usage() == 20  # the outer one's output tokens
    assert token_limit_usage() is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500000", 500_000),
        ("500k", 500_000),
        (" 1.5M ", 1_500_000),
        ("2b", 2_000_000_000),
        ("all:10", 10),
        ("output:1m", TokenLimit(tokens=1_000_000, type="output")),
        ("OUTPUT:2k", TokenLimit(tokens=2_000, type="output")),
        ("(input*0.1)+output:2.5k", TokenLimit(tokens=2_500, type="(input*0.1)+output")),
    ],
)
def test_parse_token_limit(text: str, expected: Any) -> None:
    assert parse_token_limit(text) == expected


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("1.0005k", "whole number"),
        ("ten", "expected [<type>:]<number>"),
        ("output:", "expected [<type>:]<number>"),
        ("-5", "expected [<type>:]<number>"),
        ("input**2:5", "the operator"),
    ],
)
def test_parse_token_limit_refuses(text: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said.replace("[", r"\[").replace("*", r"\*")):
        parse_token_limit(text)
