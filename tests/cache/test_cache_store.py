"""The sqlite3 store under load and under faults.

Recovery: a corrupt database file is moved aside with one ``CacheWarning``
and a new one is created; an unwritable cache location disables caching
with exactly one ``CacheWarning`` while every call still succeeds; a
database from a newer schema is left alone. Concurrency: threads of one
process, and 4 processes x 8 threads sharing one model's database for a few
seconds: no "database is locked" (or any) error, no entry lost or mixed up.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from modelkit import CachePolicy, CacheWarning, Model, cache_path, get_model
from modelkit.cache import _store as _cache_store


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    _cache_store.close_thread_connections()


def echo(name: str = "model") -> Model:
    """A mockllm whose answer is derived from the prompt (so a mix-up shows)."""
    return get_model(f"mockllm/{name}", custom_outputs=lambda input, *_: f"re: {input[-1].text}")


# --- corruption --------------------------------------------------------------------


def test_corrupt_database_is_moved_aside_with_a_warning_and_recreated() -> None:
    directory = cache_path("mockllm/model")
    directory.mkdir(parents=True)
    (directory / "cache.sqlite3").write_bytes(b"this is not an sqlite database\n" * 200)
    model = echo()
    with pytest.warns(CacheWarning, match="was corrupt"):
        output = model.generate("hello", cache=True)
    assert output.completion == "re: hello"
    aside = [p.name for p in directory.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1
    assert (directory / aside[0]).read_bytes().startswith(b"this is not an sqlite database")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.generate("hello", cache=True)  # stored in the new database...
        assert model.generate("hello", cache=True).cached  # ...and served from it


def test_corrupt_database_found_by_a_write_is_recovered_too() -> None:
    directory = cache_path("mockllm/model")
    directory.mkdir(parents=True)
    header = b"SQLite format 3\x00"
    (directory / "cache.sqlite3").write_bytes(header + b"\xff" * 8000)
    with pytest.warns(CacheWarning, match="corrupt"):
        _cache_store.put(directory / "cache.sqlite3", b"k" * 32, b"{}", None)
    assert _cache_store.get(directory / "cache.sqlite3", b"k" * 32) == b"{}"


def test_undecodable_entry_is_a_miss_not_an_error() -> None:
    model = echo()
    model.generate("hello", cache=True)
    db = cache_path("mockllm/model") / "cache.sqlite3"
    with sqlite3.connect(str(db)) as conn:
        conn.execute("UPDATE entries SET output = ?", (b'{"choices": "nonsense"}',))
    conn.close()
    output = model.generate("hello", cache=True)
    assert not output.cached and output.completion == "re: hello"
    assert model.generate("hello", cache=True).cached  # replaced by the good answer


def _answer_row(text: str = "re: hello") -> Dict[str, Any]:
    message = {"role": "assistant", "content": text, "source": "generate"}
    return {"model": "model", "choices": [{"message": message, "stop_reason": "stop"}]}


@pytest.mark.parametrize(
    "row",
    [
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError before (issue 16, point 9)
        json.dumps({"model": "m", "metadata": {"a": [[[[[[[[]]]]]]]] * 1}})
        .replace("[[[[[[[[]]]]]]]]", "[" * 900 + "]" * 900)
        .encode(),
        json.dumps(_answer_row(text=42)).encode(),  # type: ignore[arg-type]
        json.dumps({**_answer_row(), "usage": {"input_tokens": "12"}}).encode(),
        json.dumps({**_answer_row(), "usage": {"input_tokens": 1}})
        .replace("1}", "1e999}")
        .encode(),
        json.dumps({**_answer_row(), "choices": [{"message": 7}]}).encode(),
    ],
    ids=["100000-deep", "900-deep-field", "text-int", "usage-str", "usage-1e999", "message-int"],
)
def test_a_hostile_or_malformed_entry_is_a_miss_never_a_failure(row: bytes) -> None:
    model = echo()
    model.generate("hello", cache=True)
    db = cache_path("mockllm/model") / "cache.sqlite3"
    with sqlite3.connect(str(db)) as conn:
        conn.execute("UPDATE entries SET output = ?", (row,))
    conn.close()
    output = model.generate("hello", cache=True)
    assert not output.cached and output.completion == "re: hello"
    assert model.generate("hello", cache=True).cached  # replaced by the good answer


def test_database_from_a_newer_schema_is_left_alone() -> None:
    db = cache_path("mockllm/model") / "cache.sqlite3"
    db.parent.mkdir(parents=True)
    with sqlite3.connect(str(db)) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    model = echo()
    with pytest.warns(CacheWarning, match="schema 99, newer"):
        assert model.generate("hello", cache=True).completion == "re: hello"
    assert not model.generate("hello", cache=True).cached
    with sqlite3.connect(str(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    conn.close()


# --- unwritable locations ----------------------------------------------------------


def _assert_disabled_with_one_warning(model: Model) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outputs = [model.generate("hello", cache=True) for _ in range(3)]
    assert [o.completion for o in outputs] == ["re: hello"] * 3
    assert not any(o.cached for o in outputs)
    cache_warnings = [w for w in caught if issubclass(w.category, CacheWarning)]
    assert len(cache_warnings) == 1, [str(w.message) for w in caught]
    assert "response cache disabled" in str(cache_warnings[0].message)
    assert len(caught) == 1


def test_cache_root_that_cannot_be_created_disables_caching_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MODELKIT_CACHE_DIR", str(blocker / "cache"))
    _assert_disabled_with_one_warning(echo())


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make ``paths`` unwritable, even for root (``chattr +i``), or skip the test."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    modes = {path: os.stat(path).st_mode & 0o777 for path in paths}
    done: List[Path] = []
    try:
        for path in paths:
            if as_root:
                if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
                    pytest.skip("running as root and chattr +i is unavailable")
            else:
                os.chmod(path, 0o500 if path.is_dir() else 0o400)
            done.append(path)
        yield
    finally:
        for path in reversed(done):
            if as_root:
                subprocess.run(["chattr", "-i", str(path)], check=True)
            else:
                os.chmod(path, modes[path])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_read_only_cache_directory_disables_caching_once() -> None:
    root = cache_path()
    root.mkdir(parents=True)
    with read_only(root):
        _assert_disabled_with_one_warning(echo())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_prebuilt_cache_on_a_read_only_location_disables_caching_once() -> None:
    model = echo()
    model.generate("warm", cache=True)
    _cache_store.close_thread_connections()  # the last close removes -wal and -shm
    directory = cache_path("mockllm/model")
    assert [p.name for p in directory.iterdir()] == ["cache.sqlite3"]
    with read_only(directory / "cache.sqlite3", directory):
        _assert_disabled_with_one_warning(model)


# --- threads -----------------------------------------------------------------------


def test_threads_share_the_cache_without_mix_ups() -> None:
    model = echo()
    errors: List[BaseException] = []
    hits: List[int] = []

    def work(worker: int) -> None:
        try:
            count = 0
            for i in range(60):
                prompt = f"q{(i * 7 + worker) % 25}"
                output = model.generate(prompt, cache=True)
                assert output.completion == f"re: {prompt}", (prompt, output.completion)
                count += bool(output.cached)
            hits.append(count)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    assert sum(hits) >= 16 * 60 - 16 * 25


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_opens_its_own_connection() -> None:
    model = echo()
    model.generate("hello", cache=True)  # the parent now holds a connection
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            hit = model.generate("hello", cache=True).cached
            model.generate("from the child", cache=True)
            code = 0 if hit else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert model.generate("from the child", cache=True).cached
    assert model.generate("hello", cache=True).cached


# --- processes ---------------------------------------------------------------------

_WORKER = r"""
import json, logging, random, sys, threading, time, warnings
warnings.simplefilter("error")
from modelkit import CachePolicy, get_model

