"""Every ```python block in README.md and docs/**/*.md runs as written.

Each markdown file's blocks run in order, in one namespace, in a fresh
``python tests/docs_runner.py FILE`` (so a page's global settings, logging
or registered providers stay in its own process), with top-level ``await``
allowed. The network is a loopback server (``docs_fakes.DocsAPIs``: OpenAI,
Mistral and the OpenAI-compatible presets, OpenAI batches, Anthropic,
Gemini, Bedrock) reached through the ``*_BASE_URL`` / endpoint variables,
with dummy keys. The working directory holds the files the examples name:
``photo.png``, ``reports/q3.pdf`` and ``my_mcp_server.py`` (the stdio MCP
server of ``tests/tools/mcp_fake_server.py``); nothing else is prepared:
a block must define or import what it uses (or follow a block of the same
page that does).

A block that cannot run here (it needs a Dask cluster, Ray or Spark) starts
with a visible marker line, ``# docs-test: skip (<why>)``, and must be listed
in ``SKIPPED`` below with the same reason: a new skip is a decision made in
review, never a silent one. Wire shapes of the fakes: see ``docs_fakes``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from docs_fakes import DocsAPIs
from docs_runner import python_blocks, skip_reason
from loopback import LoopbackServer

ROOT = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).resolve().parent / "docs_runner.py"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]

SKIPPED: List[Tuple[str, str]] = [
    ("README.md", "needs a Dask cluster"),
    ("docs/fleet.md", "needs a Dask cluster"),
    ("docs/fleet.md", "needs a Ray cluster"),
    ("docs/fleet.md", "needs a Spark session"),
]
"""(page, why) of each block not run; each such block starts with its marker line."""

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MCP_SERVER = f"""import runpy, sys
sys.argv = [sys.argv[0], "ok"]
runpy.run_path({str(Path(__file__).resolve().parent / "tools" / "mcp_fake_server.py")!r}, run_name="__main__")
"""


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _pages_with_code() -> List[Path]:
    return [page for page in PAGES if any(python_blocks(page.read_text(encoding="utf-8")))]


def _environment(tmp_path: Path, url: str) -> Dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "MODELKIT_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(ROOT),
        "PYTHONWARNINGS": "error",  # as the suite runs: a warning is a failure
        "MODELKIT_MAX_RETRIES": "0",
    }
    for provider in ("OPENAI", "MISTRAL", "GROQ", "LMSTUDIO", "TOGETHER"):
        env[f"{provider}_API_KEY"] = f"docs-test-{provider.lower()}-key"
        env[f"{provider}_BASE_URL"] = f"{url}/v1"
    env["ANTHROPIC_API_KEY"] = "docs-test-anthropic-key"
    env["ANTHROPIC_BASE_URL"] = url
    env["GOOGLE_API_KEY"] = "docs-test-google-key"
    env["GOOGLE_BASE_URL"] = url
    env["AZURE_OPENAI_API_KEY"] = "docs-test-azure-key"
    env["AZURE_OPENAI_ENDPOINT"] = url
    env["AWS_ACCESS_KEY_ID"] = "AKIDDOCSTEST"
    env["AWS_SECRET_ACCESS_KEY"] = "docs-test-secret"
    env["AWS_REGION"] = "us-east-1"
    env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = url
    return env


@pytest.mark.parametrize("page", _pages_with_code(), ids=_name)
def test_the_python_blocks_run(page: Path, tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(PNG)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "q3.pdf").write_bytes(PDF)
    (tmp_path / "my_mcp_server.py").write_text(MCP_SERVER, encoding="utf-8")
    with LoopbackServer(default=DocsAPIs()) as server:
        run = subprocess.run(
            [sys.executable, str(RUNNER), str(page), _name(page)],
            cwd=tmp_path,
            env=_environment(tmp_path, server.url),
            capture_output=True,
            text=True,
            timeout=120,
        )
    if run.returncode != 0:
        pytest.fail(
            f"a ```python block of {_name(page)} does not run as written.{run.stderr}\n"
            "Each page's blocks run in order in one namespace (tests/docs_runner.py), "
            "against loopback fakes of the APIs (tests/docs_fakes.py). Make the block "
            "define or import what it uses; if it truly cannot run here, start it with "
            "'# docs-test: skip (<why>)' and add it to SKIPPED in tests/test_docs.py.",
            pytrace=False,
        )
    skipped = sorted(
        line.rsplit(": ", 1)[1] for line in run.stdout.splitlines() if line.startswith("docs-test:")
    )
    assert skipped == sorted(why for name, why in SKIPPED if name == _name(page))


def test_every_skip_marker_is_listed_with_its_reason() -> None:
    found = sorted(
        (_name(page), why)
        for page in PAGES
        for _, _, code in python_blocks(page.read_text(encoding="utf-8"))
        for why in [skip_reason(code)]
        if why is not None
    )
    assert found == sorted(SKIPPED), "a '# docs-test: skip (...)' marker and SKIPPED disagree"


def test_the_runner_reports_the_page_block_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n```python\nx = 1\n```\n\nText.\n\n```python\ny = x + 1\nprint(z)\n```\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, str(RUNNER), str(page)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1
    assert "page.md block 2 (line 10) failed: NameError: name 'z' is not defined" in run.stderr
    assert "  line 11: print(z)" in run.stderr


@pytest.mark.parametrize(
    ("page", "spec"),
    [
        ("anthropic.md", "anthropic/claude-sonnet-4-5"),
        ("bedrock.md", "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0"),
        ("google.md", "google/gemini-2.5-flash"),
        ("mistral.md", "mistral/mistral-large-latest"),
        ("openai.md", "openai/gpt-4o"),
    ],
)
def test_a_provider_page_lists_streaming_as_the_provider_does(page: str, spec: str) -> None:
    from modelkit import GenerateConfig, get_model

    text = (ROOT / "docs" / "providers" / page).read_text(encoding="utf-8")
    [row] = [line for line in text.splitlines() if line.startswith("| Not supported |")]
    model = get_model(spec, api_key="docs-test-key", memoize=False)
    streams = model.api.stream_decoder(GenerateConfig()) is not None
    assert streams, f"{spec} cannot stream: say so on {page}"
    assert "stream" not in row.lower(), f"{page}: 'Not supported' lists streaming: {row}"


def _long_options(parser: argparse.ArgumentParser) -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _long_options(sub)
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                yield option


@pytest.mark.parametrize(
    "argv", [["generate"], ["batch", "in.jsonl"], ["batch", "submit"], ["cache", "size"]]
)
def test_docs_cli_names_every_option(argv: List[str]) -> None:
    from modelkit.cli.main import build_parser

    documented = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = sorted(
        option
        for option in set(_long_options(build_parser(argv)))
        if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", documented)
    )
    assert not missing, f"docs/cli.md does not mention {missing}"
