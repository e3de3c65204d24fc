"""``modelkit batch``: JSONL prompts in, JSONL outputs out, in order; one-line errors."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any, List

import pytest
from engine_provider import KEY, echo, register
from loopback import LoopbackServer, Reply

from modelkit.cli import main
from modelkit.cli.batch import _ProgressBar, read_inputs
from modelkit.errors import ConfigError


def _write(path: Path, lines: List[Any]) -> Path:
    path.write_text("".join(f"{json.dumps(line)}\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def echo_server(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    register()
    monkeypatch.setenv("LOOPBACK_API_KEY", KEY)
    loopback.default = echo(delay=0.002)
    return loopback


def _batch(server: LoopbackServer, *args: str) -> int:
    return main(["batch", "--model", "loopback/m", "--base-url", server.url, *args])


def test_batch_writes_outputs_in_input_order(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = [f"prompt {i}" for i in range(40)]
    source = _write(tmp_path / "in.jsonl", prompts)
    assert _batch(echo_server, "--max-connections", "4", str(source)) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    completions = [line["choices"][0]["message"]["content"] for line in lines]
    assert completions == prompts
    assert captured.err == ""  # no progress bar: stderr is not a terminal
    assert echo_server.max_in_flight <= 4


def test_batch_accepts_message_lists_and_input_objects(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '"plain"\n'
        "\n"
        '[{"role": "system", "content": "be brief"}, {"role": "user", "content": "listed"}]\n'
        '{"input": "wrapped"}\n'
        '{"input": [{"role": "user", "content": "wrapped list"}]}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert _batch(echo_server, "--system", "sys", "-t", "0.2", str(source), "-o", str(out)) == 0
    assert capsys.readouterr().out == ""
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["choices"][0]["message"]["content"] for line in lines] == [
        "plain",
        "listed",
        "wrapped",
        "wrapped list",
    ]
    sent = [r.json() for r in echo_server.requests]
    assert all(body["messages"][0] == {"role": "system", "content": "sys"} for body in sent)
    assert all(body["temperature"] == 0.2 for body in sent)


def test_failed_inputs_become_error_lines_and_exit_1(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    echo_server.script(Reply(400, {"error": {"message": "too long", "type": "invalid_request"}}))
    source = _write(tmp_path / "in.jsonl", ["only"])
    assert _batch(echo_server, "--max-retries", "0", str(source)) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "error": {
            "type": "BadRequestError",
            "message": "loopback/m: HTTP 400: too long (invalid_request)",
            "status": 400,
        }
    }
    assert captured.err == "modelkit: 1 of 1 inputs failed (their lines hold the error)\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('"ok"\n{not json\n', "in.jsonl line 2: Expecting property name"),
        ('"ok"\n42\n', "in.jsonl line 2: expected a JSON string, a list of chat messages"),
        ('{"prompt": "x"}\n', 'in.jsonl line 1: an object line must be {"input": ...}'),
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
    assert _batch(echo_server, str(source)) == 1
    err = capsys.readouterr().err
    assert err.startswith("modelkit: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert echo_server.count == 0


def test_missing_input_file(
    echo_server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _batch(echo_server, "/nonexistent/in.jsonl") == 1
    assert capsys.readouterr().err == (
        "modelkit: error: cannot read /nonexistent/in.jsonl: No such file or directory\n"
    )


def test_stdin_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('"a"\n"b"\n'))
    assert main(["batch", "--model", "mockllm/model", "-"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_read_inputs_names_the_source() -> None:
    assert read_inputs(io.StringIO('"a"\n{"input": "b"}\n')) == ["a", "b"]
    with pytest.raises(ConfigError, match="stdin line 1"):
        read_inputs(io.StringIO("nope\n"), "stdin")


def test_progress_bar_draws_in_place() -> None:
    stream = io.StringIO()
    bar = _ProgressBar(stream)
    bar(1, 4)
    bar(4, 4)
    bar.close()
    assert stream.getvalue() == (
        "\r[#######-----------------------] 1/4\r[##############################] 4/4\n"
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    source = _write(tmp_path / "in.jsonl", ["a", "b", "c"])
    assert main(["batch", "--model", "mockllm/model", str(source)]) == 0
    assert terminal.getvalue().endswith("] 3/3\n")
    assert terminal.getvalue().count("\r") == 3
    assert len(capsys.readouterr().out.splitlines()) == 3


@pytest.mark.parametrize("value", ["inf", "nan", "1e999"])
def test_a_non_finite_timeout_is_one_line_and_no_request(
    echo_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    source = _write(tmp_path / "in.jsonl", ["hello"])
    assert _batch(echo_server, "--timeout", value, str(source)) == 1
    err = capsys.readouterr().err
    assert "timeout must be a finite number" in err and "Traceback" not in err
    assert echo_server.requests == []
