"""The command line: ``generate`` and its options, ``providers``, help texts, exit codes.

Run in-process through ``main`` (fast, with the loopback server where
requests matter); ``test_cli_process.py`` runs the same command in a real
subprocess.
"""

from __future__ import annotations

import io
import json
import sys
import warnings
from pathlib import Path
from typing import List

import pytest
from engine_provider import KEY, echo, register
from loopback import LoopbackServer, Reply

import modelkit
from modelkit.cli import main
from modelkit.cli.main import build_parser


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


def test_prompt_words_are_joined_as_echo_joins_them(
    echo_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOPBACK_API_KEY", KEY)
    argv = ["generate", "-m", "loopback/m", "--base-url", echo_server.url]
    assert main([*argv, "Say", "hello", "world"]) == 0
    assert main([*argv, "--", "-5", "degrees"]) == 0
    assert capsys.readouterr().out == "Say hello world\n-5 degrees\n"
    sent = [request.json()["messages"][-1]["content"] for request in echo_server.requests]
    assert sent == ["Say hello world", "-5 degrees"]


@pytest.mark.parametrize("argv", [["-"], []])
def test_a_piped_prompt_is_read_from_stdin(
    argv: List[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("one two three\n"))
    assert main(["generate", "--model", "mockllm/model", "--json", *argv]) == 0
    assert json.loads(capsys.readouterr().out)["usage"]["input_tokens"] == 3


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_prompt_on_a_terminal_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", _Terminal("never read"))
    assert main(["generate", "--model", "mockllm/model"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: modelkit generate")
    assert err.endswith("modelkit generate: error: give a PROMPT, or pipe one on stdin\n")


def test_model_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODELKIT_MODEL", "mockllm/env-model")
    assert main(["generate", "hi"]) == 0
    assert capsys.readouterr().out == "Default output from mockllm/env-model\n"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["generate", "hi"], "no model: give --model PROVIDER/MODEL"),
        (["generate", "--model", "gpt-4o", "hi"], "--model gpt-4o: expected PROVIDER/MODEL"),
        (["generate", "--model", "nosuch/x", "hi"], "unknown provider 'nosuch'"),
        (["generate", "--model", "mockllm/model", "-t", "9", "hi"], "temperature must be between"),
        (["generate", "--model", "mockllm/model", "  "], "the prompt is empty"),
        (["generate", "-m", "mockllm/model", "--cache-expiry", "soon", "x"], "cache expiry must"),
        (["generate", "-m", "mockllm/model", "--bogus", "x"], "unrecognized arguments: --bogus"),
        (["cache", "clear"], "say what to clear: --all for every model, or --model NAME"),
        (["batch", "--model", "mockllm/model"], "the following arguments are required"),
    ],
)
def test_usage_errors_name_the_subcommand_and_exit_2(
    argv: List[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    command = " ".join(["modelkit", *argv[:2]] if argv[0] == "cache" else ["modelkit", argv[0]])
    assert captured.err.startswith(f"usage: {command}")
    last = captured.err.splitlines()[-1]
    assert last.startswith(f"{command}: error: ") and needle in last
    assert "Traceback" not in captured.err and "get_model" not in captured.err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["generate", "--model", "openai/gpt-4o", "hi"], "Set $OPENAI_API_KEY, or name the"),
        (
            ["generate", "-m", "openai/gpt-4o", "--api-key-env", "MY_KEY", "hi"],
            "$MY_KEY is not set",
        ),
        (["batch", "-m", "mockllm/model", "/nonexistent/in.jsonl"], "cannot read /nonexistent"),
    ],
)
def test_runtime_errors_are_one_line_and_exit_1(
    argv: List[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("modelkit: error: ") and needle in captured.err
    assert captured.err.count("\n") == 1 and "api_key=" not in captured.err


@pytest.fixture
def echo_server(loopback: LoopbackServer) -> LoopbackServer:
    register()
    loopback.default = echo()
    return loopback


def test_generate_options_reach_the_request(
    echo_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OTHER_KEY", KEY)
    argv = ["generate", "-m", "loopback/m", "--base-url", echo_server.url, "--max-tokens", "7"]
    assert main([*argv, "--api-key-env", "OTHER_KEY", "--system", "sys", "ping"]) == 0
    assert capsys.readouterr().out == "ping\n"
    [sent] = echo_server.requests
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json()["max_tokens"] == 7
    assert sent.json()["messages"][0] == {"role": "system", "content": "sys"}


def test_cache_answers_the_second_call(
    echo_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOPBACK_API_KEY", KEY)
    argv = ["generate", "-m", "loopback/m", "--base-url", echo_server.url, "--json"]
    outputs = []
    for _ in range(2):
        assert main([*argv, "--cache-expiry", "1h", "again"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    first, second = outputs
    assert echo_server.count == 1
    assert second.get("cached") is True and first.get("cached") is not True


def test_verbose_logs_one_line_per_attempt(
    echo_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOPBACK_API_KEY", KEY)
    echo_server.script(Reply(503, {"error": {"message": "busy"}}, headers={"retry-after": "0"}))
    argv = ["generate", "-m", "loopback/m", "--base-url", echo_server.url, "-v", "--timeout", "20"]
    assert main([*argv, "--max-retries", "1", "ping"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "ping\n"
    lines = captured.err.splitlines()
    assert len(lines) == 2, lines
    assert "HTTP 503" in lines[0] and "retry 1 of 1" in lines[0]
    assert "HTTP 200" in lines[1] and "2 attempts: ok" in lines[1]
    assert KEY not in captured.err
    assert main([*argv, "pong"]) == 0  # the logger is put back after each run
    assert main(["generate", "-m", "loopback/m", "--base-url", echo_server.url, "x"]) == 0
    assert capsys.readouterr().err.count("\n") == 1


def test_timeout_and_max_retries_bound_the_call(
    echo_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOPBACK_API_KEY", KEY)
    echo_server.default = Reply(503, {"error": {"message": "busy"}}, headers={"retry-after": "0"})
    argv = ["generate", "-m", "loopback/m", "--base-url", echo_server.url, "--max-retries", "2"]
    assert main([*argv, "x"]) == 1
    assert echo_server.count == 3
    assert "HTTP 503" in capsys.readouterr().err


def test_providers_lists_each_with_its_variables_and_whether_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-value")
    assert main(["providers"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()}
    for name in ("mockllm", "openai", "anthropic", "google", "mistral", "bedrock", "groq"):
        assert name in lines
    assert "OPENAI_API_KEY (set)" in lines["openai"]
    assert "ANTHROPIC_API_KEY" in lines["anthropic"] and "(set)" not in lines["anthropic"]
    assert "sk-very-secret-value" not in out and "cannot load" not in out


def test_providers_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    assert main(["providers", "--json"]) == 0
    out = capsys.readouterr().out
    rows = {row["name"]: row for row in json.loads(out)}
    env = {var["name"]: var for var in rows["anthropic"]["env"]}
    assert env["ANTHROPIC_API_KEY"]["set"] is True and env["ANTHROPIC_BASE_URL"]["set"] is False
    assert env["ANTHROPIC_API_KEY"]["purpose"]
    assert rows["mockllm"]["env"] == [] and "sk-ant-secret" not in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"modelkit {modelkit.__version__}\n"


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "generate" in capsys.readouterr().err


def _help_texts() -> List[str]:
    parser = build_parser()
    texts = [parser.format_help()]
    stack = [parser]
    while stack:
        for action in stack.pop()._actions:
            for sub in getattr(action, "choices", None) or {}:
                if isinstance(action.choices, dict):
                    texts.append(action.choices[sub].format_help())
                    stack.append(action.choices[sub])
    return texts


def test_help_texts_are_plain_text() -> None:
    texts = _help_texts()
    assert len(texts) >= 10  # modelkit, generate, batch, providers, cache and its five
    for text in texts:
        for markup in ("``", ":func:", ":class:", ":meth:", ".. "):
            assert markup not in text, text


@pytest.mark.filterwarnings("always::modelkit.cache.CacheWarning")
def test_a_warning_is_one_modelkit_line_and_the_hook_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # writable by others: the cache turns itself off with a CacheWarning
    monkeypatch.setenv("MODELKIT_CACHE_DIR", str(shared))
    before = warnings.showwarning
    assert main(["generate", "-m", "mockllm/model", "--cache", "hi"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"modelkit: warning: response cache disabled for {shared}")
    assert err.count("\n") == 1 and "CacheWarning" not in err and ".py:" not in err
    assert warnings.showwarning is before, "the CLI's warning format must not outlive main()"
