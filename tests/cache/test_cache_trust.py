"""Cache files someone else could have written are never read; links are never followed.

Issue 16, point 11: a pre-planted world-writable database in the cache
directory was read and its entries served, and a symbolic link planted
where a database goes made modelkit write outside the cache directory.
Each test plants the file, link or mode, then checks that the call goes to
the model (not the planted entry), that nothing is written through the
link, and that one ``CacheWarning`` names the path.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import warnings
from pathlib import Path
from typing import Iterator, List

import pytest

from modelkit import CacheWarning, Model, cache_path, get_model
from modelkit.cache import _store as _cache_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners, modes and links")


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    _cache_store.close_thread_connections()


def echo() -> Model:
    return get_model("mockllm/model", custom_outputs=lambda input, *_: f"re: {input[-1].text}")


def _refused(model: Model, needle: str) -> None:
    """Every call is answered by the model; one CacheWarning names ``needle``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outputs = [model.generate("hello", cache=True) for _ in range(2)]
    assert [(o.completion, bool(o.cached)) for o in outputs] == [("re: hello", False)] * 2
    messages: List[str] = [str(w.message) for w in caught if w.category is CacheWarning]
    assert len(messages) == 1 and needle in messages[0], messages


def _poisoned_database() -> Path:
    """A database holding a poisoned answer to "hello" under the real key."""
    model = echo()
    model.generate("hello", cache=True)
    _cache_store.close_thread_connections()
    db = cache_path("mockllm/model") / "cache.sqlite3"
    with sqlite3.connect(str(db)) as conn:
        row = conn.execute("SELECT output FROM entries").fetchone()[0]
        poisoned = row.replace(b"re: hello", b"pwned!!!!")
        conn.execute("UPDATE entries SET output = ?", (poisoned,))
    conn.close()
    assert echo().generate("hello", cache=True).completion == "pwned!!!!"  # served as it stands
    _cache_store.close_thread_connections()
    return db


@pytest.mark.parametrize("mode", [0o666, 0o622, 0o660])
def test_a_database_writable_by_others_is_never_read(mode: int) -> None:
    db = _poisoned_database()
    os.chmod(db, mode)
    _refused(echo(), "is writable by other users")


def test_a_directory_writable_by_others_is_refused() -> None:
    db = _poisoned_database()
    os.chmod(db.parent, 0o777)
    _refused(echo(), f"{db.parent} is writable by other users (mode 777)")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_a_database_owned_by_another_user_is_never_read() -> None:
    db = _poisoned_database()
    os.chown(db, 4242, 4242)
    _refused(echo(), "is owned by uid 4242")


def test_a_symlink_where_the_database_goes_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "victim.sqlite3"
    outside.parent.mkdir()
    directory = cache_path("mockllm/model")
    directory.mkdir(parents=True, mode=0o700)
    (directory / "cache.sqlite3").symlink_to(outside)
    _refused(echo(), "is a symbolic link")
    assert not outside.exists()  # nothing was created or written through the link
    outside.write_bytes(b"")  # a target that exists is not written either
    _cache_store.close_thread_connections()
    echo().generate("other", cache=True)
    assert outside.read_bytes() == b""


def test_a_symlinked_model_directory_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    root = cache_path()
    root.mkdir(parents=True, mode=0o700)
    (root / "mockllm").symlink_to(elsewhere, target_is_directory=True)
    _refused(echo(), "mockllm is a symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_wal_file_is_not_followed(tmp_path: Path) -> None:
    db = _poisoned_database()
    outside = tmp_path / "wal-target"
    Path(f"{db}-wal").symlink_to(outside)
    _refused(echo(), "cache.sqlite3-wal is a symbolic link")
    assert not outside.exists()


def test_a_cache_root_that_is_a_link_or_a_sticky_shared_directory_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real-root"
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp
    (shared / "root").symlink_to(real, target_is_directory=True)
    real.mkdir(mode=0o700)
    for root in (shared / "root", shared):
        monkeypatch.setenv("MODELKIT_CACHE_DIR", str(root))
        model = echo()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.generate("hello", cache=True)
            assert model.generate("hello", cache=True).cached
        _cache_store.close_thread_connections()
