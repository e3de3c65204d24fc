"""``$MODELKIT_CASSETTE`` / ``$MODELKIT_CASSETTE_MODE``: one cassette for a whole process, the CLI too.

The variables are read when the first HTTP client is made, never at
``import modelkit``. The CLI runs in a real subprocess against the
loopback OpenAI server (chat completion bodies as
https://platform.openai.com/docs/api-reference/chat/object documents).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from loopback import LoopbackServer, Received, Reply, chat_completion

import modelkit
from modelkit._engine.tap import current_tap
from modelkit.errors import CassetteMismatchError, ConfigError
from modelkit.testing import _cassette

KEY = "sk-env-Key0123456789abcdef"
ROOT = Path(modelkit.__file__).resolve().parents[1]


def _echo(received: Received) -> Reply:
    prompt = received.json()["messages"][-1]["content"]
    return Reply(body=chat_completion(f"You said: {prompt}"))


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(default=_echo) as running:
        yield running


@pytest.fixture(autouse=True)
def no_process_cassette_left() -> Iterator[None]:
    yield
    _cassette.stop_environment()
    assert current_tap() is None


def _refuse(self: socket.socket, *args: Any) -> None:
    raise AssertionError(f"a socket was connected during replay: {args}")


def test_the_variables_apply_to_every_call(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "process.json"
    monkeypatch.setenv("MODELKIT_CASSETTE", str(path))

    def ask(prompt: str) -> str:
        model = modelkit.get_model(
            "openai/gpt-4o", base_url=f"{server.url}/v1", api_key=KEY, memoize=False
        )
        return model.generate(prompt).completion

    assert ask("one") == "You said: one"
    assert path.exists()  # written while recording, not only at exit
    assert ask("two") == "You said: two"
    _cassette.stop_environment()  # as at exit
    assert len(json.loads(path.read_text())["interactions"]) == 2

    monkeypatch.setenv("MODELKIT_CASSETTE_MODE", "replay")
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    assert ask("two") == "You said: two"
    with pytest.raises(CassetteMismatchError, match="You said|three"):
        ask("three")
    assert server.count == 2


def test_a_cassette_block_takes_precedence(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_CASSETTE", str(tmp_path / "process.json"))
    with modelkit.testing.cassette(tmp_path / "block.json"):
        modelkit.get_model(
            "openai/gpt-4o", base_url=f"{server.url}/v1", api_key=KEY, memoize=False
        ).generate("hi")
    assert (tmp_path / "block.json").exists()
    assert not (tmp_path / "process.json").exists()


def test_a_bad_mode_is_a_config_error_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELKIT_CASSETTE", str(tmp_path / "x.json"))
    monkeypatch.setenv("MODELKIT_CASSETTE_MODE", "sometimes")
    model = modelkit.get_model("openai/gpt-4o", base_url="http://127.0.0.1:9/v1", api_key=KEY)
    with pytest.raises(ConfigError, match=r"\$MODELKIT_CASSETTE_MODE must be one of"):
        model.generate("hi")


def test_import_reads_no_variable(tmp_path: Path) -> None:
    """Set to a bad mode, the variables break nothing until an HTTP client is made."""
    code = (
        "import sys, modelkit; "
        "modelkit.get_model('mockllm/model').generate('hi'); "
        "assert 'modelkit.testing' not in sys.modules, sorted(sys.modules)"
    )
    env = {
        "PATH": "",
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "MODELKIT_CACHE_DIR": str(tmp_path / "cache"),
        "MODELKIT_CASSETTE": str(tmp_path / "x.json"),
        "MODELKIT_CASSETTE_MODE": "bogus",
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_cli_records_then_replays(tmp_path: Path) -> None:
    path = tmp_path / "cli.json"

    def run(prompt: str, url: str, mode: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": "",
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path / "home"),
            "MODELKIT_CACHE_DIR": str(tmp_path / "cache"),
            "OPENAI_API_KEY": KEY,
            "MODELKIT_CASSETTE": str(path),
            "MODELKIT_CASSETTE_MODE": mode,
        }
        argv = ["generate", "-m", "openai/gpt-4o", "--base-url", f"{url}/v1", "--max-retries", "0"]
        return subprocess.run(
            [sys.executable, "-m", "modelkit", *argv, prompt],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    with LoopbackServer(default=_echo) as server:
        url = server.url
        recorded = run("Say hello", url, "once")
    assert recorded.returncode == 0, recorded.stderr
    assert recorded.stdout.strip() == "You said: Say hello"
    assert KEY not in path.read_text()

    replayed = run("Say hello", url, "once")  # the server is gone: only the cassette answers
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout == recorded.stdout

    changed = run("Say goodbye", url, "replay")
    assert changed.returncode == 1
    lines = changed.stderr.splitlines()
    assert lines[0].startswith(f"modelkit: error: cassette {path} has no recorded answer")
    assert '-        "content": "Say hello",' in lines
    assert '+        "content": "Say goodbye",' in lines
