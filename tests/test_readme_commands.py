"""Every shell command the README and docs/*.md show works, or is covered by a named test.

``modelkit`` commands (and those piping into it) run in one shell per page
against a scratch directory holding ``prompts.jsonl`` and ``prompt.txt``;
the ``openai`` ones reach a loopback server through ``$OPENAI_BASE_URL``
(for the docs, ``docs_fakes.DocsAPIs``, which also serves OpenAI's batch
API). ``make`` commands must name a Makefile target; installing and
vendoring commands are run by ``tests/test_install.py`` (and a plain
``pip install .`` by ``scripts/check_runtime_deps.py`` in CI); any other
command must be listed in ``COVERED_ELSEWHERE`` with the test that covers it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest
from docs_fakes import DocsAPIs
from loopback import LoopbackServer

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

COVERED_ELSEWHERE = {
    "pip install .": "scripts/check_runtime_deps.py (CI)",
    'pip install "modelkit-llm @ git+': "a pip install from any git host; the wheel test builds the same tree",
    "pip wheel ": "test_install.py::test_the_wheel_is_modelkit_llm_with_two_dependencies",
    "cp -r modelkit/ ": "test_install.py::test_a_vendored_folder_needs_only_requests_and_attrs",
    'pip install "requests': "test_install.py::test_a_vendored_folder_needs_only_requests_and_attrs",
    "cd yourapp && ": "test_install.py::test_a_vendored_folder_needs_only_requests_and_attrs",
    "export MODELKIT_CACHE_URL=redis://": "tests/cache/test_cache_redis.py, tests/fleet (make test-fleet)",
    "export MODELKIT_LIMITS_URL=redis://": "tests/engine/test_engine_fleet.py, tests/fleet (make test-fleet)",
    "export MODELKIT_LEASE_SECONDS=": "tests/engine/test_engine_fleet.py (lease life)",
    "export OPENAI_API_KEY=": "every provider test reads its key from the environment",
    "pip install 'modelkit-llm[redis]'": "test_install.py (extras are declared in setup.cfg)",
    "python scripts/check_model_info.py": "tests/info/test_check_script.py",
    "pip install redis": "the redis client the fleet tests use (requirements-dev.txt)",
    "MODELKIT_CASSETTE=demo.json MODELKIT_CASSETTE_MODE=replay python ": "tests/testing (a process-wide cassette)",
}
DOC_PAGES = sorted((ROOT / "docs").glob("**/*.md"))


def _shell_commands(text: str = README) -> List[str]:
    blocks = re.findall(r"```(?:sh|bash|console)\n(.*?)```", text, flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _runs_modelkit(line: str) -> bool:
    return re.match(r"^(\w+=\S+ )*modelkit ", line) is not None or "| modelkit " in line


def test_every_command_is_run_or_covered() -> None:
    commands = _shell_commands()
    assert "make demo" in " ".join(commands) and "make test" in " ".join(commands)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for line in commands:
        if _runs_modelkit(line):
            continue
        if line.startswith("make "):
            target = line.split()[1]
            assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.M), line
            continue
        assert any(line.startswith(prefix) for prefix in COVERED_ELSEWHERE), line


def _run_commands(commands: List[str], tmp_path: Path, url: str, key: str) -> Tuple[List[str], str]:
    """Run ``commands`` in one bash in ``tmp_path`` (with the scratch prompt files),
    ``openai`` pointed at ``url``; the commands that exited non-zero, and bash's stderr."""
    (tmp_path / "prompts.jsonl").write_text(
        '"Say hello"\n{"id": "q2", "input": "What is 2 + 2?"}\n', encoding="utf-8"
    )
    (tmp_path / "prompt.txt").write_text("Say hello\n", encoding="utf-8")
    script = "".join(f'{line}\necho "::exit $? {json.dumps(line)[1:-1]}"\n' for line in commands)
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "HOME": str(tmp_path / "home"),
        "MODELKIT_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(ROOT),
        "OPENAI_API_KEY": key,
        "OPENAI_BASE_URL": f"{url}/v1",
    }
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    statuses = [
        line.split(" ", 2)[1:] for line in run.stdout.splitlines() if line.startswith("::exit ")
    ]
    assert len(statuses) == len(commands), run.stderr
    return [command for status, command in statuses if status != "0"], run.stderr


def test_the_modelkit_commands_succeed(loopback: LoopbackServer, tmp_path: Path) -> None:
    commands = [line for line in _shell_commands() if _runs_modelkit(line)]
    assert len(commands) >= 7
    failed, stderr = _run_commands(commands, tmp_path, loopback.url, "sk-readme-test")
    assert failed == [], stderr
    assert loopback.count == 2  # the openai batch example, both prompts
    assert (tmp_path / "answers.jsonl").read_text(encoding="utf-8").count("\n") == 2


def test_every_docs_command_is_run_or_covered() -> None:
    for page in DOC_PAGES:
        for line in _shell_commands(page.read_text(encoding="utf-8")):
            assert _runs_modelkit(line) or any(
                line.startswith(prefix) for prefix in COVERED_ELSEWHERE
            ), (
                f"{page.relative_to(ROOT)}: {line!r} is neither run nor covered: add it to COVERED_ELSEWHERE"
            )


@pytest.mark.parametrize(
    "page",
    [p for p in DOC_PAGES if any(map(_runs_modelkit, _shell_commands(p.read_text("utf-8"))))],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_the_docs_modelkit_commands_succeed(page: Path, tmp_path: Path) -> None:
    commands = [line for line in _shell_commands(page.read_text("utf-8")) if _runs_modelkit(line)]
    with LoopbackServer(default=DocsAPIs()) as server:
        failed, stderr = _run_commands(commands, tmp_path, server.url, "sk-docs-test")
    assert failed == [], f"{page.relative_to(ROOT)}: these commands failed: {failed}\n{stderr}"
