"""Nothing raises because of Redis, and no Redis password is ever printed.

Against the real ``redis-server`` of ``tests/redis_server.py``: ``RPUSH`` on
a cache entry's key makes the next ``GET`` answer ``WRONGTYPE``, and
``CONFIG SET maxmemory 1`` (with the default ``noeviction`` policy) makes
every write answer ``OOM command not allowed when used memory >
'maxmemory'`` (https://redis.io/docs/latest/commands/config-set/,
https://redis.io/docs/latest/develop/reference/eviction/). Passwords sit
where redis-py reads them (``redis.Redis.from_url``: the userinfo, or the
``password`` query argument; https://redis.readthedocs.io/en/stable/connections.html).
Each test uses its own database number, so each gets its own link and its
one warning.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, Iterator, List

import pytest
from loopback import LoopbackServer
from redis_server import _free_port

import modelkit
from modelkit import CacheWarning, ConfigError
from modelkit._engine.fleet import LimitsWarning
from modelkit._redis import RedisLink
from modelkit.cache._key import key_document, model_dir, request_key
from modelkit.cache._policy import current_epoch


def _url(redis_url: str, db: int) -> str:
    return redis_url.rsplit("/", 1)[0] + f"/{db}"


@pytest.fixture
def client(redis_url: str) -> Iterator[Any]:
    import redis

    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.config_set("maxmemory", 0)
    connection.flushall()
    connection.close()


def _model(loopback: LoopbackServer, **config: Any) -> modelkit.Model:
    return modelkit.get_model("vllm/served", base_url=f"{loopback.url}/v1", config=config)


def _entry(model: modelkit.Model, loopback: LoopbackServer, prompt: str) -> str:
    request = model.prepare(prompt)
    document = key_document("vllm", "served", f"{loopback.url}/v1", request, current_epoch(), {})
    return f"modelkit:cache:{model_dir('vllm/served')}:{request_key(document).hex()}"


def _messages(caught: List[Any]) -> List[str]:
    return [str(w.message) for w in caught]


# --- point 12: Redis errors never escape ----------------------------------------


def test_an_entry_replaced_with_a_list_is_a_miss_and_one_warning(
    client: Any, redis_url: str, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _url(redis_url, 3)
    monkeypatch.setenv("MODELKIT_CACHE_URL", url)
    model = _model(loopback)
    entry = _entry(model, loopback, "hi")
    db = client.connection_pool.connection_kwargs
    other = type(client)(host=db["host"], port=db["port"], db=3)
    other.rpush(entry, "not", "an", "entry")
    with pytest.warns(CacheWarning) as caught:
        first = model.generate("hi", cache=True)
        second = model.generate("hi", cache=True)
    assert not first.cached and second.cached  # the store replaced the list
    assert len(caught) == 1
    assert "WRONGTYPE" in _messages(caught)[0] and "succeed" in _messages(caught)[0]
    assert loopback.count == 1
    other.close()


def test_a_full_redis_skips_the_claim_and_the_store(
    client: Any, redis_url: str, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_URL", _url(redis_url, 4))
    client.config_set("maxmemory", 1)
    model = _model(loopback)
    with pytest.warns(CacheWarning) as caught:
        outputs = [model.generate("hi", cache=True) for _ in range(2)]
    assert [o.completion for o in outputs] == ["Hello from loopback"] * 2
    assert not any(o.cached for o in outputs) and loopback.count == 2
    assert len(caught) == 1 and "OutOfMemoryError" in _messages(caught)[0]


def test_fleet_limits_and_budgets_go_on_when_redis_is_full(
    client: Any, redis_url: str, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_LIMITS_URL", _url(redis_url, 5))
    client.config_set("maxmemory", 1)
    model = _model(loopback, requests_per_minute=600, tokens_per_minute=100_000)
    with pytest.warns(LimitsWarning) as caught:
        outputs = [model.generate(f"hi {n}") for n in range(2)]
    assert len(outputs) == 2 and loopback.count == 2
    assert len(caught) == 1 and "OutOfMemoryError" in _messages(caught)[0]


def test_fleet_keys_replaced_with_lists_are_skipped(
    client: Any, redis_url: str, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_LIMITS_URL", _url(redis_url, 6))
    model = _model(loopback, requests_per_minute=600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.generate("first")
    db = client.connection_pool.connection_kwargs
    other = type(client)(host=db["host"], port=db["port"], db=6)
    budgets = list(other.scan_iter("modelkit:limits:*:rpm"))
    assert budgets
    for name in budgets:
        other.delete(name)
        other.rpush(name, "x")
        other.rpush(name.replace(b":rpm", b":leases"), "x")
    with pytest.warns(LimitsWarning) as caught:
        model.generate("second")
        model.generate("third")
    assert loopback.count == 3
    assert len(caught) == 1 and "WRONGTYPE" in _messages(caught)[0]
    other.close()


def test_a_claim_key_that_never_expires_is_waited_on_one_claim_life(
    client: Any, redis_url: str, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_URL", _url(redis_url, 7))
    monkeypatch.setenv("MODELKIT_CACHE_CLAIM_SECONDS", "0.2")
    model = _model(loopback)
    claim = _entry(model, loopback, "hi").replace("modelkit:cache:", "modelkit:claim:")
    db = client.connection_pool.connection_kwargs
    other = type(client)(host=db["host"], port=db["port"], db=7)
    other.rpush(claim, "x")  # no expiry: a plain SET NX never takes it
    assert model.generate("hi", cache=True).completion == "Hello from loopback"
    other.close()


# --- point 13: passwords never printed ------------------------------------------

SECRET_URLS = [
    "redis://:hunter2@127.0.0.1:{port}/0",
    "redis://alice:hunter2@127.0.0.1:{port}/0",
    "redis://127.0.0.1:{port}/0?password=hunter2",
    "rediss://:hunter2@127.0.0.1:{port}/0?ssl_cert_reqs=none&password=hunter2",
    "unix:///nonexistent/modelkit-test.sock?db=0&password=hunter2",
    "unix://:hunter2@/nonexistent/modelkit-test.sock",
]


@pytest.mark.parametrize("template", SECRET_URLS)
def test_cache_and_limits_warnings_never_show_a_password(
    template: str, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = template.format(port=_free_port())
    monkeypatch.setenv("MODELKIT_CACHE_URL", url)
    monkeypatch.setenv("MODELKIT_LIMITS_URL", url)
    with pytest.warns(UserWarning) as caught:
        _model(loopback).generate("hi", cache=True)
    kinds = {type(w.message) for w in caught}
    assert {CacheWarning, LimitsWarning} <= {k for k in kinds}
    for message in _messages(caught):
        assert "hunter2" not in message and "[redacted]" in message
    link = RedisLink(url, "response cache", CacheWarning)
    assert "hunter2" not in repr(link)


def test_the_bad_url_config_error_never_shows_a_password(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "MODELKIT_CACHE_URL", "redis://:hunter2@127.0.0.1:notaport/0?password=hunter3"
    )
    with pytest.raises(ConfigError) as caught:
        _model(loopback).generate("hi", cache=True)
    assert "bad Redis URL" in str(caught.value)
    assert "hunter" not in str(caught.value) and caught.value.__cause__ is None
    monkeypatch.setenv("MODELKIT_LIMITS_URL", "http://127.0.0.1:1/0?password=hunter4")
    with pytest.raises(ConfigError, match="not a Redis URL") as refused:
        _model(loopback).generate("hi")
    assert "hunter4" not in str(refused.value)


# --- point 24: the install hint works -------------------------------------------


def test_the_missing_package_hint_is_a_command_that_works(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setenv("MODELKIT_LIMITS_URL", f"redis://127.0.0.1:{_free_port()}/0")
    with pytest.raises(ConfigError) as caught:
        _model(loopback).generate("hi")
    assert "pip install redis " in str(caught.value)
    assert "modelkit-llm[" not in str(caught.value)
