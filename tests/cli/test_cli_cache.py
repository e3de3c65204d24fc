"""``modelkit cache``: path, size (entries and bytes per model), list-expired, prune, clear."""

from __future__ import annotations

from typing import Iterator, List, Tuple

import pytest
from cache_fill import FakeClock, fill, model

from modelkit import CachePolicy, cache_list_expired, cache_path
from modelkit.cache import _store as _cache_store
from modelkit.cli import main


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock()
    monkeypatch.setattr(_cache_store, "clock", fake)
    yield fake
    _cache_store.close_thread_connections()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Tuple[int, List[str]]:
    code = main(["cache", *argv])
    return code, capsys.readouterr().out.splitlines()


def test_path_and_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "path") == (0, [str(cache_path())])
    assert cli(capsys, "path", "-m", "openai/gpt-4o") == (0, [str(cache_path("openai/gpt-4o"))])
    assert cli(capsys, "size") == (0, [f"no cached responses under {cache_path()}"])
    fill("a", ["x", "y"])
    fill("b", ["x"])
    code, lines = cli(capsys, "size")
    assert code == 0 and len(lines) == 3
    assert lines[0].split()[:2] == ["2", "entries"] and lines[0].endswith("  mockllm/a")
    assert "KiB" in lines[0]
    assert lines[1].split()[:2] == ["1", "entry"] and lines[1].endswith("  mockllm/b")
    assert lines[2].split()[:2] == ["3", "entries"] and lines[2].endswith("  total")
    code, lines = cli(capsys, "size", "--model", "mockllm/b")
    assert len(lines) == 1 and lines[0].endswith("mockllm/b")


def test_list_expired_and_prune(capsys: pytest.CaptureFixture[str], clock: FakeClock) -> None:
    fill("a", ["x", "y"], expiry="1m")
    fill("b", ["x"], expiry="1m")
    clock.now += 60
    code, lines = cli(capsys, "list-expired", "-m", "mockllm/a")
    assert code == 0 and sorted(lines) == sorted(str(p) for p in cache_list_expired(["mockllm/a"]))
    assert cli(capsys, "prune", "-m", "mockllm/a") == (0, ["pruned 2 expired entries"])
    assert cli(capsys, "prune") == (0, ["pruned 1 expired entry"])
    assert cli(capsys, "prune") == (0, ["pruned 0 expired entries"])


def test_clear_says_what_it_removed_and_size_shows_it(capsys: pytest.CaptureFixture[str]) -> None:
    fill("a", ["x", "y"])
    fill("b", ["x"])
    assert cli(capsys, "clear", "-m", "mockllm/a", "-m", "mockllm/zzz") == (
        0,
        [
            "cleared 2 entries of mockllm/a",
            "nothing cached for mockllm/zzz",
        ],
    )
    assert cli(capsys, "size")[0] == 0
    _, lines = cli(capsys, "size")  # the emptied database file stays, with no entry
    assert [line.split()[:2] + line.split()[-1:] for line in lines] == [
        ["0", "entries", "mockllm/a"],
        ["1", "entry", "mockllm/b"],
        ["1", "entry", "total"],
    ]
    assert cli(capsys, "clear", "-m", "mockllm/a") == (
        0,
        ["nothing cached for mockllm/a"],
    )
    assert cli(capsys, "clear", "--all") == (0, ["cleared 1 entry of every model"])
    assert not model("b").generate("x", cache=CachePolicy(expiry="1h")).cached


@pytest.mark.parametrize("argv", [["clear"], ["clear", "--all", "-m", "mockllm/a"]])
def test_clear_without_a_choice_explains_all_and_model(
    argv: List[str], capsys: pytest.CaptureFixture[str]
) -> None:
    fill("a", ["x"])
    assert main(["cache", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("usage: modelkit cache clear")
    assert "--all for every model, or --model NAME" in captured.err
    assert model("a").generate("x", cache=CachePolicy(expiry="1h")).cached


def test_cache_without_subcommand_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache"]) == 2
    assert "size" in capsys.readouterr().err


def test_size_and_clear_on_the_shared_redis_cache(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODELKIT_CACHE_URL", redis_url)
    fill("a", ["x", "y"])
    fill("b", ["x"])
    _, lines = cli(capsys, "size")
    assert [line.split()[:2] + line.split()[-1:] for line in lines] == [
        ["2", "entries", "mockllm/a"],
        ["1", "entry", "mockllm/b"],
        ["3", "entries", "total"],
    ]
    assert cli(capsys, "clear", "-m", "mockllm/a") == (
        0,
        ["cleared 2 entries of mockllm/a"],
    )
    assert cli(capsys, "clear", "-m", "mockllm/a") == (
        0,
        ["nothing cached for mockllm/a"],
    )
    assert [line.split()[-1] for line in cli(capsys, "size")[1]] == ["mockllm/b"]
