"""Provider batches: submit memory for 100,000 prompts, and collect time against job size.

Submit: ``model.batch_submit`` of 100,000 prompts (a generator) for
``openai/gpt-4o`` through the real OpenAI batch client, whose upload step
is replaced by one that reads the streamed multipart body as the transport
would, and drops it (no network). The job splits into two files of 50,000 requests (OpenAI's
limit). ``tracemalloc`` peak is reported against the floor measured in the
same run: the bytes of the largest file (one file's worth of JSONL), and
against the whole job's JSONL. Target: peak within a small multiple of one
file, far below the whole job.

Submit time (issue 24): CPU microseconds a prompt of ``model.batch_submit``
of 100,000 prompts (100 jobs of 1,000, taking turns with the floor) against
the floor of building each line's object and one ``json.dumps`` of it; the
median turn of each. Target: at most 2x.

Collect: ``_run.collect`` over N = 10,000 / 30,000 / 100,000 results that
come back in reverse input order, from a result file held in memory,
through the real OpenAI result parsing. Floor: only reading the same
file's JSON lines. Target: time per result flat in N (linear collect), a
constant ratio to the floor.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

os.environ["MODELKIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="modelkit-bench-batch-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loopback import chat_completion

import modelkit
from modelkit import BatchConfig, GenerateConfig
from modelkit.batch import (
    BatchHandle,
    BatchJob,
    BatchStatus,
    JobStatus,
    SubmittedJob,
    _run,
)
from modelkit.batch._client import jsonl, multipart
from modelkit.providers.openai._batch import OpenAIBatchClient

PROMPTS = 100_000
PROMPT = "Classify the sentiment of review number {} as positive or negative: 'It was fine.'"


class OfflineClient(OpenAIBatchClient):
    """The OpenAI client with its HTTP steps replaced: uploads are built and dropped."""

    def __init__(self, api: Any, results: bytes = b"") -> None:
        super().__init__(api)
        self.file_sizes: List[int] = []
        self.content = results

    def submit(self, items: Sequence[bytes]) -> SubmittedJob:
        body, _ = multipart({"purpose": "batch"}, "batch.jsonl", items)
        sent = sum(len(piece) for piece in body)  # what the transport would send
        assert sent == len(body)
        self.file_sizes.append(sum(len(item) + 1 for item in items))
        return SubmittedJob(id=f"batch_{len(self.file_sizes)}")

    def results(self, job: BatchJob, status: JobStatus) -> Iterator[Any]:
        for line in jsonl(self.content):
            yield str(line["custom_id"]), self._outcome(line)


def _offline(model: modelkit.Model, results: bytes = b"") -> OfflineClient:
    """The offline client, made the one ``model.batch_submit`` uses; warmed up."""
    client = OfflineClient(model.api, results)
    client.encode("0", model.prepare("warm up"))  # imports happen outside the measurement
    model.api.batch_client = lambda: client  # type: ignore[method-assign]
    return client


def bench_submit(model: modelkit.Model, size: Optional[int]) -> Dict[str, float]:
    client = _offline(model)
    prompts = (PROMPT.format(i) for i in range(PROMPTS))
    config = GenerateConfig(batch=BatchConfig(size=size)) if size else None
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    handle = model.batch_submit(prompts, config=config)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert handle.size == PROMPTS and len(handle.jobs) == PROMPTS // (size or 50_000)
    one_file = max(client.file_sizes)
    return {
        "peak": peak,
        "one_file": one_file,
        "job": sum(client.file_sizes),
        "seconds": elapsed,
        "handle": len(handle.to_json()),
        "files": len(handle.jobs),
    }


def _floor_round(prompts: int) -> float:
    """Microseconds per prompt of building each line's object and one ``json.dumps`` of it."""
    url = "/v1/chat/completions"
    gc.collect()
    start = time.process_time()
    for i in range(prompts):
        line = {
            "custom_id": str(i),
            "method": "POST",
            "url": url,
            "body": {
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": PROMPT.format(i)}],
            },
        }
        json.dumps(line, separators=(",", ":")).encode("utf-8")
    return (time.process_time() - start) / prompts * 1e6


