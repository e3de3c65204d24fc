"""Open sockets follow the connection limit, not the number of calling threads.

In a subprocess whose open-file limit is lowered to 160
(``resource.setrlimit(RLIMIT_NOFILE)``), 2,000 threads each call
``generate`` once against a loopback server with ``max_connections=10`` and
stay alive until all are done (as a big thread pool's workers do). Every
call must succeed, with no "too many open files", and the client must end
up holding no more sessions than requests it had in flight.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import resource, sys, threading
sys.path.insert(0, sys.argv[1])
from loopback import LoopbackServer
import modelkit

resource.setrlimit(resource.RLIMIT_NOFILE, (160, 160))
threading.stack_size(256 * 1024)
THREADS = 2000
with LoopbackServer(backlog=64) as server:
    model = modelkit.get_model(
        "openai/gpt-4o", base_url=server.url + "/v1", api_key="sk-fd",
        config=modelkit.GenerateConfig(max_connections=10, max_retries=0, timeout=60),
    )
    done = threading.Barrier(THREADS + 1)
    go = threading.Event()  # start every thread first, then let them call
    failures = []

    def call():
        go.wait()
        try:
            model.generate("hi")
        except Exception as error:
            failures.append(repr(error))
        done.wait()

    threads = [threading.Thread(target=call) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    go.set()
    done.wait()
    for thread in threads:
        thread.join()
    sessions = len(getattr(model.api.http, "_idle", "x" * 999))
    print(len(failures), sessions, server.max_in_flight, failures[:1])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource.setrlimit is POSIX only")
def test_two_thousand_threads_stay_within_ten_connections() -> None:
    tests = str(Path(__file__).resolve().parents[1])
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, tests], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    failures, sessions, in_flight, first = result.stdout.split(" ", 3)
    assert failures == "0", first
    assert int(sessions) <= 10 and int(in_flight) <= 10
