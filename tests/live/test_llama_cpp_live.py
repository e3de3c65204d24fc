"""Live tests against a real llama-cpp-python server (SmolLM2-135M-Instruct).

Opt-in: they run only with ``MODELKIT_LIVE=1`` and ``MODELKIT_LLAMA_URL``
set to the server's base URL (``http://127.0.0.1:<port>/v1``), which is
what ``make test-live`` does::

    python3 scripts/live_server.py install          # once: venv, llama-cpp-python, model
    python3 scripts/live_server.py start --port 8765
    MODELKIT_LIVE=1 MODELKIT_LLAMA_URL=http://127.0.0.1:8765/v1 python3 -m pytest -m live tests/live
    python3 scripts/live_server.py stop

The server runs with ``--logits_all true`` (logprobs) and
``--interrupt_requests false`` (concurrent requests queue instead of
cutting each other off). Everything here goes through ``Model.generate``
over real sockets: both the ``llama-cpp-python`` preset and ``openai``
pointed at the server with ``base_url``.
"""

from __future__ import annotations

import os
from typing import Any, Dict, TypedDict

import pytest

from modelkit import ResponseSchema, get_model
from modelkit.model import Model

LLAMA_URL = os.environ.get("MODELKIT_LLAMA_URL", "")
MODEL = os.environ.get("MODELKIT_LLAMA_MODEL", "smollm2-135m-instruct")
PROMPT = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the capital of France? Answer in one sentence."},
]
GREEDY: Dict[str, Any] = {"temperature": 0, "seed": 42, "max_tokens": 64, "max_retries": 1}

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("MODELKIT_LIVE") != "1" or not LLAMA_URL,
        reason="live test: set MODELKIT_LIVE=1 and MODELKIT_LLAMA_URL (see make test-live)",
    ),
]


@pytest.fixture(params=["llama-cpp-python", "openai"])
def model(request: pytest.FixtureRequest) -> Model:
    """The server through its own preset, and through ``openai`` with a base URL."""
    if request.param == "openai":
        # The server takes no key; openai needs one to be set, any will do.
        return get_model(f"openai/{MODEL}", base_url=LLAMA_URL, api_key="local-server-no-key")
    return get_model(f"llama-cpp-python/{MODEL}", base_url=LLAMA_URL)


def test_plain_generation(model: Model) -> None:
    output = model.generate(PROMPT, config=GREEDY)
    assert "Paris" in output.completion
    assert output.stop_reason == "stop"
    assert output.usage is not None
    assert output.usage.input_tokens > 10 and output.usage.output_tokens > 0
    assert output.usage.total_tokens == output.usage.input_tokens + output.usage.output_tokens
    assert output.message.source == "generate"
    assert output.time is not None and output.time > 0
    assert output.call is not None and output.call.url == f"{LLAMA_URL}/chat/completions"
    assert model.usage.total_tokens >= output.usage.total_tokens


def test_max_tokens_stops_early(model: Model) -> None:
    output = model.generate(PROMPT, config={**GREEDY, "max_tokens": 3})
    assert output.stop_reason == "max_tokens"
    assert output.usage is not None and output.usage.output_tokens == 3
    assert "Paris" not in output.completion


def test_stop_sequence(model: Model) -> None:
    full = model.generate(PROMPT, config=GREEDY).completion
    assert " Paris" in full
    output = model.generate(PROMPT, config={**GREEDY, "stop_seqs": [" Paris"]})
    assert output.stop_reason == "stop"
    assert output.completion == full[: full.index(" Paris")]


def _repeats(model: Model, prompt: str, config: Dict[str, Any], times: int = 3) -> set:
    # The server reuses its KV cache for a shared prompt prefix, and logits
    # computed from a cached prefix can differ in the last bits from a full
    # evaluation, enough to flip a near-tie. A first call puts the prompt in
    # the cache, so the calls compared all start from the same state.
    model.generate(prompt, config=config)
    return {model.generate(prompt, config=config).completion for _ in range(times)}


