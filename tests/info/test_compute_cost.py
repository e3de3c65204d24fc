"""``compute_model_cost``: Inspect's arithmetic, the 1-hour write rate, long prompts.

Inspect 0.3.285 ``inspect_ai/model/_model.py::compute_model_cost``: each kind
of token at its price per million; with ``cache_ttl="1h"`` cache writes cost
``input_cache_write * 2 / 1.25``. Anthropic's pricing page
(https://platform.claude.com/docs/en/about-claude/pricing): 5-minute writes
1.25x base input, 1-hour writes 2x. xAI's Grok 4.20 page
(https://docs.x.ai/developers/models/grok-4.20-0309.md): a prompt that
reaches 200k tokens is billed at the higher rate for all its tokens.
"""

from __future__ import annotations

import pytest

from modelkit import ModelCost, ModelUsage, compute_model_cost, get_model_info

SONNET = ModelCost(input=3.0, output=15.0, input_cache_write=3.75, input_cache_read=0.3)


def test_each_kind_of_token_at_its_price() -> None:
    usage = ModelUsage(
        input_tokens=1_000,
        output_tokens=2_000,
        input_tokens_cache_write=10_000,
        input_tokens_cache_read=100_000,
        reasoning_tokens=1_500,  # part of output_tokens: not billed twice
    )
    expected = (1_000 * 3.0 + 2_000 * 15.0 + 10_000 * 3.75 + 100_000 * 0.3) / 1e6
    assert compute_model_cost(SONNET, usage) == pytest.approx(expected)


def test_a_one_hour_cache_write_costs_twice_the_input_price() -> None:
    usage = ModelUsage(input_tokens_cache_write=1_000_000)
    assert compute_model_cost(SONNET, usage) == pytest.approx(3.75)  # 1.25x
    assert compute_model_cost(SONNET, usage, cache_ttl="1h") == pytest.approx(6.0)  # 2x
    assert compute_model_cost(SONNET, usage, cache_ttl="5m") == pytest.approx(3.75)


def test_the_bundled_1h_rates_match_the_pages() -> None:
    # The pages list the 1h write beside the 5m one: Opus 5 $10, Sonnet 5 $4,
    # Fable 5.1 and Fable 5 $20 (https://platform.claude.com/docs/en/about-claude/pricing).
    for name, one_hour in (
        ("anthropic/claude-opus-5", 10.0),
        ("anthropic/claude-sonnet-5", 4.0),
        ("anthropic/claude-fable-5-1", 20.0),
        ("anthropic/claude-fable-5", 20.0),
    ):
        info = get_model_info(name)
        assert info is not None and info.cost is not None
        usage = ModelUsage(input_tokens_cache_write=1_000_000)
        assert compute_model_cost(info.cost, usage, cache_ttl="1h") == pytest.approx(one_hour)


def test_a_long_prompt_is_billed_entirely_at_the_long_prompt_prices() -> None:
    info = get_model_info("grok/grok-4.20")
    assert info is not None and info.cost is not None
    short = ModelUsage(input_tokens=199_000, output_tokens=1_000, input_tokens_cache_read=999)
    assert compute_model_cost(info.cost, short) == pytest.approx(
        (199_000 * 1.25 + 1_000 * 2.5 + 999 * 0.2) / 1e6
    )
    reaching = ModelUsage(input_tokens=199_000, output_tokens=1_000, input_tokens_cache_read=1_000)
    assert compute_model_cost(info.cost, reaching) == pytest.approx(
        (199_000 * 2.5 + 1_000 * 5.0 + 1_000 * 0.4) / 1e6
    )


def test_usage_adds_its_cost_and_unknown_stays_unknown() -> None:
    assert (ModelUsage(total_cost=0.5) + ModelUsage(total_cost=0.25)).total_cost == 0.75
    assert (ModelUsage() + ModelUsage()).total_cost is None
    assert (ModelUsage(total_cost=0.5) + ModelUsage()).total_cost == 0.5
    assert ModelUsage.from_dict(ModelUsage(total_cost=0.125).to_dict()).total_cost == 0.125
