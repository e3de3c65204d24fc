"""The pytest plugin, as a user's test suite meets it: a real ``pytest`` subprocess.

The plugin must be found through its ``pytest11`` entry point (no ``-p``
option, no conftest), name each test's cassette
``cassettes/<module>/<test>.json`` beside the test file, record on the
first run, replay offline after, re-record with ``--modelkit-record``,
and fail a changed prompt with the diff. The user's tests call the
loopback OpenAI server (chat completion bodies as documented at
https://platform.openai.com/docs/api-reference/chat/object).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Dict

from loopback import LoopbackServer, Received, Reply, chat_completion

import modelkit

ROOT = Path(modelkit.__file__).resolve().parents[1]
KEY = "sk-plugin-Key0123456789"

USER_TESTS = '''
import os

import modelkit
import pytest


def model():
    return modelkit.get_model(
        "openai/gpt-4o", base_url=os.environ["APP_URL"] + "/v1", api_key=os.environ["APP_KEY"]
    )


def test_summary(modelkit_cassette):
    assert model().generate(os.environ.get("APP_PROMPT", "hi")).completion.startswith("You said")
    print("RECORDING" if modelkit_cassette.recording else "REPLAYING", modelkit_cassette.path)


@pytest.mark.parametrize("word", ["a/b", "c"])
def test_words(modelkit_cassette, word):
    assert model().generate(word).completion == f"You said: {word}"


class TestGroup:
    def test_inside(self, modelkit_cassette):
        assert model().generate("grouped").completion == "You said: grouped"
'''


def _echo(received: Received) -> Reply:
    prompt = received.json()["messages"][-1]["content"]
    return Reply(body=chat_completion(f"You said: {prompt}"))


def _pytest(project: Path, url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment: Dict[str, str] = {
        "PATH": "",
        "PYTHONPATH": str(ROOT),
        "HOME": str(project / "home"),
        "MODELKIT_CACHE_DIR": str(project / "cache"),
        "APP_URL": url,
        "APP_KEY": "sk-placeholder-for-replay",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *args, "tests"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_entry_point_names_the_plugin() -> None:
    points = metadata.entry_points()
    group = points.select(group="pytest11") if hasattr(points, "select") else points["pytest11"]
    found = [e for e in group if e.name == "modelkit"]
    assert {e.value for e in found} == {"modelkit.testing.pytest_plugin"}  # 3.8 may list it twice


def test_record_replay_and_rerecord_in_a_user_suite(tmp_path: Path) -> None:
    project = tmp_path / "app"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_app.py").write_text(textwrap.dedent(USER_TESTS))
    folder = project / "tests" / "cassettes" / "test_app"

    with LoopbackServer(default=_echo) as server:
        url = server.url
        first = _pytest(project, url, APP_KEY=KEY)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "RECORDING" in first.stdout
        assert server.count == 4
        names = sorted(p.name for p in folder.iterdir())
        assert names == [
            "TestGroup.test_inside.json",
            "test_summary.json",
            "test_words[a_b].json",
            "test_words[c].json",
        ]
        for path in folder.iterdir():
            assert KEY not in path.read_text()
        written = json.loads((folder / "test_words[a_b].json").read_text())
        assert written["interactions"][0]["request"]["body"]["json"]["messages"][0]["content"] == "a/b"

        rerecorded = _pytest(project, url, "--modelkit-record", APP_KEY=KEY)
        assert rerecorded.returncode == 0, rerecorded.stdout + rerecorded.stderr
        assert server.count == 8

    replayed = _pytest(project, url)  # the server is gone, the key a placeholder
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert f"REPLAYING {folder / 'test_summary.json'}" in replayed.stdout

    changed = _pytest(project, url, "-k", "summary", APP_PROMPT="hello")
    assert changed.returncode == 1
    assert "CassetteMismatchError" in changed.stdout
    assert '-        "content": "hi",' in changed.stdout
    assert '+        "content": "hello",' in changed.stdout
