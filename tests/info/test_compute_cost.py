"""``compute_model_cost``: Inspect's arithmetic, the 1-hour write rate, long prompts.

Inspect 0.3.285 ``inspect_ai/model/_model.py::compute_model_cost``: each kind
of token at its price per million; with ``cache_ttl="1h"`` cache writes cost
``input_cache_write * 2 / 1.25``. Anthropic's pricing page
(https://platform.claude.com/docs/en/about-claude/pricing): 5-minute writes
1.25x base input, 1-hour writes 2x. xAI's Grok 4.20 page
(https://docs.x.ai/developers/models/grok-4.20-0309.md): a prompt that
reaches 200k tokens is billed at the higher rate for all its tokens.
DeepSeek's Models & Pricing page (https://api-docs.deepseek.com/quick_start/pricing
and its zh-cn twin): off-peak at half the peak rates, peak being Beijing time
Monday to Friday 9:00-12:00 and 14:00-18:00.
"""

from __future__ import annotations

import datetime

import pytest

from modelkit import ModelCost, ModelUsage, compute_model_cost, get_model_info
from modelkit.errors import ConfigError
from modelkit.info import PeakHours

UTC = datetime.timezone.utc
OFFSET = datetime.timedelta(hours=8)  # 18:00 Beijing on a Monday: peak ends

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


def test_usage_adds_each_optional_count_and_none_stays_none() -> None:
    one = ModelUsage(1, 2, 3, input_tokens_cache_write=4, input_tokens_cache_read=None)
    two = ModelUsage(10, 20, 30, input_tokens_cache_read=5, reasoning_tokens=None)
    total = one + two
    assert (total.input_tokens, total.output_tokens, total.total_tokens) == (11, 22, 33)
    assert (total.input_tokens_cache_write, total.input_tokens_cache_read) == (4, 5)
    assert total.reasoning_tokens is None and total.total_cost is None
    three = ModelUsage(reasoning_tokens=0, input_tokens_cache_write=2)
    assert (total + three).reasoning_tokens == 0
    assert (total + three).input_tokens_cache_write == 6


BEIJING_WEEKDAYS = PeakHours(
    utc_offset="+08:00",
    weekdays=["Mon", "Tue", "Wed", "Thu", "Fri"],
    hours=["09:00-12:00", "14:00-18:00"],
)
PEAK = ModelCost(
    input=1.32,
    output=3.96,
    input_cache_write=1.32,
    input_cache_read=0.044,
    off_peak=ModelCost(input=0.66, output=1.98, input_cache_write=0.66, input_cache_read=0.022),
    peak_hours=BEIJING_WEEKDAYS,
)


@pytest.mark.parametrize(
    ("moment", "peak"),
    [
        (datetime.datetime(2026, 12, 7, 0, 59, tzinfo=UTC), False),  # Mon 08:59 Beijing
        (datetime.datetime(2026, 12, 7, 1, 0, tzinfo=UTC), True),  # 09:00: start included
        (datetime.datetime(2026, 12, 7, 3, 59, tzinfo=UTC), True),
        (datetime.datetime(2026, 12, 7, 4, 0, tzinfo=UTC), False),  # 12:00: end excluded
        (datetime.datetime(2026, 12, 7, 6, 0, tzinfo=UTC), True),  # 14:00
        (datetime.datetime(2026, 12, 7, 10, 0, tzinfo=UTC), False),  # 18:00
        (datetime.datetime(2026, 12, 4, 9, 59, tzinfo=UTC), True),  # Friday 17:59
        (datetime.datetime(2026, 12, 5, 2, 0, tzinfo=UTC), False),  # Saturday 10:00
        (datetime.datetime(2026, 12, 6, 20, 0), False),  # naive = UTC: Monday 04:00 Beijing
        (datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.timezone(OFFSET)), True),
    ],
)
def test_peak_hours_are_read_in_the_providers_clock(moment: datetime.datetime, peak: bool) -> None:
    assert BEIJING_WEEKDAYS.contains(moment) is peak


def test_an_off_peak_request_is_billed_at_the_off_peak_prices() -> None:
    usage = ModelUsage(
        input_tokens=1_000_000, output_tokens=1_000_000, input_tokens_cache_read=1_000_000
    )
    full = 1.32 + 3.96 + 0.044
    monday_10 = datetime.datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    saturday_10 = datetime.datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    assert compute_model_cost(PEAK, usage, at=monday_10) == pytest.approx(full)
    assert compute_model_cost(PEAK, usage, at=saturday_10) == pytest.approx(full / 2)
    assert compute_model_cost(PEAK, usage) == pytest.approx(full)  # no time: the full price


def test_off_peak_prices_read_back_from_json_and_are_checked() -> None:
    data = PEAK.to_dict()
    assert data["peak_hours"] == {
        "utc_offset": "+08:00",
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "hours": ["09:00-12:00", "14:00-18:00"],
    }
    assert ModelCost.from_dict(data) == PEAK
    with pytest.raises(ConfigError, match="go together"):
        ModelCost(1, 1, 1, 1, peak_hours=BEIJING_WEEKDAYS)
    for bad, message in (
        ({"utc_offset": "8", "weekdays": ["Mon"], "hours": ["09:00-12:00"]}, "utc_offset"),
        ({"utc_offset": "+08:00", "weekdays": ["Monday"], "hours": ["09:00-12:00"]}, "weekdays"),
        ({"utc_offset": "+08:00", "weekdays": ["Mon"], "hours": ["12:00-09:00"]}, "hours"),
        ({"utc_offset": "+08:00", "weekdays": ["Mon"], "hours": []}, "hours"),
    ):
        with pytest.raises(ConfigError, match=message):
            PeakHours.from_dict(bad)


def test_the_bundled_deepseek_prices_halve_off_peak() -> None:
    # api-docs.deepseek.com/quick_start/pricing: 'Off-peak rates are half of the peak rates'
    for name in ("deepseek/deepseek-flash", "deepseek/deepseek-v4-pro"):
        info = get_model_info(name)
        assert info is not None and info.cost is not None and info.cost.off_peak is not None
        for field in ("input", "output", "input_cache_write", "input_cache_read"):
            assert getattr(info.cost.off_peak, field) == pytest.approx(
                getattr(info.cost, field) / 2
            )
        assert info.cost.peak_hours == BEIJING_WEEKDAYS
