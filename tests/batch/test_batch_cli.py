"""``modelkit batch --provider-batch`` and ``modelkit batch submit|status|collect|cancel``.

Run in-process against the loopback fake of OpenAI's Batch API
(``batch_fakes.FakeOpenAI``; https://platform.openai.com/docs/api-reference/batch).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
from batch_fakes import FakeOpenAI
from loopback import LoopbackServer

from modelkit.cli import main
from modelkit.info import clear_model_info_cache

KEY = "sk-test-cli-batch-key"


def _prompts(tmp_path: Path) -> Path:
    path = tmp_path / "prompts.jsonl"
    lines = ['"one"', '{"input": "FAIL two", "id": "b"}', '"three"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _lines(text: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def _answer(line: Dict[str, Any]) -> Any:
    if "error" in line:
        return line["error"]["type"]
    return line["output"]["choices"][0]["message"]["content"]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with LoopbackServer(default=FakeOpenAI()) as running:
        yield running


def test_provider_batch_file_mode(
    server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "batch",
            "--model",
            "openai/gpt-4o",
            "--base-url",
            f"{server.url}/v1",
            "--provider-batch",
            "--poll",
            "0.001",
            "-q",
            str(_prompts(tmp_path)),
            "-o",
            str(out),
        ]
    )
    assert code == 1  # one input failed
    lines = _lines(out.read_text(encoding="utf-8"))
    assert [_answer(x) for x in lines] == ["echo: one", "BadRequestError", "echo: three"]
    assert lines[1]["id"] == "b" and lines[1]["index"] == 1
    assert any(r.path == "/v1/batches" for r in server.requests)
    assert KEY not in capsys.readouterr().err


def test_submit_status_collect_cancel(
    server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = tmp_path / "handle.json"
    assert (
        main(
            [
                "batch",
                "submit",
                "--model",
                "openai/gpt-4o",
                "--base-url",
                f"{server.url}/v1",
                str(_prompts(tmp_path)),
                "-o",
                str(handle),
            ]
        )
        == 0
    )
    assert "submitted 3 inputs in 1 batches" in capsys.readouterr().err
    assert KEY not in handle.read_text(encoding="utf-8")

    root = ["--base-url", f"{server.url}/v1"]  # never taken from the handle
    assert main(["batch", "status", *root, str(handle)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "validating" and status["total"] == 3

    assert main(["batch", "collect", *root, "--no-wait", str(handle)]) == 1
    assert "have not ended" in capsys.readouterr().err

    assert main(["batch", "collect", *root, "--poll", "0.001", str(handle)]) == 1
    captured = capsys.readouterr()
    lines = _lines(captured.out)
    assert [_answer(x) for x in lines] == ["echo: one", "BadRequestError", "echo: three"]
    summary, error = captured.err.splitlines()
    assert summary.startswith("modelkit batch: 2 done, 1 failed")
    assert error.startswith("modelkit batch: input 1 failed: BadRequestError: ")
    assert "FAIL is not allowed" in error and KEY not in captured.err

    assert main(["batch", "cancel", *root, str(handle)]) == 0
    assert json.loads(capsys.readouterr().out) == {"state": "completed"}


def test_provider_batch_file_mode_names_the_first_failure(
    server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["batch", "-m", "openai/gpt-4o", "--base-url", f"{server.url}/v1", "--provider-batch"]
    assert main([*argv, "--poll", "0.001", str(_prompts(tmp_path))]) == 1
    summary, error = capsys.readouterr().err.splitlines()[-2:]
    assert summary.startswith("modelkit batch: 2 done, 1 failed")
    assert error.startswith("modelkit batch: input 1 failed: BadRequestError: ")


def test_a_bad_handle_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    assert main(["batch", "status", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a batch handle" in err


def test_status_of_a_failed_batch_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with LoopbackServer(default=FakeOpenAI(plan=["failed"])) as server:
        root = ["--base-url", f"{server.url}/v1"]
        handle = tmp_path / "handle.json"
        prompts = str(_prompts(tmp_path))
        assert main(["batch", "submit", "-m", "openai/gpt-4o", *root, prompts, "-o", str(handle)]) == 0
        capsys.readouterr()
        assert main(["batch", "status", *root, str(handle)]) == 0
        captured = capsys.readouterr()
    assert json.loads(captured.out)["state"] == "failed"
    assert captured.err == "modelkit batch: batch batch_1 failed: Line 1 is not valid JSON.\n"


def test_a_provider_batch_summary_adds_up_the_discounted_cost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the fake OpenAI Batch API (tests/batch/batch_fakes.py) answers each line
    # with 5 prompt and 4 completion tokens; OpenAI's Batch API bills half
    clear_model_info_cache()
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    source = tmp_path / "in.jsonl"
    source.write_text('"one"\n"two"\n')
    with LoopbackServer(default=FakeOpenAI()) as server:
        argv = ["batch", "-m", "openai/gpt-5.1", "--base-url", f"{server.url}/v1"]
        assert main([*argv, "--provider-batch", "--poll", "0.001", str(source)]) == 0
    captured = capsys.readouterr()
    half = (5 * 1.25 + 4 * 10.0) / 1e6 / 2
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["output"]["usage"]["total_cost"] for line in lines] == [pytest.approx(half)] * 2
    assert f"18 tokens, ${2 * half:.6f}, " in captured.err
