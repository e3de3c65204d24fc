"""Cost on every output: each provider's usage shape, priced against the table.

Usage bodies are shaped as each API documents them:
Anthropic Messages ``usage`` (``input_tokens``, ``cache_creation_input_tokens``,
``cache_read_input_tokens``, ``cache_creation.ephemeral_1h_input_tokens``:
https://docs.anthropic.com/en/api/messages; a 1-hour write is asked for with
``cache_control.ttl: "1h"``, anthropic-sdk-python ``CacheControlEphemeralParam``);
OpenAI chat completions ``usage.prompt_tokens_details.cached_tokens`` (and
``cache_write_tokens``, openai-python ``CompletionUsage``; Responses:
``input_tokens_details``, ``ResponseUsage``) and
``completion_tokens_details.reasoning_tokens``
(https://platform.openai.com/docs/api-reference/chat/object); xAI's, the same
(https://docs.x.ai/developers/advanced-api-usage/prompt-caching/usage-and-pricing);
Groq's, the same (``prompt_tokens_details.cached_tokens``:
https://console.groq.com/docs/prompt-caching); Fireworks' ``prompt_tokens`` and
``completion_tokens`` (https://docs.fireworks.ai/api-reference/post-chatcompletions);
Mistral's, OpenAI's chat shape with ``prompt_tokens_details.cached_tokens``
(https://docs.mistral.ai/studio/conversations/advanced/prompt-caching);
OpenRouter's, with ``cost`` (the credits the call was charged) and
``prompt_tokens_details.cache_write_tokens``
(https://openrouter.ai/docs/use-cases/usage-accounting);
DeepSeek's, OpenAI's plus ``prompt_cache_hit_tokens`` / ``prompt_cache_miss_tokens``
(https://api-docs.deepseek.com/api/create-chat-completion);
Gemini ``usageMetadata`` (``promptTokenCount`` includes
``cachedContentTokenCount``; ``thoughtsTokenCount``:
https://ai.google.dev/api/generate-content#UsageMetadata). The expected
dollars are worked out here from the table's prices, by hand.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict

import pytest
from loopback import LoopbackServer, Reply, chat_completion

from modelkit import GenerateConfig, ModelCost, ModelUsage, get_model, set_model_cost
from modelkit.info import _cost as cost_module

KEY = "sk-test-cost-key"


def anthropic_body(usage: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-5",
        "content": [{"type": "text", "text": "hi"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }


def openai_body(usage: Dict[str, Any]) -> Dict[str, Any]:
    body = chat_completion("hi")
    body["usage"] = usage
    return body


def test_anthropic_cache_writes_and_reads(loopback: LoopbackServer) -> None:
    loopback.default = Reply(
        body=anthropic_body(
            {
                "input_tokens": 100,
                "output_tokens": 50,
                "cache_creation_input_tokens": 1000,
                "cache_read_input_tokens": 2000,
            }
        )
    )
    model = get_model("anthropic/claude-opus-5", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    expected = (100 * 5.0 + 50 * 25.0 + 1000 * 6.25 + 2000 * 0.5) / 1e6
    assert output.usage is not None
    assert output.usage.total_cost == pytest.approx(expected)
    assert output.call is not None and output.call.total_cost == pytest.approx(expected)
    assert output.call.to_dict()["total_cost"] == pytest.approx(expected)


def test_openai_cached_and_reasoning_tokens(loopback: LoopbackServer) -> None:
    loopback.default = Reply(
        body=openai_body(
            {
                "prompt_tokens": 1000,
                "completion_tokens": 300,
                "total_tokens": 1300,
                "prompt_tokens_details": {"cached_tokens": 400},
                "completion_tokens_details": {"reasoning_tokens": 200},
            }
        )
    )
    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    # 600 uncached input, 400 cached, 300 output (reasoning included once)
    expected = (600 * 1.25 + 400 * 0.125 + 300 * 10.0) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def test_grok_long_prompt_tier(loopback: LoopbackServer) -> None:
    loopback.default = Reply(
        body=openai_body(
            {
                "prompt_tokens": 250_000,
                "completion_tokens": 1_000,
                "total_tokens": 251_000,
                "prompt_tokens_details": {"cached_tokens": 50_000},
            }
        )
    )
    model = get_model("grok/grok-4.20", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    expected = (200_000 * 2.5 + 50_000 * 0.4 + 1_000 * 5.0) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def test_anthropic_fable_cache_writes_and_reads_at_its_own_rates(loopback: LoopbackServer) -> None:
    body = anthropic_body(
        {
            "input_tokens": 300,
            "output_tokens": 40,
            "cache_creation_input_tokens": 2000,
            "cache_read_input_tokens": 8000,
        }
    )
    body["model"] = "claude-fable-5-1"
    loopback.default = Reply(body=body)
    model = get_model("anthropic/claude-fable-5-1", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    # the pricing page: $10 input, $12.50 5m write, $0.25 cache hits, $50 output
    expected = (300 * 10.0 + 2000 * 12.5 + 8000 * 0.25 + 40 * 50.0) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def test_anthropic_1h_cache_writes_cost_the_1h_rate(loopback: LoopbackServer) -> None:
    usage = {"input_tokens": 50, "output_tokens": 10, "cache_creation_input_tokens": 4000}
    usage["cache_creation"] = {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 4000}
    loopback.default = Reply(body=anthropic_body(usage))
    model = get_model("anthropic/claude-opus-5", base_url=loopback.url, api_key=KEY, cache_ttl="1h")
    output = model.generate("hello", config=GenerateConfig(cache_prompt=True))
    sent = loopback.requests[-1].json()
    assert sent["messages"][-1]["content"][-1]["cache_control"] == {
        "type": "ephemeral",
        "ttl": "1h",
    }
    # Opus 5's page: 1h cache write $10 / MTok (the 5m write is $6.25)
    expected = (50 * 5.0 + 4000 * 10.0 + 10 * 25.0) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def test_groq_cached_tokens_cost_half_the_input_price(loopback: LoopbackServer) -> None:
    loopback.default = Reply(
        body=openai_body(
            {
                "prompt_tokens": 3000,
                "completion_tokens": 500,
                "total_tokens": 3500,
                "prompt_tokens_details": {"cached_tokens": 2048},
            }
        )
    )
    model = get_model("groq/openai/gpt-oss-120b", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    # 952 uncached at $0.15, 2048 cached at $0.075, 500 out at $0.60
    expected = (952 * 0.15 + 2048 * 0.075 + 500 * 0.6) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def test_fireworks_is_priced_from_its_serverless_page(loopback: LoopbackServer) -> None:
    loopback.default = Reply(
        body=openai_body({"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500})
    )
    model = get_model(
        "fireworks/accounts/fireworks/models/kimi-k2p6", base_url=loopback.url, api_key=KEY
    )
    output = model.generate("hello")
    # Kimi K2.6, Standard: $0.95 input, $4.00 output
    expected = (1200 * 0.95 + 300 * 4.0) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def openrouter_usage(cost: Any) -> Dict[str, Any]:
    # https://openrouter.ai/docs/use-cases/usage-accounting: every response's usage
    return {
        "prompt_tokens": 194,
        "completion_tokens": 2,
        "total_tokens": 196,
        "cost": cost,
        "cost_details": {"upstream_inference_cost": 19},
        "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 100},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def test_openrouter_calls_cost_what_openrouter_reports_it_charged(
    loopback: LoopbackServer,
) -> None:
    loopback.default = Reply(body=openai_body(openrouter_usage(0.00095)))
    model = get_model("openrouter/anthropic/claude-opus-5", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    assert output.usage is not None and output.usage.total_cost == pytest.approx(0.00095)
    assert output.call is not None and output.call.total_cost == pytest.approx(0.00095)
    assert output.usage.input_tokens_cache_write == 100 and output.usage.input_tokens == 94
    set_model_cost_or_info("openrouter/anthropic/claude-opus-5", ModelCost(5.0, 25.0, 6.25, 0.5))
    again = model.generate("hello again")  # the bill wins over a table price
    assert again.usage is not None and again.usage.total_cost == pytest.approx(0.00095)
    assert model.usage.total_cost == pytest.approx(0.0019)


def test_openrouter_streams_carry_the_reported_cost(loopback: LoopbackServer) -> None:
    import json

    chunks = [
        {
            "id": "gen-1",
            "object": "chat.completion.chunk",
            "model": "anthropic/claude-opus-5",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}],
        },
        {
            "id": "gen-1",
            "object": "chat.completion.chunk",
            "model": "anthropic/claude-opus-5",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": openrouter_usage(0.0021),
        },
    ]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    loopback.default = Reply(body=sse, headers={"Content-Type": "text/event-stream"})
    model = get_model("openrouter/anthropic/claude-opus-5", base_url=loopback.url, api_key=KEY)
    with model.stream("hello") as stream:
        list(stream)
    assert stream.output is not None and stream.output.usage is not None
    assert stream.output.usage.total_cost == pytest.approx(0.0021)


def test_a_cost_field_from_another_server_is_not_taken_as_its_bill(
    loopback: LoopbackServer,
) -> None:
    loopback.default = Reply(body=openai_body(openrouter_usage(123.0)))
    model = get_model("together/some/model", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    assert output.usage is not None and output.usage.total_cost is None  # no price known


def test_openai_cache_writes_cost_1_25x_on_gpt_5_6(loopback: LoopbackServer) -> None:
    # openai-python CompletionUsage.prompt_tokens_details.cache_write_tokens
    loopback.default = Reply(
        body=openai_body(
            {
                "prompt_tokens": 10_000,
                "completion_tokens": 500,
                "total_tokens": 10_500,
                "prompt_tokens_details": {"cached_tokens": 6_000, "cache_write_tokens": 3_000},
            }
        )
    )
    model = get_model("openai/gpt-5.6-terra", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    assert output.usage is not None and output.usage.input_tokens == 1_000
    # Terra's page: $2 input, $0.20 cached, $12 output, writes at 1.25x input
    expected = (1_000 * 2.0 + 6_000 * 0.2 + 3_000 * 2.5 + 500 * 12.0) / 1e6
    assert output.usage.total_cost == pytest.approx(expected)


def test_openai_responses_usage_over_272k_is_billed_at_the_long_prompt_rates(
    loopback: LoopbackServer,
) -> None:
    # openai-python ResponseUsage: input_tokens_details {cached_tokens, cache_write_tokens}
    loopback.default = Reply(
        body={
            "id": "resp_1",
            "object": "response",
            "status": "completed",
            "model": "gpt-5.6-luna",
            "output": [
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "hi", "annotations": []}],
                }
            ],
            "usage": {
                "input_tokens": 300_000,
                "input_tokens_details": {"cached_tokens": 200_000, "cache_write_tokens": 50_000},
                "output_tokens": 2_000,
                "output_tokens_details": {"reasoning_tokens": 1_500},
                "total_tokens": 302_000,
            },
        }
    )
    model = get_model("openai/gpt-5.6-luna", base_url=loopback.url, api_key=KEY, responses_api=True)
    output = model.generate("hello")
    assert output.usage is not None and output.usage.input_tokens_cache_write == 50_000
    # Luna's page: $0.20 / $0.02 cached / $1.20; over 272K input tokens 2x input, 1.5x output
    expected = (50_000 * 0.4 + 200_000 * 0.04 + 50_000 * 0.5 + 2_000 * 1.8) / 1e6
    assert output.usage.total_cost == pytest.approx(expected)


def responses_body(model: str, usage: Dict[str, Any]) -> Dict[str, Any]:
    """A Responses API answer carrying ``usage`` (openai-python ``ResponseUsage``)."""
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": model,
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "hi", "annotations": []}],
            }
        ],
        "usage": usage,
    }


@pytest.mark.parametrize("prompt", [272_000, 272_001])
def test_gpt_6_2_sol_cache_reads_writes_and_reasoning_either_side_of_272k(
    loopback: LoopbackServer, prompt: int
) -> None:
    usage = {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 200_000, "cache_write_tokens": 50_000},
        "output_tokens": 2_000,
        "output_tokens_details": {"reasoning_tokens": 1_500},
        "total_tokens": prompt + 2_000,
    }
    loopback.default = Reply(body=responses_body("gpt-6.2-sol", usage))
    model = get_model("openai/gpt-6.2-sol", base_url=loopback.url, api_key=KEY, responses_api=True)
    output = model.generate("hello")
    assert output.usage is not None and output.usage.input_tokens_cache_write == 50_000
    # GPT-6.2 Sol's page: $2 input, $0.10 cached, $2.50 cache writes, $10 output; over
    # 272K input tokens input and cache rates double and output is 1.5x, for the request
    scale, out = (1.0, 10.0) if prompt <= 272_000 else (2.0, 15.0)
    uncached = prompt - 250_000
    expected = (scale * (uncached * 2.0 + 200_000 * 0.1 + 50_000 * 2.5) + 2_000 * out) / 1e6
    assert output.usage.total_cost == pytest.approx(expected)


DEEPSEEK_USAGE = {
    "prompt_tokens": 5_000,
    "completion_tokens": 800,
    "total_tokens": 5_800,
    "prompt_tokens_details": {"cached_tokens": 4_096},
    "prompt_cache_hit_tokens": 4_096,
    "prompt_cache_miss_tokens": 904,
}


@pytest.mark.parametrize(
    ("sent", "peak"),
    [
        ("2026-12-07T02:00:00+00:00", True),  # Monday 10:00 Beijing time: peak
        ("2026-12-07T05:00:00+00:00", False),  # Monday 13:00 Beijing: the midday gap
        ("2026-12-07T09:59:00+00:00", True),  # Monday 17:59 Beijing
        ("2026-12-07T10:00:30+00:00", False),  # Monday 18:00:30 Beijing: off-peak again
        ("2026-12-05T02:00:00+00:00", False),  # Saturday: off-peak all day
    ],
)
def test_deepseek_cache_hits_and_misses_at_peak_and_off_peak(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch, sent: str, peak: bool
) -> None:
    # DeepSeek's usage: prompt_cache_hit_tokens / prompt_cache_miss_tokens beside the
    # OpenAI fields (tests/fixtures/deepseek/tool_turn.response.json); its page bills
    # off-peak at half the peak rates, peak being 09:00-12:00 and 14:00-18:00 Beijing
    # time on weekdays (api-docs.deepseek.com/zh-cn/quick_start/pricing)
    moment = datetime.datetime.fromisoformat(sent)
    monkeypatch.setattr(cost_module, "_utc_now", lambda: moment)
    loopback.default = Reply(body=openai_body(DEEPSEEK_USAGE))
    pro = get_model("deepseek/deepseek-v4-pro", base_url=loopback.url, api_key=KEY)
    flash = get_model("deepseek/deepseek-v4-flash", base_url=loopback.url, api_key=KEY)
    pro_cost, flash_cost = pro.generate("hello").usage, flash.generate("hello").usage
    assert pro_cost is not None and flash_cost is not None
    # V4 Pro peak: cache hit $0.044, cache miss $1.32, output $3.96; V4.1 Flash (which
    # the legacy name deepseek-v4-flash is billed as) peak: $0.006, $0.3, $1.2
    half = 1.0 if peak else 0.5
    assert pro_cost.total_cost == pytest.approx(
        half * (904 * 1.32 + 4_096 * 0.044 + 800 * 3.96) / 1e6
    )
    assert flash_cost.total_cost == pytest.approx(
        half * (904 * 0.3 + 4_096 * 0.006 + 800 * 1.2) / 1e6
    )


def test_a_deepseek_call_is_priced_at_the_hour_it_was_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Finished at 04:00:30 UTC (12:00:30 Beijing, off-peak) after 60 s: sent at peak.
    finished = datetime.datetime(2026, 12, 7, 4, 0, 30, tzinfo=datetime.timezone.utc)
    monkeypatch.setattr(cost_module, "_utc_now", lambda: finished)
    usage = ModelUsage(input_tokens=1_000_000)
    assert cost_module.usage_cost("deepseek", "deepseek-v4-pro", usage, elapsed=60.0) == (
        pytest.approx(1.32)
    )
    assert cost_module.usage_cost("deepseek", "deepseek-v4-pro", usage, elapsed=10.0) == (
        pytest.approx(0.66)
    )


def test_grok_reasoning_tokens_outside_completion_tokens_cost_the_output_price(
    loopback: LoopbackServer,
) -> None:
    # xAI counts reasoning apart from completion_tokens (total = prompt +
    # completion + reasoning) and bills it at the completion price
    # (https://docs.x.ai/developers/rate-limits: "Reasoning tokens - Charged at
    # completion token price").
    usage = {
        "prompt_tokens": 1_000,
        "completion_tokens": 100,
        "total_tokens": 1_000 + 100 + 400,
        "prompt_tokens_details": {"cached_tokens": 200},
        "completion_tokens_details": {"reasoning_tokens": 400},
    }
    loopback.default = Reply(body=openai_body(usage))
    output = get_model("grok/grok-4.20", base_url=loopback.url, api_key=KEY).generate("hi")
    assert output.usage is not None and output.usage.output_tokens == 500
    expected = (800 * 1.25 + 200 * 0.2 + 500 * 2.5) / 1e6  # the table's grok-4.20 prices
    assert output.usage.total_cost == pytest.approx(expected)


def test_grok_4_3_below_and_at_its_long_prompt_tier(loopback: LoopbackServer) -> None:
    def usage(prompt: int, cached: int) -> Dict[str, Any]:
        return {
            "prompt_tokens": prompt,
            "completion_tokens": 100,
            "total_tokens": prompt + 100,
            "prompt_tokens_details": {"cached_tokens": cached},
            "completion_tokens_details": {"reasoning_tokens": 60},
        }

    loopback.script(
        Reply(body=openai_body(usage(199_999, 99_999))),
        Reply(body=openai_body(usage(200_000, 100_000))),
    )
    model = get_model("grok/grok-4.3-latest", base_url=loopback.url, api_key=KEY)
    below, reaching = model.generate("a"), model.generate("b")
    assert below.usage is not None and reaching.usage is not None
    assert below.usage.total_cost == pytest.approx(
        (100_000 * 1.25 + 99_999 * 0.2 + 100 * 2.5) / 1e6
    )
    assert reaching.usage.total_cost == pytest.approx(
        (100_000 * 2.5 + 100_000 * 0.4 + 100 * 5.0) / 1e6
    )


def test_gemini_cached_content_and_thoughts(loopback: LoopbackServer) -> None:
    set_model_cost_or_info("google/gemini-2.5-flash", ModelCost(0.3, 2.5, 0.3, 0.03))
    loopback.default = Reply(
        body={
            "candidates": [
                {"content": {"parts": [{"text": "hi"}], "role": "model"}, "finishReason": "STOP"}
            ],
            "usageMetadata": {
                "promptTokenCount": 1000,
                "cachedContentTokenCount": 600,
                "candidatesTokenCount": 100,
                "thoughtsTokenCount": 50,
                "totalTokenCount": 1150,
            },
        }
    )
    model = get_model("google/gemini-2.5-flash", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    expected = (400 * 0.3 + 600 * 0.03 + 150 * 2.5) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def test_bedrock_converse_cache_reads_and_writes(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Converse ``usage``: inputTokens excludes cacheReadInputTokens and
    # cacheWriteInputTokens (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html).
    # The table has no Bedrock price (its stored pricing page has no per-model rows):
    # the user's own, registered here, prices the shape.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    name = "bedrock/anthropic.claude-opus-5"
    set_model_cost_or_info(name, ModelCost(5.0, 25.0, 6.25, 0.5))
    loopback.default = Reply(
        body={
            "output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}},
            "stopReason": "end_turn",
            "usage": {
                "inputTokens": 35,
                "outputTokens": 14,
                "totalTokens": 1449,
                "cacheReadInputTokens": 400,
                "cacheWriteInputTokens": 1000,
            },
            "metrics": {"latencyMs": 10},
        }
    )
    model = get_model(name, base_url=loopback.url)
    output = model.generate("hello")
    expected = (35 * 5.0 + 14 * 25.0 + 1000 * 6.25 + 400 * 0.5) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def test_mistral_cached_prompt_tokens_at_a_tenth_of_the_input_price(
    loopback: LoopbackServer,
) -> None:
    # Mistral chat completions ``usage``: ``prompt_tokens`` counts every prompt token,
    # ``prompt_tokens_details.cached_tokens`` the cached ones, billed at 10% of the
    # input price (docs.mistral.ai prompt-caching page, whose example this is).
    usage = {
        "prompt_tokens": 1013,
        "total_tokens": 1043,
        "completion_tokens": 30,
        "prompt_tokens_details": {"cached_tokens": 1008},
    }
    loopback.default = Reply(body=openai_body(usage))
    model = get_model("mistral/mistral-medium-3-5", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    assert output.usage is not None
    assert output.usage.input_tokens == 5 and output.usage.input_tokens_cache_read == 1008
    # Medium 3.5 (docs.mistral.ai pricing): input $1.5, output $7.5; cached $0.15
    expected = (5 * 1.5 + 1008 * 0.15 + 30 * 7.5) / 1e6
    assert output.usage.total_cost == pytest.approx(expected)


def test_mistral_large_4_at_its_listed_cached_price(loopback: LoopbackServer) -> None:
    usage = {"prompt_tokens": 2_000, "completion_tokens": 300, "total_tokens": 2_300}
    usage["prompt_tokens_details"] = {"cached_tokens": 1_024}  # type: ignore[assignment]
    loopback.default = Reply(body=openai_body(usage))
    model = get_model("mistral/mistral-large-4-0", base_url=loopback.url, api_key=KEY)
    output = model.generate("hello")
    # Large 4's model page: input $0.68, cached input $0.07, output $2.09
    expected = (976 * 0.68 + 1_024 * 0.07 + 300 * 2.09) / 1e6
    assert output.usage is not None and output.usage.total_cost == pytest.approx(expected)


def set_model_cost_or_info(name: str, cost: ModelCost) -> None:
    from modelkit import ModelInfo, get_model_info, set_model_info

    if get_model_info(name) is None:
        set_model_info(name, ModelInfo(cost=cost))
    else:
        set_model_cost(name, cost)


def test_unknown_price_is_none_and_totals_sum_what_is_known(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=openai_body({"prompt_tokens": 10, "completion_tokens": 5}))
    unknown = get_model("openai/no-price-model", base_url=loopback.url, api_key=KEY)
    output = unknown.generate("hello")
    assert output.usage is not None and output.usage.total_cost is None
    assert output.call is not None and output.call.total_cost is None
    assert unknown.usage.total_cost is None

    priced = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    one = (10 * 1.25 + 5 * 10.0) / 1e6
    outputs = priced.generate_many(["a", "b", "c"])
    assert [o.usage.total_cost for o in outputs] == [pytest.approx(one)] * 3
    assert priced.usage.total_cost == pytest.approx(3 * one)


def test_a_cache_hit_costs_nothing(loopback: LoopbackServer) -> None:
    loopback.default = Reply(body=openai_body({"prompt_tokens": 10, "completion_tokens": 5}))
    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    first = model.generate("hello", cache=True)
    second = model.generate("hello", cache=True)
    assert loopback.count == 1 and second.cached is True
    assert first.usage is not None and first.usage.total_cost == pytest.approx(62.5e-6)
    assert second.usage is not None and second.usage.total_cost == 0.0
    assert model.usage.total_cost == pytest.approx(62.5e-6)


def test_a_stream_is_priced_when_it_ends(loopback: LoopbackServer) -> None:
    events = [
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "model": "gpt-5.1",
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": "hi"}, "finish_reason": None}
            ],
        },
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "model": "gpt-5.1",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        },
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "model": "gpt-5.1",
            "choices": [],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        },
    ]
    import json

    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    loopback.default = Reply(body=sse, headers={"Content-Type": "text/event-stream"})
    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    with model.stream("hello") as stream:
        list(stream)
    expected = (100 * 1.25 + 20 * 10.0) / 1e6
    assert stream.output is not None and stream.output.usage is not None
    assert stream.output.usage.total_cost == pytest.approx(expected)
    assert model.usage.total_cost == pytest.approx(expected)


def test_generate_loop_sums_the_cost_of_its_turns(loopback: LoopbackServer) -> None:
    call = openai_body({"prompt_tokens": 100, "completion_tokens": 10})
    call["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "t1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
            }
        ],
    }
    call["choices"][0]["finish_reason"] = "tool_calls"
    loopback.script(
        Reply(body=call), Reply(body=openai_body({"prompt_tokens": 200, "completion_tokens": 20}))
    )

    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: the first.
            b: the second.
        """
        return a + b

    model = get_model("openai/gpt-5.1", base_url=loopback.url, api_key=KEY)
    result = model.generate_loop("1+2?", tools=[add])
    expected = (300 * 1.25 + 30 * 10.0) / 1e6
    assert result.usage.total_cost == pytest.approx(expected)
