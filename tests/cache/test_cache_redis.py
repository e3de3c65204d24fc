"""The response cache on a real ``redis-server``: same key, TTL expiry, de-duplication.

Commands used as documented at https://redis.io/docs/latest/commands/
(``SET`` with ``NX``/``PX``, ``PTTL``, ``SCAN``, ``STRLEN``); the provider
is the loopback server answering OpenAI-chat-shaped bodies (``vllm``
preset). Redis that cannot be reached is a closed loopback port.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, List

import pytest
from loopback import LoopbackServer, Reply
from redis_server import _free_port

import modelkit
from modelkit import CachePolicy, CacheWarning, ConfigError
from modelkit.cache import _lookup
from modelkit.cache._key import key_document, model_dir, request_key
from modelkit.cache._policy import current_epoch


@pytest.fixture
def shared_cache(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> Any:
    monkeypatch.setenv("MODELKIT_CACHE_URL", redis_url)
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def _model(loopback: LoopbackServer) -> modelkit.Model:
    return modelkit.get_model("vllm/served", base_url=f"{loopback.url}/v1")


def test_hit_from_the_shared_store_under_the_sqlite_key(
    shared_cache: Any, loopback: LoopbackServer
) -> None:
    model = _model(loopback)
    first = model.generate("hi", cache=True)
    second = model.generate("hi", cache=True)
    assert loopback.count == 1
    assert not first.cached and second.cached is True
    assert second.completion == first.completion
    request = model.prepare("hi")
    document = key_document("vllm", "served", f"{loopback.url}/v1", request, current_epoch(), {})
    name = f"modelkit:cache:{model_dir('vllm/served')}:{request_key(document).hex()}"
    assert shared_cache.exists(name)
    assert not modelkit.cache_path("vllm/served").exists()  # nothing went to sqlite


def test_expiry_is_the_redis_ttl(shared_cache: Any, loopback: LoopbackServer) -> None:
    model = _model(loopback)
    model.generate("short", cache=CachePolicy(expiry="30s"))
    model.generate("forever", cache=CachePolicy(expiry=None))
    ttls = {int(shared_cache.pttl(k)) for k in shared_cache.scan_iter("modelkit:cache:*")}
    assert -1 in ttls  # no expiry
    (short,) = ttls - {-1}
    assert 0 < short <= 30_000


def test_expired_entry_is_a_miss(shared_cache: Any, loopback: LoopbackServer) -> None:
    model = _model(loopback)
    model.generate("hi", cache=CachePolicy(expiry="30s"))
    for name in shared_cache.scan_iter("modelkit:cache:*"):
        shared_cache.pexpire(name, 1)
    shared_cache.ping()
    import time

    time.sleep(0.01)
    assert not model.generate("hi", cache=CachePolicy(expiry="30s")).cached
    assert loopback.count == 2


def test_cache_functions_work_on_the_shared_store(
    shared_cache: Any, loopback: LoopbackServer
) -> None:
    model = _model(loopback)
    other = modelkit.get_model("ollama/x", base_url=f"{loopback.url}/v1")
    model.generate("a", cache=True)
    model.generate("b", cache=True)
    other.generate("a", cache=True)
    sizes = dict(modelkit.cache_size())
    assert set(sizes) == {"vllm/served", "ollama/x"}
    assert sizes["vllm/served"] > sizes["ollama/x"] > 0
    assert dict(modelkit.cache_size(["ollama"])) == {"ollama/x": sizes["ollama/x"]}
    assert modelkit.cache_list_expired() == []
    modelkit.cache_prune()
    assert modelkit.cache_clear("vllm") is True
    assert [m for m, _ in modelkit.cache_size()] == ["ollama/x"]
    assert modelkit.cache_clear() is True
    assert modelkit.cache_clear() is False
    assert modelkit.cache_size() == []


def test_duplicates_in_flight_reach_the_api_once(
    shared_cache: Any, loopback: LoopbackServer
) -> None:
    loopback.default = Reply(delay=0.3)
    model = _model(loopback)
    outputs: List[Any] = []
    threads = [
        threading.Thread(target=lambda: outputs.append(model.generate("same", cache=True)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loopback.count == 1
    assert sorted(bool(o.cached) for o in outputs) == [False, True, True, True]


def test_a_failed_claimant_lets_a_waiter_call(shared_cache: Any, loopback: LoopbackServer) -> None:
    loopback.script(Reply(status=400, body={"error": {"message": "no"}}, delay=0.2))
    model = _model(loopback)
    results: List[Any] = []

    def call() -> None:
        try:
            results.append(model.generate("x", cache=True).completion)
        except modelkit.BadRequestError as error:
            results.append(error.status)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [400, "Hello from loopback"]
    assert loopback.count == 2
    assert not list(shared_cache.scan_iter("modelkit:claim:*"))


def test_claims_can_be_turned_off(
    shared_cache: Any, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_CLAIM_SECONDS", "0")
    model = _model(loopback)
    model.generate("x", cache=True)
    assert model.generate("x", cache=True).cached
    assert not list(shared_cache.scan_iter("modelkit:claim:*"))


def test_unreachable_redis_warns_once_and_calls_go_on_uncached(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer
) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_URL", f"redis://:hunter2@127.0.0.1:{_free_port()}/0")
    model = _model(loopback)
    with pytest.warns(CacheWarning) as caught:
        outputs = [model.generate("hi", cache=True) for _ in range(3)]
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "unreachable" in message and "uncached" in message
    assert "hunter2" not in message
    assert not any(o.cached for o in outputs)
    assert loopback.count == 3
    assert modelkit.cache_size() == []


def test_a_url_that_is_not_redis_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer
) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_URL", "memcached://127.0.0.1:1")
    with pytest.raises(ConfigError, match="not a Redis URL"):
        _model(loopback).generate("hi", cache=True)


def test_missing_redis_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "redis", None)
    monkeypatch.setenv("MODELKIT_CACHE_URL", f"redis://127.0.0.1:{_free_port()}/7")
    with pytest.raises(ConfigError, match=r"needs the redis package: pip install redis \("):
        _model(loopback).generate("hi", cache=True)


def test_uncached_calls_never_touch_redis(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer
) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_URL", f"redis://127.0.0.1:{_free_port()}/0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _model(loopback).generate("hi").completion == "Hello from loopback"
    assert _lookup is not None


def test_a_look_by_key_claims_nothing(shared_cache: Any, loopback: LoopbackServer) -> None:
    model = _model(loopback)
    request = model.prepare("never asked")
    key = _lookup.key_for(model.api, request, CachePolicy())
    assert key is not None
    assert _lookup.fetch_key(model.api, key) is None
    assert not list(shared_cache.scan_iter("modelkit:claim:*"))


_NO_REDIS_IMPORT = r"""
import sys
import modelkit
assert "redis" not in sys.modules, "import modelkit imported redis"
modelkit.get_model("mockllm/model").generate("hi")
modelkit.get_model("mockllm/model").generate("hi", cache=True)
assert "redis" not in sys.modules, "the sqlite cache imported redis"
print("ok")
"""


def test_import_and_the_sqlite_cache_never_import_redis(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELKIT_CACHE_URL")}
    env["MODELKIT_CACHE_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _NO_REDIS_IMPORT], env=env, capture_output=True, text=True
    )
    assert done.stdout.strip() == "ok", done.stderr
