"""Response cache: hit latency as the store grows, against an uncached call, in one run.

Measures ``mockllm`` ``generate(prompt)`` without the cache (the baseline),
then ``generate(prompt, cache=True)`` hits with 1,000 and with 100,000
entries in the model's database, each hit asking for a prompt drawn at
random from all the entries (so the lookups range over the whole B-tree,
not a few hot pages), plus a miss (lookup, call, store). The store is filled
fast but fairly: 200 entries come from real ``generate`` calls, the rest
are inserted directly in one transaction under the keys their prompts
really have and with the same serialised output those calls stored, so
rows and the B-tree have their real sizes. Also prints the parts of a hit (key, sqlite
lookup, decode) and the database size per entry after a checkpoint.
Target: a hit under 1 ms, flat from 1,000 to 100,000 entries.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(tempfile.mkdtemp(prefix="modelkit-bench-cache-"))
os.environ["MODELKIT_CACHE_DIR"] = str(ROOT)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _report import report  # noqa: E402

import modelkit  # noqa: E402 - after MODELKIT_CACHE_DIR is set
from modelkit.cache import _key as _cache_key  # noqa: E402
from modelkit.cache import _lookup  # noqa: E402
from modelkit.cache import _store as _cache_store  # noqa: E402

REAL = 200
SIZES = (1_000, 100_000)
CALLS = 3_000
PROMPT = "Summarise the plot of Hamlet in two sentences, please: prompt {}"


def _median_us(fn: Callable[[int], object], calls: int = CALLS) -> Dict[str, float]:
    samples: List[float] = []
    for i in range(calls):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {
        "median": statistics.median(samples) * 1e6,
        "p90": samples[int(len(samples) * 0.9)] * 1e6,
        "p99": samples[int(len(samples) * 0.99)] * 1e6,
    }


def _fill(name: str, total: int) -> modelkit.Model:
    model = modelkit.get_model(f"mockllm/{name}")
    for i in range(REAL):
        model.generate(PROMPT.format(i), cache=True)
    db = modelkit.cache_path(str(model)) / _cache_key.DB_NAME
    conn = sqlite3.connect(str(db), isolation_level=None, timeout=10)
    output = conn.execute("SELECT output FROM entries LIMIT 1").fetchone()[0]
    created = time.time()
    keys = (_key_of(model, PROMPT.format(i)) for i in range(REAL, total))
    rows = (
        (
            int.from_bytes(key[:8], "big", signed=True),
            key,
            output,
            created,
            created + 604800,
        )
        for key in keys
    )
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT OR IGNORE INTO entries (id, key, output, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    conn.close()
    assert count == total, count
    return model


def _key_of(model: modelkit.Model, prompt: str) -> bytes:
    """The cache key ``model.generate(prompt, cache=True)`` looks up."""
    document = _cache_key.key_document("mockllm", model.name, None, model.prepare(prompt), None, {})
    key: bytes = _cache_key.request_key(document)
    return key


def _in_turns(
    first: Callable[[int], object], second: Callable[[int], object], calls: int = CALLS
) -> List[float]:
    """Median microseconds of ``first`` and ``second``, called in turns (the load hits both)."""
    a: List[float] = []
    b: List[float] = []
    clock = time.perf_counter
    for i in range(calls):
        start = clock()
        first(i)
        middle = clock()
        second(i)
        b.append(clock() - middle)
        a.append(middle - start)
    return [statistics.median(a) * 1e6, statistics.median(b) * 1e6]


def _floor_reader(db: Path) -> Callable[[bytes], object]:
    """The floor of a hit: sqlite3's SELECT of the row by its key, and ``json.loads``."""
    conn = sqlite3.connect(str(db), isolation_level=None, check_same_thread=False)

    def read(key: bytes) -> object:
        row = conn.execute(
            "SELECT output FROM entries WHERE id = ? AND key = ?",
            (int.from_bytes(key[:8], "big", signed=True), key),
        ).fetchone()
        return json.loads(row[0])

    return read


def _row(label: str, stats: Dict[str, float], base: float) -> None:
    print(
        f"{label:<44} {stats['median']:>9.1f} {stats['p90']:>9.1f} {stats['p99']:>9.1f}"
        f" {stats['median'] / base:>8.2f}x"
    )


