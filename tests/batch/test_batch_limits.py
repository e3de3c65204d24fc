"""Usage limits over provider batch jobs, through the loopback fake of OpenAI's
Batch API (``batch_fakes.FakeOpenAI``, which follows
https://platform.openai.com/docs/api-reference/batch; each answer reports 9
tokens). A batch's results are counted when they are read (by a cost_limit at
the batch price); a limit reached refuses the next job before anything is
uploaded."""

from __future__ import annotations

import pytest
from batch_fakes import FakeOpenAI
from loopback import LoopbackServer

from modelkit import LimitExceededError, cost_limit, get_model, token_limit
from modelkit.config import BatchConfig
from modelkit.info import clear_model_info_cache

FAST = BatchConfig(tick=0.001, max_tick=0.01)


def test_results_count_when_read_and_a_reached_limit_refuses_the_next_job() -> None:
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        model = get_model(
            "openai/gpt-4o", base_url=f"{server.url}/v1", api_key="sk-test", memoize=False
        )
        with token_limit(20) as limit:
            handle = model.batch_submit(["a", "b", "c"], config={"batch": FAST})
            assert limit.usage == 0  # nothing is known until the results are read
            outputs = model.batch_collect(handle, config={"batch": FAST})
            assert len(outputs) == 3 and limit.usage == 27  # paid for: returned, not raised
            calls = len(fake.calls)
            with pytest.raises(LimitExceededError, match="Token limit exceeded. value: 27"):
                model.generate_many(["d"], config={"batch": FAST})
            assert len(fake.calls) == calls  # nothing was uploaded
        with token_limit(None) as other:
            model.batch_collect(handle, config={"batch": FAST})
        assert other.usage == 27  # each reading counts in the limits in force then


def test_a_cost_limit_counts_batch_results_at_the_batch_price() -> None:
    # gpt-5.1 from the bundled table ($1.25 in, $10 out); OpenAI's Batch API
    # bills half (the table's batch_discounts); 5 + 4 tokens an answer
    clear_model_info_cache()
    half = (5 * 1.25 + 4 * 10.0) / 1e6 / 2
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        model = get_model(
            "openai/gpt-5.1", base_url=f"{server.url}/v1", api_key="sk-test", memoize=False
        )
        with cost_limit(2.5 * half) as limit:
            handle = model.batch_submit(["a", "b", "c"], config={"batch": FAST})
            outputs = model.batch_collect(handle, config={"batch": FAST})
            assert len(outputs) == 3 and limit.usage == pytest.approx(3 * half)
            calls = len(fake.calls)
            with pytest.raises(LimitExceededError, match="Cost limit exceeded"):
                model.generate_many(["d"], config={"batch": FAST})
            assert len(fake.calls) == calls  # nothing was uploaded
