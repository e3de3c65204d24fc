"""The command line: ``generate`` output and JSON, stdin prompts, ``providers``, one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import modelkit
from modelkit.cli import main


def test_generate_prints_the_completion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--model", "mockllm/model", "Say hello"]) == 0
    assert capsys.readouterr().out == "Default output from mockllm/model\n"


def test_generate_json_prints_the_whole_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["generate", "-m", "mockllm/model", "--json", "--system", "Be brief", "-t", "0.5", "hi"]
    )
    assert code == 0
    output = modelkit.ModelOutput.from_dict(json.loads(capsys.readouterr().out))
    assert output.completion == "Default output from mockllm/model"
    assert output.usage is not None and output.usage.input_tokens == 3  # "Be brief" + "hi"


def test_dash_reads_the_prompt_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("one two three\n"))
    assert main(["generate", "--model", "mockllm/model", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["usage"]["input_tokens"] == 3


def test_model_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODELKIT_MODEL", "mockllm/env-model")
    assert main(["generate", "hi"]) == 0
    assert capsys.readouterr().out == "Default output from mockllm/env-model\n"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["generate", "--model", "nosuch/x", "hi"], "unknown provider 'nosuch'"),
        (["generate", "hi"], "no model given"),
        (["generate", "--model", "mockllm/model", "-t", "9", "hi"], "temperature must be between"),
        (["generate", "--model", "mockllm/model", "  "], "the prompt is empty"),
        (["generate", "--model", "openai/gpt-4o", "hi"], "OPENAI_API_KEY"),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(
    argv: list, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("modelkit: error: ") and needle in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_providers_lists_each_with_its_variables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    for name in ("mockllm", "openai", "anthropic", "google", "mistral", "bedrock", "groq"):
        assert name in lines
    assert "OPENAI_API_KEY" in lines["openai"]
    assert "ANTHROPIC_API_KEY" in lines["anthropic"]
    assert "cannot load" not in "".join(lines.values())


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "generate" in capsys.readouterr().err


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "modelkit", "generate", "--model", "nosuch/x", "hi"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PYTHONPATH": str(Path(modelkit.__file__).parents[1])},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("modelkit: error: unknown provider")
    assert "Traceback" not in result.stderr
