"""Installing modelkit: vendoring the ``modelkit/`` folder, the wheel, the demo.

The vendoring test builds a throwaway application that copies the
``modelkit/`` folder next to its code (no ``pip install`` of modelkit) and
runs it with ``python -S``: no site-packages at all, only the application's
folder, the standard library and a folder holding the two runtime
dependencies (``requests``, ``attrs``) and theirs. It makes a mockllm call,
a call to the loopback server through the ``openai`` provider and a CLI
call, then checks that every module it loaded came from one of those
places. The wheel test builds the distribution (``pip wheel``) from a copy
of the sources (as ``pip wheel .`` does) and reads its name, entry point, dependencies and files.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import List

from loopback import LoopbackServer, Received, Reply, chat_completion

import modelkit

ROOT = Path(modelkit.__file__).resolve().parents[1]

APP = '''\
"""A throwaway application with modelkit vendored next to it."""
import json, os, sys, sysconfig

import modelkit
from modelkit import get_model

here = os.path.dirname(os.path.abspath(__file__))
mock = get_model("mockllm/model", custom_outputs=["vendored hello"]).generate("hi")
remote = get_model("openai/gpt-4o", base_url=sys.argv[1], api_key="sk-vendored").generate("ping")
allowed = [os.path.realpath(p) for p in [here, *sys.argv[2:]]]
allowed += [os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")]
loaded = [getattr(m, "__file__", None) for m in list(sys.modules.values())]
outside = sorted(
    f for f in loaded if f and not any(os.path.realpath(f).startswith(a + os.sep) for a in allowed)
)
print(json.dumps({
    "modelkit": os.path.realpath(modelkit.__file__),
    "mock": mock.completion,
    "remote": remote.completion,
    "outside": outside,
    "path": sys.path,
}))
'''


def _runtime_closure(names: List[str]) -> List[str]:
    """``names`` and every distribution they require (extras left out), as installed."""
    found: List[str] = []
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.append(name)
        for requirement in metadata.requires(name) or []:
            if "extra ==" in requirement:
                continue
            required = re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0]
            try:
                todo.append(metadata.distribution(required).metadata["Name"])
            except metadata.PackageNotFoundError:  # a marker for another Python
                continue
    return found


def _runtime_dependencies(into: Path) -> List[str]:
    """Link the top-level files of requests, attrs and their own requirements into ``into``."""
    into.mkdir()
    targets: List[str] = []
    for name in _runtime_closure(["requests", "attrs"]):
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or []}
        for top in sorted(tops):
            if top.endswith((".dist-info", ".egg-info")) or top in ("..", "__pycache__"):
                continue
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (into / top).exists():
                (into / top).symlink_to(source)
                targets.append(str(source))
    return targets


def test_a_vendored_folder_needs_only_requests_and_attrs(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    def answer(received: Received) -> Reply:
        assert received.headers["authorization"] == "Bearer sk-vendored"
        return Reply(body=chat_completion(f"loopback heard {received.json()['model']}"))

    loopback.default = answer
    app = tmp_path / "app"
    shutil.copytree(
        ROOT / "modelkit", app / "modelkit", ignore=shutil.ignore_patterns("__pycache__")
    )
    (app / "app.py").write_text(APP, encoding="utf-8")
    deps = _runtime_dependencies(tmp_path / "deps")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "MODELKIT_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(tmp_path / "deps"),
    }
    python = [sys.executable, "-S"]  # -S: no site-packages, so no installed modelkit either
    run = subprocess.run(
        [*python, "app.py", f"{loopback.url}/v1", *deps],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["modelkit"] == str((app / "modelkit" / "__init__.py").resolve())
    assert report["mock"] == "vendored hello"
    assert report["remote"] == "loopback heard gpt-4o"
    assert report["outside"] == [], report["path"]
    assert not any("site-packages" in entry for entry in report["path"])

    cli = subprocess.run(
        [*python, "-m", "modelkit", "generate", "--model", "mockllm/model", "hi"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (cli.returncode, cli.stdout) == (0, "Default output from mockllm/model\n"), cli.stderr


def test_the_wheel_is_modelkit_llm_with_two_dependencies(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(
        ROOT / "modelkit", source / "modelkit", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    # What `pip wheel .` runs, without pip's start-up and build isolation (offline, faster).
    backend = "import sys, setuptools.build_meta as b; b.build_wheel(sys.argv[1])"
    build = subprocess.run(
        [sys.executable, "-c", backend, str(tmp_path / "dist")],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == f"modelkit_llm-{modelkit.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = f"modelkit_llm-{modelkit.__version__}.dist-info"
        meta = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert {name.split("/")[0] for name in names} == {"modelkit", info}
    assert "modelkit/py.typed" in names and "modelkit/cli/main.py" in names
    assert "modelkit/info/model_info.json" in names  # the price table travels with the wheel
    assert "Name: modelkit-llm" in meta.splitlines()
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert [r for r in requires if "extra ==" not in r] == [
        "Requires-Dist: requests>=2.25",
        "Requires-Dist: attrs>=22.2",
    ]
    parser = configparser.ConfigParser()
    parser.read_string(entry_points)
    assert parser["console_scripts"]["modelkit"] == "modelkit.cli:main"
    assert parser["pytest11"]["modelkit"] == "modelkit.testing.pytest_plugin"


def test_make_demo_installs_only_the_runtime_and_answers_prompts(tmp_path: Path) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo_rules = makefile.split("\nDEMO_VENV ?=")[1].split("\ntest:")[0]
    assert "pip install -q -e .\n" in demo_rules and "requirements-dev" not in demo_rules
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    env["MODELKIT_CACHE_DIR"] = str(tmp_path / "cache")
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "> What is the capital of France?\nParis." in run.stdout
    assert '$ modelkit generate --model mockllm/model "Say hello"\n' in run.stdout
