"""The ``cache_*`` functions.

``cache_path`` finds the root and model directories; ``cache_size``,
``cache_clear``, ``cache_list_expired`` and ``cache_prune`` are checked for
their return values and effects, on an injected clock. Entry paths from
``cache_list_expired`` must be accepted back by ``cache_prune`` and
``cache_size``. The ``modelkit cache`` command is tested in ``tests/cli``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest
from cache_fill import FakeClock, fill, model

from modelkit import (
    CachePolicy,
    ConfigError,
    cache_clear,
    cache_list_expired,
    cache_path,
    cache_prune,
    cache_size,
)
from modelkit.cache import _store as _cache_store
from modelkit.cache._admin import cache_entries


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock()
    monkeypatch.setattr(_cache_store, "clock", fake)
    yield fake
    _cache_store.close_thread_connections()


# --- cache_path --------------------------------------------------------------------


def test_cache_path_root_and_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = tmp_path / "modelkit-cache"
    assert cache_path() == root
    assert cache_path("openai/gpt-4o") == root / "openai" / "gpt-4o"
    assert cache_path("hf/org/model:v1") == root / "hf" / "org" / "model%3Av1"
    for hostile in ("../../etc", "a/../../b", "/abs/path", "a//b"):
        assert root in cache_path(hostile).parents, hostile
    assert not root.exists()  # nothing is created
    monkeypatch.delenv("MODELKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_path() == tmp_path / "xdg" / "modelkit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    if sys.platform.startswith("linux"):
        assert cache_path() == tmp_path / "home" / ".cache" / "modelkit"


# --- cache_size --------------------------------------------------------------------


def test_cache_size_per_model_filtered_and_sorted() -> None:
    assert cache_size() == []
    fill("b", ["x"])
    fill("a", ["x", "y"])
    sizes = cache_size()
    assert [name for name, _ in sizes] == ["mockllm/a", "mockllm/b"]
    assert all(size > 0 for _, size in sizes)
    assert cache_size(subdirs=["mockllm/a"]) == sizes[:1]
    assert cache_size(subdirs=["mockllm"]) == sizes
    assert cache_size(subdirs=["openai"]) == []
    total = sum(p.stat().st_size for p in cache_path("mockllm/a").iterdir())
    assert dict(sizes)["mockllm/a"] == total


def test_cache_size_of_entry_paths_counts_those_entries(clock: FakeClock) -> None:
    fill("a", ["x", "y"], expiry="1m")
    fill("a", ["z"], expiry=None)
    clock.now += 60
    expired = cache_list_expired()
    assert len(expired) == 2
    [(name, size)] = cache_size(files=expired)
    assert name == "mockllm/a"
    one = cache_size(files=expired[:1])[0][1]
    assert 0 < one < size < cache_size()[0][1]


# --- cache_clear -------------------------------------------------------------------


def test_cache_clear_one_model_then_all() -> None:
    fill("a", ["x"])
    b = fill("b", ["x"])
    assert cache_clear("mockllm/nothing") is False
    assert cache_clear("mockllm/a") is True
    assert not model("a").generate("x", cache=CachePolicy(expiry="1h")).cached
    assert b.generate("x", cache=CachePolicy(expiry="1h")).cached
    assert cache_clear() is True
    assert not b.generate("x", cache=CachePolicy(expiry="1h")).cached


def test_cache_clear_with_no_cache_is_false() -> None:
    assert cache_clear() is False


def test_cache_clear_is_false_when_nothing_was_removed() -> None:
    fill("a", ["x", "y"])
    fill("b", ["x"])
    assert cache_entries() == [("mockllm/a", 2), ("mockllm/b", 1)]
    assert cache_entries(["mockllm/b"]) == [("mockllm/b", 1)]
    assert cache_clear("mockllm/a") is True
    assert cache_clear("mockllm/a") is False  # the emptied database is still there
    assert cache_entries() == [("mockllm/b", 1)]


def test_cache_clear_empties_the_database_and_deletes_corrupt_leftovers() -> None:
    fill("a", [f"prompt {i} " + "x" * 2000 for i in range(200)])
    directory = cache_path("mockllm/a")
    (directory / "cache.sqlite3.corrupt-1-2").write_bytes(b"junk")
    before = cache_size()[0][1]
    assert cache_clear("mockllm") is True
    assert not (directory / "cache.sqlite3.corrupt-1-2").exists()
    assert cache_size()[0][1] < before / 10  # space was reclaimed


# --- cache_list_expired / cache_prune ----------------------------------------------


def test_list_expired_names_each_expired_entry_under_its_model(clock: FakeClock) -> None:
    fill("a", ["x", "y"], expiry="1m")
    fill("b", ["x"], expiry="2m")
    fill("a", ["keep"], expiry=None)
    assert cache_list_expired() == []
    clock.now += 60
    expired = cache_list_expired()
    assert len(expired) == 2
    for path in expired:
        assert path.parent == cache_path("mockllm/a")
        assert len(path.name) == 64 and int(path.name, 16) >= 0
    assert sorted(cache_list_expired(["mockllm/a"])) == sorted(expired)
    assert cache_list_expired(["mockllm/b"]) == []
    clock.now += 60
    assert len(cache_list_expired()) == 3
    assert len(cache_list_expired(["mockllm"])) == 3
    assert cache_list_expired(["openai"]) == []


def test_prune_given_paths_deletes_only_those(clock: FakeClock) -> None:
    fill("a", ["x", "y"], expiry="1m")
    clock.now += 60
    first, second = cache_list_expired()
    assert cache_prune([first]) is None
    assert cache_list_expired() == [second]
    cache_prune([str(second)])  # type: ignore[list-item]
    assert cache_list_expired() == []


def test_prune_keeps_an_entry_stored_again_since_it_was_listed(clock: FakeClock) -> None:
    fill("a", ["x"], expiry="1m")
    clock.now += 60
    [listed] = cache_list_expired()
    fill("a", ["x"], expiry="1m")  # a miss: stored again, fresh
    cache_prune([listed])
    assert model("a").generate("x", cache=CachePolicy(expiry="1m")).cached


def test_prune_all_deletes_expired_keeps_live_and_reclaims_space(clock: FakeClock) -> None:
    fill("a", [f"old {i} " + "x" * 2000 for i in range(300)], expiry="1m")
    fill("a", ["live"], expiry="1h")
    fill("b", ["old"], expiry="1m")
    clock.now += 60
    before = cache_size()
    cache_prune()
    assert cache_list_expired() == []
    assert model("a").generate("live", cache=CachePolicy(expiry="1h")).cached
    assert dict(cache_size())["mockllm/a"] < dict(before)["mockllm/a"] / 10


@pytest.mark.parametrize("bad", ["/elsewhere/" + "a" * 64, "mockllm/a/not-a-key", "{root}/x"])
def test_prune_rejects_paths_that_are_not_entries(bad: str) -> None:
    with pytest.raises(ConfigError, match="not a cache entry path"):
        cache_prune([Path(bad.format(root=cache_path()))])


def test_files_and_directories_are_owner_only() -> None:
    fill("a", ["x"])
    directory = cache_path("mockllm/a")
    for path in (cache_path(), directory.parent, directory):
        assert os.stat(path).st_mode & 0o777 == 0o700, path
    files = sorted(directory.iterdir())
    assert [p.name for p in files] == ["cache.sqlite3", "cache.sqlite3-shm", "cache.sqlite3-wal"]
    for path in files:
        assert os.stat(path).st_mode & 0o777 == 0o600, path


def test_other_files_under_the_root_are_never_counted_or_deleted() -> None:
    fill("a", ["x"])
    other = cache_path() / "llama-cpp-wheels" / "wheel.whl"
    other.parent.mkdir()
    other.write_bytes(b"w" * 5000)
    assert [name for name, _ in cache_size()] == ["mockllm/a"]
    assert cache_clear() is True
    assert other.read_bytes() == b"w" * 5000
