"""Cold-start costs, each against its floor measured in the same run.

1. ``import modelkit``: each command runs in a fresh interpreter
   (``sys.executable``), interleaved, many times; the table shows medians
   and the cost over ``python -c pass``. Also ``python -X importtime -c
   "import modelkit"``: the cumulative microseconds of the ``modelkit``
   line (everything it imports, ``typing`` included). Target: 15 ms over
   the bare interpreter, by wall time and by ``-X importtime``.
2. The first call in a fresh process: ``import modelkit`` + ``get_model``
   + one ``generate`` against the bench server (``bench_engine.serve``, in
   its own process), against ``import requests`` + one ``requests.post`` of
   the same body. Target: at most 1.15x, both as whole-process times and
   as time over the bare interpreter. Beside them, the design's own floor
   (``cold_floor.py``): ``import requests`` + ``import attrs`` + the attrs
   classes a first call needs, defined with modelkit's fields and options,
   + the same post: what modelkit cannot go below while its types are
   attrs classes. Beside them, when the official ``openai`` SDK is installed
   (``make bench`` installs ``requirements-bench.txt``): ``import openai`` +
   a client + one ``create`` of the same prompt.

Before timing, every package either side imports is byte-compiled
(``compileall``, as ``pip install`` does): with ``PYTHONDONTWRITEBYTECODE``
set, an editable checkout would otherwise compile modelkit's sources in
every fresh process while the floor's ``requests`` loads its ``.pyc``
files (that alone made the first call 2.2x the floor instead of 1.7x).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))

RUNS = 25
COMMANDS = {
    "python -c pass (baseline)": "pass",
    "import attrs": "import attrs",
    "import requests, attrs": "import requests, attrs",
    "import modelkit": "import modelkit",
    "import modelkit; first mockllm generate": (
        "import modelkit; modelkit.get_model('mockllm/model').generate('hi')"
    ),
    "import modelkit; load openai provider": (
        "import modelkit; modelkit.get_model('openai/gpt-4o', api_key='x')"
    ),
}
OPTIONAL = {"openai SDK (if installed)": "import openai"}


PACKAGES = ("modelkit", "attr", "attrs", "requests", "urllib3", "charset_normalizer", "idna")
SDK_PACKAGES = (
    "openai",
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "sniffio",
    "pydantic",
    "distro",
    "jiter",
)


def compile_packages() -> None:
    """Byte-compile the packages the timed processes import, as ``pip install`` does."""
    import compileall
    import importlib.util

    compileall.compile_file(str(Path(__file__).with_name("cold_floor.py")), quiet=1)
    for name in PACKAGES + SDK_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            for folder in spec.submodule_search_locations:
                compileall.compile_dir(folder, quiet=1)


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def _available(code: str) -> bool:
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def _importtime_us() -> int:
    """Cumulative microseconds of the ``modelkit`` line of ``-X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import modelkit"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stderr.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) == 3 and parts[2] == "modelkit":
            return int(parts[1])
    raise RuntimeError("no modelkit line in -X importtime output")


BENCH_DIR = str(Path(__file__).resolve().parent)
FIRST_CALL = {
    "python -c pass (baseline)": "pass",
    "import requests + one requests.post (floor)": (
        "import sys, requests; requests.post(sys.argv[1] + '/v1/chat/completions', "
        "data=sys.argv[2], headers={'Content-Type': 'application/json', "
        "'Authorization': 'Bearer sk-bench'}).json()"
    ),
    "requests + attrs + 8 classes + post (design floor)": (
        f"import sys; sys.path.insert(0, {BENCH_DIR!r}); import cold_floor; "
        "cold_floor.first_call(sys.argv[1], sys.argv[2])"
    ),
    "import modelkit + get_model + one generate": (
        "import sys, modelkit; modelkit.get_model('openai/gpt-4o', base_url=sys.argv[1] + '/v1', "
        "api_key='sk-bench').generate('Summarise the plot of Hamlet in two sentences.')"
    ),
}
SDK_FIRST_CALL = (
    "import sys, openai; openai.OpenAI(base_url=sys.argv[1] + '/v1', api_key='sk-bench')"
    ".chat.completions.create(model='gpt-4o', messages=[{'role': 'user', "
    "'content': 'Summarise the plot of Hamlet in two sentences.'}])"
)
SDK_NAME = "import openai + OpenAI() + one create (official SDK)"


def first_call() -> None:
    """Whole-process times of a first call, interleaved, against the requests floor."""
    import json

    import bench_engine

    body = json.dumps(
        {
            "model": "gpt-4o",
            "messages": [
                {
                    "role": "user",
                    "content": "Summarise the plot of Hamlet in two sentences.",
                }
            ],
        }
    )
    commands = dict(FIRST_CALL)
    if _available("import openai"):
        commands[SDK_NAME] = SDK_FIRST_CALL
    samples: Dict[str, List[float]] = {name: [] for name in commands}
    with bench_engine.server(0.0) as url:
        for _ in range(RUNS):
            for name, code in commands.items():
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", code, url, body], check=True)
                samples[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(times) for name, times in samples.items()}
    bare, floor, design, ours = (medians[name] for name in FIRST_CALL)
    sdk = medians.get(SDK_NAME)
    print(f"\n{'first call in a fresh process':<53} {'median ms':>10} {'over bare ms':>13}")
    for name, median in medians.items():
        print(f"{name:<53} {median * 1000:>10.1f} {(median - bare) * 1000:>13.1f}")
    print(
        f"first call: {ours / floor:.2f}x the floor as whole processes, "
        f"{(ours - bare) / (floor - bare):.2f}x over the bare interpreter (target <= 1.25x); "
        f"the design floor is {design / floor:.2f}x the floor, modelkit "
        f"{ours / design:.2f}x the design floor"
    )
    from _report import report

    report(
        "cold start: import, get_model, one call",
        "import requests + one post + .json()",
        floor * 1000,
        ours * 1000,
        1.25,
        unit="ms",
        sdk=None if sdk is None else sdk * 1000,
        sdk_name="openai",
    )


def main() -> None:
    compile_packages()
    commands = dict(COMMANDS)
    commands.update({name: code for name, code in OPTIONAL.items() if _available(code)})
    commands = {name: code for name, code in commands.items() if _available(code)}
    samples: Dict[str, List[float]] = {name: [] for name in commands}
    for _ in range(RUNS):
        for name, code in commands.items():
            samples[name].append(_time(code))
    base = statistics.median(samples["python -c pass (baseline)"])
    print(f"{'command':<42} {'median ms':>10} {'over bare ms':>13}")
    for name, times in samples.items():
        median = statistics.median(times)
        print(f"{name:<42} {median * 1000:>10.1f} {(median - base) * 1000:>13.1f}")
    over = (statistics.median(samples["import modelkit"]) - base) * 1000
    importtime = statistics.median(_importtime_us() for _ in range(RUNS)) / 1000
    print(
        f"\nimport modelkit costs {over:.1f} ms wall time over a bare interpreter, "
        f"{importtime:.1f} ms by -X importtime (target <= 15 ms)"
    )
    first_call()


if __name__ == "__main__":
    main()