def main() -> None:
    try:
        plain = modelkit.get_model("mockllm/plain")
        baseline = _median_us(lambda i: plain.generate(PROMPT.format(i % REAL)))
        base = baseline["median"]
        print(f"{'generate(...)':<44} {'median us':>9} {'p90 us':>9} {'p99 us':>9} {'vs base':>9}")
        _row("mockllm, no cache (baseline)", baseline, base)
        sizes: Dict[int, float] = {}
        for total in SIZES:
            model = _fill(f"store-{total}", total)
            draws = [random.randrange(total) for _ in range(CALLS)]
            assert model.generate(PROMPT.format(total - 1), cache=True).cached
            stats = _median_us(
                lambda i, model=model, draws=draws: model.generate(
                    PROMPT.format(draws[i]), cache=True
                )
            )
            _row(f"cache hit, {total:,} entries (random keys)", stats, base)
            if total == SIZES[-1]:
                db = modelkit.cache_path(str(model)) / _cache_key.DB_NAME
                floor_read = _floor_reader(db)
                keys = [_key_of(model, PROMPT.format(n)) for n in draws]
                floor, hit = _in_turns(
                    lambda i, read=floor_read, keys=keys: read(keys[i]),
                    lambda i, model=model, draws=draws: model.generate(
                        PROMPT.format(draws[i]), cache=True
                    ),
                )
                print(
                    f"  in turns with its floor (sqlite SELECT + json.loads {floor:.1f} us): "
                    f"hit {hit:.1f} us, {hit / floor:.2f}x (target <= 3x)"
                )
                report(
                    f"a cache hit, {total:,} entries, random keys",
                    "sqlite3 SELECT of the row + json.loads",
                    floor,
                    hit,
                    3.0,
                )
            db = modelkit.cache_path(str(model)) / _cache_key.DB_NAME
            _cache_store.close_thread_connections()  # checkpoints the WAL into the file
            sizes[total] = sum(p.stat().st_size for p in db.parent.iterdir()) / total
        miss_model = modelkit.get_model("mockllm/misses")
        _row(
            "cache miss + store (new prompt each call)",
            _median_us(lambda i: miss_model.generate(f"unique {i}", cache=True), 1000),
            base,
        )

        model = modelkit.get_model(f"mockllm/store-{SIZES[-1]}")
        request = model.prepare(PROMPT.format(0))
        policy = modelkit.CachePolicy()
        db = modelkit.cache_path(str(model)) / _cache_key.DB_NAME
        document = _cache_key.key_document("mockllm", model.name, None, request, None, {})
        key = _cache_key.request_key(document)
        data = _cache_store.get(db, key)
        assert data is not None
        print(f"\nparts of a hit ({SIZES[-1]:,} entries)             median us")
        parts = {
            "prepare (normalise input)": lambda i: model.prepare(PROMPT.format(0)),
            "key (canonical JSON + sha256)": lambda i: _cache_key.request_key(
                _cache_key.key_document("mockllm", model.name, None, request, None, {})
            ),
            "sqlite lookup": lambda i: _cache_store.get(db, key),
            "decode (JSON -> ModelOutput)": lambda i: modelkit.ModelOutput.from_dict(
                json.loads(data)
            ),
            "whole lookup (key_for + fetch_key)": lambda i: _lookup.fetch_key(
                model.api, _lookup.key_for(model.api, request, policy) or ""
            ),
        }
        for label, fn in parts.items():
            print(f"  {label:<42} {_median_us(fn)['median']:>9.1f}")
        print(f"\nstored output: {len(data)} bytes of JSON per entry")
        for total, per in sizes.items():
            print(f"database size per entry at {total:>7,} entries: {per:,.0f} bytes")
        flat = _median_us(lambda i: None)  # timer overhead, for the record
        print(
            f"(timer overhead {flat['median']:.2f} us; Python {sys.version.split()[0]}, ",
            end="",
        )
        print(f"sqlite {sqlite3.sqlite_version})")
    finally:
        _cache_store.close_thread_connections()
        shutil.rmtree(ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