def _submit_round(model: modelkit.Model, prompts: int) -> float:
    """Microseconds per prompt of ``model.batch_submit`` (the offline client's upload)."""
    client = _offline(model)
    gc.collect()
    start = time.process_time()
    handle = model.batch_submit(PROMPT.format(i) for i in range(prompts))
    elapsed = time.process_time() - start
    assert handle.size == prompts and sum(client.file_sizes) > 0
    return elapsed / prompts * 1e6


def bench_submit_time(model: modelkit.Model, turns: int = 100) -> List[float]:
    """Microseconds per prompt (CPU time), floor and ``batch_submit`` taking turns.

    ``PROMPTS`` prompts each side in ``turns`` turns (a job of ``PROMPTS //
    turns`` prompts a turn): the medians. CPU time of this process, so other
    processes on the machine weigh less than on the wall clock.
    """
    floors: List[float] = []
    ours: List[float] = []
    for _ in range(turns):
        floors.append(_floor_round(PROMPTS // turns))
        ours.append(_submit_round(model, PROMPTS // turns))
    return [statistics.median(floors), statistics.median(ours)]


def _results(n: int) -> bytes:
    body = json.dumps(chat_completion("positive"))
    lines = [
        f'{{"id":"batch_req_{i}","custom_id":"{i}","response":{{"status_code":200,'
        f'"request_id":"req_{i}","body":{body}}},"error":null}}'
        for i in reversed(range(n))
    ]
    return ("\n".join(lines) + "\n").encode()


def bench_collect(model: modelkit.Model, n: int) -> Dict[str, float]:
    content = _results(n)
    client = OfflineClient(model.api, content)
    handle = BatchHandle(
        provider="openai",
        model="gpt-4o",
        size=n,
        jobs=[BatchJob(id="b", runs=[[0, n]])],
    )
    final = BatchStatus.combine(handle, [JobStatus(id="b", state="completed", total=n)])
    start = time.perf_counter()
    floor_count = sum(1 for _ in jsonl(content))
    floor = time.perf_counter() - start
    start = time.perf_counter()
    outputs = _run.collect(model.api, client, handle, final)
    elapsed = time.perf_counter() - start
    assert floor_count == n and len(outputs) == n
    assert outputs[0].completion == "positive" and outputs[-1].completion == "positive"
    return {"seconds": elapsed, "floor": floor}


def main() -> None:
    model = modelkit.get_model("openai/gpt-4o", api_key="sk-bench-not-a-key", memoize=False)
    mb = 1024 * 1024
    for size in (None, 10_000):
        sub = bench_submit(model, size)
        print(
            f"bench_batch: submit {PROMPTS:,} prompts as {sub['files']:.0f} files "
            f"({'the API limit, 50,000' if size is None else f'size={size:,}'} a file): "
            f"tracemalloc peak {sub['peak'] / mb:.1f} MB; floor one file "
            f"{sub['one_file'] / mb:.1f} MB -> {sub['peak'] / sub['one_file']:.2f}x one file, "
            f"{sub['peak'] / sub['job']:.2f}x the whole job ({sub['job'] / mb:.1f} MB); "
            f"handle {sub['handle']:.0f} bytes"
        )
    floor, ours = bench_submit_time(model)
    print(
        f"  submit time: {ours:.1f} us a prompt against one json.dumps per line {floor:.1f} us: "
        f"{ours / floor:.2f}x (target <= 2x)"
    )
    from _report import report

    report(
        f"batch_submit of {PROMPTS:,} prompts, per prompt",
        "json.dumps per line",
        floor,
        ours,
        2.0,
    )
    print("  collect (results in reverse order), per result; floor = reading the JSON lines:")
    for n in (10_000, 30_000, 100_000):
        runs = [bench_collect(model, n) for _ in range(2)]
        col = min(runs, key=lambda r: r["seconds"])
        col["floor"] = min(r["floor"] for r in runs)
        print(
            f"    N={n:>7,}: {col['seconds'] / n * 1e6:6.1f} us/result "
            f"(floor {col['floor'] / n * 1e6:5.1f} us, {col['seconds'] / col['floor']:.1f}x), "
            f"total {col['seconds']:.2f} s"
        )


if __name__ == "__main__":
    main()
