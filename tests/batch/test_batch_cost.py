"""Batch results are priced at the provider's batch discount.

Anthropic's model pages (e.g.
https://platform.claude.com/docs/en/models/opus-5/overview): "Batch API: 50%
discount on input and output". The fake batch API is ``batch_fakes``
(shaped as test_batch_providers.py's docstring cites); each answer uses 5
input and 4 output tokens.
"""

from __future__ import annotations

import pytest
from batch_fakes import FakeAnthropic, FakeGemini
from loopback import LoopbackServer

from modelkit import get_model
from modelkit.config import BatchConfig
from modelkit.info import clear_model_info_cache

FAST = {"batch": BatchConfig(tick=0.001, max_tick=0.01)}
KEY = "sk-test-batch-key"


def test_anthropic_batch_results_cost_half() -> None:
    clear_model_info_cache()
    fake = FakeAnthropic()
    with LoopbackServer(default=fake) as server:
        fake.url = server.url
        model = get_model("anthropic/claude-sonnet-4-5", base_url=server.url, api_key=KEY)
        outputs = model.generate_many(["a", "b"], config=FAST)
    full = (5 * 3.0 + 4 * 15.0) / 1e6
    assert [o.usage.total_cost for o in outputs] == [pytest.approx(full / 2)] * 2
    assert model.usage.total_cost == pytest.approx(full)


def test_a_batch_of_a_model_without_a_price_costs_none() -> None:
    clear_model_info_cache()
    fake = FakeGemini()
    with LoopbackServer(default=fake) as server:
        model = get_model("google/gemini-2.5-flash", base_url=server.url, api_key=KEY)
        outputs = model.generate_many(["a"], config=FAST)
    assert outputs[0].usage is not None and outputs[0].usage.total_cost is None
