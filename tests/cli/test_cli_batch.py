"""``modelkit batch`` in-process: line formats, pass-through keys, order, resume, progress.

Interruption and resuming in a real subprocess are in ``test_cli_process.py``.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
from engine_provider import KEY, echo, register
from loopback import LoopbackServer, Received, Reply, chat_completion

from modelkit.cli import batch, main
from modelkit.cli.batch_files import read_inputs
from modelkit.cli.progress import BatchStats, ProgressBar
from modelkit.errors import ConfigError


def _write(path: Path, lines: List[Any]) -> Path:
    path.write_text("".join(f"{json.dumps(line)}\n" for line in lines), encoding="utf-8")
    return path


def _read(text: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def _content(line: Dict[str, Any]) -> str:
    return str(line["output"]["choices"][0]["message"]["content"])


@pytest.fixture
def echo_server(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    register()
    monkeypatch.setenv("LOOPBACK_API_KEY", KEY)
    loopback.default = echo(delay=0.002)
    return loopback


def _batch(server: LoopbackServer, *args: str) -> int:
    return main(["batch", "--model", "loopback/m", "--base-url", server.url, *args])


def test_stdout_lines_come_in_input_order_with_a_summary(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = [f"prompt {i}" for i in range(40)]
    source = _write(tmp_path / "in.jsonl", prompts)
    assert _batch(echo_server, "--max-connections", "4", str(source)) == 0
    captured = capsys.readouterr()
    lines = _read(captured.out)
    assert [line["index"] for line in lines] == list(range(40))
    assert [_content(line) for line in lines] == prompts
    assert echo_server.max_in_flight <= 4
    # no progress bar (stderr is not a terminal), one summary line
    assert captured.err.startswith("modelkit batch: 40 done, 0 failed, 0 cached, 360 tokens, ")
    assert captured.err.count("\n") == 1


def test_other_keys_pass_through_and_message_lists_work(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '"plain"\n'
        "\n"
        '[{"role": "system", "content": "be brief"}, {"role": "user", "content": "listed"}]\n'
        '{"input": "wrapped", "id": "q3", "metadata": {"topic": "x"}}\n'
        '{"id": 4, "input": [{"role": "user", "content": "wrapped list"}]}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert (
        _batch(echo_server, "--system", "sys", "-t", "0.2", "-q", str(source), "-o", str(out)) == 0
    )
    assert capsys.readouterr() == ("", "")  # --quiet: no summary
    lines = _read(out.read_text(encoding="utf-8"))
    assert [_content(line) for line in lines] == ["plain", "listed", "wrapped", "wrapped list"]
    assert [sorted(set(line) - {"output"}) for line in lines] == [
        ["index"],
        ["index"],
        ["id", "index", "metadata"],
        ["id", "index"],
    ]
    assert lines[2]["id"] == "q3" and lines[2]["metadata"] == {"topic": "x"}
    assert lines[3]["id"] == 4
    sent = [r.json() for r in echo_server.requests]
    assert all(body["messages"][0] == {"role": "system", "content": "sys"} for body in sent)
    assert all(body["temperature"] == 0.2 for body in sent)


def _fail_on_b(received: Received) -> Reply:
    prompt = received.json()["messages"][-1]["content"]
    if prompt == "b":
        return Reply(400, {"error": {"message": "too long", "type": "invalid_request"}})
    return Reply(body=chat_completion(prompt))


def test_failed_inputs_become_error_lines_then_resume_retries_only_them(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    echo_server.default = _fail_on_b
    source = _write(tmp_path / "in.jsonl", ["a", {"input": "b", "id": "B"}, "c"])
    out = tmp_path / "out.jsonl"
    assert _batch(echo_server, "--max-retries", "0", str(source), "-o", str(out)) == 1
    lines = _read(out.read_text(encoding="utf-8"))
    assert [line["index"] for line in lines] == [0, 1, 2]
    assert lines[1] == {
        "index": 1,
        "id": "B",
        "error": {
            "type": "BadRequestError",
            "message": "loopback/m: HTTP 400: too long (invalid_request)",
            "status": 400,
        },
    }
    err = capsys.readouterr().err
    assert "2 done, 1 failed" in err
    assert err.splitlines()[-1] == (
        "modelkit batch: input 1 failed: BadRequestError: "
        "loopback/m: HTTP 400: too long (invalid_request)"
    )

    echo_server.default = echo()
    echo_server.reset_counts()
    assert _batch(echo_server, str(source), "-o", str(out)) == 0
    assert [r.json()["messages"][-1]["content"] for r in echo_server.requests] == ["b"]
    lines = _read(out.read_text(encoding="utf-8"))
    assert [(line["index"], _content(line)) for line in lines] == [(0, "a"), (1, "b"), (2, "c")]
    assert lines[1]["id"] == "B"
    err = capsys.readouterr().err
    assert "1 done, 0 failed" in err and "2 answered by an earlier run" in err


def test_resume_refuses_a_file_that_is_not_this_batchs_output(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.jsonl", ["a"])
    out = tmp_path / "out.jsonl"
    for content in ("my notes\n", '{"index": 5, "output": {}}\n'):
        out.write_text(content, encoding="utf-8")
        assert _batch(echo_server, str(source), "-o", str(out)) == 1
        err = capsys.readouterr().err
        assert "out.jsonl line 1 is not a line of this batch's output" in err
        assert out.read_text(encoding="utf-8") == content
    assert echo_server.count == 0


def test_a_line_cut_short_by_a_crash_runs_again(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.jsonl", ["a", "b"])
    out = tmp_path / "out.jsonl"
    assert _batch(echo_server, str(source), "-o", str(out)) == 0
    first, second = out.read_text(encoding="utf-8").splitlines()
    out.write_text(first + "\n" + second[:20], encoding="utf-8")
    echo_server.reset_counts()
    assert _batch(echo_server, str(source), "-o", str(out)) == 0
    assert echo_server.count == 1
    assert out.read_text(encoding="utf-8").splitlines()[0] == first
    assert [_content(line) for line in _read(out.read_text(encoding="utf-8"))] == ["a", "b"]


def test_cache_answers_a_second_run(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.jsonl", ["a", "b", "a"])
    assert _batch(echo_server, "--cache", "--max-connections", "1", str(source)) == 0
    assert echo_server.count == 2
    assert "3 done, 0 failed, 1 cached, 18 tokens" in capsys.readouterr().err
    assert _batch(echo_server, "--cache", str(source)) == 0
    assert echo_server.count == 2
    captured = capsys.readouterr()
    assert "3 done, 0 failed, 3 cached, 0 tokens" in captured.err
    assert all(line["output"]["cached"] is True for line in _read(captured.out))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('"ok"\n{not json\n', "in.jsonl line 2: Expecting property name"),
        ('"ok"\n42\n', "in.jsonl line 2: expected a JSON string, a list of chat messages"),
        ('{"prompt": "x"}\n', 'in.jsonl line 1: an object line needs an "input" key'),
        ('{"input": "x", "index": 3}\n', "in.jsonl line 1: 'index' is reserved"),
        ('[{"content": "x"}]\n', "in.jsonl line 1: "),
        ('"  "\n', "in.jsonl line 1: the prompt is empty"),
        ("\n\n", "in.jsonl has no inputs"),
    ],
)
def test_bad_input_is_one_line_and_no_request(
    echo_server: LoopbackServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(content, encoding="utf-8")
    assert _batch(echo_server, str(source), "-o", str(tmp_path / "out.jsonl")) == 1
    err = capsys.readouterr().err
    assert err.startswith("modelkit: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert echo_server.count == 0
    assert not (tmp_path / "out.jsonl").exists()


def test_stdin_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('"a"\n"b"\n'))
    assert main(["batch", "--model", "mockllm/model", "-"]) == 0
    assert [line["index"] for line in _read(capsys.readouterr().out)] == [0, 1]


def test_read_inputs_names_the_source() -> None:
    inputs = read_inputs(io.StringIO('"a"\n\n{"input": "b", "id": 2}\n'))
    assert [(i.index, i.input, i.extra) for i in inputs] == [(0, "a", {}), (1, "b", {"id": 2})]
    with pytest.raises(ConfigError, match="stdin line 1"):
        read_inputs(io.StringIO("nope\n"), "stdin")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_counts_failures() -> None:
    stream = io.StringIO()
    stats = BatchStats(4)
    bar = ProgressBar(stream, stats)
    stats.record(ValueError("x"))
    bar()
    bar.close()
    assert stream.getvalue() == "\r[#######-----------------------] 1/4  1 failed\n"
    assert stats.summary().startswith("0 done, 1 failed, 0 cached, 0 tokens, ")
    assert stats.summary().endswith("s; 3 not run")


def test_progress_bar_on_a_terminal_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    source = _write(tmp_path / "in.jsonl", ["a", "b", "c"])
    assert main(["batch", "--model", "mockllm/model", str(source)]) == 0
    drawn, summary = terminal.getvalue().rsplit("\n", 2)[:2]
    assert drawn.endswith("] 3/3") and drawn.count("\r") == 3
    assert summary.startswith("modelkit batch: 3 done, 0 failed")
    assert len(capsys.readouterr().out.splitlines()) == 3


@pytest.mark.parametrize("value", ["inf", "nan", "1e999"])
def test_a_non_finite_timeout_is_a_usage_error_and_no_request(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    source = _write(tmp_path / "in.jsonl", ["hello"])
    assert _batch(echo_server, "--timeout", value, str(source)) == 2  # a bad option value
    err = capsys.readouterr().err
    assert "modelkit batch: error: timeout must be a finite number" in err
    assert "Traceback" not in err
    assert echo_server.requests == []


def test_a_batch_subcommand_group_leaves_the_file_form_working(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def add_status(subparsers: Any) -> None:
        parser = subparsers.add_parser("status", help="show a batch job")
        parser.add_argument("job")
        parser.set_defaults(handler=lambda args: print(f"job {args.job}") or 0, parser=parser)

    def commands() -> Dict[str, Any]:
        return {"status": add_status}

    monkeypatch.setattr(batch, "group_commands", commands)
    assert main(["batch", "status", "job-1"]) == 0
    assert capsys.readouterr().out == "job job-1\n"
    source = _write(tmp_path / "in.jsonl", ["a"])
    assert main(["batch", "-m", "mockllm/model", "-q", str(source)]) == 0
    assert _read(capsys.readouterr().out)[0]["index"] == 0
    assert main(["batch", "--help"]) == 0
    assert "batch commands: status" in capsys.readouterr().out
