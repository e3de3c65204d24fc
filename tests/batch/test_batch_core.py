"""The provider-neutral batch core: config, handle, status combination and polling.

Polling is tested with a scripted client and an injected clock and sleep
(as tenacity tests its waits), so the backoff schedule and the deadline
are checked exactly without sleeping.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Sequence

import pytest

from modelkit import GenerateConfig
from modelkit.batch import BatchClient, BatchHandle, BatchJob, JobStatus, SubmittedJob
from modelkit.batch._run import wait
from modelkit.batch._types import index_runs
from modelkit.config import BatchConfig
from modelkit.errors import APIConnectionError, BadRequestError, BatchTimeoutError, ConfigError


def test_batch_field_takes_true_a_size_a_dict_or_a_config() -> None:
    assert GenerateConfig(batch=True).batch == BatchConfig()
    assert GenerateConfig(batch=100).batch == BatchConfig(size=100)
    assert GenerateConfig(batch={"size": 5, "tick": 2}).batch == BatchConfig(size=5, tick=2)
    assert GenerateConfig(batch=True).merge({"batch": False}).batch is False
    config = GenerateConfig(batch=BatchConfig(size=3, deadline=60))
    assert GenerateConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="batch must be"):
        GenerateConfig(batch="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="size must be"):
        GenerateConfig(batch=0)
    with pytest.raises(ConfigError, match="BatchConfig has no field 'sise'"):
        GenerateConfig(batch={"sise": 3})


def test_handle_round_trips_and_runs_are_compact() -> None:
    assert index_runs([0, 1, 2, 5, 7, 8]) == [[0, 3], [5, 6], [7, 9]]
    job = BatchJob(id="b1", runs=index_runs(list(range(100_000))), info={"input_file_id": "f"})
    handle = BatchHandle(provider="openai", model="gpt-4o", size=100_000, jobs=[job])
    text = handle.to_json()
    assert len(text) < 200
    assert BatchHandle.from_json(text) == handle
    assert list(BatchHandle.from_json(text).jobs[0].indices())[-1] == 99_999


class Scripted(BatchClient):
    """A client whose status answers come from a script (states or exceptions)."""

    def __init__(self, script: List[Any]) -> None:
        super().__init__(api=None)
        self.script = script

    def encode(self, custom_id: str, request: Any) -> bytes:
        raise NotImplementedError

    def submit(self, items: Sequence[bytes]) -> SubmittedJob:
        raise NotImplementedError

    def status(self, job: BatchJob) -> JobStatus:
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return JobStatus(id=job.id, state=step, total=1)

    def results(self, job: BatchJob, status: JobStatus) -> Iterator[Any]:
        return iter(())

    def cancel(self, job: BatchJob) -> None:
        raise NotImplementedError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: List[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


HANDLE = BatchHandle(provider="p", model="m", size=1, jobs=[BatchJob(id="b", runs=[[0, 1]])])


def test_polling_backs_off_and_retries_transient_failures() -> None:
    flaky = APIConnectionError("reset", provider="p", model="m")
    client = Scripted(["validating", flaky, "in_progress", "in_progress", "completed"])
    clock = Clock()
    final = wait(
        client, HANDLE, BatchConfig(tick=2, max_tick=4), sleep=clock.sleep, clock=lambda: clock.now
    )
    assert final.state == "completed"
    assert clock.waits == [2, 3, 4, 4]


def test_polling_stops_at_the_deadline_and_on_lasting_errors() -> None:
    clock = Clock()
    with pytest.raises(BatchTimeoutError) as caught:
        wait(
            Scripted(["in_progress"] * 10),
            HANDLE,
            BatchConfig(tick=4),
            deadline=10,
            sleep=clock.sleep,
            clock=lambda: clock.now,
        )
    assert clock.waits == [4, 6] and caught.value.handle is HANDLE
    bad = BadRequestError("no such batch", provider="p", model="m", status=404)
    with pytest.raises(BadRequestError):
        wait(
            Scripted([bad]), HANDLE, BatchConfig(tick=1), sleep=clock.sleep, clock=lambda: clock.now
        )
    down = APIConnectionError("down", provider="p", model="m")
    with pytest.raises(APIConnectionError):
        wait(
            Scripted([down] * 3),
            HANDLE,
            BatchConfig(tick=1, max_consecutive_check_failures=3),
            sleep=clock.sleep,
            clock=lambda: clock.now,
        )
