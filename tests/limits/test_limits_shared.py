"""Usage limits (token_limit, cost_limit) shared by name across processes
through a real redis-server (``$MODELKIT_LIMITS_URL``; Redis commands as documented at
https://redis.io/docs/latest/commands/: ``INCRBYFLOAT``, ``GET``,
``EXPIRE``). Each worker is a separate interpreter calling a loopback
OpenAI chat-completions server (9 tokens a call:
https://platform.openai.com/docs/api-reference/chat/object)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from typing import Any, List

import pytest
from loopback import LoopbackServer

from modelkit import ConfigError, LimitExceededError, get_model, token_limit

_WORKER = r"""
import sys
import modelkit
url, limit, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kind = sys.argv[4] if len(sys.argv) > 4 else "all"
model = modelkit.get_model("openai/gpt-4o", base_url=url, api_key="sk-test-shared")
made = 0
try:
    with modelkit.token_limit(limit, type=kind, name="nightly") as shared:
        for i in range(calls):
            model.generate(f"p{i}")
            made += 1
except modelkit.LimitExceededError as error:
    print(made, error.type, int(error.value), flush=True)
else:
    print(made, "none", int(shared.usage), flush=True)
"""


def _run(
    loopback: LoopbackServer, env: dict, limit: int, calls: int, count: int, kind: str = "all"
) -> List[str]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, loopback.url, str(limit), str(calls), kind],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(count)
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        outs.append(out.decode().strip())
    return outs


@pytest.fixture
def env(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    import os

    monkeypatch.setenv("MODELKIT_LIMITS_URL", redis_url)
    return dict(os.environ)


def test_processes_share_a_named_limit(loopback: LoopbackServer, env: dict) -> None:
    (first,) = _run(loopback, env, limit=45, calls=3, count=1)
    assert first == "3 none 27"
    (second,) = _run(loopback, env, limit=45, calls=10, count=1)
    assert second == "2 token 45"  # 27 + 18 reached the limit: the next request was refused
    assert loopback.count == 5


def test_concurrent_processes_stop_together(
    loopback: LoopbackServer, env: dict, redis_server: Any
) -> None:
    outs = _run(loopback, env, limit=90, calls=50, count=3)
    assert all(out.split()[1] == "token" for out in outs), outs
    # 10 calls fill it; each other process may have had one request in flight as it filled
    assert 10 <= loopback.count <= 12
    client = redis_server.client()
    counted = float(client.get("modelkit:limits:usage:token:all:nightly"))
    client.close()
    assert counted == 9 * loopback.count  # every response was counted, the crossing ones too


def test_a_formula_shares_its_metered_value(
    loopback: LoopbackServer, env: dict, redis_server: Any
) -> None:
    formula = "(input * 0.1) + output"  # 5 prompt and 4 completion tokens: 4.5 a call
    (first,) = _run(loopback, env, limit=1000, calls=3, count=1, kind=formula)
    assert first == "3 none 13"  # 13.5, floored
    (second,) = _run(loopback, env, limit=27, calls=10, count=1, kind=formula)
    assert second == "3 token 27"  # 13.5 + 3 * 4.5 reached 27: the next request was refused
    assert loopback.count == 6
    client = redis_server.client()
    counted = client.get("modelkit:limits:usage:token:(input*0.1)+output:nightly")
    client.close()
    assert float(counted) == 27.0  # Redis holds the metered value, not raw tokens
    with pytest.raises(ConfigError, match="cannot be shared by name"):
        token_limit(10, type="input * output", name="nightly")


def test_this_process_reads_the_fleet_count(
    loopback: LoopbackServer, env: dict, redis_url: str
) -> None:
    _run(loopback, env, limit=1000, calls=2, count=1)
    model = get_model("openai/gpt-4o", base_url=loopback.url, api_key="sk-test-shared")
    with token_limit(27, name="nightly") as shared:
        assert shared.usage == 18
        model.generate("one more")
        with pytest.raises(LimitExceededError):
            model.generate("refused")
    assert loopback.count == 3


def test_an_unreachable_server_counts_per_process(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MODELKIT_LIMITS_URL", f"redis://:hunter2@127.0.0.1:{port}/0")
    model = get_model("openai/gpt-4o", base_url=loopback.url, api_key="sk-test-shared")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with token_limit(9, name="offline") as limit:
            model.generate("counted here")
            with pytest.raises(LimitExceededError):
                model.generate("refused")
    assert limit.usage == 9 and loopback.count == 1
    said = [str(w.message) for w in caught]
    assert any("unreachable" in text for text in said), said
    assert not any("hunter2" in text for text in said)


_COST_WORKER = r"""
import sys
import modelkit
url, dollars, calls = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
model = modelkit.get_model("openai/gpt-5.1", base_url=url, api_key="sk-test-shared")
made = 0
try:
    with modelkit.cost_limit(dollars, name="spend") as shared:
        for i in range(calls):
            model.generate(f"p{i}")
            made += 1
except modelkit.LimitExceededError as error:
    print(made, error.type, flush=True)
else:
    print(made, "none", flush=True)
"""


def test_processes_share_a_named_cost_limit(
    loopback: LoopbackServer, env: dict, redis_server: Any
) -> None:
    # gpt-5.1 from the bundled table: $1.25 in, $10 out; 5 + 4 tokens a call
    call = (5 * 1.25 + 4 * 10.0) / 1e6
    env = {k: v for k, v in env.items() if k != "MODELKIT_MODEL_INFO"}  # the bundled prices

    def run(calls: int) -> str:
        argv = [sys.executable, "-c", _COST_WORKER, loopback.url, repr(4.5 * call), str(calls)]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run(3) == "3 none"
    assert run(10) == "1 cost"  # the 4th call fits; the 5th crosses: sent, counted, raised
    assert run(10) == "0 cost"  # reached in another process: refused before it is sent
    assert loopback.count == 5
    client = redis_server.client()
    counted = float(client.get("modelkit:limits:usage:cost:spend"))
    client.close()
    assert counted == pytest.approx(5 * call)
