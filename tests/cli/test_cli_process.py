"""The ``modelkit`` command in a real subprocess: exit codes, stdin, Ctrl-C mid-batch, resume.

The batch tests talk to the loopback server through the ``openai``
provider (``--base-url``), as a user's shell would; the answers' shape is
OpenAI's chat completion (see ``tests/loopback.py``).
"""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

from loopback import LoopbackServer, Received, Reply, chat_completion
from process import modelkit_env, run_modelkit, start_modelkit, wait_for_exit

import modelkit

KEY = "sk-process-SECRET-1234567890"


def _prompt(received: Received) -> str:
    content = received.json()["messages"][-1]["content"]
    return content if isinstance(content, str) else content[0]["text"]


def _lines(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_version_and_generate_from_piped_stdin(tmp_path: Path) -> None:
    version = run_modelkit(tmp_path, "--version")
    assert (version.returncode, version.stdout) == (0, f"modelkit {modelkit.__version__}\n")
    result = run_modelkit(tmp_path, "generate", "--model", "mockllm/model", stdin="Say hello\n")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "Default output from mockllm/model\n",
        "",
    )


def test_exit_codes(tmp_path: Path) -> None:
    usage = run_modelkit(tmp_path, "generate", "hi")
    assert usage.returncode == 2 and usage.stdout == ""
    assert usage.stderr.startswith("usage: modelkit generate")
    assert usage.stderr.splitlines()[-1] == (
        "modelkit generate: error: no model: give --model PROVIDER/MODEL (e.g. --model mockllm/model)"
    )
    runtime = run_modelkit(tmp_path, "generate", "--model", "openai/gpt-4o", "hi")
    assert runtime.returncode == 1 and runtime.stdout == ""
    assert runtime.stderr.startswith("modelkit: error: openai: no API key found")
    assert runtime.stderr.count("\n") == 1


def test_a_warning_is_one_line_on_stderr(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # writable by others: the cache turns itself off with a CacheWarning
    env = modelkit_env(tmp_path, MODELKIT_CACHE_DIR=str(shared))
    result = run_modelkit(tmp_path, "generate", "-m", "mockllm/model", "--cache", "hi", env=env)
    assert (result.returncode, result.stdout) == (0, "Default output from mockllm/model\n")
    [line] = result.stderr.splitlines()
    assert line.startswith(f"modelkit: warning: response cache disabled for {shared}/")
    assert line.endswith("calls go to the API uncached")


def test_ctrl_c_mid_batch_keeps_finished_lines_and_a_rerun_resumes(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    release = threading.Event()

    def answer_ten_then_hang(received: Received) -> Reply:
        prompt = _prompt(received)
        if int(prompt.split()[1]) >= 10:
            release.wait(30)  # held until the test ends
        return Reply(body=chat_completion(f"answer to {prompt}"))

    loopback.default = answer_ten_then_hang
    source = tmp_path / "prompts.jsonl"
    source.write_text(
        "".join(json.dumps({"id": f"q{i}", "input": f"prompt {i}"}) + "\n" for i in range(40)),
        encoding="utf-8",
    )
    out = tmp_path / "answers.jsonl"
    argv = ["batch", "-m", "openai/gpt-4o", "--base-url", f"{loopback.url}/v1"]
    argv += ["--max-connections", "4", str(source), "-o", str(out)]
    env = modelkit_env(tmp_path, OPENAI_API_KEY=KEY)
    process = start_modelkit(tmp_path, argv, env)
    try:
        deadline = time.monotonic() + 30
        while not (out.exists() and out.read_text(encoding="utf-8").count("\n") >= 10):
            assert time.monotonic() < deadline and process.poll() is None, process.communicate()
            time.sleep(0.05)
        while loopback.count < 14:  # four requests now held in flight
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = wait_for_exit(process, 60)  # the held requests are released only below
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert stderr.endswith("modelkit: interrupted\n")
    assert "modelkit batch: 10 done, 0 failed, 0 cached, 90 tokens" in stderr
    assert "30 not run" in stderr and "Traceback" not in stderr and KEY not in stderr
    kept = _lines(out)
    assert sorted(line["index"] for line in kept) == list(range(10))
    assert all(line["id"] == f"q{line['index']}" for line in kept)

    loopback.reset_counts()
    result = run_modelkit(tmp_path, *argv, env=env)
    assert result.returncode == 0, result.stderr
    assert "30 done, 0 failed" in result.stderr and "10 answered by an earlier run" in result.stderr
    assert loopback.count == 30
    asked = sorted(int(_prompt(r).split()[1]) for r in loopback.requests)
    assert asked == list(range(10, 40))
    lines = _lines(out)
    assert [line["index"] for line in lines] == list(range(40))
    assert [line["id"] for line in lines] == [f"q{i}" for i in range(40)]
    contents = [line["output"]["choices"][0]["message"]["content"] for line in lines]
    assert contents == [f"answer to prompt {i}" for i in range(40)]


def test_batch_reads_stdin_and_writes_stdout(tmp_path: Path) -> None:
    result = run_modelkit(
        tmp_path, "batch", "-m", "mockllm/model", "-q", "-", stdin='"a"\n{"input": "b", "n": 2}\n'
    )
    assert result.returncode == 0 and result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["index"], line.get("n")) for line in lines] == [(0, None), (1, 2)]


def test_ctrl_c_writes_the_answers_held_back_for_order_on_stdout(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    release = threading.Event()

    def first_one_hangs(received: Received) -> Reply:
        prompt = _prompt(received)
        if prompt == "prompt 0":
            release.wait(30)
        return Reply(body=chat_completion(f"answer to {prompt}"))

    loopback.default = first_one_hangs
    source = tmp_path / "prompts.jsonl"
    source.write_text("".join(f'"prompt {i}"\n' for i in range(6)), encoding="utf-8")
    argv = ["batch", "-v", "-m", "openai/gpt-4o", "--base-url", f"{loopback.url}/v1", str(source)]
    process = start_modelkit(tmp_path, argv, modelkit_env(tmp_path, OPENAI_API_KEY=KEY))
    watchdog = threading.Timer(30, process.kill)  # readline must not hang the suite
    watchdog.start()
    try:
        assert process.stderr is not None
        logged = [process.stderr.readline() for _ in range(5)]  # -v: a line per answer
        assert all("HTTP 200" in line for line in logged), logged
        time.sleep(0.1)  # from the log line to the written line: a few statements
        process.send_signal(signal.SIGINT)
        stdout, stderr = wait_for_exit(process, 60)
    finally:
        watchdog.cancel()
        release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert [line["index"] for line in lines] == [1, 2, 3, 4, 5]
    assert "5 done, 0 failed" in stderr and "1 not run" in stderr
