"""The response cache seen through ``Model.generate``: policy, key, expiry, epochs.

Each part of the key is changed on its own: a field that changes the
answer must miss, one that does not (``timeout``, ``max_retries``,
``max_connections``) must hit. Expiry runs on an injected clock. Hits must
come back marked ``cached=True`` without calling the model, and a server
that would fail is never reached on a hit (loopback HTTP server).
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any, Iterator, List

import pytest
from loopback import LoopbackServer, Reply

import modelkit
from modelkit import (
    BadRequestError,
    CachePolicy,
    ChatMessageSystem,
    ChatMessageUser,
    ConfigError,
    GenerateConfig,
    Model,
    ModelOutput,
    ToolFunction,
    ToolInfo,
    cache_epoch,
    get_model,
)
from modelkit.cache import _key as _cache_key
from modelkit.cache import _lookup
from modelkit.cache import _store as _cache_store
from modelkit.cache._policy import policy_for
from modelkit.providers.mockllm import MockLLM


class FakeClock:
    """A settable clock for ``_store.clock``."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    _cache_store.close_thread_connections()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_cache_store, "clock", fake)
    return fake


class Counter:
    """A mockllm script: answers ``"answer <n> to <prompt>"`` and counts calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, input: Any, tools: Any, tool_choice: Any, config: Any) -> str:
        with self.lock:
            self.calls += 1
            n = self.calls
        return f"answer {n} to {input[-1].text}"


def mock(name: str = "model", **kwargs: Any) -> tuple[Model, Counter]:
    counter = Counter()
    return get_model(f"mockllm/{name}", custom_outputs=counter, **kwargs), counter


# --- CachePolicy -------------------------------------------------------------------


@pytest.mark.parametrize(
    "expiry, seconds",
    [
        ("30s", 30),
        ("15m", 15 * 60),
        ("12h", 12 * 3600),
        ("2D", 2 * 86400),
        ("1W", 7 * 86400),
        ("3M", 3 * 30 * 86400),
        ("1Y", 365 * 86400),
        (None, None),
    ],
)
def test_expiry_units(expiry: Any, seconds: Any) -> None:
    assert CachePolicy(expiry=expiry).expiry_seconds == seconds


@pytest.mark.parametrize(
    "expiry", ["", "1", "h", "0s", "1.5h", "1d", "1w", "-1h", "1 h", "2hh", 12]
)
def test_malformed_expiry_is_a_config_error_at_construction(expiry: Any) -> None:
    with pytest.raises(ConfigError, match="cache expiry must be"):
        CachePolicy(expiry=expiry)


def test_policy_defaults_and_validation() -> None:
    policy = CachePolicy()
    assert (policy.expiry, policy.per_epoch, policy.scopes) == ("1W", True, {})
    assert policy_for(True) == policy
    assert policy_for(False) is None
    assert policy_for(policy) is policy
    with pytest.raises(ConfigError, match="cache must be True, False or a CachePolicy"):
        policy_for("yes")
    with pytest.raises(ConfigError, match="scopes"):
        CachePolicy(scopes=["a"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="scopes"):
        CachePolicy(scopes={"a": object()})
    with pytest.raises(ConfigError, match="finite"):
        CachePolicy(scopes={"a": float("nan")})  # nan != nan: it would never hit
    with pytest.raises(ConfigError, match="per_epoch"):
        CachePolicy(per_epoch="no")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="epoch must be an integer"):
        with cache_epoch("1"):  # type: ignore[arg-type]
            pass


# --- hits and misses ---------------------------------------------------------------


def test_second_call_is_a_hit_marked_cached_and_skips_the_model() -> None:
    model, counter = mock()
    first = model.generate("hello", cache=True)
    usage = model.usage
    second = model.generate("hello", cache=True)
    assert counter.calls == 1
    assert first.cached is None and second.cached is True
    assert second.completion == first.completion == "answer 1 to hello"
    assert second.usage is not None and second.usage.total_cost == 0.0  # a hit costs nothing
    second.cached = None
    second.usage.total_cost = first.usage.total_cost if first.usage else None
    assert second.to_dict() == first.to_dict()
    assert model.usage == usage  # hits use no tokens


def test_without_cache_nothing_is_stored_or_read() -> None:
    model, counter = mock()
    model.generate("hello", cache=True)
    assert not model.generate("hello").cached
    assert counter.calls == 2


TOOL = ToolInfo(name="lookup", description="Look something up")


@pytest.mark.parametrize(
    "change",
    [
        {"input": "hello!"},
        {"input": [ChatMessageSystem(content="be brief"), ChatMessageUser(content="hello")]},
        {"config": GenerateConfig(temperature=0.5)},
        {"config": GenerateConfig(max_tokens=10)},
        {"config": GenerateConfig(seed=1)},
        {"config": GenerateConfig(stop_seqs=["x"])},
        {"config": GenerateConfig(system_message="be brief")},
        {"config": GenerateConfig(top_p=0.5)},
        {"config": GenerateConfig(logit_bias={1: 1.0})},
        {"tools": [TOOL]},
        {"tools": [TOOL], "tool_choice": "any"},
        {"tools": [TOOL], "tool_choice": ToolFunction(name="lookup")},
        {"policy": CachePolicy(scopes={"run": "2"})},
    ],
    ids=lambda change: ",".join(sorted(change)) + ":" + repr(list(change.values())[-1])[:40],
)
def test_changing_one_relevant_part_misses(change: Any) -> None:
    model, counter = mock()
    base = {"input": "hello", "tools": [], "tool_choice": None, "config": None}
    base_policy = CachePolicy(scopes={"run": "1"})
    model.generate(**base, cache=base_policy)
    args = dict(base)
    args.update({k: v for k, v in change.items() if k != "policy"})
    output = model.generate(**args, cache=change.get("policy", base_policy))
    assert not output.cached
    assert counter.calls == 2
    assert model.generate(**args, cache=change.get("policy", base_policy)).cached


@pytest.mark.parametrize(
    "config",
    [
        GenerateConfig(timeout=5),
        GenerateConfig(max_retries=0),
        GenerateConfig(max_connections=3),
        GenerateConfig(timeout=5, max_retries=2, max_connections=1),
    ],
)
def test_changing_how_not_what_still_hits(config: GenerateConfig) -> None:
    model, counter = mock()
    model.generate("hello", cache=True)
    assert model.generate("hello", config=config, cache=True).cached
    assert counter.calls == 1


def test_equal_requests_hit_however_they_are_written() -> None:
    model, counter = mock()
    model.generate("hello", cache=True)
    assert model.generate([{"role": "user", "content": "hello"}], cache=True).cached
    assert model.generate([ChatMessageUser(content="hello", source="input")], cache=True).cached
    # expiry is how long an entry lives, not part of the key
    assert model.generate("hello", cache=CachePolicy(expiry="1D")).cached
    assert counter.calls == 1


def test_model_name_base_url_and_provider_are_in_the_key() -> None:
    model, _ = mock()
    model.generate("hello", cache=True)
    other, other_counter = mock("other")
    assert not other.generate("hello", cache=True).cached
    elsewhere, elsewhere_counter = mock(base_url="http://127.0.0.1:1/v1")
    assert not elsewhere.generate("hello", cache=True).cached

    class Twin(MockLLM):
        provider = "twin"

    twin_counter = Counter()
    twin = Model(Twin("model", custom_outputs=twin_counter))
    assert not twin.generate("hello", cache=True).cached
    assert (other_counter.calls, elsewhere_counter.calls, twin_counter.calls) == (1, 1, 1)


def test_key_is_stable_and_documented() -> None:
    """A golden key: if this changes, bump ``_cache_key.KEY_VERSION``."""
    model, _ = mock()
    request = model.prepare("hello", config=GenerateConfig(temperature=0.0, timeout=3))
    document = _cache_key.key_document(
        "mockllm", "model", None, request, None, {}, {"thinking": "adaptive"}
    )
    assert document == {
        "v": 2,
        "provider": "mockllm",
        "model": "model",
        "base_url": None,
        "input": [{"content": "hello", "role": "user"}],
        "tools": [],
        "tool_choice": "none",
        "config": {"temperature": 0.0},
        "epoch": None,
        "scopes": {},
        "args": {"thinking": "adaptive"},
    }
    key = _cache_key.request_key(document)
    assert key.hex() == "b104d6c18b26f86767bdaa37b89205652325b2289f0dd4a567710afbd7657558"


# --- expiry ------------------------------------------------------------------------


def test_entry_is_served_until_its_expiry_and_never_after(clock: FakeClock) -> None:
    model, _ = mock()
    policy = CachePolicy(expiry="30s")
    model.generate("hello", cache=policy)
    clock.now += 29.9
    assert model.generate("hello", cache=policy).cached
    clock.now += 0.1  # exactly 30 s: expired
    fresh = model.generate("hello", cache=policy)
    assert not fresh.cached and fresh.completion == "answer 2 to hello"
    clock.now += 29
    assert model.generate("hello", cache=policy).completion == "answer 2 to hello"


def test_no_expiry_keeps_entries_forever(clock: FakeClock) -> None:
    model, counter = mock()
    model.generate("hello", cache=CachePolicy(expiry=None))
    clock.now += 100 * 365 * 86400
    assert model.generate("hello", cache=CachePolicy(expiry=None)).cached
    assert counter.calls == 1


# --- epochs and scopes -------------------------------------------------------------


def test_per_epoch_keys_by_the_epoch() -> None:
    model, counter = mock()
    with cache_epoch(1):
        first = model.generate("hello", cache=True)
        assert model.generate("hello", cache=True).cached
    with cache_epoch(2):
        assert not model.generate("hello", cache=True).cached
    assert not model.generate("hello", cache=True).cached  # no epoch set
    with cache_epoch(1):
        assert model.generate("hello", cache=True).completion == first.completion
    assert counter.calls == 3


def test_per_epoch_false_ignores_the_epoch() -> None:
    model, counter = mock()
    policy = CachePolicy(per_epoch=False)
    with cache_epoch(1):
        model.generate("hello", cache=policy)
    with cache_epoch(2):
        assert model.generate("hello", cache=policy).cached
    assert model.generate("hello", cache=policy).cached
    assert counter.calls == 1


def test_scopes_separate_entries_and_their_order_does_not_matter() -> None:
    model, counter = mock()
    model.generate("hello", cache=CachePolicy(scopes={"a": "1", "b": "2"}))
    assert model.generate("hello", cache=CachePolicy(scopes={"b": "2", "a": "1"})).cached
    assert not model.generate("hello", cache=CachePolicy(scopes={"a": "1"})).cached
    assert not model.generate("hello", cache=True).cached
    assert counter.calls == 3


def test_epoch_reaches_threads_run_in_a_copy_of_the_context() -> None:
    model, counter = mock()
    results: List[ModelOutput] = []

    def work() -> None:
        results.append(model.generate("hello", cache=True))

    with cache_epoch(7):
        model.generate("hello", cache=True)
        thread = threading.Thread(target=contextvars.copy_context().run, args=(work,))
        thread.start()
        thread.join()
    plain = threading.Thread(target=work)  # a bare thread starts with no epoch
    plain.start()
    plain.join()
    assert [r.cached for r in results] == [True, None]
    assert counter.calls == 2


def test_epoch_reaches_generate_many_workers() -> None:
    if not hasattr(Model, "generate_many"):
        pytest.skip("Model.generate_many is not available")
    model, counter = mock()
    prompts = [f"p{i}" for i in range(8)]
    with cache_epoch(3):
        model.generate_many(prompts, cache=True)
        again = model.generate_many(prompts, cache=True)
    assert all(output.cached for output in again)
    with cache_epoch(4):
        other = model.generate_many(prompts, cache=True)
    assert not any(output.cached for output in other)
    assert [o.completion.split(" to ")[1] for o in again] == prompts
    assert counter.calls == 16


# --- only successes are stored; hits skip the network ------------------------------


def test_hit_never_reaches_a_failing_server(loopback: LoopbackServer) -> None:
    model = get_model("openai/gpt-4o", api_key="sk-test", base_url=f"{loopback.url}/v1")
    first = model.generate("hello", cache=True)
    loopback.default = Reply(status=500, body={"error": {"message": "down"}})
    second = model.generate("hello", cache=True, config=GenerateConfig(max_retries=0))
    assert loopback.count == 1
    assert second.cached and second.completion == first.completion


def test_failures_are_not_stored(loopback: LoopbackServer) -> None:
    model = get_model("openai/gpt-4o", api_key="sk-test", base_url=f"{loopback.url}/v1")
    loopback.script(Reply(status=400, body={"error": {"message": "bad"}}))
    with pytest.raises(BadRequestError):
        model.generate("hello", cache=True)
    assert not model.generate("hello", cache=True).cached
    assert model.generate("hello", cache=True).cached
    assert loopback.count == 2


def test_refusals_and_errors_are_not_stored_by_key_either() -> None:
    # The batch path (key_for / store_key) keeps the same rule as generate's store.
    model, _ = mock()
    request = model.prepare("hello", (), None, None)
    key = _lookup.key_for(model.api, request, CachePolicy())
    assert key is not None
    refusal = ModelOutput.from_content("mockllm/model", "no")
    refusal.choices[0].stop_reason = "content_filter"
    errored = ModelOutput.from_content("mockllm/model", "partial")
    errored.error = "the provider failed"
    for output in (refusal, errored):
        _lookup.store_key(model.api, key, None, output)
        assert _lookup.fetch_key(model.api, key) is None
    _lookup.store_key(model.api, key, None, ModelOutput.from_content("mockllm/model", "ok"))
    hit = _lookup.fetch_key(model.api, key)
    assert hit is not None and hit.completion == "ok"


def test_api_key_is_not_in_the_store(loopback: LoopbackServer) -> None:
    model = get_model("openai/gpt-4o", api_key="sk-secret-123", base_url=f"{loopback.url}/v1")
    model.generate("hello", cache=True)
    _cache_store.close_thread_connections()
    for path in modelkit.cache_path().rglob("*"):
        if path.is_file():
            assert b"sk-secret-123" not in path.read_bytes(), path
