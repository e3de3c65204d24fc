"""Fleet-wide connection limits across separate processes, on a real redis-server.

Redis commands as documented at https://redis.io/docs/latest/commands/
(``EVAL``, ``TIME``, ``ZADD``, ``ZREMRANGEBYSCORE``). Each worker is a
separate interpreter (``subprocess``) calling the loopback server, which
counts the requests in flight at once. Run by ``make test-fleet``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import List

import pytest
from loopback import LoopbackServer, Reply

import modelkit

pytestmark = pytest.mark.fleet

_WORKER = r"""
import sys
import modelkit
url, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
model = modelkit.get_model("vllm/served", base_url=url, config={"max_connections": size})
outputs = model.generate_many([f"p{i}" for i in range(n)], max_workers=size * 2)
print(len(outputs), flush=True)
"""


def _workers(loopback: LoopbackServer, count: int, n: int, size: int) -> List[str]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, f"{loopback.url}/v1", str(n), str(size)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(count)
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        outs.append(out.decode().strip())
    return outs


def test_processes_share_one_limit_through_redis(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer, redis_url: str
) -> None:
    loopback.default = Reply(delay=0.05)
    monkeypatch.setenv("MODELKIT_LIMITS_URL", redis_url)
    assert _workers(loopback, count=3, n=12, size=2) == ["12", "12", "12"]
    assert loopback.count == 36
    assert loopback.max_in_flight == 2


def test_without_the_variable_each_process_has_its_own_limit(
    loopback: LoopbackServer,
) -> None:
    loopback.default = Reply(delay=0.2)
    assert _workers(loopback, count=3, n=4, size=2) == ["4", "4", "4"]
    assert loopback.max_in_flight > 2  # the test above could fail


_HOLDER = r"""
import sys
import modelkit
model = modelkit.get_model("vllm/served", base_url=sys.argv[1], config={"max_connections": 2})
model.generate_many(["a", "b"], max_workers=2)
"""


def test_a_killed_process_gives_its_slots_back_within_a_lease(
    monkeypatch: pytest.MonkeyPatch, loopback: LoopbackServer, redis_url: str
) -> None:
    monkeypatch.setenv("MODELKIT_LIMITS_URL", redis_url)
    monkeypatch.setenv("MODELKIT_LEASE_SECONDS", "1")
    loopback.script(Reply(delay=60), Reply(delay=60))
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, f"{loopback.url}/v1"])
    try:
        deadline = time.monotonic() + 30
        while loopback.in_flight < 2:
            assert time.monotonic() < deadline, "the holder never got both slots"
            time.sleep(0.01)
        client = __import__("redis").Redis.from_url(redis_url)
        (name,) = client.keys("modelkit:limits:*:leases")
        assert client.zcard(name) == 2
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    model = modelkit.get_model(
        "vllm/served", base_url=f"{loopback.url}/v1", config={"max_connections": 2}
    )
    started = time.monotonic()
    assert model.generate("after").completion == "Hello from loopback"
    waited = time.monotonic() - started
    assert waited < 10  # one lease life (1 s) plus slack, not the holder's 60 s
    # The holder renewed its two leases at different moments, so the second
    # may outlive the first by up to one renewal period: one more lease life
    # later, the next acquire finds (and drops) nothing of the holder's.
    time.sleep(1.2)
    assert model.generate("later").completion == "Hello from loopback"
    assert client.zcard(name) == 0
    client.close()
