"""Batch results are priced at the provider's batch discount.

Anthropic's model pages (e.g.
https://platform.claude.com/docs/en/models/opus-5/overview): "Batch API: 50%
discount on input and output"; OpenAI's and Gemini's Batch APIs bill half
price too, and Mistral's batch page: "We offer a 50% discount on batch API"
(https://docs.mistral.ai/studio/batch-processing) (the table's ``batch_discounts``). The fake batch API is ``batch_fakes``
(shaped as test_batch_providers.py's docstring cites); each answer uses 5
input and 4 output tokens.
"""

from __future__ import annotations

from typing import Any, Dict

import batch_fakes
import pytest
from batch_fakes import FakeAnthropic, FakeGemini, FakeMistral, FakeOpenAI
from loopback import LoopbackServer

from modelkit import ModelCost, ModelInfo, get_model, set_model_info
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


def test_openai_batch_results_cost_half() -> None:
    clear_model_info_cache()
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        model = get_model("openai/gpt-5.1", base_url=f"{server.url}/v1", api_key=KEY)
        outputs = model.generate_many(["a", "b", "c"], config=FAST)
    full = (5 * 1.25 + 4 * 10.0) / 1e6  # 5 prompt and 4 completion tokens an answer
    assert [o.usage.total_cost for o in outputs] == [pytest.approx(full / 2)] * 3
    assert model.usage.total_cost == pytest.approx(1.5 * full)


def test_a_gemini_batch_priced_by_the_user_gets_googles_discount() -> None:
    clear_model_info_cache()
    set_model_info("google/gemini-2.5-flash", ModelInfo(cost=ModelCost(0.3, 2.5, 0.3, 0.03)))
    try:
        with LoopbackServer(default=FakeGemini()) as server:
            model = get_model("google/gemini-2.5-flash", base_url=server.url, api_key=KEY)
            [output] = model.generate_many(["a"], config=FAST)
    finally:
        clear_model_info_cache()
    assert output.usage is not None
    assert output.usage.total_cost == pytest.approx((5 * 0.3 + 4 * 2.5) / 1e6 / 2)


def test_mistral_batch_results_cost_half() -> None:
    clear_model_info_cache()
    fake = FakeMistral()
    with LoopbackServer(default=fake) as server:
        model = get_model("mistral/mistral-small-2603", base_url=server.url, api_key=KEY)
        outputs = model.generate_many(["a", "b"], config=FAST)
    full = (5 * 0.15 + 4 * 0.6) / 1e6  # Mistral Small 4: $0.15 in, $0.6 out
    assert [o.usage.total_cost for o in outputs] == [pytest.approx(full / 2)] * 2
    assert model.usage.total_cost == pytest.approx(full)


def test_gpt_6_luna_batch_results_cost_half() -> None:
    clear_model_info_cache()
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        model = get_model("openai/gpt-6-luna", base_url=f"{server.url}/v1", api_key=KEY)
        [output] = model.generate_many(["a"], config=FAST)
    # GPT-6 Luna's page: $0.10 in, $0.50 out; 'Batch and Flex' at 50% of Standard
    assert output.usage is not None
    assert output.usage.total_cost == pytest.approx((5 * 0.1 + 4 * 0.5) / 1e6 / 2)


def test_anthropic_batch_cache_reads_and_writes_get_the_batch_discount_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Anthropic's batch-processing page
    # (https://platform.claude.com/docs/en/build-with-claude/batch-processing):
    # "The pricing discounts from prompt caching and Message Batches can stack".
    # Usage fields as the Messages API documents them.
    def cached_message(text: str) -> Dict[str, Any]:
        message = plain_message(text)
        message["usage"] = {
            "input_tokens": 5,
            "output_tokens": 4,
            "cache_creation_input_tokens": 1000,
            "cache_read_input_tokens": 2000,
        }
        return message

    plain_message = batch_fakes.anthropic_message
    monkeypatch.setattr(batch_fakes, "anthropic_message", cached_message)
    clear_model_info_cache()
    fake = FakeAnthropic()
    with LoopbackServer(default=fake) as server:
        fake.url = server.url
        model = get_model("anthropic/claude-sonnet-4-5", base_url=server.url, api_key=KEY)
        (output,) = model.generate_many(["a"], config=FAST)
    assert output.usage is not None and output.usage.input_tokens_cache_read == 2000
    full = (5 * 3.0 + 4 * 15.0 + 1000 * 3.75 + 2000 * 0.3) / 1e6
    assert output.usage.total_cost == pytest.approx(full / 2)
