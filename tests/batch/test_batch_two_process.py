"""Serverless in two steps: one process submits, another collects through the handle.

The first process exits after printing ``handle.to_json()``; the second
one, started afterwards with only that text, checks the status and collects
the outputs in input order. Nothing but the loopback fake of OpenAI's Batch
API (see ``test_batch_openai``, https://platform.openai.com/docs/api-reference/batch)
outlives the first process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from batch_fakes import FakeOpenAI
from loopback import LoopbackServer

ROOT = Path(__file__).resolve().parents[2]

SUBMIT = """
import sys
from modelkit import get_model
model = get_model("openai/gpt-4o", base_url=sys.argv[1])
print(model.batch_submit(["one", "FAIL two", "three"]).to_json())
"""

COLLECT = """
import json, sys
from modelkit import get_model
handle = sys.stdin.read()
model = get_model("openai/gpt-4o", base_url=sys.argv[1])
print(model.batch_status(handle).state)
outputs = model.batch_collect(handle, config={"batch": {"tick": 0.001}})
print(json.dumps([o.completion if hasattr(o, "completion") else type(o).__name__ for o in outputs]))
"""


def _run(script: str, url: str, stdin: str = "") -> str:
    env = {**os.environ, "OPENAI_API_KEY": "sk-two-process-key"}
    done = subprocess.run(
        [sys.executable, "-c", script, url],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=str(ROOT),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_submit_in_one_process_collect_in_another() -> None:
    fake = FakeOpenAI()
    with LoopbackServer(default=fake) as server:
        url = f"{server.url}/v1"
        handle = _run(SUBMIT, url).strip()
        assert "sk-two-process-key" not in handle
        assert json.loads(handle)["jobs"][0]["id"] == "batch_1"
        state, outputs = _run(COLLECT, url, stdin=handle).splitlines()
    assert state == "validating"
    assert json.loads(outputs) == ["echo: one", "BadRequestError", "echo: three"]
