"""``cache_path`` remembers its answers (issue 24) but follows the environment and cwd."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modelkit.cache import cache_path
from modelkit.cache._key import DB_NAME, db_path


def test_follows_modelkit_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_DIR", str(tmp_path / "a"))
    assert cache_path("openai/gpt-4o") == tmp_path / "a" / "openai" / "gpt-4o"
    assert db_path("openai/gpt-4o") == tmp_path / "a" / "openai" / "gpt-4o" / DB_NAME
    monkeypatch.setenv("MODELKIT_CACHE_DIR", str(tmp_path / "b"))
    assert cache_path("openai/gpt-4o") == tmp_path / "b" / "openai" / "gpt-4o"
    assert db_path("openai/gpt-4o") == tmp_path / "b" / "openai" / "gpt-4o" / DB_NAME


def test_follows_home_and_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MODELKIT_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "h1"))
    first = cache_path("m/x")
    monkeypatch.setenv("HOME", str(tmp_path / "h2"))
    assert cache_path("m/x") != first and str(cache_path("m/x")).startswith(str(tmp_path / "h2"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_path("m/x") == tmp_path / "xdg" / "modelkit" / "m" / "x"


def test_a_relative_root_follows_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_DIR", "rel-cache")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    assert cache_path("m/x") == Path(os.path.abspath("rel-cache")) / "m" / "x"
    monkeypatch.chdir(tmp_path / "two")
    assert cache_path("m/x") == tmp_path / "two" / "rel-cache" / "m" / "x"