seconds, process, keys = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
problems = []
class Collect(logging.Handler):
    def emit(self, record):
        problems.append(record.getMessage())
handler = Collect(level=logging.WARNING)
logging.getLogger("modelkit").addHandler(handler)
model = get_model("mockllm/shared", custom_outputs=lambda input, *_: "value of " + input[-1].text + " from " + str(process))
policy = CachePolicy(expiry=None)
stored, results = set(), {"ops": 0, "hits": 0, "mismatches": 0}
lock = threading.Lock()

def work(thread):
    rng = random.Random(process * 100 + thread)
    deadline = time.monotonic() + seconds
    ops = hits = bad = 0
    mine = set()
    while time.monotonic() < deadline:
        prompt = "key-%d" % rng.randrange(keys)
        try:
            output = model.generate(prompt, cache=policy)
        except Exception as exc:
            problems.append("%s: %s" % (type(exc).__name__, exc))
            continue
        ops += 1
        if not output.completion.startswith("value of " + prompt + " from "):
            bad += 1
        if output.cached:
            hits += 1
        else:
            mine.add(prompt)
    with lock:
        stored.update(mine)
        results["ops"] += ops
        results["hits"] += hits
        results["mismatches"] += bad

threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
results["stored"] = sorted(stored)
results["problems"] = problems
print(json.dumps(results))
"""


def test_four_processes_of_eight_threads_share_one_database(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, "3.0", str(n), "12000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for n in range(4)
    ]
    reports: List[Dict[str, Any]] = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    for report in reports:
        assert report["problems"] == []
        assert report["mismatches"] == 0
        assert report["ops"] > 100
    stored = set().union(*(set(r["stored"]) for r in reports))
    assert sum(r["hits"] for r in reports) > 0 and len(stored) > 100

    # Every entry any process stored is there, and holds its own key's value.
    def refuse(*args: Any) -> str:
        raise AssertionError("an entry was lost: the model was called")

    model = get_model("mockllm/shared", custom_outputs=refuse)
    policy = CachePolicy(expiry=None)
    for prompt in sorted(stored):
        output = model.generate(prompt, cache=policy)
        assert output.cached and output.completion.startswith(f"value of {prompt} from ")