def test_seed_and_temperature_zero_repeat(model: Model) -> None:
    answers = _repeats(model, "Write one sentence about the sea.", GREEDY)
    assert len(answers) == 1 and answers != {""}


def test_seeded_sampling_repeats() -> None:
    model = get_model(f"llama-cpp-python/{MODEL}", base_url=LLAMA_URL)
    config = {"temperature": 1.0, "seed": 1234, "max_tokens": 32}
    assert len(_repeats(model, "Name a colour.", config)) == 1


def test_logprobs_with_top_logprobs(model: Model) -> None:
    output = model.generate(PROMPT, config={**GREEDY, "logprobs": True, "top_logprobs": 3})
    logprobs = output.choices[0].logprobs
    assert logprobs is not None and logprobs.content
    assert "".join(lp.token for lp in logprobs.content) == output.completion
    for entry in logprobs.content:
        assert entry.logprob <= 0.0
        assert entry.top_logprobs is not None and 1 <= len(entry.top_logprobs) <= 3
        # Greedy decoding picks the most likely token.
        assert entry.top_logprobs[0].token == entry.token
        assert entry.top_logprobs[0].logprob == pytest.approx(entry.logprob)


def test_logprobs_alone() -> None:
    # The server answers logprobs: null unless top_logprobs is sent too; the
    # preset sends top_logprobs: 1 for a bare logprobs=True.
    model = get_model(f"llama-cpp-python/{MODEL}", base_url=LLAMA_URL)
    output = model.generate(PROMPT, config={**GREEDY, "max_tokens": 4, "logprobs": True})
    logprobs = output.choices[0].logprobs
    assert logprobs is not None and len(logprobs.content) == 4


def test_concurrent_batch_in_order() -> None:
    model = get_model(f"llama-cpp-python/{MODEL}", base_url=LLAMA_URL)
    prompts = [f"Say the number {n} in words." for n in range(12)]
    config = {**GREEDY, "max_tokens": 24, "max_connections": 4}
    done = []
    batch = model.generate_many(prompts, config=config, progress=lambda d, t: done.append(d))
    assert len(batch) == len(prompts)
    for prompt, output in zip(prompts, batch):
        # Each output is the answer to its own prompt: its recorded request says so.
        assert output.call is not None
        assert output.call.request["messages"][-1]["content"] == prompt
        assert output.completion and output.stop_reason in ("stop", "max_tokens")
    assert sorted(done) == list(range(1, len(prompts) + 1))


def test_prompt_longer_than_context_is_model_length(model: Model) -> None:
    output = model.generate("word " * 3000, config={**GREEDY, "max_tokens": 4})
    assert output.stop_reason == "model_length"
    assert "context" in output.completion


def test_streaming_equals_the_final_output(model: Model) -> None:
    texts = []
    with model.stream(PROMPT, config=GREEDY) as stream:
        for event in stream:
            if event.type == "text":
                texts.append(event.text)
    output = stream.output
    assert output is not None and len(texts) > 3  # it really came in pieces
    assert "".join(texts) == output.completion
    assert "Paris" in output.completion
    assert output.stop_reason == "stop"
    assert output.call is not None and output.call.request["stream"] is True


class City(TypedDict):
    name: str
    country: str


def test_structured_output_parses_and_validates() -> None:
    model = get_model(f"llama-cpp-python/{MODEL}", base_url=LLAMA_URL)
    schema = ResponseSchema.from_type(City, name="city")
    config = {**GREEDY, "max_tokens": 200, "response_schema": schema}
    prompt = "Give the capital of France as JSON with its name and country."
    output = model.generate(prompt, config=config)
    city = output.parse(City)
    assert set(city) == {"name", "country"}
    assert all(isinstance(value, str) for value in city.values())
    with model.stream(prompt, config=config) as stream:
        streamed = "".join(e.text for e in stream if e.type == "text")
    assert stream.output is not None and streamed == stream.output.completion
    assert set(stream.output.parse(City)) == {"name", "country"}
